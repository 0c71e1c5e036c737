namespace WasmSandbox;

/// <summary>The start-time refusals, decided by module inspection before Wasmtime compiles anything.</summary>
internal static class ModuleChecks
{
    public static void EnsureSizeWithinCap(string path)
    {
    }

    public static void EnsureRunnable(string path, byte[] bytes, WasmExecutionOptions options)
    {
    }
}
