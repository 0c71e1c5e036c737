namespace WasmSandbox;

/// <summary>One memory of a module, imported or defined, as its limits declare it.</summary>
public sealed class WasmMemoryInfo
{
    /// <summary>The size of a WebAssembly page.</summary>
    public const ulong PageSize = 65536;

    public WasmMemoryInfo(ulong minimum, ulong? maximum, bool is64, bool shared, bool imported)
    {
        Minimum = minimum;
        Maximum = maximum;
        Is64 = is64;
        Shared = shared;
        Imported = imported;
    }

    /// <summary>The initial size in pages.</summary>
    public ulong Minimum { get; }

    /// <summary>The declared maximum in pages, or null when the memory declares none.</summary>
    public ulong? Maximum { get; }

    /// <summary>Whether this is a 64-bit (memory64) memory.</summary>
    public bool Is64 { get; }

    /// <summary>Whether the memory is shared (threads proposal).</summary>
    public bool Shared { get; }

    /// <summary>Whether the memory comes from the import section rather than the memory section.</summary>
    public bool Imported { get; }

    // UInt128 because a valid memory64 maximum of 2^48 pages is 2^64 bytes, one more than UInt64 holds.

    /// <summary>The initial size in bytes.</summary>
    public UInt128 MinimumBytes => (UInt128)Minimum * PageSize;

    /// <summary>The declared maximum in bytes, or null when the memory declares none.</summary>
    public UInt128? MaximumBytes => Maximum is { } maximum ? (UInt128)maximum * PageSize : null;

    /// <summary>
    /// Whether the memory may be larger than <paramref name="limitBytes"/> (non-negative): its maximum, or its minimum
    /// when it declares none, is more bytes than the limit.
    /// </summary>
    /// <remarks>
    /// Compared in pages (a whole number of pages exceeds the limit exactly when it exceeds the whole pages within
    /// it) rather than in <see cref="UInt128"/> bytes: ReadyToRun images leave out code that computes with UInt128,
    /// and this check runs on every start.
    /// </remarks>
    internal bool Exceeds(long limitBytes) => (Maximum ?? Minimum) > (ulong)limitBytes / PageSize;

    public override string ToString()
    {
        var limits = Maximum is { } maximum ? $"{Minimum}..{maximum} pages" : $"{Minimum}.. pages";
        var traits = string.Concat(Is64 ? ", i64" : ", i32", Shared ? ", shared" : "", Imported ? ", imported" : "");
        return $"memory ({limits}{traits})";
    }
}
