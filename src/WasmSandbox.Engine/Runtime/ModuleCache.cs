using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// Compiled modules shared by every context and execution of the process, keyed by the SHA-256 of the module bytes
/// and the engine profile: a changed file (or a symlink moved to another file) compiles afresh, an unchanged one
/// never does, and concurrent first starts of one module compile it once. Behind the memory cache sits the disk
/// cache, so a new process loads what an earlier one compiled. The disk cache's settings are read again at each start
/// (<see cref="CompileCacheSettings.FromEnvironment"/>), so changing WASMSANDBOX_CACHE_DIR in a session takes effect
/// at the next start; modules already in memory stay there.
/// </summary>
internal sealed class ModuleCache
{
    private const int MaxEntries = 128;

    private readonly ConcurrentDictionary<string, Lazy<Loaded>> _modules = new();
    private readonly ConcurrentQueue<string> _order = new();
    // Where the settings come from at each start; null when they were given once and never change (tests).
    private readonly Func<CompileCacheSettings>? _read;
    // One disk cache per folder and bound ever used, so that switching back reuses it and a revocation reaches every
    // folder this process has loaded native code from.
    private readonly ConcurrentDictionary<(string Directory, long MaxBytes), DiskCompileCache> _disks = new();
    private volatile Setup _setup;
    private int _loads;

    /// <summary>A cache set up from the host's environment (<see cref="CompileCacheSettings.FromEnvironment"/>).</summary>
    /// <remarks>
    /// Also initializes the platform's SHA-256 on a pool thread: its first use (on Linux, OpenSSL loading its
    /// providers) takes longer than hashing a large module, and so it overlaps the engine's creation instead of
    /// delaying the first start. A failure there is left for the first real hash to report.
    /// </remarks>
    public ModuleCache()
        : this(CompileCacheSettings.FromEnvironment)
    {
        _ = Task.Run(static () => SHA256.HashData([]));
    }

    /// <summary>A cache whose settings never change.</summary>
    public ModuleCache(CompileCacheSettings settings) => _setup = SetupFor(settings);

    /// <summary>A cache that asks <paramref name="read"/> for its settings at each start.</summary>
    internal ModuleCache(Func<CompileCacheSettings> read)
    {
        _read = read;
        _setup = SetupFor(read());
    }

    private Setup SetupFor(CompileCacheSettings settings) => new(settings, settings.Directory is null
        ? null
        : _disks.GetOrAdd((settings.Directory, settings.MaxBytes), static key => new DiskCompileCache(key.Directory, key.MaxBytes)));

    /// <summary>The settings for this start: the environment's now, when the cache reads it.</summary>
    private Setup Current()
    {
        var setup = _setup;
        if (_read is null)
        {
            return setup;
        }
        var settings = _read();
        if (settings == setup.Settings)
        {
            return setup;
        }
        var changed = SetupFor(settings);
        _setup = changed;
        return changed;
    }

    /// <summary>
    /// This start's settings and disk cache, for the component cache (<see cref="ComponentCache"/>): components share
    /// the folder, its trust rules and its key revocation with modules.
    /// </summary>
    internal (CompileCacheSettings Settings, DiskCompileCache? Disk) CurrentDisk()
    {
        var setup = Current();
        return (setup.Settings, setup.Disk);
    }

    /// <summary>How many modules were compiled or read from disk, as opposed to taken from memory.</summary>
    public int Loads => Volatile.Read(ref _loads);

