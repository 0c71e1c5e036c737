BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-StagedModule
}

Describe 'The staged WasmSandbox module' {
    It 'exports exactly the documented cmdlets and nothing else' {
        $module = Get-Module WasmSandbox
        $module.ExportedFunctions.Count | Should -Be 0
        $module.ExportedAliases.Count | Should -Be 0
        $module.ExportedVariables.Count | Should -Be 0
        $expected = 'Get-WasmContext', 'Get-WasmExecution', 'Invoke-WasmModule', 'New-WasmCommand', 'New-WasmContext', 'Receive-WasmEvent',
            'Remove-WasmContext', 'Send-WasmRpcResponse', 'Start-WasmExecution', 'Stop-WasmExecution', 'Test-WasmModule', 'Wait-WasmExecution'
        $module.ExportedCmdlets.Keys | Sort-Object | Should -Be $expected
    }

    It 'passes Test-ModuleManifest' {
        $manifest = Test-ModuleManifest (Join-Path $env:WASMSANDBOX_TEST_MODULE 'WasmSandbox.psd1')
        $manifest.Version | Should -BeGreaterThan ([version]'0.0')
        $manifest.CompatiblePSEditions | Should -Be 'Core'
    }

    It 'makes its public types nameable by type literal' {
        [WasmSandbox.WasmExitedEvent].FullName | Should -Be 'WasmSandbox.WasmExitedEvent'
        [WasmSandbox.WasmPermissionTier]::ReadOnly | Should -Be 'ReadOnly'
        [WasmSandbox.WasmEventKind]'Stdout' | Should -Be ([WasmSandbox.WasmEventKind]::Stdout)
    }

    It 'loads the native Wasmtime library from its own folder' {
        $dir = New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "ws-$([guid]::NewGuid())")
        $wat = New-WatFile $dir 'hello.wat' (New-WatCommand '(call $print (i32.const 1024) (i32.const 3) (i32.const 1))' '(data (i32.const 1024) "ok\0a")')
        $events = Start-WasmExecution -Context (New-WasmContext $wat) -Wait
        ($events | Where-Object Kind -eq Stdout).Text | Should -Be "ok`n"
        Remove-Item $dir -Recurse -Force
    }
}
