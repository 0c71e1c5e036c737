using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>Turns engine exceptions into error records with a stable id, the right category and the offending path as target.</summary>
internal static class ErrorRecords
{
    public static ErrorRecord From(WasmSandboxException e, object? fallbackTarget) =>
        new(e, e.ErrorId, Map(e.Category), e.TargetPath ?? fallbackTarget);

    public static ErrorCategory Map(WasmErrorCategory category) => category switch
    {
        WasmErrorCategory.InvalidData => ErrorCategory.InvalidData,
        WasmErrorCategory.InvalidArgument => ErrorCategory.InvalidArgument,
        WasmErrorCategory.LimitsExceeded => ErrorCategory.LimitsExceeded,
        WasmErrorCategory.ObjectNotFound => ErrorCategory.ObjectNotFound,
        WasmErrorCategory.InvalidOperation => ErrorCategory.InvalidOperation,
        WasmErrorCategory.NotImplemented => ErrorCategory.NotImplemented,
        WasmErrorCategory.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        _ => ErrorCategory.NotSpecified,
    };
}
