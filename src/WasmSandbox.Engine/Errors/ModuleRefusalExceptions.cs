using System.Globalization;

namespace WasmSandbox;

/// <summary>
/// The file is not WebAssembly at all: a text file, a <c>#!</c> shell shim (as npm and pip install next to real
/// binaries), or anything else without the WebAssembly magic and version.
/// </summary>
public sealed class NonWasmBinaryException : WasmSandboxException
{
    public NonWasmBinaryException(string path, byte[] header, bool isShellShim)
        : base(isShellShim
            ? $"{path}: file is a shell-shim script (it starts with '#!'), not a WebAssembly module; point the sandbox at the .wasm file the script launches"
            : $"{path}: file is not a WebAssembly module ({ModuleRefusalText.DescribeHeader(header)})")
    {
        Path = path;
        Header = header;
        IsShellShim = isShellShim;
    }

    public string Path { get; }

    /// <summary>The first bytes of the file (up to four; fewer when the file is shorter).</summary>
    public byte[] Header { get; }

    public bool IsShellShim { get; }

    public override string ErrorId => "NonWasmBinary";
    public override WasmErrorCategory Category => WasmErrorCategory.InvalidData;
    public override string? TargetPath => Path;
}

/// <summary>The file is a native executable (ELF, Mach-O or PE/COFF), which the sandbox never runs.</summary>
public sealed class NativeBinaryNotSupportedException : WasmSandboxException
{
    public NativeBinaryNotSupportedException(string path, byte[] header, string format)
        // The code stays in the text, at its end, because the original contract promises it in the message.
        : base($"{path} is a native {format} executable ({ModuleRefusalText.DescribeHeader(header)}); the sandbox runs only WebAssembly modules (ERR_NATIVE_BINARY_NOT_SUPPORTED)")
    {
        Path = path;
        Header = header;
        Format = format;
    }

    public string Path { get; }

    /// <summary>The first four bytes of the file.</summary>
    public byte[] Header { get; }

    /// <summary><c>ELF</c>, <c>Mach-O</c> or <c>PE/COFF</c>.</summary>
    public string Format { get; }

    public override string ErrorId => "NativeBinaryNotSupported";
    public override WasmErrorCategory Category => WasmErrorCategory.InvalidData;
    public override string? TargetPath => Path;
}

/// <summary>
/// The module exceeds one of the caps the inspector enforces before it allocates anything per entry, so that a
/// hostile file cannot make the parser (or Wasmtime after it) spend unbounded memory or time.
/// </summary>
public sealed class WasmParserLimitException : WasmSandboxException
{
    private WasmParserLimitException(string path, WasmParserLimit limit, string message)
        : base(message)
    {
        Path = path;
        Limit = limit;
    }

    public string Path { get; }

    /// <summary>Which cap was exceeded.</summary>
    public WasmParserLimit Limit { get; }

    public override string ErrorId => "ParserLimitExceeded";
    public override WasmErrorCategory Category => WasmErrorCategory.LimitsExceeded;
    public override string? TargetPath => Path;

    internal static WasmParserLimitException FileTooLarge(string path, long? size, long cap) => new(
        path, WasmParserLimit.FileSize, size is { } known
            ? FormattableString.Invariant($"{path}: module file size of {known} bytes exceeds the configured parser cap of {cap} bytes")
            : FormattableString.Invariant($"{path}: module file holds more than the configured parser cap of {cap} bytes (it is longer than its size said; reading stopped at the cap)"));

    /// <summary>A vector in <paramref name="where"/> (e.g. <c>export section</c>) declares more entries than its cap.</summary>
    internal static WasmParserLimitException TooMany(string path, WasmParserLimit limit, string where, ulong count, long cap) => new(
        path, limit,
        FormattableString.Invariant($"{path}: {where} contains {count} entries, more than the configured parser cap of {cap}"));

    internal static WasmParserLimitException TooManySections(string path, long offset, int cap) => new(
        path, WasmParserLimit.SectionCount,
        FormattableString.Invariant($"{path}: the module has more than the configured parser cap of {cap} sections (section {cap + 1} starts at byte offset {offset})"));

    internal static WasmParserLimitException TooManyLocals(string path, long offset, ulong count, int cap) => new(
        path, WasmParserLimit.LocalCount,
        FormattableString.Invariant($"{path}: a function body at byte offset {offset} declares {count} locals, more than the configured parser cap of {cap}"));

    internal static WasmParserLimitException NameTooLong(string path, long offset, ulong length, int cap) => new(
        path, WasmParserLimit.NameLength,
        FormattableString.Invariant($"{path}: a name at byte offset {offset} is {length} bytes long, more than the parser cap of {cap} bytes"));

