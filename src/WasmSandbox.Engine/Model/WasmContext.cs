namespace WasmSandbox;

/// <summary>
/// A named handle on a module file. It holds the path exactly as given: a relative path is resolved against each
/// execution's working directory when that execution starts, and the file is read afresh at every start.
/// </summary>
public sealed class WasmContext
{
    private static long s_lastId;

    /// <param name="modulePath">The module path, kept exactly as given.</param>
    /// <param name="vmId">The vm whose executions may start it.</param>
    /// <param name="owner">
    /// Who the context belongs to, as an opaque key (a host maps its sessions to keys); <see cref="WasmRegistry"/>
    /// lists and releases contexts per owner.
    /// </param>
    public WasmContext(string modulePath, string vmId = DefaultVmId, object? owner = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modulePath);
        ArgumentException.ThrowIfNullOrEmpty(vmId);
        ModulePath = modulePath;
        VmId = vmId;
        Owner = owner;
        Number = Interlocked.Increment(ref s_lastId);
        ContextId = $"wasm-ctx-{Number}";
        WasmRegistry.Add(this);
    }

    internal long Number { get; }

    /// <summary>True once Remove-WasmContext (or <see cref="WasmRegistry.Remove"/>) released it; it can no longer start.</summary>
    public bool IsRemoved { get; private set; }

    internal void MarkRemoved() => IsRemoved = true;

    /// <summary>The opaque key of whoever made the context, or null.</summary>
    public object? Owner { get; }

    public const string DefaultVmId = "default";

    /// <summary><c>wasm-ctx-1</c>, <c>wasm-ctx-2</c>, ... numbered per process.</summary>
    public string ContextId { get; }

    /// <summary>The virtual machine the context belongs to; executions may only start it under the same id.</summary>
    public string VmId { get; }

    /// <summary>The module path exactly as given.</summary>
    public string ModulePath { get; }

    public override string ToString() => $"{ContextId} ({ModulePath})";
}
