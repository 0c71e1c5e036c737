namespace WasmSandbox;

/// <summary>A set of the guest's stdio streams.</summary>
[Flags]
public enum WasmStdioStreams
{
    None = 0,
    Stdin = 1,
    Stdout = 2,
    Stderr = 4,
    All = Stdin | Stdout | Stderr,
}
