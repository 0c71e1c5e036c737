using Xunit;

namespace WasmSandbox.Tests;

/// <summary>The resource figures of the exited event and the execution, each from its one accounting point.</summary>
public class ResourceUsageTests
{
    [Fact]
    public void StdinStdoutAndStderrBytesAreWhatTheGuestReadAndWrote()
    {
        using var sandbox = new Sandbox();
        var exec = sandbox.Start(Wat.Echo);
        exec.WriteInput("twelve bytes");
        exec.CloseInput();
        var run = Sandbox.Collect(exec);
        Assert.Equal(12, run.Exited.StdinBytes);
        Assert.Equal(12, run.Exited.StdoutBytes);
        Assert.Equal(0, run.Exited.StderrBytes);
        Assert.Equal(run.Exited.StdinBytes, exec.StdinBytes);

        var both = sandbox.RunToEnd(Wat.Command(Wat.Print(1024, 6) + Wat.Print(1024, 3, fd: 2) + Wat.Print(1024, 6, fd: 2), Wat.Data("hello\\0a")));
        Assert.Equal(6, both.Exited.StdoutBytes);
        Assert.Equal(9, both.Exited.StderrBytes);
        Assert.Equal(0, both.Exited.StdinBytes);
    }

    [Fact]
    public void InputTheGuestNeverReadIsNotCounted()
    {
        using var sandbox = new Sandbox();
        var exec = sandbox.Start(Wat.Hello);
        exec.Wait(TimeSpan.FromSeconds(30));
        Assert.Equal(0, Sandbox.Collect(exec).Exited.StdinBytes);
    }

    [Fact]
    public void PeakMemoryIsTheLinearMemoryAtTheEndIncludingGrowth()
    {
        using var sandbox = new Sandbox();
        var grown = sandbox.RunToEnd(Wat.Command("(drop (memory.grow (i32.const 3)))"));
        Assert.Equal(4 * 65536, grown.Exited.PeakMemoryBytes);
        Assert.Equal(grown.Exited.PeakMemoryBytes, grown.Execution.PeakMemoryBytes);
        Assert.Equal(65536, sandbox.RunToEnd(Wat.Hello).Exited.PeakMemoryBytes);
        // A trap ends the guest after it grew: the memory it held still counts.
        var trapped = sandbox.RunToEnd(Wat.Command("(drop (memory.grow (i32.const 1))) unreachable"));
        Assert.Equal(WasmExitReason.Trapped, trapped.Exited.Reason);
        Assert.Equal(2 * 65536, trapped.Exited.PeakMemoryBytes);
    }

    [Fact]
    public void OutputBeyondTheLimitIsNotCounted()
    {
        using var sandbox = new Sandbox();
        var run = sandbox.RunToEnd(Wat.Command(Wat.Print(1024, 6) + Wat.Print(1024, 6, fd: 2), Wat.Data("hello\\0a")),
            new WasmExecutionOptions { MaxOutputBytes = 8 });
        Assert.Equal(WasmExitReason.OutputLimitExceeded, run.Exited.Reason);
        Assert.Equal(6, run.Exited.StdoutBytes);
        Assert.Equal(2, run.Exited.StderrBytes);
    }

    [Fact]
    public void CpuTimeIsMeasuredOnTheGuestThread()
    {
        using var sandbox = new Sandbox();
        // A fixed amount of work (300 million loop iterations, some 0.1-0.5 s of CPU on any current core), not a
        // fixed wall time: on a loaded machine a guest gets few of its wall-clock milliseconds on a core, but the CPU
        // time its work needs does not change.
        var spin = sandbox.RunToEnd(Wat.Command("""
            (local $i i32)
            (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $l (i32.lt_u (local.get $i) (i32.const 300000000))))
            """), new WasmExecutionOptions { Timeout = TimeSpan.FromSeconds(60) });
        Assert.Equal(WasmExitReason.Exited, spin.Exited.Reason);
        if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows() || OperatingSystem.IsMacOS())
        {
            Assert.NotNull(spin.Exited.CpuTime);
            Assert.InRange(spin.Exited.CpuTime!.Value, TimeSpan.FromMilliseconds(30), spin.Exited.Duration + TimeSpan.FromMilliseconds(50));
        }
    }

    [Fact]
    public void TheTimeoutNoteSaysWhichTimeoutItWasAndHowToChangeIt()
    {
        Assert.StartsWith("the default timeout of 60 s expired", new SandboxLimits().TimeoutNote);
        var given = new SandboxLimits { Timeout = TimeSpan.FromMilliseconds(500) }.TimeoutNote;
        Assert.StartsWith("the timeout of 0.5 s expired", given);
        Assert.Contains("-Timeout", given);
        Assert.Equal("none", SandboxLimits.Seconds(Timeout.InfiniteTimeSpan));
    }
}
