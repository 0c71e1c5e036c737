using Wasmtime;
using Xunit;
using static WasmSandbox.Tests.CompileCacheTesting;

namespace WasmSandbox.Tests;

/// <summary>
/// The identity cache's promise: a start of an unchanged module file neither reads, hashes nor inspects it, and any
/// change — content rewritten with the size and mtime restored, another file renamed over it, a symbolic link pointed
/// elsewhere, a change between the check and the compile — is noticed and the new content judged, never run unjudged.
/// Reads and hashes are counted by the loader's own hooks, for this test's paths only.
/// </summary>
public sealed class ModuleIdentityCacheTests : IDisposable
{
    // Short, so a test waits only this long for a file it wrote to count as settled; the rule is the same as in use.
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(50);
    private static readonly DateTime Fixed = new(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    private readonly TempDir _dir = new();
    private readonly ModuleIdentityCache _identities = new(settleTime: Settle);
    private int _reads;
    private int _hashes;

    public ModuleIdentityCacheTests()
    {
        ModuleFile.ContentRead += CountRead;
        ModuleLoader.Hashing += CountHash;
    }

    public void Dispose()
    {
        ModuleFile.ContentRead -= CountRead;
        ModuleLoader.Hashing -= CountHash;
        _dir.Dispose();
    }

    private void CountRead(string path)
    {
        if (path.StartsWith(_dir.Path, StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _reads);
        }
    }

    private void CountHash(string path)
    {
        if (path.StartsWith(_dir.Path, StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _hashes);
        }
    }

    private (int Reads, int Hashes) Counted()
    {
        var counted = (Volatile.Read(ref _reads), Volatile.Read(ref _hashes));
        _reads = 0;
        _hashes = 0;
        return counted;
    }

    /// <summary>A module with <paramref name="pages"/> of memory: 200 pages is under the default limit, 5000 (312 MiB)
    /// over it, and both encode in two bytes, so the two modules have the same size.</summary>
    private static byte[] Module(int pages, string tag, string imports = Wat.Imports) =>
        Wasmtime.Module.ConvertText(Wat.Command(Wat.Print(1024, 32), Wat.Data(tag), imports, $"(memory (export \"memory\") {pages})"));

    private string WriteSettled(string name, byte[] wasm)
    {
        string path = Path.Combine(_dir.Path, name);
        File.WriteAllBytes(path, wasm);
        File.SetLastWriteTimeUtc(path, Fixed);
        Thread.Sleep(Settle * 2);
        return path;
    }

    private ReadModule Read(string path, WasmExecutionOptions? options = null) =>
        ModuleLoader.Read(new WasmContext(path), _dir.Path, PolicyBuilder.Build(options ?? new WasmExecutionOptions(), _dir.Path), _identities);

    private static FileIdentity IdentityOf(string path)
    {
        using var file = ModuleFile.Open(path);
        return UnixFile.IdentityOf(file)!.Value;
    }

    private ModuleCache FreshCache() => FreshCache(out _);

    private ModuleCache FreshCache(out string folder)
    {
        folder = Path.Combine(_dir.Path, "cache-" + Guid.NewGuid().ToString("N"));
        return Cache(folder);
    }

    [LinuxFact]
    public void AnUnchangedFileIsNeitherReadNorHashedAgainAndItsBytesAreReadOnlyToCompile()
    {
        byte[] wasm = Module(200, Guid.NewGuid().ToString("N"));
        string path = WriteSettled("g.wasm", wasm);
        var cache = FreshCache(out string folder);

        var first = Read(path);
        Assert.Equal((1, 1), Counted());
        Assert.True(first.HoldsBytes);
        ModuleLoader.Load(first, Profile, null, WasmCompilePolicy.Optimized, cache, null);

        var second = Read(path);
        Assert.Equal((0, 0), Counted());
        Assert.False(second.HoldsBytes);
        Assert.Equal((ModuleCache.Hash(wasm), first.Report), (second.Sha256, second.Report));
        var (_, fromMemory, _) = ModuleLoader.Load(second, Profile, null, WasmCompilePolicy.Optimized, cache, null);
        Assert.Equal("memory", fromMemory.Source);
        Assert.Equal((0, 0), Counted());

        // A new process's memory cache: the compiled module comes from disk, still without reading the module.
        var (_, fromDisk, _) = ModuleLoader.Load(Read(path), Profile, null, WasmCompilePolicy.Optimized, Cache(folder), null);
        Assert.Equal("disk", fromDisk.Source);
        Assert.Equal((0, 0), Counted());

        // A compile reads the file once, verified by its hash.
        var third = Read(path);
        var (_, compiled, _) = ModuleLoader.Load(third, Profile, null, WasmCompilePolicy.Optimized, FreshCache(), null);
        Assert.Equal("compiled", compiled.Source);
        Assert.Equal((1, 1), Counted());
        Assert.True(third.HoldsBytes);
    }

    [LinuxFact]
    public void ASecondStartOfTheRuntimeNeitherReadsNorHashesTheFile()
    {
        // Through WasmRuntime.Start and the process's cache, whose settle time (2 s) the file must be older than.
        byte[] wasm = Module(200, Guid.NewGuid().ToString("N"));
        string path = Path.Combine(_dir.Path, "g.wasm");
        File.WriteAllBytes(path, wasm);
        Thread.Sleep(ModuleIdentityCache.Shared.SettleTime + TimeSpan.FromMilliseconds(100));
        var runtime = new WasmRuntime(pool: null, FreshCache());
        var context = new WasmContext(path);
        var options = new WasmExecutionOptions { WorkingDirectory = _dir.Path };

        var first = Sandbox.Collect(runtime.Start(context, options));
        Assert.Equal((1, 1), Counted());
        var second = Sandbox.Collect(runtime.Start(context, options));

        Assert.Equal((0, 0), Counted());
        Assert.Equal((0, 0), (first.ExitCode, second.ExitCode));
        Assert.Equal(first.Stdout, second.Stdout);
        Assert.Equal("memory", second.Execution.Warmup.Source);
    }

    [LinuxFact]
    public void ContentRewrittenWithTheSameSizeAndMtimeIsJudgedAfresh()
    {
        string tag = Guid.NewGuid().ToString("N");
        byte[] runnable = Module(200, tag);
        byte[] tooMuchMemory = Module(5000, tag);
        Assert.Equal(runnable.Length, tooMuchMemory.Length);
        string path = WriteSettled("g.wasm", runnable);
        Read(path);
        var before = IdentityOf(path);

        File.WriteAllBytes(path, tooMuchMemory); // same inode, same size
        File.SetLastWriteTimeUtc(path, Fixed);
        var after = IdentityOf(path);
        Assert.Equal((before.Device, before.Inode, before.Size, before.ModifiedNs), (after.Device, after.Inode, after.Size, after.ModifiedNs));
        Counted();

        Assert.Throws<WasmMemoryLimitException>(() => Read(path));
        Assert.Equal((1, 0), Counted());
    }

    [LinuxFact]
    public void AnotherFileRenamedOverThePathIsRead()
    {
        string tag = Guid.NewGuid().ToString("N");
        byte[] first = Module(200, tag);
        byte[] second = Module(201, tag);
        string path = WriteSettled("g.wasm", first);
        string other = WriteSettled("other.wasm", second);
        Read(path);
        File.Move(other, path, overwrite: true);
        Counted();

        var read = Read(path);

        Assert.Equal((1, 1), Counted());
        Assert.Equal(ModuleCache.Hash(second), read.Sha256);
    }

    [LinuxFact]
    public void ASymbolicLinkPointedElsewhereIsRead()
    {
        string tag = Guid.NewGuid().ToString("N");
        byte[] first = Module(200, tag);
        byte[] second = Module(201, tag);
        string a = WriteSettled("a.wasm", first);
        string b = WriteSettled("b.wasm", second);
        string link = Path.Combine(_dir.Path, "tool.wasm");
        File.CreateSymbolicLink(link, a);
        Assert.Equal(ModuleCache.Hash(first), Read(link).Sha256);
        Assert.False(Read(link).HoldsBytes);

        File.Delete(link);
        File.CreateSymbolicLink(link, b);
        Counted();
        var read = Read(link);

        Assert.Equal((1, 1), Counted());
        Assert.Equal(ModuleCache.Hash(second), read.Sha256);
    }

    [LinuxFact]
    public void AFileJustWrittenIsNotRemembered()
    {
        // Within the settle time, a write in the same timestamp tick as the read could leave the identity unchanged.
        var identities = new ModuleIdentityCache(settleTime: TimeSpan.FromHours(1));
        string path = WriteSettled("g.wasm", Module(200, Guid.NewGuid().ToString("N")));
        var policy = PolicyBuilder.Build(new WasmExecutionOptions(), _dir.Path);

        ModuleLoader.Read(new WasmContext(path), _dir.Path, policy, identities);
        var again = ModuleLoader.Read(new WasmContext(path), _dir.Path, policy, identities);

        Assert.Equal((2, 2), Counted());
        Assert.True(again.HoldsBytes);
        Assert.Equal(0, identities.Count);
    }

    [LinuxFact]
    public void AReportIsRememberedPerInspectionOptions()
    {
        string path = WriteSettled("g.wasm", Module(200, Guid.NewGuid().ToString("N"))); // 12.5 MiB of memory
        Read(path);
        Counted();

        Assert.Throws<WasmMemoryLimitException>(() => Read(path, new WasmExecutionOptions { MaxMemoryBytes = 1024 * 1024 }));
        Assert.Equal((1, 0), Counted());
    }

    [LinuxFact]
    public void ContentChangedBetweenTheCheckAndTheCompileIsJudgedAndCompiledUnderItsOwnHash()
    {
        string tag = Guid.NewGuid().ToString("N");
        byte[] original = Module(200, tag);
        string path = WriteSettled("g.wasm", original);
        Read(path);
        var read = Read(path);
        Assert.False(read.HoldsBytes);
        // Imports a function no tier links: runnable, with a link problem the start must now see.
        byte[] changed = Module(200, tag, Wat.Imports + """(import "env" "launch" (func))""");
        File.WriteAllBytes(path, changed);
        var cache = FreshCache();
        Counted();

        var (module, warmup, _) = ModuleLoader.Load(read, Profile, null, WasmCompilePolicy.Optimized, cache, null);

        Assert.Equal("compiled", warmup.Source);
        Assert.Equal((1, 1), Counted());
        Assert.Equal(ModuleCache.Hash(changed), read.Sha256);
        Assert.Contains(module.Imports, i => i.ModuleName == "env");
        Assert.Contains("launch", read.LinkProblem);
        // Nothing was stored under the original's hash.
        Assert.Equal("compiled", cache.GetOrCompile(Profile, original, ModuleCache.Hash(original), "g.wasm", "g.wasm").Warmup.Source);
    }

    [LinuxFact]
    public void RefusedContentFoundAtTheCompileIsRefused()
    {
        string tag = Guid.NewGuid().ToString("N");
        string path = WriteSettled("g.wasm", Module(200, tag));
        Read(path);
        var read = Read(path);
        File.WriteAllBytes(path, Module(5000, tag));
        var cache = FreshCache();

        Assert.Throws<WasmMemoryLimitException>(() => ModuleLoader.Load(read, Profile, null, WasmCompilePolicy.Optimized, cache, null));
        // Still refused at the next try, and never made this start's content.
        Assert.Throws<WasmMemoryLimitException>(() => ModuleLoader.Load(read, Profile, null, WasmCompilePolicy.Optimized, cache, null));
        Assert.False(read.HoldsBytes);
    }

    [Fact]
    public void TheCacheIsBoundedAndDropsTheLeastRecentlyUsed()
    {
        var identities = new ModuleIdentityCache(maxEntries: 3, settleTime: TimeSpan.Zero);
        var key = new ModuleInspectionKey(WasmPermissionTier.Isolated, 1024);
        var report = WasmModuleInspector.Inspect("g.wasm", Module(1, "x"), key.ToOptions());
        var readAt = DateTime.UtcNow; // long after the identities' ctime (1 ns past the epoch): settled
        FileIdentity Identity(int i) => new(1, (ulong)i, 100, 1, 1);

        for (int i = 0; i < 10; i++)
        {
            identities.Remember($"/m/{i}", Identity(i), Identity(i), readAt, $"sha{i}", key, report);
            Assert.True(identities.TryGet("/m/7", Identity(7), key, out _, out _) || i < 7); // kept in use
        }

        Assert.Equal(3, identities.Count);
        Assert.True(identities.TryGet("/m/7", Identity(7), key, out string sha, out _));
        Assert.Equal("sha7", sha);
        Assert.True(identities.TryGet("/m/9", Identity(9), key, out _, out _));
        Assert.False(identities.TryGet("/m/0", Identity(0), key, out _, out _));
        Assert.False(identities.TryGet("/m/9", Identity(9) with { ChangedNs = 2 }, key, out _, out _));

        // Reports are bounded by their estimated size too: a quarter of the budget is the most one entry may take.
        var small = new ModuleIdentityCache(maxReportBytes: 16 * 1024, settleTime: TimeSpan.Zero);
        for (int i = 0; i < 50; i++)
        {
            small.Remember($"/m/{i}", Identity(i), Identity(i), readAt, $"sha{i}", key, report);
        }
        Assert.InRange(small.ReportBytes, 1, 16 * 1024);
        Assert.InRange(small.Count, 1, 49);
    }

    [Fact]
    public void BytesAreHashedOncePerContext()
    {
        string name = Guid.NewGuid().ToString("N") + ".wasm";
        var context = WasmContext.FromBytes(Module(200, name), name);
        int hashes = 0;
        void Count(string path)
        {
            if (path == name)
            {
                Interlocked.Increment(ref hashes);
            }
        }
        ModuleLoader.Hashing += Count;
        try
        {
            var first = ModuleLoader.Read(context, _dir.Path, PolicyBuilder.Build(new WasmExecutionOptions(), _dir.Path), _identities);
            var second = ModuleLoader.Read(context, _dir.Path, PolicyBuilder.Build(new WasmExecutionOptions(), _dir.Path), _identities);
            Assert.Throws<WasmMemoryLimitException>(() => ModuleLoader.Read(context, _dir.Path,
                PolicyBuilder.Build(new WasmExecutionOptions { MaxMemoryBytes = 1024 * 1024 }, _dir.Path), _identities));

            Assert.Equal(first.Sha256, second.Sha256);
            Assert.True(second.HoldsBytes);
        }
        finally
        {
            ModuleLoader.Hashing -= Count;
        }
        Assert.Equal(1, hashes);
    }
}

/// <summary>A fact about Linux, where file identities are read with statx (elsewhere every start reads the file).</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "file identities are read on Linux only";
        }
    }
}
