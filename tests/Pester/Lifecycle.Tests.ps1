# The PowerShell experience: contexts and executions as session objects, jobs, native-command runs, completion.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-StagedModule
    $script:dir = (New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "ws-$([guid]::NewGuid())")).FullName
    $script:spin = New-WasmContext (New-WatFile $dir 'spin.wat' (New-WatCommand '(loop $l (br $l))'))
    $script:hello = New-WasmContext (New-WatFile $dir 'hello.wat' (New-WatCommand '(call $print (i32.const 1024) (i32.const 6) (i32.const 1))' '(data (i32.const 1024) "hello\0a")'))
    $script:stdio = Get-GuestPath 'stdio.wasm'
    $script:wordfreq = Get-GuestPath 'wordfreq.wasm'
}

AfterAll {
    Get-WasmExecution -State Running | Stop-WasmExecution
    Remove-Item $script:dir -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-WasmContext and Remove-WasmContext' {
    It 'lists contexts, by id with wildcards, and reports an unknown id' {
        $ctx = New-WasmContext './x.wasm'
        (Get-WasmContext).ContextId | Should -Contain $ctx.ContextId
        (Get-WasmContext -Id $ctx.ContextId).ModulePath | Should -Be './x.wasm'
        @(Get-WasmContext -Id 'wasm-ctx-*').Count | Should -BeGreaterOrEqual 2
        Get-WasmContext -Id 'wasm-ctx-999999' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'ContextNotFound,WasmSandbox.Commands.GetWasmContextCommand'
    }

    It 'removes a context so it no longer lists or starts' {
        $ctx = New-WasmContext $hello.ModulePath
        $ctx | Remove-WasmContext
        Get-WasmContext -Id $ctx.ContextId -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        { Start-WasmExecution -Context $ctx } | Should -Throw -ErrorId 'ContextRemoved,WasmSandbox.Commands.StartWasmExecutionCommand'
    }

    It 'honours -WhatIf' {
        $ctx = New-WasmContext './y.wasm'
        Remove-WasmContext -Id $ctx.ContextId -WhatIf
        Get-WasmContext -Id $ctx.ContextId | Should -Not -BeNullOrEmpty
    }
}

Describe 'Get-, Wait- and Stop-WasmExecution' {
    It 'finds executions by id and state' {
        $e = Start-WasmExecution -Context $spin
        (Get-WasmExecution -Id $e.ExecutionId).ExecutionId | Should -Be $e.ExecutionId
        (Get-WasmExecution -State Running).ExecutionId | Should -Contain $e.ExecutionId
        $e | Stop-WasmExecution
        (Get-WasmExecution -State Stopped).ExecutionId | Should -Contain $e.ExecutionId
    }

    It 'stops a tight loop within 100 ms' {
        $e = Start-WasmExecution -Context $spin
        Start-Sleep -Milliseconds 50
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $stopped = $e | Stop-WasmExecution -PassThru
        $clock.ElapsedMilliseconds | Should -BeLessThan 100
        $stopped.State | Should -Be 'Stopped'
        (Receive-WasmEvent -Execution $e -Wait | Select-Object -Last 1).Reason | Should -Be 'Stopped'
    }

    It 'waits for all, or with -Any for the first, and outputs those that ended' {
        $quick = Start-WasmExecution -Context $hello
        $slow = Start-WasmExecution -Context $spin
        $first = Wait-WasmExecution -Execution $quick, $slow -Any -Timeout 10
        $first.ExecutionId | Should -Be $quick.ExecutionId
        Wait-WasmExecution -Execution $slow -Timeout 1 | Should -BeNullOrEmpty
        $slow.Stop()
        (Wait-WasmExecution -Execution $quick, $slow -Timeout 10).Count | Should -Be 2
    }
}

