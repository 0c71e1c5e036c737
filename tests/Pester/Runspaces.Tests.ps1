# Contexts, executions and jobs the way PowerShell's own habits expect: they belong to the runspace that made them,
# as jobs do, and a WasmJob fails the way a ThreadJob does.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-StagedModule
    $script:manifest = Join-Path $env:WASMSANDBOX_TEST_MODULE 'WasmSandbox.psd1'
    $script:cpuloop = Get-GuestPath 'cpuloop.wasm'
    $script:stdio = Get-GuestPath 'stdio.wasm'
    $script:trap = Get-GuestPath 'trap.wasm'
}

AfterAll {
    Get-WasmExecution -State Running | Stop-WasmExecution
    Get-Job | Where-Object PSJobTypeName -in 'WasmJob', 'ThreadJob' | Remove-Job -Force
}

Describe 'Contexts and executions belong to the runspace that made them' {
    It 'lets one ForEach-Object -Parallel runspace clean up without touching the others, and ends theirs when they close' {
        $outer = Start-WasmExecution (New-WasmContext $cpuloop)
        try {
            $results = 1..3 | ForEach-Object -ThrottleLimit 3 -Parallel {
                Import-Module $using:manifest
                $mine = Start-WasmExecution (New-WasmContext $using:cpuloop)
                $deadline = [datetime]::UtcNow.AddSeconds(30)
                # Everyone has started before anyone cleans up.
                while (@(Get-WasmExecution -AllRunspaces -State Running).Count -lt 4 -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
                $seen = @(Get-WasmExecution).ExecutionId
                if ($_ -eq 1) {
                    # The ordinary cleanup at the end of a script.
                    Get-WasmExecution -State Running | Stop-WasmExecution
                    Get-WasmContext | Remove-WasmContext
                }
                else {
                    while (-not (Get-WasmExecution -AllRunspaces -State Stopped) -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
                }
                [pscustomobject]@{ Item = $_; Execution = $mine; Seen = $seen; State = $mine.State; Contexts = @(Get-WasmContext).Count }
            }
            $results.Count | Should -Be 3
            foreach ($r in $results) { $r.Seen | Should -Be @($r.Execution.ExecutionId) -Because 'a runspace lists only its own executions' }
            @($results.Execution.ExecutionId + $outer.ExecutionId | Sort-Object -Unique).Count | Should -Be 4 -Because 'ids count across runspaces'
            ($results | Where-Object Item -eq 1).State | Should -Be 'Stopped'
            ($results | Where-Object Item -ne 1).State | Should -Be @('Running', 'Running') -Because "another runspace's cleanup must not stop them"
            ($results | Where-Object Item -ne 1).Contexts | Should -Be @(1, 1)
            $outer.State | Should -Be 'Running'
            # ForEach-Object closes its runspaces when it ends: what they left running is stopped and forgotten.
            foreach ($e in $results.Execution) {
                $e.Wait([timespan]::FromSeconds(10)) | Should -BeTrue
                $e.ExitReason | Should -Be 'Stopped'
            }
            $left = @(Get-WasmExecution -AllRunspaces).ExecutionId
            foreach ($e in $results.Execution) { $left | Should -Not -Contain $e.ExecutionId }
            $left | Should -Contain $outer.ExecutionId
        }
        finally { $outer | Stop-WasmExecution }
    }

    It 'stops the executions of a runspace made with [runspacefactory] when it is closed' {
        $rs = [runspacefactory]::CreateRunspace()
        $rs.Open()
        $ps = [powershell]::Create($rs)
        try {
            $e = $ps.AddScript({ param($m, $p) Import-Module $m; Start-WasmExecution (New-WasmContext $p) }).AddArgument($manifest).AddArgument($cpuloop).Invoke()[0]
            $e.State | Should -Be 'Running'
            $e.Owner | Should -Be $rs.Id
            (Get-WasmExecution).ExecutionId | Should -Not -Contain $e.ExecutionId
            (Get-WasmExecution -AllRunspaces).ExecutionId | Should -Contain $e.ExecutionId
            (Get-WasmContext -AllRunspaces).ContextId | Should -Contain $e.ContextId
            { Stop-WasmExecution -Id $e.ExecutionId -ErrorAction Stop } | Should -Throw -ErrorId 'ExecutionNotFound*'
        }
        finally {
            $rs.Close()
            $ps.Dispose()
        }
        $e.Wait([timespan]::FromSeconds(10)) | Should -BeTrue
        $e.ExitReason | Should -Be 'Stopped'
        (Get-WasmExecution -AllRunspaces).ExecutionId | Should -Not -Contain $e.ExecutionId
        (Get-WasmContext -AllRunspaces).ContextId | Should -Not -Contain $e.ContextId
    }

    It 'numbers the first context and execution of a new process 1, and counts on in other runspaces' {
        $script = @'
Import-Module $m
$c = New-WasmContext $p
"$($c.ContextId) $((Start-WasmExecution $c -ArgumentList exit, 0).ExecutionId)"
1 | ForEach-Object -Parallel {
    Import-Module $using:m
    $c = New-WasmContext $using:p
    "$($c.ContextId) $((Start-WasmExecution $c -ArgumentList exit, 0).ExecutionId)"
}
'@
        $lines = Invoke-NewSession ("`$m = $(ConvertTo-QuotedLiteral $manifest); `$p = $(ConvertTo-QuotedLiteral $stdio)`n" + $script)
        $LASTEXITCODE | Should -Be 0 -Because ($lines -join "`n")
        $lines | Should -Be @('wasm-ctx-1 exec-1', 'wasm-ctx-2 exec-2')
    }
}

Describe 'WasmJobs like ThreadJobs' {
    It 'fails with a reason and an error record that Receive-Job -ErrorAction Stop throws, for a non-zero exit' {
        $job = Start-WasmExecution (New-WasmContext $stdio) -ArgumentList exit, 3 -AsJob
        $job | Wait-Job -Timeout 30 | Out-Null
        $job.State | Should -Be 'Failed'
        $job.JobStateInfo.Reason | Should -BeOfType ([WasmSandbox.WasmNonZeroExitException])
        $job.JobStateInfo.Reason.Message | Should -Be "stdio.wasm ($($job.Name)) exited with code 3"
        $caught = $null
        try { Receive-Job $job -ErrorAction Stop | Out-Null }
        catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty -Because 'Receive-Job -ErrorAction Stop must throw for a failed run'
        $caught.FullyQualifiedErrorId | Should -Be 'WasmSandbox.NonZeroExit'
        $caught.CategoryInfo.Category | Should -Be 'InvalidResult'
        $caught.TargetObject.ExecutionId | Should -Be $job.Name
        $job | Remove-Job
    }

    It 'fails with the sandbox''s reason for a trap' {
        $job = Start-WasmExecution (New-WasmContext $trap) -AsJob
        $job | Wait-Job -Timeout 30 | Out-Null
        $job.State | Should -Be 'Failed'
        $job.JobStateInfo.Reason | Should -BeOfType ([WasmSandbox.WasmExecutionEndedException])
        $job.Error[0].FullyQualifiedErrorId | Should -Be 'WasmSandbox.Trapped'
        $job.Error[0].CategoryInfo.Category | Should -Be 'InvalidResult'
        $job | Remove-Job
    }

    It 'completes without an error, and Receive-Job -Wait -AutoRemoveJob removes it' {
        $job = Start-WasmExecution (New-WasmContext $stdio) -ArgumentList exit, 0 -AsJob
        $events = Receive-Job $job -Wait -AutoRemoveJob -ErrorAction Stop
        $events[-1].Kind | Should -Be 'Exited'
        $job.JobStateInfo.Reason | Should -BeNullOrEmpty
        Get-Job -Id $job.Id -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'is found by Get-Job -Name and -Command, and shows the usual job columns in a mixed list' {
        $thread = Start-ThreadJob { 'thread' }
        $wasm = Start-WasmExecution (New-WasmContext $stdio) -ArgumentList exit, 0 -AsJob
        $thread, $wasm | Wait-Job -Timeout 30 | Out-Null
        (Get-Job -Name $wasm.Name).Id | Should -Be $wasm.Id
        (Get-Job -Command 'stdio.wasm exit 0' | Where-Object Id -eq $wasm.Id).PSJobTypeName | Should -Be 'WasmJob'
        foreach ($order in @($thread, $wasm), @($wasm, $thread)) {
            $table = $order | Format-Table | Out-String -Width 120
            $lines = $table -split "`r?`n" | Where-Object { $_.Trim() }
            @($lines | Where-Object { $_ -match '^Id\s+Name\s+PSJobTypeName\s+State\s+HasMoreData\s+Location\s+Command' }).Count | Should -Be 1 -Because "one table whichever job comes first:`n$table"
            $lines | Should -Not -Match '^\s*PSJobTypeName\s*:' -Because 'no job may fall out of the table into a list'
            @($lines | Where-Object { $_ -match "^$($wasm.Id)\s+$($wasm.Name)\s+WasmJob\s+Completed" }).Count | Should -Be 1
            @($lines | Where-Object { $_ -match "^$($thread.Id)\s+\S+\s+ThreadJob\s+Completed" }).Count | Should -Be 1
        }
        $thread, $wasm | Remove-Job
    }
}
