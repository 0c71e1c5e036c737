using Xunit;

namespace WasmSandbox.Tests;

/// <summary>
/// The grants a start computes: overlapping read-only and writable grants, two grants of one guest path, host paths
/// that are not directories, and links inside folders a guest was granted writable (a guest may have planted them).
/// </summary>
public class MountPolicyTests
{
    private static WasmExecutionOptions Options(string workingDirectory, WasmPermissionTier tier, params string[] mounts) =>
        new() { WorkingDirectory = workingDirectory, PermissionTier = tier, Mounts = mounts };

    // As a start does: compute the policy, then record its grants before the guest would run.
    private static SandboxPolicy Build(WasmExecutionOptions options)
    {
        var policy = PolicyBuilder.Build(options, options.WorkingDirectory!);
        GrantedFolders.Record(policy);
        return policy;
    }

    [Fact]
    public void AReadOnlyMountInsideAWritableWorkingDirectoryIsRefusedNamingBoth()
    {
        using var dir = new TempDir();
        var data = Directory.CreateDirectory(Path.Combine(dir.Path, "data")).FullName;
        var e = Assert.Throws<WasmConfigurationException>(() => Build(Options(dir.Path, WasmPermissionTier.ReadWrite, $"{data}:/data:ro")));
        Assert.Equal("OverlappingMount", e.ErrorId);
        Assert.Contains("working directory", e.Message);
        Assert.Contains($"{data}:/data:ro", e.Message);
    }

    [Fact]
    public void AWritableMountHoldingAReadOnlyOneIsRefused()
    {
        using var dir = new TempDir();
        var outer = Directory.CreateDirectory(Path.Combine(dir.Path, "outer")).FullName;
        var inner = Directory.CreateDirectory(Path.Combine(outer, "inner")).FullName;
        var work = Directory.CreateDirectory(Path.Combine(dir.Path, "work")).FullName;
        var e = Assert.Throws<WasmConfigurationException>(() =>
            Build(Options(work, WasmPermissionTier.ReadWrite, $"{inner}:/in:ro", $"{outer}:/out")));
        Assert.Equal("OverlappingMount", e.ErrorId);
    }

    [Fact]
    public void OverlapsOfEqualPermissionAreAllowed()
    {
        using var dir = new TempDir();
        var data = Directory.CreateDirectory(Path.Combine(dir.Path, "data")).FullName;
        var ro = Build(Options(dir.Path, WasmPermissionTier.ReadOnly, $"{data}:/data"));
        Assert.All(ro.Preopens, p => Assert.False(p.Writable));
        var rw = Build(Options(dir.Path, WasmPermissionTier.ReadWrite, $"{data}:/data"));
        Assert.All(rw.Preopens, p => Assert.True(p.Writable));
    }

    [Fact]
    public void TwoGrantsOfOneGuestPathAreRefused()
    {
        using var dir = new TempDir();
        var a = Directory.CreateDirectory(Path.Combine(dir.Path, "a")).FullName;
        var b = Directory.CreateDirectory(Path.Combine(dir.Path, "b")).FullName;
        var work = Directory.CreateDirectory(Path.Combine(dir.Path, "w")).FullName;
        Assert.Equal("DuplicateMount", Assert.Throws<WasmConfigurationException>(() =>
            Build(Options(work, WasmPermissionTier.ReadOnly, $"{a}:/data", $"{b}:/data/"))).ErrorId);
        Assert.Equal("DuplicateMount", Assert.Throws<WasmConfigurationException>(() =>
            Build(Options(work, WasmPermissionTier.ReadOnly, $"{a}:/"))).ErrorId);
    }

    [Fact]
    public void AHostPathThatIsAFileOrMissingIsRefused()
    {
        using var dir = new TempDir();
        var file = dir.Write("f.txt", "x");
        Assert.Equal("NotADirectory", Assert.Throws<WasmConfigurationException>(() =>
            Build(Options(dir.Path, WasmPermissionTier.ReadOnly, $"{file}:/f"))).ErrorId);
        Assert.Equal("MountSourceNotFound", Assert.Throws<WasmConfigurationException>(() =>
            Build(Options(dir.Path, WasmPermissionTier.ReadOnly, $"{dir.Path}/missing:/m"))).ErrorId);
    }

