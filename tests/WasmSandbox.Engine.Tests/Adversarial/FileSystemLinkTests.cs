using Xunit;

namespace WasmSandbox.Tests.Adversarial;

/// <summary>
/// Link planting: a ReadWrite guest tries to leave a symlink or hard link in its grant that leads outside, by every
/// WASI call that creates or moves a name; then the host and a second run follow whatever the guest left. Each test
/// proves the folder outside the grant unchanged and that no link in the grant resolves outside it.
/// </summary>
public sealed class FileSystemLinkTests : IDisposable
{
    private const int Eperm = 63, Enoent = 44;
    private readonly TempDir _root = new();
    private readonly string _grant, _outside;
    private readonly string[] _outsideBefore;

    public FileSystemLinkTests()
    {
        _grant = Directory.CreateDirectory(Path.Combine(_root.Path, "grant")).FullName;
        _outside = Directory.CreateDirectory(Path.Combine(_root.Path, "outside")).FullName;
        File.WriteAllText(Path.Combine(_outside, "secret.txt"), "OUTSIDE");
        File.WriteAllText(Path.Combine(_grant, "in.txt"), "INSIDE");
        Directory.CreateDirectory(Path.Combine(_grant, "sub", "deep"));
        // What the host itself may have left in the folder it grants: links that lead out.
        File.CreateSymbolicLink(Path.Combine(_grant, "hostlink"), Path.Combine(_outside, "secret.txt"));
        File.CreateSymbolicLink(Path.Combine(_grant, "hostdir"), _outside);
        _outsideBefore = HostFiles.Snapshot(_outside);
    }

    public void Dispose() => _root.Dispose();

    private int Run(string wat, string? workingDirectory = null)
    {
        using var sandbox = new Sandbox();
        var run = sandbox.RunToEnd(wat, new WasmExecutionOptions { PermissionTier = WasmPermissionTier.ReadWrite, WorkingDirectory = workingDirectory ?? _grant });
        return run.ExitCode;
    }

    [Theory]
    [InlineData("../outside")]
    [InlineData("..")]
    [InlineData("/etc/passwd")]
    [InlineData("/")]
    [InlineData("sub/../..")]
    [InlineData("sub/../../outside/secret.txt")]
    [InlineData("sub/..")] // climbs nowhere, but ".." after a component that may be a link is refused outright
    [InlineData("..\\outside")]
    [InlineData("\\etc")]
    [InlineData("C:x")]
    [InlineData("in.txt\0")]
    [InlineData("")]
    public void SymlinkWhoseTargetCouldLeaveIsRefusedWithEpermAndCreatesNothing(string target)
    {
        var before = HostFiles.Snapshot(_grant);
        Assert.Equal(Eperm, Run(FsWat.Symlink(target, "planted")));
        Assert.Equal(Eperm, Run(FsWat.Symlink(target, "sub/deep/planted")));
        Assert.Equal(before, HostFiles.Snapshot(_grant));
        AssertNothingLeavesTheGrant();
    }

    [Theory]
    [InlineData("hostdir")]
    [InlineData("hostdir/secret.txt")]
    [InlineData("hostlink")]
    public void SymlinkThroughTheHostsOutsideLinkIsRefused(string target)
    {
        // Relative and without "..", but it resolves through a link the host left that leads out.
        Assert.Equal(Eperm, Run(FsWat.Symlink(target, "planted")));
        Assert.False(Path.Exists(Path.Combine(_grant, "planted")));
        // From a folder where that name does not exist the same text dangles, and stays inside whatever is made there.
        Assert.Equal(0, Run(FsWat.Symlink(target, "sub/planted")));
        AssertNothingLeavesTheGrant();
    }

