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
$config.TestResult.Enabled = $true
$config.TestResult.OutputPath = [IO.Path]::ChangeExtension($ResultPath, '.xml')
$result = Invoke-Pester -Configuration $config

[pscustomobject]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount
} | ConvertTo-Json | Set-Content -LiteralPath $ResultPath
