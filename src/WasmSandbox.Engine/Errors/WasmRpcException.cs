namespace WasmSandbox;

/// <summary>A kernel-mode answer that cannot be given: answered twice, malformed, or for an execution that ended.</summary>
public sealed class WasmRpcException : WasmSandboxException
{
    public WasmRpcException(string errorId, string message, WasmSyncRpcRequestEvent request) : base(message)
    {
        ErrorId = errorId;
        Request = request;
    }

    public override string ErrorId { get; }

    public WasmSyncRpcRequestEvent Request { get; }

    public override WasmErrorCategory Category => ErrorId == "InvalidRpcResult" || ErrorId == "InvalidRpcErrno"
        ? WasmErrorCategory.InvalidArgument
        : WasmErrorCategory.InvalidOperation;
}
