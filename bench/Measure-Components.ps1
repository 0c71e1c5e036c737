<#
.SYNOPSIS
    Measures the hidden costs of running WASI preview 2 components next to the same program as a core module: cold
    compile, cached start in a new session, and hello-world per run.

.DESCRIPTION
    Uses the fixtures of tools/Build-Components.ps1 (out/guests/components): hello.core.wasm and hello.component.wasm
    are the same C program (tests/guests/components/hello.c) as a core module and as a component made with jco's
    preview 1 command adapter; jsprobe.component.wasm is a 12 MB JavaScript component (componentize-js). For each:

      coldCompileMs   the first start with an empty compile cache: Wasmtime's compile (the execution's
                      Warmup.CompileTime), and the whole first Start-WasmExecution -Wait
      perRunMs        Start-WasmExecution -Wait per call once the compiled code is in memory (median of -Runs)
      newSessionMs    the first Start-WasmExecution -Wait in a new pwsh session with the disk compile cache warm
                      (bench/Measure-FirstExecution.ps1, median of -Sessions), and where the code came from

    The compile cache is a fresh folder under -OutputPath (WASMSANDBOX_CACHE_DIR), so the first compile is real.
    Writes the results as JSON to -ResultPath and returns them. Run by bench/Invoke-Benchmarks.ps1 (build.ps1 -Task
    Bench); it can also run alone against a staged module.

.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Measure-Components.ps1 -ModulePath out/WasmSandbox -GuestPath out/guests -ResultPath out/bench/results/components.json
#>
#Requires -Version 7.0
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $GuestPath,
    [Parameter(Mandatory)] [string] $ResultPath,
    [string] $OutputPath,
    [ValidateRange(1, 10000)] [int] $Runs = 50,
    [ValidateRange(1, 100)] [int] $Sessions = 5
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$root = Split-Path -Parent $PSScriptRoot
$OutputPath = if ($OutputPath) { $PSCmdlet.GetUnresolvedProviderPathFromPSPath($OutputPath) } else { Join-Path $root 'out/bench' }
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
$components = Join-Path (Resolve-Path -LiteralPath $GuestPath).ProviderPath 'components'
$programs = [ordered]@{
    'hello, core module' = @{ File = Join-Path $components 'hello.core.wasm'; Arguments = @(); Expect = "hello, world`n" }
    'hello, component'   = @{ File = Join-Path $components 'hello.component.wasm'; Arguments = @(); Expect = "hello, world`n" }
    'JavaScript component (jsprobe, 12 MB)' = @{ File = Join-Path $components 'jsprobe.component.wasm'; Arguments = @('hello'); Expect = "hello from javascript`n" }
}
foreach ($program in $programs.Values) {
    if (-not (Test-Path -LiteralPath $program.File)) { throw "$($program.File) is missing: run tools/Build-Components.ps1 (build.ps1 -Task Build)" }
}

$cacheDir = Join-Path $OutputPath 'component-compile-cache'
if (Test-Path -LiteralPath $cacheDir) { Remove-Item -LiteralPath $cacheDir -Recurse -Force }
$previousCacheDir = $env:WASMSANDBOX_CACHE_DIR
$env:WASMSANDBOX_CACHE_DIR = $cacheDir

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    $n = $sorted.Count
    if ($n % 2) { $sorted[($n - 1) / 2] } else { ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
}

# One run through the cmdlet a user calls; throws unless the guest printed what it should and exited 0.
function Invoke-Once([hashtable] $Program, [object] $Context) {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $events = @(Start-WasmExecution -Context $Context -ArgumentList $Program.Arguments -Wait)
    $ms = $clock.Elapsed.TotalMilliseconds
    $exited = $events[-1]
    $stdout = -join @($events | Where-Object Kind -eq Stdout | ForEach-Object Text)
    if ($exited.ExitCode -ne 0 -or $stdout -ne $Program.Expect) {
        throw "$($Program.File) did not run cleanly: $exited, stdout '$stdout'"
    }
    [pscustomobject]@{ Ms = $ms; ExecutionId = $exited.ExecutionId }
}

try {
    Import-Module (Join-Path $ModulePath 'WasmSandbox.psd1')
    $results = foreach ($name in $programs.Keys) {
        $program = $programs[$name]
        Write-Host "== components: $name"
        $context = New-WasmContext -Path $program.File
        $first = Invoke-Once $program $context
        $warmup = (Get-WasmExecution -Id $first.ExecutionId).Warmup
        if ($warmup.Source -ne 'compiled') { throw "the first run of $($program.File) was not compiled ($($warmup.Source)): the cache was not empty" }
        $perRun = foreach ($i in 1..$Runs) { (Invoke-Once $program $context).Ms }
        $sessionRuns = foreach ($i in 1..$Sessions) {
            # An empty -ArgumentList is no argument at all on a native command line: pass it only when there is one.
            $extra = if ($program.Arguments) { @('-ArgumentList') + $program.Arguments } else { @() }
            $line = & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot 'Measure-FirstExecution.ps1') `
                -ModulePath $ModulePath -ModuleFile $program.File @extra
            if ($LASTEXITCODE -ne 0) { throw "bench/Measure-FirstExecution.ps1 failed on $($program.File) with exit code $LASTEXITCODE" }
            ($line -join "`n") | ConvertFrom-Json
        }
        [ordered]@{
            name = $name
            file = [IO.Path]::GetFileName($program.File)
            bytes = (Get-Item -LiteralPath $program.File).Length
            coldCompileMs = [Math]::Round($warmup.CompileTime.TotalMilliseconds, 1)
            coldFirstRunMs = [Math]::Round($first.Ms, 1)
            perRunMs = [Math]::Round((Get-Median @($perRun)), 3)
            perRunMinMs = [Math]::Round((@($perRun) | Measure-Object -Minimum).Minimum, 3)
            newSessionFirstRunMs = [Math]::Round((Get-Median @($sessionRuns.firstRunMs)), 1)
            newSessionImportMs = [Math]::Round((Get-Median @($sessionRuns.importMs)), 1)
            newSessionSources = @($sessionRuns.source | Select-Object -Unique)
        }
    }
}
finally {
    $env:WASMSANDBOX_CACHE_DIR = $previousCacheDir
}

$null = New-Item -ItemType Directory -Force -Path (Split-Path -Parent $ResultPath)
$json = ConvertTo-Json -InputObject @($results) -Depth 4
Set-Content -LiteralPath $ResultPath -Value $json
$results | ForEach-Object { [pscustomobject]$_ } | Format-Table name, bytes, coldCompileMs, coldFirstRunMs, perRunMs, perRunMinMs, newSessionFirstRunMs, newSessionSources -AutoSize | Out-String -Width 200 | Write-Host

