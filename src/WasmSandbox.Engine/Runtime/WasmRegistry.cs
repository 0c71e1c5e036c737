using System.Collections.Concurrent;

namespace WasmSandbox;

/// <summary>
/// The contexts and executions of this process, for Get-WasmContext and Get-WasmExecution. Contexts stay until
/// removed. Running executions always stay; of the finished ones only the most recent
/// <see cref="FinishedExecutionsKept"/> are kept, and only while the output nobody received from them stays within
/// <see cref="FinishedOutputKeptBytes"/> in all, so thousands of runs whose output nobody reads (each may hold up to
/// its 16 MiB buffer) cannot grow the process without bound. A finished execution a script still holds in a variable
/// keeps its events for that script.
/// <para>
/// Each context and execution carries an opaque owner key (a PowerShell host uses one per runspace): the lists can be
/// read per owner, and <see cref="Release"/> ends what one owner leaves behind. Ids are numbered per process, across
/// owners, so logs from several owners never collide.
/// </para>
/// </summary>
public static class WasmRegistry
{
    public const int FinishedExecutionsKept = 1000;

    /// <summary>The most unreceived output (bytes plus per-event overhead) the finished executions kept may hold together.</summary>
    public const long FinishedOutputKeptBytes = 256L * 1024 * 1024;

    private static readonly ConcurrentDictionary<string, WasmContext> s_contexts = new();
    private static readonly ConcurrentDictionary<string, WasmExecution> s_executions = new();
    // Finished executions, oldest first, each with what it held unreceived when last looked at; their total.
    private static readonly Queue<(WasmExecution Execution, long Held)> s_finished = new();
    private static long s_held;

    /// <summary>Contexts in creation order.</summary>
    public static IReadOnlyList<WasmContext> Contexts =>
        s_contexts.Values.OrderBy(c => c.Number).ToArray();

    /// <summary>Executions in start order.</summary>
    public static IReadOnlyList<WasmExecution> Executions =>
        s_executions.Values.OrderBy(e => e.Number).ToArray();

    /// <summary>The contexts <paramref name="owner"/> made, in creation order.</summary>
    public static IReadOnlyList<WasmContext> ContextsOf(object? owner) =>
        s_contexts.Values.Where(c => Equals(c.Owner, owner)).OrderBy(c => c.Number).ToArray();

    /// <summary>The executions <paramref name="owner"/> started, in start order.</summary>
    public static IReadOnlyList<WasmExecution> ExecutionsOf(object? owner) =>
        s_executions.Values.Where(e => Equals(e.Owner, owner)).OrderBy(e => e.Number).ToArray();

    /// <summary>
    /// Ends what <paramref name="owner"/> leaves behind when it goes away: its running executions are stopped, its
    /// contexts removed (they can no longer start) and its executions, running or finished, forgotten. Returns the
    /// executions that were still running, so the caller can wait for them if it wants to.
    /// </summary>
    public static IReadOnlyList<WasmExecution> Release(object owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        foreach (var context in ContextsOf(owner))
        {
            Remove(context);
        }
        WasmExecution[] owned;
        lock (s_finished)
        {
            owned = ExecutionsOf(owner).ToArray();
            foreach (var execution in owned)
            {
                execution.IsReleased = true;
                s_executions.TryRemove(new KeyValuePair<string, WasmExecution>(execution.ExecutionId, execution));
            }
            var kept = s_finished.Where(f => !Equals(f.Execution.Owner, owner)).ToArray();
            s_finished.Clear();
            foreach (var f in kept)
            {
                s_finished.Enqueue(f);
            }
            s_held = kept.Sum(f => f.Held);
        }
        var running = owned.Where(e => e.State == WasmExecutionState.Running).ToArray();
        foreach (var execution in running)
        {
            execution.Stop();
        }
        return running;
    }

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
        lock (s_finished)
        {
            if (execution.IsReleased)
            {
                return; // its owner went away while it ran: nobody lists it any more
            }
            long held = execution.Queue.PendingCost;
            s_finished.Enqueue((execution, held));
            s_held += held;
            if (s_held > FinishedOutputKeptBytes)
            {
                // Over the budget by what was held at each end: look again (scripts receive in the meantime).
                var now = s_finished.Select(f => (f.Execution, Held: f.Execution.Queue.PendingCost)).ToArray();
                s_finished.Clear();
                foreach (var f in now)
                {
                    s_finished.Enqueue(f);
                }
                s_held = now.Sum(f => f.Held);
            }
            while ((s_finished.Count > FinishedExecutionsKept || s_held > FinishedOutputKeptBytes) && s_finished.TryDequeue(out var oldest))
            {
                s_held -= oldest.Held;
                s_executions.TryRemove(new KeyValuePair<string, WasmExecution>(oldest.Execution.ExecutionId, oldest.Execution));
            }
        }
    }
}
