# Real C programs compiled to wasm32-wasi by tools/Build-Guests.ps1 (clang-14 + wasi-libc), run through the cmdlets.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-StagedModule
    $script:fsprobe = New-WasmContext (Get-GuestPath 'fsprobe.wasm')
    $script:stdio = New-WasmContext (Get-GuestPath 'stdio.wasm')
    $script:wordfreq = New-WasmContext (Get-GuestPath 'wordfreq.wasm')
    $script:cpuloop = New-WasmContext (Get-GuestPath 'cpuloop.wasm')

    function Invoke-Guest($Context, [string[]] $Arguments, [hashtable] $Options = @{}) {
        $events = Start-WasmExecution -Context $Context -ArgumentList $Arguments -Wait @Options
        [pscustomobject]@{
            Stdout = -join ($events | Where-Object Kind -eq Stdout | ForEach-Object Text)
            Stderr = -join ($events | Where-Object Kind -eq Stderr | ForEach-Object Text)
            Exit   = $events | Where-Object Kind -eq Exited
        }
    }
}

Describe 'A real C program under the permission tiers' {
    BeforeEach {
        $script:work = (New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "ws-$([guid]::NewGuid())")).FullName
        Set-Content -LiteralPath (Join-Path $work 'notes.txt') -Value 'the cat and the hat' -NoNewline
    }

    AfterEach { Remove-Item $script:work -Recurse -Force -ErrorAction SilentlyContinue }

    It 'reads a file under ReadOnly' {
        $r = Invoke-Guest $fsprobe 'read', 'notes.txt' @{ WorkingDirectory = $work; PermissionTier = 'ReadOnly' }
        $r.Stdout | Should -BeExactly 'the cat and the hat'
        $r.Exit.ExitCode | Should -Be 0
    }

    It 'cannot write under ReadOnly: EACCES (errno 2) and nothing is created' {
        $r = Invoke-Guest $fsprobe 'write', 'new.txt', 'x' @{ WorkingDirectory = $work; PermissionTier = 'ReadOnly' }
        $r.Exit.ExitCode | Should -Be 1
        $r.Stderr | Should -BeLike '*errno=2 *'
        Join-Path $work 'new.txt' | Should -Not -Exist
    }

    It 'creates nested folders and files under ReadWrite' {
        (Invoke-Guest $fsprobe 'mkdirs', 'a/b/c' @{ WorkingDirectory = $work; PermissionTier = 'ReadWrite' }).Exit.ExitCode | Should -Be 0
        (Invoke-Guest $fsprobe 'write', 'a/b/c/out.txt', 'written by wasm' @{ WorkingDirectory = $work; PermissionTier = 'ReadWrite' }).Exit.ExitCode | Should -Be 0
        Get-Content -Raw (Join-Path $work 'a/b/c/out.txt') | Should -BeExactly 'written by wasm'
    }

    It 'sees no files at all when Isolated' {
        $r = Invoke-Guest $fsprobe 'read', 'notes.txt' @{ WorkingDirectory = $work }
        $r.Exit.ExitCode | Should -Be 1
        $r.Stdout | Should -BeNullOrEmpty
    }

    It 'cannot climb out of the working directory: ENOENT (errno 44)' {
        $r = Invoke-Guest $fsprobe 'read', '../../../../etc/passwd' @{ WorkingDirectory = $work; PermissionTier = 'ReadWrite' }
        $r.Stderr | Should -BeLike '*errno=44 *'
        $r.Stdout | Should -BeNullOrEmpty
    }

    It 'does not follow a symlink that points outside' {
        New-Item -ItemType SymbolicLink -Path (Join-Path $work 'etc') -Target '/etc' | Out-Null
        $r = Invoke-Guest $fsprobe 'read', 'etc/passwd' @{ WorkingDirectory = $work; PermissionTier = 'ReadWrite' }
        $r.Stderr | Should -BeLike '*errno=44 *'
        $r.Stdout | Should -BeNullOrEmpty
    }
}

