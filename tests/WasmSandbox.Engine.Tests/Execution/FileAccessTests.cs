using Xunit;

namespace WasmSandbox.Tests;

public class FileAccessTests
{
    private static WasmExecutionOptions Tier(WasmPermissionTier tier) => new() { PermissionTier = tier };

    [Fact]
    public void IsolatedSeesNoPreopenedDirectory()
    {
        using var sandbox = new Sandbox();
        sandbox.Write("data.txt", "x");
        var run = sandbox.RunToEnd(Wat.Open("data.txt", 0, Wat.RightRead), Tier(WasmPermissionTier.Isolated));
        Assert.Equal(8, run.ExitCode); // EBADF: there is no fd 3
    }

    [Fact]
    public void ReadOnlyReadsTheWorkingDirectory()
    {
        using var sandbox = new Sandbox();
        sandbox.Write("data.txt", "x");
        Assert.Equal(0, sandbox.RunToEnd(Wat.Open("data.txt", 0, Wat.RightRead), Tier(WasmPermissionTier.ReadOnly)).ExitCode);
    }

    [Theory]
    [InlineData("new.txt", Wat.OflagsCreat, Wat.RightWrite)]
    [InlineData("data.txt", 0, Wat.RightWrite)]
    [InlineData("data.txt", 8 /* trunc */, Wat.RightRead)]
    public void ReadOnlyRefusesWritesWithEaccesAndCreatesNothing(string path, int oflags, long rights)
    {
        using var sandbox = new Sandbox();
        sandbox.Write("data.txt", "keep");
        var run = sandbox.RunToEnd(Wat.Open(path, oflags, rights), Tier(WasmPermissionTier.ReadOnly));
        Assert.Equal(2, run.ExitCode);
        Assert.False(File.Exists(Path.Combine(sandbox.Directory, "new.txt")));
        Assert.Equal("keep", File.ReadAllText(Path.Combine(sandbox.Directory, "data.txt")));
    }

    [Fact]
    public void ReadWriteCreatesFilesInNestedFolders()
    {
        using var sandbox = new Sandbox();
        // mkdir a, mkdir a/b, create a/b/c.txt and write "hi" to it.
        var run = sandbox.RunToEnd(Wat.Command("""
            (local $r i32)
            (local.set $r (call $mkdir (i32.const 3) (i32.const 1024) (i32.const 1)))
            (local.set $r (i32.or (local.get $r) (call $mkdir (i32.const 3) (i32.const 1024) (i32.const 3))))
            (local.set $r (i32.or (local.get $r) (call $open (i32.const 3) (i32.const 1) (i32.const 1024) (i32.const 9)
              (i32.const 1) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 32))))
            (i32.store (i32.const 48) (i32.const 1100)) (i32.store (i32.const 52) (i32.const 2))
            (local.set $r (i32.or (local.get $r) (call $fd_write (i32.load (i32.const 32)) (i32.const 48) (i32.const 1) (i32.const 56))))
            (call $proc_exit (local.get $r))
            """, Wat.Data("a/b/c.txt") + Wat.Data("hi", 1100), Wat.Imports + """
            (import "wasi_snapshot_preview1" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
            """), Tier(WasmPermissionTier.ReadWrite));
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("hi", File.ReadAllText(Path.Combine(sandbox.Directory, "a", "b", "c.txt")));
    }

    [Theory]
    [InlineData("../../../../etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("sub/../../outside.txt")]
    [InlineData("link-out")]
    [InlineData("link-out/passwd")]
    public void EscapingPathsAreEnoent(string path)
    {
        using var sandbox = new Sandbox();
        Directory.CreateDirectory(Path.Combine(sandbox.Directory, "sub"));
        File.CreateSymbolicLink(Path.Combine(sandbox.Directory, "link-out"), "/etc");
        foreach (var tier in new[] { WasmPermissionTier.ReadOnly, WasmPermissionTier.ReadWrite })
        {
            Assert.Equal(44, sandbox.RunToEnd(Wat.Open(path, 0, Wat.RightRead), Tier(tier)).ExitCode);
            Assert.Equal(44, sandbox.RunToEnd(Wat.Open(path, Wat.OflagsCreat, Wat.RightWrite), Tier(tier)).ExitCode);
        }
    }

    [Fact]
    public void MountsAddPreopensAndHonourReadOnly()
    {
        using var sandbox = new Sandbox();
        var data = Directory.CreateTempSubdirectory("wasmsandbox-mount-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(data, "in.txt"), "x");
            var options = new WasmExecutionOptions { PermissionTier = WasmPermissionTier.ReadWrite, Mounts = new[] { $"{data}:/data:ro" } };
            Assert.Equal(0, sandbox.RunToEnd(Wat.Open("in.txt", 0, Wat.RightRead, fd: 4), options).ExitCode);
            Assert.Equal(2, sandbox.RunToEnd(Wat.Open("new.txt", Wat.OflagsCreat, Wat.RightWrite, fd: 4), options).ExitCode);
            var rw = new WasmExecutionOptions { PermissionTier = WasmPermissionTier.ReadWrite, Mounts = new[] { $"{data}:/data" } };
            Assert.Equal(0, sandbox.RunToEnd(Wat.Open("new.txt", Wat.OflagsCreat, Wat.RightWrite, fd: 4), rw).ExitCode);
            Assert.True(File.Exists(Path.Combine(data, "new.txt")));
        }
        finally
        {
            Directory.Delete(data, true);
        }
    }

    [Fact]
    public void MountsNeedFileAccess()
    {
        using var sandbox = new Sandbox();
        var e = Assert.Throws<WasmConfigurationException>(() =>
            sandbox.Start(Wat.Hello, new WasmExecutionOptions { Mounts = new[] { $"{sandbox.Directory}:/data" } }));
        Assert.Equal("MountRequiresFileAccess", e.ErrorId);
    }
}