Describe 'Start-WasmExecution -AsJob' {
    It 'behaves like a job: Get-Job, Wait-Job, Receive-Job, Remove-Job' {
        $job = Start-WasmExecution -Context $hello -AsJob
        $job | Should -BeOfType ([System.Management.Automation.Job])
        (Get-Job -Id $job.Id).PSJobTypeName | Should -Be 'WasmJob'
        $job | Wait-Job -Timeout 10 | Out-Null
        $job.State | Should -Be 'Completed'
        $events = Receive-Job $job
        ($events | Where-Object Kind -eq Stdout).Text | Should -Be "hello`n"
        ($events | Select-Object -Last 1) | Should -BeOfType ([WasmSandbox.WasmExitedEvent])
        Remove-Job $job
        Get-Job -Id $job.Id -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'maps a failure to Failed and Stop-Job to Stopped' {
        $failed = Start-WasmExecution -Context (New-WasmContext $stdio) -ArgumentList 'exit', '3' -AsJob
        $failed | Wait-Job -Timeout 10 | Out-Null
        $failed.State | Should -Be 'Failed'
        $running = Start-WasmExecution -Context $spin -AsJob
        $running | Stop-Job
        $running.State | Should -Be 'Stopped'
        Remove-Job $failed, $running
    }
}

Describe 'Invoke-WasmModule' {
    It 'behaves like a native command: lines out, stdin in, $LASTEXITCODE set' {
        $lines = 'b a b', 'c' | Invoke-WasmModule $wordfreq --top 2 2>$null
        $lines | Should -Be @('2 b', '1 a')
        $LASTEXITCODE | Should -Be 0
        Invoke-WasmModule $stdio exit 7
        $LASTEXITCODE | Should -Be 7
    }

    It 'merges stderr lines into the output with 2>&1 as error records' {
        $all = 'x' | Invoke-WasmModule $wordfreq 2>&1
        $all[0] | Should -Be '1 x'
        $all[1].FullyQualifiedErrorId | Should -BeLike 'WasmGuestStderr*'
        "$($all[1])" | Should -BeLike 'wordfreq: 1 words, 1 distinct*'
    }

    It 'emits raw bytes with -AsByteStream' {
        $chunks = @(Invoke-WasmModule $hello.ModulePath -AsByteStream)
        $chunks[0].GetType() | Should -Be ([byte[]])
        [Text.Encoding]::ASCII.GetString($chunks[0]) | Should -Be "hello`n"
    }

    It 'does not end the command or the guest at a stderr line under -ErrorAction Stop' {
        { 'x' | Invoke-WasmModule $wordfreq -ErrorAction Stop 2>&1 } | Should -Not -Throw
        $LASTEXITCODE | Should -Be 0
        Get-WasmExecution -State Running | Where-Object ModulePath -eq $wordfreq | Should -BeNullOrEmpty
    }

    It 'ends the guest at its timeout' {
        Invoke-WasmModule $spin.ModulePath -Timeout 0.2 -ErrorAction SilentlyContinue
        $LASTEXITCODE | Should -Be 124
    }
}

Describe 'Tab completion' {
    It 'completes -Context with context ids, which -Context takes' {
        $ctx = New-WasmContext './complete-me.wasm'
        $matches = (TabExpansion2 -inputScript 'Start-WasmExecution -Context wasm-ctx-').CompletionMatches
        ($matches | Where-Object ListItemText -eq $ctx.ContextId).CompletionText | Should -Be $ctx.ContextId
    }

    It 'leaves a balanced command line, even completed to the common prefix of several candidates' {
        # PSReadLine's Emacs-mode Tab (the default on Linux and macOS) inserts what all candidates share; an expression
        # such as '(Get-WasmContext -Id wasm-ctx-1)' as completion text would leave '(Get-WasmContext -Id wasm-ctx-'.
        New-WasmContext './a.wasm', './b.wasm' | Out-Null
        Start-WasmExecution -Context $hello | Out-Null
        Start-WasmExecution -Context $hello | Out-Null
        foreach ($line in 'Start-WasmExecution -Context wasm-ctx-', 'Start-WasmExecution ', 'Remove-WasmContext -Context w',
            'Stop-WasmExecution ', 'Wait-WasmExecution -Execution exec-', 'Receive-WasmEvent -Execution ', 'Get-WasmContext -Id ') {
            $result = TabExpansion2 -inputScript $line -cursorColumn $line.Length
            $texts = @($result.CompletionMatches.CompletionText)
            $texts.Count | Should -BeGreaterThan 1 -Because "'$line' has several candidates"
            $common = $texts[0]
            foreach ($t in $texts) { while (-not $t.StartsWith($common)) { $common = $common.Substring(0, $common.Length - 1) } }
            foreach ($inserted in @($texts) + $common) {
                $completed = $line.Substring(0, $result.ReplacementIndex) + $inserted + $line.Substring($result.ReplacementIndex + $result.ReplacementLength)
                $errors = $null
                [System.Management.Automation.Language.Parser]::ParseInput($completed, [ref] $null, [ref] $errors) | Out-Null
                $errors | Should -BeNullOrEmpty -Because "'$completed' must parse"
            }
        }
    }

    It 'completes -Id of executions and -Kind' {
        $e = Start-WasmExecution -Context $hello
        (TabExpansion2 -inputScript 'Get-WasmExecution -Id exec-').CompletionMatches.CompletionText | Should -Contain $e.ExecutionId
        (TabExpansion2 -inputScript 'Receive-WasmEvent -Kind Std').CompletionMatches.CompletionText | Should -Be @('Stderr', 'Stdout')
    }
}

Describe 'A session under a virtual memory limit' {
    # The default engine reserves address space for its instance pool up front; Wasmtime aborts the process when
    # that fails, so a limited process must get the on-demand engine instead — and keep its session.
    It 'runs guests instead of losing the PowerShell process to ulimit -v' -Skip:$IsWindows {
        $command = @"
`$ErrorActionPreference = 'Stop'
Import-Module $(ConvertTo-QuotedLiteral (Get-Module WasmSandbox).Path)
`$events = Start-WasmExecution -Context (New-WasmContext $(ConvertTo-QuotedLiteral $hello.ModulePath)) -Wait
-join (`$events | Where-Object Kind -eq Stdout | ForEach-Object Text)
"@
        # 40 GB: room for .NET and PowerShell, far less than the pool's ~520 GiB reservation.
        $output = @(Invoke-NewSession $command -ShellPrefix 'ulimit -v 40000000')
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        ($output -join "`n").Trim() | Should -BeExactly "hello"
    }
}

Describe 'The compile cache across sessions' {
    It 'loads in a new session what an earlier session compiled' {
        $cache = Join-Path $dir "cache-$([guid]::NewGuid())"
        $command = @"
`$ErrorActionPreference = 'Stop'
Import-Module $(ConvertTo-QuotedLiteral (Get-Module WasmSandbox).Path)
`$events = Start-WasmExecution -Context (New-WasmContext $(ConvertTo-QuotedLiteral $wordfreq)) -Wait
(Get-WasmExecution -Id `$events[-1].ExecutionId).Warmup.Source
"@
        $sources = @(Invoke-SessionsWithCache $command $cache)
        $sources | Should -Be @('compiled', 'disk')
        @(Get-ChildItem -LiteralPath $cache -File).Count | Should -BeGreaterThan 0
    }
}
