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

    /// <summary>The most entries the import section may declare.</summary>
    public int MaxImports
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    } = 16384;

    /// <summary>The most entries the memory section may declare.</summary>
    public int MaxMemories
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    } = 1024;

    /// <summary>Whether a module without an exported <c>_start</c> function is a problem.</summary>
    public bool RequireEntryPoint { get; set; } = true;

    /// <summary>Whether to run Wasmtime's validator once the inspector's own checks have parsed the module.</summary>
    public bool RunWasmtimeValidation { get; set; } = true;

    /// <summary>
    /// The engine to validate with, so validation sees the same enabled proposals as the engine that will compile
    /// the module; null uses <see cref="WasmModuleInspector.InspectionEngine"/>.
    /// </summary>
    internal Engine? ValidationEngine { get; set; }
}
