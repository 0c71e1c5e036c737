namespace WasmSandbox;

/// <summary>
/// What a component cannot be asked for, because only the sandbox's own preview 1 host provides it; each is a
/// parameter error naming the parameter and why, thrown before anything is compiled or started (called by
/// <see cref="PolicyBuilder"/>, which decides everything else for both kinds alike).
/// </summary>
internal static class ComponentRules
{
    public static void Validate(WasmExecutionOptions options)
    {
        if (options.StdioMode == WasmStdioMode.SyncRpc)
        {
            throw new WasmConfigurationException("ComponentStdioMode",
                "-StdioMode SyncRpc is a core-module feature (the kernel_* calls of the sandbox's preview 1 host); a component's stdio is WASI preview 2's. Use -StdioMode Events");
        }
        if (options.PermissionTier == WasmPermissionTier.Full)
        {
            throw new WasmConfigurationException("ComponentHostProcess",
                "-PermissionTier Full adds host_process, a core-module interface that components cannot import; run a component with -PermissionTier ReadWrite or lower");
        }
        if (options.ClockStart is not null)
        {
            throw new WasmConfigurationException("ComponentClock",
                "-ClockStart sets the sandbox's virtual clock, which components do not get: a component reads the host's clocks through Wasmtime's WASI preview 2, which the sandbox cannot shadow");
        }
        if (options.RandomSeed is not null)
        {
            throw new WasmConfigurationException("ComponentRandomSeed",
                "-RandomSeed seeds the sandbox's preview 1 random_get, which components do not use: a component reads the host's random source through Wasmtime's WASI preview 2, which the sandbox cannot shadow");
        }
    }
}
