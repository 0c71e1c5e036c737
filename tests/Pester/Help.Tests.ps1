# Help is compiled from docs/en-US at build time; these tests read it back through Get-Help and run every example.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-StagedModule
    $script:cmdlets = (Get-Module WasmSandbox).ExportedCmdlets.Keys | Sort-Object
    $script:examples = foreach ($name in $cmdlets) {
        $i = 0
        foreach ($example in (Get-Help $name -Full).examples.example) {
            $i++
            @{ Command = $name; Number = $i; Code = $example.code }
        }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-StagedModule
}

Describe 'Help for <_>' -ForEach $cmdlets {
    BeforeAll { $script:help = Get-Help $_ -Full }

    It 'has a synopsis and a description' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -BeLike "*$($_)*[[]*"   # not the auto-generated syntax stand-in
        ($help.description.Text -join '') | Should -Not -BeNullOrEmpty
    }

    It 'documents every parameter' {
        $documented = @($help.parameters.parameter.name)
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        foreach ($parameter in (Get-Command $_).Parameters.Keys | Where-Object { $_ -notin $common }) {
            $documented | Should -Contain $parameter
            ((Get-Help $_ -Parameter $parameter).description.Text -join '') | Should -Not -BeNullOrEmpty
        }
    }

    It 'has at least two examples' {
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
    }
}

Describe 'about_WasmSandbox' {
    It 'explains the model' {
        $about = Get-Help about_WasmSandbox | Out-String
        $about | Should -BeLike '*PermissionTier*'
        $about | Should -BeLike '*Receive-WasmEvent*'
    }
}

Describe 'Example <Number> of <Command>' -ForEach $examples {
    It 'runs without error in a fresh folder' {
        $dir = New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "ws-help-$([guid]::NewGuid())")
        Push-Location $dir
        try {
            # Any error, terminating or not, fails the example.
            $ErrorActionPreference = 'Stop'
            { $null = & ([scriptblock]::Create($Code)) } | Should -Not -Throw
        }
        finally {
            Pop-Location
            Remove-Item $dir -Recurse -Force -ErrorAction SilentlyContinue
        }
    }
}
