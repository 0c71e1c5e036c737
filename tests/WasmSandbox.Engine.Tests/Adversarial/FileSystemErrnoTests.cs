using Xunit;

namespace WasmSandbox.Tests.Adversarial;

/// <summary>
/// The errno table of <see cref="WasiErrno"/>, call by call: the same situation answers the same errno whichever path
/// function the guest used, and a refused call changes nothing on either side of the grant.
/// </summary>
public sealed class FileSystemErrnoTests : IDisposable
{
    private const int Eacces = 2, Ebadf = 8, Enoent = 44, Eperm = 63;
    private const long RightWrite = 1L << 6;
    private const int OflagsCreat = 1, OflagsTrunc = 8;
    private readonly TempDir _root = new();
    private readonly string _grant, _outside;

    public FileSystemErrnoTests()
    {
        _grant = Directory.CreateDirectory(Path.Combine(_root.Path, "grant")).FullName;
        _outside = Directory.CreateDirectory(Path.Combine(_root.Path, "outside")).FullName;
        File.WriteAllText(Path.Combine(_outside, "secret.txt"), "OUTSIDE");
        Directory.CreateDirectory(Path.Combine(_outside, "empty"));
        File.WriteAllText(Path.Combine(_grant, "in.txt"), "INSIDE");
        Directory.CreateDirectory(Path.Combine(_grant, "sub"));
        File.CreateSymbolicLink(Path.Combine(_grant, "hostlink"), Path.Combine(_outside, "secret.txt"));
        File.CreateSymbolicLink(Path.Combine(_grant, "hostdir"), _outside);
    }

    public void Dispose() => _root.Dispose();

    /// <summary>Every call that changes a name, aimed through the host's link that leads out.</summary>
    public static TheoryData<string, string> ChangesThroughALinkThatLeadsOut => new()
    {
        { "open create", FsWat.Open("hostdir/new.txt", OflagsCreat, RightWrite) },
        { "open truncate", FsWat.Open("hostlink", OflagsTrunc, RightWrite) },
        { "open write", FsWat.Open("hostdir/secret.txt", 0, RightWrite) },
        { "mkdir", FsWat.Mkdir("hostdir/new") },
        { "rmdir", FsWat.Rmdir("hostdir/empty") },
        { "unlink", FsWat.Unlink("hostdir/secret.txt") },
        { "set times (following)", FsWat.SetTimes("hostlink", FsWat.Follow) },
        { "set times", FsWat.SetTimes("hostdir/secret.txt", 0) },
        { "symlink", FsWat.Symlink("in.txt", "hostdir/new") },
        { "link", FsWat.Link("in.txt", "hostdir/new") },
        { "rename into", FsWat.Rename("in.txt", "hostdir/new") },
        { "rename out of", FsWat.Rename("hostdir/secret.txt", "stolen.txt") },
    };

    [Theory]
    [MemberData(nameof(ChangesThroughALinkThatLeadsOut))]
    public void AChangeThroughALinkThatLeadsOutIsEnoentInEitherTier(string call, string wat)
    {
        var outsideBefore = HostFiles.Snapshot(_outside);
        var grantBefore = HostFiles.Snapshot(_grant);
        foreach (var tier in new[] { WasmPermissionTier.ReadWrite, WasmPermissionTier.ReadOnly })
        {
            Assert.True(Enoent == Run(wat, tier), $"{call} under {tier}");
        }
        Assert.Equal(outsideBefore, HostFiles.Snapshot(_outside));
        Assert.Equal(grantBefore, HostFiles.Snapshot(_grant));
    }

    /// <summary>Every call that changes a name, inside a read-only grant.</summary>
    public static TheoryData<string, string> ChangesInside => new()
    {
        { "open create", FsWat.Open("new.txt", OflagsCreat, RightWrite) },
        { "open truncate", FsWat.Open("in.txt", OflagsTrunc, 2) },
        { "open write", FsWat.Open("in.txt", 0, RightWrite) },
        { "mkdir", FsWat.Mkdir("new") },
        { "rmdir", FsWat.Rmdir("sub") },
        { "unlink", FsWat.Unlink("in.txt") },
        { "set times", FsWat.SetTimes("in.txt", 0) },
        { "symlink", FsWat.Symlink("in.txt", "new") },
        { "link", FsWat.Link("in.txt", "new") },
        { "rename", FsWat.Rename("in.txt", "new") },
    };

