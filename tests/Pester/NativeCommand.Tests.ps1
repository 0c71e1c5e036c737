# Invoke-WasmModule and New-WasmCommand as a user expects a native command to behave: stderr, exit status, guest
# flags, one result object, resource figures and timeouts in seconds. Runbooks run in a fresh 'pwsh -File' whose
# stdout and stderr are kept apart, as a scheduler or CI runner would keep them.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-StagedModule
    $script:dir = (New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "ws-$([guid]::NewGuid())")).FullName
    $script:stdio = Get-GuestPath 'stdio.wasm'
    $script:wordfreq = Get-GuestPath 'wordfreq.wasm'
    $script:spin = New-WatFile $dir 'spin.wat' (New-WatCommand '(loop $l (br $l))')
    $script:grow = New-WatFile $dir 'grow.wat' (New-WatCommand '(drop (memory.grow (i32.const 3)))')

    # Runs $Script as a runbook: 'pwsh -File' in a new process with the staged module imported; returns its stdout
    # lines, its stderr text and its exit code.
    function Invoke-Runbook([string] $Script) {
        $file = Join-Path $dir "runbook-$([guid]::NewGuid()).ps1"
        $errFile = "$file.stderr"
        Set-Content -LiteralPath $file -Value (@(
                "Import-Module $(ConvertTo-QuotedLiteral (Join-Path $env:WASMSANDBOX_TEST_MODULE 'WasmSandbox.psd1'))"
                "`$stdio = $(ConvertTo-QuotedLiteral $stdio); `$wordfreq = $(ConvertTo-QuotedLiteral $wordfreq)"
                $Script) -join "`n")
        $savedNoColor = $env:NO_COLOR
        $env:NO_COLOR = '1'
        Push-Location $PSScriptRoot
        try {
            $out = & sh -c "exec dotnet pwsh -NoProfile -NonInteractive -File '$file' 2>'$errFile'"
            [pscustomobject]@{ Stdout = @($out); Stderr = (Get-Content -Raw -LiteralPath $errFile) ?? ''; ExitCode = $LASTEXITCODE }
        }
        finally {
            Pop-Location
            $env:NO_COLOR = $savedNoColor
        }
    }
}

AfterAll {
    Remove-Item $script:dir -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Invoke-WasmModule in a runbook with $ErrorActionPreference = Stop' {
    BeforeAll {
        $script:run = Invoke-Runbook @'
$ErrorActionPreference = 'Stop'
'the cat saw the hat' | Invoke-WasmModule $wordfreq --top 1
"exit=$LASTEXITCODE errors=$($Error.Count)"
Invoke-WasmModule $stdio exit 3 || "or ran after $LASTEXITCODE"
Invoke-WasmModule $stdio exit 0 && 'and ran'
Invoke-WasmModule $stdio exit 5; "dollar-question=$?"
'hidden input' | Invoke-WasmModule $stdio echo 2>$null
$merged = 'seven' | Invoke-WasmModule $stdio echo 2>&1
"merged: " + (($merged | ForEach-Object { if ($_ -is [System.Management.Automation.ErrorRecord]) { "err[$_]" } else { "out[$_]" } }) -join ' ')
New-WasmCommand -Name stdio -Path $stdio
stdio args -m list ':memory:' 'select 1'
stdio exit 4 || "wasm command failed with $LASTEXITCODE"
"errors at the end=$($Error.Count)"
'done'
'@
    }

    It 'keeps running past guest stderr and keeps the output' {
        $run.Stdout | Should -Contain '2 the'
        $run.Stdout | Should -Contain 'exit=0 errors=0'
        $run.Stdout[-1] | Should -Be 'done' -Because $run.Stderr
        $run.ExitCode | Should -Be 0
    }

    It 'shows guest stderr as plain text on the console''s stderr, not as error records' {
        $run.Stderr | Should -BeLike '*wordfreq: 5 words*'
        $run.Stderr | Should -Not -BeLike '*Invoke-WasmModule*'
        $run.Stdout | Should -Not -Contain 'wordfreq: 5 words, 4 distinct'
        $run.Stdout | Should -Contain 'errors at the end=0'
    }

    It 'makes $? false after a non-zero exit, so || and && work' {
        $run.Stdout | Should -Contain 'or ran after 3'
        $run.Stdout | Should -Contain 'and ran'
        $run.Stdout | Should -Contain 'dollar-question=False'
    }

    It 'hides stderr with 2>$null and merges it as error records with 2>&1' {
        $run.Stderr | Should -Not -BeLike '*EOF after 13 bytes*'
        $run.Stdout | Should -Contain 'merged: out[seven] err[EOF after 6 bytes]'
    }

    It 'runs a wasm command with native-style flags and || on its exit code' {
        $run.Stdout | Should -Contain '-m'
        $run.Stdout | Should -Contain ':memory:'
        $run.Stdout | Should -Contain 'select 1'
        $run.Stdout | Should -Contain 'wasm command failed with 4'
    }
}

