# Consumers of an execution's events have back-pressure and report truly: a -AsJob run nobody receives stays within
# the execution's bounded buffer, Invoke-WasmModule splits lines in linear time with a cap and stops at Ctrl+C while
# a long line is pending, a guest cannot forge the sandbox's timeout, and an out-of-range limit starts nothing.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../Pester/TestHelpers.psm1) -Force
    Import-StagedModule
    Import-Module (Join-Path $PSScriptRoot HostWatch.psm1) -Force
    $script:dir = (New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "ws-consumers-$([guid]::NewGuid())")).FullName
    $script:stdio = Get-GuestPath 'stdio.wasm'
    $script:drip = Get-GuestPath 'drip.wasm'
    $script:forged = Get-GuestPath 'forged-timeout-note.wasm'
    $script:spin = New-WatFile $dir 'spin.wat' (New-WatCommand '(loop $l (br $l))')
    # Invoke-WasmModule's documented cap on one line.
    $script:cap = 65536

    # What stdio flood and drip write from byte $Offset on: 'a'..'z' repeated.
    function script:Get-Pattern([long] $Offset, [int] $Length) {
        $start = [int]($Offset % 26)
        ('abcdefghijklmnopqrstuvwxyz' * [math]::Ceiling(($Length + $start) / 26)).Substring($start, $Length)
    }

    # Compile each guest once, so the timed runs below measure the run, not a cold compile.
    $null = Invoke-WasmModule $drip 1
    $null = Invoke-WasmModule $stdio exit 0
    $null = Invoke-WasmModule $forged 2>$null
    $null = Invoke-WasmModule $spin -Timeout 0.01 -ErrorAction SilentlyContinue
}