    [Theory]
    [MemberData(nameof(ChangesInside))]
    public void AChangeInsideAReadOnlyGrantIsEaccesAndTheSameCallWorksReadWrite(string call, string wat)
    {
        var before = HostFiles.Snapshot(_grant);
        Assert.True(Eacces == Run(wat, WasmPermissionTier.ReadOnly), call);
        Assert.Equal(before, HostFiles.Snapshot(_grant));
        Assert.True(0 == Run(wat, WasmPermissionTier.ReadWrite), call);
    }

    [Theory]
    [InlineData(WasmPermissionTier.ReadOnly)]
    [InlineData(WasmPermissionTier.ReadWrite)]
    public void ReadsOfAnythingOutsideAreEnoent(WasmPermissionTier tier)
    {
        Assert.Equal(Enoent, Run(FsWat.Open("hostlink", 0, 2), tier));
        Assert.Equal(Enoent, Run(FsWat.Open("hostdir/secret.txt", 0, 2), tier));
        Assert.Equal(Enoent, Run(FsWat.Open("../outside/secret.txt", 0, 2), tier));
        Assert.Equal(Enoent, Run(FsWat.Open("/etc/passwd", 0, 2), tier));
        Assert.Equal(Enoent, Run(FsWat.ExitWith("(call $path_filestat_get (i32.const 3) (i32.const 1) (i32.const 1024) (i32.const 8) (i32.const 256))", "hostlink"), tier));
        Assert.Equal(Enoent, Run(FsWat.ExitWith("(call $path_readlink (i32.const 3) (i32.const 1024) (i32.const 8) (i32.const 256) (i32.const 64) (i32.const 32))", "hostlink"), tier));
    }

    [Theory]
    [InlineData(WasmPermissionTier.ReadOnly)]
    [InlineData(WasmPermissionTier.ReadWrite)]
    public void ARefusedLinkTargetIsEpermInEitherTier(WasmPermissionTier tier)
    {
        Assert.Equal(Eperm, Run(FsWat.Symlink("../outside", "new"), tier));
        Assert.Equal(Eperm, Run(FsWat.Link("hostlink", "new"), tier));
        Assert.Equal(Eperm, Run(FsWat.Rename("hostlink", "new"), tier));
    }

    [Fact]
    public void AClosedOrUnknownFdIsEbadf()
    {
        // fd 3 is opened and closed before each call; fd 9 was never opened.
        string ClosedThen(string call) => FsWat.ExitWith($$"""
            (drop (call $path_open (i32.const 3) (i32.const 1) (i32.const 1024) (i32.const 3) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 32)))
            (drop (call $fd_close (i32.load (i32.const 32))))
            {{call}}
            """, "sub", "x");
        string closed = "(i32.load (i32.const 32))";
        Assert.Equal(Ebadf, Run(ClosedThen($"(call $path_open {closed} (i32.const 0) (i32.const 2048) (i32.const 1) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 36))"), WasmPermissionTier.ReadWrite));
        Assert.Equal(Ebadf, Run(ClosedThen($"(call $path_create_directory {closed} (i32.const 2048) (i32.const 1))"), WasmPermissionTier.ReadWrite));
        Assert.Equal(Ebadf, Run(ClosedThen($"(call $path_symlink (i32.const 2048) (i32.const 1) {closed} (i32.const 2048) (i32.const 1))"), WasmPermissionTier.ReadWrite));
        Assert.Equal(Ebadf, Run(FsWat.Open("in.txt", 0, 2, fd: 9), WasmPermissionTier.ReadWrite));
        Assert.Equal(Ebadf, Run(FsWat.Link("in.txt", "new", fromFd: 9), WasmPermissionTier.ReadWrite));
        Assert.Equal(Ebadf, Run(FsWat.Rename("in.txt", "new", toFd: 9), WasmPermissionTier.ReadWrite));
    }

    private int Run(string wat, WasmPermissionTier tier)
    {
        using var sandbox = new Sandbox();
        return sandbox.RunToEnd(wat, new WasmExecutionOptions { PermissionTier = tier, WorkingDirectory = _grant }).ExitCode;
    }
}
