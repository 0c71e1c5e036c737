namespace WasmSandbox;

/// <summary>
/// In kernel mode (<see cref="WasmStdioMode.SyncRpc"/>) the guest blocks on this request until the host answers it
/// once, with a result or a WASI errno.
/// </summary>
public sealed class WasmSyncRpcRequestEvent : WasmEvent
{
    private readonly SyncRpcCall _call;

    internal WasmSyncRpcRequestEvent(long id, string method, object[] args, SyncRpcCall call)
    {
        Id = id;
        Method = method;
        Args = args;
        _call = call;
    }

    public override WasmEventKind Kind => WasmEventKind.SyncRpcRequest;

    /// <summary>1, 2, 3, ... per execution.</summary>
    public long Id { get; }

    /// <summary><c>__kernel_stdio_write</c> or <c>__kernel_poll</c>.</summary>
    public string Method { get; }

    public object[] Args { get; }

    /// <summary>Whether an answer was already given (or the execution ended).</summary>
    public bool IsAnswered => _call.IsCompleted;

    internal SyncRpcCall Call => _call;

    internal override long BufferedBytes => Args.OfType<byte[]>().Sum(b => (long)b.Length);

    public override string ToString() => $"rpc {Id} {Method}";
}
