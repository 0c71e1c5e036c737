# Module paths as PowerShell users pass them (pipeline, provider drives, ids), the errors a script can catch and
# filter, the execution table, and the manifest's promise about the PowerShell it needs.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-StagedModule
    $script:stdio = Get-GuestPath 'stdio.wasm'
    $script:cpuloop = Get-GuestPath 'cpuloop.wasm'
    $script:trap = Get-GuestPath 'trap.wasm'
    New-Item -ItemType Directory -Path 'TestDrive:\m' | Out-Null
    Copy-Item -LiteralPath $stdio -Destination 'TestDrive:\m\one.wasm'
    Copy-Item -LiteralPath $stdio -Destination 'TestDrive:\m\two.wasm'
    Set-Content -LiteralPath 'TestDrive:\m\notes.txt' -Value 'not a module'
    Copy-Item -LiteralPath (Get-Command -CommandType Application ls | Select-Object -First 1).Source -Destination 'TestDrive:\m\tool.elf'
    $script:m = Join-Path $TestDrive 'm'

    # What one failing call leaves behind, as a script would catch it.
    function Get-Failure([scriptblock] $Call) {
        try { & $Call | Out-Null } catch { return $_ }
        throw "expected $Call to fail"
    }
}

AfterAll {
    Get-WasmExecution -State Running | Stop-WasmExecution
}

Describe 'New-WasmContext takes paths the PowerShell way' {
    It 'takes Get-Item output from the pipeline (FileInfo, through PSPath)' {
        $context = Get-Item 'TestDrive:\m\one.wasm' | New-WasmContext
        $context.ModulePath | Should -Be (Join-Path $m 'one.wasm')
        (Start-WasmExecution $context -ArgumentList exit, 0 -Wait)[-1].ExitCode | Should -Be 0
    }

    It 'makes one context per file that Get-ChildItem *.wasm gives' {
        $contexts = Get-ChildItem 'TestDrive:\m\*.wasm' | New-WasmContext
        $contexts.ModulePath | Should -Be @((Join-Path $m 'one.wasm'), (Join-Path $m 'two.wasm'))
        ($contexts.ContextId | Sort-Object -Unique).Count | Should -Be 2
    }

    It 'takes strings from the pipeline and expands wildcards in -Path, but not in -LiteralPath' {
        ('TestDrive:\m\one.wasm', 'TestDrive:\m\two.wasm' | New-WasmContext).ModulePath | Should -Be @((Join-Path $m 'one.wasm'), (Join-Path $m 'two.wasm'))
        (New-WasmContext -Path 'TestDrive:\m\t*.wasm').ModulePath | Should -Be (Join-Path $m 'two.wasm')
        (New-WasmContext -LiteralPath 'TestDrive:\m\t*.wasm').ModulePath | Should -Be (Join-Path $m 't*.wasm')
    }

    It 'resolves ~ through the provider, and keeps a plain relative path for each start''s working directory' {
        (New-WasmContext '~/x.wasm').ModulePath | Should -Be (Join-Path $HOME 'x.wasm')
        $relative = New-WasmContext 'one.wasm'
        $relative.ModulePath | Should -Be 'one.wasm'
        $run = Start-WasmExecution $relative -WorkingDirectory 'TestDrive:\m' -ArgumentList exit, 0
        $run.ResolvedModulePath | Should -Be (Join-Path $m 'one.wasm')
    }

    It 'refuses a directory and a path of another provider with their own errors, leaving no context' {
        $before = @(Get-WasmContext).Count
        $dir = Get-Failure { New-WasmContext 'TestDrive:\m' -ErrorAction Stop }
        $dir.Exception | Should -BeOfType ([WasmSandbox.ModuleNotRegularFileException])
        $dir.Exception.Message | Should -BeLike '*is a directory, not a regular file*'
        $dir.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $envPath = Get-Failure { New-WasmContext 'Env:PATH' -ErrorAction Stop }
        $envPath.FullyQualifiedErrorId | Should -Be 'ModulePathNotFileSystem,WasmSandbox.Commands.NewWasmContextCommand'
        $envPath.Exception.Message | Should -BeLike "*'Env:PATH' is a path of the Environment provider*"
        @(Get-WasmContext).Count | Should -Be $before
    }
}

