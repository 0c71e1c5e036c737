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

Describe 'New-WasmContext -Bytes' {
    BeforeAll {
        $script:stdioBytes = [IO.File]::ReadAllBytes((Get-GuestPath 'stdio.wasm'))
    }

    It 'runs a module given as bytes, named as given, without any file' {
        $context = New-WasmContext -Bytes $stdioBytes -Name tool.wasm
        $context.IsFromBytes | Should -BeTrue
        $context.ModulePath | Should -BeExactly 'tool.wasm'
        $context.ModuleSize | Should -Be $stdioBytes.Length
        $exec = Start-WasmExecution $context -ArgumentList 'args', 'x' -WorkingDirectory $TestDrive
        $out = $exec | Receive-WasmEvent -Wait
        -join ($out | Where-Object Kind -eq Stdout).Text | Should -BeExactly "tool.wasm`nargs`nx`n"
        $exec.ExitCode | Should -Be 0
        $exec.ModulePath | Should -BeExactly 'tool.wasm'
        $exec.ResolvedModulePath | Should -BeExactly 'bytes:tool.wasm'
    }

    It 'compiles once: a second context on the same bytes starts from the compile cache' {
        $first = Start-WasmExecution (New-WasmContext -Bytes $stdioBytes -Name a.wasm) -ArgumentList 'args'
        $null = $first | Receive-WasmEvent -Wait
        $second = Start-WasmExecution (New-WasmContext -Bytes $stdioBytes -Name b.wasm) -ArgumentList 'args'
        $null = $second | Receive-WasmEvent -Wait
        $first.ExitCode | Should -Be 0
        $second.ExitCode | Should -Be 0
        $second.Warmup.Source | Should -BeIn 'memory', 'disk'
        $second.Warmup.Executed | Should -BeFalse
    }

    It 'keeps its own copy: changing the array afterwards does not change what runs' {
        $copy = [byte[]]$stdioBytes.Clone()
        $context = New-WasmContext -Bytes $copy -Name tool.wasm
        [Array]::Clear($copy, 0, $copy.Length)
        $exec = Start-WasmExecution $context -ArgumentList 'args'
        $null = $exec | Receive-WasmEvent -Wait
        $exec.ExitCode | Should -Be 0
    }

    It 'converts WebAssembly text when the name ends in .wat, as for a file' {
        $text = New-WatCommand '(call $print (i32.const 1024) (i32.const 3) (i32.const 1))' '(data (i32.const 1024) "hi\0a")'
        $context = New-WasmContext -Bytes ([Text.Encoding]::UTF8.GetBytes($text)) -Name hi.wat -Precompile
        -join (Start-WasmExecution $context | Receive-WasmEvent -Wait | Where-Object Kind -eq Stdout).Text | Should -BeExactly "hi`n"
    }

    It 'refuses bytes that are not a module with the error a file gets, naming the module' {
        $context = New-WasmContext -Bytes ([Text.Encoding]::ASCII.GetBytes("#!/bin/sh`necho hi`n")) -Name script.wasm
        $failure = $null
        try { Start-WasmExecution $context -ErrorAction Stop } catch { $failure = $_ }
        $failure | Should -Not -BeNullOrEmpty
        $failure.Exception | Should -BeOfType ([WasmSandbox.WasmSandboxException])
        $failure.Exception.Message | Should -BeLike '*script.wasm*'
    }

    It 'refuses a name that is not a plain file name' {
        { New-WasmContext -Bytes $stdioBytes -Name '../tool.wasm' } | Should -Throw -ErrorId 'NewWasmContextInvalidName,WasmSandbox.Commands.NewWasmContextCommand'
        { New-WasmContext -Bytes $stdioBytes -Name '' } | Should -Throw -ErrorId 'ParameterArgumentValidationError,WasmSandbox.Commands.NewWasmContextCommand'
    }
}
