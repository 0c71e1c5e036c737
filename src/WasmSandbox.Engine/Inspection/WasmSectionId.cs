namespace WasmSandbox;

/// <summary>The section ids of the core binary format (including the exception-handling proposal's tag section).</summary>
internal enum WasmSectionId : byte
{
    Custom = 0,
    Type = 1,
    Import = 2,
    Function = 3,
    Table = 4,
    Memory = 5,
    Global = 6,
    Export = 7,
    Start = 8,
    Element = 9,
    Code = 10,
    Data = 11,
    DataCount = 12,
    Tag = 13,
}

internal static class WasmSectionIds
{
    public static bool IsKnown(byte id) => id <= (byte)WasmSectionId.Tag;

    /// <summary>The name used in messages, e.g. <c>import section</c>.</summary>
    public static string Name(WasmSectionId id) => id switch
    {
        WasmSectionId.DataCount => "data count section",
        _ => $"{id.ToString().ToLowerInvariant()} section",
    };

    /// <summary>
    /// The position the binary format requires a non-custom section to appear at. Ids are not in that order: the tag
    /// section comes between memory and global, the data count section between element and code.
    /// </summary>
    public static int Order(WasmSectionId id) => id switch
    {
        WasmSectionId.Type => 1,
        WasmSectionId.Import => 2,
        WasmSectionId.Function => 3,
        WasmSectionId.Table => 4,
        WasmSectionId.Memory => 5,
        WasmSectionId.Tag => 6,
        WasmSectionId.Global => 7,
        WasmSectionId.Export => 8,
        WasmSectionId.Start => 9,
        WasmSectionId.Element => 10,
        WasmSectionId.DataCount => 11,
        WasmSectionId.Code => 12,
        WasmSectionId.Data => 13,
        _ => 0,
    };
}