    public static string Hash(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public (Module Module, WasmWarmup Warmup) GetOrCompile(EngineProfile profile, byte[] wasm, string sha256, string modulePath, string displayName)
    {
        var setup = Current();
        var loaded = Get(profile, wasm, sha256, displayName, setup);
        return (loaded.Module, Warmup(loaded, modulePath, setup));
    }

    /// <summary>
    /// Compiles the module into the memory and disk caches without running it, so the first start costs nothing.
    /// A module already in memory is stored on disk if its artifact is missing (evicted, or the disk cache was
    /// unusable when it was compiled).
    /// </summary>
    public WasmWarmup Precompile(EngineProfile profile, byte[] wasm, string sha256, string modulePath, string displayName)
    {
        var setup = Current();
        var loaded = Get(profile, wasm, sha256, displayName, setup);
        var warmup = Warmup(loaded, modulePath, setup);
        if (warmup.Source != WasmWarmup.FromMemory || setup.Disk is null)
        {
            return warmup;
        }
        string? note = setup.Disk.EnsureStored(profile.Key, sha256, loaded.Module);
        return new WasmWarmup(WasmWarmup.FromMemory, modulePath, setup.Settings.Directory, TimeSpan.Zero, note);
    }

    private Loaded Get(EngineProfile profile, byte[] wasm, string sha256, string displayName, Setup setup)
    {
        string key = $"{profile.EngineKey}/{sha256}";
        var lazy = _modules.GetOrAdd(key, _ => new Lazy<Loaded>(
            () => Load(profile, wasm, sha256, displayName, setup), LazyThreadSafetyMode.ExecutionAndPublication));
        Loaded loaded;
        try
        {
            loaded = lazy.Value;
        }
        catch
        {
            // Do not keep a failed compile: the next start re-reads the file and tries again.
            _modules.TryRemove(new KeyValuePair<string, Lazy<Loaded>>(key, lazy));
            throw;
        }
        // Once per load, not per caller, so the queue holds each cached key once.
        if (loaded.TryEnqueue())
        {
            _order.Enqueue(key);
            Trim();
        }
        return loaded;
    }

    /// <summary>Takes the module from disk, or compiles it and stores it there.</summary>
    private Loaded Load(EngineProfile profile, byte[] wasm, string sha256, string displayName, Setup setup)
    {
        Interlocked.Increment(ref _loads);
        var notes = new List<string>();
        if (setup.Settings.Note is not null)
        {
            notes.Add(setup.Settings.Note);
        }
        if (setup.Disk is { } disk)
        {
            var clock = Stopwatch.StartNew();
            var (stored, note) = disk.TryLoad(profile.Engine, profile.Key, sha256, displayName);
            if (stored is not null)
            {
                return new Loaded(stored, new Report(WasmWarmup.FromDisk, clock.Elapsed, Join(notes)));
            }
            if (note is not null)
            {
                notes.Add(note);
            }
        }
        var compileClock = Stopwatch.StartNew();
        var module = Module.FromBytes(profile.Engine, displayName, wasm);
        var compileTime = compileClock.Elapsed;
        if (setup.Disk?.Store(profile.Key, sha256, module) is { } storeNote)
        {
            notes.Add(storeNote);
        }
        return new Loaded(module, new Report(WasmWarmup.Compiled, compileTime, Join(notes)));
    }

    /// <summary>
    /// The load's own report for the first execution that asks, a memory hit for every later one: exactly one
    /// execution is charged with the compile, even when several waited for it.
    /// </summary>
    private static WasmWarmup Warmup(Loaded loaded, string modulePath, Setup setup)
    {
        var report = loaded.Claim() ? loaded.Report : Report.Memory;
        return new WasmWarmup(report.Source, modulePath, setup.Settings.Directory, report.Time, report.Note);
    }

    // Distinct: a refused folder is reported by the attempt to read and again by the attempt to write.
    private static string? Join(List<string> notes) => notes.Count == 0 ? null : string.Join("; ", notes.Distinct());

    /// <summary>
    /// Drops the oldest entries past the bound. A dropped module is not disposed: executions may still hold it, and
    /// the finalizer of Wasmtime's handle frees it once they are gone.
    /// </summary>
    private void Trim()
    {
        while (_modules.Count > MaxEntries && _order.TryDequeue(out var oldest))
        {
            _modules.TryRemove(oldest, out _);
        }
    }

    private sealed record Setup(CompileCacheSettings Settings, DiskCompileCache? Disk);

    private sealed record Report(string Source, TimeSpan Time, string? Note)
    {
        public static readonly Report Memory = new(WasmWarmup.FromMemory, TimeSpan.Zero, null);
    }

    private sealed class Loaded(Module module, Report report)
    {
        private int _claimed;
        private int _enqueued;

        public Module Module { get; } = module;

        public Report Report { get; } = report;

        public bool Claim() => Interlocked.Exchange(ref _claimed, 1) == 0;

        public bool TryEnqueue() => Interlocked.Exchange(ref _enqueued, 1) == 0;
    }

    /// <summary>
    /// When a guest with <paramref name="policy"/>'s grants could reach the folder of a disk cache this process has
    /// used (the current one or one it used before the settings changed), an action that revokes those caches' keys
    /// (to run once that guest's store is gone); null otherwise.
    /// </summary>
    public Action? RevocationFor(SandboxPolicy policy)
    {
        var reachable = _disks.Values.Where(d => d.IsReachableBy(policy)).ToArray();
        return reachable.Length == 0 ? null : () =>
        {
            foreach (var disk in reachable)
            {
                disk.RevokeKey();
            }
        };
    }
}
