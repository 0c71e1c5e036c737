namespace WasmSandbox;

/// <summary>
/// The guest-side wait for one kernel-mode answer. Exactly one of answer, errno or abandonment completes it; a second
/// answer is refused so a script cannot answer twice.
/// </summary>
internal sealed class SyncRpcCall
{
    private readonly TaskCompletionSource<SyncRpcAnswer> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsCompleted => _answer.Task.IsCompleted;

    public bool IsAbandoned => _answer.Task.IsCanceled;

    public bool TryAnswer(SyncRpcAnswer answer) => _answer.TrySetResult(answer);

    /// <summary>Blocks the guest thread until answered; throws when <paramref name="cancel"/> fires (timeout or stop).</summary>
    public SyncRpcAnswer Wait(CancellationToken cancel)
    {
        _answer.Task.Wait(cancel);
        return _answer.Task.Result;
    }

    public void Abandon() => _answer.TrySetCanceled();
}

/// <summary>An answer to a kernel-mode request: a result object, or a WASI errno when <see cref="Errno"/> is set.</summary>
internal readonly record struct SyncRpcAnswer(object? Result, int? Errno);
