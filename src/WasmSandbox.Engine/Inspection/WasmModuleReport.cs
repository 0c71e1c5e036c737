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
        IReadOnlyList<WasmModuleProblem> problems)
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

    /// <summary>The imports in section order; empty unless the file is a core module that parsed.</summary>
    public IReadOnlyList<WasmImportInfo> Imports { get; }

    /// <summary>The exports in section order; empty unless the file is a core module that parsed.</summary>
    public IReadOnlyList<WasmExportInfo> Exports { get; }

    /// <summary>The memories in index order: imported memories first, then defined ones.</summary>
    public IReadOnlyList<WasmMemoryInfo> Memories { get; }

    /// <summary><c>_start</c> when the module exports a function of that name (a WASI command); null otherwise.</summary>
    public string? EntryPoint { get; }

    /// <summary>
    /// <c>preview1</c> when the module imports from <c>wasi_snapshot_preview1</c>, <c>preview2</c> for a component,
    /// null otherwise.
    /// </summary>
    public string? WasiVersion { get; }

    /// <summary>Every problem found, most fundamental first.</summary>
    public IReadOnlyList<WasmModuleProblem> Problems { get; }
}
