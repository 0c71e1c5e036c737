using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace WasmSandbox.Tests;

/// <summary>
/// The limits and ends of a core module hold for a component: timeout and stop within 100 ms, fuel, memory, output,
/// traps, no network. Timing assertions run alone, as the core module's do.
/// </summary>
[Collection(TimingCollection.Name)]
public class ComponentLimitTests
{
    [Fact]
    public void TimeoutEndsASpinningComponentPromptly()
    {
        using var sandbox = new Sandbox();
        var exec = ComponentFixtures.Start(sandbox, "spin", new WasmExecutionOptions { Timeout = TimeSpan.FromMilliseconds(300) });
        var run = Sandbox.Collect(exec);
        Assert.Equal((124, WasmExitReason.TimedOut), (run.ExitCode, run.Exited.Reason));
        Assert.Contains("timeout", run.Stderr);
        Assert.InRange(run.Exited.Duration.TotalMilliseconds, 290, 400);
    }

    [Fact]
    public void StopEndsASpinningComponentWithin100Ms()
    {
        using var sandbox = new Sandbox();
        var exec = ComponentFixtures.Start(sandbox, "spin");
        Thread.Sleep(100);
        var clock = Stopwatch.StartNew();
        exec.Stop();
        Assert.True(exec.Wait(TimeSpan.FromSeconds(5)));
        Assert.True(clock.ElapsedMilliseconds < 100, $"stop took {clock.ElapsedMilliseconds} ms");
        var run = Sandbox.Collect(exec);
        Assert.Equal((130, WasmExitReason.Stopped), (run.ExitCode, run.Exited.Reason));
        Assert.Equal(WasmExecutionState.Stopped, exec.State);
    }

    [Fact]
    public void StopEndsAComponentBlockedOnStdinAndItsPumpThread()
    {
        using var sandbox = new Sandbox();
        int threadsBefore = Process.GetCurrentProcess().Threads.Count;
        var exec = ComponentFixtures.Start(sandbox, "cprobe", null, "echo");
        Thread.Sleep(200);
        var clock = Stopwatch.StartNew();
        exec.Stop();
        Assert.True(exec.Wait(TimeSpan.FromSeconds(5)));
        Assert.True(clock.ElapsedMilliseconds < 150, $"stop took {clock.ElapsedMilliseconds} ms");
        Assert.Equal(WasmExitReason.Stopped, Sandbox.Collect(exec).Exited.Reason);
        // The stdin pump and the guest thread are gone shortly after: closing the pipe woke the guest's read.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (GuestThreads.Stuck > 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }
        Assert.Equal(0, GuestThreads.Stuck);
        Thread.Sleep(200);
        Assert.InRange(Process.GetCurrentProcess().Threads.Count, 0, threadsBefore + 4);
    }

    [Fact]
    public void StdinPumpThreadsAndPipesEndWithTheirExecutions()
    {
        using var sandbox = new Sandbox();
        // Warm up once, so the engine's and Wasmtime's own threads exist before counting.
        ComponentFixtures.RunToEnd(sandbox, "cprobe", stdin: "x", arguments: "echo");
        Thread.Sleep(200);
        int threadsBefore = Process.GetCurrentProcess().Threads.Count;
        int fdsBefore = OperatingSystem.IsLinux() ? Directory.GetFiles("/proc/self/fd").Length : 0;
        for (int i = 0; i < 20; i++)
        {
            // Half read their input to the end; half never read it (the pump is left with bytes the guest never took).
            var run = ComponentFixtures.RunToEnd(sandbox, "cprobe", stdin: new string('y', 100_000), arguments: i % 2 == 0 ? "echo" : "hello");
            Assert.Equal(0, run.ExitCode);
        }
        Thread.Sleep(300);
        Assert.InRange(Process.GetCurrentProcess().Threads.Count, 0, threadsBefore + 4);
        if (OperatingSystem.IsLinux())
        {
            Assert.InRange(Directory.GetFiles("/proc/self/fd").Length, 0, fdsBefore + 8);
        }
    }