Describe 'A real C program and its stdio' {
    It 'counts words piped to stdin (the demo guest)' {
        $r = 'b a b', 'c b' | ForEach-Object { $_ } | Start-WasmExecution -Context $wordfreq -ArgumentList '--top', '2' -Wait
        -join ($r | Where-Object Kind -eq Stdout).Text | Should -BeExactly "3 b`n1 a`n"
        ($r | Where-Object Kind -eq Stderr).Text | Should -BeLike '*5 words, 3 distinct*'
    }

    It 'sees only the environment it was given' {
        $env:WASMSANDBOX_HOST_ONLY = 'secret'
        $r = Invoke-Guest $stdio 'env' @{ Environment = @{ B = '2'; A = '1'; WASMSANDBOX_MODULE_PATH = './evil.wasm' } }
        $r.Stdout | Should -BeExactly "A=1`nB=2`nWASMSANDBOX_MODULE_PATH=./evil.wasm`n"
        $r.Exit.ExitCode | Should -Be 0
    }

    It 'gets argv[0] as the module file name' {
        (Invoke-Guest $stdio 'args', 'x y').Stdout | Should -BeExactly "stdio.wasm`nargs`nx y`n"
    }

    It 'is not at a terminal when its stdio is captured (isatty is 0 for fds 0, 1 and 2)' {
        (Invoke-Guest $stdio 'tty').Stdout | Should -BeExactly "isatty 0 0 0`n"
        'x' | Invoke-WasmModule (Get-GuestPath 'stdio.wasm') tty | Should -BeExactly 'isatty 0 0 0'
    }

    It 'sleeps for real and sees exactly the time it slept on the virtual clock' {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        (Invoke-Guest $stdio 'sleepclock', '150').Stdout | Should -BeExactly "slept 150 ms: monotonic moved 150000000 ns`n"
        $clock.Elapsed.TotalMilliseconds | Should -BeGreaterOrEqual 140 -Because 'a sleep waits real time too'
    }

    It 'sees the real clock move while it computes with -Clock Real' {
        $lines = (Invoke-Guest $stdio 'clock' @{ Clock = 'Real' }).Stdout -split "`n" | Where-Object { $_ -like 'monotonic*' }
        $lines.Count | Should -Be 2
        $lines[0] | Should -Not -Be $lines[1]
    }

    It 'starts its clock at -ClockStart' {
        $lines = (Invoke-Guest $stdio 'clock' @{ ClockStart = '2024-02-29T12:00:00.5Z' }).Stdout -split "`n" | Where-Object { $_ }
        $lines | Should -Be @('realtime 1709208000.500000000', 'monotonic 1709208000.500000000', 'realtime 1709208000.500000000', 'monotonic 1709208000.500000000')
    }

    It 'refuses -ClockStart with -Clock Real, naming both' {
        { Start-WasmExecution -Context $stdio -ArgumentList 'clock' -Clock Real -ClockStart '2024-01-01Z' } |
            Should -Throw -ExpectedMessage '*-ClockStart*-Clock Real*' -ErrorId 'ClockStartNeedsVirtualClock,WasmSandbox.Commands.StartWasmExecutionCommand'
    }

    It 'refuses a -Clock that PowerShell would OR together, instead of running on the real clock' {
        { Start-WasmExecution -Context $stdio -ArgumentList 'clock' -Clock 'Virtual,Real' } |
            Should -Throw -ExpectedMessage "*Cannot convert value `"Virtual,Real`"*" -ErrorId 'CannotConvertArgumentNoMessage,WasmSandbox.Commands.StartWasmExecutionCommand'
    }

    It 'shows its clock in the execution view' {
        $exec = Start-WasmExecution -Context $stdio -ArgumentList 'args' -ClockStart '2024-01-01T00:00:00Z' -RandomSeed 9
        $exec.Wait() | Should -BeTrue
        ($exec | Format-List | Out-String) | Should -Match 'Clock\s*:\s*virtual clock from 2024-01-01T00:00:00.0000000\+00:00, random seed 9'
    }

    It 'reads a frozen clock' {
        $lines = (Invoke-Guest $stdio 'clock').Stdout -split "`n" | Where-Object { $_ }
        $realtime = @($lines | Where-Object { $_ -like 'realtime*' })
        $realtime.Count | Should -Be 2
        $realtime[0] | Should -Be $realtime[1]
    }

    It 'delivers a 128 MiB flood intact' {
        $exec = Start-WasmExecution -Context $stdio -ArgumentList 'flood', (128MB)
        $total = 0L
        $intact = $true
        Receive-WasmEvent -Execution $exec -Wait -Kind Stdout | ForEach-Object {
            $data = $_.Data
            if ($data[0] -ne [byte](97 + ($total % 26)) -or $data[-1] -ne [byte](97 + (($total + $data.Length - 1) % 26))) { $intact = $false }
            $total += $data.Length
        }
        $total | Should -Be (128MB)
        $intact | Should -BeTrue
        $exec.ExitCode | Should -Be 0
    }

    It 'stops a CPU-bound C program at the timeout' {
        $r = Invoke-Guest $cpuloop @() @{ Timeout = [timespan]'00:00:00.5' }
        $r.Exit.Reason | Should -Be 'TimedOut'
        $r.Exit.ExitCode | Should -Be 124
    }
}
