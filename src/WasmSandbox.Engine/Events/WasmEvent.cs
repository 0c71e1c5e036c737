namespace WasmSandbox;

/// <summary>Something an execution did, in the order it happened.</summary>
public abstract class WasmEvent
{
    /// <summary>The execution the event belongs to.</summary>
    public string ExecutionId { get; internal set; } = "";

    /// <summary>The execution's id unique beyond this process, so events merged from several hosts or sessions stay apart.</summary>
    public Guid ExecutionGuid { get; internal set; }

    /// <summary>The host that ran the execution.</summary>
    public string ComputerName { get; internal set; } = "";

    /// <summary>1, 2, 3, ... per execution, in the order the events happened.</summary>
    public long Sequence { get; internal set; }

    /// <summary>
    /// When the event happened (host clock, not the guest's frozen one), as local time. A <see cref="DateTime"/> rather
    /// than a DateTimeOffset because PowerShell's serializer carries it as a date through remoting, jobs and
    /// Export-Clixml, where a DateTimeOffset arrives as a culture-formatted string.
    /// </summary>
    public DateTime Timestamp { get; internal set; }

    public abstract WasmEventKind Kind { get; }

    /// <summary>Bytes this event holds; counted against the execution's output buffer for back-pressure.</summary>
    internal virtual long BufferedBytes => 0;

    /// <summary>Process-wide arrival order, so events of several executions can be merged in the order they happened.</summary>
    internal long Ordinal { get; set; }
}