AfterAll {
    Get-WasmExecution -State Running | Stop-WasmExecution
    Get-Job | Where-Object PSJobTypeName -eq WasmJob | Remove-Job -Force
    Remove-Item $script:dir -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Start-WasmExecution -AsJob under a flood' {
    It 'holds a flood nobody receives within the bounded buffer, then Receive-Job delivers all of it in order' {
        # Far more than the bound: a job that moved every event into its output at once would hold all of it.
        $total = 640MB
        [GC]::Collect()
        $watch = Start-HostWatch
        $job = Start-WasmExecution -Context (New-WasmContext $stdio) -ArgumentList flood, $total -AsJob -Timeout 00:05:00
        Start-Sleep -Seconds 10
        Write-Host "    nobody receiving for 10 s: $(Assert-HostWithin $watch -RssMiB 300 -Seconds 30)"
        # The guest waits for a reader: the job is still running and says it holds more.
        $job.State | Should -Be 'Running'
        $job.HasMoreData | Should -BeTrue

        $offset = 0L; $sequence = 0L; $exited = $null; $calls = 0
        # Plain comparisons: Should per event would cost more than the flood itself.
        $check = {
            if ($_.Sequence -le $sequence) { throw "event $($_.Sequence) came after event $sequence" }
            $sequence = $_.Sequence
            if ($_ -is [WasmSandbox.WasmStdoutEvent]) {
                $data = $_.Data
                if ($data[0] -ne 97 + $offset % 26 -or $data[-1] -ne 97 + ($offset + $data.Length - 1) % 26) {
                    throw "the chunk at byte $offset does not continue the pattern: out of order or corrupted"
                }
                $offset += $data.Length
            }
            elseif ($_ -is [WasmSandbox.WasmExitedEvent]) { $exited = $_ }
        }
        # Plain Receive-Job takes what the job holds and makes room for more ...
        while ($offset -lt 128MB) {
            Receive-Job $job | ForEach-Object $check
            $calls++
            Start-Sleep -Milliseconds 5
        }
        # ... and Receive-Job -Wait takes the rest as it comes.
        Receive-Job $job -Wait | ForEach-Object $check
        $offset | Should -Be $total
        $exited.ExitCode | Should -Be 0
        $job.State | Should -Be 'Completed'
        $job.HasMoreData | Should -BeFalse
        Write-Host "    received $($offset / 1MB) MiB, $calls plain Receive-Job calls, then -Wait"
        Remove-Job $job
    }

    It 'stops with Stop-Job and removes with Remove-Job while the guest waits for a reader' {
        $job = Start-WasmExecution -Context (New-WasmContext $stdio) -ArgumentList flood, 1GB -AsJob -Timeout 00:05:00
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while ($job.StatusMessage -notlike '*waiting for Receive-Job*' -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        $job.StatusMessage | Should -BeLike '*waiting for Receive-Job*'
        (Get-Job -Id $job.Id).State | Should -Be 'Running'
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $job | Stop-Job
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
        $job.State | Should -Be 'Stopped'
        $job.Execution.ExitReason | Should -Be 'Stopped'
        Remove-Job $job
        Get-Job -Id $job.Id -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'ends with Wait-Job when the timeout ends a guest nobody reads, and keeps what it wrote until then' {
        $job = Start-WasmExecution -Context (New-WasmContext $stdio) -ArgumentList flood, 1GB -AsJob -Timeout 00:00:02
        $job | Wait-Job -Timeout 30 | Should -Be $job
        $job.State | Should -Be 'Failed'
        $job.Execution.ExitReason | Should -Be 'TimedOut'
        $job.HasMoreData | Should -BeTrue
        # The events, and the failure's error record (as a ThreadJob gives its error): collected here, not thrown.
        $events = @(Receive-Job $job -ErrorAction SilentlyContinue -ErrorVariable jobErrors)
        $job.HasMoreData | Should -BeFalse
        $events[-1].Reason | Should -Be 'TimedOut'
        # The job's own record first, then PowerShell's JobStateFailed for the same reason (as for any failed job).
        $jobErrors.FullyQualifiedErrorId | Should -Be @('WasmSandbox.TimedOut', 'JobStateFailed')
        $jobErrors[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $jobErrors[1].Exception | Should -Be $job.JobStateInfo.Reason
        ($events | Where-Object { $_.Kind -eq 'Stderr' -and $_.FromSandbox }).Text | Should -BeLike '*timeout*expired*'
        $written = ($events | Where-Object Kind -eq Stdout | Measure-Object -Property { $_.Data.Length } -Sum).Sum
        # What the guest got out before it waited: the execution's buffer and the job's, nothing dropped in between.
        $written | Should -BeGreaterThan 16MB
        $written | Should -BeLessOrEqual 34MB
        Remove-Job $job
    }
}

Describe 'Invoke-WasmModule with output that has no newline' {
    It 'splits 200 000 one-byte writes in linear time, in pieces of the cap' {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $lines = @(Invoke-WasmModule $drip 200000)
        $clock.Stop()
        Write-Host "    200 000 one-byte writes: $($clock.ElapsedMilliseconds) ms"
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 2
        $lines.Count | Should -Be 4
        $lines[0..2] | ForEach-Object Length | Should -Be @($cap, $cap, $cap)
        -join $lines | Should -BeExactly (Get-Pattern 0 200000)
        $LASTEXITCODE | Should -Be 0
    }

    It 'returns 10 MB without a newline in pieces of the cap, all of it in order' {
        $total = 10000000
        $lines = @(Invoke-WasmModule $stdio flood $total)
        $lines.Count | Should -Be ([math]::Ceiling($total / $cap))
        $offset = 0L
        foreach ($line in $lines[0..($lines.Count - 2)]) {
            $line.Length | Should -Be $cap
            $line.Substring(0, 26) | Should -BeExactly (Get-Pattern $offset 26)
            $offset += $line.Length
        }
        $lines[-1] | Should -BeExactly (Get-Pattern $offset ($total - $offset))
    }

    It 'ends a line of exactly the cap at its "\r\n", even split across writes, and never splits a surrogate pair' {
        # At 4096: 65536 'x', then "\r\ny\n"; written as (65537 bytes: the x's and the '\r'), ("\ny\n"), then all
        # 65540 in one write, then 65535 'x' and a 4-byte emoji (a surrogate pair in .NET) crossing the cap, and "\n".
        $body = @'
(local $i i32)
(drop (memory.grow (i32.const 3)))
(block $done (loop $fill
  (br_if $done (i32.ge_u (local.get $i) (i32.const 65536)))
  (i32.store8 (i32.add (i32.const 4096) (local.get $i)) (i32.const 120))
  (local.set $i (i32.add (local.get $i) (i32.const 1)))
  (br $fill)))
(i32.store (i32.const 69632) (i32.const 0x0a790a0d))
(call $print (i32.const 4096) (i32.const 65537) (i32.const 1))
(call $print (i32.const 69633) (i32.const 3) (i32.const 1))
(call $print (i32.const 4096) (i32.const 65540) (i32.const 1))
(i32.store (i32.const 69631) (i32.const 0x80989ff0))
(i32.store8 (i32.const 69635) (i32.const 10))
(call $print (i32.const 4096) (i32.const 65540) (i32.const 1))
'@
        $edges = New-WatFile $dir 'edges.wat' (New-WatCommand $body)
        $lines = @(Invoke-WasmModule $edges)
        $lines.Count | Should -Be 6
        $lines[0] | Should -BeExactly ('x' * $cap)
        $lines[1] | Should -BeExactly 'y'
        $lines[2] | Should -BeExactly ('x' * $cap)
        $lines[3] | Should -BeExactly 'y'
        $lines[4] | Should -BeExactly ('x' * ($cap - 1))
        $lines[5] | Should -BeExactly ([char]::ConvertFromUtf32(0x1F600))
    }

    It 'stops the guest and returns promptly at Ctrl+C while a long line is pending' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                param($module, $drip)
                Import-Module $module
                Invoke-WasmModule $drip 0 -Timeout 00:05:00 | Out-Null
            }).AddArgument((Join-Path $env:WASMSANDBOX_TEST_MODULE 'WasmSandbox.psd1')).AddArgument($drip)
            $running = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            do {
                Start-Sleep -Milliseconds 50
                $exec = Get-WasmExecution -AllRunspaces -State Running | Where-Object ResolvedModulePath -eq $drip | Select-Object -First 1  # the guest runs in the PowerShell instance's runspace
            } until ($exec -or [DateTime]::UtcNow -gt $deadline)
            $exec | Should -Not -BeNullOrEmpty -Because 'the endless writer started'
            # Let it write for a while, so the host has a long line pending and a queue of one-byte events.
            Start-Sleep -Seconds 2
            $exec.State | Should -Be 'Running'

            $clock = [Diagnostics.Stopwatch]::StartNew()
            $stopping = $ps.BeginStop($null, $null)
            $stopped = $stopping.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(30))
            $clock.Stop()
            Write-Host "    PowerShell.Stop() returned after $($clock.ElapsedMilliseconds) ms"
            $stopped | Should -BeTrue -Because 'Stop() must return'
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 2
            $exec.Wait([TimeSpan]::FromSeconds(5)) | Should -BeTrue
            $exec.ExitReason | Should -Be 'Stopped'
            $null = $running.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(10))
        }
        finally {
            $ps.Dispose()
        }
    }
}

