# Shared helpers for the Pester suite: every test file imports the staged module through Import-StagedModule.

function Import-StagedModule {
    $path = $env:WASMSANDBOX_TEST_MODULE
    if (-not $path) { throw 'WASMSANDBOX_TEST_MODULE is not set: run the suite through ./build.ps1 -Task Test' }
    Import-Module (Join-Path $path 'WasmSandbox.psd1') -Force -Global -ErrorAction Stop
}

function Get-GuestPath([string] $Name) {
    $path = Join-Path $env:WASMSANDBOX_TEST_GUESTS $Name
    if (-not (Test-Path -LiteralPath $path)) { throw "guest '$Name' was not built: expected $path" }
    $path
}

# A WASI command in WebAssembly text whose _start body is $Body; $print(ptr, len, fd) writes memory to an fd and data
# segments go at 1024 and up.
function New-WatCommand([string] $Body, [string] $Extra = '', [string] $Imports = '') {
    @"
(module
  (import "wasi_snapshot_preview1" "fd_write" (func `$fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func `$fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func `$proc_exit (param i32)))
  $Imports
  (memory (export "memory") 1)
  $Extra
  (func `$print (param `$ptr i32) (param `$len i32) (param `$fd i32)
    (i32.store (i32.const 0) (local.get `$ptr))
    (i32.store (i32.const 4) (local.get `$len))
    (drop (call `$fd_write (local.get `$fd) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start") $Body))
"@
}

function New-WatFile([string] $Directory, [string] $Name, [string] $Text) {
    $path = Join-Path $Directory $Name
    Set-Content -LiteralPath $path -Value $Text -NoNewline
    $path
}

# $Text as a single-quoted PowerShell string literal, for building a command that another session runs.
function ConvertTo-QuotedLiteral([string] $Text) {
    "'" + ($Text -replace "'", "''") + "'"
}

# Runs $Command in a new 'pwsh -NoProfile -NonInteractive' session and writes its output lines (stderr included);
# $LASTEXITCODE is the session's exit code. dotnet finds the pinned pwsh through the repository's tool manifest, so
# the session starts from inside the repository. $ShellPrefix, when given, is a POSIX sh command run first in the
# same shell (such as 'ulimit -v 40000000'), whose limits the session then inherits.
function Invoke-NewSession([string] $Command, [string] $ShellPrefix) {
    $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($Command))
    # Plain text from the child: its errors become test messages, and ANSI escapes have no place in those.
    $savedNoColor = $env:NO_COLOR
    $env:NO_COLOR = '1'
    Push-Location $PSScriptRoot
    try {
        if ($ShellPrefix) {
            & sh -c "$ShellPrefix && exec dotnet pwsh -NoProfile -NonInteractive -EncodedCommand $encoded" 2>&1
        }
        else {
            & dotnet pwsh -NoProfile -NonInteractive -EncodedCommand $encoded 2>&1
        }
    }
    finally {
        Pop-Location
        $env:NO_COLOR = $savedNoColor
    }
}

# Runs $Command in $Count new sessions, one after another, each with $Cache as its compile cache, and returns the last
# line each wrote; a session that fails fails the test with its output. The caller's cache setting is kept.
function Invoke-SessionsWithCache([string] $Command, [string] $Cache, [int] $Count = 2) {
    $saved = $env:WASMSANDBOX_CACHE_DIR
    $env:WASMSANDBOX_CACHE_DIR = $Cache
    try {
        foreach ($session in 1..$Count) {
            $output = @(Invoke-NewSession $Command)
            $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
            "$($output[-1])".Trim()
        }
    }
    finally {
        $env:WASMSANDBOX_CACHE_DIR = $saved
    }
}

Export-ModuleMember -Function Import-StagedModule, Get-GuestPath, New-WatCommand, New-WatFile, ConvertTo-QuotedLiteral, Invoke-NewSession, Invoke-SessionsWithCache
