namespace WasmSandbox;

/// <summary>Lifecycle of an execution. Only <see cref="Running"/> is not final.</summary>
public enum WasmExecutionState
{
    Running,
    /// <summary>The guest exited with code 0.</summary>
    Completed,
    /// <summary>The guest exited non-zero, trapped, failed to link or hit a limit.</summary>
    Failed,
    /// <summary>The guest was stopped by <see cref="WasmExecution.Stop"/>.</summary>
    Stopped,
}
