using System.Runtime.Versioning;
using Wasmtime;
using Xunit;
using static WasmSandbox.Tests.CompileCacheTesting;

namespace WasmSandbox.Tests;

public class DiskCompileCacheTests
{
    [RootFact]
    [UnsupportedOSPlatform("windows")]
    public void AnArtifactOfAnotherUserIsNotLoaded()
    {
        using var dir = new TempDir();
        byte[] wasm = UniqueModule();
        Cache(dir.Path).Start(wasm);
        string path = ArtifactPath(dir.Path, wasm);
        Run("chown", "65534", path);

        var warmup = Cache(dir.Path).Start(wasm);

        Assert.Equal("compiled", warmup.Source);
        Assert.Contains($"the compiled artifact {path} was ignored: it is owned by user 65534, not by user 0", warmup.Note);
    }

    [UnixFact]
    [UnsupportedOSPlatform("windows")]
    public void TheStatusIsReadFromTheFileSystemWithoutFollowingLinks()
    {
        using var dir = new TempDir();
        string path = dir.Write("f", "x");
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_000);
        string link = Path.Combine(dir.Path, "link");
        File.CreateSymbolicLink(link, path);
        uint? me = UnixFile.EffectiveUserId;
        if (OperatingSystem.IsLinux())
        {
            // The effective uid is the second number of the Uid line.
            string uid = File.ReadLines("/proc/self/status").Single(l => l.StartsWith("Uid:", StringComparison.Ordinal))
                .Split('\t', StringSplitOptions.RemoveEmptyEntries)[2];
            Assert.Equal(uint.Parse(uid), me);
        }
        Assert.NotNull(me);

        var file = UnixFile.OfLink(path);
        var folder = UnixFile.OfLink(dir.Path);
        var linkStatus = UnixFile.OfLink(link);
        using var handle = File.OpenHandle(path);
        var opened = UnixFile.Of(handle);

        Assert.Equal((true, me, 1u, "640"), (file!.Value.IsRegularFile, (uint?)file.Value.Owner, file.Value.LinkCount, file.Value.Octal));
        Assert.Equal((true, me), (folder!.Value.IsDirectory, (uint?)folder.Value.Owner));
        Assert.True(linkStatus!.Value.IsSymbolicLink);
        Assert.Equal(file, opened);
        Assert.Null(UnixFile.OfLink(Path.Combine(dir.Path, "missing")));
        Assert.Null(UnixFile.OpenNoFollow(link, out string? error));
        Assert.NotNull(error);
        using var direct = UnixFile.OpenNoFollow(path, out _);
        Assert.Equal(file, UnixFile.Of(direct!));
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
