using System.Diagnostics;
using Xunit;

namespace WasmSandbox.Tests;

/// <summary>
/// What a guest can make the host hold through its output: events (counted with their overhead, so floods of tiny
/// events wait like big ones), bytes per call (iovec count and total), poll subscriptions, and -MaxOutputBytes in
/// every stdio mode.
/// </summary>
public class ResourceOutputTests
{
    /// <summary>The tier these limits are tested on; <see cref="ResourceOutputTestsOnBaseline"/> runs them all on baseline code.</summary>
    private protected virtual WasmCompilePolicy Policy => WasmCompilePolicy.Optimized;

    private Sandbox NewSandbox() => new(Policy);

    private const string PollImport = """(import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))""";
    private const string SigactionImport = """(import "host_process" "proc_sigaction" (func $sigaction (param i32 i32 i32 i32 i32) (result i32)))""";
    private const string ControlLine = "__AGENT_OS_WASM_SIGNAL_STATE__:{\\\"signal\\\":2,\\\"registration\\\":{\\\"action\\\":\\\"user\\\",\\\"mask\\\":[15],\\\"flags\\\":0}}\\0a";

    // Writes $len bytes at 1024 to $fd forever.
    private static string Flood(int fd, int length, string data = "x") =>
        Wat.Command($"(loop $l {Wat.Print(1024, length, fd)} (br $l))", Wat.Data(data));

    public static TheoryData<string, string, WasmPermissionTier> Floods => new()
    {
        { "zero-length stderr writes", Flood(2, 0), WasmPermissionTier.Isolated },
        { "one-byte stdout writes", Flood(1, 1), WasmPermissionTier.Isolated },
        { "signal control lines", Flood(1, 99, ControlLine), WasmPermissionTier.Isolated },
        { "proc_sigaction calls", Wat.Command("(loop $l (drop (call $sigaction (i32.const 2) (i32.const 2) (i32.const 0) (i32.const 0) (i32.const 0))) (br $l))",
            imports: Wat.Imports + SigactionImport), WasmPermissionTier.Full },
    };

    [Theory]
    [MemberData(nameof(Floods))]
    public void AFloodOfTinyEventsWaitsWhenNobodyReceives(string what, string wat, WasmPermissionTier tier)
    {
        const long buffer = 64 * 1024;
        using var sandbox = NewSandbox();
        var exec = sandbox.Start(wat, new WasmExecutionOptions { PermissionTier = tier, OutputBufferBytes = buffer });
        // Long enough for millions of posts (the flood makes ~1 per microsecond); the queue must have stopped at
        // its capacity after ~512 of them.
        Thread.Sleep(500);
        long first = exec.Queue.PendingCost;
        Thread.Sleep(300);
        long second = exec.Queue.PendingCost;
        Assert.Equal(WasmExecutionState.Running, exec.State);
        Assert.True(second <= buffer, $"{what}: {second} bytes of events queued, capacity {buffer}");
        Assert.Equal(first, second);
        exec.Stop();
        var run = Sandbox.Collect(exec);
        Assert.Equal(WasmExitReason.Stopped, run.Exited.Reason);
        Assert.InRange(run.Events.Count, 2, buffer / EventQueue.EventOverheadBytes + 4);
    }

    [Fact]
    public void ZeroLengthWritesMakeNoEvent()
    {
        using var sandbox = NewSandbox();
        var run = sandbox.RunToEnd(Wat.Command(Wat.Print(1024, 0, 1) + Wat.Print(1024, 0, 2) + Wat.Print(1024, 3, 2), Wat.Data("abc")));
        Assert.Equal(0, run.ExitCode);
        var output = run.Events.OfType<WasmOutputEvent>().ToArray();
        Assert.Equal("abc", Assert.Single(output).Text);
    }

    [Fact]
    public async Task EveryEventCountsItsOverheadAndTheSandboxsLastWordsNeverWait()
    {
        var queue = new EventQueue("exec-test", Guid.NewGuid(), capacityBytes: 3 * EventQueue.EventOverheadBytes);
        using var cancel = new CancellationTokenSource();
        for (int i = 0; i < 3; i++)
        {
            queue.Post(new WasmStderrEvent(Array.Empty<byte>()), cancel.Token);
        }
        var fourth = Task.Run(() => queue.Post(new WasmStderrEvent(Array.Empty<byte>()), cancel.Token));
        Assert.NotSame(fourth, await Task.WhenAny(fourth, Task.Delay(200)));
        Assert.True(queue.TryTake(null, out _));
        Assert.Same(fourth, await Task.WhenAny(fourth, Task.Delay(5000)));
        // Full again; the sandbox's note and the exited event still go in at once.
        queue.Post(new WasmStderrEvent("note\n"u8.ToArray(), fromSandbox: true), CancellationToken.None, ignoreCapacity: true);
        queue.Complete(new WasmExitedEvent(0, WasmExitReason.Exited, TimeSpan.Zero, null, null));
        Assert.True(queue.IsCompleted);
    }

