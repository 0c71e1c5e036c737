namespace WasmSandbox;

/// <summary>The caps <see cref="WasmModuleInspector"/> enforces while parsing; see <see cref="WasmParserLimitException"/>.</summary>
public enum WasmParserLimit
{
    /// <summary><see cref="WasmInspectionOptions.MaxFileBytes"/>.</summary>
    FileSize,
    /// <summary><see cref="WasmInspectionOptions.MaxImports"/>.</summary>
    ImportCount,
    /// <summary><see cref="WasmInspectionOptions.MaxMemories"/>.</summary>
    MemoryCount,
    /// <summary>A LEB128 integer longer than 10 bytes, the most a 64-bit value can need.</summary>
    VarUintLength,
}
