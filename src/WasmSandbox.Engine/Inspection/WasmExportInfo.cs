namespace WasmSandbox;

/// <summary>One entry of a module's export section.</summary>
public sealed class WasmExportInfo
{
    public WasmExportInfo(string name, string type)
    {
        Name = name;
        Type = type;
    }

    public string Name { get; }

    /// <summary><c>func</c>, <c>table</c>, <c>memory</c>, <c>global</c> or <c>tag</c>.</summary>
    public string Type { get; }

    public override string ToString() => $"{Name} ({Type})";
}
