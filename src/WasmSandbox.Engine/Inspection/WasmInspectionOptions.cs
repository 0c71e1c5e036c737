using Wasmtime;

namespace WasmSandbox;

/// <summary>The permission tier and caps <see cref="WasmModuleInspector"/> judges a module against.</summary>
public sealed class WasmInspectionOptions
{
    /// <summary>The tier whose imports count as satisfied.</summary>
    public WasmPermissionTier PermissionTier { get; set; } = WasmPermissionTier.Isolated;

    /// <summary>The most memory, in bytes, that any one memory may declare (its maximum, or its minimum without one).</summary>
    public long MaxMemoryBytes
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    } = 256L * 1024 * 1024;

    /// <summary>
    /// The largest file the inspector parses. At most <see cref="Array.MaxLength"/>, since Wasmtime takes a module as
    /// one contiguous buffer.
    /// </summary>
    public long MaxFileBytes
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, Array.MaxLength);
            field = value;
        }
    } = 256L * 1024 * 1024;

    // The count caps below are checked as each count is read, before anything is allocated for its entries. Where
    // WebAssembly engines agree on a limit (the JS API's implementation limits, which Wasmtime's validator also
    // applies) the default is that limit, so no module Wasmtime would accept is refused; the others bound what the
    // report holds or what a hostile file can make the walk do.

    /// <summary>The most entries the import section may declare; for a component, its import sections together.</summary>
    public int MaxImports { get; set => field = NotNegative(value); } = 16384;

    /// <summary>
    /// The most entries the memory section may declare; for a component, the memories of all its core modules together.
    /// </summary>
    public int MaxMemories { get; set => field = NotNegative(value); } = 1024;

    /// <summary>
    /// The most entries the export section may declare (the engines' limit); for a component, its export sections together.
    /// </summary>
    public int MaxExports { get; set => field = NotNegative(value); } = 100_000;

    /// <summary>
    /// The most entries the type section may declare (the engines' limit); for a component, its type and core type
    /// sections together.
    /// </summary>
    public int MaxTypes { get; set => field = NotNegative(value); } = 1_000_000;

    /// <summary>The most entries the function and code sections may declare (the engines' limit).</summary>
    public int MaxFunctions { get; set => field = NotNegative(value); } = 1_000_000;

    /// <summary>The most entries the table section may declare (the engines' limit).</summary>
    public int MaxTables { get; set => field = NotNegative(value); } = 100_000;

    /// <summary>The most entries the global section may declare (the engines' limit).</summary>
    public int MaxGlobals { get; set => field = NotNegative(value); } = 1_000_000;

    /// <summary>The most entries the element section may declare.</summary>
    public int MaxElementSegments { get; set => field = NotNegative(value); } = 100_000;

    /// <summary>The most entries the data section (and the data count section) may declare (the engines' limit).</summary>
    public int MaxDataSegments { get; set => field = NotNegative(value); } = 100_000;

    /// <summary>The most entries the tag section may declare.</summary>
    public int MaxTags { get; set => field = NotNegative(value); } = 1_000_000;

    /// <summary>The most locals one function body may declare (the engines' limit).</summary>
    public int MaxLocals { get; set => field = NotNegative(value); } = 50_000;

    /// <summary>
    /// The most sections a module may have, custom sections included; for a component, each component and core module
    /// inside it separately. A module has at most 13 standard sections; real toolchains add a few dozen custom ones
    /// (names, producers, DWARF), never thousands.
    /// </summary>
    public int MaxSections { get; set => field = NotNegative(value); } = 10_000;

    /// <summary>
    /// The most core modules a component may hold, nested ones included (the engines' limit). For a component,
    /// <see cref="MaxMemories"/> counts the memories of all its core modules together.
    /// </summary>
    public int MaxCoreModules { get; set => field = NotNegative(value); } = 1000;

    /// <summary>The most components a component may hold nested in it, at any depth (the engines' limit).</summary>
    public int MaxComponents { get; set => field = NotNegative(value); } = 1000;

    /// <summary>
    /// How deep components may nest inside a component (1: a component inside the top-level one). Real toolchains
    /// nest a few levels; the cap bounds what a chain of components inside components can make the walk hold.
    /// </summary>
    public int MaxComponentNesting { get; set => field = NotNegative(value); } = 100;

    /// <summary>The most core instances, and separately the most instances, one component may define (the engines' limit).</summary>
    public int MaxInstances { get; set => field = NotNegative(value); } = 1000;

    /// <summary>The most aliases one component may define.</summary>
    public int MaxAliases { get; set => field = NotNegative(value); } = 1_000_000;

    /// <summary>The most canonical functions (lifted and lowered) one component may define.</summary>
    public int MaxCanonicalFunctions { get; set => field = NotNegative(value); } = 1_000_000;

    /// <summary>
    /// The longest single import or export name, in bytes (the engines' limit). Fixed: the inspector reads a file
    /// through a window that must hold a whole name.
    /// </summary>
    public const int MaxNameLength = 100_000;

    /// <summary>
    /// The most bytes all import and export names may take together; for a component, its own and those of every
    /// core module and component inside it. The report holds every name as a string, so this bounds its memory; real
    /// modules use well under a megabyte.
    /// </summary>
    public long MaxNameBytes { get; set => field = NotNegative(value); } = 16L * 1024 * 1024;

    /// <summary>Whether a module without an exported <c>_start</c> function is a problem.</summary>
    public bool RequireEntryPoint { get; set; } = true;

    /// <summary>Whether to run Wasmtime's validator once the inspector's own checks have parsed the module.</summary>
    public bool RunWasmtimeValidation { get; set; } = true;

    /// <summary>
    /// The engine to validate with, so validation sees the same enabled proposals as the engine that will compile
    /// the module; null uses <see cref="WasmModuleInspector.InspectionEngine"/>.
    /// </summary>
    internal Engine? ValidationEngine { get; set; }

    private static T NotNegative<T>(T value) where T : System.Numerics.INumber<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        return value;
    }
}
