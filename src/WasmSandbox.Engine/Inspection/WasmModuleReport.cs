namespace WasmSandbox;

/// <summary>What <see cref="WasmModuleInspector"/> found in a file, and every reason it cannot run as configured.</summary>
public sealed class WasmModuleReport
{
    internal WasmModuleReport(
        string path,
        WasmModuleKind kind,
        string? nativeFormat,
        long size,
        IReadOnlyList<WasmImportInfo> imports,
        IReadOnlyList<WasmExportInfo> exports,
        IReadOnlyList<WasmMemoryInfo> memories,
        string? entryPoint,
        string? wasiVersion,
        IReadOnlyList<WasmModuleProblem> problems,
        IReadOnlyList<WasmComponentExternInfo>? componentImports = null,
        IReadOnlyList<WasmComponentExternInfo>? componentExports = null,
        IReadOnlyList<WasmCoreModuleInfo>? coreModules = null,
        int nestedComponentCount = 0,
        string? wasiInterfaceVersion = null)
    {
        Path = path;
        Kind = kind;
        NativeFormat = nativeFormat;
        Size = size;
        Imports = imports;
        Exports = exports;
        Memories = memories;
        EntryPoint = entryPoint;
        WasiVersion = wasiVersion;
        Problems = problems;
        ComponentImports = componentImports ?? [];
        ComponentExports = componentExports ?? [];
        CoreModules = coreModules ?? [];
        NestedComponentCount = nestedComponentCount;
        WasiInterfaceVersion = wasiInterfaceVersion;
    }

    /// <summary>The path the report is about, as given to the inspector.</summary>
    public string Path { get; }

    /// <summary>True when there are no problems: the module can run under the options it was inspected with.</summary>
    public bool IsValid => Problems.Count == 0;

    public WasmModuleKind Kind { get; }

    /// <summary><c>ELF</c>, <c>Mach-O</c> or <c>PE/COFF</c> for a native binary; null otherwise.</summary>
    public string? NativeFormat { get; }

    /// <summary>The file size in bytes.</summary>
    public long Size { get; }

    /// <summary>The imports in section order; empty unless the file is a core module that parsed (see <see cref="ComponentImports"/>).</summary>
    public IReadOnlyList<WasmImportInfo> Imports { get; }

    /// <summary>The exports in section order; empty unless the file is a core module that parsed (see <see cref="ComponentExports"/>).</summary>
    public IReadOnlyList<WasmExportInfo> Exports { get; }

    /// <summary>
    /// The memories of a core module in index order: imported memories first, then defined ones. Empty for a
    /// component, whose memories are those of its <see cref="CoreModules"/>.
    /// </summary>
    public IReadOnlyList<WasmMemoryInfo> Memories { get; }

    /// <summary>
    /// What the sandbox calls to run the guest: <c>_start</c> when a core module exports a function of that name (a
    /// WASI command), the exported <c>wasi:cli/run@0.2.x</c> interface of a component (a WASI command component);
    /// null otherwise.
    /// </summary>
    public string? EntryPoint { get; }

    /// <summary>
    /// <c>preview1</c> when the module imports from <c>wasi_snapshot_preview1</c>, <c>preview2</c> for a component,
    /// null otherwise.
    /// </summary>
    public string? WasiVersion { get; }

    /// <summary>Every problem found, most fundamental first.</summary>
    public IReadOnlyList<WasmModuleProblem> Problems { get; }

    /// <summary>
    /// The highest version among a component's <c>wasi:</c> interfaces, imported or exported (for example
    /// <c>0.2.3</c>); null for a core module, or a component that names no versioned WASI interface.
    /// </summary>
    public string? WasiInterfaceVersion { get; }

    /// <summary>
    /// What a component imports (its world's imports) by name, e.g. <c>wasi:cli/stdout@0.2.3</c>, in section order;
    /// empty for a core module, or a component that did not parse.
    /// </summary>
    public IReadOnlyList<WasmComponentExternInfo> ComponentImports { get; }

    /// <summary>What a component exports by name, e.g. <c>wasi:cli/run@0.2.3</c>; empty for a core module.</summary>
    public IReadOnlyList<WasmComponentExternInfo> ComponentExports { get; }

    /// <summary>
    /// The core modules inside a component, nested ones included, in file order, each with its memories; empty for a
    /// core module.
    /// </summary>
    public IReadOnlyList<WasmCoreModuleInfo> CoreModules { get; }

    /// <summary>How many components are nested inside a component, at any depth; 0 for a core module.</summary>
    public int NestedComponentCount { get; }
}
