namespace WasmSandbox;

/// <summary>A context was started under a vm other than its own.</summary>
public sealed class WasmVmMismatchException : WasmSandboxException
{
    public WasmVmMismatchException(string contextVmId, string requestedVmId)
        : base($"guest WebAssembly context belongs to vm {contextVmId}, not {requestedVmId}")
    {
        ContextVmId = contextVmId;
        RequestedVmId = requestedVmId;
    }

    public string ContextVmId { get; }
    public string RequestedVmId { get; }
    public override string ErrorId => "VmMismatch";
    public override WasmErrorCategory Category => WasmErrorCategory.InvalidOperation;
}

/// <summary>The module file does not exist (at start, after resolving against the working directory).</summary>
public sealed class WasmModuleNotFoundException : WasmSandboxException
{
    public WasmModuleNotFoundException(string path, string givenPath)
        : base(path == givenPath
            ? $"module file '{path}' does not exist"
            : $"module file '{path}' does not exist (resolved from '{givenPath}')")
    {
        Path = path;
    }

    public string Path { get; }
    public override string ErrorId => "ModuleNotFound";
    public override WasmErrorCategory Category => WasmErrorCategory.ObjectNotFound;
    public override string? TargetPath => Path;
}

/// <summary>The module could not be read or compiled (after our own checks passed).</summary>
public sealed class WasmCompileException : WasmSandboxException
{
    public WasmCompileException(string path, string reason, Exception? inner = null)
        : base($"module '{path}' could not be compiled: {reason}", inner)
    {
        Path = path;
    }

    public string Path { get; }
    public override string ErrorId => "ModuleCompileFailed";
    public override string? TargetPath => Path;
}

/// <summary>An option combination or value the sandbox refuses (bad mount, missing working directory, ...).</summary>
public sealed class WasmConfigurationException : WasmSandboxException
{
    public WasmConfigurationException(string errorId, string message, string? targetPath = null)
        : base(message)
    {
        ErrorId = errorId;
        TargetPath = targetPath;
    }

    public override string ErrorId { get; }
    public override WasmErrorCategory Category => WasmErrorCategory.InvalidArgument;
    public override string? TargetPath { get; }
}
