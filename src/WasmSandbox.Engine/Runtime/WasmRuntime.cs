using System.Collections.Concurrent;
using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// The process-wide sandbox: Wasmtime engines (created on first use), the compile cache and the epoch ticker.
/// <see cref="Start"/> checks and compiles on the caller's thread — so every refusal is an exception the caller sees —
/// then runs the guest on a thread of its own.
/// </summary>
public sealed class WasmRuntime
{
    private static readonly Lazy<WasmRuntime> s_shared = new(() => new WasmRuntime());

    private readonly Lazy<EngineProfile?> _pooled;
    private readonly Lazy<EngineProfile> _unmetered;
    private readonly Lazy<EngineProfile> _metered;
    private readonly Lazy<EngineProfile> _baselineUnmetered;
    private readonly Lazy<EngineProfile> _baselineMetered;
    private readonly ModuleCache _cache;
    private readonly ComponentCache _components;
    private readonly ComponentLinkers _componentLinkers = new();
    private readonly EpochTicker _ticker;

    // Modules Wasmtime refused for the pool (a table or memory count beyond its per-module limits), by resolved path:
    // their later starts go straight to the on-demand engine instead of trying the pool again.
    private readonly ConcurrentDictionary<string, bool> _poolMisfits = new(StringComparer.Ordinal);

    private WasmRuntime()
        : this(new InstancePool(), new ModuleCache())
    {
    }

    /// <summary>A runtime of its own, for tests that need a pool of another size or a private compile cache.</summary>
    internal WasmRuntime(InstancePool? pool, ModuleCache cache)
    {
        NativeLibraryResolver.Register();
        _cache = cache;
        _components = new ComponentCache(cache);
        _pooled = new(() => CreatePooled(pool));
        _unmetered = new(() => new EngineProfile(fuel: false, pool: null, CompileInternal));
        _metered = new(() => new EngineProfile(fuel: true, pool: null, CompileInternal));
        _baselineUnmetered = new(() => new EngineProfile(fuel: false, pool: null, CompileInternal, WasmCompileTier.Baseline));
        _baselineMetered = new(() => new EngineProfile(fuel: true, pool: null, CompileInternal, WasmCompileTier.Baseline));
        _ticker = new EpochTicker(CreatedEngines);
    }

    /// <summary>
    /// The pooled engine, or null when there is no pool or the process may not be able to reserve its address space
    /// (a virtual memory limit such as <c>ulimit -v</c>, under which Wasmtime would abort the process rather than
    /// fail): then every run uses the on-demand engine, which reserves per instance.
    /// </summary>
    private EngineProfile? CreatePooled(InstancePool? pool)
    {
        if (pool is null || !AddressSpaceLimit.IsUnlimited())
        {
            return null;
        }
        try
        {
            return new EngineProfile(fuel: false, pool, CompileInternal);
        }
        catch (WasmtimeException)
        {
            return null;
        }
    }

    private Wasmtime.Module CompileInternal(EngineProfile profile, byte[] bytes, string name) =>
        _cache.GetOrCompile(profile, bytes, ModuleCache.Hash(bytes), name, name).Module;

    public static WasmRuntime Shared => s_shared.Value;

    /// <summary>
    /// Guest threads whose execution was ended while they were stuck in a host call (they still hold their store until
    /// the call returns). While <see cref="GuestThreads.MaxStuck"/> or more are stuck, starts are refused.
    /// </summary>
    public static int StuckGuestThreads => GuestThreads.Stuck;

    private IEnumerable<Wasmtime.Engine> CreatedEngines()
    {
        if (_pooled.IsValueCreated && _pooled.Value is { } pooled)
        {
            yield return pooled.Engine;
        }
        if (_unmetered.IsValueCreated)
        {
            yield return _unmetered.Value.Engine;
        }
        if (_metered.IsValueCreated)
        {
            yield return _metered.Value.Engine;
        }
        if (_baselineUnmetered.IsValueCreated)
        {
            yield return _baselineUnmetered.Value.Engine;
        }
        if (_baselineMetered.IsValueCreated)
        {
            yield return _baselineMetered.Value.Engine;
        }
    }

    /// <summary>
    /// The baseline profile a start with <paramref name="options"/> may fall to, or null when its policy never runs
    /// baseline code or Winch is not available here (<see cref="WinchStrategy.Unavailable"/>).
    /// </summary>
    /// <remarks>A function, so the engine is created only when baseline code is needed.</remarks>
    private Func<EngineProfile>? BaselineFor(WasmExecutionOptions options) =>
        options.CompilePolicy == WasmCompilePolicy.Optimized || WinchStrategy.Unavailable is not null ? null
        : options.MaxFuel is not null ? () => _baselineMetered.Value
        : () => _baselineUnmetered.Value;

