using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// One Wasmtime engine configuration and everything compiled or linked for it. Fuel metering changes the generated
/// code (and costs speed), so metered runs use their own profile; everything else shares the unmetered one.
/// </summary>
internal sealed class EngineProfile : IDisposable
{
    private readonly Lazy<Module> _trampoline;

    /// <param name="fuel">Whether the engine meters fuel.</param>
    /// <param name="compile">Compiles module bytes for this profile (through the compile cache, so the small
    /// trampoline is also loaded from disk in a new process instead of being compiled again).</param>
    public EngineProfile(bool fuel, Func<EngineProfile, byte[], string, Module> compile)
    {
        Fuel = fuel;
        var config = new Config()
            .WithEpochInterruption(true)
            .WithFuelConsumption(fuel)
            .WithOptimizationLevel(OptimizationLevel.Speed)
            .WithCompilerStrategy(CompilerStrategy.Cranelift);
        Engine = new Engine(config);
        NativeLinker = WasiHost.CreateNativeLinker(Engine);
        SandboxLinker = WasiHost.CreateSandboxLinker(Engine, withHostProcess: false);
        FullLinker = WasiHost.CreateSandboxLinker(Engine, withHostProcess: true);
        _trampoline = new Lazy<Module>(() => compile(this, WasiTrampoline.Binary, "wasmsandbox-wasi-trampoline"));
    }

    public bool Fuel { get; }

    /// <summary>Identifies the configuration in compile-cache keys: artifacts of one profile never load in another.</summary>
    public string Key => Fuel ? "cranelift-speed-epoch-fuel" : "cranelift-speed-epoch";

    public Engine Engine { get; }

    public Linker NativeLinker { get; }

    public Linker SandboxLinker { get; }

    public Linker FullLinker { get; }

    /// <summary>The WASI trampoline, compiled on first use (only guests that touch files or fds past 2 need it).</summary>
    public Module Trampoline => _trampoline.Value;

    public Linker LinkerFor(WasmPermissionTier tier) => tier == WasmPermissionTier.Full ? FullLinker : SandboxLinker;

    public void Dispose()
    {
        if (_trampoline.IsValueCreated)
        {
            _trampoline.Value.Dispose();
        }
        FullLinker.Dispose();
        SandboxLinker.Dispose();
        NativeLinker.Dispose();
        Engine.Dispose();
    }
}