    [Fact]
    public void RelativeHostPathsAreTakenFromTheWorkingDirectoryAndResolvedToRealPaths()
    {
        using var dir = new TempDir();
        var real = Directory.CreateDirectory(Path.Combine(dir.Path, "real")).FullName;
        var work = Directory.CreateDirectory(Path.Combine(dir.Path, "work")).FullName;
        File.CreateSymbolicLink(Path.Combine(work, "link"), real);
        var policy = Build(Options(work, WasmPermissionTier.ReadOnly, "link:/data:ro"));
        var mount = Assert.Single(policy.Preopens, p => p.GuestPath == "/data");
        Assert.Equal(real, mount.HostPath);
        Assert.False(mount.Writable);
    }

    [Fact]
    public void ALinkInsideAFolderGrantedWritableIsNeverFollowedByALaterGrant()
    {
        using var dir = new TempDir();
        var outside = Directory.CreateDirectory(Path.Combine(dir.Path, "outside")).FullName;
        File.WriteAllText(Path.Combine(outside, "secret.txt"), "secret");
        var work = Directory.CreateDirectory(Path.Combine(dir.Path, "work")).FullName;
        var other = Directory.CreateDirectory(Path.Combine(dir.Path, "other")).FullName;
        Build(Options(work, WasmPermissionTier.ReadWrite)); // the grant a guest had
        // What a guest could have left behind (planted here by the test, as a guest with a link escape would).
        File.CreateSymbolicLink(Path.Combine(work, "planted"), outside);

        var asMount = Assert.Throws<WasmConfigurationException>(() => Build(Options(other, WasmPermissionTier.ReadOnly, $"{work}/planted:/p")));
        Assert.Equal("UntrustedLink", asMount.ErrorId);
        Assert.Contains(work, asMount.Message);
        var asWorkingDirectory = Assert.Throws<WasmConfigurationException>(() => Build(Options(Path.Combine(work, "planted"), WasmPermissionTier.ReadOnly)));
        Assert.Equal("UntrustedLink", asWorkingDirectory.ErrorId);
        // The user's own link outside any granted folder is their choice, and is followed.
        File.CreateSymbolicLink(Path.Combine(other, "mine"), outside);
        Assert.Equal(outside, Build(Options(Path.Combine(other, "mine"), WasmPermissionTier.ReadOnly)).Preopens[0].HostPath);
    }

    [Fact]
    public void TheRunnerPreopensExactlyThePolicy()
    {
        using var sandbox = new Sandbox();
        var data = Directory.CreateTempSubdirectory("wasmsandbox-mount-").FullName;
        try
        {
            var exec = sandbox.Start(Wat.Hello, new WasmExecutionOptions { PermissionTier = WasmPermissionTier.ReadWrite, Mounts = new[] { $"{data}:/data:RO" } });
            Sandbox.Collect(exec);
            Assert.Collection(exec.Policy.Preopens,
                root => { Assert.Equal("/", root.GuestPath); Assert.True(root.Writable); Assert.Equal(SandboxPreopenSource.WorkingDirectory, root.Source); },
                mount => { Assert.Equal("/data", mount.GuestPath); Assert.False(mount.Writable); Assert.Equal(data, mount.HostPath); });
            Assert.Equal(new[] { SandboxImports.WasiPreview1 }, exec.Policy.LinkedImports);
        }
        finally
        {
            Directory.Delete(data, true);
        }
    }

    [Fact]
    public void AnArgumentWithANulIsRefusedInsteadOfCutShort()
    {
        using var sandbox = new Sandbox();
        var e = Assert.Throws<WasmConfigurationException>(() => sandbox.Start(Wat.Hello, new WasmExecutionOptions { Arguments = ["ok", "a\0b"] }));
        Assert.Equal("InvalidArgumentList", e.ErrorId);
        Assert.Contains("argument 2", e.Message);
    }
}