    /// <summary>The baseline profile for <paramref name="options"/>' fuel setting (tests of the baseline tier).</summary>
    internal EngineProfile BaselineProfileFor(WasmExecutionOptions options) =>
        options.MaxFuel is not null ? _baselineMetered.Value : _baselineUnmetered.Value;

    /// <summary>How many optimized compiles the background compiler has queued or under way (tests wait on it).</summary>
    internal int BackgroundCompiles => _cache.BackgroundPending;

    /// <summary>The profile a start with <paramref name="options"/> uses while the pool has a free slot.</summary>
    internal EngineProfile ProfileFor(WasmExecutionOptions options) =>
        options.MaxFuel is not null ? _metered.Value
        : InstancePool.Fits(options) && _pooled.Value is { } pooled ? pooled
        : _unmetered.Value;

    /// <summary>The profile for the module at <paramref name="modulePath"/>: not the pool's if the pool refused it before.</summary>
    private EngineProfile ProfileFor(WasmExecutionOptions options, string modulePath)
    {
        var profile = ProfileFor(options);
        return profile.Pool is not null && _poolMisfits.ContainsKey(modulePath) ? _unmetered.Value : profile;
    }

    /// <summary>The profile for one start, with the pool slot it holds (null when it runs on an on-demand engine).</summary>
    private (EngineProfile Profile, InstancePool.Lease? Lease) Choose(WasmExecutionOptions options, string modulePath)
    {
        var profile = ProfileFor(options, modulePath);
        if (profile.Pool is null)
        {
            return (profile, null);
        }
        return profile.Pool.TryLease() is { } lease ? (profile, lease) : (_unmetered.Value, null);
    }

    /// <summary>
    /// Starts <paramref name="context"/>'s module. Throws a <see cref="WasmSandboxException"/> for every refusal
    /// (vm mismatch, missing file, module checks, bad mount); once it returns, the guest's end is reported as events.
    /// </summary>
    public WasmExecution Start(WasmContext context, WasmExecutionOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        if (context.IsRemoved)
        {
            throw new WasmConfigurationException("ContextRemoved", $"context {context.ContextId} was removed; create a new one with New-WasmContext");
        }
        string vmId = options.VmId ?? context.VmId;
        if (vmId != context.VmId)
        {
            throw new WasmVmMismatchException(context.VmId, vmId);
        }
        string workingDirectory = ResolveWorkingDirectory(options);
        if (ComponentSource.TryRead(context, workingDirectory, MaxModuleBytes) is { } component)
        {
            return StartComponent(context, vmId, options, workingDirectory, component);
        }
        var policy = PolicyBuilder.Build(options, workingDirectory);
        GrantedFolders.Record(policy);

        PrepareEngine(options);
        var read = ModuleLoader.Read(context, workingDirectory, policy);
        var (profile, lease) = Choose(options, read.ResolvedPath);
        try
        {
            var baseline = BaselineFor(options);
            var (module, warmup, used) = OnFittingEngine(ref profile, ref lease, read.ResolvedPath,
                p => ModuleLoader.Load(read, p, baseline, options.CompilePolicy, _cache, WinchStrategy.Unavailable,
                    preferred: p.Pool is null && _poolMisfits.ContainsKey(read.ResolvedPath) ? p : ProfileFor(options, read.ResolvedPath)));
            if (!ReferenceEquals(used, profile))
            {
                // Baseline code runs on an on-demand engine: the pool slot taken for optimized code goes back.
                lease?.Dispose();
                lease = null;
                profile = used;
            }
            var execution = new WasmExecution(context, vmId, read.ResolvedPath, options, policy, warmup);
            new ExecutionRunner(execution, module, read.LinkProblem, profile, lease, options, policy, _ticker, _cache.RevocationFor(policy)).Start();
            // Registered once it runs: a start refused on the way leaves no phantom Running execution behind.
            WasmRegistry.Add(execution);
            return execution;
        }
        catch
        {
            lease?.Dispose();
            throw;
        }
    }

    // The size cap of a module file, for components too.
    private static readonly long MaxModuleBytes = new WasmInspectionOptions().MaxFileBytes;

    /// <summary>
    /// A component's engine: the on-demand one, or the metered one under -MaxFuel, never the pool's (its slots are
    /// sized for core modules). The same engines as core modules, so the epoch ticker, fuel and limits apply alike.
    /// </summary>
    private EngineProfile ComponentProfileFor(WasmExecutionOptions options) =>
        options.MaxFuel is not null ? _metered.Value : _unmetered.Value;

