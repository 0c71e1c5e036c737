<#
.SYNOPSIS
    Builds the WebAssembly component fixtures (WASI preview 2, wasi:cli/command) that the tests and benchmarks run.

.DESCRIPTION
    Real components from real toolchains, no binary blobs in the repository. The tools come from npm, pinned, installed
    with 'npm install' into out/components/npm on first use (a stamp holding the package specs makes later runs skip
    it; nothing else touches the network):

        @bytecodealliance/jco 1.35.0              jco new / jco embed (wasm-tools) and the preview 1 command adapter
                                                  it ships (lib/wasi_snapshot_preview1.command.wasm), and the WASI
                                                  0.2.12 WIT packages (lib/wit/builtin/0.2.12)
        @bytecodealliance/componentize-js 0.23.0  JavaScript to component (StarlingMonkey)

    From tests/guests/components, into <OutputPath> (out/guests/components by default):

        jsprobe.component.wasm      jsprobe.js with componentize-js for the world in jsprobe.wit (~12 MB)
        cprobe.component.wasm       cprobe.c by clang-14 to preview 1, its own preview 2 imports (wasi:cli/exit's
                                    exit-with-code, wasi:sockets) typed by cprobe.wit with jco embed, then adapted
                                    with jco new and the command adapter
        spin.component.wasm         spin.c, the same way: loops forever
        hello.component.wasm        hello.c, the same way; hello.core.wasm is the same program as a core module
        needshttp.component.wasm    needshttp.c: imports wasi:http/outgoing-handler (not provided by the sandbox)
        needscustom.component.wasm  needscustom.c: imports wasmsandbox:fixtures/custom (provided by no host)

    Debian's 2022 wasi-libc has no cabi_realloc, which the adapter needs; each C fixture exports one over realloc.
    jco's bundled wasm-tools starts with no preopens, so the components are made by tools/components/build-component.mjs
    through jco's API (which grants its shim the folders it reads) rather than by the jco command line.

    A component is rebuilt only when it is missing or older than its source, its .wit, build-component.mjs, this
    script or tools/GuestBuild.psm1. Prints one line per file built and writes nothing to the pipeline; a missing
    tool or a failing step throws with its name and output. Called by build.ps1 (Build, Test and Bench).

.PARAMETER OutputPath
    Directory for the components. Relative paths are taken from the current location.

.PARAMETER Force
    Rebuild every component (the installed npm packages are kept).

.EXAMPLE
    dotnet pwsh tools/Build-Components.ps1
