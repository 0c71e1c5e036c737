BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-StagedModule
    $script:dir = (New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "ws-$([guid]::NewGuid())")).FullName

    # Copies stdin to stdout until end of file, then exits with the byte count (mod 256).
    $echoBody = @'
(local $n i32) (local $total i32)
(block $done (loop $again
  (i32.store (i32.const 16) (i32.const 4096)) (i32.store (i32.const 20) (i32.const 4096))
  (drop (call $fd_read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 24)))
  (local.set $n (i32.load (i32.const 24)))
  (br_if $done (i32.eqz (local.get $n)))
  (local.set $total (i32.add (local.get $total) (local.get $n)))
  (call $print (i32.const 4096) (local.get $n) (i32.const 1))
  (br $again)))
(call $proc_exit (i32.and (local.get $total) (i32.const 255)))
'@
    $script:echo = New-WasmContext (New-WatFile $dir 'echo.wat' (New-WatCommand $echoBody))
    $script:hello = New-WasmContext (New-WatFile $dir 'hello.wat' (New-WatCommand '(call $print (i32.const 1024) (i32.const 6) (i32.const 1))' '(data (i32.const 1024) "hello\0a")'))
    $script:spin = New-WasmContext (New-WatFile $dir 'spin.wat' (New-WatCommand '(loop $l (br $l))'))
}