Describe 'One exception type per condition, whichever cmdlet meets it' {
    It 'reports a missing module as WasmModuleNotFoundException from every cmdlet' {
        $missing = Join-Path $m 'missing.wasm'
        $failures = @(
            Get-Failure { Test-WasmModule $missing -ErrorAction Stop }
            Get-Failure { Test-WasmModule -LiteralPath $missing -ErrorAction Stop }
            Get-Failure { Invoke-WasmModule $missing -ErrorAction Stop }
            Get-Failure { Start-WasmExecution (New-WasmContext $missing) -ErrorAction Stop }
            Get-Failure { New-WasmContext $missing -Precompile -ErrorAction Stop }
        )
        foreach ($f in $failures) {
            $f.Exception | Should -BeOfType ([WasmSandbox.WasmModuleNotFoundException])
            $f.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $f.FullyQualifiedErrorId | Should -BeLike 'ModuleNotFound,*'
        }
    }

    It 'reports a directory as ModuleNotRegularFileException from every cmdlet' {
        $failures = @(
            Get-Failure { Test-WasmModule 'TestDrive:\m' -ErrorAction Stop }
            Get-Failure { Invoke-WasmModule 'TestDrive:\m' -ErrorAction Stop }
            Get-Failure { Start-WasmExecution (New-WasmContext 'm') -WorkingDirectory $TestDrive -ErrorAction Stop }
            Get-Failure { New-WasmContext 'TestDrive:\m' -ErrorAction Stop }
        )
        foreach ($f in $failures) { $f.Exception | Should -BeOfType ([WasmSandbox.ModuleNotRegularFileException]) }
    }

    It 'puts the refusal of a native binary first in words and its contract code at the end' {
        $f = Get-Failure { Invoke-WasmModule 'TestDrive:\m\tool.elf' -ErrorAction Stop }
        $f.FullyQualifiedErrorId | Should -Be 'NativeBinaryNotSupported,WasmSandbox.Commands.InvokeWasmModuleCommand'
        $f.Exception.Message | Should -BeLike "$(Join-Path $m 'tool.elf') is a native ELF executable*"
        $f.Exception.Message | Should -BeLike '*(ERR_NATIVE_BINARY_NOT_SUPPORTED)'
    }

    It 'removes the context Invoke-WasmModule made when the run fails before it starts' {
        $before = @(Get-WasmContext).Count
        Get-Failure { Invoke-WasmModule 'TestDrive:\m\tool.elf' -ErrorAction Stop } | Out-Null
        Get-Failure { Invoke-WasmModule 'TestDrive:\m\notes.txt' -ErrorAction Stop } | Out-Null
        Get-Failure { Invoke-WasmModule 'TestDrive:\m\one.wasm' -PermissionTier ReadOnly -Mount 'TestDrive:\nowhere:/d' -ErrorAction Stop } | Out-Null
        @(Get-WasmContext).Count | Should -Be $before
    }

    It 'gives each sandbox-caused end its own category and the sandbox''s exception type' {
        # The guest's own stderr is not the sandbox's verdict: only the record of the sandbox's type is looked at.
        $cases = @(
            @{ Call = { Invoke-WasmModule $cpuloop -Timeout ([timespan]::FromMilliseconds(300)) }; Id = 'WasmSandbox.TimedOut'; Category = 'OperationTimeout' }
            @{ Call = { Invoke-WasmModule $cpuloop 100000000 -MaxFuel 100000 }; Id = 'WasmSandbox.FuelExhausted'; Category = 'LimitsExceeded' }
            @{ Call = { Invoke-WasmModule $stdio flood 100000 -MaxOutputBytes 1000 }; Id = 'WasmSandbox.OutputLimitExceeded'; Category = 'LimitsExceeded' }
            @{ Call = { Invoke-WasmModule $trap }; Id = 'WasmSandbox.Trapped'; Category = 'InvalidResult' }
        )
        foreach ($case in $cases) {
            $records = & { $ErrorActionPreference = 'Continue'; & $case.Call 2>&1 } | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }
            $ends = @($records | Where-Object { $_.Exception -is [WasmSandbox.WasmSandboxException] })
            $ends.Count | Should -Be 1 -Because $case.Id
            $ends[0].Exception | Should -BeOfType ([WasmSandbox.WasmExecutionEndedException])
            $ends[0].FullyQualifiedErrorId | Should -BeLike "$($case.Id),*"
            $ends[0].CategoryInfo.Category | Should -Be $case.Category
        }
        $memory = Get-Failure { Invoke-WasmModule (New-WatFile $m 'big.wat' '(module (memory 2048) (func (export "_start")))') -MaxMemory 64MB -ErrorAction Stop }
        $memory.Exception | Should -BeOfType ([WasmSandbox.WasmMemoryLimitException])
        $memory.CategoryInfo.Category | Should -Be 'LimitsExceeded'
    }
}

