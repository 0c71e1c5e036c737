# Runs the real-program corpus (built by tools/Build-Corpus.ps1 into out/corpus) two ways with the same inputs: in
# the sandbox through the staged module's cmdlets, and under Node's node:wasi through tests/wasi-testsuite/
# run-node-wasi.mjs, the external oracle. Both runs get the same argv, the same (explicit, by default empty)
# environment, the same preopens and the same stdin bytes, each on its own fresh copy of the input folder, so what
# differs between them is the WASI implementation alone. Used by tests/corpus/Corpus.Tests.ps1.

Set-StrictMode -Version Latest

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
$script:NodeRunner = Join-Path $script:RepoRoot 'tests/wasi-testsuite/run-node-wasi.mjs'

# The folder tools/Build-Corpus.ps1 builds into.
function Get-CorpusRoot {
    Join-Path $script:RepoRoot 'out/corpus'
}

# The full path of a built corpus file ('bin/sqlite3.wasm', 'yosys-resources'); throws, naming the build script, when the
# corpus has not been built.
function Get-CorpusFile {
    param([Parameter(Mandatory)] [string] $Name)
    $path = Join-Path (Get-CorpusRoot) $Name
    if (-not (Test-Path -LiteralPath $path)) {
        throw "the corpus file $path is missing: build the corpus with 'dotnet pwsh tools/Build-Corpus.ps1' (build.ps1 -Task Test does)"
    }
    $path
}

# A new empty temporary folder, or a fresh copy of the contents of -From (dot files included); the caller removes
# it with Remove-CorpusFolder.
function New-CorpusFolder {
    param([string] $From)
    $folder = Join-Path ([IO.Path]::GetTempPath()) "wasm-corpus-$([guid]::NewGuid().ToString('n'))"
    $null = New-Item -ItemType Directory -Path $folder
    if ($From) { Get-ChildItem -LiteralPath $From -Force | Copy-Item -Destination $folder -Recurse -Force }
    $folder
}

function Remove-CorpusFolder {
    param([Parameter(Mandatory)] [string] $Path)
    if (Test-Path -LiteralPath $Path) { Remove-Item -LiteralPath $Path -Recurse -Force }
}

