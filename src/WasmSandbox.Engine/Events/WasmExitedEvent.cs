namespace WasmSandbox;

/// <summary>The execution ended; always the last event of an execution.</summary>
public sealed class WasmExitedEvent : WasmEvent
{
    public WasmExitedEvent(int exitCode, WasmExitReason reason, TimeSpan duration, ulong? fuelConsumed, string? message)
    {
        ExitCode = exitCode;
        Reason = reason;
        Duration = duration;
        FuelConsumed = fuelConsumed;
        Message = message;
    }

    public override WasmEventKind Kind => WasmEventKind.Exited;

    public int ExitCode { get; }

    public WasmExitReason Reason { get; }

    /// <summary>Wall time from the start of the guest to its end.</summary>
    public TimeSpan Duration { get; }

    /// <summary>Fuel the guest used, when <c>-MaxFuel</c> metered it; otherwise null.</summary>
    public ulong? FuelConsumed { get; }

    /// <summary>The sandbox's explanation for an abnormal end (trap message, limit, link failure); null for a normal exit.</summary>
    public string? Message { get; }

    public override string ToString() => Message is null ? $"exited {ExitCode} ({Reason})" : $"exited {ExitCode} ({Reason}): {Message}";
}
