using System.Runtime.Versioning;
using Xunit;
using static WasmSandbox.Tests.CompileCacheTesting;

namespace WasmSandbox.Tests;

/// <summary>The compile cache's rules, for optimized code; <see cref="ModuleCacheTestsOnBaseline"/> runs them for baseline code.</summary>
public class ModuleCacheTests
{
    /// <summary>The engine profile whose artifacts these tests compile, store and tamper with.</summary>
    private protected virtual EngineProfile Profile => CompileCacheTesting.Profile;

    [Fact]
    public void AnUnchangedModuleIsCompiledOnceThenTakenFromMemory()
    {
        using var dir = new TempDir();
        string folder = Path.Combine(dir.Path, "cache");
        var cache = Cache(folder);
        byte[] wasm = UniqueModule();
        string sha = ModuleCache.Hash(wasm);

        var (first, cold) = cache.GetOrCompile(Profile, wasm, sha, "g.wasm", "g.wasm");
        var (second, warm) = cache.GetOrCompile(Profile, wasm, sha, "other/g.wasm", "g.wasm");

        Assert.Same(first, second);
        Assert.Equal(("compiled", true, "executed"), (cold.Source, cold.Executed, cold.Reason));
        Assert.True(cold.CompileTime > TimeSpan.Zero);
        Assert.Equal(("memory", false, "cached", TimeSpan.Zero), (warm.Source, warm.Executed, warm.Reason, warm.CompileTime));
        Assert.Equal(("g.wasm", "other/g.wasm"), (cold.ModulePath, warm.ModulePath));
        Assert.Equal(folder, cold.CompileCacheDir);
        Assert.Null(cold.Note);
        cache.WaitForBackground();
        Assert.True(File.Exists(ArtifactPath(folder, wasm, Profile)));
    }

    [Fact]
    public void AChangedCacheFolderIsUsedFromTheNextStart()
    {
        using var dir = new TempDir();
        string first = Path.Combine(dir.Path, "first");
        string second = Path.Combine(dir.Path, "second");
        string current = first;
        var cache = new ModuleCache(() => new CompileCacheSettings { Directory = current });
        byte[] before = UniqueModule();
        byte[] after = UniqueModule();

        Assert.Equal(first, cache.Start(before).CompileCacheDir);
        current = second; // as if WASMSANDBOX_CACHE_DIR changed between two starts of one session
        var warmup = cache.Start(after);

        Assert.Equal(("compiled", second), (warmup.Source, warmup.CompileCacheDir));
        Assert.True(File.Exists(ArtifactPath(second, after)));
        Assert.False(File.Exists(ArtifactPath(first, after)));
        Assert.Equal(second, cache.Start(before).CompileCacheDir); // from memory, reported under the folder now in force
    }

    [Fact]
    public void ChangedContentIsCompiledAfresh()
    {
        using var dir = new TempDir();
        var cache = Cache(dir.Path);
        byte[] before = UniqueModule();
        byte[] after = UniqueModule();

        var (old, _) = cache.GetOrCompile(Profile, before, ModuleCache.Hash(before), "g.wasm", "g.wasm");
        var (changed, warmup) = cache.GetOrCompile(Profile, after, ModuleCache.Hash(after), "g.wasm", "g.wasm");

        Assert.NotSame(old, changed);
        Assert.Equal("compiled", warmup.Source);
    }

    [Fact]
    public void ANewProcessLoadsTheModuleFromDisk()
    {
        using var dir = new TempDir();
        byte[] wasm = UniqueModule();
        Assert.Equal("compiled", Cache(dir.Path).Start(wasm, Profile).Source);

        var (module, warmup) = Cache(dir.Path).GetOrCompile(Profile, wasm, ModuleCache.Hash(wasm), "g.wasm", "g.wasm");

        Assert.Equal(("disk", false, "cached"), (warmup.Source, warmup.Executed, warmup.Reason));
        Assert.True(warmup.CompileTime > TimeSpan.Zero);
        Assert.Null(warmup.Note);
        Assert.Contains(module.Exports, e => e.Name == "_start");
    }

    [Fact]
    public void AnArtifactOfAnotherProfileIsIgnored()
    {
        using var dir = new TempDir();
        byte[] wasm = UniqueModule();
        Cache(dir.Path).Start(wasm, MeteredProfile);
        File.Copy(ArtifactPath(dir.Path, wasm, MeteredProfile), ArtifactPath(dir.Path, wasm, Profile));

        var warmup = Cache(dir.Path).Start(wasm, Profile);

        Assert.Equal("compiled", warmup.Source);
        Assert.Contains("names another Wasmtime version or engine profile", warmup.Note);
        Assert.Equal("disk", Cache(dir.Path).Start(wasm, Profile).Source);
    }