# Every file and folder under -Path, as an ordered dictionary from its relative path ('/'-separated, folders ending
# in '/') to the SHA-256 of its content (folders: ''), sorted by path, so two trees compare with one -Be.
function Get-CorpusTree {
    param([Parameter(Mandatory)] [string] $Path)
    $tree = [ordered]@{}
    $entries = Get-ChildItem -LiteralPath $Path -Recurse -Force | Sort-Object { [IO.Path]::GetRelativePath($Path, $_.FullName) } -Culture ([cultureinfo]::InvariantCulture)
    foreach ($entry in $entries) {
        $relative = [IO.Path]::GetRelativePath($Path, $entry.FullName).Replace('\', '/')
        if ($entry.PSIsContainer) { $tree["$relative/"] = '' }
        else { $tree[$relative] = (Get-FileHash -LiteralPath $entry.FullName -Algorithm SHA256).Hash }
    }
    $tree
}

# The tree as text, one 'path hash' line per entry, for assertions whose failure message should show both trees.
function Format-CorpusTree {
    param([Parameter(Mandatory)] [System.Collections.IDictionary] $Tree)
    ($Tree.GetEnumerator() | ForEach-Object { "$($_.Key) $($_.Value)".TrimEnd() }) -join "`n"
}

# Runs a corpus module in the sandbox: -Root is shown as '/' under the ReadWrite tier (Isolated without one), each
# -Mount is 'hostDir:guestDir[:ro]' as Start-WasmExecution takes it, -Stdin (bytes) is the guest's whole stdin
# (empty when not given). Returns ExitCode, Reason, Stdout (bytes), Stderr (text) and Events.
function Invoke-CorpusInSandbox {
    param(
        [Parameter(Mandatory)] [string] $Module,
        [string[]] $ArgumentList = @(),
        [byte[]] $Stdin,
        [string] $Root,
        [string[]] $Mount = @(),
        [System.Collections.IDictionary] $Environment = @{},
        [TimeSpan] $Timeout = '00:00:30'
    )
    $options = @{ ArgumentList = $ArgumentList; Environment = $Environment; Timeout = $Timeout; PermissionTier = 'Isolated' }
    if ($Root) {
        $options.PermissionTier = 'ReadWrite'
        $options.WorkingDirectory = $Root
    }
    if ($Mount) { $options.Mount = $Mount }
    $context = New-WasmContext $Module
    try {
        # One byte array is one piece of input, written as it is; no input at all closes stdin at once.
        $events = if ($PSBoundParameters.ContainsKey('Stdin')) {
            @(, $Stdin | Start-WasmExecution -Context $context -Wait @options)
        } else {
            @(Start-WasmExecution -Context $context -Wait @options)
        }
    }
    finally {
        Remove-WasmContext -Context $context -Confirm:$false
    }
    $exited = @($events | Where-Object Kind -eq Exited)
    if ($exited.Count -ne 1) { throw "$Module ended with $($exited.Count) Exited events, not one" }
    [pscustomobject]@{
        ExitCode = $exited[0].ExitCode
        Reason   = [string]$exited[0].Reason
        Stdout   = Join-OutputEvent @($events | Where-Object Kind -eq Stdout)
        Stderr   = [Text.Encoding]::UTF8.GetString((Join-OutputEvent @($events | Where-Object Kind -eq Stderr)))
        Events   = $events
    }
}

function Join-OutputEvent([object[]] $OutputEvents) {
    $buffer = [IO.MemoryStream]::new()
    foreach ($e in $OutputEvents) { $buffer.Write($e.Data, 0, $e.Data.Length) }
    , $buffer.ToArray()
}

# Runs a corpus module under Node's node:wasi with what Invoke-CorpusInSandbox gives the sandbox: -Root preopened
# as '/', each -Mount 'hostDir:guestDir[:ro]' preopened at guestDir (node:wasi has no read-only preopens, so ':ro'
# only documents intent there), the same environment, and -Stdin through a pipe (stdout and stderr are pipes too).
# A run longer than -Timeout is killed and reported with ExitCode 124 and Reason 'TimedOut'. Returns ExitCode,
# Reason ('Exited' or 'TimedOut'), Stdout (bytes) and Stderr (text).
function Invoke-CorpusInNode {
    param(
        [Parameter(Mandatory)] [string] $Module,
        [string[]] $ArgumentList = @(),
        [byte[]] $Stdin = @(),
        [string] $Root,
        [string[]] $Mount = @(),
        [System.Collections.IDictionary] $Environment = @{},
        [TimeSpan] $Timeout = '00:00:30'
    )
    $node = Get-Command node -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if (-not $node) { throw 'node is not on PATH: the corpus compares the sandbox with Node''s node:wasi' }
    $start = [Diagnostics.ProcessStartInfo]::new($node.Source)
    $start.ArgumentList.Add($script:NodeRunner)
    if ($Root) { $start.ArgumentList.Add('--dir'); $start.ArgumentList.Add("${Root}::/") }
    foreach ($grant in $Mount) {
        if ($grant -notmatch '^(?<host>.+?):(?<guest>/[^:]*)(:(ro|rw))?$') { throw "mount '$grant' is not hostDir:guestDir[:ro|:rw]" }
        $start.ArgumentList.Add('--dir'); $start.ArgumentList.Add("$($Matches.host)::$($Matches.guest)")
    }
    foreach ($name in $Environment.Keys) { $start.ArgumentList.Add('--env'); $start.ArgumentList.Add("$name=$($Environment[$name])") }
    $start.ArgumentList.Add($Module)
    foreach ($argument in $ArgumentList) { $start.ArgumentList.Add($argument) }
    $start.RedirectStandardInput = $true
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $start.UseShellExecute = $false
    $process = [Diagnostics.Process]::Start($start)
    try {
        $stdout = [IO.MemoryStream]::new()
        $copy = $process.StandardOutput.BaseStream.CopyToAsync($stdout)
        $stderr = $process.StandardError.ReadToEndAsync()
        try {
            $process.StandardInput.BaseStream.Write($Stdin, 0, $Stdin.Length)
            $process.StandardInput.Close()
        }
        catch [IO.IOException] {
            # The guest ended without reading all of its stdin: as with a shell pipe, the rest is dropped.
        }
        $timedOut = -not $process.WaitForExit([int]$Timeout.TotalMilliseconds)
        if ($timedOut) { $process.Kill($true); $process.WaitForExit() }
        $copy.Wait()
        [pscustomobject]@{
            ExitCode = if ($timedOut) { 124 } else { $process.ExitCode }
            Reason   = if ($timedOut) { 'TimedOut' } else { 'Exited' }
            Stdout   = $stdout.ToArray()
            Stderr   = $stderr.Result
        }
    }
    finally {
        $process.Dispose()
    }
}

# The bytes as UTF-8 text, for assertions and messages.
function ConvertFrom-CorpusBytes {
    param([byte[]] $Bytes = @())
    [Text.Encoding]::UTF8.GetString($Bytes)
}

Export-ModuleMember -Function Get-CorpusRoot, Get-CorpusFile, New-CorpusFolder, Remove-CorpusFolder, Get-CorpusTree,
    Format-CorpusTree, Invoke-CorpusInSandbox, Invoke-CorpusInNode, ConvertFrom-CorpusBytes
