<#
.SYNOPSIS
    Packs the staged WasmSandbox module into a PowerShell Gallery style .nupkg.

.DESCRIPTION
    Checks the staged module's manifest (Test-ModuleManifest plus the metadata a gallery listing needs), then lets
    PSResourceGet build the package exactly as it would for the PowerShell Gallery: Publish-PSResource to a temporary
    local file-system repository, whose .nupkg is then moved to <OutputPath>/<Name>.<Version>.nupkg. This works
    offline and needs nothing beyond the Microsoft.PowerShell.PSResourceGet module that ships with PowerShell 7.4+.

    The package holds every file of the staged folder, including the LICENSE and CHANGELOG.md (release notes) the
    script requires there, and the native Wasmtime library of each platform under
    runtimes/<rid>/native/; the script verifies that after packing. The temporary repository is unregistered and
    removed even when packing fails.

    Writes the FileInfo of the package to the pipeline. Any problem throws.

.PARAMETER ModulePath
    The staged module folder, named after the module and holding <Name>.psd1 (out/WasmSandbox after a build).

.PARAMETER OutputPath
    Folder the package is written to; created when missing. An older package of the same version is replaced.

.EXAMPLE
    dotnet pwsh tools/Package.ps1 -ModulePath out/WasmSandbox -OutputPath out
#>
#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Microsoft.PowerShell.PSResourceGet'; ModuleVersion = '1.0.0' }
[CmdletBinding()]
[OutputType([System.IO.FileInfo])]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $OutputPath
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# The version as NuGet writes it into the file name: three parts at least, a fourth only when it is not zero.
function Get-NuGetVersionText([string] $ModuleVersion, [string] $Prerelease) {
    $v = [version] $ModuleVersion
    $text = '{0}.{1}.{2}' -f $v.Major, $v.Minor, [Math]::Max($v.Build, 0)
    if ($v.Revision -gt 0) { $text += ".$($v.Revision)" }
    if ($Prerelease) { $text += "-$Prerelease" }
    $text
}

function Assert-ManifestMetadata([string] $ManifestPath) {
    # Test-ModuleManifest reports problems as non-terminating errors; Stop turns the first into a throw.
    Test-ModuleManifest -Path $ManifestPath -ErrorAction Stop | Out-Null
    $data = Import-PowerShellDataFile -LiteralPath $ManifestPath
    $psData = if ($data['PrivateData'] -and $data.PrivateData['PSData']) { $data.PrivateData.PSData } else { @{} }
    $missing = @(
        if (-not $data['Author']) { 'Author' }
        if (-not $data['Description']) { 'Description' }
        if (-not $psData['Tags']) { 'PrivateData.PSData.Tags' }
        if (-not $psData['LicenseUri']) { 'PrivateData.PSData.LicenseUri' }
    )
    if ($missing) { throw "$ManifestPath lacks what a gallery package needs: $($missing -join ', ')" }
    # A gallery listing links these; a relative or example.* address would publish a dead link.
    foreach ($key in 'LicenseUri', 'ProjectUri', 'IconUri') {
        if (-not $psData[$key]) { continue }
        $uri = $null
        if (-not [uri]::TryCreate([string] $psData[$key], [UriKind]::Absolute, [ref] $uri) -or
            $uri.Scheme -notin 'http', 'https' -or $uri.Host -match '(^|\.)example\.(com|org|net)$') {
            throw "$ManifestPath has PSData.$key '$($psData[$key])', which is not a real http(s) address"
        }
    }
    $data
}

# Every staged file must be in the package; PSResourceGet's packing rules are not ours to assume.
function Assert-PackageComplete([string] $PackagePath, [string] $StagePath) {
    $zip = [IO.Compression.ZipFile]::OpenRead($PackagePath)
    try { $entries = [Collections.Generic.HashSet[string]]::new([string[]] @($zip.Entries | ForEach-Object { [uri]::UnescapeDataString($_.FullName) })) }
    finally { $zip.Dispose() }
    $absent = @(Get-ChildItem -LiteralPath $StagePath -Recurse -File -Force |
            ForEach-Object { [IO.Path]::GetRelativePath($StagePath, $_.FullName).Replace('\', '/') } |
            Where-Object { -not $entries.Contains($_) })
    if ($absent) { throw "$PackagePath is missing staged files: $($absent -join ', ')" }
}

if (-not (Test-Path -LiteralPath $ModulePath -PathType Container)) { throw "no staged module folder at '$ModulePath'" }
$stage = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
$name = Split-Path -Leaf $stage
$manifestPath = Join-Path $stage "$name.psd1"
if (-not (Test-Path -LiteralPath $manifestPath -PathType Leaf)) { throw "the staged module has no manifest: expected $manifestPath" }
# A package travels without the repository: its license and release notes must be inside it.
foreach ($required in 'LICENSE', 'CHANGELOG.md') {
    if (-not (Test-Path -LiteralPath (Join-Path $stage $required) -PathType Leaf)) { throw "the staged module has no $required file: expected $(Join-Path $stage $required)" }
}
if (-not @(Get-ChildItem -Path (Join-Path $stage 'runtimes/*/native/*') -File)) {
    throw "the staged module has no native Wasmtime library under $stage/runtimes/<rid>/native"
}

$manifest = Assert-ManifestMetadata $manifestPath
$prerelease = if ($manifest['PrivateData'] -and $manifest.PrivateData['PSData']) { $manifest.PrivateData.PSData['Prerelease'] }
$fileName = '{0}.{1}.nupkg' -f $name, (Get-NuGetVersionText $manifest.ModuleVersion $prerelease)

$output = (New-Item -ItemType Directory -Path $OutputPath -Force).FullName
$feed = Join-Path ([IO.Path]::GetTempPath()) "wasmsandbox-pack-$([guid]::NewGuid().ToString('N'))"
$repository = "WasmSandboxPack-$([guid]::NewGuid().ToString('N'))"
New-Item -ItemType Directory -Path $feed | Out-Null
try {
    Register-PSResourceRepository -Name $repository -Uri $feed -Trusted
    Publish-PSResource -Path $stage -Repository $repository
    $produced = @(Get-ChildItem -LiteralPath $feed -Filter '*.nupkg' -File)
    if ($produced.Count -ne 1 -or $produced[0].Name -ne $fileName) {
        throw "Publish-PSResource was expected to produce $fileName but produced: $(@($produced.Name) -join ', ')"
    }
    Assert-PackageComplete $produced[0].FullName $stage
    $target = Join-Path $output $fileName
    Move-Item -LiteralPath $produced[0].FullName -Destination $target -Force
    Get-Item -LiteralPath $target
}
finally {
    if (Get-PSResourceRepository -Name $repository -ErrorAction Ignore) { Unregister-PSResourceRepository -Name $repository }
    Remove-Item -LiteralPath $feed -Recurse -Force -ErrorAction Ignore
}
