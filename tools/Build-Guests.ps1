<#
.SYNOPSIS
    Builds the WebAssembly guest programs used by the tests, the demo and the benchmarks.

.DESCRIPTION
    Compiles every tests/guests/c/*.c, tests/adversarial/c/*.c and examples/*.c to <OutputPath>/<name>.wasm with clang-14 for
    wasm32-wasi (Debian's wasi-libc as the C library), and every tests/guests/wat/*.wat and tests/adversarial/wat/*.wat to
    <OutputPath>/<name>.wasm with wat2wasm. A module is rebuilt only when it is missing or older than
    its source or than this script (which holds the compiler flags).

    Missing tools are installed with apt-get when running as root on Debian; anywhere else the script
    stops and names what is missing.

    Prints one line per file built and writes nothing to the pipeline. Any compiler error throws, with
    the compiler's output in the message.

.PARAMETER OutputPath
    Directory for the built modules. Relative paths are taken from the current location. Defaults to
    out/guests under the repository root.

.PARAMETER Native
    Also build each C program natively with gcc -O2 into <OutputPath>/native/<name>, the baseline for
    benchmarks.

.PARAMETER Force
    Rebuild everything, even modules that are up to date.

.EXAMPLE
    dotnet pwsh tools/Build-Guests.ps1 -Native
#>
#Requires -Version 7.0
[CmdletBinding()]
[OutputType([void])]
param(
    [string] $OutputPath,
    [switch] $Native,
    [switch] $Force
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$repoRoot = Split-Path -Parent $PSScriptRoot
$OutputPath = if ($OutputPath) {
    $PSCmdlet.GetUnresolvedProviderPathFromPSPath($OutputPath)
} else {
    Join-Path $repoRoot 'out/guests'
}

# Debian's wasi-libc uses /usr as the sysroot: headers in /usr/include/wasm32-wasi, libraries in
# /usr/lib/wasm32-wasi. clang-14's wasm32-wasi driver finds both from --sysroot=/usr.
$sysroot = '/usr'
$wasiInclude = Join-Path $sysroot 'include/wasm32-wasi'
$wasiLibc = Join-Path $sysroot 'lib/wasm32-wasi/libc.a'
$aptPackages = @('clang-14', 'lld-14', 'wasi-libc', 'libclang-rt-14-dev-wasm32', 'wabt')

$wasmCFlags = @(
    '--target=wasm32-wasi'
    "--sysroot=$sysroot"
    # With /usr as the sysroot the driver would also search the host's /usr/include and
    # /usr/local/include, so a glibc or Linux header could slip into a guest. Search only the
    # wasi-libc headers, after clang's own (the order the driver itself uses).
    '-nostdlibinc'
    '-idirafter', $wasiInclude
    '-std=c11', '-O2', '-Wall', '-Wextra', '-Werror'
    '-fuse-ld=lld'
    # wasi-libc.a carries DWARF; keep the name section (for trap backtraces) but not the debug info,
    # which would be most of each module's size.
    '-Wl,--strip-debug'
)
$nativeCFlags = @('-std=c11', '-O2', '-Wall', '-Wextra', '-Werror')

function Get-MissingPrerequisite {
    # Returns a description of each missing prerequisite, nothing when all are there.
    [OutputType([string])]
    param()

    foreach ($tool in 'clang-14', 'wasm-ld-14', 'wat2wasm') {
        if (-not (Get-Command $tool -CommandType Application -ErrorAction Ignore)) {
            "$tool (not on PATH)"
        }
    }
    if (-not (Test-Path -LiteralPath (Join-Path $wasiInclude 'stdio.h')) -or
        -not (Test-Path -LiteralPath $wasiLibc)) {
        "wasi-libc (no $wasiInclude/stdio.h or $wasiLibc)"
    }
    if (Get-Command 'clang-14' -CommandType Application -ErrorAction Ignore) {
        # Ask the driver where it expects the builtins rather than hard-coding clang's resource dir.
        $builtins = & clang-14 --target=wasm32-wasi -print-libgcc-file-name 2>$null
        if ($LASTEXITCODE -ne 0 -or -not $builtins -or -not (Test-Path -LiteralPath $builtins)) {
            "wasm32 compiler-rt builtins (no $builtins)"
        }
    }
    if ($Native -and -not (Get-Command 'gcc' -CommandType Application -ErrorAction Ignore)) {
        'gcc (not on PATH; needed for -Native)'
    }
}

function Install-Prerequisite {
    [OutputType([void])]
    param([string[]] $Missing)

    $packages = if ($Native) { $aptPackages + 'gcc' } else { $aptPackages }
    $command = "apt-get install -y $($packages -join ' ')"
    $canInstall = $IsLinux -and [Environment]::IsPrivilegedProcess -and (Test-Path -LiteralPath '/etc/debian_version')
    if (-not $canInstall) {
        throw ("Missing build prerequisites:`n  $($Missing -join "`n  ")`n" +
            "On Debian install them as root with: apt-get update && $command")
    }

    Write-Host "Installing missing prerequisites: $($Missing -join '; ')"
    # apt's output goes to the host, not the pipeline, which this script keeps empty. CI has no
    # terminal, so debconf must not try to ask questions.
    $env:DEBIAN_FRONTEND = 'noninteractive'
    & apt-get update | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "apt-get update failed with exit code $LASTEXITCODE." }
    & apt-get install -y @packages | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "'$command' failed with exit code $LASTEXITCODE." }

    $stillMissing = @(Get-MissingPrerequisite)
    if ($stillMissing) {
        throw "Still missing after '$command':`n  $($stillMissing -join "`n  ")"
    }
}

function Test-UpToDate {
    [OutputType([bool])]
    param([string] $Source, [string] $Target)

    if ($Force -or -not (Test-Path -LiteralPath $Target)) { return $false }
    $built = (Get-Item -LiteralPath $Target).LastWriteTimeUtc
    # The script counts as an input too: changing a flag here must rebuild everything.
    $built -gt (Get-Item -LiteralPath $Source).LastWriteTimeUtc -and
        $built -gt (Get-Item -LiteralPath $PSCommandPath).LastWriteTimeUtc
}

function Invoke-Compiler {
    # Runs a compiler and throws with its combined output when it fails.
    [OutputType([void])]
    param([string] $Compiler, [string[]] $Arguments, [string] $Source)

    $output = & $Compiler @Arguments 2>&1
    if ($LASTEXITCODE -ne 0) {
        throw "$Compiler failed (exit code $LASTEXITCODE) on ${Source}:`n$($output -join "`n")"
    }
}

function Get-RelativePath([string] $Path) {
    [System.IO.Path]::GetRelativePath($repoRoot, $Path)
}

$missing = @(Get-MissingPrerequisite)
if ($missing) { Install-Prerequisite -Missing $missing }

$cSources = @(
    Get-ChildItem -Path (Join-Path $repoRoot 'tests/guests/c'), (Join-Path $repoRoot 'tests/adversarial/c'), (Join-Path $repoRoot 'examples') `
        -Filter '*.c' -File -ErrorAction Ignore
)
$watSources = @(
    Get-ChildItem -Path (Join-Path $repoRoot 'tests/guests/wat'), (Join-Path $repoRoot 'tests/adversarial/wat') `
        -Filter '*.wat' -File -ErrorAction Ignore
)

# Every module lands in one flat directory, so two sources with one base name would overwrite each other.
$duplicates = @(($cSources + $watSources) | Group-Object BaseName | Where-Object Count -gt 1)
if ($duplicates) {
    throw "Guest sources share a name: $(($duplicates.Group | ForEach-Object { Get-RelativePath $_.FullName }) -join ', ')"
}

$null = New-Item -ItemType Directory -Force -Path $OutputPath
$nativeDir = Join-Path $OutputPath 'native'
if ($Native) { $null = New-Item -ItemType Directory -Force -Path $nativeDir }

foreach ($source in $cSources) {
    $target = Join-Path $OutputPath "$($source.BaseName).wasm"
    if (Test-UpToDate $source.FullName $target) {
        Write-Verbose "Up to date: $(Get-RelativePath $target)"
    } else {
        Invoke-Compiler 'clang-14' ($wasmCFlags + @($source.FullName, '-o', $target)) (Get-RelativePath $source.FullName)
        Write-Host "Built $(Get-RelativePath $target)"
    }

    # The adversarial guests attack the sandbox through WASI itself (wasi/api.h): they have no native build.
    if ($Native -and -not $source.FullName.StartsWith((Join-Path $repoRoot 'tests/adversarial'))) {
        $nativeTarget = Join-Path $nativeDir $source.BaseName
        if (Test-UpToDate $source.FullName $nativeTarget) {
            Write-Verbose "Up to date: $(Get-RelativePath $nativeTarget)"
        } else {
            Invoke-Compiler 'gcc' ($nativeCFlags + @($source.FullName, '-o', $nativeTarget)) (Get-RelativePath $source.FullName)
            Write-Host "Built $(Get-RelativePath $nativeTarget)"
        }
    }
}

foreach ($source in $watSources) {
    $target = Join-Path $OutputPath "$($source.BaseName).wasm"
    if (Test-UpToDate $source.FullName $target) {
        Write-Verbose "Up to date: $(Get-RelativePath $target)"
    } else {
        # --debug-names keeps the $names from the text, so trap backtraces can name functions.
        Invoke-Compiler 'wat2wasm' @('--debug-names', $source.FullName, '-o', $target) (Get-RelativePath $source.FullName)
        Write-Host "Built $(Get-RelativePath $target)"
    }
}
