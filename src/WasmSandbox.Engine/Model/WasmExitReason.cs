namespace WasmSandbox;

/// <summary>Why an execution ended.</summary>
public enum WasmExitReason
{
    /// <summary>The guest returned from <c>_start</c> or called <c>proc_exit</c>.</summary>
    Exited,
    /// <summary>The fuel budget (<c>-MaxFuel</c>) ran out; exit code 124.</summary>
    FuelExhausted,
    /// <summary>The deadline (<c>-Timeout</c>) passed; exit code 124.</summary>
    TimedOut,
    /// <summary>The guest trapped (unreachable, out-of-bounds access, stack overflow, ...).</summary>
    Trapped,
    /// <summary>The host stopped it.</summary>
    Stopped,
    /// <summary>An import could not be satisfied, or the module has no <c>_start</c>.</summary>
    LinkFailed,
    /// <summary>The guest wrote more than <c>-MaxOutputBytes</c>; exit code 124.</summary>
    OutputLimitExceeded,
    /// <summary>The sandbox itself failed (a bug, not the guest's doing); exit code 70 (EX_SOFTWARE).</summary>
    InternalError,
}