#>
#Requires -Version 7.0
[CmdletBinding()]
[OutputType([void])]
param(
    [string] $OutputPath,
    [switch] $Force
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$repoRoot = Split-Path -Parent $PSScriptRoot
$OutputPath = if ($OutputPath) {
    $PSCmdlet.GetUnresolvedProviderPathFromPSPath($OutputPath)
} else {
    Join-Path $repoRoot 'out/guests/components'
}
$sources = Join-Path $repoRoot 'tests/guests/components'
$toolRoot = Join-Path $repoRoot 'out/components'
$npmRoot = Join-Path $toolRoot 'npm'
$modules = Join-Path $npmRoot 'node_modules'
$witRoot = Join-Path $toolRoot 'wit'
$coreRoot = Join-Path $toolRoot 'core'
$builder = Join-Path $PSScriptRoot 'components/build-component.mjs'

# Pinned: every run builds the same components with the same tools.
$packages = [ordered]@{
    '@bytecodealliance/jco'             = '1.35.0'
    '@bytecodealliance/componentize-js' = '0.23.0'
}
$wasiVersion = '0.2.12'

Import-Module (Join-Path $PSScriptRoot 'GuestBuild.psm1') -Force
$wasmFlags = @(Get-WasiClangFlag) + @('-std=c11', '-Wall', '-Wextra', '-Werror', '-fuse-ld=lld', '-Wl,--strip-debug')

foreach ($tool in 'node', 'npm', 'clang-14') {
    if (-not (Get-Command $tool -CommandType Application -ErrorAction Ignore)) {
        throw "Building the component fixtures needs $tool on PATH (on Debian: apt-get install nodejs npm clang-14 lld-14 wasi-libc)"
    }
}

function Install-ComponentTool {
    [OutputType([void])]
    param()
    $spec = ($packages.GetEnumerator() | ForEach-Object { "$($_.Key)@$($_.Value)" }) -join ' '
    $stamp = Join-Path $npmRoot '.packages'
    if ((Test-Path -LiteralPath $stamp) -and (Get-Content -Raw -LiteralPath $stamp).Trim() -eq $spec -and (Test-Path -LiteralPath $modules)) {
        return
    }
    if (Test-Path -LiteralPath $npmRoot) { Remove-Item -LiteralPath $npmRoot -Recurse -Force }
    $null = New-Item -ItemType Directory -Force -Path $npmRoot
    $manifest = [ordered]@{ name = 'wasmsandbox-component-tools'; private = $true; dependencies = $packages }
    Set-Content -LiteralPath (Join-Path $npmRoot 'package.json') -Value ($manifest | ConvertTo-Json)
    Write-Host "Installing $spec into $([IO.Path]::GetRelativePath($repoRoot, $npmRoot))"
    $output = & npm install --prefix $npmRoot --no-audit --no-fund --loglevel error 2>&1
    if ($LASTEXITCODE -ne 0) { throw "npm install $spec failed:`n$($output -join "`n")" }
    Set-Content -LiteralPath $stamp -Value $spec
}

# A folder holding the fixture's world and, in deps/, the WASI packages it refers to (from jco, so the WIT and the
# adapter agree on the version).
function New-WitFolder {
    [OutputType([string])]
    param([string] $Name)
    $folder = Join-Path $witRoot $Name
    if (Test-Path -LiteralPath $folder) { Remove-Item -LiteralPath $folder -Recurse -Force }
    $deps = Join-Path $folder 'deps'
    $null = New-Item -ItemType Directory -Force -Path $deps
    Copy-Item -Path (Join-Path $modules "@bytecodealliance/jco/lib/wit/builtin/$wasiVersion/*") -Destination $deps -Recurse
    Copy-Item -LiteralPath (Join-Path $sources "$Name.wit") -Destination $folder
    $folder
}

function Invoke-Tool {
    [OutputType([void])]
    param([string] $Tool, [string[]] $Arguments, [string] $Target)
    $output = & $Tool @Arguments 2>&1
    if ($LASTEXITCODE -ne 0) {
        throw "Building $([IO.Path]::GetRelativePath($repoRoot, $Target)) failed ($Tool, exit code $LASTEXITCODE):`n$($output -join "`n")"
    }
}

$null = New-Item -ItemType Directory -Force -Path $OutputPath, $coreRoot
$adapted = 'cprobe', 'spin', 'hello', 'needshttp', 'needscustom'
$installed = $false
foreach ($name in @($adapted) + 'jsprobe') {
    $target = Join-Path $OutputPath "$name.component.wasm"
    $source = Join-Path $sources ($name -eq 'jsprobe' ? 'jsprobe.js' : "$name.c")
    $inputs = @($source, (Join-Path $sources "$name.wit"), $builder) + @(if ($name -ne 'jsprobe') { Join-Path $sources 'cabi_realloc.h' })
    $coreTarget = Join-Path $OutputPath "$name.core.wasm"
    $needCore = $name -eq 'hello' -and -not (Test-BuildUpToDate -Target $coreTarget -Inputs @($source, (Join-Path $sources 'cabi_realloc.h')) -Script $PSCommandPath -Force:$Force)
    if ((Test-BuildUpToDate -Target $target -Inputs $inputs -Script $PSCommandPath -Force:$Force) -and -not $needCore) {
        continue
    }
    if (-not $installed) { Install-ComponentTool; $installed = $true }
    $wit = New-WitFolder $name
    $temp = "$target.tmp"
    if ($name -eq 'jsprobe') {
        Invoke-Tool 'node' @($builder, $modules, 'componentize', $source, $wit, $name, $temp) $target
    } else {
        $core = Join-Path $coreRoot "$name.core.wasm"
        Invoke-Tool 'clang-14' ($wasmFlags + @($source, '-o', $core)) $core
        Invoke-Tool 'node' @($builder, $modules, 'adapt', $core, $wit, $name, $temp) $target
        if ($name -eq 'hello') {
            Copy-Item -LiteralPath $core -Destination $coreTarget
            Write-Host "Built $([IO.Path]::GetRelativePath($repoRoot, $coreTarget))"
        }
    }
    # Renamed into place only when whole, so an interrupted build never leaves a truncated fixture that looks fresh.
    Move-Item -LiteralPath $temp -Destination $target -Force
    Write-Host "Built $([IO.Path]::GetRelativePath($repoRoot, $target))"
}
