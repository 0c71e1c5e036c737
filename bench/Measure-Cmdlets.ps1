<#
.SYNOPSIS
    Measures the sandbox through its cmdlets: the per-call cost of Start-WasmExecution -Wait on a hello-world guest,
    and how fast Receive-WasmEvent delivers a guest's stdout.

.DESCRIPTION
    Run by bench/Invoke-Benchmarks.ps1 in a fresh 'pwsh -NoProfile', so nothing else is loaded. Imports the staged
    module, warms it up (engine, compiled modules, JIT), then:

      hello     times each of -Runs calls of 'Start-WasmExecution -Context $hello -Wait' (events discarded), one after
                another; reports the median and the spread in milliseconds.
      receive   starts 'stdio flood <FloodBytes>' and times until 'Receive-WasmEvent -Wait' has delivered every event
                to a pipeline that adds up the stdout bytes; reports MB/s (10^6 bytes per second) per run.

    Writes the results as one JSON object to -ResultPath (the host output of a child pwsh shares its stdout, so the
    results do not go there); progress goes to the host.

.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Measure-Cmdlets.ps1 -ModulePath out/WasmSandbox -HelloModule out/bench/guests/hello.wasm -StdioModule out/guests/stdio.wasm -ResultPath out/bench/results/cmdlets.json
#>
#Requires -Version 7.0
[CmdletBinding()]
[OutputType([void])]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $HelloModule,
    [Parameter(Mandatory)] [string] $StdioModule,
    [Parameter(Mandatory)] [string] $ResultPath,
    [ValidateRange(1, 1000000)] [int] $Runs = 500,
    [ValidateRange(1, [long]::MaxValue)] [long] $FloodBytes = 1GB,
    [ValidateRange(1, 100)] [int] $FloodRuns = 3
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

function Get-Summary([double[]] $Values) {
    $sorted = [double[]]($Values | Sort-Object)
    $mid = [int][Math]::Floor($sorted.Count / 2)
    $median = if ($sorted.Count % 2) { $sorted[$mid] } else { ($sorted[$mid - 1] + $sorted[$mid]) / 2 }
    [ordered]@{
        count = $sorted.Count
        median = [Math]::Round($median, 3)
        min = [Math]::Round($sorted[0], 3)
        max = [Math]::Round($sorted[-1], 3)
    }
}

Import-Module (Join-Path (Resolve-Path -LiteralPath $ModulePath).ProviderPath 'WasmSandbox.psd1')
$hello = New-WasmContext -Path (Resolve-Path -LiteralPath $HelloModule).ProviderPath
$stdio = New-WasmContext -Path (Resolve-Path -LiteralPath $StdioModule).ProviderPath

# Warm-up: the engine, the compiled module and the cmdlets' own code paths.
foreach ($i in 1..50) {
    $events = @(Start-WasmExecution -Context $hello -Wait)
    $exited = $events[-1]
    if ($exited -isnot [WasmSandbox.WasmExitedEvent] -or $exited.ExitCode -ne 0) {
        throw "hello did not run cleanly: $($events -join '; ')"
    }
}

Write-Host "cmdlets: $Runs calls of Start-WasmExecution -Wait"
$clock = [Diagnostics.Stopwatch]::new()
$helloMs = foreach ($i in 1..$Runs) {
    $clock.Restart()
    $null = Start-WasmExecution -Context $hello -Wait
    $clock.Elapsed.TotalMilliseconds
}

$null = Start-WasmExecution -Context $stdio -ArgumentList 'flood', '1048576' -Wait
$floodMBps = foreach ($run in 1..$FloodRuns) {
    Write-Host "cmdlets: Receive-WasmEvent of $FloodBytes bytes, run $run of $FloodRuns"
    [GC]::Collect()
    $received = 0L
    $clock.Restart()
    $execution = Start-WasmExecution -Context $stdio -ArgumentList 'flood', "$FloodBytes"
    Receive-WasmEvent -Execution $execution -Wait | ForEach-Object {
        if ($_ -is [WasmSandbox.WasmStdoutEvent]) { $received += $_.Data.Length }
    }
    $seconds = $clock.Elapsed.TotalSeconds
    if ($received -ne $FloodBytes -or $execution.ExitCode -ne 0) {
        throw "flood delivered $received of $FloodBytes bytes and exited $($execution.ExitCode)"
    }
    $FloodBytes / 1e6 / $seconds
}

[ordered]@{
    scenario = 'cmdlets'
    startWaitMs = Get-Summary $helloMs
    receiveMegabytesPerSecond = Get-Summary $floodMBps
    floodBytes = $FloodBytes
} | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $ResultPath
