using Xunit;

namespace WasmSandbox.Tests;

/// <summary>Host descriptors a guest can hold: bounded per execution (-MaxOpenFiles) and for all guests together.</summary>
// Alone: one test takes the whole process-wide share, which would make other tests' opens fail.
[Collection(TimingCollection.Name)]
public class ResourceDescriptorTests
{
    private const string FdImports = Wat.Imports + """
        (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_renumber" (func $fd_renumber (param i32 i32) (result i32)))
        """;

    // $open: opens target.txt read-only in the preopen (fd 3); returns the new fd, or -errno.
    private const string OpenFunc = """
        (func $open (result i32) (local $e i32)
          (local.set $e (call $path_open (i32.const 3) (i32.const 1) (i32.const 1024) (i32.const 10)
            (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 32)))
          (if (result i32) (local.get $e) (then (i32.sub (i32.const 0) (local.get $e))) (else (i32.load (i32.const 32)))))
        """;

    private static WasmExecutionOptions ReadOnly(int maxOpenFiles) =>
        new() { PermissionTier = WasmPermissionTier.ReadOnly, MaxOpenFiles = maxOpenFiles };

    [Fact]
    public void OpeningPastMaxOpenFilesGivesEmfileAndClosingGivesTheSlotBack()
    {
        using var sandbox = new Sandbox();
        sandbox.Write("target.txt", "x");
        // Opens 3 (the cap), expects the 4th to fail with EMFILE (33); closes one and opens again; renumbers one
        // counted fd onto another (closing the target) and opens again; then the next open must be EMFILE again.
        // Exit code: 0 when all held, else the number of the first check that failed.
        var run = sandbox.RunToEnd(Wat.Command("""
            (local $a i32) (local $b i32) (local $c i32) (local $d i32)
            (local.set $a (call $open)) (local.set $b (call $open)) (local.set $c (call $open))
            (if (i32.lt_s (local.get $c) (i32.const 0)) (then (call $proc_exit (i32.const 1))))
            (if (i32.ne (call $open) (i32.const -33)) (then (call $proc_exit (i32.const 2))))
            (if (call $fd_close (local.get $a)) (then (call $proc_exit (i32.const 3))))
            (local.set $d (call $open))
            (if (i32.lt_s (local.get $d) (i32.const 0)) (then (call $proc_exit (i32.const 4))))
            (if (i32.ne (call $open) (i32.const -33)) (then (call $proc_exit (i32.const 5))))
            (if (call $fd_renumber (local.get $b) (local.get $c)) (then (call $proc_exit (i32.const 6))))
            (if (i32.lt_s (call $open) (i32.const 0)) (then (call $proc_exit (i32.const 7))))
            (if (i32.ne (call $open) (i32.const -33)) (then (call $proc_exit (i32.const 8))))
            (call $proc_exit (i32.const 0))
            """, Wat.Data("target.txt") + OpenFunc, FdImports), ReadOnly(3));
        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public void AnOpenLoopStopsAtTheCapAndTheSlotsReturnWhenTheExecutionEnds()
    {
        using var sandbox = new Sandbox();
        sandbox.Write("target.txt", "x");
        // Opens until path_open fails; exits with the count (the cap is below 126 so it fits a WASI exit code).
        string loop = Wat.Command("""
            (local $n i32) (local $r i32)
            (block $done (loop $again
              (local.set $r (call $open))
              (br_if $done (i32.lt_s (local.get $r) (i32.const 0)))
              (local.set $n (i32.add (local.get $n) (i32.const 1)))
              (br $again)))
            (if (i32.ne (local.get $r) (i32.const -33)) (then (call $proc_exit (i32.const 125))))
            (call $proc_exit (local.get $n))
            """, Wat.Data("target.txt") + OpenFunc, FdImports);
        int before = HostDescriptorReserve.Taken;
        for (int i = 0; i < 3; i++)
        {
            var run = sandbox.RunToEnd(loop, ReadOnly(100));
            Assert.True(run.ExitCode == 100, run.Stderr);
        }
        // Every slot went back with its execution (released just after the exited handle is set).
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (HostDescriptorReserve.Taken > before && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
        }
        Assert.True(HostDescriptorReserve.Taken <= before, $"{HostDescriptorReserve.Taken} slots still taken, {before} before");
    }

    [Theory]
    [InlineData(1024UL, 768)]
    [InlineData(20000UL, 15000)]
    [InlineData(512UL, 256)]
    [InlineData(256UL, 0)]
    [InlineData(100UL, 0)]
    [InlineData(ulong.MaxValue, HostDescriptorReserve.UnlimitedShare * 16)]
    public void TheHostKeepsAQuarterOfItsDescriptorsOrAtLeast256(ulong limit, int share) =>
        Assert.Equal(share, HostDescriptorReserve.ShareFor(limit));

    [Fact]
    public void TheProcessWideShareIsBelowTheProcessLimit()
    {
        var limits = File.ReadLines("/proc/self/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        long soft = long.Parse(limits.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3]);
        Assert.Equal(HostDescriptorReserve.ShareFor((ulong)soft), HostDescriptorReserve.Share);
        Assert.True(HostDescriptorReserve.Share <= soft - Math.Max(soft / 4, HostDescriptorReserve.MinHostReserve));
    }

    [Fact]
    public void AccountRefusesWithEnfileWhenTheProcessShareIsTaken()
    {
        // Takes the whole process-wide share through accounts of their own, then one more open must be ENFILE (not
        // EMFILE: this execution is far below its own cap). Everything is given back afterwards.
        var hog = new OpenFileAccount(int.MaxValue);
        int before = HostDescriptorReserve.Taken;
        int taken = 0;
        try
        {
            while (hog.TryReserve() == WasiErrno.Success)
            {
                hog.Opened(taken++);
            }
            var account = new OpenFileAccount(256);
            Assert.Equal(WasiErrno.Nfile, account.TryReserve());
            hog.Closed(0);
            Assert.Equal(WasiErrno.Success, account.TryReserve());
            account.Abandon();
        }
        finally
        {
            hog.ReleaseAll();
        }
        Assert.Equal(HostDescriptorReserve.Share - before, taken);
        Assert.Equal(before, HostDescriptorReserve.Taken);
    }
}