    internal static WasmParserLimitException NamesTooLarge(string path, long offset, long total, long cap) => new(
        path, WasmParserLimit.NameBytes,
        FormattableString.Invariant($"{path}: import and export names take {total} bytes by byte offset {offset}, more than the configured parser cap of {cap} bytes"));

    internal static WasmParserLimitException ComponentNestingTooDeep(string path, long offset, int cap) => new(
        path, WasmParserLimit.ComponentNesting,
        FormattableString.Invariant($"{path}: the component at byte offset {offset} is nested more than the configured parser cap of {cap} components deep"));

    internal static WasmParserLimitException VarUintTooLong(string path, long offset) => new(
        path, WasmParserLimit.VarUintLength,
        FormattableString.Invariant($"{path}: varuint exceeds the parser cap of 10 bytes (LEB128 at byte offset {offset})"));
}

/// <summary>The binary is structurally broken: a truncated or inconsistent section, or an unknown section id.</summary>
public sealed class WasmModuleFormatException : WasmSandboxException
{
    public WasmModuleFormatException(string path, string section, long offset, string detail)
        : base(FormattableString.Invariant($"{path}: malformed {section} at byte offset {offset}: {detail}"))
    {
        Path = path;
        Section = section;
        Offset = offset;
    }

    public string Path { get; }

    /// <summary>The section the problem is in, e.g. <c>import section</c>, or <c>section header</c>.</summary>
    public string Section { get; }

    /// <summary>The byte offset in the file where the problem was found.</summary>
    public long Offset { get; }

    public override string ErrorId => "MalformedModule";
    public override WasmErrorCategory Category => WasmErrorCategory.InvalidData;
    public override string? TargetPath => Path;
}

/// <summary>
/// A memory (defined or imported) declares a size above the configured memory limit: its maximum, or its minimum when
/// it declares no maximum (such a memory can still run, because growth past the limit is refused at run time).
/// </summary>
public sealed class WasmMemoryLimitException : WasmSandboxException
{
    public WasmMemoryLimitException(string path, WasmMemoryInfo memory, int index, long limitBytes)
        : this(path, memory, index, limitBytes, coreModuleIndex: null)
    {
    }

    /// <summary>A memory over the limit; <paramref name="coreModuleIndex"/> names the core module of a component it belongs to.</summary>
    public WasmMemoryLimitException(string path, WasmMemoryInfo memory, int index, long limitBytes, int? coreModuleIndex)
        : base(BuildMessage(path, memory, index, limitBytes, coreModuleIndex))
    {
        Path = path;
        CoreModuleIndex = coreModuleIndex;
        MemoryIndex = index;
        DeclaredBytes = memory.MaximumBytes ?? memory.MinimumBytes;
        LimitBytes = limitBytes;
    }

    public string Path { get; }

    /// <summary>For a component, the index of the core module the memory belongs to; null for a core module.</summary>
    public int? CoreModuleIndex { get; }

    /// <summary>The memory's index in the module's memory index space (imported memories come first).</summary>
    public int MemoryIndex { get; }

    /// <summary>The declared maximum in bytes, or the declared minimum when there is no maximum.</summary>
    public UInt128 DeclaredBytes { get; }

    public long LimitBytes { get; }

    public override string ErrorId => "MemoryLimitExceeded";
    public override WasmErrorCategory Category => WasmErrorCategory.LimitsExceeded;
    public override string? TargetPath => Path;

    private static string BuildMessage(string path, WasmMemoryInfo memory, int index, long limitBytes, int? coreModuleIndex)
    {
        var which = memory.Imported ? $"imported memory {index}" : $"memory {index}";
        if (coreModuleIndex is { } module)
        {
            which += $" of core module {module}";
        }
        return memory.Maximum is { } maximum
            ? FormattableString.Invariant(
                $"{path}: memory maximum of {memory.MaximumBytes} bytes ({maximum} pages) exceeds the limit of {limitBytes} bytes ({which})")
            : FormattableString.Invariant(
                $"{path}: memory minimum of {memory.MinimumBytes} bytes ({memory.Minimum} pages) exceeds the limit of {limitBytes} bytes ({which} declares no memory maximum)");
    }
}

/// <summary>Text shared by the refusal messages.</summary>
internal static class ModuleRefusalText
{
    public static string DescribeHeader(byte[] header) => header.Length == 0
        ? "the file is empty"
        : "it starts with bytes " + string.Join(' ', header.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
}