    public static TheoryData<string, string> Corruptions => new()
    {
        { "flip a body byte", "its checksum does not match its contents" },
        { "flip a module hash byte", "its trailer names another module" },
        { "flip a digest byte", "its MAC does not match" },
        { "flip a MAC byte", "its MAC does not match" },
        { "flip a magic byte", "it is not a WasmSandbox compile cache artifact of this format" },
        { "cut the body", "it is truncated or extended" },
        { "cut into the trailer", "it is not a WasmSandbox compile cache artifact of this format, or it was truncated or extended" },
        { "cut below a trailer", "it is truncated (" },
        { "append", "it is not a WasmSandbox compile cache artifact of this format, or it was truncated or extended" },
        { "insert into the body", "it is truncated or extended" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void ACorruptArtifactIsIgnoredRecompiledAndReplaced(string corruption, string reason)
    {
        using var dir = new TempDir();
        byte[] wasm = UniqueModule();
        Cache(dir.Path).Start(wasm, Profile);
        string path = ArtifactPath(dir.Path, wasm, Profile);
        byte[] good = File.ReadAllBytes(path);
        int trailerAt = good.Length - DiskCompileCache.TrailerLength;
        byte[] bad = corruption switch
        {
            "flip a body byte" => Flip(good, trailerAt / 2),
            "flip a module hash byte" => Flip(good, trailerAt + 10),
            "flip a digest byte" => Flip(good, trailerAt + 80),
            "flip a MAC byte" => Flip(good, trailerAt + 110),
            "flip a magic byte" => Flip(good, good.Length - 1),
            "cut the body" => [.. good[..(trailerAt - 100)], .. good[trailerAt..]],
            "cut into the trailer" => good[..^10],
            "cut below a trailer" => good[..50],
            "append" => [.. good, 0],
            "insert into the body" => [.. good[..trailerAt], 0, .. good[trailerAt..]],
            _ => throw new ArgumentOutOfRangeException(nameof(corruption)),
        };
        File.WriteAllBytes(path, bad);

        var warmup = Cache(dir.Path).Start(wasm, Profile);

        Assert.Equal("compiled", warmup.Source);
        Assert.Contains($"the compiled artifact {path} was ignored: {reason}", warmup.Note);
        Assert.Equal(good.Length, new FileInfo(path).Length);
        Assert.Equal("disk", Cache(dir.Path).Start(wasm, Profile).Source);
    }

    [UnixFact]
    [UnsupportedOSPlatform("windows")]
    public void AnArtifactWritableByOthersIsNotLoadedAndIsReplaced()
    {
        using var dir = new TempDir();
        byte[] wasm = UniqueModule();
        Cache(dir.Path).Start(wasm, Profile);
        string path = ArtifactPath(dir.Path, wasm, Profile);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        File.SetUnixFileMode(path, (UnixFileMode)0b110_110_110);

        var warmup = Cache(dir.Path).Start(wasm, Profile);

        Assert.Equal("compiled", warmup.Source);
        Assert.Contains($"the compiled artifact {path} was ignored: it is writable by group or others (mode 666)", warmup.Note);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal("disk", Cache(dir.Path).Start(wasm, Profile).Source);
    }

    [UnixFact]
    [UnsupportedOSPlatform("windows")]
    public void AFolderWritableByOthersIsNeitherReadNorWritten()
    {
        using var dir = new TempDir();
        string folder = Path.Combine(dir.Path, "cache");
        byte[] stored = UniqueModule();
        Cache(folder).Start(stored);
        string path = ArtifactPath(folder, stored);
        var written = File.GetLastWriteTimeUtc(path);
        File.SetUnixFileMode(folder, (UnixFileMode)0b111_111_111);
        byte[] other = UniqueModule();

        var hit = Cache(folder).Start(stored);
        var miss = Cache(folder).Start(other);

        Assert.Equal(("compiled", "compiled"), (hit.Source, miss.Source));
        string refused = $"the disk compile cache was skipped: its folder {folder} is writable by group or others (mode 777); make it private with chmod 700";
        Assert.Equal((refused, refused), (hit.Note, miss.Note));
        Assert.Equal(written, File.GetLastWriteTimeUtc(path));
        Assert.False(File.Exists(ArtifactPath(folder, other)));
        Assert.Equal(folder, hit.CompileCacheDir);
    }

    [UnixFact]
    [UnsupportedOSPlatform("windows")]
    public void ANewFolderIsPrivate()
    {
        using var dir = new TempDir();
        string folder = Path.Combine(dir.Path, "a", "cache");
        Cache(folder).Start(UniqueModule());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder) & (UnixFileMode)0b111_111_111);
    }

    [Fact]
    public void OffKeepsModulesInMemoryOnly()
    {
        var settings = CompileCacheSettings.FromVariables(name => name == CompileCacheSettings.DirectoryVariable ? "Off" : null);
        byte[] wasm = UniqueModule();
        var cache = new ModuleCache(settings);

        var first = cache.Start(wasm, Profile);
        var again = cache.Start(wasm, Profile);
        var newProcess = new ModuleCache(settings).Start(wasm, Profile);

        Assert.Equal(("compiled", "memory", "compiled"), (first.Source, again.Source, newProcess.Source));
        Assert.Null(first.CompileCacheDir);
        Assert.Equal("the disk compile cache is off (WASMSANDBOX_CACHE_DIR=Off)", first.Note);
    }

