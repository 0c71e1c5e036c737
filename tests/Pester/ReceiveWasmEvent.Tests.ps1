BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-StagedModule
    $script:dir = (New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "ws-$([guid]::NewGuid())")).FullName
    $body = '(call $print (i32.const 1024) (i32.const 4) (i32.const 2)) (call $print (i32.const 1024) (i32.const 4) (i32.const 1))'
    $script:both = New-WasmContext (New-WatFile $dir 'both.wat' (New-WatCommand $body '(data (i32.const 1024) "abc\0a")'))
    $script:spin = New-WasmContext (New-WatFile $dir 'spin.wat' (New-WatCommand '(loop $l (br $l))'))
}

AfterAll { Remove-Item $script:dir -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'Receive-WasmEvent' {
    It 'delivers each event once, in order, ending with the exited event' {
        $exec = Start-WasmExecution -Context $both
        $events = Receive-WasmEvent -Execution $exec -Wait
        $events.Kind | Should -Be @('Stderr', 'Stdout', 'Exited')
        $events.Sequence | Should -Be @(1, 2, 3)
        $events[0] | Should -BeOfType ([WasmSandbox.WasmStderrEvent])
        $events[2].Reason | Should -Be 'Exited'
        Receive-WasmEvent -Execution $exec | Should -BeNullOrEmpty
    }

    It 'filters by -Kind and leaves other events for a later call' {
        $exec = Start-WasmExecution -Context $both
        (Receive-WasmEvent -Execution $exec -Wait -Kind Stdout).Text | Should -Be "abc`n"
        (Receive-WasmEvent -Execution $exec -Wait).Kind | Should -Be @('Stderr', 'Exited')
    }

    It 'takes executions from the pipeline' {
        $events = Start-WasmExecution -Context $both | Receive-WasmEvent -Wait
        $events.Count | Should -Be 3
    }

    It 'stops waiting after -Timeout while the guest keeps running' {
        $exec = Start-WasmExecution -Context $spin -Timeout 00:00:30
        $clock = [Diagnostics.Stopwatch]::StartNew()
        Receive-WasmEvent -Execution $exec -Wait -Timeout 00:00:00.3 | Should -BeNullOrEmpty
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
        $exec.State | Should -Be 'Running'
        $exec.Stop()
        (Receive-WasmEvent -Execution $exec -Wait).Reason | Should -Be 'Stopped'
    }
}
