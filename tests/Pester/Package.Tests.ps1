# The gallery package built by tools/Package.ps1, installed with PSResourceGet and used the way a user would: by name,
# in a fresh process. The staged module is deliberately not imported here, so nothing can come from out/ by accident.
BeforeDiscovery {
    $script:stagedHelp = Test-Path (Join-Path $env:WASMSANDBOX_TEST_MODULE 'en-US')
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:work = (New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "ws-pkg-$([guid]::NewGuid())")).FullName
    $script:feed = Join-Path $work 'feed'
    $script:modules = Join-Path $work 'modules'
    $script:manifest = Import-PowerShellDataFile (Join-Path $env:WASMSANDBOX_TEST_MODULE 'WasmSandbox.psd1')

    $script:package = & (Join-Path $PSScriptRoot '../../tools/Package.ps1') -ModulePath $env:WASMSANDBOX_TEST_MODULE -OutputPath $feed
    $zip = [IO.Compression.ZipFile]::OpenRead($package.FullName)
    try {
        $script:entries = @($zip.Entries | ForEach-Object FullName)
        $reader = [IO.StreamReader]::new($zip.GetEntry('WasmSandbox.nuspec').Open())
        try { $script:nuspec = ([xml] $reader.ReadToEnd()).package.metadata } finally { $reader.Dispose() }
    }
    finally { $zip.Dispose() }

    # Not trusted on purpose: Save-PSResource -TrustRepository is what a user of an untrusted feed would type.
    $script:repository = "WasmSandboxTest-$([guid]::NewGuid().ToString('N'))"
    Register-PSResourceRepository -Name $repository -Uri $feed
    New-Item -ItemType Directory -Path $modules | Out-Null
    Save-PSResource -Name WasmSandbox -Repository $repository -Path $modules -TrustRepository -ErrorAction Stop
}

AfterAll {
    if ($script:repository) { Unregister-PSResourceRepository -Name $repository -ErrorAction Ignore }
    if ($script:work) { Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'The WasmSandbox gallery package' {
    It 'is named after the manifest version and carries the gallery metadata' {
        $package.Name | Should -BeExactly "WasmSandbox.$($manifest.ModuleVersion).nupkg"
        $nuspec.id | Should -BeExactly 'WasmSandbox'
        $nuspec.version | Should -BeExactly $manifest.ModuleVersion
        $nuspec.description | Should -BeExactly $manifest.Description
        $nuspec.licenseUrl | Should -BeExactly $manifest.PrivateData.PSData.LicenseUri
        $tags = $nuspec.tags -split ' '
        $tags | Should -Contain 'PSModule'
        foreach ($tag in $manifest.PrivateData.PSData.Tags) { $tags | Should -Contain $tag }
    }

    It 'carries the license the manifest names and the release notes' {
        $entries | Should -Contain 'LICENSE'
        $entries | Should -Contain 'CHANGELOG.md'
        $manifest.PrivateData.PSData.LicenseUri | Should -Be 'https://www.apache.org/licenses/LICENSE-2.0'
        Get-Content -LiteralPath (Join-Path $env:WASMSANDBOX_TEST_MODULE 'LICENSE') -TotalCount 3 | Should -Contain '                                 Apache License'
        $nuspec.releaseNotes | Should -Match 'CHANGELOG\.md'
        Get-Content -Raw -LiteralPath (Join-Path $env:WASMSANDBOX_TEST_MODULE 'CHANGELOG.md') | Should -Match "## $([regex]::Escape($manifest.ModuleVersion))"
    }

    It 'holds the native Wasmtime library of every staged platform, linux-x64 included' {
        $entries | Should -Contain 'runtimes/linux-x64/native/libwasmtime.so'
        $staged = Get-ChildItem -Path (Join-Path $env:WASMSANDBOX_TEST_MODULE 'runtimes/*/native/*') -File
        foreach ($native in $staged) {
            $entries | Should -Contain ([IO.Path]::GetRelativePath($env:WASMSANDBOX_TEST_MODULE, $native.FullName).Replace('\', '/'))
        }
    }

    It 'holds the en-US help' -Skip:(-not $stagedHelp) {
        $entries | Should -Contain 'en-US/WasmSandbox.PowerShell.dll-Help.xml'
        $entries | Should -Contain 'en-US/about_WasmSandbox.help.txt'
    }

    It 'installs with Save-PSResource and runs a guest after Import-Module by name in a fresh pwsh' {
        $wat = New-WatFile $work 'hello.wat' (New-WatCommand '(call $print (i32.const 1024) (i32.const 19) (i32.const 1))' '(data (i32.const 1024) "hello from package\0a")')
        $command = @"
`$ErrorActionPreference = 'Stop'
`$env:PSModulePath = $(ConvertTo-QuotedLiteral $modules) + [IO.Path]::PathSeparator + `$env:PSModulePath
Import-Module WasmSandbox
`$events = Start-WasmExecution -Context (New-WasmContext $(ConvertTo-QuotedLiteral $wat)) -Wait
[pscustomobject]@{
    ModuleBase = (Get-Module WasmSandbox).ModuleBase
    Stdout     = -join (`$events | Where-Object Kind -eq Stdout | ForEach-Object Text)
} | ConvertTo-Json -Compress
"@
        $output = @(Invoke-NewSession $command)
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $result = $output[-1] | ConvertFrom-Json
        $result.ModuleBase | Should -BeLike "$modules*"
        $result.Stdout | Should -BeExactly "hello from package`n"
    }
}
