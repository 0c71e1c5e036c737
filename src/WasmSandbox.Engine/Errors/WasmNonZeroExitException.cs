namespace WasmSandbox;

/// <summary>
/// The guest ended on its own with a non-zero exit code: a failure the guest reported, not one the sandbox caused
/// (that is <see cref="WasmExecutionEndedException"/>). A consumer that turns a run into success or failure (a job's
/// Failed state) carries this as the reason.
/// </summary>
public sealed class WasmNonZeroExitException : WasmSandboxException
{
    public WasmNonZeroExitException(WasmExecution execution)
        : base(BuildMessage(execution))
    {
        Execution = execution;
        ExitCode = execution.ExitCode!.Value;
    }

    /// <summary>The execution that ended.</summary>
    public WasmExecution Execution { get; }

    /// <summary>The guest's own exit code; never 0.</summary>
    public int ExitCode { get; }

    public override string ErrorId => "WasmSandbox.NonZeroExit";

    public override WasmErrorCategory Category => WasmErrorCategory.InvalidResult;

    private static string BuildMessage(WasmExecution execution)
    {
        ArgumentNullException.ThrowIfNull(execution);
        if (execution.ExitReason != WasmExitReason.Exited || execution.ExitCode is null or 0)
        {
            throw new ArgumentException($"{execution.ExecutionId} did not exit on its own with a non-zero code", nameof(execution));
        }
        return $"{execution.ModuleName} ({execution.ExecutionId}) exited with code {execution.ExitCode}";
    }
}
