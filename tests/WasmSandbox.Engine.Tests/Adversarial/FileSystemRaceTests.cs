using Xunit;
using Xunit.Abstractions;

namespace WasmSandbox.Tests.Adversarial;

/// <summary>
/// A host thread swaps a directory inside the grant with a symlink to an outside folder, thousands of times, while the
/// guest opens and reads a file through that name in a loop: not one read may return the outside file.
/// </summary>
public sealed class FileSystemRaceTests : IDisposable
{
    private const int Opens = 5000;
    private readonly TempDir _root = new();
    private readonly ITestOutputHelper _output;

    public FileSystemRaceTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _root.Dispose();

    [Fact]
    public void ADirectorySwappedForALinkOutsideIsNeverReadThrough()
    {
        string grant = Directory.CreateDirectory(Path.Combine(_root.Path, "grant")).FullName;
        string outside = Directory.CreateDirectory(Path.Combine(_root.Path, "outside")).FullName;
        File.WriteAllText(Path.Combine(outside, "secret.txt"), "OUTSIDE");
        string swap = Directory.CreateDirectory(Path.Combine(grant, "swap")).FullName;
        File.WriteAllText(Path.Combine(swap, "secret.txt"), "INSIDE");
        File.CreateSymbolicLink(Path.Combine(grant, "swap.link"), outside);
        var outsideBefore = HostFiles.Snapshot(outside);

        using var stop = new CancellationTokenSource();
        int swaps = 0;
        var swapper = new Thread(() =>
        {
            string dir = Path.Combine(grant, "swap.dir"), link = Path.Combine(grant, "swap.link");
            while (!stop.IsCancellationRequested)
            {
                HostFiles.Rename(swap, dir);
                HostFiles.Rename(link, swap);
                HostFiles.Rename(swap, link);
                HostFiles.Rename(dir, swap);
                Interlocked.Increment(ref swaps);
            }
        }) { IsBackground = true, Name = "host swapper" };
        swapper.Start();
        // Runs of Opens opens until the host has swapped at least 2000 times (a loaded machine may starve the swapper).
        int inside = 0, outsideReads = 0, other = 0, failed = 0, runs = 0;
        while (runs < 10 && Volatile.Read(ref swaps) < 2000)
        {
            using var sandbox = new Sandbox();
            var run = sandbox.RunToEnd(FsWat.ReadLoop("swap/secret.txt", Opens), new WasmExecutionOptions
            {
                PermissionTier = WasmPermissionTier.ReadWrite,
                WorkingDirectory = grant,
            });
            var counts = FsWat.Counts(run);
            (inside, outsideReads, other, failed, runs) = (inside + counts.Inside, outsideReads + counts.Outside, other + counts.Other, failed + counts.Failed, runs + 1);
        }
        stop.Cancel();
        swapper.Join();

        _output.WriteLine($"{swaps} swaps; {runs * Opens} opens: {inside} inside, {outsideReads} outside, {other} other, {failed} failed");
        Assert.Equal(0, outsideReads);
        Assert.Equal(0, other);
        Assert.True(inside > 0, "the guest never read the inside file");
        Assert.True(swaps > 1000, $"only {swaps} swaps: the race was not exercised");
        Assert.Equal(outsideBefore, HostFiles.Snapshot(outside));
    }
}
