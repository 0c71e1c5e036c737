using System.Diagnostics;
using System.Runtime.Versioning;
using Wasmtime;
using Xunit;
using static WasmSandbox.Tests.CompileCacheTesting;

namespace WasmSandbox.Tests;

public class DiskCompileCacheTests
{
    [UnixFact]
    [UnsupportedOSPlatform("windows")]
    public void AFolderOfAnotherUserIsNotUsed()
    {
        using var dir = new TempDir();
        byte[] wasm = UniqueModule();
        string sha = ModuleCache.Hash(wasm);
        Cache(dir.Path).Start(wasm);
        uint me = DiskCompileCache.FileOwner.EffectiveUserId!.Value;
        var theirs = new DiskCompileCache(dir.Path, CompileCacheSettings.DefaultMaxBytes, owner: me + 1);

        var (module, note) = theirs.TryLoad(Profile.Engine, Profile.Key, sha, "g.wasm");

        Assert.Null(module);
        Assert.Equal($"the disk compile cache was skipped: its folder {dir.Path} is owned by user {me}, not by user {me + 1}", note);
    }

    [UnixFact]
    [UnsupportedOSPlatform("windows")]
    public void AnArtifactOfAnotherUserIsNotLoaded()
    {
        if (DiskCompileCache.FileOwner.EffectiveUserId != 0)
        {
            return; // Only root can give a file away; AFolderOfAnotherUserIsNotUsed covers the owner check elsewhere.
        }
        using var dir = new TempDir();
        byte[] wasm = UniqueModule();
        Cache(dir.Path).Start(wasm);
        string path = ArtifactPath(dir.Path, wasm);
        using (var chown = Process.Start("chown", ["65534", path]))
        {
            chown.WaitForExit();
            Assert.Equal(0, chown.ExitCode);
        }

        var warmup = Cache(dir.Path).Start(wasm);

        Assert.Equal("compiled", warmup.Source);
        Assert.Contains($"the compiled artifact {path} was ignored: it is owned by user 65534, not by user 0", warmup.Note);
    }

    [UnixFact]
    [UnsupportedOSPlatform("windows")]
    public void TheOwnerIsReadFromTheFileSystem()
    {
        using var dir = new TempDir();
        string path = dir.Write("f", "x");
        uint? me = DiskCompileCache.FileOwner.EffectiveUserId;
        if (OperatingSystem.IsLinux())
        {
            // The effective uid is the second number of the Uid line.
            string uid = File.ReadLines("/proc/self/status").Single(l => l.StartsWith("Uid:", StringComparison.Ordinal))
                .Split('\t', StringSplitOptions.RemoveEmptyEntries)[2];
            Assert.Equal(uint.Parse(uid), me);
        }
        Assert.NotNull(me);
        Assert.Equal(me, DiskCompileCache.FileOwner.Of(path));
        Assert.Equal(me, DiskCompileCache.FileOwner.Of(dir.Path));
        using var handle = File.OpenHandle(path);
        Assert.Equal(me, DiskCompileCache.FileOwner.Of(handle));
        Assert.Null(DiskCompileCache.FileOwner.Of(Path.Combine(dir.Path, "missing")));
    }

    [Fact]
    public void AModuleLoadedFromDiskRunsAfterItsFileIsReplacedAndDeleted()
    {
        // Wasmtime maps the artifact file: storing the module again (a rename over it) and evicting it must not
        // pull the code from under a module already loaded.
        using var dir = new TempDir();
        string text = Guid.NewGuid().ToString("N");
        byte[] wasm = Module.ConvertText(Wat.Command(Wat.Print(1024, text.Length), Wat.Data(text)));
        string sha = ModuleCache.Hash(wasm);
        Cache(dir.Path).Start(wasm);
        var (module, warmup) = Cache(dir.Path).GetOrCompile(Profile, wasm, sha, "g.wasm", "g.wasm");
        Assert.Equal("disk", warmup.Source);
        var disk = new DiskCompileCache(dir.Path, CompileCacheSettings.DefaultMaxBytes);
        Assert.Null(disk.Store(Profile.Key, sha, module));
        File.Delete(disk.ArtifactPath(Profile.Key, sha));

        string stdout = Path.Combine(dir.Path, "stdout.txt");
        using (var linker = new Linker(Profile.Engine))
        using (var store = new Store(Profile.Engine))
        {
            linker.DefineWasi();
            store.SetWasiConfiguration(new WasiConfiguration().WithStandardOutput(stdout));
            store.SetEpochDeadline(ulong.MaxValue / 2); // the profile's engine interrupts at epochs; no ticker runs here
            linker.Instantiate(store, module).GetAction("_start")!();
        }

        Assert.Equal(text, File.ReadAllText(stdout));
    }

    [Fact]
    public void StaleTempFilesAreRemovedAndOtherFilesKept()
    {
        using var dir = new TempDir();
        byte[] wasm = UniqueModule();
        string artifact = ArtifactPath(dir.Path, wasm);
        string stale = dir.Write(Path.GetFileName(artifact) + ".0123.tmp", "half");
        string fresh = dir.Write(Path.GetFileName(artifact) + ".4567.tmp", "half");
        string unrelated = dir.Write("notes.txt", new string('x', 10_000));
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddHours(-2));
        File.SetLastAccessTimeUtc(unrelated, DateTime.UtcNow.AddDays(-30));

        Cache(dir.Path, maxBytes: 1 << 20).Start(wasm);

        Assert.Equal([false, true, true, true], new[] { stale, fresh, unrelated, artifact }.Select(File.Exists));
    }
}
