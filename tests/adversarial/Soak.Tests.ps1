# Many executions, one after another and at once: the host's figures must stay flat. A leak of one descriptor, thread,
# mapping or a few KiB per execution shows up here as thousands.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../Pester/TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'HostWatch.psm1') -Force
    Import-StagedModule
    $script:dir = Join-Path $TestDrive 'soak'
    New-Item -ItemType Directory -Path $dir | Out-Null
    $script:hello = New-WasmContext (New-WatFile $dir 'hello.wat' (New-WatCommand '(call $print (i32.const 1024) (i32.const 6) (i32.const 1))' '(data (i32.const 1024) "hello\0a")'))
    # Echoes stdin to stdout until end of file.
    $echoBody = @'
(local $n i32)
(block $done (loop $again
  (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 256))
  (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
  (local.set $n (i32.load (i32.const 8)))
  (br_if $done (i32.eqz (local.get $n)))
  (call $print (i32.const 64) (local.get $n) (i32.const 1))
  (br $again)))
'@
    $script:echo = New-WasmContext (New-WatFile $dir 'echo.wat' (New-WatCommand $echoBody))

    function Get-HostFigures {
        $rss = 0L; $threads = 0; $fds = 0; $maps = 0
        [WasmSandboxHostWatch]::Sample([ref]$rss, [ref]$threads, [ref]$fds, [ref]$maps)
        [pscustomobject]@{ RssMiB = [math]::Round($rss / 1MB); Threads = $threads; Fds = $fds; Maps = $maps }
    }
}

Describe 'A soak of 10 000 executions' {
    It 'keeps resident memory, threads, descriptors and mappings flat' {
        # Warm up: the first thousand runs create the engine, the pool, the guest threads and the caches.
        foreach ($i in 1..1000) { $null = Start-WasmExecution -Context $hello -Wait }
        [GC]::Collect(); [GC]::WaitForPendingFinalizers()
        $before = Get-HostFigures
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $failed = 0
        foreach ($i in 1..10000) {
            $exit = Start-WasmExecution -Context $hello -Wait | Where-Object Kind -eq Exited
            if ($exit.ExitCode -ne 0) { $failed++ }
        }
        $clock.Stop()
        [GC]::Collect(); [GC]::WaitForPendingFinalizers()
        $after = Get-HostFigures
        Write-Host ("10 000 executions in {0:N1} s; before {1}; after {2}" -f $clock.Elapsed.TotalSeconds, $before, $after)
        $failed | Should -Be 0
        ($after.RssMiB - $before.RssMiB) | Should -BeLessThan 64
        # The .NET thread pool may add a few workers under load and retire them later; a leak per run would be thousands.
        ($after.Threads - $before.Threads) | Should -BeLessThan 8
        ($after.Fds - $before.Fds) | Should -BeLessThan 4
        ($after.Maps - $before.Maps) | Should -BeLessThan 64
    }
}

Describe '200 concurrent executions' {
    It 'all run at once, each gets its own input back, and the host returns to its figures' {
        $before = Get-HostFigures
        $watch = Start-HostWatch
        $executions = foreach ($i in 1..200) { Start-WasmExecution -Context $echo -KeepInputOpen }
        @($executions | Where-Object State -eq 'Running').Count | Should -Be 200
        foreach ($i in 0..199) { $executions[$i].WriteInput("guest $i`n"); $executions[$i].CloseInput() }
        $executions | Wait-WasmExecution -Timeout 60 | Out-Null
        $summary = Assert-HostWithin $watch -RssMiB 300 -Threads 260 -Fds 64 -Maps 3000 -Seconds 60
        Write-Host "200 at once: $summary"
        foreach ($i in 0..199) {
            $events = @(Receive-WasmEvent -Execution $executions[$i])
            (-join ($events | Where-Object Kind -eq Stdout | ForEach-Object Text)) | Should -Be "guest $i`n"
            $executions[$i].ExitCode | Should -Be 0
        }
        [GC]::Collect(); [GC]::WaitForPendingFinalizers()
        $after = Get-HostFigures
        Write-Host "before $before; after $after"
        # Guest threads are kept for reuse (one per concurrently running guest), so threads may stay up by the
        # concurrency; descriptors and resident memory return.
        ($after.Fds - $before.Fds) | Should -BeLessThan 8
        ($after.RssMiB - $before.RssMiB) | Should -BeLessThan 200
    }
}