    [Fact]
    public void FuelExhaustionEndsWith124()
    {
        using var sandbox = new Sandbox();
        var run = ComponentFixtures.RunToEnd(sandbox, "spin", new WasmExecutionOptions { MaxFuel = 5_000_000 });
        Assert.Equal((124, WasmExitReason.FuelExhausted), (run.ExitCode, run.Exited.Reason));
        Assert.Contains("fuel budget exhausted", run.Stderr);
        Assert.InRange(run.Exited.FuelConsumed ?? 0, 4_900_000UL, 5_000_000UL);
    }

    [Fact]
    public void FuelIsReportedForACompletedComponent()
    {
        using var sandbox = new Sandbox();
        var run = ComponentFixtures.RunToEnd(sandbox, "cprobe", new WasmExecutionOptions { MaxFuel = 50_000_000 }, null, "hello");
        Assert.Equal(0, run.ExitCode);
        Assert.InRange(run.Exited.FuelConsumed ?? 0, 1UL, 50_000_000UL);
    }

    [Fact]
    public void MemoryLimitStopsGrowthInsideTheComponent()
    {
        using var sandbox = new Sandbox();
        long rssBefore = Process.GetCurrentProcess().WorkingSet64;
        var small = ComponentFixtures.RunToEnd(sandbox, "cprobe", new WasmExecutionOptions { MaxMemoryBytes = 16L << 20 }, null, "grow", "64");
        Assert.NotEqual(0, small.ExitCode);
        Assert.DoesNotContain("grew 64", small.Stdout);
        var fits = ComponentFixtures.RunToEnd(sandbox, "cprobe", new WasmExecutionOptions { MaxMemoryBytes = 128L << 20 }, null, "grow", "64");
        Assert.Equal("grew 64\n", fits.Stdout);
        // The refused run never got near 64 MiB of host memory.
        Assert.True(Process.GetCurrentProcess().WorkingSet64 - rssBefore < 200L << 20);
    }

    // The short flood ends (returns from run) before an epoch tick could end it: the limit must still be the reason.
    [Theory]
    [InlineData(10_000, "1000000")]
    [InlineData(1_000, "100000")]
    public void OutputLimitEndsTheComponentAfterExactlyTheBytesThatFit(int limit, string flood)
    {
        using var sandbox = new Sandbox();
        var run = ComponentFixtures.RunToEnd(sandbox, "cprobe", new WasmExecutionOptions { MaxOutputBytes = limit }, null, "flood", flood);
        Assert.Equal((124, WasmExitReason.OutputLimitExceeded), (run.ExitCode, run.Exited.Reason));
        Assert.Equal(limit, run.Stdout.Length);
        Assert.Equal(limit, run.Exited.StdoutBytes);
    }

    [Fact]
    public void UnreadOutputHoldsTheComponentBack()
    {
        using var sandbox = new Sandbox();
        var exec = ComponentFixtures.Start(sandbox, "cprobe", new WasmExecutionOptions { OutputBufferBytes = 64 * 1024 }, "flood", "4000000");
        exec.CloseInput();
        Thread.Sleep(500);
        // Nobody reads: the guest waits in its write instead of filling the host's memory.
        Assert.Equal(WasmExecutionState.Running, exec.State);
        Assert.InRange(exec.Queue.PendingCost, 1, 200 * 1024);
        var run = Sandbox.Collect(exec);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(4_000_000, run.Stdout.Length);
    }

    [Fact]
    public void TrapEndsWith134AndTheCause()
    {
        using var sandbox = new Sandbox();
        var run = ComponentFixtures.RunToEnd(sandbox, "cprobe", arguments: "trap");
        Assert.Equal((134, WasmExitReason.Trapped), (run.ExitCode, run.Exited.Reason));
        Assert.Contains("wasm trap: wasm `unreachable` instruction executed", run.Stderr);
    }

    [Fact]
    public void SocketConnectToAListeningLoopbackPortIsRefused()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var sandbox = new Sandbox();
        var run = ComponentFixtures.RunToEnd(sandbox, "cprobe", new WasmExecutionOptions { PermissionTier = WasmPermissionTier.ReadWrite }, null, "connect", port.ToString());
        Assert.StartsWith("connect refused: access-denied", run.Stdout);
        Assert.False(listener.Pending(), "the guest reached the listening port");
    }
}
