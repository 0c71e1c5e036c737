namespace WasmSandbox;

/// <summary>
/// Takes the waiting events of several executions in the order they happened (each once), optionally waiting for
/// more until every execution has ended. Used by the cmdlets; delivery runs on the caller's thread.
/// </summary>
public static class WasmEventReceiver
{
    /// <summary>
    /// Delivers waiting events. With <paramref name="wait"/>, keeps waiting until every execution has ended and its
    /// accepted events are delivered, <paramref name="timeout"/> passes, or <paramref name="cancel"/> fires.
    /// Returns true when everything was delivered (all ended), false on timeout or cancellation.
    /// </summary>
    public static bool Receive(IReadOnlyList<WasmExecution> executions, IReadOnlyCollection<WasmEventKind>? kinds, bool wait,
        TimeSpan timeout, CancellationToken cancel, Action<WasmEvent> deliver)
    {
        Func<WasmEvent, bool>? filter = kinds is { Count: > 0 } ? e => kinds.Contains(e.Kind) : null;
        var queues = executions.Select(e => e.Queue).Distinct().ToArray();
        if (!wait)
        {
            DrainAvailable(queues, filter, deliver);
            return queues.All(q => q.IsDrained(filter));
        }
        using var signal = new EventSignal();
        foreach (var q in queues)
        {
            q.AddListener(signal);
        }
        try
        {
            var deadline = timeout == Timeout.InfiniteTimeSpan ? DateTime.MaxValue : DateTime.UtcNow + timeout;
            while (true)
            {
                DrainAvailable(queues, filter, deliver);
                if (queues.All(q => q.IsDrained(filter)))
                {
                    return true;
                }
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || cancel.IsCancellationRequested)
                {
                    return false;
                }
                try
                {
                    signal.Wait(left > TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : left, cancel);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }
            }
        }
        finally
        {
            foreach (var q in queues)
            {
                q.RemoveListener(signal);
            }
        }
    }

    private static void DrainAvailable(EventQueue[] queues, Func<WasmEvent, bool>? filter, Action<WasmEvent> deliver)
    {
        while (true)
        {
            EventQueue? next = null;
            long best = long.MaxValue;
            foreach (var q in queues)
            {
                long ordinal = q.PeekOrdinal(filter);
                if (ordinal < best)
                {
                    best = ordinal;
                    next = q;
                }
            }
            if (next is null || !next.TryTake(filter, out var e) || e is null)
            {
                return;
            }
            deliver(e);
        }
    }
}
