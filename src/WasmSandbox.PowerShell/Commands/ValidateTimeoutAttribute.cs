using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>
/// Checks a <c>-Timeout</c> (already a TimeSpan, see <see cref="TimeoutTransformationAttribute"/>) at parameter
/// binding: from <see cref="Minimum"/> to <see cref="SandboxLimits.MaxTimeout"/>, or
/// <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> for none. ValidateRange cannot express it (TimeSpan bounds
/// are not attribute constants, and the infinite value is negative).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class ValidateTimeoutAttribute : ValidateArgumentsAttribute
{
    /// <summary>
    /// True for a wait (Receive-WasmEvent, Wait-WasmExecution), where 0 means "only what is there now"; false for the
    /// sandbox's own deadline, which is at least <see cref="SandboxLimits.MinTimeout"/>.
    /// </summary>
    public bool AllowZero { get; set; }

    private TimeSpan Minimum => AllowZero ? TimeSpan.Zero : SandboxLimits.MinTimeout;

    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        var value = arguments is PSObject wrapped ? wrapped.BaseObject : arguments;
        if (value is not TimeSpan timeout)
        {
            throw new ValidationMetadataException($"the timeout must be a TimeSpan, not {value?.GetType().Name ?? "null"}");
        }
        if (timeout == System.Threading.Timeout.InfiniteTimeSpan)
        {
            return;
        }
        if (timeout < Minimum || timeout > SandboxLimits.MaxTimeout)
        {
            throw new ValidationMetadataException(
                $"The timeout {SandboxLimits.Seconds(timeout)} is out of range: it must be between {SandboxLimits.Seconds(Minimum)} and " +
                $"{SandboxLimits.Seconds(SandboxLimits.MaxTimeout)} (24 days), or -1 for no limit.");
        }
    }
}
