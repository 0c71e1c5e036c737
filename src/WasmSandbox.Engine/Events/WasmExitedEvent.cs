namespace WasmSandbox;

/// <summary>The execution ended; always the last event of an execution.</summary>
public sealed class WasmExitedEvent : WasmEvent
{
    public WasmExitedEvent(int exitCode, WasmExitReason reason, TimeSpan duration, ulong? fuelConsumed, string? message)
        : this(exitCode, reason, duration, fuelConsumed, message, ResourceUsage.None)
    {
    }

    internal WasmExitedEvent(int exitCode, WasmExitReason reason, TimeSpan duration, ulong? fuelConsumed, string? message, ResourceUsage usage)
    {
        ExitCode = exitCode;
        Reason = reason;
        Duration = duration;
        FuelConsumed = fuelConsumed;
        Message = message;
        PeakMemoryBytes = usage.PeakMemoryBytes;
        StdinBytes = usage.StdinBytes;
        StdoutBytes = usage.StdoutBytes;
        StderrBytes = usage.StderrBytes;
        CpuTime = usage.CpuTime;
    }

    public override WasmEventKind Kind => WasmEventKind.Exited;

    public int ExitCode { get; }

    public WasmExitReason Reason { get; }

    /// <summary>Wall time from the start of the guest to its end.</summary>
    public TimeSpan Duration { get; }

    /// <summary>Fuel the guest used, when <c>-MaxFuel</c> metered it; otherwise null.</summary>
    public ulong? FuelConsumed { get; }

    /// <summary>
    /// The guest's linear memory at its end, which is its peak (a WebAssembly memory only grows); null when the guest
    /// exports no memory named "memory" or never got as far as instantiation, or when the sandbox ended it without
    /// its thread (a host call stuck past the grace period).
    /// </summary>
    public long? PeakMemoryBytes { get; }

    /// <summary>Bytes of stdin the guest read (not what was offered: input it never read is not counted).</summary>
    public long StdinBytes { get; }

    /// <summary>Bytes the guest wrote to stdout that the sandbox accepted (within <c>-MaxOutputBytes</c>).</summary>
    public long StdoutBytes { get; }

    /// <summary>Bytes the guest wrote to stderr that the sandbox accepted; the sandbox's own note is not counted.</summary>
    public long StderrBytes { get; }

    /// <summary>CPU time of the guest's thread, user and kernel, host calls included; null where the system cannot tell.</summary>
    public TimeSpan? CpuTime { get; }

    /// <summary>The sandbox's explanation for an abnormal end (trap message, limit, link failure); null for a normal exit.</summary>
    public string? Message { get; }

    /// <summary>The resource figures in one line, for -Verbose and logs.</summary>
    public string UsageSummary =>
        $"wall {Duration.TotalMilliseconds:0.#} ms, cpu {(CpuTime is TimeSpan cpu ? $"{cpu.TotalMilliseconds:0.#} ms" : "n/a")}, " +
        $"peak memory {(PeakMemoryBytes is long m ? $"{m} B" : "n/a")}, stdin {StdinBytes} B, stdout {StdoutBytes} B, " +
        $"stderr {StderrBytes} B, fuel {(FuelConsumed is ulong f ? f.ToString() : "not metered")}";

    public override string ToString() => Message is null ? $"exited {ExitCode} ({Reason})" : $"exited {ExitCode} ({Reason}): {Message}";
}
