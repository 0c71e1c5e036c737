namespace WasmSandbox;

/// <summary>
/// Base of every error the sandbox raises on purpose. <see cref="ErrorId"/> is stable so scripts can filter on it;
/// <see cref="Category"/> names the PowerShell error category the cmdlets surface it with;
/// <see cref="TargetPath"/> is the file or directory the error is about, when there is one.
/// </summary>
public abstract class WasmSandboxException : Exception
{
    protected WasmSandboxException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>A stable identifier such as <c>NativeBinaryNotSupported</c>.</summary>
    public abstract string ErrorId { get; }

    /// <summary>The kind of failure, mapped one-to-one onto PowerShell's ErrorCategory by the cmdlets.</summary>
    public virtual WasmErrorCategory Category => WasmErrorCategory.InvalidData;

    /// <summary>The resolved path the error is about, or null.</summary>
    public virtual string? TargetPath => null;
}

/// <summary>The engine's own copy of the PowerShell error categories it uses, so the engine stays PowerShell-free.</summary>
public enum WasmErrorCategory
{
    InvalidData,
    InvalidArgument,
    LimitsExceeded,
    ObjectNotFound,
    InvalidOperation,
    NotImplemented,
    ResourceUnavailable,
    InvalidResult,
}
