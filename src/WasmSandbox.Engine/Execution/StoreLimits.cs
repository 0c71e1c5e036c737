namespace WasmSandbox;

/// <summary>
/// The Wasmtime store limits that keep everything one guest can allocate inside <c>-MaxMemory</c>: all its linear
/// memories plus all its tables. Pass them to <c>Store.SetLimits</c> before instantiating.
/// </summary>
/// <remarks>
/// <para>
/// How Wasmtime 50 counts (measured in ResourceStoreLimitTests): <c>memorySize</c> bounds each linear memory on its
/// own and <c>tableElements</c> each table on its own; <c>memories</c>, <c>tables</c> and <c>instances</c> count
/// what the whole store defines (every instance together; an imported memory or table is not counted again). Both
/// the on-demand and the pooled engine apply them.
/// </para>
/// <para>
/// The rule, with B = -MaxMemory: a store may define <see cref="MaxMemories"/> (1) linear memory and
/// <see cref="MaxTables"/> (2) tables, and instantiate <see cref="MaxInstances"/> (2) modules (the guest and the
/// sandbox's WASI trampoline, which imports the guest's memory and defines nothing). Tables get
/// R = min(B / 16, 16 MiB); the memory may grow to M = max(64 KiB, B - R rounded down to whole 64 KiB pages);
/// each table may hold E = (B - M) / (8 x 2) elements (a table element is a pointer, 8 bytes). So
/// M + 2 x 8 x E &lt;= B always: at the default 256 MiB the memory reaches 240 MiB and each table 1 048 576 elements;
/// at 64 KiB the memory reaches one page and tables hold nothing. A module that defines more memories or tables, or
/// needs more at instantiation, fails to link with Wasmtime's reason.
/// </para>
/// </remarks>
internal readonly record struct StoreLimits(long MemorySize, uint TableElements, long Instances, long Tables, long Memories)
{
    public const long PageBytes = 64 * 1024;
    public const int TableElementBytes = 8;
    public const long MaxTableShareBytes = 16L * 1024 * 1024;
    public const int MaxMemories = 1;
    public const int MaxTables = 2;
    public const int MaxInstances = 2;

    public static StoreLimits For(SandboxLimits limits)
    {
        long budget = limits.MaxMemoryBytes;
        long tableShare = Math.Min(budget / 16, MaxTableShareBytes);
        long memory = Math.Max(PageBytes, (budget - tableShare) / PageBytes * PageBytes);
        long elements = Math.Max(0, budget - memory) / (TableElementBytes * MaxTables);
        return new StoreLimits(memory, (uint)Math.Min(elements, uint.MaxValue), MaxInstances, MaxTables, MaxMemories);
    }

    /// <summary>Sets these limits on <paramref name="store"/> (before anything is instantiated in it).</summary>
    public void ApplyTo(Wasmtime.Store store) =>
        store.SetLimits(memorySize: MemorySize, tableElements: TableElements, instances: Instances, tables: Tables, memories: Memories);

    /// <summary>The most bytes the store can hold in memories and tables together under these limits.</summary>
    public long TotalBytes => Memories * MemorySize + Tables * (long)TableElements * TableElementBytes;
}
