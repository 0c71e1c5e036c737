using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// One Wasmtime engine configuration and everything compiled or linked for it. Fuel metering changes the generated
/// code (and costs speed), so metered runs use their own profile. Unmetered runs share the pooled profile (see
/// <see cref="InstancePool"/>) while it has free slots, and the on-demand one otherwise; both generate the same code.
/// </summary>
internal sealed class EngineProfile : IDisposable
{
    private readonly Lazy<Module> _trampoline;
    private readonly Lazy<Linker> _nativeLinker;
    private readonly Lazy<Linker> _fullLinker;

    /// <param name="fuel">Whether the engine meters fuel.</param>
    /// <param name="pool">The pool whose slots the engine allocates instances from; null to map them on demand.</param>
    /// <param name="compile">Compiles module bytes for this profile (through the compile cache, so the small
    /// trampoline is also loaded from disk in a new process instead of being compiled again).</param>
    public EngineProfile(bool fuel, InstancePool? pool, Func<EngineProfile, byte[], string, Module> compile)
    {
        Fuel = fuel;
        Pool = pool;
        var config = new Config()
            .WithEpochInterruption(true)
            .WithFuelConsumption(fuel)
            .WithOptimizationLevel(OptimizationLevel.Speed)
            .WithCompilerStrategy(CompilerStrategy.Cranelift);
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
    }

    public bool Fuel { get; }

    /// <summary>The instance pool of this engine; null when it allocates on demand.</summary>
    public InstancePool? Pool { get; }

    /// <summary>
    /// Identifies the generated code in on-disk artifact names: the pooled and on-demand engines compile alike (Wasmtime
    /// loads either's artifacts in the other), so they share artifacts; fuel metering does not.
    /// </summary>
    public string Key => Fuel ? "cranelift-speed-epoch-fuel" : "cranelift-speed-epoch";

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
