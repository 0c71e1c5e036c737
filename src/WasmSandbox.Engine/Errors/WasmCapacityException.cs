namespace WasmSandbox;

/// <summary>
/// The sandbox refused new work because a process-wide resource is at its bound (such as the number of guests that
/// may run at once). Nothing was started; the same request succeeds once running guests end.
/// </summary>
public sealed class WasmCapacityException : WasmSandboxException
{
    public WasmCapacityException(string errorId, string message)
        : base(message) => ErrorId = errorId;

    public override string ErrorId { get; }
    public override WasmErrorCategory Category => WasmErrorCategory.ResourceUnavailable;
}
