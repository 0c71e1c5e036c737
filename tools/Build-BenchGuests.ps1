<#
.SYNOPSIS
    Builds the benchmark guests: an SQLite workload and a zstd compressor, each as WebAssembly and as a native
    gcc build, plus a hello-world module.

.DESCRIPTION
    The third-party C sources are not kept in the repository; they come from npm packages that vendor them,
    fetched with 'npm pack' into <OutputPath>/src on first use:

        better-sqlite3 12.11.1   deps/sqlite3/sqlite3.c, sqlite3.h (the SQLite amalgamation)
        zstd-napi 0.0.13         deps/zstd/lib (the zstd 1.5.7 library sources)

    Builds, with the flags of tools/Build-Guests.ps1 for WebAssembly (clang-14, wasm32-wasi, Debian's wasi-libc):

        <OutputPath>/guests/sqlbench.wasm   bench/guests/sqlbench.c + SQLite
        <OutputPath>/guests/zpipe.wasm      bench/guests/zpipe.c + zstd
        <OutputPath>/guests/hello.wasm      bench/guests/hello.wat
        <OutputPath>/guests/native/sqlbench, zpipe   the same C, gcc -O2, for the native baseline

    Both builds of a program get the same defines, so they do the same work: single-threaded (WebAssembly has no
    threads here), no SQLite extension loading, no zstd assembly. Third-party code is compiled with warnings off;
    the drivers in bench/guests with -Wall -Wextra -Werror. Object files are kept in <OutputPath>/obj and rebuilt
    only when their source or this script changes; independent compiles run in parallel, one per core.

    Prints one line per file built. Throws when a tool is missing or a compiler fails.

.PARAMETER OutputPath
    Root of the build. Relative paths are taken from the current location. Defaults to out/bench under the
    repository root.

.PARAMETER Force
    Rebuild everything, even files that are up to date (the fetched sources are kept).

.PARAMETER WasmOnly
    Build only the WebAssembly guests, not the native baseline (tools/Build-Corpus.ps1 needs zpipe and the zstd
    objects, and no native build). gcc is then not needed.

.EXAMPLE
    dotnet pwsh tools/Build-BenchGuests.ps1
#>
#Requires -Version 7.0
[CmdletBinding()]
[OutputType([void])]
param(
    [string] $OutputPath,
    [switch] $Force,
    [switch] $WasmOnly
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$repoRoot = Split-Path -Parent $PSScriptRoot
$OutputPath = if ($OutputPath) {
    $PSCmdlet.GetUnresolvedProviderPathFromPSPath($OutputPath)
} else {
    Join-Path $repoRoot 'out/bench'
}
$guestSources = Join-Path $repoRoot 'bench/guests'
$srcDir = Join-Path $OutputPath 'src'
$objDir = Join-Path $OutputPath 'obj'
$guestDir = Join-Path $OutputPath 'guests'
$nativeDir = Join-Path $guestDir 'native'

# The packages and the files taken from each; pinned so every run measures the same code.
$vendored = @(
    @{ Package = 'better-sqlite3@12.11.1'; Name = 'sqlite'; Paths = @('package/deps/sqlite3/sqlite3.c', 'package/deps/sqlite3/sqlite3.h') }
    @{ Package = 'zstd-napi@0.0.13'; Name = 'zstd'; Paths = @('package/deps/zstd/lib', 'package/deps/zstd/LICENSE') }
)

Import-Module (Join-Path $PSScriptRoot 'GuestBuild.psm1') -Force
$wasmFlags = @(Get-WasiClangFlag)
$wasmLinkFlags = @('-fuse-ld=lld', '-Wl,--strip-debug')
$nativeFlags = @('-O2')
$driverFlags = @('-std=c11', '-Wall', '-Wextra', '-Werror')
# SQLite: no threads and no dlopen (its own WASI defaults, made explicit so the native build matches).
$sqliteDefines = @('-DSQLITE_THREADSAFE=0', '-DSQLITE_OMIT_LOAD_EXTENSION')
# zstd: the compile-time choices of its own build without multithreading or tracing; the x86-64 assembly
# (decompression only) has no WebAssembly counterpart, so both builds use the C code.
$zstdDefines = @('-DZSTD_DISABLE_ASM', '-DZSTD_NO_TRACE', '-DXXH_NAMESPACE=ZSTD_')

function Get-RelativePath([string] $Path) { [IO.Path]::GetRelativePath($repoRoot, $Path) }

function Assert-Tool {
    [OutputType([void])]
    param()
    $tools = @('clang-14', 'wasm-ld-14', 'wat2wasm', 'npm', 'tar') + @(if (-not $WasmOnly) { 'gcc' })
    $missing = foreach ($tool in $tools) {
        if (-not (Get-Command $tool -CommandType Application -ErrorAction Ignore)) { $tool }
    }
    if (-not (Test-Path -LiteralPath '/usr/include/wasm32-wasi/stdio.h')) { $missing += 'wasi-libc' }
    if ($missing) {
        throw ("Missing tools for the benchmark guests: $($missing -join ', '). tools/Build-Guests.ps1 installs the " +
            "WebAssembly toolchain on Debian; npm comes with Node.js.")
    }
}

function Get-VendoredSource {
    # Fetches each package once and extracts only the files the build uses.
    [OutputType([void])]
    param()
    foreach ($entry in $vendored) {
        $target = Join-Path $srcDir $entry.Name
        if (Save-NpmPackageFile -Package $entry.Package -Destination $target -Path $entry.Paths) {
            Write-Host "Fetched $($entry.Package) into $(Get-RelativePath $target)"
        }
    }
}

function Test-UpToDate([string] $Target, [string[]] $Inputs) {
    Test-BuildUpToDate -Target $Target -Inputs $Inputs -Script $PSCommandPath -Force:$Force
}

function Invoke-Parallel([object[]] $Steps) { Invoke-BuildStep -Steps $Steps -Root $repoRoot }

Assert-Tool
Get-VendoredSource

$sqliteDir = Join-Path $srcDir 'sqlite/package/deps/sqlite3'
$zstdLib = Join-Path $srcDir 'zstd/package/deps/zstd/lib'
$zstdSources = @(Get-ChildItem -Path (Join-Path $zstdLib 'common'), (Join-Path $zstdLib 'compress'), (Join-Path $zstdLib 'decompress') -Filter '*.c' -File)

$builds = @(@(
    @{ Kind = 'wasm'; Tool = 'clang-14'; Flags = $wasmFlags; LinkFlags = $wasmLinkFlags; Suffix = '.wasm'; OutDir = $guestDir; Libs = @() }
    @{ Kind = 'native'; Tool = 'gcc'; Flags = $nativeFlags; LinkFlags = @(); Suffix = ''; OutDir = $nativeDir; Libs = @('-lm') }
) | Where-Object { -not $WasmOnly -or $_.Kind -eq 'wasm' })

# SQLite is by far the largest compile: both go first, so the zstd files fill the other core meanwhile.
$sqliteCompiles = @()
$zstdCompiles = @()
foreach ($build in $builds) {
    $dir = Join-Path $objDir $build.Kind
    $null = New-Item -ItemType Directory -Force -Path $dir, $build.OutDir
    $build.SqliteObject = Join-Path $dir 'sqlite3.o'
    $source = Join-Path $sqliteDir 'sqlite3.c'
    if (-not (Test-UpToDate $build.SqliteObject $source)) {
        $sqliteCompiles += @{ Tool = $build.Tool; Target = $build.SqliteObject
            Arguments = $build.Flags + '-w' + $sqliteDefines + @('-c', $source, '-o', $build.SqliteObject) }
    }
    $build.ZstdObjects = foreach ($file in $zstdSources) {
        $object = Join-Path $dir "zstd-$($file.BaseName).o"
        if (-not (Test-UpToDate $object $file.FullName)) {
            $zstdCompiles += @{ Tool = $build.Tool; Target = $object
                Arguments = $build.Flags + '-w' + $zstdDefines + @("-I$zstdLib", '-c', $file.FullName, '-o', $object) }
        }
        $object
    }
}
Invoke-Parallel ($sqliteCompiles + $zstdCompiles)

$links = @()
foreach ($build in $builds) {
    $programs = @(
        @{ Name = 'sqlbench'; Objects = @($build.SqliteObject); Include = $sqliteDir }
        @{ Name = 'zpipe'; Objects = @($build.ZstdObjects); Include = $zstdLib }
    )
    foreach ($program in $programs) {
        $source = Join-Path $guestSources "$($program.Name).c"
        $target = Join-Path $build.OutDir "$($program.Name)$($build.Suffix)"
        if (-not (Test-UpToDate $target (@($source) + $program.Objects))) {
            $links += @{ Tool = $build.Tool; Target = $target
                Arguments = $build.Flags + $driverFlags + $build.LinkFlags +
                    @("-I$($program.Include)", $source) + $program.Objects + $build.Libs + @('-o', $target) }
        }
    }
}
Invoke-Parallel $links

$hello = Join-Path $guestSources 'hello.wat'
$helloTarget = Join-Path $guestDir 'hello.wasm'
if (-not (Test-UpToDate $helloTarget $hello)) {
    Invoke-Parallel @(@{ Tool = 'wat2wasm'; Target = $helloTarget; Arguments = @('--debug-names', $hello, '-o', $helloTarget) })
}
