using System.Diagnostics;
using Wasmtime;
using Xunit;

namespace WasmSandbox.Tests;

/// <summary>Modules, engines and caches for the compile cache tests, each cache in a folder of its own.</summary>
internal static class CompileCacheTesting
{
    public static EngineProfile Profile => WasmRuntime.Shared.ProfileFor(new WasmExecutionOptions());

    public static EngineProfile BaselineProfile => WasmRuntime.Shared.BaselineProfileFor(new WasmExecutionOptions());

    public static EngineProfile MeteredProfile => WasmRuntime.Shared.ProfileFor(new WasmExecutionOptions { MaxFuel = 1_000_000 });

    /// <summary>A module no other test compiles, so every cache starts cold for it.</summary>
    public static byte[] UniqueModule() => Module.ConvertText(Wat.Command(Wat.Print(1024, 32), Wat.Data(Guid.NewGuid().ToString("N"))));

    /// <summary>A fresh cache over <paramref name="directory"/>, as a new process would have.</summary>
    public static ModuleCache Cache(string directory, long maxBytes = CompileCacheSettings.DefaultMaxBytes) =>
        new(new CompileCacheSettings { Directory = directory, MaxBytes = maxBytes });

    /// <summary>
    /// Takes the module from <paramref name="cache"/> as a start would, then waits until the background writes are
    /// done (baseline artifacts are stored in the background), so the disk holds what the start stored.
    /// </summary>
    public static WasmWarmup Start(this ModuleCache cache, byte[] wasm, EngineProfile? profile = null)
    {
        var warmup = cache.GetOrCompile(profile ?? Profile, wasm, ModuleCache.Hash(wasm), "guest.wasm", "guest.wasm").Warmup;
        cache.WaitForBackground();
        return warmup;
    }

    /// <summary>Waits (bounded) until <paramref name="cache"/>'s background compiler has nothing queued or running.</summary>
    public static void WaitForBackground(this ModuleCache cache)
    {
        var clock = Stopwatch.StartNew();
        while (cache.BackgroundPending > 0)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "the background work did not finish within 2 minutes");
            Thread.Sleep(5);
        }
    }

    public static string ArtifactPath(string directory, byte[] wasm, EngineProfile? profile = null) =>
        new DiskCompileCache(directory, CompileCacheSettings.DefaultMaxBytes).ArtifactPath((profile ?? Profile).Key, ModuleCache.Hash(wasm));

    /// <summary>Runs a host tool (chown, ln) that .NET has no API for, and fails the test if it fails.</summary>
    public static void Run(string tool, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(tool, arguments) { RedirectStandardError = true })!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{tool} {string.Join(' ', arguments)} failed: {error}");
    }
}

/// <summary>A fact about Unix file modes and owners, which Windows does not have.</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "Unix file modes and owners only";
        }
    }
}

/// <summary>A theory about Unix file modes and owners, which Windows does not have.</summary>
public sealed class UnixTheoryAttribute : TheoryAttribute
{
    public UnixTheoryAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "Unix file modes and owners only";
        }
    }
}

/// <summary>A Unix fact for an ordinary user: root's own folders are trusted for every user, so root cannot see the rule.</summary>
public sealed class NotRootFactAttribute : FactAttribute
{
    public NotRootFactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "Unix file owners only";
        }
        else if (Environment.IsPrivilegedProcess)
        {
            Skip = "runs as an ordinary user: root owns the folders here, and root's folders are trusted for every user (the root tests chown instead)";
        }
    }
}

/// <summary>A Unix fact that needs root, because only root can give a file to another user (chown).</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "Unix file owners only";
        }
        else if (!Environment.IsPrivilegedProcess)
        {
            Skip = "needs root: only root can chown a folder or file to another user";
        }
    }
}
