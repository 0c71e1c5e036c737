using Xunit;

namespace WasmSandbox.Tests;

public class KernelModeTests
{
    private static readonly WasmExecutionOptions Kernel = new() { StdioMode = WasmStdioMode.SyncRpc };

    // Writes "hello" to stdout and exits with nwritten, or 100 + errno on failure (WASI exit codes stop at 125).
    private static readonly string WriteHello = Wat.Command("""
        (local $r i32)
        (i32.store (i32.const 0) (i32.const 1024)) (i32.store (i32.const 4) (i32.const 5))
        (local.set $r (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (if (local.get $r) (then (call $proc_exit (i32.add (i32.const 100) (local.get $r)))))
        (call $proc_exit (i32.load (i32.const 8)))
        """, Wat.Data("hello"));

    private static WasmSyncRpcRequestEvent NextRequest(WasmExecution exec)
    {
        WasmSyncRpcRequestEvent? request = null;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (request is null && DateTime.UtcNow < deadline)
        {
            WasmEventReceiver.Receive(new[] { exec }, new[] { WasmEventKind.SyncRpcRequest }, false, TimeSpan.Zero, CancellationToken.None,
                e => request ??= (WasmSyncRpcRequestEvent)e);
            Thread.Sleep(2);
        }
        return request ?? throw new TimeoutException("no request arrived");
    }

    [Fact]
    public void StdoutWriteBecomesARequestAnsweredWithAByteCount()
    {
        using var sandbox = new Sandbox();
        var exec = sandbox.Start(WriteHello, Kernel);
        var request = NextRequest(exec);
        Assert.Equal(KernelMethods.StdioWrite, request.Method);
        Assert.Equal(1, request.Args[0]);
        Assert.Equal("hello"u8.ToArray(), (byte[])request.Args[1]);
        Assert.Equal(WasmExecutionState.Running, exec.State); // the guest waits for the answer
        request.Respond(3);
        var run = Sandbox.Collect(exec);
        Assert.Equal(3, run.ExitCode);
        Assert.DoesNotContain(run.Events, e => e.Kind is WasmEventKind.Stdout or WasmEventKind.Stderr);
        var again = Assert.Throws<WasmRpcException>(() => request.Respond(5));
        Assert.Equal("RpcAlreadyAnswered", again.ErrorId);
    }

    [Fact]
    public void AnErrnoAnswerIsWhatTheGuestSees()
    {
        using var sandbox = new Sandbox();
        var exec = sandbox.Start(WriteHello, Kernel);
        NextRequest(exec).Respond(null, errno: 8);
        Assert.Equal(108, Sandbox.Collect(exec).ExitCode);
    }

    [Fact]
    public void PollIsAnsweredWithOneReadyFd()
    {
        using var sandbox = new Sandbox();
        // Subscribes fd 0 readable (userdata 0x1234) and fd 1 writable (userdata 0x55); exits 0 when exactly one
        // event came back, for userdata 0x1234 with type fd_read; otherwise a bit per mismatch.
        var exec = sandbox.Start(Wat.Command("""
            (i64.store (i32.const 64) (i64.const 0x1234)) (i32.store8 (i32.const 72) (i32.const 1)) (i32.store (i32.const 80) (i32.const 0))
            (i64.store (i32.const 112) (i64.const 0x55)) (i32.store8 (i32.const 120) (i32.const 2)) (i32.store (i32.const 128) (i32.const 1))
            (drop (call $poll (i32.const 64) (i32.const 256) (i32.const 2) (i32.const 40)))
            (call $proc_exit (i32.or (i32.or
              (i32.ne (i32.load (i32.const 40)) (i32.const 1))
              (i32.shl (i64.ne (i64.load (i32.const 256)) (i64.const 0x1234)) (i32.const 1)))
              (i32.shl (i32.ne (i32.load8_u (i32.const 266)) (i32.const 1)) (i32.const 2))))
            """, imports: Wat.Imports + """(import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))"""), Kernel);
        var request = NextRequest(exec);
        Assert.Equal(KernelMethods.Poll, request.Method);
        var subs = ((object[])request.Args[0]).Cast<IDictionary<string, object>>().ToArray();
        Assert.Equal(new[] { (0, 1), (1, 2) }, subs.Select(s => ((int)s["fd"], (int)s["events"])));
        Assert.Equal(-1, request.Args[1]);
        request.Respond(new System.Collections.Hashtable
        {
            ["readyCount"] = 1,
            ["fds"] = new object[] { new System.Collections.Hashtable { ["fd"] = 0, ["events"] = 1, ["revents"] = 1 } },
        });
        Assert.Equal(0, Sandbox.Collect(exec).ExitCode);
    }