    [Fact]
    public void ConcurrentFirstStartsCompileOnce()
    {
        using var dir = new TempDir();
        var cache = Cache(dir.Path);
        byte[] wasm = UniqueModule();
        string sha = ModuleCache.Hash(wasm);
        const int threads = 8;
        var ready = new Barrier(threads);
        var results = new (Wasmtime.Module Module, WasmWarmup Warmup)[threads];

        var workers = Enumerable.Range(0, threads).Select(i => new Thread(() =>
        {
            ready.SignalAndWait();
            results[i] = cache.GetOrCompile(Profile, wasm, sha, "g.wasm", "g.wasm");
        })).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());

        Assert.Equal(1, cache.Loads);
        Assert.Single(results, r => r.Warmup.Source == "compiled");
        Assert.Equal(threads - 1, results.Count(r => r.Warmup.Source == "memory"));
        Assert.All(results, r => Assert.Same(results[0].Module, r.Module));
        cache.WaitForBackground();
        Assert.Single(Directory.GetFiles(dir.Path, "*.cwasm"));
    }

    [Fact]
    public void PrecompileFillsBothCaches()
    {
        using var dir = new TempDir();
        var cache = Cache(dir.Path);
        byte[] wasm = UniqueModule();
        string sha = ModuleCache.Hash(wasm);

        var ahead = cache.Precompile(Profile, () => wasm, sha, "g.wasm", "g.wasm");
        var start = cache.Start(wasm, Profile);

        Assert.Equal(("compiled", "memory"), (ahead.Source, start.Source));
        Assert.Equal("disk", Cache(dir.Path).Start(wasm, Profile).Source);
    }

    [Fact]
    public void PrecompileRestoresAnArtifactMissingFromDisk()
    {
        using var dir = new TempDir();
        var cache = Cache(dir.Path);
        byte[] wasm = UniqueModule();
        cache.Start(wasm, Profile);
        File.Delete(ArtifactPath(dir.Path, wasm, Profile));

        var again = cache.Precompile(Profile, () => wasm, ModuleCache.Hash(wasm), "g.wasm", "g.wasm");

        Assert.Equal("memory", again.Source);
        Assert.Null(again.Note);
        Assert.Equal("disk", Cache(dir.Path).Start(wasm, Profile).Source);
    }

    [Fact]
    public void TheDiskCacheKeepsTheMostRecentlyUsedWithinItsBound()
    {
        using var dir = new TempDir();
        byte[][] modules = [UniqueModule(), UniqueModule(), UniqueModule()];
        var paths = modules.Select(m => ArtifactPath(dir.Path, m)).ToArray();
        foreach (var m in modules)
        {
            Cache(dir.Path).Start(m);
        }
        long[] sizes = paths.Select(p => new FileInfo(p).Length).ToArray();
        File.Delete(paths[2]);
        var now = DateTime.UtcNow;
        File.SetLastAccessTimeUtc(paths[0], now.AddHours(-1));
        File.SetLastAccessTimeUtc(paths[1], now.AddHours(-2));

        // Room for two: storing the third must evict the least recently used, which is the second.
        Cache(dir.Path, maxBytes: sizes.Sum() - 1).Start(modules[2]);

        Assert.Equal([true, false, true], paths.Select(File.Exists));
    }

    [Fact]
    public void ADiskHitCountsAsAUse()
    {
        using var dir = new TempDir();
        byte[] wasm = UniqueModule();
        Cache(dir.Path).Start(wasm, Profile);
        string path = ArtifactPath(dir.Path, wasm, Profile);
        // In the future, so a relatime mount (which records a read when the access time is older than the last
        // change) leaves it alone and only the cache's own touch brings it back to now.
        File.SetLastAccessTimeUtc(path, DateTime.UtcNow.AddDays(1));

        Assert.Equal("disk", Cache(dir.Path).Start(wasm, Profile).Source);
        Assert.InRange(File.GetLastAccessTimeUtc(path), DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow);
    }

    [Fact]
    public void AModuleLargerThanTheBoundIsNotStored()
    {
        using var dir = new TempDir();
        byte[] wasm = UniqueModule();

        var warmup = Cache(dir.Path, maxBytes: 1000).Start(wasm, Profile);

        Assert.Equal("compiled", warmup.Source);
        if (Profile.Tier == WasmCompileTier.Optimized)
        {
            // Baseline artifacts are written in the background, after the start has its warmup: the bound holds for
            // them (below), but its note reaches no start.
            Assert.Contains("exceed the compile cache bound of 1000 bytes", warmup.Note);
        }
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    private static byte[] Flip(byte[] bytes, int at)
    {
        var copy = (byte[])bytes.Clone();
        copy[at] ^= 0xFF;
        return copy;
    }
}

/// <summary>The same rules (trust, corruption, bounds, concurrency) for artifacts of the baseline tier (Winch).</summary>
public sealed class ModuleCacheTestsOnBaseline : ModuleCacheTests
{
    private protected override EngineProfile Profile => BaselineProfile;
}
