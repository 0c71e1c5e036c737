<#
.SYNOPSIS
    One session of the compiler-tier benchmark: in a new PowerShell session with an empty compile cache, times the
    first run of a task under one -CompilePolicy, the run right after it, and the steady state.

.DESCRIPTION
    Run by bench/Measure-Tiers.ps1 in a fresh 'pwsh -NoProfile' per sample, with WASMSANDBOX_CACHE_DIR set to a new,
    empty folder, so the first run is a user's first-ever run of the module on this machine. Each run gets a fresh
    copy of the task's input folder (Root) as its working directory, granted ReadWrite. Times are taken around
    Invoke-WasmModule -AsResult, inside the session (the session's start and Import-Module are reported apart).

      first     the first run: compile (per the policy) and run
      second    the next run, at once: on baseline code while the optimized code is still being compiled (Tiered)
      ready     Tiered only: New-WasmContext -Precompile, which waits for the background compile to finish
      steady    a run after that: the code later runs get

    Writes one JSON line to stdout. Every run must exit 0 and leave the same output file (OutputFile; stdout when none) as the first.

.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Measure-TierRun.ps1 -ModulePath out/WasmSandbox -ModuleFile out/bench/tiers/clang/clang.wasm -Root out/bench/tiers/clang/input -Policy Tiered -OutputFile fib.o -ArgumentsBase64 WyItYyIsImZpYi5jIiwiLW8iLCJmaWIubyJd
#>
#Requires -Version 7.0
[CmdletBinding()]
[OutputType([string])]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ModuleFile,
    [Parameter(Mandatory)] [string] $Root,
    [Parameter(Mandatory)] [ValidateSet('Tiered', 'Optimized', 'Baseline')] [string] $Policy,
    [AllowEmptyString()] [string] $OutputFile = '',
    # The guest's arguments as base64 of a JSON array: passed on a command line as themselves, arguments such as -p
    # would bind to this script's own parameters.
    [string] $ArgumentsBase64 = '',
    [long] $MaxMemory = 4GB,
    # Tiered: skip waiting for the optimized code (a 75 MB module takes minutes on one background thread); the
    # session then reports first and second runs only.
    [switch] $NoWait
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$clock = [Diagnostics.Stopwatch]::StartNew()
Import-Module (Join-Path (Resolve-Path -LiteralPath $ModulePath).ProviderPath 'WasmSandbox.psd1')
$importMs = $clock.Elapsed.TotalMilliseconds
$module = (Resolve-Path -LiteralPath $ModuleFile).ProviderPath
$ArgumentList = if ($ArgumentsBase64) { @([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ArgumentsBase64)) | ConvertFrom-Json) } else { @() }
$work = Join-Path ([IO.Path]::GetTempPath()) "wasmsandbox-tier-$([guid]::NewGuid().ToString('N'))"

function Invoke-Once([string] $Name) {
    $folder = Join-Path $work $Name
    Copy-Item -LiteralPath $Root -Destination $folder -Recurse
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $result = Invoke-WasmModule $module -AsResult -CompilePolicy $Policy -PermissionTier ReadWrite -WorkingDirectory $folder `
        -MaxMemory $MaxMemory -Timeout -1 -ArgumentList $ArgumentList
    $ms = $clock.Elapsed.TotalMilliseconds
    if ($result.ExitCode -ne 0) { throw "$Name run: exit code $($result.ExitCode) ($($result.Reason)): $($result.Message) $($result.Stderr)" }
    $warmup = (Get-WasmExecution -Id $result.ExecutionId).Warmup
    $digest = if ($OutputFile) {
        $produced = Join-Path $folder $OutputFile
        if (-not (Test-Path -LiteralPath $produced -PathType Leaf)) { throw "$Name run left no $OutputFile" }
        (Get-FileHash -LiteralPath $produced -Algorithm SHA256).Hash
    } else {
        # No output file: the result is stdout.
        [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($result.Stdout)))
    }
    $self = [Diagnostics.Process]::GetCurrentProcess()
    [pscustomobject]@{
        ms = [Math]::Round($ms, 1)
        # The session's resident memory after the run, and its peak so far (the compiles' scratch memory included).
        residentMB = [Math]::Round($self.WorkingSet64 / 1MB)
        peakMB = [Math]::Round($self.PeakWorkingSet64 / 1MB)
        tier = "$($warmup.Tier)"
        source = $warmup.Source
        compileMs = [Math]::Round($warmup.CompileTime.TotalMilliseconds, 1)
        pending = $warmup.OptimizedPending
        note = $warmup.Note
        sha256 = $digest
    }
}

try {
    $null = New-Item -ItemType Directory -Path $work
    $first = Invoke-Once 'first'
    $second = Invoke-Once 'second'
    $readyMs = $null
    if ($Policy -eq 'Tiered' -and $NoWait) {
        [ordered]@{ policy = $Policy; importMs = [Math]::Round($importMs, 1); first = $first; second = $second; readyMs = $null; steady = $null } |
            ConvertTo-Json -Compress -Depth 3
        return
    }
    if ($Policy -eq 'Tiered') {
        $clock.Restart()
        $null = New-WasmContext $module -Precompile
        $readyMs = [Math]::Round($clock.Elapsed.TotalMilliseconds, 1)
    }
    $steady = Invoke-Once 'steady'
    foreach ($run in $second, $steady) {
        if ($run.sha256 -ne $first.sha256) { throw "the runs produced different $OutputFile" }
    }
    [ordered]@{
        policy = $Policy
        importMs = [Math]::Round($importMs, 1)
        first = $first
        second = $second
        readyMs = $readyMs
        steady = $steady
    } | ConvertTo-Json -Compress -Depth 3
}
finally {
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}
