namespace WasmSandbox;

/// <summary>
/// A named handle on a module file (or on module bytes, <see cref="FromBytes"/>). For a file it holds the path exactly as given: a relative path is resolved against each
/// execution's working directory when that execution starts, and the file is checked afresh at every start (an unchanged
/// file is not read again: see <see cref="ModuleIdentityCache"/>).
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
        : this(modulePath, null, vmId, owner)
    {
    }

    /// <summary>
    /// A context on a module held in memory rather than in a file, so a module can travel in an argument to a host
    /// that does not share the caller's file system (remoting). The bytes are copied: what a caller changes in its
    /// array afterwards is not what runs. They are checked at every start as a file's bytes are (size cap, text
    /// conversion, refusals), and compiled through the same caches, keyed by their hash.
    /// </summary>
    /// <param name="moduleBytes">The module: WebAssembly binary, or text when <paramref name="name"/> ends in <c>.wat</c>.</param>
    /// <param name="name">A file name (no folder) that stands for the module in ids, views and messages.</param>
    /// <param name="vmId">As for a file.</param>
    /// <param name="owner">As for a file.</param>
    public static WasmContext FromBytes(byte[] moduleBytes, string name, string vmId = DefaultVmId, object? owner = null)
    {
        ArgumentNullException.ThrowIfNull(moduleBytes);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name != Path.GetFileName(name) || name is "." or ".." || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
        {
            throw new ArgumentException($"'{name}' is not a file name: a module made from bytes is named like a file, with no folder (for example tool.wasm)", nameof(name));
        }
        return new WasmContext(name, (byte[])moduleBytes.Clone(), vmId, owner);
    }

    private WasmContext(string modulePath, byte[]? moduleBytes, string vmId, object? owner)
    {
        ArgumentException.ThrowIfNullOrEmpty(modulePath);
        ArgumentException.ThrowIfNullOrEmpty(vmId);
        ModulePath = modulePath;
        ModuleBytes = moduleBytes;
        VmId = vmId;
        Owner = owner;
        Number = Interlocked.Increment(ref s_lastId);
        ContextId = $"wasm-ctx-{Number}";
        WasmRegistry.Add(this);
    }

    /// <summary>What a module made from bytes reports as the file it ran: not a path, so nothing mistakes it for one.</summary>
    public const string BytesPrefix = "bytes:";

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

    /// <summary>The module path exactly as given; for a context made from bytes, the name given for them.</summary>
    public string ModulePath { get; }

    /// <summary>True for a context made from bytes (<see cref="FromBytes"/>): it reads no file.</summary>
    public bool IsFromBytes => ModuleBytes is not null;

    /// <summary>Bytes in memory: the module's size for a context made from bytes; null for a context on a file.</summary>
    public long? ModuleSize => ModuleBytes?.LongLength;

    /// <summary>
    /// For a context made from bytes, what its executions report as <see cref="WasmExecution.ResolvedModulePath"/>
    /// (<c>bytes:tool.wasm</c>); null for a file, which is resolved against each start's working directory.
    /// </summary>
    public string? ResolvedModulePath => IsFromBytes ? BytesPrefix + ModulePath : null;

    internal byte[]? ModuleBytes { get; }

    public override string ToString() => $"{ContextId} ({ModulePath})";
}
