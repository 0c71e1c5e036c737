#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, stages, tests, demonstrates and packages WasmSandbox.
.DESCRIPTION
    Build   compiles the module and stages it to out/WasmSandbox (an allow-list of files; a missing one fails the build).
    Test    builds, builds the C test guests and the real-program corpus (tools/Build-Corpus.ps1, into out/corpus),
            runs the xunit engine tests and the Pester suite (tests/Pester, tests/adversarial, tests/corpus) against the
            staged module in a fresh pwsh -NoProfile, and prints one line "N passed, N failed" with the totals.
    Demo    builds and runs the bundled example guest in the sandbox, showing its events.
    Bench   builds, then runs the benchmarks (ours vs Node's node:wasi vs native gcc) and prints one table; see
            docs/performance.md. Not part of Test: timings are not tests.
    Package builds, then packs out/WasmSandbox into out/WasmSandbox.<version>.nupkg with tools/Package.ps1 (PSResourceGet).
    Run it as: dotnet tool restore; dotnet pwsh ./build.ps1 -Task <task>
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Package', 'Bench')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$Stage = Join-Path $Out 'WasmSandbox'
$Guests = Join-Path $Out 'guests'
$Results = Join-Path $Out 'test-results'

# A plain (not advanced) function on purpose: arguments such as -v:q or -c must reach the native tool untouched.
function Invoke-Native {
    $file, $arguments = $args
    & $file @arguments
    if ($LASTEXITCODE -ne 0) { throw "'$file $($arguments -join ' ')' failed with exit code $LASTEXITCODE" }
}

function Get-ModuleVersion { (Import-PowerShellDataFile (Join-Path $Root 'WasmSandbox.psd1')).ModuleVersion }

function Invoke-Build {
    $version = Get-ModuleVersion
    Write-Host "Building WasmSandbox $version ($Configuration)"
    Invoke-Native dotnet build (Join-Path $Root 'src/WasmSandbox.PowerShell/WasmSandbox.PowerShell.csproj') -c $Configuration "-p:Version=$version" --nologo --verbosity quiet
    $bin = Join-Path $Root "src/WasmSandbox.PowerShell/bin/$Configuration/net10.0"

    # The managed assemblies are also precompiled (ReadyToRun) for this machine's platform: a new session's first run
    # then spends ~40 ms less in the JIT. The images keep their IL, so they still run (JIT-compiled) elsewhere.
    # crossgen2 also gets this pwsh's System.Management.Automation: the compile-time reference (PowerShellStandard)
    # is not shipped with the module, and without PSCmdlet's definition crossgen2 precompiled none of the cmdlets'
    # methods. The code it emits checks those outside layouts when it loads; another PowerShell's differences mean JIT.
    $rid = [System.Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier
    $r2r = Join-Path $Out "r2r-$rid"
    $sma = [System.Management.Automation.PSObject].Assembly.Location
    Invoke-Native dotnet publish (Join-Path $Root 'src/WasmSandbox.PowerShell/WasmSandbox.PowerShell.csproj') -c $Configuration -r $rid `
        --self-contained false "-p:PublishReadyToRun=true" "-p:PublishReadyToRunCrossgen2ExtraArgs=-r:$sma" "-p:Version=$version" `
        -o $r2r --nologo --verbosity quiet

    if (Test-Path $Stage) { Remove-Item $Stage -Recurse -Force }
    New-Item -ItemType Directory -Path $Stage | Out-Null
    foreach ($file in 'WasmSandbox.PowerShell.dll', 'WasmSandbox.Engine.dll', 'Wasmtime.Dotnet.dll') {
        Copy-Item -LiteralPath (Join-Path $r2r $file) -Destination $Stage
    }
    $natives = @(Get-ChildItem -Path (Join-Path $bin 'runtimes/*/native/*') -File)
    if ($natives.Count -eq 0) { throw "no native Wasmtime library under $bin/runtimes" }
    foreach ($native in $natives) {
        $relative = [IO.Path]::GetRelativePath($bin, $native.FullName)
        $target = Join-Path $Stage $relative
        New-Item -ItemType Directory -Path (Split-Path $target) -Force | Out-Null
        Copy-Item -LiteralPath $native.FullName -Destination $target
    }
    foreach ($file in 'WasmSandbox.psd1', 'WasmSandbox.format.ps1xml', 'WasmSandbox.types.ps1xml', 'LICENSE', 'CHANGELOG.md') {
        Copy-Item -LiteralPath (Join-Path $Root $file) -Destination $Stage
    }
    Invoke-HelpBuild
    Invoke-GuestBuild
    New-Item -ItemType Directory -Path (Join-Path $Stage 'examples') | Out-Null
    Copy-Item -LiteralPath (Join-Path $Guests 'wordfreq.wasm'), (Join-Path $Root 'examples/sample.txt') -Destination (Join-Path $Stage 'examples')
    Write-Host "Staged $Stage"
}

function Invoke-HelpBuild {
    $helpGen = Join-Path $Root 'tools/HelpGen/HelpGen.csproj'
    if (-not (Test-Path $helpGen)) { return }
    Invoke-Native dotnet run --project $helpGen -c $Configuration --verbosity quiet -- --docs (Join-Path $Root 'docs/en-US') --out (Join-Path $Stage 'en-US') --assembly 'WasmSandbox.PowerShell.dll'
}

function Invoke-GuestBuild {
    & (Join-Path $Root 'tools/Build-Guests.ps1') -OutputPath $Guests
    # The component fixtures (WASI preview 2), cached in out/guests/components like the other guests.
    & (Join-Path $Root 'tools/Build-Components.ps1') -OutputPath (Join-Path $Guests 'components')
}

function Get-PesterModulePath {
    $project = Join-Path $Root 'tests/Pester/Pester.Dependencies.csproj'
    Invoke-Native dotnet restore $project --nologo --verbosity quiet
    $packages = (& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    $path = Join-Path $packages.Trim() 'pester/6.2.0/tools/Pester.psd1'
    if (-not (Test-Path $path)) { throw "Pester was restored but $path is missing" }
    $path
}

function Read-TrxTotals([string] $Path) {
    if (-not (Test-Path $Path)) { throw "xunit wrote no results to $Path" }
    $counters = ([xml](Get-Content -Raw -LiteralPath $Path)).TestRun.ResultSummary.Counters
    [pscustomobject]@{ Passed = [int]$counters.passed; Failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted }
}

function Invoke-Test {
    Invoke-Build
    # The corpus is built before any test runs, so a missing tool fails the run at once with its name; its outputs
    # are cached in out/corpus, so this costs nothing on a second run.
    & (Join-Path $Root 'tools/Build-Corpus.ps1')
    # Tests compile hundreds of modules: keep their artifacts out of the user's real compile cache.
    $env:WASMSANDBOX_CACHE_DIR = Join-Path $Out 'test-compile-cache' 
    if (Test-Path $Results) { Remove-Item $Results -Recurse -Force }
    New-Item -ItemType Directory -Path $Results | Out-Null

    Write-Host 'Running xunit engine tests'
    $trx = Join-Path $Results 'engine.trx'
    & dotnet test (Join-Path $Root 'tests/WasmSandbox.Engine.Tests/WasmSandbox.Engine.Tests.csproj') -c $Configuration --nologo `
        --logger "trx;LogFileName=$trx" --logger 'console;verbosity=minimal' --results-directory $Results
    $xunitExit = $LASTEXITCODE
    $xunit = Read-TrxTotals $trx

    # Two Pester runs, each in a fresh pwsh -NoProfile. The corpus gets a compile cache of its own: the other tests
    # revoke out/test-compile-cache's key during a run (a guest granted a folder that holds the cache revokes it, see
    # docs/security.md), and every artifact with it, so in one shared cache the corpus's 30 MB Yosys was compiled
    # afresh (a minute or two) on every run.
    $runs = @(
        @{ Name = 'pester'; Cache = 'test-compile-cache'; TestPath = 'tests/Pester', 'tests/adversarial' }
        @{ Name = 'corpus'; Cache = 'corpus-compile-cache'; TestPath = @('tests/corpus') }
    )
    $pester = [pscustomobject]@{ Passed = 0; Failed = 0 }
    foreach ($run in $runs) {
        Write-Host "Running Pester ($($run.TestPath -join ', ')) against the staged module in a fresh pwsh -NoProfile"
        $pesterJson = Join-Path $Results "$($run.Name).json"
        $env:WASMSANDBOX_CACHE_DIR = Join-Path $Out $run.Cache
        Push-Location $Root
        try {
            & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'tests/Pester/Invoke-Tests.ps1') `
                -PesterPath (Get-PesterModulePath) -ModulePath $Stage -ResultPath $pesterJson -GuestPath $Guests `
                -TestPath (@($run.TestPath | ForEach-Object { Join-Path $Root $_ }) -join ';')
        }
        finally { Pop-Location }
        if (-not (Test-Path $pesterJson)) { throw "the Pester run ($($run.Name)) ended without writing its totals" }
        $totals = Get-Content -Raw -LiteralPath $pesterJson | ConvertFrom-Json
        if ($null -eq $totals.Passed -or $null -eq $totals.Failed) { throw "the Pester run wrote no totals to $pesterJson" }
        $pester.Passed += $totals.Passed
        $pester.Failed += $totals.Failed
    }

    $passed = $xunit.Passed + $pester.Passed
    $failed = $xunit.Failed + $pester.Failed
    Write-Host "xunit: $($xunit.Passed) passed, $($xunit.Failed) failed; Pester: $($pester.Passed) passed, $($pester.Failed) failed"
    Write-Output "$passed passed, $failed failed"
    if ($failed -gt 0 -or $xunitExit -ne 0 -or $passed -eq 0) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    Push-Location $Root
    try {
        Invoke-Native dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'tools/Demo.ps1') -ModulePath $Stage
    }
    finally { Pop-Location }
}

function Invoke-Package {
    Invoke-Build
    $package = & (Join-Path $Root 'tools/Package.ps1') -ModulePath $Stage -OutputPath $Out
    Write-Host ('Packaged {0} ({1:N1} MB)' -f $package.FullName, ($package.Length / 1MB))
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Demo' { Invoke-Demo }
    'Package' { Invoke-Package }
    'Bench' { Invoke-Build; & (Join-Path $Root 'bench/Invoke-Benchmarks.ps1') -ModulePath $Stage }
}
