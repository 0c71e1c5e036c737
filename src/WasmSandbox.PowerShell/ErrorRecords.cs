using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>Turns engine exceptions into error records with a stable id, the right category and the offending path as target.</summary>
internal static class ErrorRecords
{
    public static ErrorRecord From(WasmSandboxException e, object? fallbackTarget) => e switch
    {
        // An abnormal end targets the execution, so a script can read its ExitReason, ExitCode and events.
        WasmExecutionEndedException ended => new(e, e.ErrorId, Map(ended.Reason), ended.Execution),
        _ => new(e, e.ErrorId, Map(e.Category), e.TargetPath ?? fallbackTarget),
    };

    public static ErrorCategory Map(WasmErrorCategory category) => category switch
    {
        WasmErrorCategory.InvalidData => ErrorCategory.InvalidData,
        WasmErrorCategory.InvalidArgument => ErrorCategory.InvalidArgument,
        WasmErrorCategory.LimitsExceeded => ErrorCategory.LimitsExceeded,
        WasmErrorCategory.ObjectNotFound => ErrorCategory.ObjectNotFound,
        WasmErrorCategory.InvalidOperation => ErrorCategory.InvalidOperation,
        WasmErrorCategory.NotImplemented => ErrorCategory.NotImplemented,
        WasmErrorCategory.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        WasmErrorCategory.InvalidResult => ErrorCategory.InvalidResult,
        _ => ErrorCategory.NotSpecified,
    };

    /// <summary>The category of each abnormal end; the engine's coarser <see cref="WasmErrorCategory"/> has no timeout, stop or bad-result kinds.</summary>
    public static ErrorCategory Map(WasmExitReason reason) => reason switch
    {
        WasmExitReason.TimedOut => ErrorCategory.OperationTimeout,
        WasmExitReason.FuelExhausted or WasmExitReason.OutputLimitExceeded => ErrorCategory.LimitsExceeded,
        WasmExitReason.Stopped => ErrorCategory.OperationStopped,
        WasmExitReason.Trapped => ErrorCategory.InvalidResult,
        WasmExitReason.LinkFailed => ErrorCategory.ObjectNotFound,
        _ => ErrorCategory.NotSpecified,
    };
}
