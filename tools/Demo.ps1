<#
.SYNOPSIS
    The main job: runs the bundled wordfreq example (a C program compiled to wasm32-wasi) in the sandbox and shows
    what a user sees — the execution, its typed events, and the limits at work.
#>
[CmdletBinding()]
param([Parameter(Mandatory)] [string] $ModulePath)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $ModulePath 'WasmSandbox.psd1')

$examples = Join-Path $ModulePath 'examples'
Write-Host "`n== A sandboxed run: wordfreq reads sample.txt through a read-only preopen ==" -ForegroundColor Cyan
$ctx = New-WasmContext -Path (Join-Path $examples 'wordfreq.wasm')
$ctx | Format-Table | Out-Host
$exec = Start-WasmExecution -Context $ctx -ArgumentList '--top', '5', 'sample.txt' -WorkingDirectory $examples -PermissionTier ReadOnly -Timeout 00:00:10
$events = Receive-WasmEvent -Execution $exec -Wait
$events | Format-Table | Out-Host
$exec | Format-List ExecutionId, State, ExitCode, StartTime, EndTime, Warmup | Out-Host

Write-Host "== The same guest, text piped to stdin, Isolated (no files at all) ==" -ForegroundColor Cyan
'the quick brown fox', 'jumps over the lazy dog', 'the end' |
    Start-WasmExecution -Context $ctx -ArgumentList '--top', '3' -Wait |
    Where-Object Kind -in 'Stdout', 'Exited' | Format-Table | Out-Host

Write-Host "== Isolated means isolated: asking for the file fails inside the guest ==" -ForegroundColor Cyan
Start-WasmExecution -Context $ctx -ArgumentList 'sample.txt' -WorkingDirectory $examples -Wait | Format-Table | Out-Host