Describe 'Invoke-WasmModule stderr and exit status in a script' {
    It 'merges stderr into the output with 2>&1 as records a script can tell from stdout' {
        $ErrorActionPreference = 'Stop'
        $errorsBefore = $Error.Count
        $all = 'abc' | Invoke-WasmModule $stdio echo 2>&1
        $all.Count | Should -Be 2
        $all[0] | Should -BeOfType [string]
        $all[0] | Should -BeExactly 'abc'
        $all[1] | Should -BeOfType [System.Management.Automation.ErrorRecord]
        $all[1].Exception | Should -BeOfType [System.Management.Automation.RemoteException]
        "$($all[1])" | Should -BeExactly 'EOF after 4 bytes'
        $all[1].FullyQualifiedErrorId | Should -BeLike 'WasmGuestStderr*'
        $Error.Count | Should -Be $errorsBefore -Because 'native stderr does not go into $Error'
    }

    It 'does not stop the guest at a stderr line under -ErrorAction Stop' {
        $lines = 'x y x' | Invoke-WasmModule $wordfreq -ErrorAction Stop 2>&1
        $lines | Where-Object { $_ -is [string] } | Should -Be @('2 x', '1 y')
        $LASTEXITCODE | Should -Be 0
    }

    It 'sets $LASTEXITCODE and $? after each run' {
        Invoke-WasmModule $stdio exit 7
        $ok = $?
        $LASTEXITCODE | Should -Be 7
        $ok | Should -BeFalse
        Invoke-WasmModule $stdio exit 0
        $ok = $?
        $ok | Should -BeTrue
    }

    It 'raises an error naming the module and the code under $PSNativeCommandUseErrorActionPreference' {
        $PSNativeCommandUseErrorActionPreference = $true
        $ErrorActionPreference = 'Stop'
        $err = { Invoke-WasmModule $stdio exit 3 } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'WasmSandbox.NonZeroExit,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidResult'
        $err.Exception | Should -BeOfType [WasmSandbox.WasmNonZeroExitException]
        $err.Exception.ExitCode | Should -Be 3
        "$err" | Should -BeLike 'stdio.wasm (exec-*) exited with code 3'
        { Invoke-WasmModule $stdio exit 0 } | Should -Not -Throw
    }

    It 'reports a sandbox end as the sandbox''s own error, never as guest stderr' {
        $ErrorActionPreference = 'Stop'
        $err = { Invoke-WasmModule $spin -Timeout 0.5 } | Should -Throw -PassThru
        $err.Exception | Should -BeOfType [WasmSandbox.WasmExecutionEndedException]
        $err.Exception.Reason | Should -Be 'TimedOut'
        "$err" | Should -BeLike '*the timeout of 0.5 s expired*-Timeout*'
        $LASTEXITCODE | Should -Be 124
        $merged = Invoke-WasmModule $spin -Timeout 0.2 2>&1 -ErrorAction Continue
        @($merged).Count | Should -Be 1
        $merged.Exception | Should -BeOfType [WasmSandbox.WasmExecutionEndedException]
    }

    It 'passes flags that look like its own parameters to the guest after --' {
        Invoke-WasmModule $stdio -- args -v -d -m -o -Timeout 1 | Should -Be @('stdio.wasm', 'args', '-v', '-d', '-m', '-o', '-Timeout', '1')
    }
}

