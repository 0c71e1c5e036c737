using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// The part of Wasmtime's WASI configuration that is the same for a core module and a component: argv (the module's
/// file name, then the arguments), the environment given (never the host's), and the policy's preopens with their
/// permissions. Both runners start from it, so both kinds see exactly what the policy granted.
/// </summary>
internal static class GuestWasiConfiguration
{
    public static WasiConfiguration Create(WasmExecution execution, WasmExecutionOptions options, SandboxPolicy policy)
    {
        var args = new List<string> { execution.ModuleName };
        args.AddRange(options.Arguments);
        var wasi = new WasiConfiguration()
            .WithArgs(args)
            .WithEnvironmentVariables(options.Environment.Select(kv => (kv.Key, kv.Value)));
        foreach (var preopen in policy.Preopens)
        {
            wasi.WithPreopenedDirectory(preopen.HostPath, preopen.GuestPath, preopen.Writable);
        }
        return wasi;
    }
}
