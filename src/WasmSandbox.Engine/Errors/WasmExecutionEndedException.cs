namespace WasmSandbox;

/// <summary>
/// An execution ended for a reason other than the guest's own exit: a limit (timeout, fuel, output), a stop, a trap, a
/// link failure or a fault of the sandbox. It is built from the exited event, which only the sandbox writes, so a
/// guest cannot produce one by printing the sandbox's words: this is how a consumer that turns an execution into a
/// success-or-error result (Invoke-WasmModule) reports a sandbox-caused end.
/// </summary>
public sealed class WasmExecutionEndedException : WasmSandboxException
{
    public WasmExecutionEndedException(WasmExecution execution, WasmExitedEvent exited)
        : base(BuildMessage(execution, exited))
    {
        ArgumentNullException.ThrowIfNull(execution);
        if (exited.Reason == WasmExitReason.Exited)
        {
            throw new ArgumentException("an execution that exited on its own did not end abnormally", nameof(exited));
        }
        Execution = execution;
        Reason = exited.Reason;
        ExitCode = exited.ExitCode;
    }

    /// <summary>The execution that ended.</summary>
    public WasmExecution Execution { get; }

    /// <summary>Why it ended; never <see cref="WasmExitReason.Exited"/>.</summary>
    public WasmExitReason Reason { get; }

    /// <summary>The exit code the sandbox gave it (124 for a limit, 127 link failure, 130 stop, 134 trap, 70 internal error).</summary>
    public int ExitCode { get; }

    /// <summary><c>WasmSandbox.</c> and the exit reason, for example <c>WasmSandbox.TimedOut</c>.</summary>
    public override string ErrorId => $"WasmSandbox.{Reason}";

    /// <summary>
    /// The nearest engine category; PowerShell hosts pick a finer one per <see cref="Reason"/> (OperationTimeout,
    /// OperationStopped, InvalidResult, ...), which <see cref="WasmErrorCategory"/> does not have.
    /// </summary>
    public override WasmErrorCategory Category => Reason switch
    {
        WasmExitReason.FuelExhausted or WasmExitReason.TimedOut or WasmExitReason.OutputLimitExceeded => WasmErrorCategory.LimitsExceeded,
        WasmExitReason.LinkFailed => WasmErrorCategory.ObjectNotFound,
        _ => WasmErrorCategory.InvalidOperation,
    };

    private static string BuildMessage(WasmExecution execution, WasmExitedEvent exited)
    {
        ArgumentNullException.ThrowIfNull(execution);
        ArgumentNullException.ThrowIfNull(exited);
        var why = exited.Message ?? exited.Reason.ToString();
        return $"{execution.ModuleName} ({execution.ExecutionId}) ended with exit code {exited.ExitCode} ({exited.Reason}): {why}";
    }
}