Describe 'Invoke-WasmModule -AsResult' {
    It 'returns one object with the output, the end and the figures' {
        $r = 'a b a' | Invoke-WasmModule $wordfreq --top 1 -AsResult
        $r.ExitCode | Should -Be 0 -Because $r.Stderr
        $r.Reason | Should -Be 'Exited'
        $r.Succeeded | Should -BeTrue
        $r.Stdout | Should -BeExactly "2 a`n"
        $r.Stderr | Should -BeLike 'wordfreq: 3 words, 2 distinct*'
        $r.StdoutData | Should -Be ([Text.Encoding]::UTF8.GetBytes("2 a`n"))
        $r.StdinBytes | Should -Be 6 -Because 'the line and its newline'
        $r.StdoutBytes | Should -Be $r.StdoutData.Length
        $r.StderrBytes | Should -Be $r.StderrData.Length
        $r.PeakMemoryBytes % 65536 | Should -Be 0
        $r.PeakMemoryBytes | Should -BeGreaterThan 0
        $r.Duration | Should -BeGreaterThan ([timespan]::Zero)
        $r.ExecutionId | Should -Match '^exec-\d+$'
        $r.FuelConsumed | Should -BeNullOrEmpty
    }

    It 'tells a timeout from a guest that itself exits 124, without throwing' {
        $ErrorActionPreference = 'Stop'
        $timedOut = Invoke-WasmModule $spin -Timeout 0.5 -AsResult
        $timedOut.ExitCode | Should -Be 124
        $timedOut.Reason | Should -Be 'TimedOut'
        $timedOut.Message | Should -BeLike 'the timeout of 0.5 s expired*'
        $own = Invoke-WasmModule $stdio exit 124 -AsResult
        $own.ExitCode | Should -Be 124
        $own.Reason | Should -Be 'Exited'
        $own.Message | Should -BeNullOrEmpty
        $LASTEXITCODE | Should -Be 124
    }

    It 'reports fuel when metered' {
        (Invoke-WasmModule $stdio args -MaxFuel 1e9 -AsResult).FuelConsumed | Should -BeGreaterThan 0
    }
}

Describe 'Resource figures on the exited event, the execution and -Verbose' {
    It 'are the same figures everywhere' {
        $events = 'twelve bytes' | Start-WasmExecution -Context (New-WasmContext $stdio) -ArgumentList echo -Wait
        $exited = $events | Where-Object Kind -eq Exited
        $exited.StdinBytes | Should -Be 13 -Because 'a pipeline string reaches stdin with its newline'
        $exited.StdoutBytes | Should -Be 13
        $exited.StderrBytes | Should -Be ("EOF after 13 bytes`n".Length)
        $exec = Get-WasmExecution | Where-Object ExitedEvent -eq $exited
        $exec.StdinBytes | Should -Be 13
        $exec.PeakMemoryBytes | Should -Be $exited.PeakMemoryBytes
        $exec.CpuTime | Should -Be $exited.CpuTime
        $exec.Duration | Should -Be $exited.Duration
        $exec.Duration | Should -BeOfType [TimeSpan]
    }

    It 'counts memory growth in the peak and shows it with -Verbose' {
        $verbose = Invoke-WasmModule $grow -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -BeLike "*exited 0 (Exited); wall * ms, cpu * ms, peak memory $(4 * 65536) B, stdin 0 B, stdout 0 B, stderr 0 B, fuel not metered*"
    }
}

Describe 'Timeouts in seconds' {
    It 'takes a bare number as seconds on Start-WasmExecution: <Value>' -ForEach @(
        @{ Value = 2; Expected = [timespan]::FromSeconds(2) }
        @{ Value = 0.5; Expected = [timespan]::FromMilliseconds(500) }
        @{ Value = '5'; Expected = [timespan]::FromSeconds(5) }
        @{ Value = '0.25'; Expected = [timespan]::FromMilliseconds(250) }
        @{ Value = '00:00:05'; Expected = [timespan]::FromSeconds(5) }
        @{ Value = [timespan]'00:01:00'; Expected = [timespan]::FromMinutes(1) }
        @{ Value = -1; Expected = [System.Threading.Timeout]::InfiniteTimeSpan }
    ) {
        $exec = Start-WasmExecution -Context (New-WasmContext $stdio) -ArgumentList args -Timeout $Value
        $exec.Policy.Limits.Timeout | Should -Be $Expected
        $exec | Wait-WasmExecution -Timeout 30 | Out-Null
    }

    It 'ends a guest after -Timeout 0.5 of Invoke-WasmModule' {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        (Invoke-WasmModule $spin -Timeout 0.5 -AsResult).Reason | Should -Be 'TimedOut'
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
    }

    It 'waits in seconds on Receive-WasmEvent and Wait-WasmExecution' {
        $exec = Start-WasmExecution -Context (New-WasmContext $spin) -Timeout 30
        try {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            Receive-WasmEvent -Execution $exec -Wait -Timeout 0.3 | Should -BeNullOrEmpty
            Wait-WasmExecution -Execution $exec -Timeout 0.3 | Should -BeNullOrEmpty
            $clock.Elapsed.TotalSeconds | Should -BeGreaterThan 0.5
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
        }
        finally { $exec.Stop() }
        Wait-WasmExecution -Execution $exec -Timeout '10' | Should -Be $exec
    }

    It 'refuses <Value> with a message that says what a timeout is' -ForEach @(
        @{ Value = 'abc'; Message = "*Cannot use 'abc' as a timeout*A number means seconds*" }
        @{ Value = -2; Message = '*0 or more (or -1 for no limit)*' }
        @{ Value = 0; Message = '*between 0.001 s and 2073600 s (24 days)*' }
        @{ Value = 3e6; Message = '*out of range*' }
    ) {
        { Start-WasmExecution -Context (New-WasmContext $stdio) -Timeout $Value } | Should -Throw $Message
        { Invoke-WasmModule $stdio -Timeout $Value } | Should -Throw $Message
    }

    It 'accepts 0 on a wait: only what is there now' {
        $exec = Start-WasmExecution -Context (New-WasmContext $spin) -Timeout 30
        try { Wait-WasmExecution -Execution $exec -Timeout 0 | Should -BeNullOrEmpty }
        finally { $exec.Stop() }
    }
}

