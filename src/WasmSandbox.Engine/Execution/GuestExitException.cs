namespace WasmSandbox;

/// <summary>
/// Thrown by the sandbox's <c>proc_exit</c> to unwind a guest that exits with <see cref="Status"/>. The sandbox defines
/// proc_exit itself because Wasmtime's own traps for a status of 126 or more, so <c>exit(255)</c> would be reported as
/// a trap; <see cref="ExecutionOutcome.Classify"/> turns this into an <see cref="WasmExitReason.Exited"/> end.
/// </summary>
internal sealed class GuestExitException : Exception
{
    public GuestExitException(uint status) : base($"the guest exited with status {status}") => Status = status;

    /// <summary>The status the guest passed, as given (WASI's is 32 bits wide).</summary>
    public uint Status { get; }
}
