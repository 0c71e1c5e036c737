BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-StagedModule
}

Describe 'New-WasmContext' {
    It 'returns a context that keeps the path exactly as given and numbers ids per process' {
        $a = New-WasmContext -Path './does-not-exist-yet.wasm'
        $b = New-WasmContext './x.wat' -VmId 'vm-wasm'
        $a | Should -BeOfType ([WasmSandbox.WasmContext])
        $a.ModulePath | Should -BeExactly './does-not-exist-yet.wasm'
        $a.VmId | Should -Be 'default'
        $b.VmId | Should -Be 'vm-wasm'
        $a.ContextId | Should -Match '^wasm-ctx-\d+$'
        [int]($b.ContextId -replace 'wasm-ctx-') | Should -Be ([int]($a.ContextId -replace 'wasm-ctx-') + 1)
    }

    It 'refuses an empty path' {
        { New-WasmContext -Path '' } | Should -Throw -ErrorId 'ParameterArgumentValidationError,WasmSandbox.Commands.NewWasmContextCommand'
    }
}
