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
    /// <summary><see cref="WasmInspectionOptions.MaxExports"/>.</summary>
    ExportCount,
    /// <summary><see cref="WasmInspectionOptions.MaxTypes"/>.</summary>
    TypeCount,
    /// <summary><see cref="WasmInspectionOptions.MaxFunctions"/>, for the function and the code section.</summary>
    FunctionCount,
    /// <summary><see cref="WasmInspectionOptions.MaxTables"/>.</summary>
    TableCount,
    /// <summary><see cref="WasmInspectionOptions.MaxGlobals"/>.</summary>
    GlobalCount,
    /// <summary><see cref="WasmInspectionOptions.MaxElementSegments"/>.</summary>
    ElementSegmentCount,
    /// <summary><see cref="WasmInspectionOptions.MaxDataSegments"/>, for the data and the data count section.</summary>
    DataSegmentCount,
    /// <summary><see cref="WasmInspectionOptions.MaxTags"/>.</summary>
    TagCount,
    /// <summary><see cref="WasmInspectionOptions.MaxLocals"/>, per function body.</summary>
    LocalCount,
    /// <summary><see cref="WasmInspectionOptions.MaxSections"/>, custom sections included.</summary>
    SectionCount,
    /// <summary>One import or export name longer than <see cref="WasmInspectionOptions.MaxNameLength"/>.</summary>
    NameLength,
    /// <summary><see cref="WasmInspectionOptions.MaxNameBytes"/>: all import and export names together.</summary>
    NameBytes,
    /// <summary><see cref="WasmInspectionOptions.MaxCoreModules"/>: the core modules of a component, nested ones included.</summary>
    CoreModuleCount,
    /// <summary><see cref="WasmInspectionOptions.MaxComponents"/>: the components nested in a component, at any depth.</summary>
    ComponentCount,
    /// <summary><see cref="WasmInspectionOptions.MaxComponentNesting"/>: how deep components nest in a component.</summary>
    ComponentNesting,
    /// <summary><see cref="WasmInspectionOptions.MaxInstances"/>, for the core instances and the instances of one component.</summary>
    InstanceCount,
    /// <summary><see cref="WasmInspectionOptions.MaxAliases"/>, per component.</summary>
    AliasCount,
    /// <summary><see cref="WasmInspectionOptions.MaxCanonicalFunctions"/>, per component.</summary>
    CanonicalFunctionCount,
}
