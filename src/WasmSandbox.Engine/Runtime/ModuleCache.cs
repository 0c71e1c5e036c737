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
    private readonly BackgroundCompiler _background = new();
    // Modules (by SHA-256) the baseline compiler refused: their tiered starts go straight to optimized code.
    private readonly ConcurrentDictionary<string, string> _baselineRefused = new(StringComparer.Ordinal);
    // Background compiles that failed, by memory-cache key, with Wasmtime's reason: the next start compiles in the
    // foreground instead, where the failure is reported (or a pool refusal handled) like any other.
    private readonly ConcurrentDictionary<string, string> _backgroundFailed = new(StringComparer.Ordinal);

    [ThreadStatic]
    private static bool t_inBackground;

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

    /// <summary>Module bytes already in memory (the trampoline, tests).</summary>
    public (Module Module, WasmWarmup Warmup) GetOrCompile(EngineProfile profile, byte[] wasm, string sha256, string modulePath, string displayName) =>
        GetOrCompile(profile, () => wasm, sha256, modulePath, displayName);

    /// <summary>
    /// The compiled module whose binary has the SHA-256 <paramref name="sha256"/>. <paramref name="wasm"/> is called only
    /// when the module must be compiled (not in memory, not on disk), and may throw (for a module read from a file,
    /// <see cref="ReadModule.ContentChangedException"/> when the file no longer holds that content): the entry is then
    /// dropped, as after a failed compile, and the exception passes to the caller.
    /// </summary>
    public (Module Module, WasmWarmup Warmup) GetOrCompile(EngineProfile profile, Func<byte[]> wasm, string sha256, string modulePath, string displayName)
    {
        var setup = Current();
        var loaded = Get(profile, wasm, sha256, displayName, setup);
        return (loaded.Module, Warmup(loaded, modulePath, setup));
    }

    /// <summary>How many background compiles are queued or running.</summary>
    public int BackgroundPending => _background.Pending;

    /// <summary>For tests: called on the background compiler's thread as it starts compiling a module (its entry is then being loaded).</summary>
    internal Action? BackgroundCompileStarting { get; set; }

    /// <summary>
    /// The compiled module for one start under <paramref name="policy"/>, and the profile whose engine it belongs to
    /// (<paramref name="optimized"/> or <paramref name="baseline"/>). This is the one place that decides the tier:
    /// <list type="bullet">
    /// <item><see cref="WasmCompilePolicy.Optimized"/>, or no baseline profile: optimized code, compiled now if it must be.</item>
    /// <item><see cref="WasmCompilePolicy.Baseline"/>: baseline code; optimized code only if the baseline compiler refuses the module.</item>
    /// <item><see cref="WasmCompilePolicy.Tiered"/>: optimized code when it is in memory or on disk; otherwise baseline
    /// code, with the optimized code queued for the background compiler (once per module and engine).</item>
    /// </list>
    /// A module the baseline compiler refuses (a feature Winch lacks, such as tail calls) runs on optimized code, with a
    /// note, never a failure.
    /// </summary>
    /// <param name="optimized">The profile this start runs optimized code on (the pool's, when it holds a slot).</param>
    /// <param name="baseline">The baseline profile (created on first use); null when baseline code may not be used.</param>
    /// <param name="policy">The start's compile policy.</param>
    /// <param name="wasm">The checked module bytes, asked for only when something must be compiled (see
    /// <see cref="GetOrCompile(EngineProfile, Func{byte[]}, string, string, string)"/>).</param>
    /// <param name="sha256">Their SHA-256, the cache key.</param>
    /// <param name="modulePath">The module path as the context gave it (for the warmup facts).</param>
    /// <param name="displayName">The module's name in Wasmtime's messages.</param>
    /// <param name="baselineUnavailable">Why there is no baseline profile, for the warmup note; null if there is one.</param>
    /// <param name="preferred">The profile later starts will prefer (the pool's while the pool is usable), for which
    /// the background compile prepares code; null for <paramref name="optimized"/>.</param>
    public (Module Module, WasmWarmup Warmup, EngineProfile Profile) GetForStart(EngineProfile optimized, Func<EngineProfile>? baseline,
        WasmCompilePolicy policy, Func<byte[]> wasm, string sha256, string modulePath, string displayName, string? baselineUnavailable = null,
        EngineProfile? preferred = null)
    {
        var setup = Current();
        if (policy == WasmCompilePolicy.Optimized || baseline is null)
        {
            var loaded = Get(optimized, wasm, sha256, displayName, setup, out var waited);
            string? why = policy == WasmCompilePolicy.Optimized ? null : baselineUnavailable;
            return (loaded.Module, Warmup(loaded, modulePath, setup, WasmCompileTier.Optimized, waited: waited).WithNote(why is null ? null : $"{why}; the module runs on optimized code"), optimized);
        }
        // Why a stored optimized artifact was not used (tampered, foreign, unreadable): said on this start's warmup,
        // whatever code it then runs on, as a start without tiers would say it.
        string? diskNote = null;
        if (policy == WasmCompilePolicy.Tiered)
        {
            if (TryTakeOptimized(optimized, sha256, displayName, setup, out diskNote) is { } ready)
            {
                return (ready.Module, Warmup(ready, modulePath, setup, WasmCompileTier.Optimized), optimized);
            }
            if (_backgroundFailed.ContainsKey(Key(optimized, sha256)))
            {
                // Compiled in the foreground so that the failure (or the pool's refusal) surfaces as it would without tiers.
                var loaded = Get(optimized, wasm, sha256, displayName, setup);
                _backgroundFailed.TryRemove(Key(optimized, sha256), out _);
                return (loaded.Module, Warmup(loaded, modulePath, setup, WasmCompileTier.Optimized), optimized);
            }
        }
        if (!_baselineRefused.TryGetValue(sha256, out string? refused))
        {
            try
            {
                var profile = baseline();
                Loaded loaded;
                using (_background.HoldForeground())
                {
                    loaded = Get(profile, wasm, sha256, displayName, setup);
                }
                // Scheduled once Winch has taken the module: one it refuses is compiled by this start below, in the
                // foreground on every core, rather than by the background compiler on one thread while the start waits.
                bool pending = policy == WasmCompilePolicy.Tiered
                    && ScheduleOptimized(preferred ?? optimized, baseline, wasm, sha256, displayName, setup);
                if (pending)
                {
                    // The background compile may have finished while this one ran, before there was anything to drop.
                    DropIfSuperseded(preferred ?? optimized, profile, sha256, setup);
                }
                return (loaded.Module, Warmup(loaded, modulePath, setup, WasmCompileTier.Baseline, pending).WithNote(diskNote), profile);
            }
            catch (WasmtimeException e)
            {
                refused = FirstLine(e.Message);
                _baselineRefused[sha256] = refused;
            }
        }
        // Waits for the background compile if one is under way (the same entry), or compiles now.
        var fallback = Get(optimized, wasm, sha256, displayName, setup, out var waitedForFallback);
        return (fallback.Module, Warmup(fallback, modulePath, setup, WasmCompileTier.Optimized, waited: waitedForFallback).WithNote(diskNote)
            .WithNote($"the baseline compiler (Winch) cannot compile the module ({refused}); it runs on optimized code"), optimized);
    }

    /// <summary>
    /// Optimized code already in memory or on disk, without compiling; null when there is none (yet), with
    /// <paramref name="note"/> saying why a stored artifact was not used, if one was there.
    /// </summary>
    private Loaded? TryTakeOptimized(EngineProfile profile, string sha256, string displayName, Setup setup, out string? note)
    {
        note = null;
        string key = Key(profile, sha256);
        if (_modules.TryGetValue(key, out var existing))
        {
            // Not created: being compiled (in the background, or for another start) — not waited for here.
            return existing.IsValueCreated ? existing.Value : null;
        }
        if (setup.Disk is not { } disk)
        {
            return null;
        }
        var clock = Stopwatch.StartNew();
        (var stored, note) = disk.TryLoad(profile.Engine, profile.Key, sha256, displayName);
        if (stored is null)
        {
            // A refused artifact is replaced by the background compile.
            return null;
        }
        var mine = new Lazy<Loaded>(new Loaded(stored, new Report(WasmWarmup.FromDisk, clock.Elapsed, setup.Settings.Note)));
        Interlocked.Increment(ref _loads);
        var entry = _modules.GetOrAdd(key, mine);
        if (!ReferenceEquals(entry, mine))
        {
            return entry.IsValueCreated ? entry.Value : null;
        }
        Admit(key, mine.Value);
        return mine.Value;
    }

    /// <summary>
    /// Queues the optimized compile of the module for <paramref name="optimized"/>'s engine unless it is queued, under
    /// way or done; true when one is pending after the call. The entry is in the memory cache from now on, so a start
    /// that needs optimized code at once (Optimized policy, precompile, a baseline refusal) waits for this compile —
    /// or runs it itself, in the foreground and in parallel, if it comes first — instead of compiling a second time.
    /// </summary>
    private bool ScheduleOptimized(EngineProfile optimized, Func<EngineProfile> baseline, Func<byte[]> wasm, string sha256, string displayName, Setup setup)
    {
        string key = Key(optimized, sha256);
        var mine = new Lazy<Loaded>(() => Load(optimized, wasm, sha256, displayName, setup, background: t_inBackground),
            LazyThreadSafetyMode.ExecutionAndPublication);
        var entry = _modules.GetOrAdd(key, mine);
        if (!ReferenceEquals(entry, mine))
        {
            return !entry.IsValueCreated;
        }
        _background.Enqueue(() =>
        {
            t_inBackground = true;
            try
            {
                Resolve(key, mine);
                DropIfSuperseded(optimized, baseline(), sha256, setup);
            }
            catch (Exception e)
            {
                _backgroundFailed[key] = e.Message;
            }
            finally
            {
                t_inBackground = false;
            }
        });
        return true;
    }

    /// <summary>
    /// Once the optimized code is in memory, the baseline code has served its purpose: later starts take the optimized
    /// code, so neither the memory nor the disk cache keeps the baseline copy (executions still running on it keep it
    /// alive). Called by both the background compile and the baseline compile, whichever ends last.
    /// </summary>
    private void DropIfSuperseded(EngineProfile optimized, EngineProfile baseline, string sha256, Setup setup)
    {
        if (_modules.TryGetValue(Key(optimized, sha256), out var done) && done.IsValueCreated)
        {
            _modules.TryRemove(Key(baseline, sha256), out _);
            setup.Disk?.Delete(baseline.Key, sha256);
        }
    }

    /// <summary>Whether optimized code for the module and fuel setting is in memory, for either engine that runs it.</summary>
    private bool HasOptimized(bool fuel, string sha256)
    {
        string key = EngineProfile.KeyFor(WasmCompileTier.Optimized, fuel);
        return IsLoaded($"{key}/{sha256}") || IsLoaded($"{key}+pool/{sha256}");

        bool IsLoaded(string entry) => _modules.TryGetValue(entry, out var lazy) && lazy.IsValueCreated;
    }

    private static string Key(EngineProfile profile, string sha256) => $"{profile.EngineKey}/{sha256}";

    private static string FirstLine(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        // Wasmtime's "failed to compile" chain names the function and then the cause; the cause says what is missing.
        string text = lines.Length == 0 ? message : string.Join(" ", lines.Where(l => l != "Caused by:").Take(3));
        // Wasmtime words every compile failure as "module '...' is not valid: failed to compile: ...", but a module
        // Winch refuses is valid (Cranelift compiles it): only the part after that says why.
        const string failed = "failed to compile: ";
        int at = text.IndexOf(failed, StringComparison.Ordinal);
        return at < 0 ? text : text[(at + failed.Length)..];
    }

    /// <summary>
    /// Compiles the module into the memory and disk caches without running it, so the first start costs nothing.
    /// A module already in memory is stored on disk if its artifact is missing (evicted, or the disk cache was
    /// unusable when it was compiled).
    /// </summary>
    public WasmWarmup Precompile(EngineProfile profile, Func<byte[]> wasm, string sha256, string modulePath, string displayName)
    {
        var setup = Current();
        var loaded = Get(profile, wasm, sha256, displayName, setup, out var waited);
        var warmup = Warmup(loaded, modulePath, setup, waited: waited);
        if (warmup.Source != WasmWarmup.FromMemory || setup.Disk is null)
        {
            return warmup;
        }
        string? note = setup.Disk.EnsureStored(profile.Key, sha256, loaded.Module);
        return new WasmWarmup(WasmWarmup.FromMemory, modulePath, setup.Settings.Directory, TimeSpan.Zero, note);
    }

    private Loaded Get(EngineProfile profile, Func<byte[]> wasm, string sha256, string displayName, Setup setup) =>
        Get(profile, wasm, sha256, displayName, setup, out _);

    /// <summary>
    /// The module from memory, disk or a compile, with <paramref name="waited"/>: how long this call waited for a load
    /// another thread was doing (the background compiler, or another start); null when it found the module loaded or
    /// loaded it itself.
    /// </summary>
    private Loaded Get(EngineProfile profile, Func<byte[]> wasm, string sha256, string displayName, Setup setup, out TimeSpan? waited)
    {
        string key = Key(profile, sha256);
        bool mine = false;
        var lazy = _modules.GetOrAdd(key, _ =>
        {
            mine = true;
            return new Lazy<Loaded>(
                () => Load(profile, wasm, sha256, displayName, setup, background: t_inBackground), LazyThreadSafetyMode.ExecutionAndPublication);
        });
        bool ready = lazy.IsValueCreated;
        var clock = Stopwatch.StartNew();
        var loaded = Resolve(key, lazy);
        waited = mine || ready ? null : clock.Elapsed;
        return loaded;
    }

    /// <summary>The entry's module, waiting for its load; a failed load is dropped so the next start tries again.</summary>
    private Loaded Resolve(string key, Lazy<Loaded> lazy)
    {
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
        Admit(key, loaded);
        return loaded;
    }

    /// <summary>Counts a loaded entry against the bound, once per load, not per caller, so the queue holds each key once.</summary>
    private void Admit(string key, Loaded loaded)
    {
        if (loaded.TryEnqueue())
        {
            _order.Enqueue(key);
            Trim();
        }
    }

    /// <summary>
    /// Takes the module from disk, or compiles it and stores it there. In the background, the compile runs on the
    /// profile's <see cref="EngineProfile.BackgroundEngine"/> (one thread) and its code is moved to the profile's engine
    /// through the disk cache (mapped, like any stored artifact) or, without one, through its serialized bytes; no start
    /// paid for it, so the first to take it from memory is not charged with it either.
    /// </summary>
    private Loaded Load(EngineProfile profile, Func<byte[]> wasm, string sha256, string displayName, Setup setup, bool background = false)
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
        if (background)
        {
            BackgroundCompileStarting?.Invoke();
            return LoadCompiledInBackground(profile, wasm, sha256, displayName, setup, notes);
        }
        byte[] bytes = wasm(); // read now if the caller had not (not counted as compile time)
        var compileClock = Stopwatch.StartNew();
        var module = Module.FromBytes(profile.Engine, displayName, bytes);
        var compileTime = compileClock.Elapsed;
        if (profile.Tier == WasmCompileTier.Baseline && setup.Disk is { } later)
        {
            // Baseline code is a first run's, and its artifact is large (about four times the module): writing it
            // (serialize, digest, write) would delay that run by up to seconds for a big module, so the background
            // compiler writes it, before any queued compile. What the write finds wrong is not this start's to report.
            // Not at all once optimized code for the module is in memory: the next start takes that (and a store now
            // would come after the optimized compile had already dropped the baseline copy).
            _background.Enqueue(() =>
            {
                if (!HasOptimized(profile.Fuel, sha256))
                {
                    later.Store(profile.Key, sha256, module);
                    // Serializing a big module's code takes hundreds of MB of its own.
                    NativeHeap.ReleaseAfterCompile(bytes.Length);
                }
            }, first: true);
        }
        else if (setup.Disk?.Store(profile.Key, sha256, module) is { } storeNote)
        {
            notes.Add(storeNote);
        }
        NativeHeap.ReleaseAfterCompile(bytes.Length);
        return new Loaded(module, new Report(WasmWarmup.Compiled, compileTime, Join(notes)));
    }

    private static Loaded LoadCompiledInBackground(EngineProfile profile, Func<byte[]> wasm, string sha256, string displayName, Setup setup, List<string> notes)
    {
        byte[] bytes = wasm();
        using var compiled = Module.FromBytes(profile.BackgroundEngine, displayName, bytes);
        Module? module = null;
        if (setup.Disk is { } disk)
        {
            if (disk.Store(profile.Key, sha256, compiled) is { } storeNote)
            {
                notes.Add(storeNote);
            }
            else
            {
                (module, _) = disk.TryLoad(profile.Engine, profile.Key, sha256, displayName);
            }
        }
        // Without a usable disk cache (or when the artifact just written cannot be loaded back), through memory.
        module ??= Module.Deserialize(profile.Engine, displayName, compiled.Serialize());
        NativeHeap.ReleaseAfterCompile(bytes.Length);
        var loaded = new Loaded(module, new Report(WasmWarmup.Compiled, TimeSpan.Zero, Join(notes))) { Background = true };
        loaded.Claim();
        return loaded;
    }

    /// <summary>
    /// The load's own report for the first execution that asks, a memory hit for every later one: exactly one
    /// execution is charged with the compile, even when several waited for it.
    /// </summary>
    private static WasmWarmup Warmup(Loaded loaded, string modulePath, Setup setup,
        WasmCompileTier tier = WasmCompileTier.Optimized, bool optimizedPending = false, TimeSpan? waited = null)
    {
        var report = loaded.Claim() ? loaded.Report : Report.Memory;
        if (loaded.Background && waited is { } wait)
        {
            // No start is charged with a background compile, but one that had to wait for it did not get its code from
            // memory: it says how long it waited, and why.
            string why = $"waited {wait.TotalMilliseconds:0} ms for the optimized code the background compiler was preparing";
            report = new Report(WasmWarmup.Compiled, wait, loaded.Report.Note is { } note ? $"{note}; {why}" : why);
        }
        return new WasmWarmup(report.Source, modulePath, setup.Settings.Directory, report.Time, report.Note, tier, optimizedPending);
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

        /// <summary>Compiled by the background compiler (nobody's start paid for it).</summary>
        public bool Background { get; init; }

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
