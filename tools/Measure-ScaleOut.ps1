#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Measures N short runs in one process, with ForEach-Object -Parallel, and over SSH remoting sessions on loopback.
.DESCRIPTION
    The numbers behind docs/scale-out.md. Every way runs the same guest (out/guests/stdio.wasm printing its arguments)
    with Invoke-WasmModule -AsResult, checks that every result came back right, and prints runs per second:
      one process                      a plain loop in this session
      ForEach-Object -Parallel         one run per pipeline item, -ThrottleLimit 4; and batched, N/4 runs per item
      SSH, one call per run            Invoke-Command on 4 sessions at once, one run per call
      SSH, batched                     one Invoke-Command over 4 sessions, N/4 runs in each
    The sessions go to a private sshd on 127.0.0.1 (tests/Pester/SshServer.psm1), as in the remoting tests; their
    opening is not timed. Build first: dotnet pwsh ./build.ps1 -Task Build
.EXAMPLE
    dotnet pwsh ./tools/Measure-ScaleOut.ps1 -Runs 1000
#>
[CmdletBinding()]
param(
    [ValidateRange(4, 100000)] [int] $Runs = 1000,
    [ValidateRange(1, 64)] [int] $Sessions = 4
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
if ($Runs % $Sessions) { throw "-Runs ($Runs) must be a multiple of -Sessions ($Sessions): each session gets the same share" }

$root = Split-Path $PSScriptRoot
$stage = Join-Path $root 'out/WasmSandbox'
$guest = Join-Path $root 'out/guests/stdio.wasm'
if (-not (Test-Path $guest) -or -not (Test-Path $stage)) { throw 'build first: dotnet pwsh ./build.ps1 -Task Build' }
Import-Module (Join-Path $stage 'WasmSandbox.psd1')
Import-Module (Join-Path $root 'tests/Pester/SshServer.psm1')

function Assert-Results([object[]] $Results, [string] $Way) {
    $bad = @($Results | Where-Object { -not $_.Succeeded -or $_.Stdout -notmatch "^stdio.wasm`nargs`nrun\d+`n$" })
    if ($Results.Count -ne $Runs -or $bad.Count) { throw "$Way returned $($Results.Count) results, $($bad.Count) wrong" }
}

function Measure-Way([string] $Way, [scriptblock] $Body) {
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $results = @(& $Body)
    $watch.Stop()
    Assert-Results $results $Way
    [pscustomobject]@{ Way = $Way; Runs = $Runs; Seconds = [math]::Round($watch.Elapsed.TotalSeconds, 2); RunsPerSecond = [math]::Round($Runs / $watch.Elapsed.TotalSeconds) }
}

# Warm the compile cache and this process's engine, as a runbook's second batch would find them.
$null = Invoke-WasmModule $guest args warm -AsResult

$rows = [Collections.Generic.List[object]]::new()
$rows.Add((Measure-Way 'one process, a loop' { foreach ($n in 1..$Runs) { Invoke-WasmModule $guest args "run$n" -AsResult } }))
$rows.Add((Measure-Way "ForEach-Object -Parallel -ThrottleLimit $Sessions, a run per item" {
    1..$Runs | ForEach-Object -ThrottleLimit $Sessions -Parallel {
        Import-Module (Join-Path $using:stage 'WasmSandbox.psd1')
        Invoke-WasmModule $using:guest args "run$_" -AsResult
    }
}))

$rows.Add((Measure-Way "ForEach-Object -Parallel -ThrottleLimit $Sessions, batched ($($Runs / $Sessions) runs per item)" {
    1..$Sessions | ForEach-Object -ThrottleLimit $Sessions -Parallel {
        Import-Module (Join-Path $using:stage 'WasmSandbox.psd1')
        $count = $using:Runs / $using:Sessions
        foreach ($n in 1..$count) { Invoke-WasmModule $using:guest args "run$n" -AsResult }
    }
}))

$server = Start-SshServer -ModuleParent (Split-Path $stage) -RepositoryRoot $root -CacheDir $env:WASMSANDBOX_CACHE_DIR
try {
    $pool = @(New-SshSession $server -Count $Sessions)
    Invoke-Command -Session $pool { Import-Module WasmSandbox; $null = Invoke-WasmModule $using:guest args warm -AsResult }
    $perSession = $Runs / $Sessions
    $rows.Add((Measure-Way "$Sessions SSH sessions, one remote call per run" {
        for ($call = 0; $call -lt $perSession; $call++) {
            Invoke-Command -Session $pool { param($path, $n) Invoke-WasmModule $path args "run$n" -AsResult } -ArgumentList $guest, $call
        }
    }))
    $rows.Add((Measure-Way "$Sessions SSH sessions, batched ($perSession runs per call)" {
        Invoke-Command -Session $pool -ThrottleLimit $Sessions {
            param($path, $count) foreach ($n in 1..$count) { Invoke-WasmModule $path args "run$n" -AsResult }
        } -ArgumentList $guest, $perSession
    }))
    $pool | Remove-PSSession
}
finally { Stop-SshServer $server }

$rows | Format-Table -AutoSize | Out-String -Width 200
