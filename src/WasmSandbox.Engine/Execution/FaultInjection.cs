using System.Collections.Concurrent;

namespace WasmSandbox;

/// <summary>
/// Lets the engine's tests make the sandbox itself misbehave for one module path — a host call that blocks without
/// watching cancellation (as a native call stuck in the kernel does), or one that throws (a sandbox bug) — to prove
/// that such failures still end the execution on time and with the true reason. Empty outside tests: a start costs
/// one lookup in an empty dictionary.
/// </summary>
internal static class FaultInjection
{
    /// <summary>Run on the guest thread just before the module is instantiated.</summary>
    public static readonly ConcurrentDictionary<string, Action> BeforeInstantiate = new(StringComparer.Ordinal);

    /// <summary>Run inside the guest's clock_time_get host call.</summary>
    public static readonly ConcurrentDictionary<string, Action> InHostCall = new(StringComparer.Ordinal);

    public static void Run(ConcurrentDictionary<string, Action> point, WasmExecution execution)
    {
        if (!point.IsEmpty && point.TryGetValue(execution.ResolvedModulePath, out var fault))
        {
            fault();
        }
    }
}
