namespace WasmSandbox;

/// <summary>
/// The guest exited on its own with a non-zero exit code. Not a sandbox failure: Invoke-WasmModule raises it only
/// when the script asked for native-command errors (<c>$PSNativeCommandUseErrorActionPreference = $true</c>), as
/// PowerShell does for a native executable.
/// </summary>
public sealed class WasmGuestExitException : WasmSandboxException
{
    public WasmGuestExitException(WasmExecution execution, int exitCode)
        : base($"{(execution ?? throw new ArgumentNullException(nameof(execution))).ModuleName} " +
               $"({execution.ExecutionId}) exited with code {exitCode}.")
    {
        Execution = execution;
        ExitCode = exitCode;
    }

    /// <summary>The execution that exited.</summary>
    public WasmExecution Execution { get; }

    /// <summary>The guest's own exit code (never 0).</summary>
    public int ExitCode { get; }

    public override string ErrorId => "WasmSandbox.NonZeroExitCode";

    public override WasmErrorCategory Category => WasmErrorCategory.InvalidOperation;

    public override string? TargetPath => Execution.ResolvedModulePath;
}