Describe 'New-WasmCommand' {
    It 'defines a function that Get-Command shows and that passes every argument through' {
        New-WasmCommand -Name sqlite3 -Path $stdio -PermissionTier ReadWrite
        $command = Get-Command sqlite3
        $command.CommandType | Should -Be 'Function'
        $command.Definition | Should -BeLike "*Invoke-WasmModule -Path '$stdio' -PermissionTier 'ReadWrite'*"
        sqlite3 args -m list :memory: 'select 1' -v | Should -Be @('stdio.wasm', 'args', '-m', 'list', ':memory:', 'select 1', '-v')
    }

    It 'streams pipeline input to the guest and sets $LASTEXITCODE and $?' {
        New-WasmCommand -Name lines -Path $stdio
        'first', 'second' | lines lines | Should -Be @('1: first', '2: second')
        lines exit 9
        $ok = $?
        $LASTEXITCODE | Should -Be 9
        $ok | Should -BeFalse
        lines exit 9 || ($fallback = 'ran')
        $fallback | Should -Be 'ran'
        lines exit 0 && ($next = 'ran')
        $next | Should -Be 'ran'
    }

    It 'keeps the settings it was given, and stderr merges with 2>&1' {
        New-WasmCommand -Name envprobe -Path $stdio -Environment @{ GREETING = "it's here" } -Timeout 0.5
        envprobe env | Should -Be "GREETING=it's here"
        New-WasmCommand -Name clockprobe -Path $stdio -ClockStart '2024-01-01T00:00:00Z'
        clockprobe clock | Select-Object -First 1 | Should -Be 'realtime 1704067200.000000000'
        New-WasmCommand -Name spinner -Path $spin -Timeout 0.5
        $ErrorActionPreference = 'Continue' # a wasm command, like a native one, takes no -ErrorAction: it would go to the guest
        $r = spinner 2>&1
        $LASTEXITCODE | Should -Be 124
        $r.Exception | Should -BeOfType [WasmSandbox.WasmExecutionEndedException]
        $merged = envprobe 2>&1
        $merged[0] | Should -BeOfType [System.Management.Automation.ErrorRecord]
        "$($merged[0])" | Should -BeLike 'usage: stdio*'
    }

    It 'leaves no context behind, and is gone once its function is removed' {
        $before = @(Get-WasmContext).Count
        New-WasmCommand -Name gone -Path $stdio -Scope Global
        1..3 | ForEach-Object { gone exit 0 }
        @(Get-WasmContext).Count | Should -Be $before
        Remove-Item Function:\gone
        Get-Command gone -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'refuses a name in use without -Force, and a module that is not a file' {
        New-WasmCommand -Name twice -Path $stdio
        { New-WasmCommand -Name twice -Path $wordfreq } | Should -Throw -ErrorId 'WasmCommandNameInUse,WasmSandbox.Commands.NewWasmCommandCommand'
        New-WasmCommand -Name twice -Path $wordfreq -Force
        (Get-Command twice).Definition | Should -BeLike '*wordfreq.wasm*'
        { New-WasmCommand -Name missing -Path (Join-Path $dir 'nope.wasm') } | Should -Throw -ErrorId 'WasmCommandModuleNotFound,WasmSandbox.Commands.NewWasmCommandCommand'
        { New-WasmCommand -Name 'bad name;' -Path $stdio } | Should -Throw -ErrorId 'ParameterArgumentValidationError,WasmSandbox.Commands.NewWasmCommandCommand'
    }
}
