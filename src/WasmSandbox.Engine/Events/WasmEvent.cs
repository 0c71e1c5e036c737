namespace WasmSandbox;

/// <summary>Something an execution did, in the order it happened.</summary>
public abstract class WasmEvent
{
    /// <summary>The execution the event belongs to.</summary>
    public string ExecutionId { get; internal set; } = "";

    /// <summary>1, 2, 3, ... per execution, in the order the events happened.</summary>
    public long Sequence { get; internal set; }

    /// <summary>When the event happened (host clock, not the guest's frozen one).</summary>
    public DateTimeOffset Timestamp { get; internal set; }

    public abstract WasmEventKind Kind { get; }

    /// <summary>Bytes this event holds; counted against the execution's output buffer for back-pressure.</summary>
    internal virtual long BufferedBytes => 0;

    /// <summary>Process-wide arrival order, so events of several executions can be merged in the order they happened.</summary>
    internal long Ordinal { get; set; }
}
