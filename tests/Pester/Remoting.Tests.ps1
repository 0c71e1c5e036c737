# WasmSandbox over real PowerShell remoting: a private sshd on 127.0.0.1 (SshServer.psm1) whose "powershell" subsystem
# runs this repository's pwsh with the staged module installed, and sessions opened as a user opens them
# (New-PSSession -HostName -Port -KeyFilePath). Skipped, with the reason, where sshd cannot be installed or started.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'SshServer.psm1') -Force
    Import-StagedModule
    $script:stdio = Get-GuestPath 'stdio.wasm'
    $script:trap = Get-GuestPath 'trap.wasm'
    $script:skipReason = $null
    $script:server = $null
    $script:sessions = @()
    try {
        $root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
        $script:server = Start-SshServer -ModuleParent (Split-Path $env:WASMSANDBOX_TEST_MODULE) -RepositoryRoot $root -CacheDir $env:WASMSANDBOX_CACHE_DIR
        $script:sessions = @(New-SshSession $server -Count 4)
        Invoke-Command -Session $sessions { Import-Module WasmSandbox -ErrorAction Stop }
    }
    catch {
        $script:skipReason = "no SSH remoting on this machine: $($_.Exception.Message)"
        Write-Warning "Remoting.Tests.ps1 skipped: $skipReason"
    }

    function Skip-WithoutSsh {
        if ($script:skipReason) { Set-ItResult -Skipped -Because $script:skipReason }
        [bool]$script:skipReason
    }
}

AfterAll {
    if ($script:sessions) { $script:sessions | Remove-PSSession -ErrorAction Ignore }
    Stop-SshServer $script:server
}

