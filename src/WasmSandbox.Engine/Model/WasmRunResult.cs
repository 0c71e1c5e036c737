using System.Text;

namespace WasmSandbox;

/// <summary>
/// One run, whole: what the guest wrote, how it ended and what it used. <c>Invoke-WasmModule -AsResult</c> returns
/// it, so a test or runbook reads stdout, stderr, the exit code and the reason from one object
/// (<c>$r.ExitCode | Should -Be 0 -Because $r.Stderr</c>) instead of collecting streams.
/// </summary>
public sealed class WasmRunResult
{
    public WasmRunResult(WasmExecution execution, WasmExitedEvent exited, byte[] stdout, byte[] stderr)
    {
        ArgumentNullException.ThrowIfNull(execution);
        ArgumentNullException.ThrowIfNull(exited);
        ExecutionId = execution.ExecutionId;
        ExecutionGuid = execution.ExecutionGuid;
        ComputerName = execution.ComputerName;
        ModulePath = execution.ResolvedModulePath;
        Exited = exited;
        StdoutData = stdout ?? throw new ArgumentNullException(nameof(stdout));
        StderrData = stderr ?? throw new ArgumentNullException(nameof(stderr));
        Stdout = Encoding.UTF8.GetString(stdout);
        Stderr = Encoding.UTF8.GetString(stderr);
    }

    public string ExecutionId { get; }

    /// <summary>Unique beyond one process (see <see cref="WasmExecution.ExecutionGuid"/>).</summary>
    public Guid ExecutionGuid { get; }

    /// <summary>The host that ran it.</summary>
    public string ComputerName { get; }

    /// <summary>The module file that ran.</summary>
    public string ModulePath { get; }

    /// <summary>The guest's exit code, or the sandbox's for an end it caused (124 limit, 130 stop, 134 trap, ...).</summary>
    public int ExitCode => Exited.ExitCode;

    /// <summary>Why it ended: <c>Exited</c> when the guest chose its exit code itself; any other value is the sandbox's doing.</summary>
    public WasmExitReason Reason => Exited.Reason;

    /// <summary>True when the guest exited on its own with code 0.</summary>
    public bool Succeeded => Exited.Reason == WasmExitReason.Exited && Exited.ExitCode == 0;

    /// <summary>The sandbox's explanation of an end it caused (for a timeout: which timeout, and how to change it); null otherwise.</summary>
    public string? Message => Exited.Message;

    /// <summary>Everything the guest wrote to stdout, decoded as UTF-8.</summary>
    public string Stdout { get; }

    /// <summary>Everything the guest wrote to stderr, decoded as UTF-8 (the sandbox's own note is in <see cref="Message"/>, not here).</summary>
    public string Stderr { get; }

    /// <summary>The stdout bytes exactly as written.</summary>
    public byte[] StdoutData { get; }

    /// <summary>The stderr bytes exactly as written.</summary>
    public byte[] StderrData { get; }

    public TimeSpan Duration => Exited.Duration;

    public TimeSpan? CpuTime => Exited.CpuTime;

    public ulong? FuelConsumed => Exited.FuelConsumed;

    public long? PeakMemoryBytes => Exited.PeakMemoryBytes;

    public long StdinBytes => Exited.StdinBytes;

    public long StdoutBytes => Exited.StdoutBytes;

    public long StderrBytes => Exited.StderrBytes;

    /// <summary>The exited event the figures come from.</summary>
    public WasmExitedEvent Exited { get; }

    public override string ToString() => $"{ExecutionId} {Exited}";
}