    [Fact]
    public void LinkedDotDotIsRefusedAlthoughEachLinkAloneLooksConfined()
    {
        // dot -> . is harmless; dot/.. would name the grant's parent. Wasmtime's own WASI creates both.
        Assert.Equal(0, Run(FsWat.Symlink(".", "dot")));
        Assert.Equal(Eperm, Run(FsWat.Symlink("dot/..", "up")));
        Assert.Equal(Eperm, Run(FsWat.Symlink("dot/../outside/secret.txt", "up")));
        Assert.False(Path.Exists(Path.Combine(_grant, "up")));
        AssertNothingLeavesTheGrant();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(FsWat.Follow)]
    public void HardLinkToTheHostsOutsideSymlinkIsRefused(int flags)
    {
        Assert.Equal(Eperm, Run(FsWat.Link("hostlink", "planted", flags)));
        Assert.Equal(Eperm, Run(FsWat.Link("hostdir", "planted", flags)));
        Assert.False(Path.Exists(Path.Combine(_grant, "planted")));
        // Through the link to the outside file itself: the path leaves the grant.
        Assert.Equal(Enoent, Run(FsWat.Link("hostdir/secret.txt", "planted", flags)));
        Assert.False(Path.Exists(Path.Combine(_grant, "planted")));
        AssertNothingLeavesTheGrant();
    }

    [Fact]
    public void HardLinkToADirectoryIsRefusedAndToAConfinedSymlinkKeepsItsTarget()
    {
        Assert.Equal(Eperm, Run(FsWat.Link("sub", "planted")));
        Assert.False(Path.Exists(Path.Combine(_grant, "planted")));
        // A hard link to a symlink is that symlink under a second name; a confined target stays confined from anywhere
        // (the WASI test suite's path_link links a dangling symlink and expects success, as Wasmtime does).
        Assert.Equal(0, Run(FsWat.Symlink("in.txt", "rel")));
        Assert.Equal(0, Run(FsWat.Link("rel", "sub/twin")));
        Assert.Equal("in.txt", new FileInfo(Path.Combine(_grant, "sub", "twin")).LinkTarget);
        AssertNothingLeavesTheGrant();
    }

    [Fact]
    public void RenameOfAHostLinkThatWouldLeaveIsRefused()
    {
        // Inside today, one level up after a move: sub/up -> ../in.txt would name the grant's parent from the root.
        File.CreateSymbolicLink(Path.Combine(_grant, "sub", "up"), "../in.txt");
        Assert.Equal(Eperm, Run(FsWat.Rename("sub/up", "up")));
        Assert.Equal(Eperm, Run(FsWat.Rename("hostlink", "sub/moved")));
        Assert.True(File.Exists(Path.Combine(_grant, "sub", "up")));
        Assert.False(Path.Exists(Path.Combine(_grant, "up")));
        Assert.False(Path.Exists(Path.Combine(_grant, "sub", "moved")));
        Assert.Equal(0, NativeWasi.Run(FsWat.Rename("sub/up", "up"), _grant)); // what Wasmtime alone would do
    }

    [Fact]
    public void RenamingFoldersAroundGuestLinksNeverMakesThemLeave()
    {
        // Every link the guest may make, then every move of the link and of the folders around it.
        Assert.Equal(0, Run(FsWat.Symlink("deep", "sub/l-dir")));
        Assert.Equal(0, Run(FsWat.Symlink("x.txt", "sub/deep/l-file")));
        Assert.Equal(0, Run(FsWat.Symlink("./deep/./x.txt", "sub/l-path")));
        Assert.Equal(0, Run(FsWat.Rename("sub/deep", "deep2")));
        Assert.Equal(0, Run(FsWat.Rename("sub", "deep2/sub")));
        Assert.Equal(0, Run(FsWat.Rename("deep2/l-file", "l-file")));
        Assert.Equal(0, Run(FsWat.Rename("deep2/sub/l-path", "deep2/sub/l-path2")));
        AssertNothingLeavesTheGrant();
    }

