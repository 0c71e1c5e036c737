<#
.SYNOPSIS
    Runs the official WASI preview 1 test suite on three runtimes and prints one row per test: the sandbox, Wasmtime's
    own WASI (the same Wasmtime, nothing shadowed) and Node's node:wasi.
.DESCRIPTION
    The reference for every function the sandbox overrides is Wasmtime's own behaviour for the same call; Node is the
    peer. This script is how the expected-failure table in tests/adversarial/WasiTestsuite.Tests.ps1 is checked: a test
    that fails in the sandbox but passes on Wasmtime's WASI points at a sandbox override (class a) or a deliberate
    refusal (class b); one that fails on Wasmtime's WASI too is Wasmtime's own behaviour (class c).

    Each runtime gets a fresh copy of the test's root folder preopened as '/', the test's arguments and environment,
    and a closed stdin; Wasmtime's WASI and Node run as child processes with piped stdout and stderr, as the upstream
    wasmtime adapter runs the wasmtime CLI. Not part of the test command (it takes a minute or two and needs Node):
    run it by hand after ./build.ps1 -Task Build.
.PARAMETER ModulePath
    The staged module folder (out/WasmSandbox).
.PARAMETER Name
    Only the tests whose name ('<language>/<module>') matches this wildcard.
.PARAMETER Detail
    Also print, for every test that fails anywhere, each runtime's problems and the last lines of its stderr.
.PARAMETER Probe
    Instead of the suite, run tests/wasi-testsuite/override-probe.wat (built with wat2wasm) on the three runtimes and
    print each one's line of errnos: the calls behind the suite's expected failures, side by side.
.EXAMPLE
    dotnet pwsh tests/wasi-testsuite/Compare-WasiRuntimes.ps1 -ModulePath out/WasmSandbox -Detail
#>
[CmdletBinding()]
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../../out/WasmSandbox'),
    [string] $Name = '*',
    [switch] $Detail,
    [switch] $Probe
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
Import-Module (Join-Path $PSScriptRoot 'WasiTestsuite.psm1') -Force
Import-Module (Join-Path $ModulePath 'WasmSandbox.psd1') -Force
if (-not $env:WASMSANDBOX_CACHE_DIR) { $env:WASMSANDBOX_CACHE_DIR = Join-Path $repoRoot 'out/test-compile-cache' }

