namespace WasmSandbox;

/// <summary>One core module inside a component, at any depth of nesting, with the memories it declares.</summary>
public sealed class WasmCoreModuleInfo
{
    internal WasmCoreModuleInfo(int index, int depth, long offset, long size, int importCount, int exportCount, IReadOnlyList<WasmMemoryInfo> memories)
    {
        Index = index;
        Depth = depth;
        Offset = offset;
        Size = size;
        ImportCount = importCount;
        ExportCount = exportCount;
        Memories = memories;
    }

    /// <summary>The module's position among all the core modules of the file, in file order (0 for the first).</summary>
    public int Index { get; }

    /// <summary>How many components enclose it below the top-level one: 0 for a module of the component itself.</summary>
    public int Depth { get; }

    /// <summary>The byte offset of the module's header in the file.</summary>
    public long Offset { get; }

    /// <summary>The module's size in bytes, header included.</summary>
    public long Size { get; }

    /// <summary>How many imports the module declares (the component's own instances supply them).</summary>
    public int ImportCount { get; }

    /// <summary>How many exports the module declares.</summary>
    public int ExportCount { get; }

    /// <summary>The module's memories in index order: imported memories first, then defined ones.</summary>
    public IReadOnlyList<WasmMemoryInfo> Memories { get; }

    public override string ToString()
    {
        var memories = Memories.Count == 0 ? "no memory" : string.Join(", ", Memories);
        var nesting = Depth == 0 ? "" : $", nested {Depth} deep";
        return $"core module {Index} ({Size} bytes{nesting}): {memories}";
    }
}