AfterAll { Remove-Item $script:dir -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'Start-WasmExecution' {
    It 'returns a running execution at once and reports its end' {
        $exec = Start-WasmExecution -Context $spin -Timeout 00:00:05
        $exec | Should -BeOfType ([WasmSandbox.WasmExecution])
        $exec.State | Should -Be 'Running'
        $exec.ExitCode | Should -BeNullOrEmpty
        $exec.ExecutionId | Should -Match '^exec-\d+$'
        $exec.ContextId | Should -Be $spin.ContextId
        $exec.Stop()
        $exec.Wait([timespan]'00:00:05') | Should -BeTrue
        $exec.State | Should -Be 'Stopped'
        $exec.EndTime | Should -BeGreaterThan $exec.StartTime
    }

    It 'pipes each string as a line to stdin and closes it at the end of input' {
        $events = 'alpha', 'beta' | Start-WasmExecution -Context $echo -Wait
        -join ($events | Where-Object Kind -eq Stdout | ForEach-Object Text) | Should -BeExactly "alpha`nbeta`n"
        ($events | Select-Object -Last 1) | Should -BeOfType ([WasmSandbox.WasmExitedEvent])
        ($events | Select-Object -Last 1).ExitCode | Should -Be 11
    }

    It 'passes bytes through as-is' {
        $events = , [byte[]](104, 105) | Start-WasmExecution -Context $echo -Wait
        ($events | Where-Object Kind -eq Stdout).Data | Should -Be @(104, 105)
    }

    It 'gives stdin end-of-file at once when there is no input' {
        $exit = Start-WasmExecution -Context $echo -Wait | Where-Object Kind -eq Exited
        $exit.ExitCode | Should -Be 0
    }

    It 'streams stdin with -KeepInputOpen, WriteInput and CloseInput' {
        $exec = Start-WasmExecution -Context $echo -KeepInputOpen
        $exec.WriteInput("one`n")
        $first = $null
        $deadline = [datetime]::UtcNow.AddSeconds(20)
        while (-not $first -and [datetime]::UtcNow -lt $deadline) {
            $first = Receive-WasmEvent -Execution $exec -Kind Stdout
            Start-Sleep -Milliseconds 10
        }
        $first.Text | Should -BeExactly "one`n"
        $exec.State | Should -Be 'Running'
        $exec.CloseInput()
        (Receive-WasmEvent -Execution $exec -Wait | Where-Object Kind -eq Exited).ExitCode | Should -Be 4
    }

    It 'refuses a context started under another vm with the documented message' {
        $ctx = New-WasmContext $hello.ModulePath -VmId 'vm-wasm'
        { Start-WasmExecution -Context $ctx -VmId 'vm-other' } |
            Should -Throw -ExpectedMessage 'guest WebAssembly context belongs to vm vm-wasm, not vm-other' -ErrorId 'VmMismatch,WasmSandbox.Commands.StartWasmExecutionCommand'
    }

    It 'refuses a missing module naming the resolved path' {
        $ctx = New-WasmContext 'missing.wasm'
        $err = $null
        try { Start-WasmExecution -Context $ctx -WorkingDirectory $dir } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'ModuleNotFound,WasmSandbox.Commands.StartWasmExecutionCommand'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -BeLike "*$(Join-Path $dir 'missing.wasm')*"
        $err.Exception | Should -BeOfType ([WasmSandbox.WasmModuleNotFoundException])
    }

    It 'resolves a relative module path against -WorkingDirectory at each start' {
        $ctx = New-WasmContext 'hello.wat'
        (Start-WasmExecution -Context $ctx -WorkingDirectory $dir -Wait | Where-Object Kind -eq Stdout).Text | Should -Be "hello`n"
    }

    It 'ends a tight loop at the timeout with exit code 124 and a note on stderr' {
        $events = Start-WasmExecution -Context $spin -Timeout 00:00:00.3 -Wait
        $exit = $events | Where-Object Kind -eq Exited
        $exit.ExitCode | Should -Be 124
        $exit.Reason | Should -Be 'TimedOut'
        ($events | Where-Object Kind -eq Stderr).Text | Should -BeLike '*timeout*'
    }

    It 'ends a guest that runs out of fuel with exit code 124' {
        $events = Start-WasmExecution -Context $spin -MaxFuel 10000 -Wait
        ($events | Where-Object Kind -eq Exited).Reason | Should -Be 'FuelExhausted'
        ($events | Where-Object Kind -eq Exited).ExitCode | Should -Be 124
        ($events | Where-Object Kind -eq Stderr).Text | Should -BeLike '*fuel budget exhausted*'
    }

    It 'accepts -MaxMemory in PowerShell byte units' {
        (Start-WasmExecution -Context $hello -MaxMemory 64MB -Wait | Where-Object Kind -eq Exited).ExitCode | Should -Be 0
    }

    It 'refuses -Mount below the ReadOnly tier' {
        { Start-WasmExecution -Context $hello -Mount "${dir}:/data" } | Should -Throw -ErrorId 'MountRequiresFileAccess,WasmSandbox.Commands.StartWasmExecutionCommand'
    }

    It 'runs eight executions at once, each with its own events' {
        $execs = 1..8 | ForEach-Object { Start-WasmExecution -Context $echo -KeepInputOpen }
        $execs | ForEach-Object { $_.State | Should -Be 'Running' }
        for ($i = 0; $i -lt 8; $i++) { $execs[$i].WriteInput("n$i"); $execs[$i].CloseInput() }
        $events = $execs | Receive-WasmEvent -Wait
        for ($i = 0; $i -lt 8; $i++) {
            $mine = $events | Where-Object ExecutionId -eq $execs[$i].ExecutionId
            ($mine | Where-Object Kind -eq Stdout).Text | Should -Be "n$i"
            ($mine | Select-Object -Last 1).Kind | Should -Be 'Exited'
        }
    }
}

Describe 'Limit parameters of Start-WasmExecution and Invoke-WasmModule' {
    BeforeDiscovery {
        # Just outside each documented range (SandboxLimits): each must be refused at binding by both cmdlets.
        $script:outOfRange = foreach ($command in 'Start-WasmExecution', 'Invoke-WasmModule') {
            @{ Command = $command; Parameter = 'MaxMemory'; Value = 64KB - 1 }
            @{ Command = $command; Parameter = 'MaxMemory'; Value = 16GB + 1 }
            @{ Command = $command; Parameter = 'Timeout'; Value = [timespan]::Zero }
            @{ Command = $command; Parameter = 'Timeout'; Value = [timespan]::FromTicks(9999) }
            @{ Command = $command; Parameter = 'Timeout'; Value = [timespan]::FromDays(24).Add([timespan]::FromTicks(1)) }
            @{ Command = $command; Parameter = 'Timeout'; Value = [timespan]::FromSeconds(-5) }
            @{ Command = $command; Parameter = 'MaxFuel'; Value = 0 }
            @{ Command = $command; Parameter = 'MaxOutputBytes'; Value = -1 }
            @{ Command = $command; Parameter = 'MaxOpenFiles'; Value = 0 }
            @{ Command = $command; Parameter = 'MaxOpenFiles'; Value = 4097 }
        }
    }

    It '<Command> refuses -<Parameter> <Value> as a parameter error, registering nothing' -ForEach $outOfRange {
        $executions = @((Get-WasmExecution).ExecutionId)
        $contexts = @((Get-WasmContext).ContextId)
        $limit = @{ $Parameter = $Value }
        $id = "ParameterArgumentValidationError,WasmSandbox.Commands.$($Command -replace '-', '')Command"
        if ($Command -eq 'Start-WasmExecution') {
            { Start-WasmExecution -Context $hello @limit } | Should -Throw -ErrorId $id
        }
        else {
            { Invoke-WasmModule $hello.ModulePath @limit } | Should -Throw -ErrorId $id
        }
        @((Get-WasmExecution).ExecutionId | Where-Object { $_ -notin $executions }) | Should -BeNullOrEmpty
        @((Get-WasmContext).ContextId | Where-Object { $_ -notin $contexts }) | Should -BeNullOrEmpty
    }

    It 'names the range in the message' {
        { Start-WasmExecution -Context $hello -Timeout (New-TimeSpan -Days 100) } | Should -Throw '*between 0.001 s and 2073600 s (24 days)*'
        { Start-WasmExecution -Context $hello -MaxOpenFiles 5000 } | Should -Throw '*4096*'
    }

    It 'accepts the edges of each range and hands them to the engine' {
        $exec = Start-WasmExecution -Context $hello -MaxMemory 64KB -Timeout 00:00:00.001 -MaxOpenFiles 1 -MaxOutputBytes 0 -MaxFuel 1
        $exec.Policy.Limits.MaxMemoryBytes | Should -Be 64KB
        $exec.Policy.Limits.Timeout | Should -Be ([timespan]::FromMilliseconds(1))
        $exec.Policy.Limits.MaxOpenFiles | Should -Be 1
        $exec.Policy.Limits.MaxOutputBytes | Should -Be 0
        $exec.Policy.Limits.MaxFuel | Should -Be 1
        $null = $exec.Wait([timespan]'00:00:10')
        $exec = Start-WasmExecution -Context $spin -MaxMemory 16GB -Timeout ([System.Threading.Timeout]::InfiniteTimeSpan) -MaxOpenFiles 4096
        $exec.Policy.Limits.Timeout | Should -Be ([System.Threading.Timeout]::InfiniteTimeSpan)
        $exec.Policy.Limits.MaxOpenFiles | Should -Be 4096
        $exec.Stop()
        $exec = Start-WasmExecution -Context $spin -Timeout 24.00:00:00
        $exec.Policy.Limits.Timeout | Should -Be ([timespan]::FromDays(24))
        $exec.Stop()
    }

    It 'defaults -MaxOpenFiles to 256' {
        $exec = Start-WasmExecution -Context $hello
        $exec.Policy.Limits.MaxOpenFiles | Should -Be 256
        $null = $exec.Wait([timespan]'00:00:10')
    }
}