    [Theory]
    [InlineData(1025, 28, 0)]
    [InlineData(32767, 28, 0)]
    [InlineData(1024, 0, SandboxLimits.MaxBytesPerCall)]
    public void OverlappingIovecsAreCappedInCountAndBytes(int count, int errno, int written)
    {
        using var sandbox = NewSandbox();
        // count iovecs, all naming the same 64 KiB at 65536: up to 2 GiB of output from 8 pages. Exits with
        // fd_write's errno, or 99 when nwritten is not the expected short count.
        var run = sandbox.RunToEnd(Wat.Command($$"""
            (local $i i32) (local $e i32)
            (loop $fill
              (i32.store (i32.add (i32.const 131072) (i32.shl (local.get $i) (i32.const 3))) (i32.const 65536))
              (i32.store (i32.add (i32.const 131076) (i32.shl (local.get $i) (i32.const 3))) (i32.const 65536))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $fill (i32.lt_u (local.get $i) (i32.const {{count}}))))
            (local.set $e (call $fd_write (i32.const 1) (i32.const 131072) (i32.const {{count}}) (i32.const 8)))
            (if (local.get $e) (then (call $proc_exit (local.get $e))))
            (if (i32.ne (i32.load (i32.const 8)) (i32.const {{written}})) (then (call $proc_exit (i32.const 99))))
            """, memory: "(memory (export \"memory\") 8)"));
        Assert.Equal(errno, run.ExitCode);
        Assert.Equal(written, run.Events.OfType<WasmStdoutEvent>().Sum(e => e.Data.Length));
    }

    [Fact]
    public void AHugePollIsRefusedBeforeTheHostAllocatesForIt()
    {
        using var sandbox = NewSandbox();
        // 100 000 000 subscriptions: EINVAL (28), past the cap; 65 536 (the cap) from one page: EFAULT (21). Neither
        // may make the host allocate for the subscriptions first.
        foreach (var (count, errno) in new[] { (100_000_000, 28), (SandboxLimits.MaxPollSubscriptions, 21) })
        {
            string wat = Wat.Command($"(call $proc_exit (call $poll (i32.const 0) (i32.const 0) (i32.const {count}) (i32.const 60000)))",
                imports: Wat.Imports + PollImport);
            sandbox.RunToEnd(wat); // compiled and warm: what follows measures the call, not the compiler
            long before = GC.GetTotalAllocatedBytes(precise: true);
            var run = sandbox.RunToEnd(wat);
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            Assert.Equal(errno, run.ExitCode);
            Assert.True(allocated < 16L * 1024 * 1024, $"the host allocated {allocated:N0} bytes for a refused poll of {count}");
        }
    }

    [Fact]
    public void MaxOutputBytesCountsInSyncRpcMode()
    {
        using var sandbox = NewSandbox();
        // Writes "hello" twice; the limit of 7 admits "hello" and "he".
        var exec = sandbox.Start(Wat.Command(Wat.Print(1024, 5) + Wat.Print(1024, 5) + "(call $proc_exit (i32.const 0))", Wat.Data("hello")),
            new WasmExecutionOptions { StdioMode = WasmStdioMode.SyncRpc, MaxOutputBytes = 7 });
        var written = new List<string>();
        var clock = Stopwatch.StartNew();
        while (!exec.Wait(TimeSpan.FromMilliseconds(5)) && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            WasmEventReceiver.Receive(new[] { exec }, new[] { WasmEventKind.SyncRpcRequest }, false, TimeSpan.Zero, CancellationToken.None, e =>
            {
                var request = (WasmSyncRpcRequestEvent)e;
                written.Add(System.Text.Encoding.UTF8.GetString((byte[])request.Args[1]));
                request.Respond(((byte[])request.Args[1]).Length);
            });
        }
        var run = Sandbox.Collect(exec);
        Assert.Equal(new[] { "hello", "he" }, written);
        Assert.Equal(WasmExitReason.OutputLimitExceeded, run.Exited.Reason);
        Assert.Contains("output limit of 7 bytes", run.Stderr);
    }