Describe 'WasmSandbox in a remote session over SSH' {
    It 'streams events back with usable Kind, Text, Data and ids, and a Kind filter works on them' {
        if (Skip-WithoutSsh) { return }
        $events = Invoke-Command -Session $sessions[0] {
            param($path) Start-WasmExecution (New-WasmContext $path) -ArgumentList 'args', 'über' | Receive-WasmEvent -Wait
        } -ArgumentList $stdio
        $stdout = @($events | Where-Object Kind -eq Stdout)
        -join $stdout.Text | Should -BeExactly "stdio.wasm`nargs`nüber`n"
        [Text.Encoding]::UTF8.GetString([byte[]]($stdout | ForEach-Object Data)) | Should -BeExactly "stdio.wasm`nargs`nüber`n"
        $exited = $events | Where-Object Kind -eq Exited
        $exited.ExitCode | Should -Be 0
        $exited.Reason | Should -BeExactly 'Exited'
        $exited.Duration | Should -BeOfType ([timespan])
        $events[0].Timestamp | Should -BeOfType ([datetime])
        $events[0].PSComputerName | Should -BeExactly '127.0.0.1'
        $events[0].ComputerName | Should -BeExactly ([Environment]::MachineName)
        @($events.ExecutionGuid | Select-Object -Unique).Count | Should -Be 1
    }

    It 'streams events while the remote guest still runs, not only when it ends' {
        if (Skip-WithoutSsh) { return }
        # Prints a line, then spins until stopped: its first event can only arrive while it runs.
        $wat = New-WatCommand '(call $print (i32.const 1024) (i32.const 6) (i32.const 1)) (loop $l (br $l))' '(data (i32.const 1024) "first\0a")'
        $job = Invoke-Command -Session $sessions[3] -AsJob {
            param([byte[]] $module)
            Start-WasmExecution (New-WasmContext -Bytes $module -Name spin.wat) -Timeout 60 | Receive-WasmEvent -Wait
        } -ArgumentList (, [Text.Encoding]::UTF8.GetBytes($wat))
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while ($job.ChildJobs[0].Output.Count -eq 0 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            $first = @($job.ChildJobs[0].Output)
            $first.Count | Should -BeGreaterThan 0 -Because 'the first event should arrive within 30 s'
            $first[0].Kind | Should -BeExactly 'Stdout'
            $first[0].Text | Should -BeExactly "first`n"
            $job.State | Should -BeExactly 'Running'
            @($job.ChildJobs[0].Output | Where-Object Kind -eq Exited).Count | Should -Be 0
        }
        finally { $job | Stop-Job; $job | Remove-Job -Force }
    }

    It 'brings back errors with their ids, categories and messages' {
        if (Skip-WithoutSsh) { return }
        $missing = Join-Path ([IO.Path]::GetTempPath()) "ws-missing-$([guid]::NewGuid()).wasm"
        Invoke-Command -Session $sessions[0] { param($path) Invoke-WasmModule $path } -ArgumentList $missing -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeExactly 'ModuleNotFound,WasmSandbox.Commands.InvokeWasmModuleCommand'
        $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failures[0].Exception.Message | Should -BeLike "*$missing*"
    }

    It 'renders remote events and results with the local views' {
        if (Skip-WithoutSsh) { return }
        $events = Invoke-Command -Session $sessions[0] {
            param($path) Start-WasmExecution (New-WasmContext $path) -ArgumentList 'args', 'x' | Receive-WasmEvent -Wait
        } -ArgumentList $stdio
        $table = $events | Format-Table | Out-String
        $table | Should -Match 'ExecutionId\s+Seq\s+Kind\s+Detail'
        $table | Should -Match 'exec-\d+\s+2\s+Stdout\s+args ⏎ x'
        $table | Should -Match 'Exited\s+exit 0 \(Exited\) after'
        $result = Invoke-Command -Session $sessions[0] { param($path) Invoke-WasmModule $path exit 0 -AsResult } -ArgumentList $stdio
        ($result | Format-List | Out-String) | Should -Match 'Reason\s+:\s+Exited'
    }

    It "brings back a failing guest's exit code and reason, and sets `$LASTEXITCODE in the session" {
        if (Skip-WithoutSsh) { return }
        $out = Invoke-Command -Session $sessions[0] {
            param($stdio, $trap)
            Invoke-WasmModule $stdio exit 3 -AsResult
            Invoke-WasmModule $trap -AsResult
            Invoke-WasmModule $stdio exit 7 | Out-Null
            $LASTEXITCODE
        } -ArgumentList $stdio, $trap
        $out[0].ExitCode | Should -Be 3
        $out[0].Reason | Should -BeExactly 'Exited'
        $out[1].Reason | Should -BeExactly 'Trapped'
        $out[1].ExitCode | Should -Be 134
        $out[1].Message | Should -Not -BeNullOrEmpty
        $out[2] | Should -Be 7
    }

    It 'stops the remote guest when the job running it is stopped' {
        if (Skip-WithoutSsh) { return }
        $job = Invoke-Command -Session $sessions[1] -AsJob {
            param($path) 'started'; Invoke-WasmModule $path sleep 30000
        } -ArgumentList $stdio
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while ($job.ChildJobs[0].Output.Count -eq 0 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        $job.ChildJobs[0].Output.Count | Should -BeGreaterThan 0 -Because 'the remote command should have started'
        Start-Sleep -Milliseconds 500 # the guest is asleep in its 30 s nanosleep by now
        $stopRequested = Get-Date
        $job | Stop-Job
        $job | Remove-Job -Force
        $remote = Invoke-Command -Session $sessions[1] { Get-WasmExecution | Select-Object -Last 1 }
        $remote.State | Should -BeExactly 'Stopped'
        $remote.ExitReason | Should -BeExactly 'Stopped'
        # The server is this machine, so its clock is ours: the guest ended within moments of the stop, not at 30 s.
        # (EndTime is StartTime plus the guest's own run time, so it can read a few ms before the stop request.)
        ($remote.EndTime - $stopRequested).TotalSeconds | Should -BeLessThan 5
        Write-Host "remote EndTime minus the time Stop-Job was called: $([int]($remote.EndTime - $stopRequested).TotalMilliseconds) ms"
    }

    It 'runs a context made from bytes that travelled in the argument list' {
        if (Skip-WithoutSsh) { return }
        $bytes = [IO.File]::ReadAllBytes($stdio)
        $out = Invoke-Command -Session $sessions[2] {
            param([byte[]] $module)
            $execution = Start-WasmExecution (New-WasmContext -Bytes $module -Name tool.wasm) -ArgumentList 'args', 'remote'
            $execution | Receive-WasmEvent -Wait
            $execution
        } -ArgumentList (, $bytes)
        -join ($out | Where-Object Kind -eq Stdout).Text | Should -BeExactly "tool.wasm`nargs`nremote`n"
        $execution = $out | Select-Object -Last 1
        $execution.ResolvedModulePath | Should -BeExactly 'bytes:tool.wasm'
        $execution.State | Should -BeExactly 'Completed'
    }

    It 'returns 200 correct results from 200 runs fanned out over 4 sessions, told apart by ExecutionGuid' {
        if (Skip-WithoutSsh) { return }
        $jobs = for ($i = 0; $i -lt 4; $i++) {
            Invoke-Command -Session $sessions[$i] -AsJob {
                param($path, $first, $last)
                foreach ($n in $first..$last) { Invoke-WasmModule $path args "run$n" -AsResult }
            } -ArgumentList $stdio, ($i * 50 + 1), ($i * 50 + 50)
        }
        $results = @($jobs | Receive-Job -Wait -AutoRemoveJob)
        $results.Count | Should -Be 200
        @($results | Where-Object { -not $_.Succeeded }).Count | Should -Be 0
        $numbers = $results | ForEach-Object {
            if ($_.Stdout -match "^stdio.wasm`nargs`nrun(\d+)`n$") { [int]$Matches[1] } else { "unexpected output: $($_.Stdout)" }
        }
        ($numbers | Sort-Object) -join ',' | Should -BeExactly ((1..200) -join ',')
        @($results.ExecutionGuid | Select-Object -Unique).Count | Should -Be 200
        @($results | Group-Object Reason).Name | Should -BeExactly 'Exited'
        @($results.RunspaceId | Select-Object -Unique).Count | Should -Be 4
    }
}
