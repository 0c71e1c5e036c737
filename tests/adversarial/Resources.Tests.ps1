# Issue 11: every resource a guest can make the host spend is bounded. Each test runs a hostile guest from
# tests/adversarial/wat/res-*.wat under a watchdog (HostWatch) with the bound it states; each failed (or blew up the
# host) against the code before the accounting points existed — the figures measured then are in the comments.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../Pester/TestHelpers.psm1) -Force
    Import-StagedModule
    Import-Module (Join-Path $PSScriptRoot HostWatch.psm1) -Force
    $script:dir = (New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "res-$([guid]::NewGuid())")).FullName
    Set-Content -LiteralPath (Join-Path $dir 'target.txt') -Value 'x'
    $script:hello = New-WatFile $dir 'hello.wat' (New-WatCommand '(call $print (i32.const 1024) (i32.const 6) (i32.const 1))' '(data (i32.const 1024) "hello\0a")')

    # Starts $Guest with nobody receiving, lets it run $Seconds, and returns it still running.
    function Start-Unread([string] $Guest, [hashtable] $Options = @{}) {
        $exec = Start-WasmExecution -Context (New-WasmContext (Get-GuestPath $Guest)) -Timeout 00:01:00 @Options
        $exec
    }
}

AfterAll { Remove-Item $script:dir -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'Descriptors' {
    # Before: one ReadOnly guest opened 19 814 descriptors of the host's 20 000.
    It 'keeps every guest within -MaxOpenFiles and all guests within the host share; 8 other executions then start and pass' -Skip:$IsWindows {
        # A session whose descriptor limit is 1 024: guests together may hold 768 (the host keeps 256). Four open
        # loops of 256 each: three stop at their own cap (EMFILE 33), the fourth finds the share taken (ENFILE 41).
        $command = @"
`$ErrorActionPreference = 'Stop'
Import-Module $(ConvertTo-QuotedLiteral (Get-Module WasmSandbox).Path)
Import-Module $(ConvertTo-QuotedLiteral (Join-Path $PSScriptRoot HostWatch.psm1))
`$watch = Start-HostWatch
`$ctx = New-WasmContext $(ConvertTo-QuotedLiteral (Get-GuestPath 'res-open-loop.wasm'))
`$loops = foreach (`$i in 1..4) {
    `$e = Start-WasmExecution -Context `$ctx -KeepInputOpen -PermissionTier ReadOnly -WorkingDirectory $(ConvertTo-QuotedLiteral $dir)
    `$line = ''
    while (-not `$line.EndsWith("``n")) { `$line += -join (Receive-WasmEvent -Execution `$e -Wait:`$false -Kind Stdout | ForEach-Object Text); Start-Sleep -Milliseconds 5 }
    [pscustomobject]@{ Execution = `$e; Report = `$line.Trim() }
}
# While every guest holds its descriptors: the host's own file operations and 8 more executions.
`$probe = Join-Path $(ConvertTo-QuotedLiteral $dir) 'probe.txt'
Set-Content -LiteralPath `$probe -Value 'host'
`$hostFile = Get-Content -LiteralPath `$probe
`$others = foreach (`$i in 1..8) { Start-WasmExecution -Context (New-WasmContext $(ConvertTo-QuotedLiteral $hello)) }
`$others | Wait-WasmExecution | Out-Null
`$loops | ForEach-Object { `$_.Execution.CloseInput() }
`$loops.Execution | Wait-WasmExecution | Out-Null
[pscustomobject]@{
    Reports = @(`$loops.Report)
    HostFile = `$hostFile
    Others = @(`$others | ForEach-Object { "`$(`$_.ExitCode) `$(-join (Receive-WasmEvent -Execution `$_ -Kind Stdout | ForEach-Object Text))" })
    Watch = (Assert-HostWithin `$watch -Fds 900 -Threads 256 -Seconds 60)
} | ConvertTo-Json -Compress
"@
        $output = @(Invoke-NewSession $command -ShellPrefix 'ulimit -n 1024')
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $result = $output[-1] | ConvertFrom-Json
        $result.Reports | Should -Be @('256 33', '256 33', '256 33', '0 41') -Because $result.Watch
        Write-Host "    $($result.Watch)"
        $result.HostFile | Should -Be 'host'
        $result.Others | Should -Be (@("0 hello`n") * 8)
    }
}

Describe 'Event floods with nobody receiving' {
    # The queue fills within a fraction of a second (16 MiB of budget at 128 bytes an event is 131 072 posts, at
    # about a million posts a second) and the guest then waits in its next post; 5 s is 25 times the fill time,
    # and the engine test checks that the queued cost no longer moves once full. Before: +905 MiB (zero-length
    # writes), +738 MiB (one-byte writes), +366 MiB (control lines), +1 644 MiB (proc_sigaction) in the same time.
    It 'stays within +150 MiB for <Guest>' -ForEach @(
        @{ Guest = 'res-flood-empty.wasm'; Tier = 'Isolated' }
        @{ Guest = 'res-flood-byte.wasm'; Tier = 'Isolated' }
        @{ Guest = 'res-flood-signal.wasm'; Tier = 'Isolated' }
        @{ Guest = 'res-flood-sigaction.wasm'; Tier = 'Full' }
    ) {
        $watch = Start-HostWatch
        $exec = Start-Unread $Guest @{ PermissionTier = $Tier }
        Start-Sleep -Seconds 5
        $exec.State | Should -Be 'Running'
        $exec.Stop()
        $exec.Wait([timespan]'00:00:05') | Should -BeTrue
        $exec.ExitReason | Should -Be 'Stopped'
        Write-Host "    $(Assert-HostWithin $watch -RssMiB 150 -Seconds 15)"
        @(Receive-WasmEvent -Execution $exec).Count | Should -BeLessOrEqual (16MB / 128 + 4)
    }
}

Describe 'Host buffers per call' {
    # Before: the host copied 2 GiB into one event (+2 067 MiB).
    It 'refuses 32 767 overlapping iovecs in one fd_write with EINVAL' {
        $watch = Start-HostWatch
        $exec = Start-WasmExecution -Context (New-WasmContext (Get-GuestPath 'res-iovec-overlap.wasm'))
        $exec.Wait([timespan]'00:00:10') | Should -BeTrue
        $exec.ExitCode | Should -Be 28
        Write-Host "    $(Assert-HostWithin $watch -RssMiB 100 -Seconds 10)"
    }

    # Before: a 3.2 GB array was allocated before the first subscription was read.
    It 'refuses 65 536 poll subscriptions from one page with EFAULT before allocating for them' {
        $exec = Start-WasmExecution -Context (New-WasmContext (Get-GuestPath 'res-poll-huge.wasm'))
        $exec.Wait([timespan]'00:00:10') | Out-Null
        $before = [GC]::GetTotalAllocatedBytes($true)
        $exec = Start-WasmExecution -Context (New-WasmContext (Get-GuestPath 'res-poll-huge.wasm'))
        $exec.Wait([timespan]'00:00:10') | Should -BeTrue
        $allocated = [GC]::GetTotalAllocatedBytes($true) - $before
        $exec.ExitCode | Should -Be 21
        $allocated | Should -BeLessThan 64MB
    }

    # Before: a 1 s timeout ended the guest after 189 s at 100 % CPU.
    It 'ends a guest walking gigabytes of iovecs at its -Timeout of 1 s' {
        $exec = Start-WasmExecution -Context (New-WasmContext (Get-GuestPath 'res-iovec-walk.wasm')) -MaxMemory 4GB -Timeout 00:00:01
        try {
            $exec.Wait([timespan]'00:00:10') | Should -BeTrue
            $exec.ExitReason | Should -Be 'TimedOut'
            ($exec.EndTime - $exec.StartTime).TotalMilliseconds | Should -BeLessThan 1300
        }
        finally { $exec.Stop() }
    }
}

Describe 'Memories and tables within -MaxMemory' {
    # Before: table.grow by 200 000 000 elements succeeded on the on-demand engine (+1 545 MiB) under -MaxMemory 64KB.
    It 'refuses to grow a table by 200 000 000 elements under -MaxMemory 64KB on the on-demand engine' {
        $watch = Start-HostWatch
        # -MaxFuel runs on the metered engine, which allocates on demand (no pool limits).
        $exec = Start-WasmExecution -Context (New-WasmContext (Get-GuestPath 'res-table-grow.wasm')) -MaxMemory 64KB -MaxFuel 10000000000
        $exec.Wait([timespan]'00:00:10') | Should -BeTrue
        $exec.ExitCode | Should -Be 1
        Write-Host "    $(Assert-HostWithin $watch -RssMiB 100 -Seconds 10)"
    }

    # Before: the module ran with 32 x 64 KiB, 32 times its limit (32 x 256 MiB at the default).
    It 'refuses a module with 32 memories under -MaxMemory 64KB' {
        # wat2wasm 1.0.32 needs a flag for multi-memory, so this guest is written here and read as text.
        $memories = -join (1..31 | ForEach-Object { "(memory `$m$_ 1)" })
        $path = New-WatFile $dir 'res-memories.wat' (New-WatCommand '(drop (memory.grow 31 (i32.const 1)))' $memories)
        $exec = Start-WasmExecution -Context (New-WasmContext $path) -MaxMemory 64KB
        $exec.Wait([timespan]'00:00:10') | Should -BeTrue
        $exec.ExitReason | Should -Be 'LinkFailed'
        -join (Receive-WasmEvent -Execution $exec -Kind Stderr | ForEach-Object Text) | Should -Match 'memor'
    }
}
