using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// One Wasmtime engine configuration and everything compiled or linked for it. Fuel metering changes the generated
/// code (and costs speed), so metered runs use their own profile; everything else shares the unmetered one.
/// </summary>
internal sealed class EngineProfile : IDisposable
{
    public EngineProfile(bool fuel)
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
        Trampoline = WasiTrampoline.Compile(Engine);
    }

    public bool Fuel { get; }

    /// <summary>Identifies the configuration in compile-cache keys: artifacts of one profile never load in another.</summary>
    public string Key => Fuel ? "cranelift-speed-epoch-fuel" : "cranelift-speed-epoch";

    public Engine Engine { get; }

    public Linker NativeLinker { get; }

    public Linker SandboxLinker { get; }

    public Linker FullLinker { get; }

    public Module Trampoline { get; }

    public Linker LinkerFor(WasmPermissionTier tier) => tier == WasmPermissionTier.Full ? FullLinker : SandboxLinker;

    public void Dispose()
    {
        Trampoline.Dispose();
        FullLinker.Dispose();
        SandboxLinker.Dispose();
        NativeLinker.Dispose();
        Engine.Dispose();
    }
}