$project = Join-Path $repoRoot 'tools/WasiReference/WasiReference.csproj'
$referenceOut = Join-Path $repoRoot 'out/WasiReference'
$buildLog = & dotnet build $project -c Release -o $referenceOut --nologo --verbosity quiet 2>&1
if ($LASTEXITCODE -ne 0) { throw "building $project failed with exit code ${LASTEXITCODE}: $($buildLog -join "`n")" }
$reference = Join-Path $referenceOut 'WasiReference.dll'
$node = (Get-Command node -ErrorAction Stop).Source
$nodeRunner = Join-Path $PSScriptRoot 'run-node-wasi.mjs'

# Runs a child process with stdin closed and stdout/stderr captured as bytes (decoded once, so the exact stdout can
# be compared); a child still running after 30 s is killed and reported as exit code -1.
function Invoke-Captured([string] $File, [string[]] $Arguments) {
    $info = [Diagnostics.ProcessStartInfo]::new($File)
    foreach ($a in $Arguments) { $info.ArgumentList.Add($a) }
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.UseShellExecute = $false
    $process = [Diagnostics.Process]::Start($info)
    try {
        $process.StandardInput.Close()
        $stdout = [IO.MemoryStream]::new()
        $stderr = [IO.MemoryStream]::new()
        $copyOut = $process.StandardOutput.BaseStream.CopyToAsync($stdout)
        $copyErr = $process.StandardError.BaseStream.CopyToAsync($stderr)
        $exit = if ($process.WaitForExit(30000)) { $process.ExitCode } else { $process.Kill($true); -1 }
        [void][Threading.Tasks.Task]::WaitAll(@($copyOut, $copyErr), 5000)
        [pscustomobject]@{
            ExitCode = $exit
            Stdout   = [Text.Encoding]::UTF8.GetString($stdout.ToArray())
            Stderr   = [Text.Encoding]::UTF8.GetString($stderr.ToArray())
        }
    }
    finally { $process.Dispose() }
}

# The wasmtime CLI's command line for a case: --dir ROOT::/ and --env NAME=VALUE, then the module and its arguments.
function Get-CaseCommandLine($Case, [string] $Root) {
    $line = [Collections.Generic.List[string]]::new()
    if ($Root) { $line.Add('--dir'); $line.Add("$Root::/") }
    foreach ($k in $Case.Environment.Keys) { $line.Add('--env'); $line.Add("$k=$($Case.Environment[$k])") }
    $line.Add('--')
    $line.Add($Case.Module)
    foreach ($a in $Case.Arguments) { $line.Add($a) }
    , $line.ToArray()
}

function Invoke-External($Case, [string] $File, [string[]] $Prefix) {
    $root = if ($Case.Root) { New-WasiTestRoot -Root $Case.Root }
    try { Invoke-Captured $File ($Prefix + (Get-CaseCommandLine $Case $root)) }
    finally { if ($root) { Remove-WasiTestRoot -Path $root } }
}

function Get-Verdict($Case, $Run) {
    $problems = @(Test-WasiTestResult -Case $Case -Run $Run)
    [pscustomobject]@{ Pass = $problems.Count -eq 0; Problems = $problems; Run = $Run }
}

if ($Probe) {
    $wasm = Join-Path $repoRoot 'out/override-probe.wasm'
    & wat2wasm (Join-Path $PSScriptRoot 'override-probe.wat') -o $wasm
    if ($LASTEXITCODE -ne 0) { throw "wat2wasm failed on override-probe.wat with exit code $LASTEXITCODE" }
    $emptyRoot = New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "override-probe-$([guid]::NewGuid().ToString('n'))")
    $case = [pscustomobject]@{
        Name = 'override-probe'; Module = $wasm; Root = $emptyRoot.FullName; Arguments = [string[]]@()
        Environment = [ordered]@{}; ExitCode = 0; Stdout = $null
    }
    try {
        foreach ($runtime in @(
                @{ Name = 'Sandbox'; Run = { Invoke-WasiTestInSandbox -Case $case } }
                @{ Name = 'Wasmtime'; Run = { Invoke-External $case 'dotnet' @($reference) } }
                @{ Name = 'Node'; Run = { Invoke-External $case $node @($nodeRunner) } })) {
            $run = & $runtime.Run
            Write-Output ('{0,-9} {1}  (exit {2})' -f $runtime.Name, $run.Stdout.TrimEnd(), $run.ExitCode)
        }
    }
    finally { Remove-WasiTestRoot -Path $emptyRoot.FullName }
    return
}

$cases = @(Get-WasiTestCase -SuiteRoot (Expand-WasiTestsuite) | Where-Object Name -like $Name)
$rows = foreach ($case in $cases) {
    $sandbox = Get-Verdict $case (Invoke-WasiTestInSandbox -Case $case)
    $wasmtime = Get-Verdict $case (Invoke-External $case 'dotnet' @($reference))
    $nodeRun = Get-Verdict $case (Invoke-External $case $node @($nodeRunner))
    [pscustomobject]@{ Test = $case.Name; Sandbox = $sandbox; Wasmtime = $wasmtime; Node = $nodeRun }
}

$word = { param($v) if ($v.Pass) { 'pass' } else { 'FAIL' } }
$rows | ForEach-Object {
    [pscustomobject]@{ Test = $_.Test; Sandbox = & $word $_.Sandbox; Wasmtime = & $word $_.Wasmtime; Node = & $word $_.Node }
} | Format-Table -AutoSize | Out-String -Width 200 | Write-Output

foreach ($runtime in 'Sandbox', 'Wasmtime', 'Node') {
    $passed = @($rows | Where-Object { $_.$runtime.Pass }).Count
    Write-Output ('{0,-9} {1} of {2} pass' -f $runtime, $passed, $rows.Count)
}

if ($Detail) {
    foreach ($row in $rows | Where-Object { -not ($_.Sandbox.Pass -and $_.Wasmtime.Pass -and $_.Node.Pass) }) {
        Write-Output "`n== $($row.Test)"
        foreach ($runtime in 'Sandbox', 'Wasmtime', 'Node') {
            $v = $row.$runtime
            if ($v.Pass) { Write-Output "  ${runtime}: pass"; continue }
            Write-Output "  ${runtime}: $($v.Problems -join '; ')"
            $tail = @(($v.Run.Stderr -split "`n") | Where-Object { $_.Trim() } | Select-Object -Last 4)
            foreach ($line in $tail) { Write-Output "      $line" }
        }
    }
}
