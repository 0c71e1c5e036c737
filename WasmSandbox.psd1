@{
    RootModule           = 'WasmSandbox.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.6'
    GUID                 = '6f0c2a8e-5b7d-4c1e-9a3f-2d8b4e6a1c57'
    Author               = 'WasmSandbox contributors'
    CompanyName          = 'WasmSandbox contributors'
    Copyright            = '(c) WasmSandbox contributors. Apache-2.0.'
    Description          = 'Runs untrusted WebAssembly (WASI preview 1) safely inside PowerShell on Wasmtime: no host files unless granted, no host environment, no network, bounded CPU, memory and time; the guest''s stdout, stderr, signal registrations and exit code arrive as typed pipeline objects.'
    FormatsToProcess     = @('WasmSandbox.format.ps1xml')
    TypesToProcess       = @('WasmSandbox.types.ps1xml')
    CmdletsToExport      = @(
        'New-WasmContext'
        'Get-WasmContext'
        'Remove-WasmContext'
        'Start-WasmExecution'
        'Get-WasmExecution'
        'Wait-WasmExecution'
        'Stop-WasmExecution'
        'Receive-WasmEvent'
        'Send-WasmRpcResponse'
        'Invoke-WasmModule'
        'Test-WasmModule'
        'New-WasmCommand'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('WebAssembly', 'Wasm', 'WASI', 'Wasmtime', 'Sandbox', 'Security', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            LicenseUri   = 'https://www.apache.org/licenses/LICENSE-2.0'
            ReleaseNotes = 'First release: contexts, background executions, typed events, permission tiers, fuel/memory/time/output limits; per-runspace contexts and executions; WasmJobs registered like ThreadJobs. Requires PowerShell 7.6. Full notes: CHANGELOG.md in the package.'
        }
    }
}