    [Fact]
    public void OutputTheControlLineFilterHeldIsDeliveredAtAnOutputLimitEnd()
    {
        using var sandbox = NewSandbox();
        // "abc\n", then "def\n__AGENT_OS_WASM" + more under a limit of 16: the 12 bytes that fit end with
        // "__AGENT_", which the filter holds as a possible control line. They are within the limit: delivered.
        var run = sandbox.RunToEnd(Wat.Command(Wat.Print(1024, 4) + Wat.Print(1100, 40), Wat.Data("abc\\0a") + Wat.Data("def\\0a__AGENT_OS_WASM_and_more_and_more_and_more", 1100)),
            new WasmExecutionOptions { MaxOutputBytes = 16 });
        Assert.Equal(WasmExitReason.OutputLimitExceeded, run.Exited.Reason);
        Assert.Equal("abc\ndef\n__AGENT_", run.Stdout);
        // The note follows the output.
        var last = run.Events.Last(e => e is WasmOutputEvent);
        Assert.True(last is WasmStderrEvent { FromSandbox: true }, "the sandbox's note must come after the guest's output");
    }
}

/// <summary>Walks and waits that could outlive -Timeout and Stop(): they must not.</summary>
[Collection(TimingCollection.Name)]
public class ResourceTimingTests
{
    /// <summary>The tier these limits are tested on; <see cref="ResourceTimingTestsOnBaseline"/> runs them all on baseline code.</summary>
    private protected virtual WasmCompilePolicy Policy => WasmCompilePolicy.Optimized;

    private Sandbox NewSandbox() => new(Policy);

    [Fact]
    public void AnIovecWalkOverGigabytesEndsAtTheTimeout()
    {
        using var sandbox = NewSandbox();
        // Grows to 4 GiB, then calls fd_write with one {0, 0} iovec per 8 bytes of memory, forever.
        var exec = sandbox.Start(Wat.Command("""
            (local $n i32)
            (block $full (loop $grow (br_if $full (i32.eq (memory.grow (i32.const 1024)) (i32.const -1))) (br $grow)))
            (local.set $n (i32.sub (i32.shl (memory.size) (i32.const 13)) (i32.const 1)))
            (loop $l (drop (call $fd_write (i32.const 1) (i32.const 0) (local.get $n) (i32.const 8))) (br $l))
            """), new WasmExecutionOptions { MaxMemoryBytes = 4L * 1024 * 1024 * 1024, Timeout = TimeSpan.FromSeconds(1) });
        Assert.True(exec.Wait(TimeSpan.FromSeconds(10)), "the guest outlived its 1 s timeout by 9 s");
        var run = Sandbox.Collect(exec);
        Assert.Equal(WasmExitReason.TimedOut, run.Exited.Reason);
        Assert.True(run.Exited.Duration < TimeSpan.FromMilliseconds(1300), $"ended after {run.Exited.Duration}");
    }

    [Fact]
    public void TheGuestThreadPoolRefusesPastItsBound()
    {
        // Nothing else runs in this collection; wait for guests of earlier tests to finish their threads' work.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (GuestThreads.Running > 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
        }
        int saved = GuestThreads.MaxRunning;
        using var release = new ManualResetEventSlim();
        try
        {
            GuestThreads.MaxRunning = GuestThreads.Running + 2;
            int threadsBefore = GuestThreads.Threads;
            GuestThreads.Run(() => release.Wait());
            GuestThreads.Run(() => release.Wait());
            var refused = Assert.Throws<WasmCapacityException>(() => GuestThreads.Run(() => { }));
            Assert.Equal("TooManyRunningExecutions", refused.ErrorId);
            Assert.Equal(WasmErrorCategory.ResourceUnavailable, refused.Category);
            Assert.True(GuestThreads.Threads <= Math.Max(threadsBefore, GuestThreads.MaxRunning), $"{GuestThreads.Threads} threads");
            release.Set();
            deadline = DateTime.UtcNow.AddSeconds(5);
            while (GuestThreads.Running > 0 && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(5);
            }
            using var ran = new ManualResetEventSlim();
            GuestThreads.Run(ran.Set);
            Assert.True(ran.Wait(5000), "a start after guests ended was not run");
        }
        finally
        {
            release.Set();
            GuestThreads.MaxRunning = saved;
        }
    }
}

/// <summary>Every test of <see cref="ResourceOutputTests"/> on baseline (Winch) code.</summary>
public sealed class ResourceOutputTestsOnBaseline : ResourceOutputTests
{
    private protected override WasmCompilePolicy Policy => WasmCompilePolicy.Baseline;
}

/// <summary>Every test of <see cref="ResourceTimingTests"/> on baseline (Winch) code.</summary>
[Collection(TimingCollection.Name)]
public sealed class ResourceTimingTestsOnBaseline : ResourceTimingTests
{
    private protected override WasmCompilePolicy Policy => WasmCompilePolicy.Baseline;
}
