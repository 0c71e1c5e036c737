using System.Runtime.Versioning;
using Xunit;
using static WasmSandbox.Tests.CompileCacheTesting;

namespace WasmSandbox.Tests;

/// <summary>
/// Attacks on the disk compile cache: each plants or reshapes something that an attacker (another user, or a guest
/// that was granted a folder) could, over a cache that holds a good artifact, and checks that the module is compiled
/// rather than loaded, with a note naming the folder or file and the reason.
/// </summary>
public class CacheTrustTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>A cache folder at <paramref name="folder"/> holding a good artifact of <paramref name="wasm"/>, written by an earlier process.</summary>
    private static void Fill(string folder, byte[] wasm) => Assert.Equal("compiled", Cache(folder).Start(wasm).Source);

    private static void AssertCompiled(WasmWarmup warmup, string note)
    {
        Assert.Equal(("compiled", "executed"), (warmup.Source, warmup.Reason));
        Assert.True(warmup.Note?.Contains(note, StringComparison.Ordinal) == true, $"expected a note containing\n  {note}\nbut it was\n  {warmup.Note}");
    }

    [UnixFact]
    [UnsupportedOSPlatform("windows")]
    public void ASymlinkedCacheFolderIsNotUsed()
    {
        using var dir = new TempDir();
        string real = Path.Combine(dir.Path, "real");
        byte[] wasm = UniqueModule();
        Fill(real, wasm);
        string link = Path.Combine(dir.Path, "cache");
        File.CreateSymbolicLink(link, real);

        var warmup = Cache(link).Start(wasm);

        AssertCompiled(warmup, $"the disk compile cache was skipped: its folder {link} is a symbolic link");
        Assert.Equal("disk", Cache(real).Start(wasm).Source);
    }

    [UnixFact]
    [UnsupportedOSPlatform("windows")]
    public void ASymlinkInAParentIsNotFollowed()
    {
        using var dir = new TempDir();
        string parent = Path.Combine(dir.Path, "parent");
        byte[] wasm = UniqueModule();
        Fill(Path.Combine(parent, "cache"), wasm);
        string link = Path.Combine(dir.Path, "link");
        File.CreateSymbolicLink(link, parent);

        var warmup = Cache(Path.Combine(link, "cache")).Start(wasm);

        AssertCompiled(warmup, $"the disk compile cache was skipped: its parent folder {link} is a symbolic link");
    }

    [UnixTheory]
    [InlineData(0b111_111_111, "777")]
    [InlineData(0b111_111_101, "775")]
    [InlineData(0b111_101_111, "757")]
    [UnsupportedOSPlatform("windows")]
    public void AParentWritableByOthersWithoutTheStickyBitIsNotTrusted(int mode, string octal)
    {
        using var dir = new TempDir();
        string parent = Path.Combine(dir.Path, "parent");
        string folder = Path.Combine(parent, "cache");
        byte[] wasm = UniqueModule();
        Fill(folder, wasm);
        File.SetUnixFileMode(parent, (UnixFileMode)mode);

        var warmup = Cache(folder).Start(wasm);
        var other = UniqueModule();
        var store = Cache(folder).Start(other);

        AssertCompiled(warmup, $"the disk compile cache was skipped: its parent folder {parent} is writable by group or others without the sticky bit (mode {octal})");
        Assert.Equal("compiled", store.Source);
        Assert.False(File.Exists(ArtifactPath(folder, other)));
    }

    [UnixFact]
    [UnsupportedOSPlatform("windows")]
    public void AStickyParentWritableByAllIsTrusted()
    {
        // Like /tmp: in a sticky folder only the entry's owner can rename or remove "cache", so no one else can swap it.
        using var dir = new TempDir();
        string parent = Path.Combine(dir.Path, "tmp");
        string folder = Path.Combine(parent, "cache");
        byte[] wasm = UniqueModule();
        Fill(folder, wasm);
        File.SetUnixFileMode(parent, (UnixFileMode)0b1_111_111_111);

        var warmup = Cache(folder).Start(wasm);

        Assert.Equal(("disk", (string?)null), (warmup.Source, warmup.Note));
    }

    [UnixFact]
    [UnsupportedOSPlatform("windows")]
    public void AStickyCacheFolderWritableByOthersIsNotTrusted()
    {
        using var dir = new TempDir();
        string folder = Path.Combine(dir.Path, "cache");
        byte[] wasm = UniqueModule();
        Fill(folder, wasm);
        File.SetUnixFileMode(folder, (UnixFileMode)0b1_111_111_111);

        AssertCompiled(Cache(folder).Start(wasm), $"the disk compile cache was skipped: its folder {folder} is writable by group or others (mode 1777); make it private with chmod 700");
    }

    [RootFact]
    [UnsupportedOSPlatform("windows")]
    public void ACacheFolderOwnedByAnotherUserIsNotUsed()
    {
        using var dir = new TempDir();
        string folder = Path.Combine(dir.Path, "cache");
        byte[] wasm = UniqueModule();
        Fill(folder, wasm);
        Run("chown", "65534", folder);

        AssertCompiled(Cache(folder).Start(wasm), $"the disk compile cache was skipped: its folder {folder} is owned by user 65534, not by user 0 or root");
    }

    [RootFact]
    [UnsupportedOSPlatform("windows")]
    public void AParentOwnedByAnotherUserIsNotTrusted()
    {
        // Its owner could rename the cache folder away and put one of their own in its place.
        using var dir = new TempDir();
        string parent = Path.Combine(dir.Path, "theirs");
        string folder = Path.Combine(parent, "cache");
        byte[] wasm = UniqueModule();
        Fill(folder, wasm);
        Run("chown", "65534", parent);

        AssertCompiled(Cache(folder).Start(wasm), $"the disk compile cache was skipped: its parent folder {parent} is owned by user 65534, not by user 0 or root");
    }

    [NotRootFact]
    [UnsupportedOSPlatform("windows")]
    public void AFolderOfAnotherUserIsNotUsedByANonRootUser()
    {
        // The same rule seen from an ordinary user, who cannot chown: the cache is told to expect another owner.
        using var dir = new TempDir();
        string folder = Path.Combine(dir.Path, "cache");
        byte[] wasm = UniqueModule();
        Fill(folder, wasm);
        uint me = UnixFile.EffectiveUserId!.Value;
        var theirs = new DiskCompileCache(folder, CompileCacheSettings.DefaultMaxBytes, owner: me + 1);

        var (module, note) = theirs.TryLoad(Profile.Engine, Profile.Key, ModuleCache.Hash(wasm), "g.wasm");

        Assert.Null(module);
        Assert.Equal($"the disk compile cache was skipped: its folder {folder} is owned by user {me}, not by user {me + 1} or root", note);
    }

    [UnixTheory]
    [InlineData(false)]
    [InlineData(true)]
    [UnsupportedOSPlatform("windows")]
    public void AnArtifactOfAnotherModuleWithItsTrailerRewrittenIsNotLoaded(bool rename)
    {
        // The attack the trailer's module hash alone cannot stop: whoever can write the file can write that hash too.
        using var dir = new TempDir();
        byte[] theirs = UniqueModule();
        byte[] mine = UniqueModule();
        Fill(dir.Path, theirs);
        string from = ArtifactPath(dir.Path, theirs);
        string to = ArtifactPath(dir.Path, mine);
        if (rename)
        {
            File.Move(from, to);
        }
        else
        {
            File.Copy(from, to);
        }
        using (var file = new FileStream(to, FileMode.Open, FileAccess.Write))
        {
            file.Position = file.Length - DiskCompileCache.TrailerLength;
            file.Write(Convert.FromHexString(ModuleCache.Hash(mine)));
        }

        var warmup = Cache(dir.Path).Start(mine);

        AssertCompiled(warmup, $"the compiled artifact {to} was ignored: its MAC does not match");
        Assert.Equal("disk", Cache(dir.Path).Start(mine).Source);
    }

    [UnixFact]
    [UnsupportedOSPlatform("windows")]
    public void AnArtifactRenamedFromAnotherModuleIsNotLoaded()
    {
        using var dir = new TempDir();
        byte[] theirs = UniqueModule();
        byte[] mine = UniqueModule();
        Fill(dir.Path, theirs);
        string to = ArtifactPath(dir.Path, mine);
        File.Move(ArtifactPath(dir.Path, theirs), to);

        AssertCompiled(Cache(dir.Path).Start(mine), $"the compiled artifact {to} was ignored: its trailer names another module");
    }

    [UnixFact]
    [UnsupportedOSPlatform("windows")]
    public void AnArtifactThatIsASymlinkIsNotFollowed()
    {
        // The link points at a good artifact of the same module in the same folder: only the link itself is wrong.
        using var dir = new TempDir();
        byte[] wasm = UniqueModule();
        Fill(dir.Path, wasm);
        string path = ArtifactPath(dir.Path, wasm);
        string elsewhere = Path.Combine(dir.Path, "elsewhere");
        File.Move(path, elsewhere);
        File.CreateSymbolicLink(path, elsewhere);

        var warmup = Cache(dir.Path).Start(wasm);

        AssertCompiled(warmup, $"the compiled artifact {path} was ignored: it is a symbolic link");
        Assert.False(new FileInfo(path).Attributes.HasFlag(FileAttributes.ReparsePoint), "the store replaces the link with a file");
        Assert.Equal("disk", Cache(dir.Path).Start(wasm).Source);
    }

    [UnixFact]
    [UnsupportedOSPlatform("windows")]
    public void AnArtifactWithAHardLinkIsNotLoaded()
    {
        // A second name (here in a folder anyone may reach) lets the same file be changed from outside the cache.
        using var dir = new TempDir();
        string folder = Path.Combine(dir.Path, "cache");
        byte[] wasm = UniqueModule();
        Fill(folder, wasm);
        string path = ArtifactPath(folder, wasm);
        Run("ln", path, Path.Combine(dir.Path, "outside"));

        var warmup = Cache(folder).Start(wasm);

        AssertCompiled(warmup, $"the compiled artifact {path} was ignored: it has 2 hard links");
        Assert.Equal("disk", Cache(folder).Start(wasm).Source);
    }

    [UnixFact]
    [UnsupportedOSPlatform("windows")]
    public void AnArtifactThatIsAFifoDoesNotBlock()
    {
        using var dir = new TempDir();
        byte[] wasm = UniqueModule();
        Fill(dir.Path, wasm);
        string path = ArtifactPath(dir.Path, wasm);
        File.Delete(path);
        Run("mkfifo", path);

        var start = Task.Run(() => Cache(dir.Path).Start(wasm));

        Assert.True(start.Wait(TimeSpan.FromSeconds(30)), "a FIFO under the artifact's name blocked the load");
        AssertCompiled(start.Result, $"the compiled artifact {path} was ignored: it is a FIFO, not a regular file");
    }

    public static TheoryData<string> Grants => ["working directory", "mount", "folder inside the cache"];

    [Theory]
    [MemberData(nameof(Grants))]
    public void ACacheAGuestOfThisProcessCouldWriteIsNotUsed(string grant)
    {
        using var dir = new TempDir();
        string folder = Path.Combine(dir.Path, "granted", "cache");
        byte[] wasm = UniqueModule();
        Fill(folder, wasm);
        string granted = grant == "folder inside the cache" ? Path.Combine(folder, "inbox") : Path.Combine(dir.Path, "granted");
        Directory.CreateDirectory(granted);

        // What every start does: it records the policy's preopens (the mounts' working directory lies elsewhere).
        string elsewhere = Directory.CreateDirectory(Path.Combine(dir.Path, "elsewhere")).FullName;
        GrantedFolders.Record(PolicyBuilder.Build(
            new WasmExecutionOptions
            {
                PermissionTier = WasmPermissionTier.ReadWrite,
                Mounts = grant == "working directory" ? [] : [$"{granted}:/data"],
            },
            grant == "working directory" ? granted : elsewhere));
        var warmup = Cache(folder).Start(wasm);

        string why = grant == "folder inside the cache" ? $"contains {granted}," : $"lies inside {granted},";
        AssertCompiled(warmup, $"the disk compile cache was skipped: its folder {folder} {why} which was granted to a guest of this process (which could read its signing key, or write into it)");
    }

    [Fact]
    public void AReadOnlyGrantStopsTheCacheToo()
    {
        // A guest that can read the folder can read the signing key, and sign an artifact it writes anywhere else.
        using var dir = new TempDir();
        string folder = Path.Combine(dir.Path, "cache");
        byte[] wasm = UniqueModule();
        Fill(folder, wasm);

        GrantedFolders.Record(PolicyBuilder.Build(new WasmExecutionOptions { PermissionTier = WasmPermissionTier.ReadOnly }, dir.Path));

        AssertCompiled(Cache(folder).Start(wasm),
            $"the disk compile cache was skipped: its folder {folder} lies inside {dir.Path}, which was granted to a guest of this process (which could read its signing key, or write into it)");
    }

    [Fact]
    public void TheKeyIsRevokedWhenAnExecutionThatCouldReachTheCacheEnds()
    {
        using var dir = new TempDir();
        string folder = Path.Combine(dir.Path, "cache");
        byte[] wasm = UniqueModule();
        Fill(folder, wasm);
        string key = Path.Combine(folder, CompileCacheKey.FileName);
        Assert.True(File.Exists(key));
        var cache = Cache(folder);
        var elsewhere = Directory.CreateDirectory(Path.Combine(dir.Path, "elsewhere")).FullName;

        // A grant that cannot reach the folder revokes nothing; one around it (even read-only) does.
        Assert.Null(cache.RevocationFor(PolicyBuilder.Build(new WasmExecutionOptions { PermissionTier = WasmPermissionTier.ReadOnly }, elsewhere)));
        var revoke = cache.RevocationFor(PolicyBuilder.Build(new WasmExecutionOptions { PermissionTier = WasmPermissionTier.ReadOnly }, dir.Path));
        Assert.NotNull(revoke);
        revoke();
        Assert.False(File.Exists(key), "the key a guest could have read is still there");
    }

    [Fact]
    public void AnExecutionGrantedTheCacheFolderDeletesItsKeyWhenItEnds()
    {
        using var dir = new TempDir();
        string folder = Path.Combine(dir.Path, "cache");
        byte[] wasm = UniqueModule();
        Fill(folder, wasm);
        var runtime = new WasmRuntime(pool: null, Cache(folder));
        using var sandbox = new Sandbox();
        var exec = sandbox.Start(Wat.Hello, new WasmExecutionOptions { PermissionTier = WasmPermissionTier.ReadOnly, WorkingDirectory = folder }, runtime: runtime);
        Assert.True(exec.Wait(TimeSpan.FromSeconds(30)));
        Assert.False(File.Exists(Path.Combine(folder, CompileCacheKey.FileName)));
    }

    [Fact]
    public void AGrantMadeWhileTheCacheIsInUseStopsItFromThenOn()
    {
        using var dir = new TempDir();
        string folder = Path.Combine(dir.Path, "cache");
        byte[] loaded = UniqueModule();
        byte[] later = UniqueModule();
        Fill(folder, loaded);
        Fill(folder, later);
        var cache = Cache(folder);
        Assert.Equal("disk", cache.Start(loaded).Source);

        GrantedFolders.Record(PolicyBuilder.Build(new WasmExecutionOptions { PermissionTier = WasmPermissionTier.ReadWrite }, dir.Path));
        var afterGrant = cache.Start(later);
        byte[] fresh = UniqueModule();
        cache.Start(fresh);

        AssertCompiled(afterGrant, $"the disk compile cache was skipped: its folder {folder} lies inside {dir.Path}, which was granted to a guest of this process (which could read its signing key, or write into it)");
        Assert.False(File.Exists(ArtifactPath(folder, fresh)), "nothing is stored in a folder a guest can write");
        Assert.Equal("memory", cache.Start(loaded).Source);
    }

    [UnixFact]
    [UnsupportedOSPlatform("windows")]
    public void TheKeyIsPrivateAndCreatedOnce()
    {
        using var dir = new TempDir();
        string folder = Path.Combine(dir.Path, "cache");
        Fill(folder, UniqueModule());
        string key = Path.Combine(folder, CompileCacheKey.FileName);
        byte[] first = File.ReadAllBytes(key);

        Fill(folder, UniqueModule());

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        Assert.Equal(CompileCacheKey.Length, first.Length);
        Assert.Equal(first, File.ReadAllBytes(key));
        Assert.Equal(Private, File.GetUnixFileMode(folder) & (UnixFileMode)0b111_111_111);
    }

    [UnixFact]
    [UnsupportedOSPlatform("windows")]
    public void ArtifactsSignedWithAnotherKeyAreCompiledAgain()
    {
        using var dir = new TempDir();
        byte[] wasm = UniqueModule();
        Fill(dir.Path, wasm);
        string key = Path.Combine(dir.Path, CompileCacheKey.FileName);
        File.Delete(key);

        var withoutKey = Cache(dir.Path).Start(wasm);
        var withNewKey = Cache(dir.Path).Start(wasm);

        string path = ArtifactPath(dir.Path, wasm);
        AssertCompiled(withoutKey, $"the compiled artifact {path} was ignored: there is no key file {key} to verify it with");
        Assert.Equal("disk", withNewKey.Source);
    }

    public static TheoryData<string, string> BadKeys => new()
    {
        { "readable by others", "it is readable or writable by group or others (mode 644), so it is no secret" },
        { "symbolic link", "it is a symbolic link" },
        { "hard link", "it has 2 hard links, so it can be changed through a name outside the cache folder" },
        { "short", "it holds 31 bytes, not a 32-byte key" },
        { "folder", "it is a folder, not a regular file" },
    };

    [UnixTheory]
    [MemberData(nameof(BadKeys))]
    [UnsupportedOSPlatform("windows")]
    public void AKeyThatMayNotBeSecretIsNotUsed(string attack, string why)
    {
        using var dir = new TempDir();
        string folder = Path.Combine(dir.Path, "cache");
        byte[] wasm = UniqueModule();
        Fill(folder, wasm);
        string key = Path.Combine(folder, CompileCacheKey.FileName);
        switch (attack)
        {
            case "readable by others":
                File.SetUnixFileMode(key, (UnixFileMode)0b110_100_100);
                break;
            case "symbolic link":
                File.Move(key, Path.Combine(dir.Path, "known.key"));
                File.CreateSymbolicLink(key, Path.Combine(dir.Path, "known.key"));
                break;
            case "hard link":
                Run("ln", key, Path.Combine(dir.Path, "known.key"));
                break;
            case "short":
                File.WriteAllBytes(key, new byte[31]);
                break;
            case "folder":
                File.Delete(key);
                Directory.CreateDirectory(key);
                break;
        }
        byte[] other = UniqueModule();

        var load = Cache(folder).Start(wasm);
        var store = Cache(folder).Start(other);

        string note = $"the disk compile cache was skipped: its key file {key} was refused: {why}; delete it and a new key is made";
        AssertCompiled(load, note);
        AssertCompiled(store, note);
        Assert.False(File.Exists(ArtifactPath(folder, other)));
    }
}
