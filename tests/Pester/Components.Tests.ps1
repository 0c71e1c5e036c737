# Components (WASI preview 2, wasi:cli/command) through every cmdlet that takes a module, with no new parameter:
# New-WasmContext (-Path, -Bytes, -Precompile), Start-WasmExecution (-Wait, -AsJob, -KeepInputOpen), Invoke-WasmModule
# (-AsResult) and New-WasmCommand. The fixtures are tools/Build-Components.ps1's, in out/guests/components.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-StagedModule
    $script:dir = (New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "ws-comp-$([guid]::NewGuid())")).FullName
    $script:cprobe = Get-GuestPath 'components/cprobe.component.wasm'
    $script:jsprobe = Get-GuestPath 'components/jsprobe.component.wasm'
    $script:spin = Get-GuestPath 'components/spin.component.wasm'
    $script:needshttp = Get-GuestPath 'components/needshttp.component.wasm'
    $script:needscustom = Get-GuestPath 'components/needscustom.component.wasm'
    Set-Content -LiteralPath (Join-Path $dir 'data.txt') -Value 'alpha' -NoNewline
}

AfterAll {
    Remove-Item $script:dir -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Invoke-WasmModule with a component' {
    It 'prints, sets $LASTEXITCODE from wasi:cli/exit, and passes arguments with argv[0] as for a core module' {
        Invoke-WasmModule $cprobe hello | Should -Be 'hello from a component'
        $LASTEXITCODE | Should -Be 0
        Invoke-WasmModule $cprobe exit 42
        $LASTEXITCODE | Should -Be 42
        Invoke-WasmModule $cprobe args 'a b' | Should -Be @('argc 3', 'cprobe.component.wasm', 'args', 'a b')
    }

    It 'streams pipeline input to stdin' {
        'one', 'two' | Invoke-WasmModule $cprobe echo | Should -Be @('one', 'two')
        'from the pipeline' | Invoke-WasmModule $jsprobe stdin | Should -Be @('stdin 18: from the pipeline', '') -Because 'the pipeline line reaches stdin with its newline'
    }

    It 'sees the working directory only from -PermissionTier ReadOnly, and writes only under ReadWrite' {
        Push-Location $dir
        try {
            Invoke-WasmModule $cprobe cat /data.txt | Should -BeLike 'error:*'
            Invoke-WasmModule $cprobe cat /data.txt -PermissionTier ReadOnly | Should -Be 'alpha'
            Invoke-WasmModule $jsprobe write / out.txt hi -PermissionTier ReadOnly | Should -BeLike 'error:*'
            Test-Path (Join-Path $dir 'out.txt') | Should -BeFalse
            Invoke-WasmModule $jsprobe write / out.txt hi -PermissionTier ReadWrite | Should -Be 'wrote 2'
            Get-Content -Raw (Join-Path $dir 'out.txt') | Should -Be 'hi'
            $other = New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "ws-comp-$([guid]::NewGuid())")
            try {
                Set-Content -LiteralPath (Join-Path $other 'mounted.txt') -Value 'm'
                Invoke-WasmModule $jsprobe ls /data -Mount "$($other.FullName):/data:ro" -PermissionTier ReadWrite | Should -Be 'mounted.txt'
                Invoke-WasmModule $jsprobe write /data x.txt no -Mount "$($other.FullName):/data:ro" -PermissionTier ReadWrite | Should -BeLike 'error:*'
                Test-Path (Join-Path $other 'x.txt') | Should -BeFalse
            }
            finally { Remove-Item $other -Recurse -Force }
        }
        finally { Pop-Location }
    }

    It 'returns one result with -AsResult: exit, timeout, fuel, output limit' {
        $r = Invoke-WasmModule $cprobe stderr oops -AsResult
        $r.ExitCode | Should -Be 0
        $r.Stderr | Should -Be "oops`n"
        $timedOut = Invoke-WasmModule $spin -Timeout 0.5 -AsResult
        $timedOut.Reason | Should -Be 'TimedOut'
        $timedOut.ExitCode | Should -Be 124
        $fuel = Invoke-WasmModule $spin -MaxFuel 1e6 -AsResult
        $fuel.Reason | Should -Be 'FuelExhausted'
        $fuel.FuelConsumed | Should -BeGreaterThan 0
        $flood = Invoke-WasmModule $cprobe flood 100000 -MaxOutputBytes 1000 -AsResult
        $flood.Reason | Should -Be 'OutputLimitExceeded'
        $flood.StdoutBytes | Should -Be 1000
        $grow = Invoke-WasmModule $cprobe grow 64 -MaxMemory 16MB -AsResult
        $grow.ExitCode | Should -Not -Be 0
        $grow.Stdout | Should -Not -BeLike 'grew*'
    }

    It 'fails a component that imports wasi:http or a custom interface with LinkFailed naming it, and the session lives on' {
        $http = Invoke-WasmModule $needshttp -AsResult
        $http.Reason | Should -Be 'LinkFailed'
        $http.ExitCode | Should -Be 127
        $http.Message | Should -BeLike '*wasi:http/types@0.2.12*'
        $custom = Invoke-WasmModule $needscustom -AsResult
        $custom.Reason | Should -Be 'LinkFailed'
        $custom.Message | Should -BeLike '*wasmsandbox:fixtures/custom*ping*'
        Invoke-WasmModule $cprobe hello | Should -Be 'hello from a component'
    }

    It 'refuses what only core modules have as parameter errors' {
        { Invoke-WasmModule $cprobe hello -PermissionTier Full -ErrorAction Stop } | Should -Throw -ErrorId 'ComponentHostProcess*'
        { Invoke-WasmModule $cprobe hello -RandomSeed 5 -ErrorAction Stop } | Should -Throw -ErrorId 'ComponentRandomSeed*'
        { Invoke-WasmModule $cprobe hello -ClockStart '2024-01-01' -ErrorAction Stop } | Should -Throw -ErrorId 'ComponentClock*'
    }

    It 'refuses a wasi:sockets connect to a listening loopback port' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        # In the test's own folder: a ReadWrite grant of the repository would hold the test compile cache, whose key
        # the sandbox then revokes (and every later process of the run would compile afresh).
        Push-Location $dir
        try {
            $port = $listener.LocalEndpoint.Port
            Invoke-WasmModule $cprobe connect $port -PermissionTier ReadWrite | Should -BeLike 'connect refused: access-denied*'
            $listener.Pending() | Should -BeFalse
        }
        finally {
            Pop-Location
            $listener.Stop()
        }
    }
}

