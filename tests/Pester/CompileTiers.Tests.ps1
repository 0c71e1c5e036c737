BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-StagedModule

    # A module no other test (or earlier run) compiled: its data is a fresh id, which it prints.
    function New-UniqueGuest([string] $Directory) {
        $id = [guid]::NewGuid().ToString('N')
        $wat = New-WatCommand -Body '(call $print (i32.const 1024) (i32.const 33) (i32.const 1))' -Extra "(data (i32.const 1024) `"$id\0a`")"
        [pscustomobject]@{ Path = New-WatFile $Directory "tier-$id.wat" $wat; Id = $id }
    }

    $script:spin = New-WatCommand -Body '(loop $l (br $l))'
    # Cranelift compiles a tail call; Winch (no tail-call support) refuses it.
    $script:tailCall = New-WatCommand -Body '(drop (call $count (i32.const 1000))) (call $print (i32.const 1024) (i32.const 3) (i32.const 1))' -Extra @'
(data (i32.const 1024) "ok\0a")
(data (i32.const 2048) "UNIQUE")
(func $count (param $n i32) (result i32)
  (if (result i32) (i32.eqz (local.get $n))
    (then (i32.const 0))
    (else (return_call $count (i32.sub (local.get $n) (i32.const 1))))))
'@
}

Describe 'Compiler tiers' {
    It 'runs a first start on baseline code, and on optimized code once -Precompile has waited for it' {
        $guest = New-UniqueGuest $TestDrive
        $first = Invoke-WasmModule $guest.Path -AsResult
        $first.ExitCode | Should -Be 0
        $first.Stdout | Should -BeExactly "$($guest.Id)`n"
        $warmup = (Get-WasmExecution -Id $first.ExecutionId).Warmup
        $warmup.Tier | Should -Be ([WasmSandbox.WasmCompileTier]::Baseline)
        $warmup.Source | Should -Be 'compiled'
        $warmup.OptimizedPending | Should -BeTrue
        "$warmup" | Should -Match 'baseline code; optimized code being compiled'

        $output = New-WasmContext $guest.Path -Precompile -Verbose 4>&1
        $ready = $output | Where-Object { $_ -is [WasmSandbox.WasmContext] }
        ($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Match 'optimized code; cache'
        $next = Start-WasmExecution $ready -Wait
        $next[-1].ExitCode | Should -Be 0
        $exec = Get-WasmExecution -Id $next[-1].ExecutionId
        $exec.Warmup.Tier | Should -Be ([WasmSandbox.WasmCompileTier]::Optimized)
        $exec.Warmup.Source | Should -Be 'memory'
    }

    It 'says in -Verbose which tier compiled and runs' {
        $guest = New-UniqueGuest $TestDrive
        $verbose = Invoke-WasmModule $guest.Path -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match 'module compiled in .* ms; baseline code \(optimized code being compiled in the background\)'
        $optimized = New-UniqueGuest $TestDrive
        $verbose = Invoke-WasmModule $optimized.Path -CompilePolicy Optimized -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match 'module compiled in .* ms; optimized code; cache'
    }

    It 'keeps to -CompilePolicy Optimized and Baseline' {
        $guest = New-UniqueGuest $TestDrive
        $baseline = Invoke-WasmModule $guest.Path -CompilePolicy Baseline -AsResult
        $baseline.Stdout | Should -BeExactly "$($guest.Id)`n"
        $b = (Get-WasmExecution -Id $baseline.ExecutionId).Warmup
        $b.Tier | Should -Be 'Baseline'
        $b.OptimizedPending | Should -BeFalse

        $optimized = Invoke-WasmModule $guest.Path -CompilePolicy Optimized -AsResult
        $optimized.Stdout | Should -BeExactly "$($guest.Id)`n"
        (Get-WasmExecution -Id $optimized.ExecutionId).Warmup.Tier | Should -Be 'Optimized'
        { Invoke-WasmModule $guest.Path -CompilePolicy Fastest } | Should -Throw -ErrorId 'CannotConvertArgumentNoMessage,WasmSandbox.Commands.InvokeWasmModuleCommand'
    }

    It 'runs a real C program on baseline code with the same output as on optimized code' {
        $stdio = Get-GuestPath 'stdio.wasm'
        $baseline = 'a b c' | Invoke-WasmModule $stdio echo -CompilePolicy Baseline -AsResult
        $optimized = 'a b c' | Invoke-WasmModule $stdio echo -CompilePolicy Optimized -AsResult
        (Get-WasmExecution -Id $baseline.ExecutionId).Warmup.Tier | Should -Be 'Baseline'
        $baseline.Stdout | Should -BeExactly $optimized.Stdout
        $baseline.ExitCode | Should -Be $optimized.ExitCode
    }

    It 'holds -Timeout, -MaxFuel and Stop on baseline code' {
        $path = New-WatFile $TestDrive 'tier-spin.wat' $spin
        $timedOut = Invoke-WasmModule $path -CompilePolicy Baseline -Timeout 0.3 -AsResult
        $timedOut.Reason | Should -Be 'TimedOut'
        $timedOut.ExitCode | Should -Be 124
        (Get-WasmExecution -Id $timedOut.ExecutionId).Warmup.Tier | Should -Be 'Baseline'
        $fuel = Invoke-WasmModule $path -CompilePolicy Baseline -MaxFuel 100000 -AsResult
        $fuel.Reason | Should -Be 'FuelExhausted'
        $fuel.FuelConsumed | Should -BeLessOrEqual 100000
        $running = Start-WasmExecution (New-WasmContext $path) -CompilePolicy Baseline -Timeout -1
        Start-Sleep -Milliseconds 100
        $running | Stop-WasmExecution
        $end = $running | Receive-WasmEvent -Wait | Select-Object -Last 1
        $end.Reason | Should -Be 'Stopped'
        $running.Warmup.Tier | Should -Be 'Baseline'
    }

    It 'runs a module the baseline compiler refuses on optimized code, with a note and no error' {
        # Unique content, so no earlier run's optimized code is in the disk cache.
        $path = New-WatFile $TestDrive 'tier-tail.wat' $tailCall.Replace('UNIQUE', [guid]::NewGuid().ToString('N'))
        $result = Invoke-WasmModule $path -AsResult -ErrorAction Stop
        $result.Stdout | Should -BeExactly "ok`n"
        $warmup = (Get-WasmExecution -Id $result.ExecutionId).Warmup
        $warmup.Tier | Should -Be 'Optimized'
        $warmup.Note | Should -Match 'the baseline compiler \(Winch\) cannot compile the module \(wasm\[0\]::function\[\d+\].*tail calls.*\); it runs on optimized code'
    }

    It 'passes -CompilePolicy through New-WasmCommand' {
        $guest = New-UniqueGuest $TestDrive
        New-WasmCommand -Name tiercmd -Path $guest.Path -CompilePolicy Baseline
        (Get-Command tiercmd).Definition | Should -Match "-CompilePolicy 'Baseline'"
        tiercmd | Should -BeExactly $guest.Id
        (Get-WasmExecution | Select-Object -Last 1).Warmup.Tier | Should -Be 'Baseline'
    }

    It 'leaves the optimized code of a small module in the disk cache when the session ends right after its first run' {
        # pwsh -c, a runbook's job: the session ends as soon as its one run does. It waits (a few seconds at most) for
        # the background compile, so the next session loads optimized code instead of compiling again.
        $guest = New-UniqueGuest $TestDrive
        $cache = Join-Path $TestDrive "cache-$([guid]::NewGuid().ToString('N'))"
        $command = @"
`$ErrorActionPreference = 'Stop'
Import-Module $(ConvertTo-QuotedLiteral (Get-Module WasmSandbox).Path)
`$result = Invoke-WasmModule $(ConvertTo-QuotedLiteral $guest.Path) -AsResult
`$warmup = (Get-WasmExecution -Id `$result.ExecutionId).Warmup
"`$(`$result.Stdout.Trim())|`$(`$warmup.Source)|`$(`$warmup.Tier)"
"@
        $sessions = @(Invoke-SessionsWithCache $command $cache)
        $sessions[0] | Should -BeExactly "$($guest.Id)|compiled|Baseline"
        $sessions[1] | Should -BeExactly "$($guest.Id)|disk|Optimized"
    }
}
