# The official WASI preview 1 test suite (WebAssembly/wasi-testsuite, prebuilt) as test data: finds the archive beside
# the repository (../shared/wasi-testsuite, as laid out for developers and CI), unpacks it once into out/, and reads
# each test module's JSON into one case object. Used by tests/adversarial/WasiTestsuite.Tests.ps1 (the sandbox) and by
# tests/wasi-testsuite/Compare-WasiRuntimes.ps1 (the sandbox against Wasmtime's own WASI and Node's node:wasi).

Set-StrictMode -Version Latest

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
$script:ArchiveName = 'wasi-testsuite-prebuilt.tar.xz'

# The places the archive may be, in order: $env:WASMSANDBOX_WASI_TESTSUITE (a folder holding it), then
# shared/wasi-testsuite beside the repository or beside any folder above it (developers have ../shared next to their
# checkout; a clean clone elsewhere may sit deeper).
function Get-WasiTestsuiteCandidate {
    if ($env:WASMSANDBOX_WASI_TESTSUITE) { $env:WASMSANDBOX_WASI_TESTSUITE }
    # Beside this checkout, and beside the local repository it was cloned from (a clone made elsewhere, such as
    # 'git clone . /tmp/fresh-clone', would otherwise skip the suite).
    $roots = @($script:RepoRoot)
    $origin = & git -C $script:RepoRoot config --get remote.origin.url 2>$null
    if ($origin -and (Test-Path -LiteralPath $origin -PathType Container)) { $roots += (Resolve-Path -LiteralPath $origin).ProviderPath }
    foreach ($root in $roots) {
        $dir = [IO.DirectoryInfo]::new($root)
        while ($dir.Parent) {
            Join-Path $dir.Parent.FullName 'shared/wasi-testsuite'
            $dir = $dir.Parent
        }
    }
}

# The archive's path, or $null when none of the candidate folders holds it.
function Find-WasiTestsuiteArchive {
    foreach ($folder in Get-WasiTestsuiteCandidate) {
        $archive = Join-Path $folder $script:ArchiveName
        if (Test-Path -LiteralPath $archive -PathType Leaf) { return $archive }
    }
    $null
}

function Get-WasiTestsuiteArchive {
    $archive = Find-WasiTestsuiteArchive
    if (-not $archive) {
        throw "the WASI test suite archive ($($script:ArchiveName)) is missing; looked in: $((Get-WasiTestsuiteCandidate) -join ', ')"
    }
    $archive
}

# Unpacks the archive into out/wasi-testsuite once; a stamp holding the archive's SHA-256 says whether the unpacked
# copy is current, so later runs reuse it and a changed archive is unpacked again. Unpacking goes to a temporary
# folder first and is renamed into place, so an interrupted run never leaves a half-unpacked suite that looks current.
# Returns the folder that holds tests/{c,rust,assemblyscript}.
function Expand-WasiTestsuite {
    $archive = Get-WasiTestsuiteArchive
    $out = Join-Path $script:RepoRoot 'out'
    $target = Join-Path $out 'wasi-testsuite'
    $stamp = Join-Path $target '.archive-sha256'
    $hash = (Get-FileHash -LiteralPath $archive -Algorithm SHA256).Hash
    if ((Test-Path -LiteralPath $stamp) -and (Get-Content -Raw -LiteralPath $stamp).Trim() -eq $hash) {
        return Join-Path $target 'wasi-testsuite'
    }
    $staging = Join-Path $out "wasi-testsuite.unpacking-$PID"
    if (Test-Path -LiteralPath $staging) { Remove-Item -LiteralPath $staging -Recurse -Force }
    New-Item -ItemType Directory -Path $staging -Force | Out-Null
    $output = & tar -xJf $archive -C $staging 2>&1
    if ($LASTEXITCODE -ne 0) {
        Remove-Item -LiteralPath $staging -Recurse -Force -ErrorAction SilentlyContinue
        throw "could not unpack $archive with 'tar -xJf' (exit code $LASTEXITCODE): $output"
    }
    if (-not (Test-Path -LiteralPath (Join-Path $staging 'wasi-testsuite/tests'))) {
        Remove-Item -LiteralPath $staging -Recurse -Force
        throw "$archive did not unpack to wasi-testsuite/tests as its README says"
    }
    Set-Content -LiteralPath (Join-Path $staging '.archive-sha256') -Value $hash -NoNewline
    if (Test-Path -LiteralPath $target) { Remove-Item -LiteralPath $target -Recurse -Force }
    Move-Item -LiteralPath $staging -Destination $target
    Join-Path $target 'wasi-testsuite'
}