Describe 'Start-WasmExecution with a component' {
    It 'streams the same events with -Wait, and Stop() ends a spinning component within 100 ms' {
        $events = Start-WasmExecution -Context (New-WasmContext $cprobe) -ArgumentList stderr, 'to stderr' -Wait
        ($events | Where-Object Kind -eq Stderr).Text | Should -Be "to stderr`n"
        ($events | Select-Object -Last 1).Reason | Should -Be 'Exited'
        $running = Start-WasmExecution -Context (New-WasmContext $spin)
        Start-Sleep -Milliseconds 100
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $running.Stop()
        $running.Wait([timespan]::FromSeconds(5)) | Should -BeTrue
        $clock.ElapsedMilliseconds | Should -BeLessThan 100
        $running.ExitReason | Should -Be 'Stopped'
    }

    It 'keeps stdin open with -KeepInputOpen until CloseInput' {
        $exec = Start-WasmExecution -Context (New-WasmContext $cprobe) -ArgumentList echo -KeepInputOpen
        $exec.WriteInput("early`n")
        $first = Receive-WasmEvent -Execution $exec -Wait -Timeout 10 | Where-Object Kind -eq Stdout
        ($first.Text -join '') | Should -Be "early`n"
        $exec.State | Should -Be 'Running'
        $exec.WriteInput("late`n")
        $exec.CloseInput()
        $rest = Receive-WasmEvent -Execution $exec -Wait -Timeout 30
        (($rest | Where-Object Kind -eq Stdout).Text -join '') | Should -Be "late`n"
        $exec.ExitCode | Should -Be 0
    }

    It 'runs as a job: -AsJob maps exit codes to job states' {
        $ok = Start-WasmExecution -Context (New-WasmContext $jsprobe) -ArgumentList hello -AsJob
        $failed = Start-WasmExecution -Context (New-WasmContext $cprobe) -ArgumentList exit, 3 -AsJob
        $ok, $failed | Wait-Job -Timeout 60 | Out-Null
        $ok.State | Should -Be 'Completed'
        ((Receive-Job $ok) | Where-Object Kind -eq Stdout).Text | Should -Be "hello from javascript`n"
        $failed.State | Should -Be 'Failed'
        Remove-Job $ok, $failed -Force
    }

    It 'refuses -StdioMode SyncRpc for a component' {
        { Start-WasmExecution -Context (New-WasmContext $cprobe) -StdioMode SyncRpc -ErrorAction Stop } | Should -Throw -ErrorId 'ComponentStdioMode*'
    }
}

Describe 'New-WasmContext with a component' {
    It 'precompiles into the caches, so the first start is warm' {
        $ctx = New-WasmContext -Path $cprobe -Precompile
        $events = Start-WasmExecution -Context $ctx -ArgumentList hello -Wait
        ($events | Where-Object Kind -eq Stdout).Text -join '' | Should -Be "hello from a component`n"
        (Get-WasmExecution | Where-Object ContextId -eq $ctx.ContextId | Select-Object -Last 1).Warmup.Source | Should -Be 'memory'
    }

    It 'runs a component given as -Bytes' {
        $ctx = New-WasmContext -Bytes ([IO.File]::ReadAllBytes($cprobe)) -Name tool.component.wasm
        $events = Start-WasmExecution -Context $ctx -ArgumentList args -Wait
        (($events | Where-Object Kind -eq Stdout).Text -join '') | Should -Be "argc 2`ntool.component.wasm`nargs`n"
    }
}

Describe 'New-WasmCommand with a component' {
    It 'defines a command that runs the component like a native one' {
        New-WasmCommand -Name jsprobe -Path $jsprobe
        jsprobe hello | Should -Be 'hello from javascript'
        jsprobe exit 9
        $LASTEXITCODE | Should -Be 9
        'piped' | jsprobe stdin | Should -Be @('stdin 6: piped', '')
        Remove-Item function:jsprobe -ErrorAction SilentlyContinue
    }
}
