BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-StagedModule
    $script:dir = (New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "ws-$([guid]::NewGuid())")).FullName
    # Writes "hello" and exits with nwritten, or 100 + errno when the write fails.
    $body = @'
(local $r i32)
(i32.store (i32.const 0) (i32.const 1024)) (i32.store (i32.const 4) (i32.const 5))
(local.set $r (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
(if (local.get $r) (then (call $proc_exit (i32.add (i32.const 100) (local.get $r)))))
(call $proc_exit (i32.load (i32.const 8)))
'@
    $script:writer = New-WasmContext (New-WatFile $dir 'writer.wat' (New-WatCommand $body '(data (i32.const 1024) "hello")'))
    function Get-Request($exec) {
        Receive-WasmEvent -Execution $exec -Wait -Kind SyncRpcRequest -Timeout 00:00:10 | Select-Object -First 1
    }
}

AfterAll { Remove-Item $script:dir -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'Send-WasmRpcResponse' {
    It 'answers a kernel-mode write with a byte count the guest sees' {
        $exec = Start-WasmExecution -Context $writer -StdioMode SyncRpc
        $request = Get-Request $exec
        $request.Method | Should -Be '__kernel_stdio_write'
        $request.Args[0] | Should -Be 1
        [Text.Encoding]::UTF8.GetString($request.Args[1]) | Should -Be 'hello'
        $request | Send-WasmRpcResponse -Result 2
        $exec.Wait([timespan]'00:00:10') | Should -BeTrue
        $exec.ExitCode | Should -Be 2
        Receive-WasmEvent -Execution $exec | Where-Object Kind -in 'Stdout', 'Stderr' | Should -BeNullOrEmpty
    }

    It 'passes an errno to the guest' {
        $exec = Start-WasmExecution -Context $writer -StdioMode SyncRpc
        Send-WasmRpcResponse -Request (Get-Request $exec) -ErrorCode 8
        $exec.Wait([timespan]'00:00:10') | Should -BeTrue
        $exec.ExitCode | Should -Be 108
    }

    It 'refuses a second answer with a clear error' {
        $exec = Start-WasmExecution -Context $writer -StdioMode SyncRpc
        $request = Get-Request $exec
        $request | Send-WasmRpcResponse -Result 5
        $request | Send-WasmRpcResponse -Result 5 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'RpcAlreadyAnswered,WasmSandbox.Commands.SendWasmRpcResponseCommand'
        $err[0].Exception.Message | Should -BeLike '*already answered*'
    }

    It 'lets the timeout end a guest waiting on an unanswered request' {
        $exec = Start-WasmExecution -Context $writer -StdioMode SyncRpc -Timeout 00:00:00.3
        $request = Get-Request $exec
        $exec.Wait([timespan]'00:00:10') | Should -BeTrue
        $exec.ExitReason | Should -Be 'TimedOut'
        { $request | Send-WasmRpcResponse -Result 5 -ErrorAction Stop } | Should -Throw -ErrorId 'RpcExecutionEnded,WasmSandbox.Commands.SendWasmRpcResponseCommand'
    }
}
