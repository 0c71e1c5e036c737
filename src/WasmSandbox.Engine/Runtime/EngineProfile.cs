using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// One Wasmtime engine configuration and everything compiled or linked for it. Fuel metering changes the generated
/// code (and costs speed), so metered runs use their own profile. Unmetered runs share the pooled profile (see
/// <see cref="InstancePool"/>) while it has free slots, and the on-demand one otherwise; both generate the same code.
/// The compiler tier is part of the profile too: baseline (Winch) code runs only in an engine configured for Winch,
/// and baseline profiles allocate on demand (they serve first runs, which are rare; the pool stays with the code that
/// runs again and again).
/// </summary>
internal sealed class EngineProfile : IDisposable
{
    private readonly Lazy<Module> _trampoline;
    private readonly Lazy<Linker> _nativeLinker;
    private readonly Lazy<Linker> _fullLinker;
    private readonly Lazy<Engine> _backgroundEngine;

    /// <param name="fuel">Whether the engine meters fuel.</param>
    /// <param name="pool">The pool whose slots the engine allocates instances from; null to map them on demand.</param>
    /// <param name="compile">Compiles module bytes for this profile (through the compile cache, so the small
    /// trampoline is also loaded from disk in a new process instead of being compiled again).</param>
    /// <param name="tier">The compiler: Cranelift, or Winch (never with a pool).</param>
    public EngineProfile(bool fuel, InstancePool? pool, Func<EngineProfile, byte[], string, Module> compile, WasmCompileTier tier = WasmCompileTier.Optimized)
    {
        if (tier == WasmCompileTier.Baseline && pool is not null)
        {
            throw new ArgumentException("baseline profiles allocate on demand", nameof(pool));
        }
        Fuel = fuel;
        Pool = pool;
        Tier = tier;
        var config = CreateConfig(tier, fuel, parallelCompilation: true);
        // Kept alive until the engine exists: the native configuration refers to it until then.
        using var pooling = pool?.CreateConfig();
        if (pooling is not null)
        {
            config.WithPoolingAllocationStrategy(pooling);
        }
        Engine = new Engine(config);
        SandboxLinker = WasiHost.CreateSandboxLinker(Engine, withHostProcess: false);
        // Most runs need neither: only guests that touch files use the native linker (through the trampoline), and
        // only the Full tier the other. Creating them on first use keeps them out of a new process's first start.
        _nativeLinker = new Lazy<Linker>(() => WasiHost.CreateNativeLinker(Engine));
        _fullLinker = new Lazy<Linker>(() => WasiHost.CreateSandboxLinker(Engine, withHostProcess: true));
        _trampoline = new Lazy<Module>(() => compile(this, WasiTrampoline.Binary, "wasmsandbox-wasi-trampoline"));
        _backgroundEngine = new Lazy<Engine>(() => new Engine(CreateConfig(tier, fuel, parallelCompilation: false)));
    }

    /// <summary>
    /// An engine of the same code configuration that compiles on the calling thread only (no parallel compilation),
    /// for <see cref="BackgroundCompiler"/>: what it compiles is serialized and loaded into <see cref="Engine"/>.
    /// Created on first use; it never runs a guest.
    /// </summary>
    public Engine BackgroundEngine => _backgroundEngine.Value;

    /// <summary>
    /// The configuration of every engine of <paramref name="tier"/> and <paramref name="fuel"/>: code compiled by one
    /// runs in any other (whatever the allocation strategy or the parallelism of compilation), and in no engine of
    /// another tier or fuel setting.
    /// </summary>
    public static Config CreateConfig(WasmCompileTier tier, bool fuel, bool parallelCompilation)
    {
        var config = new Config()
            .WithEpochInterruption(true)
            .WithFuelConsumption(fuel)
            .WithParallelCompilation(parallelCompilation);
        return tier == WasmCompileTier.Baseline
            ? WinchStrategy.Apply(config)
            : config.WithOptimizationLevel(OptimizationLevel.Speed).WithCompilerStrategy(CompilerStrategy.Cranelift);
    }

    /// <summary>The artifact name part of <see cref="Key"/> for a tier and fuel setting.</summary>
    public static string KeyFor(WasmCompileTier tier, bool fuel) => (tier, fuel) switch
    {
        (WasmCompileTier.Baseline, true) => "winch-epoch-fuel",
        (WasmCompileTier.Baseline, false) => "winch-epoch",
        (_, true) => "cranelift-speed-epoch-fuel",
        _ => "cranelift-speed-epoch",
    };

    public bool Fuel { get; }

    /// <summary>The compiler of this profile's engine.</summary>
    public WasmCompileTier Tier { get; }

    /// <summary>The instance pool of this engine; null when it allocates on demand.</summary>
    public InstancePool? Pool { get; }

    /// <summary>
    /// Identifies the generated code in on-disk artifact names: the pooled and on-demand engines compile alike (Wasmtime
    /// loads either's artifacts in the other), so they share artifacts; fuel metering does not.
    /// </summary>
    public string Key => KeyFor(Tier, Fuel);

    /// <summary>
    /// Identifies the engine in the in-memory cache: a compiled <see cref="Module"/> belongs to one engine and can only
    /// be instantiated in its stores.
    /// </summary>
    public string EngineKey => Pool is null ? Key : Key + "+pool";

    public Engine Engine { get; }

    /// <summary>Wasmtime's own WASI, which the trampoline delegates to.</summary>
    public Linker NativeLinker => _nativeLinker.Value;

    public Linker SandboxLinker { get; }

    /// <summary>The sandbox's WASI plus host_process, for the Full tier.</summary>
    public Linker FullLinker => _fullLinker.Value;

    /// <summary>The WASI trampoline, compiled on first use (only guests that touch files or fds past 2 need it).</summary>
    public Module Trampoline => _trampoline.Value;

    public Linker LinkerFor(SandboxPolicy policy) => policy.HostProcessLinked ? FullLinker : SandboxLinker;

    public void Dispose()
    {
        DisposeIfCreated(_trampoline);
        DisposeIfCreated(_fullLinker);
        SandboxLinker.Dispose();
        DisposeIfCreated(_nativeLinker);
        DisposeIfCreated(_backgroundEngine);
        Engine.Dispose();
    }

    private static void DisposeIfCreated<T>(Lazy<T> lazy) where T : IDisposable
    {
        if (lazy.IsValueCreated)
        {
            lazy.Value.Dispose();
        }
    }
}
