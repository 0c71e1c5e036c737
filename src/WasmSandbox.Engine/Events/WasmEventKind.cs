namespace WasmSandbox;

/// <summary>The kind of a <see cref="WasmEvent"/>, for filtering without type tests.</summary>
public enum WasmEventKind
{
    Stdout,
    Stderr,
    SignalState,
    SyncRpcRequest,
    Exited,
}
