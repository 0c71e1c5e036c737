using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// Wasmtime's pooling allocator for the default engine, and the leases that keep executions within its slots.
/// </summary>
/// <remarks>
/// Without a pool, Wasmtime maps and unmaps each instance's memory reservation, tables and state on every
/// instantiation, and a fresh guest pays page faults for the first pages it touches: together most of a short
/// execution's cost. The pool reserves every slot's address space once (virtual only: about 4 GiB per memory slot)
/// and reuses slots, keeping the first <see cref="KeepResidentBytes"/> of each resident and resetting them by
/// clearing instead of unmapping. Slots are zeroed or reset by Wasmtime before reuse; no guest sees another's data.
/// <para>
/// The pool has a fixed number of slots, so executions lease one at start (<see cref="TryLease"/>); when none is free,
/// or a run needs more than a slot holds (<see cref="Fits"/>), it runs on the on-demand engine instead — slower to
/// start, otherwise the same. Memory, table and instance slots are sized from the store limits, so a leased
/// execution never finds its slot type exhausted: a module defining more than the store limits allow is refused on
/// either engine.
/// </para>
/// <para>
/// The reservation for the default 100 slots is about 420 GiB of address space (none of it committed); a process
/// under a virtual memory limit gets no pool (see <see cref="AddressSpaceLimit"/>).
/// </para>
/// </remarks>
internal sealed class InstancePool
{
    /// <summary>Largest memory a pooled execution may grow to: the 32-bit address space.</summary>
    public const long MaxMemoryBytes = 4L * 1024 * 1024 * 1024;

    /// <summary>Bytes of each memory and table slot kept resident between uses.</summary>
    public const int KeepResidentBytes = 64 * 1024;

    /// <summary>Default number of concurrent pooled executions.</summary>
    public const int DefaultCapacity = 100;

    private int _leased;

    public InstancePool(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    /// <summary>How many executions may hold a slot at once.</summary>
    public int Capacity { get; }

    /// <summary>How many executions hold a slot now.</summary>
    public int Leased => Volatile.Read(ref _leased);

    /// <summary>
    /// The pooling configuration. Per-module limits are far above what compilers emit (Wasmtime rejects a module
    /// that exceeds them when it is compiled or loaded for the pooled engine; the runtime then uses the on-demand
    /// engine). Slot counts follow the store limits every execution runs under (<see cref="StoreLimits"/>: one
    /// memory, two tables and two instances — the guest and the WASI trampoline — per store), so a leased execution
    /// always finds its slots; the few extra slots only absorb a store still being torn down.
    /// </summary>
    public PoolingAllocationConfig CreateConfig()
    {
        uint slots = (uint)Capacity;
        return new PoolingAllocationConfig()
            .WithMaxCoreInstances(checked(slots * StoreLimits.MaxInstances + 4))
            .WithMaxMemories(checked(slots * StoreLimits.MaxMemories + 4))
            .WithMaxTables(checked(slots * StoreLimits.MaxTables + 4))
            .WithMaxMemorySize(unchecked((nuint)MaxMemoryBytes))
            .WithMaxMemoriesPerModule(16)
            .WithMaxTablesPerModule(64)
            .WithMaxTableElements(1_000_000)
            .WithMaxCoreInstanceSize(16 * 1024 * 1024)
            .WithLinearMemoryKeepResidentBytes(KeepResidentBytes)
            .WithTableKeepResidentBytes(KeepResidentBytes);
    }

    /// <summary>Whether a run with these options can use the pool at all (fuel needs its own engine).</summary>
    public static bool Fits(WasmExecutionOptions options) => options.MaxFuel is null && options.MaxMemoryBytes <= MaxMemoryBytes;

    /// <summary>
    /// Whether Wasmtime refused a module for the pooled engine when compiling or loading it ("does not fit in pooling
    /// allocator requirements": more memories, tables or table elements than a pooled module may have).
    /// </summary>
    public static bool RefusedModule(Exception e) => e.Message.Contains("pooling allocator", StringComparison.Ordinal);

    /// <summary>A slot for one execution, or null when all are taken. Dispose the lease after the store is gone.</summary>
    public Lease? TryLease()
    {
        while (true)
        {
            int leased = Volatile.Read(ref _leased);
            if (leased >= Capacity)
            {
                return null;
            }
            if (Interlocked.CompareExchange(ref _leased, leased + 1, leased) == leased)
            {
                return new Lease(this);
            }
        }
    }

    /// <summary>One execution's claim on a slot; disposing it more than once releases it once.</summary>
    public sealed class Lease : IDisposable
    {
        private InstancePool? _pool;

        internal Lease(InstancePool pool) => _pool = pool;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _pool, null) is { } pool)
            {
                Interlocked.Decrement(ref pool._leased);
            }
        }
    }
}
