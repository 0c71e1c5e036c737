# What the scripts that build guests from third-party sources share (tools/Build-BenchGuests.ps1 and
# tools/Build-Corpus.ps1): the clang flags for Debian's wasi-libc, fetching files from pinned npm packages, the
# up-to-date check and running compiles in parallel.

Set-StrictMode -Version Latest

# This file holds the shared flags, so it is an input of everything built with them.
$script:ModuleFile = $PSCommandPath

# As in tools/Build-Guests.ps1: Debian's wasi-libc with /usr as the sysroot, and only its headers searched (with /usr
# as the sysroot the driver would also search the host's /usr/include, so a glibc header could slip into a guest).
function Get-WasiClangFlag {
    [OutputType([string[]])]
    param()
    '--target=wasm32-wasi', '--sysroot=/usr', '-nostdlibinc', '-idirafter', '/usr/include/wasm32-wasi', '-O2'
}

# Fetches a pinned npm package with 'npm pack' into -Destination and extracts only -Path from it (paths inside the
# tarball, 'package/...'); a stamp holding the package spec makes a second call with the same spec do nothing.
# Returns $true when it fetched.
function Save-NpmPackageFile {
    [OutputType([bool])]
    param(
        [Parameter(Mandatory)] [string] $Package,
        [Parameter(Mandatory)] [string] $Destination,
        [Parameter(Mandatory)] [string[]] $Path
    )
    $stamp = Join-Path $Destination '.package'
    if ((Test-Path -LiteralPath $stamp) -and (Get-Content -Raw -LiteralPath $stamp).Trim() -eq $Package) { return $false }
    if (Test-Path -LiteralPath $Destination) { Remove-Item -LiteralPath $Destination -Recurse -Force }
    $null = New-Item -ItemType Directory -Force -Path $Destination
    $output = & npm pack $Package --pack-destination $Destination --silent 2>&1
    if ($LASTEXITCODE -ne 0) { throw "npm pack $Package failed:`n$($output -join "`n")" }
    $tarball = Get-ChildItem -LiteralPath $Destination -Filter '*.tgz' | Select-Object -First 1
    if (-not $tarball) { throw "npm pack $Package produced no tarball in $Destination" }
    $output = & tar -xzf $tarball.FullName -C $Destination @Path 2>&1
    if ($LASTEXITCODE -ne 0) { throw "extracting $($Path -join ', ') from $($tarball.Name) failed:`n$($output -join "`n")" }
    Remove-Item -LiteralPath $tarball.FullName
    Set-Content -LiteralPath $stamp -Value $Package
    $true
}

# True when -Target exists and is newer than every input, than -Script and than this file (the build script and this
# file hold the flags, so they count as inputs of everything built).
function Test-BuildUpToDate {
    [OutputType([bool])]
    param(
        [Parameter(Mandatory)] [string] $Target,
        [string[]] $Inputs = @(),
        [Parameter(Mandatory)] [string] $Script,
        [switch] $Force
    )
    if ($Force -or -not (Test-Path -LiteralPath $Target)) { return $false }
    $built = (Get-Item -LiteralPath $Target).LastWriteTimeUtc
    foreach ($path in @($Inputs) + $Script + $script:ModuleFile) {
        if ((Get-Item -LiteralPath $path).LastWriteTimeUtc -ge $built) { return $false }
    }
    $true
}

# Runs build steps (hashtables with Tool, Arguments and Target) one per core; prints one line per target built
# (relative to -Root) and throws with the tool's output on the first failure.
function Invoke-BuildStep {
    [OutputType([void])]
    param([object[]] $Steps, [Parameter(Mandatory)] [string] $Root)
    if (-not $Steps) { return }
    $results = $Steps | ForEach-Object -ThrottleLimit ([Environment]::ProcessorCount) -Parallel {
        $step = $_
        $output = & $step.Tool @($step.Arguments) 2>&1
        [pscustomobject]@{ Target = $step.Target; ExitCode = $LASTEXITCODE; Output = ($output -join "`n") }
    }
    foreach ($result in $results) {
        $name = [IO.Path]::GetRelativePath($Root, $result.Target)
        if ($result.ExitCode -ne 0) { throw "Building $name failed (exit code $($result.ExitCode)):`n$($result.Output)" }
        Write-Host "Built $name"
    }
}

Export-ModuleMember -Function Get-WasiClangFlag, Save-NpmPackageFile, Test-BuildUpToDate, Invoke-BuildStep
