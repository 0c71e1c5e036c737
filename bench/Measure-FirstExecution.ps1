<#
.SYNOPSIS
    Times the first execution of a module in a new PowerShell session: Import-Module, then the first
    'Start-WasmExecution -Wait'.

.DESCRIPTION
    Run by bench/Invoke-Benchmarks.ps1 in a fresh 'pwsh -NoProfile' per sample, with the disk compile cache already
    holding the module, so the time is what a user's new session pays for its first run: the engine's start-up, the
    JIT (less whatever the staged ReadyToRun images save), loading the compiled module from disk, and the run itself.
    Writes one JSON line to stdout: importMs, firstRunMs (the Start-WasmExecution -Wait call) and the source of the
    compiled module ('disk' when the cache was used).

.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Measure-FirstExecution.ps1 -ModulePath out/WasmSandbox -ModuleFile out/bench/guests/sqlbench.wasm -ArgumentList 1
#>
#Requires -Version 7.0
[CmdletBinding()]
[OutputType([string])]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ModuleFile,
    [string[]] $ArgumentList = @()
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$manifest = Join-Path (Resolve-Path -LiteralPath $ModulePath).ProviderPath 'WasmSandbox.psd1'
$file = (Resolve-Path -LiteralPath $ModuleFile).ProviderPath
$clock = [Diagnostics.Stopwatch]::StartNew()
Import-Module $manifest
$importMs = $clock.Elapsed.TotalMilliseconds

$context = New-WasmContext -Path $file
$clock.Restart()
$events = @(Start-WasmExecution -Context $context -ArgumentList $ArgumentList -Wait)
$firstRunMs = $clock.Elapsed.TotalMilliseconds

$exited = $events[-1]
if ($exited -isnot [WasmSandbox.WasmExitedEvent] -or $exited.ExitCode -ne 0) {
    throw "the first run did not end cleanly: $exited"
}
$execution = Get-WasmExecution -Id $exited.ExecutionId
[ordered]@{
    importMs = [Math]::Round($importMs, 3)
    firstRunMs = [Math]::Round($firstRunMs, 3)
    source = $execution.Warmup.Source
} | ConvertTo-Json -Compress
