namespace WasmSandbox;

/// <summary>
/// The module path leads to something that is not a regular file: a FIFO, socket, character or block device, or
/// directory. Such a thing is refused at once, without reading, because it can block the reader forever (a FIFO with
/// no writer) or never end (<c>/dev/zero</c>).
/// </summary>
public sealed class ModuleNotRegularFileException : WasmSandboxException
{
    public ModuleNotRegularFileException(string path, string fileType)
        : base($"{path}: the module path is a {fileType}, not a regular file; only regular files are read as modules")
    {
        Path = path;
        FileType = fileType;
    }

    public string Path { get; }

    /// <summary>What the path leads to, e.g. <c>FIFO (named pipe)</c> or <c>character device</c>.</summary>
    public string FileType { get; }

    public override string ErrorId => "ModuleNotRegularFile";
    public override WasmErrorCategory Category => WasmErrorCategory.InvalidArgument;
    public override string? TargetPath => Path;
}