    [Fact]
    public void ARepeatedFdIsAskedOnceAndEverySubscriptionOfItIsAnswered()
    {
        using var sandbox = new Sandbox();
        // 1000 subscriptions of fd 0 readable (48 bytes each from 4096, userdata = index): the host sees one entry,
        // and all 1000 come back ready. Exits with the event count / 8 (125).
        var exec = sandbox.Start(Wat.Command("""
            (local $i i32)
            (block $done (loop $next
              (br_if $done (i32.ge_u (local.get $i) (i32.const 1000)))
              (i64.store (i32.add (i32.const 4096) (i32.mul (local.get $i) (i32.const 48))) (i64.extend_i32_u (local.get $i)))
              (i32.store8 (i32.add (i32.const 4104) (i32.mul (local.get $i) (i32.const 48))) (i32.const 1))
              (i32.store (i32.add (i32.const 4112) (i32.mul (local.get $i) (i32.const 48))) (i32.const 0))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $next)))
            (drop (call $poll (i32.const 4096) (i32.const 65536) (i32.const 1000) (i32.const 40)))
            (call $proc_exit (i32.div_u (i32.load (i32.const 40)) (i32.const 8)))
            """, imports: Wat.Imports + """(import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))""",
            memory: "(memory (export \"memory\") 2)"), Kernel);
        var request = NextRequest(exec);
        var subs = ((object[])request.Args[0]).Cast<IDictionary<string, object>>().ToArray();
        Assert.Equal(new[] { (0, 1) }, subs.Select(s => ((int)s["fd"], (int)s["events"])));
        request.Respond(new System.Collections.Hashtable
        {
            ["readyCount"] = 1,
            ["fds"] = new object[] { new System.Collections.Hashtable { ["fd"] = 0, ["events"] = 1, ["revents"] = 1 } },
        });
        Assert.Equal(125, Sandbox.Collect(exec).ExitCode);
    }

    [Fact]
    public void AnUnansweredRequestIsEndedByTheTimeout()
    {
        using var sandbox = new Sandbox();
        var exec = sandbox.Start(WriteHello, new WasmExecutionOptions { StdioMode = WasmStdioMode.SyncRpc, Timeout = TimeSpan.FromMilliseconds(300) });
        var request = NextRequest(exec);
        var run = Sandbox.Collect(exec);
        Assert.Equal(WasmExitReason.TimedOut, run.Exited.Reason);
        Assert.Equal("RpcExecutionEnded", Assert.Throws<WasmRpcException>(() => request.Respond(5)).ErrorId);
    }

    [Fact]
    public void AMalformedPollAnswerIsRefusedAndTheRequestStaysOpen()
    {
        using var sandbox = new Sandbox();
        var exec = sandbox.Start(WriteHello, Kernel);
        var request = NextRequest(exec);
        Assert.Equal("InvalidRpcResult", Assert.Throws<WasmRpcException>(() => request.Respond("five")).ErrorId);
        Assert.False(request.IsAnswered);
        request.Respond(5);
        Assert.Equal(5, Sandbox.Collect(exec).ExitCode);
    }
}

public class SignalControlLineTests
{
    [Fact]
    public void AControlLineOnStdoutBecomesAnEventAndLeavesTheRestIntact()
    {
        using var sandbox = new Sandbox();
        const string line = "__AGENT_OS_WASM_SIGNAL_STATE__:{\\\"signal\\\":2,\\\"registration\\\":{\\\"action\\\":\\\"user\\\",\\\"mask\\\":[15],\\\"flags\\\":4660}}";
        string text = "hello\\0a" + line + "\\0aworld\\0a";
        int length = 6 + 101 + 1 + 6;
        var run = sandbox.RunToEnd(Wat.Command(Wat.Print(1024, length), Wat.Data(text)));
        Assert.Equal("hello\nworld\n", run.Stdout);
        var signal = Assert.Single(run.Events.OfType<WasmSignalStateEvent>());
        Assert.Equal((2, WasmSignalAction.User, 4660u), (signal.Signal, signal.Action, signal.Flags));
        Assert.Equal(new[] { 15 }, signal.Mask);
        Assert.Equal(new[] { WasmEventKind.Stdout, WasmEventKind.SignalState, WasmEventKind.Stdout, WasmEventKind.Exited },
            run.Events.Select(e => e.Kind));
    }

    [Fact]
    public void APartialPrefixAtExitIsFlushedAsStdout()
    {
        using var sandbox = new Sandbox();
        var run = sandbox.RunToEnd(Wat.Command(Wat.Print(1024, 10), Wat.Data("__AGENT_OS")));
        Assert.Equal("__AGENT_OS", run.Stdout);
    }
}
