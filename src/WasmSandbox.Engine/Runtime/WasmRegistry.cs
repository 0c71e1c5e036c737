using System.Collections.Concurrent;

namespace WasmSandbox;

/// <summary>
/// The contexts and executions of this process, for Get-WasmContext and Get-WasmExecution. Contexts stay until
/// removed. Running executions always stay; of the finished ones only the most recent
/// <see cref="FinishedExecutionsKept"/> are kept, so thousands of runs cannot grow the process without bound.
/// </summary>
public static class WasmRegistry
{
    public const int FinishedExecutionsKept = 1000;

    private static readonly ConcurrentDictionary<string, WasmContext> s_contexts = new();
    private static readonly ConcurrentDictionary<string, WasmExecution> s_executions = new();
    private static readonly ConcurrentQueue<WasmExecution> s_finished = new();

    /// <summary>Contexts in creation order.</summary>
    public static IReadOnlyList<WasmContext> Contexts =>
        s_contexts.Values.OrderBy(c => c.Number).ToArray();

    /// <summary>Executions in start order.</summary>
    public static IReadOnlyList<WasmExecution> Executions =>
        s_executions.Values.OrderBy(e => e.Number).ToArray();

    public static WasmContext? FindContext(string id) => s_contexts.TryGetValue(id, out var c) ? c : null;

    public static WasmExecution? FindExecution(string id) => s_executions.TryGetValue(id, out var e) ? e : null;

    internal static void Add(WasmContext context) => s_contexts[context.ContextId] = context;

    /// <summary>Forgets a context; starting it afterwards is refused.</summary>
    public static bool Remove(WasmContext context)
    {
        context.MarkRemoved();
        return s_contexts.TryRemove(new KeyValuePair<string, WasmContext>(context.ContextId, context));
    }

    internal static void Add(WasmExecution execution) => s_executions[execution.ExecutionId] = execution;

    internal static void Finished(WasmExecution execution)
    {
        s_finished.Enqueue(execution);
        while (s_finished.Count > FinishedExecutionsKept && s_finished.TryDequeue(out var oldest))
        {
            s_executions.TryRemove(new KeyValuePair<string, WasmExecution>(oldest.ExecutionId, oldest));
        }
    }
}
