using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>
/// Checks a sandbox <c>-Timeout</c> at parameter binding: <see cref="SandboxLimits.MinTimeout"/> to
/// <see cref="SandboxLimits.MaxTimeout"/>, or <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> for none.
/// ValidateRange cannot express it (TimeSpan bounds are not attribute constants, and the infinite value is negative).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class ValidateTimeoutAttribute : ValidateArgumentsAttribute
{
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
        if (timeout < SandboxLimits.MinTimeout || timeout > SandboxLimits.MaxTimeout)
        {
            throw new ValidationMetadataException(
                $"The timeout {timeout} is out of range: it must be between {SandboxLimits.MinTimeout} (1 ms) and " +
                $"{SandboxLimits.MaxTimeout} (24 days), or [System.Threading.Timeout]::InfiniteTimeSpan for no limit.");
        }
    }
}
