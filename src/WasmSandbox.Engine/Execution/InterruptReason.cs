namespace WasmSandbox;

/// <summary>Why the host asked a running guest to end; the first request wins.</summary>
internal enum InterruptReason
{
    None = 0,
    TimedOut,
    Stopped,
    OutputLimitExceeded,
}

/// <summary>Thrown on the guest thread (from the epoch callback or a waiting host call) to unwind a guest the host is ending.</summary>
internal sealed class SandboxInterruptException : Exception
{
    public SandboxInterruptException(InterruptReason reason) : base($"execution interrupted: {reason}") => Reason = reason;

    public InterruptReason Reason { get; }
}
