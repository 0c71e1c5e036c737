using System.Diagnostics;
using Xunit;

namespace WasmSandbox.Tests;

// Timing assertions run alone: parallel tests on a 2-core machine would measure the scheduler, not the sandbox.
[Collection(TimingCollection.Name)]
public class LimitTests
{
    /// <summary>The tier these limits are tested on; <see cref="LimitTestsOnBaseline"/> runs them all on baseline code.</summary>
    private protected virtual WasmCompilePolicy Policy => WasmCompilePolicy.Optimized;

    private Sandbox NewSandbox() => new(Policy);

    private static readonly string Spin = Wat.Command("(loop $l (br $l))");

    [Fact]
    public void FuelExhaustionEndsWith124AndNoFurtherOutput()
    {
        using var sandbox = NewSandbox();
        var run = sandbox.RunToEnd(Wat.Command(Wat.Print(1024, 6) + "(loop $l (br $l))" + Wat.Print(1024, 6), Wat.Data("hello\\0a")),
            new WasmExecutionOptions { MaxFuel = 100_000 });
        Assert.Equal(124, run.ExitCode);
        Assert.Equal(WasmExitReason.FuelExhausted, run.Exited.Reason);
        Assert.Equal("hello\n", run.Stdout);
        Assert.Contains("fuel budget exhausted", run.Stderr);
        Assert.InRange(run.Exited.FuelConsumed ?? 0, 90_000UL, 100_000UL);
    }

    [Fact]
    public void FuelIsReportedForACompletedRun()
    {
        using var sandbox = NewSandbox();
        var run = sandbox.RunToEnd(Wat.Hello, new WasmExecutionOptions { MaxFuel = 1_000_000 });
        Assert.Equal(0, run.ExitCode);
        Assert.InRange(run.Execution.FuelConsumed ?? 0, 1UL, 10_000UL);
        Assert.Null(sandbox.RunToEnd(Wat.Hello).Execution.FuelConsumed);
    }

    [Fact]
    public void TimeoutEndsATightLoopPromptly()
    {
        using var sandbox = NewSandbox();
        var clock = Stopwatch.StartNew();
        var exec = sandbox.Start(Spin, new WasmExecutionOptions { Timeout = TimeSpan.FromMilliseconds(300) });
        Assert.True(exec.Wait(TimeSpan.FromSeconds(10)));
        var elapsed = clock.Elapsed;
        var run = Sandbox.Collect(exec);
        Assert.Equal(124, run.ExitCode);
        Assert.Equal(WasmExitReason.TimedOut, run.Exited.Reason);
        Assert.Contains("timeout", run.Stderr);
        // The deadline is 300 ms; the guest must be gone within 100 ms of it (slack for a loaded machine's scheduler).
        Assert.InRange(run.Exited.Duration.TotalMilliseconds, 290, 400);
        Assert.True(elapsed < TimeSpan.FromSeconds(3), $"took {elapsed}");
    }

    [Fact]
    public void TimeoutEndsAGuestBlockedOnStdin()
    {
        using var sandbox = NewSandbox();
        var exec = sandbox.Start(Wat.Echo, new WasmExecutionOptions { Timeout = TimeSpan.FromMilliseconds(200) });
        var run = Sandbox.Collect(exec);
        Assert.Equal(WasmExitReason.TimedOut, run.Exited.Reason);
        Assert.Equal(124, run.ExitCode);
    }

    [Fact]
    public void StopEndsATightLoop()
    {
        using var sandbox = NewSandbox();
        var exec = sandbox.Start(Spin);
        Thread.Sleep(50);
        var clock = Stopwatch.StartNew();
        exec.Stop();
        Assert.True(exec.Wait(TimeSpan.FromSeconds(5)));
        Assert.True(clock.ElapsedMilliseconds < 100, $"stop took {clock.ElapsedMilliseconds} ms");
        Assert.Equal(WasmExecutionState.Stopped, exec.State);
        Assert.Equal(WasmExitReason.Stopped, Sandbox.Collect(exec).Exited.Reason);
    }

    [Fact]
    public void MemoryGrowPastTheLimitReturnsMinusOne()
    {
        using var sandbox = NewSandbox();
        // 1 page to start; the limit allows 4 pages (256 KiB): growing by 2 works, by 8 more fails with -1.
        var run = sandbox.RunToEnd(Wat.Command("""
            (if (i32.ne (memory.grow (i32.const 2)) (i32.const 1)) (then (call $proc_exit (i32.const 1))))
            (if (i32.ne (memory.grow (i32.const 8)) (i32.const -1)) (then (call $proc_exit (i32.const 2))))
            (call $proc_exit (memory.size))
            """), new WasmExecutionOptions { MaxMemoryBytes = 4 * 65536 });
        Assert.Equal(3, run.ExitCode);
    }

    [Fact]
    public void TrapsAndStackOverflowEndTheGuestNotTheHost()
    {
        using var sandbox = NewSandbox();
        var trap = sandbox.RunToEnd(Wat.Command("unreachable"));
        Assert.Equal(WasmExitReason.Trapped, trap.Exited.Reason);
        Assert.NotEqual(0, trap.ExitCode);
        Assert.Contains("unreachable", trap.Stderr);

        var overflow = sandbox.RunToEnd(Wat.Command("(call $recurse)", "(func $recurse (call $recurse))"));
        Assert.Equal(WasmExitReason.Trapped, overflow.Exited.Reason);
        Assert.Contains("stack", overflow.Stderr);

        var oob = sandbox.RunToEnd(Wat.Command("(drop (i32.load (i32.const 70000)))"));
        Assert.Equal(WasmExitReason.Trapped, oob.Exited.Reason);
        Assert.Contains("out of bounds", oob.Stderr);

        // The engine is still fully usable afterwards.
        Assert.Equal("hello\n", sandbox.RunToEnd(Wat.Hello).Stdout);
    }

    [Fact]
    public void ProcExitCodeIsTheExitCode()
    {
        using var sandbox = NewSandbox();
        var run = sandbox.RunToEnd(Wat.Command("(call $proc_exit (i32.const 42))"));
        Assert.Equal(42, run.ExitCode);
        Assert.Equal(WasmExitReason.Exited, run.Exited.Reason);
        Assert.Equal(WasmExecutionState.Failed, run.Execution.State);
    }
}

/// <summary>Every test of <see cref="LimitTests"/> on baseline (Winch) code.</summary>
[Collection(TimingCollection.Name)]
public sealed class LimitTestsOnBaseline : LimitTests
{
    private protected override WasmCompilePolicy Policy => WasmCompilePolicy.Baseline;
}