    /// <summary>Starts a component: the policy for a component, compiled through the component cache, run by the same runner.</summary>
    private WasmExecution StartComponent(WasmContext context, string vmId, WasmExecutionOptions options, string workingDirectory, ComponentSource.ReadComponent component)
    {
        var policy = PolicyBuilder.Build(options, workingDirectory, WasmModuleKind.Component);
        GrantedFolders.Record(policy);
        ComponentSource.EnsureRunnable(component, ModuleInspectionKey.For(policy));
        var profile = ComponentProfileFor(options);
        var (compiled, warmup) = _components.GetOrCompile(profile, component);
        var execution = new WasmExecution(context, vmId, component.ResolvedPath, options, policy, warmup);
        new ExecutionRunner(execution, module: null, linkProblem: null, profile, lease: null, options, policy, _ticker,
            _cache.RevocationFor(policy), new ComponentGuest(compiled, _componentLinkers.For(profile))).Start();
        WasmRegistry.Add(execution);
        return execution;
    }

    /// <summary>
    /// Compiles <paramref name="context"/>'s module into the in-memory and on-disk caches without running it, so a
    /// runbook pays the compile once per machine. Applies the module checks of <see cref="Start"/>.
    /// </summary>
    public WasmWarmup Precompile(WasmContext context, WasmExecutionOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        string workingDirectory = ResolveWorkingDirectory(options);
        if (ComponentSource.TryRead(context, workingDirectory, MaxModuleBytes) is { } component)
        {
            var componentPolicy = PolicyBuilder.Build(options, workingDirectory, WasmModuleKind.Component);
            ComponentSource.EnsureRunnable(component, ModuleInspectionKey.ForPrecompile(componentPolicy));
            return _components.Precompile(ComponentProfileFor(options), component);
        }
        var policy = PolicyBuilder.Build(options, workingDirectory);
        PrepareEngine(options);
        var read = ModuleLoader.Read(context, workingDirectory, policy, precompile: true);
        var profile = ProfileFor(options, read.ResolvedPath);
        InstancePool.Lease? none = null;
        return OnFittingEngine(ref profile, ref none, read.ResolvedPath, p => ModuleLoader.Precompile(read, p, _cache));
    }

    /// <summary>
    /// Starts creating the shared runtime and its default engine on a pool thread and returns at once: a host that
    /// will run guests soon (the PowerShell module, when it is imported) calls it so the first start does not wait for
    /// the engine. A failure is kept for the first start to report.
    /// </summary>
    public static void WarmUpShared() => CreateInBackground(static () => Shared, new WasmExecutionOptions());

    /// <summary>
    /// When the engine for <paramref name="options"/> does not exist yet (the first start of a process), starts creating
    /// it on a pool thread, so that its tens of milliseconds (loading the native library, reserving the pool, linking
    /// WASI) overlap reading and checking the module, which needs no engine.
    /// </summary>
    private void PrepareEngine(WasmExecutionOptions options)
    {
        bool ready = options.MaxFuel is not null ? _metered.IsValueCreated
            : InstancePool.Fits(options) ? _pooled.IsValueCreated && (_pooled.Value is not null || _unmetered.IsValueCreated)
            : _unmetered.IsValueCreated;
        if (!ready)
        {
            CreateInBackground(() => this, options);
        }
    }

    /// <summary>Creates the runtime and the profile for <paramref name="options"/> on a pool thread.</summary>
    private static void CreateInBackground(Func<WasmRuntime> runtime, WasmExecutionOptions options) =>
        ThreadPool.UnsafeQueueUserWorkItem(_ =>
        {
            try
            {
                _ = runtime().ProfileFor(options);
            }
            catch (Exception)
            {
                // Kept by the lazy runtime or profile; the start that needs them reports it.
            }
        }, null);

    /// <summary>
    /// Loads the module for <paramref name="profile"/>. When Wasmtime refuses it for the pool (its per-module limits
    /// are far above what compilers emit, but a module may still exceed them), gives the slot back, remembers the
    /// path, and loads it for the on-demand engine, which has no such limits.
    /// </summary>
    private T OnFittingEngine<T>(ref EngineProfile profile, ref InstancePool.Lease? lease, string modulePath, Func<EngineProfile, T> load)
    {
        try
        {
            return load(profile);
        }
        catch (WasmCompileException e) when (profile.Pool is not null && InstancePool.RefusedModule(e))
        {
            _poolMisfits[modulePath] = true;
            lease?.Dispose();
            lease = null;
            profile = _unmetered.Value;
            return load(profile);
        }
    }

    private static string ResolveWorkingDirectory(WasmExecutionOptions options)
    {
        string workingDirectory = Path.GetFullPath(options.WorkingDirectory ?? Environment.CurrentDirectory);
        if (!Directory.Exists(workingDirectory))
        {
            throw new WasmConfigurationException("WorkingDirectoryNotFound",
                $"working directory '{workingDirectory}' does not exist", workingDirectory);
        }
        return workingDirectory;
    }
}
