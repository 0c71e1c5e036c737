using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>
/// Called by the last statement of every function New-WasmCommand defines. PowerShell sets $? after a function only
/// from what the function itself reports, never from the commands inside it, so a native-like wasm command needs this
/// to make $? false (and let <c>||</c> run) after a non-zero exit, as it is after a native executable's.
/// </summary>
public static class WasmCommandStatus
{
    /// <summary>Marks the function running the calling statement as failed when <paramref name="exitCode"/> is not 0.</summary>
    public static void Report(EngineIntrinsics executionContext, object? exitCode)
    {
        ArgumentNullException.ThrowIfNull(executionContext);
        if (LanguagePrimitives.TryConvertTo<int>(exitCode, out int code) && code != 0)
        {
            NativeCommandBehavior.MarkCurrentCommandFailed(executionContext);
        }
    }
}
