namespace WasmSandbox;

/// <summary>
/// The sandbox refuses new work because the host is under pressure it must protect itself from (too many guest
/// threads stuck in host calls, too many running guests); nothing was started. Retry once executions have ended.
/// </summary>
public sealed class WasmSandboxBusyException : WasmSandboxException
{
    public WasmSandboxBusyException(string errorId, string message)
        : base(message) => ErrorId = errorId;

    public override string ErrorId { get; }

    public override WasmErrorCategory Category => WasmErrorCategory.ResourceUnavailable;
}
