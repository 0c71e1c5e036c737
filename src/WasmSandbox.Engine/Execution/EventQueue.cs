namespace WasmSandbox;

/// <summary>
/// The events of one execution, waiting to be received. The guest thread posts; any thread receives. What is not yet
/// received is bounded: every event costs its data bytes plus <see cref="EventOverheadBytes"/> (so zero-byte events,
/// one-byte writes and signal registrations count too), and a guest that outruns its reader waits in
/// <see cref="Post"/> (back-pressure) instead of growing the host's memory. Nothing is ever dropped.
/// </summary>
internal sealed class EventQueue
{
    /// <summary>
    /// What one queued event costs the host besides its data: an estimate of the event object, its node in the queue
    /// and the data array's header on 64-bit .NET. The floods in tests/adversarial/Resources.Tests.ps1 (a 16 MiB
    /// budget filled with zero- and one-byte events) grew the host by 11-25 MiB.
    /// </summary>
    public const int EventOverheadBytes = 128;

    private static long s_lastOrdinal;

    private readonly object _gate = new();
    private readonly LinkedList<WasmEvent> _events = new();
    private readonly List<EventSignal> _listeners = new();
    private readonly string _executionId;
    private readonly Guid _executionGuid;
    private readonly long _capacityBytes;
    private long _pendingCost;
    private long _lastSequence;
    private bool _completed;

    public EventQueue(string executionId, Guid executionGuid, long capacityBytes)
    {
        _executionId = executionId;
        _executionGuid = executionGuid;
        _capacityBytes = Math.Max(1, capacityBytes);
    }

    /// <summary>True once the exited event was posted (it may not be received yet).</summary>
    public bool IsCompleted
    {
        get { lock (_gate) { return _completed; } }
    }

    /// <summary>What <paramref name="e"/> costs while it waits to be received.</summary>
    public static long CostOf(WasmEvent e) => e.BufferedBytes + EventOverheadBytes;

    /// <summary>The cost of the events waiting now (see <see cref="CostOf"/>).</summary>
    public long PendingCost
    {
        get { lock (_gate) { return _pendingCost; } }
    }

    /// <summary>
    /// Appends an event, waiting while the unreceived events are at capacity. A single event larger than the capacity
    /// still goes in once the queue has drained, so progress never stalls. The sandbox's own last words
    /// (<paramref name="ignoreCapacity"/>) never wait: an execution must be able to end while nobody reads.
    /// </summary>
    public void Post(WasmEvent e, CancellationToken cancel, bool ignoreCapacity = false)
    {
        long size = CostOf(e);
        lock (_gate)
        {
            if (!ignoreCapacity && MustWait(size))
            {
                // Registered only when waiting: most posts find room, and a registration per post would cost more
                // than the post.
                using var wake = cancel.Register(() => { lock (_gate) { Monitor.PulseAll(_gate); } });
                while (MustWait(size))
                {
                    cancel.ThrowIfCancellationRequested();
                    Monitor.Wait(_gate);
                }
            }
            if (!ignoreCapacity)
            {
                cancel.ThrowIfCancellationRequested();
            }
            if (_completed)
            {
                return; // a guest thread that was ended without it (stuck in a host call) posts nothing after the end
            }
            Append(e, size);
        }
        NotifyListeners();
    }

    private bool MustWait(long size) => _pendingCost > 0 && _pendingCost + size > _capacityBytes;

    /// <summary>Appends the final event; never waits.</summary>
    public void Complete(WasmExitedEvent exited)
    {
        lock (_gate)
        {
            Append(exited, CostOf(exited));
            _completed = true;
        }
        NotifyListeners();
    }

    private void Append(WasmEvent e, long size)
    {
        e.ExecutionId = _executionId;
        e.ExecutionGuid = _executionGuid;
        e.ComputerName = WasmExecution.HostName;
        e.Sequence = ++_lastSequence;
        e.Timestamp = DateTime.Now;
        e.Ordinal = Interlocked.Increment(ref s_lastOrdinal);
        _events.AddLast(e);
        _pendingCost += size;
    }

    /// <summary>The ordinal of the first waiting event that <paramref name="filter"/> accepts, or long.MaxValue.</summary>
    public long PeekOrdinal(Func<WasmEvent, bool>? filter)
    {
        lock (_gate)
        {
            return FindLocked(filter)?.Value.Ordinal ?? long.MaxValue;
        }
    }

    /// <summary>Removes and returns the first waiting event that <paramref name="filter"/> accepts; others stay queued.</summary>
    public bool TryTake(Func<WasmEvent, bool>? filter, out WasmEvent? taken)
    {
        lock (_gate)
        {
            var node = FindLocked(filter);
            if (node is null)
            {
                taken = null;
                return false;
            }
            _events.Remove(node);
            _pendingCost -= CostOf(node.Value);
            Monitor.PulseAll(_gate);
            taken = node.Value;
            return true;
        }
    }

    /// <summary>Whether the queue holds no event <paramref name="filter"/> accepts and never will again.</summary>
    public bool IsDrained(Func<WasmEvent, bool>? filter)
    {
        lock (_gate)
        {
            return _completed && FindLocked(filter) is null;
        }
    }

    private LinkedListNode<WasmEvent>? FindLocked(Func<WasmEvent, bool>? filter)
    {
        for (var node = _events.First; node is not null; node = node.Next)
        {
            if (filter is null || filter(node.Value))
            {
                return node;
            }
        }
        return null;
    }

    public void AddListener(EventSignal signal)
    {
        lock (_gate) { _listeners.Add(signal); }
        signal.Set();
    }

    public void RemoveListener(EventSignal signal)
    {
        lock (_gate) { _listeners.Remove(signal); }
    }

    private void NotifyListeners()
    {
        EventSignal[] listeners;
        lock (_gate)
        {
            if (_listeners.Count == 0)
            {
                return;
            }
            listeners = _listeners.ToArray();
        }
        foreach (var l in listeners)
        {
            l.Set();
        }
    }
}