Describe 'A guest that forges the sandbox''s timeout note' {
    BeforeAll {
        # The real thing: a loop ended by -Timeout 1, and the guest that prints the same words and exits 124.
        $script:real = @(Start-WasmExecution -Context (New-WasmContext $spin) -Timeout 1 -Wait)
        $script:fake = @(Start-WasmExecution -Context (New-WasmContext $forged) -Wait)
    }

    It 'prints exactly the words the sandbox writes at a real timeout' {
        # Otherwise this guest would forge nothing and the tests below would prove nothing.
        ($fake | Where-Object Kind -eq Stderr).Text | Should -BeExactly ($real | Where-Object Kind -eq Stderr).Text
        ($fake | Select-Object -Last 1).ExitCode | Should -Be 124
        ($real | Select-Object -Last 1).ExitCode | Should -Be 124
    }

    It 'is told apart by the exited event''s Reason and FromSandbox with Start-WasmExecution -Wait' {
        ($real | Select-Object -Last 1).Reason | Should -Be 'TimedOut'
        ($fake | Select-Object -Last 1).Reason | Should -Be 'Exited'
        ($real | Where-Object Kind -eq Stderr).FromSandbox | Should -BeTrue
        ($fake | Where-Object Kind -eq Stderr).FromSandbox | Should -BeFalse
    }

    It 'is told apart by the error record''s type and id with Invoke-WasmModule' {
        # Guest stderr is a record only when redirected, as a native command's is; the sandbox's end always is.
        $fakeErrors = Invoke-WasmModule $forged -ErrorVariable fakeEnd -ErrorAction SilentlyContinue 2>&1
        $LASTEXITCODE | Should -Be 124
        @($fakeEnd).Count | Should -Be 0
        Invoke-WasmModule $spin -Timeout 1 -ErrorVariable realErrors -ErrorAction SilentlyContinue
        $LASTEXITCODE | Should -Be 124

        # The guest's words stay guest stderr ...
        @($fakeErrors).FullyQualifiedErrorId | Should -BeLike 'WasmGuestStderr*'
        @($fakeErrors).Count | Should -Be 1
        @($fakeErrors)[0].Exception | Should -Not -BeOfType ([WasmSandbox.WasmExecutionEndedException])
        # ... and a real timeout is one record of the sandbox's own type, with no stderr text.
        @($realErrors).Count | Should -Be 1
        $realErrors[0].FullyQualifiedErrorId | Should -Be 'WasmSandbox.TimedOut,WasmSandbox.Commands.InvokeWasmModuleCommand'
        $realErrors[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $realErrors[0].Exception | Should -BeOfType ([WasmSandbox.WasmExecutionEndedException])
        $realErrors[0].Exception.Reason | Should -Be 'TimedOut'
        $realErrors[0].TargetObject | Should -BeOfType ([WasmSandbox.WasmExecution])
        $realErrors[0].TargetObject.ExitReason | Should -Be 'TimedOut'
    }

    It 'lets a runbook catch a real timeout by type, and not the forged one' {
        { Invoke-WasmModule $spin -Timeout 1 -ErrorAction Stop } |
            Should -Throw -ExceptionType ([WasmSandbox.WasmExecutionEndedException]) -ErrorId 'WasmSandbox.TimedOut,WasmSandbox.Commands.InvokeWasmModuleCommand'
        $caught = $null
        try { Invoke-WasmModule $forged -ErrorAction Stop 2>$null } catch [WasmSandbox.WasmExecutionEndedException] { $caught = $_ } catch { }
        $caught | Should -BeNullOrEmpty
    }
}

Describe 'An out-of-range limit' {
    It 'is a parameter error that registers and starts nothing: -Timeout of 100 days' {
        $executions = @((Get-WasmExecution).ExecutionId)
        $contexts = @((Get-WasmContext).ContextId)
        $context = New-WasmContext $spin
        { Start-WasmExecution -Context $context -Timeout (New-TimeSpan -Days 100) } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,WasmSandbox.Commands.StartWasmExecutionCommand'
        { Invoke-WasmModule $spin -Timeout (New-TimeSpan -Days 100) } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,WasmSandbox.Commands.InvokeWasmModuleCommand'
        @((Get-WasmExecution).ExecutionId | Where-Object { $_ -notin $executions }) | Should -BeNullOrEmpty
        @((Get-WasmContext).ContextId | Where-Object { $_ -notin $contexts }) | Should -Be @($context.ContextId)
        Get-WasmExecution -State Running | Where-Object ContextId -eq $context.ContextId | Should -BeNullOrEmpty
    }
}
