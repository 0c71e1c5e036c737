namespace WasmSandbox;

/// <summary>One entry of a module's import section.</summary>
public sealed class WasmImportInfo
{
    public WasmImportInfo(string module, string name, string type)
    {
        Module = module;
        Name = name;
        Type = type;
    }

    /// <summary>The import's module name, e.g. <c>wasi_snapshot_preview1</c>.</summary>
    public string Module { get; }

    public string Name { get; }

    /// <summary><c>func</c>, <c>table</c>, <c>memory</c>, <c>global</c> or <c>tag</c>.</summary>
    public string Type { get; }

    public override string ToString() => $"{Module}.{Name} ({Type})";
}