Describe 'Executions by id' {
    It 'takes ids positionally, from the pipeline and by -Id on Stop-, Wait-, Receive- and Start-' {
        $context = New-WasmContext $cpuloop
        $spinning = Start-WasmExecution $context.ContextId
        $spinning.ContextId | Should -Be $context.ContextId
        Stop-WasmExecution $spinning.ExecutionId
        $spinning.State | Should -Be 'Stopped'
        $second = Start-WasmExecution $context
        $second.ExecutionId | Stop-WasmExecution
        $second.State | Should -Be 'Stopped'
        $done = Start-WasmExecution (New-WasmContext $stdio) -ArgumentList exit, 0
        (Wait-WasmExecution -Id $done.ExecutionId -Timeout 10).ExecutionId | Should -Be $done.ExecutionId
        (Receive-WasmEvent -Id $done.ExecutionId -Kind Exited).ExitCode | Should -Be 0
        $unknown = Get-Failure { Stop-WasmExecution exec-999999 -ErrorAction Stop }
        $unknown.Exception.Message | Should -BeLike "*No execution with id 'exec-999999' exists in this runspace*"
    }
}

Describe 'The execution table' {
    It 'shows why each run ended and fits 120 columns' {
        $ok = Start-WasmExecution (New-WasmContext $stdio) -ArgumentList exit, 0
        $timedOut = Start-WasmExecution (New-WasmContext $cpuloop) -Timeout ([timespan]::FromMilliseconds(200))
        $own124 = Start-WasmExecution (New-WasmContext $stdio) -ArgumentList exit, 124
        $ok, $timedOut, $own124 | Wait-WasmExecution -Timeout 30 | Out-Null
        $table = $ok, $timedOut, $own124 | Format-Table | Out-String -Width 120
        $lines = $table -split "`r?`n" | Where-Object { $_.Trim() }
        foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual 120 -Because $line }
        $lines[0] | Should -Match '^ExecutionId\s+ContextId\s+State\s+ExitCode\s+Reason\s+StartTime\s+Module'
        $lines | Should -Contain ($lines | Where-Object { $_ -match "^$($timedOut.ExecutionId)\s.*\bFailed\s+124\s+TimedOut\s.*cpuloop\.wasm$" })
        @($lines | Where-Object { $_ -match "^$($own124.ExecutionId)\s.*\bFailed\s+124\s+Exited\s.*stdio\.wasm$" }).Count | Should -Be 1
        @($lines | Where-Object { $_ -match "^$($ok.ExecutionId)\s.*\bCompleted\s+0\s+Exited\s.*stdio\.wasm$" }).Count | Should -Be 1
    }
}

Describe 'The manifest' {
    It 'asks for the PowerShell whose .NET the assemblies target' {
        $module = Get-Module WasmSandbox
        $framework = $module.ImplementingAssembly.GetCustomAttributes([System.Runtime.Versioning.TargetFrameworkAttribute], $false)[0].FrameworkName
        $framework | Should -Match '^\.NETCoreApp,Version=v(\d+)\.'
        $dotnet = [int] ($framework -replace '^\.NETCoreApp,Version=v(\d+)\..*$', '$1')
        # Each PowerShell 7 release runs on one .NET: 7.4 on .NET 8, 7.5 on .NET 9, 7.6 on .NET 10.
        $needed = [version] "7.$($dotnet - 4)"
        $module.PowerShellVersion | Should -Be $needed
        (Test-ModuleManifest (Join-Path $env:WASMSANDBOX_TEST_MODULE 'WasmSandbox.psd1')).PowerShellVersion | Should -Be $needed
    }
}
