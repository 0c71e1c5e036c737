using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>
/// Runs when the module is imported: starts creating the sandbox's engine on a background thread (loading Wasmtime,
/// reserving the instance pool, linking WASI — tens of milliseconds), so a session's first run does not wait for it.
/// Import itself does not wait either.
/// </summary>
public sealed class ModuleImport : IModuleAssemblyInitializer
{
    public void OnImport() => WasmRuntime.WarmUpShared();
}