# One object per test module: Name ('<language>/<module>'), Module (path), Root (the host folder preopened as '/', or
# null), Arguments, Environment (ordered), ExitCode and Stdout (null when the test does not check it). A field missing
# from the JSON takes the README's default; a field the README does not know is an error, so a newer suite with new
# fields cannot pass here by being half-read.
function Get-WasiTestCase {
    param([Parameter(Mandatory)] [string] $SuiteRoot)
    $known = 'args', 'env', 'root', 'exit_code', 'stdout'
    $modules = @(Get-ChildItem -Path (Join-Path $SuiteRoot 'tests/*/testsuite/wasm32-wasip1/*.wasm') -File | Sort-Object FullName)
    if ($modules.Count -eq 0) { throw "no test modules under $SuiteRoot/tests/*/testsuite/wasm32-wasip1" }
    foreach ($module in $modules) {
        $language = $module.Directory.Parent.Parent.Name
        $name = "$language/$($module.BaseName)"
        $jsonPath = [IO.Path]::ChangeExtension($module.FullName, '.json')
        $config = if (Test-Path -LiteralPath $jsonPath) { Get-Content -Raw -LiteralPath $jsonPath | ConvertFrom-Json } else { [pscustomobject]@{} }
        $unknown = @($config.PSObject.Properties | ForEach-Object Name | Where-Object { $_ -notin $known })
        if ($unknown) { throw "$jsonPath has field(s) this runner does not understand: $($unknown -join ', ')" }
        $environment = [ordered]@{}
        if ($config.PSObject.Properties['env']) {
            foreach ($p in $config.env.PSObject.Properties) { $environment[$p.Name] = [string]$p.Value }
        }
        $root = $null
        if ($config.PSObject.Properties['root']) {
            $root = Join-Path $module.DirectoryName $config.root
            if (-not (Test-Path -LiteralPath $root -PathType Container)) { throw "$jsonPath names root '$($config.root)', but $root is not a folder" }
        }
        [pscustomobject]@{
            Name        = $name
            Module      = $module.FullName
            Root        = $root
            Arguments   = [string[]]@(if ($config.PSObject.Properties['args']) { $config.args })
            Environment = $environment
            ExitCode    = if ($config.PSObject.Properties['exit_code']) { [int]$config.exit_code } else { 0 }
            Stdout      = if ($config.PSObject.Properties['stdout']) { [string]$config.stdout } else { $null }
        }
    }
}

# A fresh copy of a test's root folder (most tests create, rename and delete inside it), in a new temporary folder;
# the caller removes it. Dot files (.keep, .gitignore) are copied too: some tests list the folder.
function New-WasiTestRoot {
    param([Parameter(Mandatory)] [string] $Root)
    $copy = Join-Path ([IO.Path]::GetTempPath()) "wasi-testsuite-$([guid]::NewGuid().ToString('n'))"
    New-Item -ItemType Directory -Path $copy | Out-Null
    Get-ChildItem -LiteralPath $Root -Force | Copy-Item -Destination $copy -Recurse -Force
    $copy
}

# Removes a test root even when the guest left read-only or unusual entries behind (links, a dangling symlink).
function Remove-WasiTestRoot {
    param([Parameter(Mandatory)] [string] $Path)
    if (Test-Path -LiteralPath $Path) { & chmod -R u+rwx $Path 2>$null; Remove-Item -LiteralPath $Path -Recurse -Force }
}

# Runs one case in the sandbox through the staged module's cmdlets (which the caller has imported): a fresh copy of its
# root preopened as '/' under the ReadWrite tier, or the Isolated tier when it has none; its arguments and environment;
# a 30 s timeout so a hanging case fails instead of stalling the suite. Returns ExitCode, Reason, Message, Stdout
# (the bytes of every stdout event, decoded once as UTF-8 so a character split across writes stays whole) and Stderr.
function Invoke-WasiTestInSandbox {
    param([Parameter(Mandatory)] $Case, [TimeSpan] $Timeout = [TimeSpan]::FromSeconds(30))
    $options = @{ ArgumentList = $Case.Arguments; Environment = $Case.Environment; Timeout = $Timeout; PermissionTier = 'Isolated' }
    $root = $null
    if ($Case.Root) {
        $root = New-WasiTestRoot -Root $Case.Root
        $options.PermissionTier = 'ReadWrite'
        $options.WorkingDirectory = $root
    }
    # The context is removed again so 72 of them do not linger in the session for the test files that run later
    # (the compiled code stays in the compile cache, which is what makes the next run fast).
    $context = New-WasmContext $Case.Module
    try {
        $events = @(Start-WasmExecution -Context $context -Wait @options)
    }
    finally {
        Remove-WasmContext -Context $context -Confirm:$false
        if ($root) { Remove-WasiTestRoot -Path $root }
    }
    $exited = @($events | Where-Object Kind -eq Exited)
    if ($exited.Count -ne 1) { throw "$($Case.Name): the execution ended with $($exited.Count) Exited events, not one" }
    [pscustomobject]@{
        ExitCode = $exited[0].ExitCode
        Reason   = [string]$exited[0].Reason
        Message  = $exited[0].Message
        Stdout   = ConvertFrom-Utf8Chunks @($events | Where-Object Kind -eq Stdout)
        Stderr   = ConvertFrom-Utf8Chunks @($events | Where-Object Kind -eq Stderr)
    }
}

function ConvertFrom-Utf8Chunks([object[]] $OutputEvents) {
    $buffer = [IO.MemoryStream]::new()
    foreach ($e in $OutputEvents) { $buffer.Write($e.Data, 0, $e.Data.Length) }
    [Text.Encoding]::UTF8.GetString($buffer.ToArray())
}

# What differs between a run and what the case's JSON expects, one line per difference; nothing when the case passes.
function Test-WasiTestResult {
    param([Parameter(Mandatory)] $Case, [Parameter(Mandatory)] $Run)
    $problems = [Collections.Generic.List[string]]::new()
    if ($Run.ExitCode -ne $Case.ExitCode) {
        $how = if ($Run.PSObject.Properties['Reason'] -and $Run.Reason) { " ($($Run.Reason)$(if ($Run.Message) { ": $($Run.Message)" }))" } else { '' }
        $problems.Add("exit code $($Run.ExitCode)$how, expected $($Case.ExitCode)")
    }
    if ($null -ne $Case.Stdout -and $Run.Stdout -cne $Case.Stdout) {
        $problems.Add("stdout was '$($Run.Stdout)', expected '$($Case.Stdout)'")
    }
    $problems
}

Export-ModuleMember -Function Get-WasiTestsuiteCandidate, Find-WasiTestsuiteArchive, Get-WasiTestsuiteArchive, Expand-WasiTestsuite, Get-WasiTestCase, New-WasiTestRoot, Remove-WasiTestRoot,
    Invoke-WasiTestInSandbox, Test-WasiTestResult