    [Fact]
    public void LegitimateLinksAndRenamesBehaveAsUnderWasmtime()
    {
        using var reference = new TempDir();
        File.WriteAllText(Path.Combine(reference.Path, "in.txt"), "INSIDE");
        Directory.CreateDirectory(Path.Combine(reference.Path, "sub", "deep"));
        var steps = new[]
        {
            FsWat.Symlink("in.txt", "rel"),
            FsWat.Symlink("sub/deep", "to-deep"),
            FsWat.Symlink("missing.txt", "dangling"),
            FsWat.Link("in.txt", "hard"),
            FsWat.Link("in.txt", "hard-follow", FsWat.Follow), // Wasmtime refuses the follow flag: EINVAL
            FsWat.Link("missing.txt", "hard-missing"),
            FsWat.Rename("rel", "sub/rel"),
            FsWat.Rename("sub/deep", "deep"),
            FsWat.Rename("hard", "deep/hard"),
            FsWat.FirstByte("deep/hard"),
            FsWat.FirstByte("to-deep/hard"), // dangles after the move
            FsWat.Symlink("in.txt", "rel2"),
            FsWat.FirstByte("rel2"),
            FsWat.Rename("rel2", "rel3"),
            FsWat.FirstByte("rel3"),
            FsWat.Unlink("rel3"),
        };
        foreach (var step in steps)
        {
            int expected = NativeWasi.Run(step, reference.Path);
            Assert.Equal(expected, Run(step));
        }
        Assert.Equal(HostFiles.Snapshot(reference.Path).Select(NameAndKind), HostFiles.Snapshot(_grant).Where(IsGuests).Select(NameAndKind));
        Assert.Equal("INSIDE", File.ReadAllText(Path.Combine(_grant, "deep", "hard")));
        AssertNothingLeavesTheGrant();
    }

    [Fact]
    public void TheHostAndASecondRunFollowNothingOutAfterEveryAttack()
    {
        foreach (var target in new[] { "../outside", "/etc", "sub/../..", "hostdir", "hostlink" })
        {
            Run(FsWat.Symlink(target, "planted-" + Guid.NewGuid().ToString("N")[..6]));
        }
        Run(FsWat.Link("hostlink", "hard-planted"));
        Run(FsWat.Symlink(".", "dot"));
        Run(FsWat.Symlink("dot/..", "dot-up"));
        Run(FsWat.Symlink("sub", "to-sub"));
        Run(FsWat.Rename("to-sub", "sub/deep/to-sub"));
        Run(FsWat.Rename("sub/deep", "moved"));

        // The host reads every name the guest left, as Get-Content would, and a second run works in every folder.
        foreach (var entry in HostFiles.Walk(_grant))
        {
            if (!IsGuests(Path.GetRelativePath(_grant, entry.FullName)))
            {
                continue;
            }
            if (File.Exists(entry.FullName))
            {
                Assert.NotEqual("OUTSIDE", TryRead(entry.FullName));
            }
            if (Directory.Exists(entry.FullName))
            {
                int code;
                try
                {
                    code = Run(FsWat.FirstByte("secret.txt"), workingDirectory: entry.FullName);
                }
                catch (WasmConfigurationException e) when (e.ErrorId == "UntrustedLink")
                {
                    continue; // the sandbox refuses to follow a link inside a folder a guest could write: nothing is reached
                }
                Assert.True(code != 102, $"a run in {entry.FullName} ({entry.LinkTarget}) read the outside file");
            }
        }
        AssertNothingLeavesTheGrant();
    }

    // What Get-Content would show; a dangling link reads as nothing.
    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
    }

    // The host's own links (hostlink, hostdir) are the user's choice; every other name is the guest's.
    private static bool IsGuests(string snapshotLine) => !snapshotLine.StartsWith("hostlink", StringComparison.Ordinal) && !snapshotLine.StartsWith("hostdir", StringComparison.Ordinal);

    private static string NameAndKind(string snapshotLine)
    {
        var parts = snapshotLine.Split('|');
        return $"{parts[0]}|{parts[1]}|{parts[3]}";
    }

    private void AssertNothingLeavesTheGrant()
    {
        Assert.Equal(_outsideBefore, HostFiles.Snapshot(_outside));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_root.Path).Select(Path.GetFileName).Except(new[] { "grant", "outside" }));
        foreach (var link in HostFiles.Walk(_grant).Where(i => i.LinkTarget is not null && IsGuests(Path.GetRelativePath(_grant, i.FullName))))
        {
            var final = link.ResolveLinkTarget(returnFinalTarget: true);
            var resolved = final is null ? _grant : Path.GetFullPath(final.FullName).TrimEnd(Path.DirectorySeparatorChar);
            Assert.True(resolved == _grant || resolved.StartsWith(_grant + Path.DirectorySeparatorChar, StringComparison.Ordinal),
                $"{link.FullName} -> {link.LinkTarget} resolves to {final?.FullName}, outside {_grant}");
        }
    }
}
