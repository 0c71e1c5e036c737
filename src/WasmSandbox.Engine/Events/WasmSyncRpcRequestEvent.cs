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

    /// <summary>
    /// Answers the request once: with <paramref name="errno"/> the guest's call fails with that WASI errno; otherwise
    /// <paramref name="result"/> is the answer (bytes written for <see cref="KernelMethods.StdioWrite"/>, a poll
    /// result for <see cref="KernelMethods.Poll"/>). A malformed answer is refused here, before the guest sees it.
    /// </summary>
    public void Respond(object? result, int? errno = null)
    {
        if (errno is null)
        {
            ValidateResult(result);
        }
        else if (errno is < 0 or > ushort.MaxValue)
        {
            throw new WasmRpcException("InvalidRpcErrno", $"errno {errno} is not a WASI errno (0..65535)", this);
        }
        if (_call.IsAbandoned)
        {
            throw new WasmRpcException("RpcExecutionEnded", $"request {Id} of {ExecutionId} can no longer be answered: the execution has ended", this);
        }
        if (!_call.TryAnswer(new SyncRpcAnswer(result, errno)))
        {
            throw new WasmRpcException("RpcAlreadyAnswered", $"request {Id} ({Method}) of {ExecutionId} was already answered", this);
        }
    }

    private void ValidateResult(object? result)
    {
        try
        {
            switch (Method)
            {
                case KernelMethods.StdioWrite when result is not null:
                    _ = Convert.ToInt64(result, System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case KernelMethods.Poll:
                    _ = KernelPollAnswer.Parse(result).ToList();
                    break;
            }
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException or ArgumentException)
        {
            throw new WasmRpcException("InvalidRpcResult", $"the answer to request {Id} ({Method}) is not valid: {e.Message}", this);
        }
    }

    internal override long BufferedBytes => Args.OfType<byte[]>().Sum(b => (long)b.Length);

    public override string ToString() => $"rpc {Id} {Method}";
}
