# Objects that cross a process boundary: Start-Job, Export-Clixml/Import-Clixml and ConvertTo-Json, as a user would
# use them. Remoting over SSH is in Remoting.Tests.ps1; it uses the same serializer.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-StagedModule
    $script:dir = (New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "ws-ser-$([guid]::NewGuid())")).FullName
    $script:stdio = Get-GuestPath 'stdio.wasm'
    $script:modulePath = Join-Path $env:WASMSANDBOX_TEST_MODULE 'WasmSandbox.psd1'

    $context = New-WasmContext $stdio
    $script:execution = Start-WasmExecution $context -ArgumentList 'args', 'a', 'b'
    $script:events = @($execution | Receive-WasmEvent -Wait)
    $script:result = Invoke-WasmModule $stdio exit 3 -AsResult
}

AfterAll { Remove-Item $script:dir -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'Export-Clixml and Import-Clixml' {
    BeforeAll {
        $file = Join-Path $dir 'events.xml'
        $events | Export-Clixml -LiteralPath $file
        $script:imported = @(Import-Clixml -LiteralPath $file)
        $execution | Export-Clixml -LiteralPath (Join-Path $dir 'execution.xml')
        $script:importedExecution = Import-Clixml -LiteralPath (Join-Path $dir 'execution.xml')
        $result | Export-Clixml -LiteralPath (Join-Path $dir 'result.xml')
        $script:importedResult = Import-Clixml -LiteralPath (Join-Path $dir 'result.xml')
    }

    It 'keeps Kind and Reason as names, so filters written for live events still work' {
        $imported[0].PSObject.TypeNames[0] | Should -Be 'Deserialized.WasmSandbox.WasmStdoutEvent'
        @($imported | Where-Object Kind -eq Stdout).Count | Should -Be 2
        ($imported | Where-Object Kind -eq Exited).Reason | Should -BeExactly 'Exited'
        ($imported | Select-Object -Last 1).Kind | Should -BeExactly 'Exited'
    }

    It 'keeps the bytes, the text, the ids and the timestamp as a date' {
        $live = $events[1]; $copy = $imported[1]
        $copy.Data | Should -Be $live.Data
        $copy.Data.GetType() | Should -Be ([byte[]])
        $copy.Text | Should -BeExactly "args`na`nb`n"
        $copy.ExecutionGuid | Should -Be $live.ExecutionGuid
        $copy.ExecutionGuid | Should -Not -Be ([guid]::Empty)
        $copy.ComputerName | Should -BeExactly ([Environment]::MachineName)
        $copy.Timestamp | Should -BeOfType ([datetime])
        $copy.Timestamp | Should -Be $live.Timestamp
        ($imported | Select-Object -Last 1).Duration | Should -BeOfType ([timespan])
    }

    It 'renders an imported event stream as the live one renders' {
        ($imported | Format-Table | Out-String) | Should -BeExactly ($events | Format-Table | Out-String)
    }

    It 'sends an execution as plain data: states by name, no wait handle, no owner key, the exited event with its figures' {
        $importedExecution.State | Should -BeExactly 'Completed'
        $importedExecution.ExitReason | Should -BeExactly 'Exited'
        $importedExecution.PermissionTier | Should -BeExactly $execution.PermissionTier.ToString()
        $importedExecution.StartTime | Should -BeOfType ([datetime])
        $importedExecution.ExecutionGuid | Should -Be $execution.ExecutionGuid
        $importedExecution.PSObject.Properties.Name | Should -Not -Contain 'ExitedWaitHandle'
        $importedExecution.PSObject.Properties.Name | Should -Not -Contain 'Owner'
        $importedExecution.ExitedEvent.Reason | Should -BeExactly 'Exited'
        ($importedExecution | Format-Table | Out-String) | Should -BeExactly ($execution | Format-Table | Out-String)
        ($importedExecution | Format-List | Out-String) | Should -Match 'Clock\s+:\s+\S'
    }

    It 'sends a -AsResult result with its exit code, reason and bytes, and without a second copy of its exited event' {
        $importedResult.ExitCode | Should -Be 3
        $importedResult.Reason | Should -BeExactly 'Exited'
        $importedResult.Succeeded | Should -BeFalse
        $importedResult.StdoutData.GetType() | Should -Be ([byte[]])
        $importedResult.PSObject.Properties.Name | Should -Not -Contain 'Exited'
        ($importedResult | Format-List | Out-String) | Should -BeExactly ($result | Format-List | Out-String)
    }
}

Describe 'A module report through Export-Clixml' {
    It 'keeps its kind by name and its problems as objects, and renders as the live report' {
        $script = Join-Path $dir 'script.wasm'
        Set-Content -LiteralPath $script -Value "#!/bin/sh`necho hi"
        $report = Test-WasmModule $script
        $report | Export-Clixml -LiteralPath (Join-Path $dir 'report.xml')
        $copy = Import-Clixml -LiteralPath (Join-Path $dir 'report.xml')
        $copy.IsValid | Should -BeFalse
        $copy.Kind | Should -BeExactly $report.Kind.ToString()
        $copy.Problems[0].Code | Should -BeExactly $report.Problems[0].Code.ToString()
        $copy.Problems[0].Message | Should -BeExactly $report.Problems[0].Message
        ($copy | Format-Table | Out-String) | Should -BeExactly ($report | Format-Table | Out-String)
    }
}

Describe 'Start-Job' {
    It 'brings back events and results from a job process with names, bytes and dates intact' {
        $job = Start-Job {
            Import-Module $using:modulePath
            Start-WasmExecution (New-WasmContext $using:stdio) -ArgumentList 'args', 'x' | Receive-WasmEvent -Wait
            Invoke-WasmModule $using:stdio exit 5 -AsResult
        }
        $out = @($job | Receive-Job -Wait -AutoRemoveJob)
        $stdout = @($out | Where-Object Kind -eq Stdout)
        -join $stdout.Text | Should -BeExactly "stdio.wasm`nargs`nx`n"
        [Text.Encoding]::UTF8.GetString([byte[]]($stdout | ForEach-Object Data)) | Should -BeExactly "stdio.wasm`nargs`nx`n"
        $stdout[0].Timestamp | Should -BeOfType ([datetime])
        $r = $out | Where-Object { $_.PSObject.TypeNames[0] -eq 'Deserialized.WasmSandbox.WasmRunResult' }
        $r.ExitCode | Should -Be 5
        $r.Reason | Should -BeExactly 'Exited'
        # Another process numbers its executions from exec-1 too: the GUID tells them apart.
        $r.ExecutionGuid | Should -Not -Be $result.ExecutionGuid
    }
}

Describe 'ConvertTo-Json' {
    It 'writes an event with its kind and reason as names under -EnumsAsStrings, and its ids' {
        $json = $events | ConvertTo-Json -EnumsAsStrings | ConvertFrom-Json
        $json[0].Kind | Should -BeExactly 'Stdout'
        $json[-1].Reason | Should -BeExactly 'Exited'
        $json[0].ExecutionGuid | Should -Be $execution.ExecutionGuid.ToString()
        $json[0].ComputerName | Should -BeExactly ([Environment]::MachineName)
    }

    It 'writes an execution without a live handle' {
        $text = $execution | ConvertTo-Json -EnumsAsStrings -Depth 2 -WarningAction SilentlyContinue
        $text | Should -Not -Match 'ExitedWaitHandle|SafeWaitHandle'
        ($text | ConvertFrom-Json).State | Should -BeExactly 'Completed'
    }
}
