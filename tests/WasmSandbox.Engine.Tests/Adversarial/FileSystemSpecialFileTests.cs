using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace WasmSandbox.Tests.Adversarial;

/// <summary>
/// FIFOs, sockets and devices in a grant: opening one ends at once with ENXIO instead of blocking the guest where
/// neither the timeout nor Stop() reaches it (Wasmtime's own open of a FIFO waits for a writer).
/// </summary>
public sealed class FileSystemSpecialFileTests : IDisposable
{
    private const int Enxio = 60;
    private const long RightRead = 2, RightWrite = 1L << 6;
    private readonly TempDir _grant = new();
    private readonly ITestOutputHelper _output;

    public FileSystemSpecialFileTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _grant.Dispose();

    [Theory]
    [InlineData("fifo")]
    [InlineData("socket")]
    [InlineData("device")]
    [InlineData("link-to-fifo")]
    public void OpeningASpecialFileFailsAtOnceWithEnxio(string kind)
    {
        string fifo = Path.Combine(_grant.Path, "fifo");
        HostFiles.MakeFifo(fifo);
        using var socket = HostFiles.BindUnixSocket(Path.Combine(_grant.Path, "socket"));
        if (!HostFiles.TryMakeNullDevice(Path.Combine(_grant.Path, "device")) && kind == "device")
        {
            _output.WriteLine("mknod is not permitted here: the device case needs root or CAP_MKNOD");
            return;
        }
        File.CreateSymbolicLink(Path.Combine(_grant.Path, "link-to-fifo"), "fifo");
        try
        {
            foreach (var (oflags, rights) in new[] { (0, RightRead), (0, RightWrite), (1 /* creat */, RightWrite), (2 /* directory */, RightRead) })
            {
                var clock = Stopwatch.StartNew();
                using var sandbox = new Sandbox();
                var exec = sandbox.Start(FsWat.Open(kind, oflags, rights), new WasmExecutionOptions
                {
                    PermissionTier = WasmPermissionTier.ReadWrite,
                    WorkingDirectory = _grant.Path,
                    Timeout = TimeSpan.FromSeconds(20),
                });
                var run = Sandbox.Collect(exec, TimeSpan.FromSeconds(10));
                Assert.Equal(Enxio, run.ExitCode);
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the open took {clock.Elapsed}");
            }
        }
        finally
        {
            // Should a guest have blocked in open after all, let it go rather than leave its thread stuck.
            HostFiles.ReleaseFifoReader(fifo);
        }
    }

    [Fact]
    public void AFifoSwappedInDuringTheRunIsNeverHandedToTheGuest()
    {
        // The host swaps one name between a regular file and a FIFO as fast as it can while the guest opens and reads
        // it in a loop. Each open is refused (ENXIO) or reads the file; one that reached the FIFO (the instant between
        // the type check and Wasmtime's open) blocks until the FIFO's other end opens, which the swapper does for it
        // and counts: that is the window the report describes.
        string fifo = PrepareSwap();
        using var stop = new CancellationTokenSource();
        int swaps = 0, released = 0;
        var swapper = StartSwapper(fifo, stop.Token, () =>
        {
            Interlocked.Increment(ref swaps);
            if (HostFiles.ReleaseFifoReader(fifo))
            {
                released++;
            }
        });
        // Runs of 5000 opens until the swaps really raced the guest (a loaded machine may starve the swapper for a run).
        int inside = 0, outside = 0, other = 0, failed = 0, runs = 0;
        while (runs < 10 && (Volatile.Read(ref swaps) < 2000 || inside == 0 || failed == 0))
        {
            using var sandbox = new Sandbox();
            var exec = sandbox.Start(FsWat.ReadLoop("target", 5000), new WasmExecutionOptions
            {
                PermissionTier = WasmPermissionTier.ReadWrite,
                WorkingDirectory = _grant.Path,
            });
            var counts = FsWat.Counts(Sandbox.Collect(exec, TimeSpan.FromSeconds(60)));
            (inside, outside, other, failed, runs) = (inside + counts.Inside, outside + counts.Outside, other + counts.Other, failed + counts.Failed, runs + 1);
        }
        stop.Cancel();
        swapper.Join();
        HostFiles.ReleaseFifoReader(fifo);

        _output.WriteLine($"{swaps} swaps; guest: {runs * 5000} opens, {inside} reads of the file, {failed} refused opens, {other} other reads; a reader was found waiting in open on the FIFO (and let go) at {released} of the swapper's samples");
        Assert.Equal(0, outside);
        Assert.Equal(0, other); // a read from a FIFO would see no 'I'
        Assert.Equal(runs * 5000, inside + failed);
        Assert.True(inside > 0 && failed > 0, "the swap never raced the guest: the test proved nothing");
    }

    [Fact]
    public void AGuestStuckInOpeningASwappedInFifoStillEndsAtItsTimeout()
    {
        // The same race, but nobody lets the stuck open go: the deadline watchdog must end the execution on time with
        // its true reason; the thread is reclaimed once the test opens the FIFO's other end.
        string fifo = PrepareSwap();
        using var stop = new CancellationTokenSource();
        var swapper = StartSwapper(fifo, stop.Token, () => { });
        try
        {
            using var sandbox = new Sandbox();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var exec = sandbox.Start(FsWat.ReadLoop("target", int.MaxValue), new WasmExecutionOptions
            {
                PermissionTier = WasmPermissionTier.ReadWrite,
                WorkingDirectory = _grant.Path,
                Timeout = TimeSpan.FromSeconds(1),
            });
            var run = Sandbox.Collect(exec, TimeSpan.FromSeconds(30));
            _output.WriteLine($"ended after {clock.ElapsedMilliseconds} ms: {run.Exited.Reason}: {run.Exited.Message}");
            Assert.Equal(WasmExitReason.TimedOut, run.Exited.Reason);
            // One second of deadline, a tenth for the watchdog, and room for a loaded machine.
            Assert.True(clock.ElapsedMilliseconds < 4000, $"ended after {clock.ElapsedMilliseconds} ms");
        }
        finally
        {
            stop.Cancel();
            swapper.Join();
            for (int i = 0; i < 50; i++)
            {
                HostFiles.ReleaseFifoReader(fifo);
                Thread.Sleep(10);
            }
        }
    }

    /// <summary>Makes "target" (a regular file reading "INSIDE") and a FIFO to swap in for it; returns the FIFO.</summary>
    private string PrepareSwap()
    {
        string fifo = Path.Combine(_grant.Path, "fifo.master");
        string file = Path.Combine(_grant.Path, "file.master");
        HostFiles.MakeFifo(fifo);
        File.WriteAllText(file, "INSIDE");
        HostFiles.HardLink(file, Path.Combine(_grant.Path, "target"));
        return fifo;
    }

    /// <summary>A host thread that swaps "target" between the file and the FIFO as fast as it can, calling
    /// <paramref name="afterEach"/> after each swap, until <paramref name="stop"/>.</summary>
    private Thread StartSwapper(string fifo, CancellationToken stop, Action afterEach)
    {
        string file = Path.Combine(_grant.Path, "file.master");
        string target = Path.Combine(_grant.Path, "target");
        var swapper = new Thread(() =>
        {
            string tmp = Path.Combine(_grant.Path, "swap.tmp");
            for (int n = 0; !stop.IsCancellationRequested; n++)
            {
                HostFiles.HardLink((n & 1) == 0 ? fifo : file, tmp);
                HostFiles.Rename(tmp, target);
                afterEach();
            }
        }) { IsBackground = true, Name = "host swapper" };
        swapper.Start();
        return swapper;
    }
}
