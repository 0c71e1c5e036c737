<#
.SYNOPSIS
    Runs the Pester suite against the staged module, in the fresh process build.ps1 starts for it.
.DESCRIPTION
    Imports Pester from the given path, points the tests at the staged module through $env:WASMSANDBOX_TEST_MODULE,
    and writes the totals as JSON so build.ps1 can add them to the xunit totals.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ResultPath,
    [string] $GuestPath,
    [string[]] $TestPath = @($PSScriptRoot)
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$env:WASMSANDBOX_TEST_MODULE = $ModulePath
$env:WASMSANDBOX_TEST_GUESTS = $GuestPath

$config = New-PesterConfiguration
# A native command line carries one string per parameter, so build.ps1 passes several paths separated by ';'.
$config.Run.Path = @($TestPath | ForEach-Object { $_ -split ';' } | Where-Object { $_ })
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
# The NUnit report is written after the run, apart from it: Pester's own export fails on a message that holds a
# character XML cannot carry (an ANSI escape from a child session's error, say), and that failure must not lose the
# totals below: a run whose totals went missing once counted as passed.
$config.TestResult.Enabled = $false
$result = Invoke-Pester -Configuration $config
try {
    $result | Export-NUnitReport -Path ([IO.Path]::ChangeExtension($ResultPath, '.xml'))
}
catch {
    Write-Warning "the NUnit report was not written: $_"
}
if ($null -eq $result) { throw 'Invoke-Pester returned no result' }

[pscustomobject]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount
} | ConvertTo-Json | Set-Content -LiteralPath $ResultPath
