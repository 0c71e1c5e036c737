using Wasmtime;
using Xunit;

namespace WasmSandbox.Tests;

/// <summary>-MaxMemory is the total of every linear memory and table a guest holds (see <see cref="StoreLimits"/>).</summary>
public class ResourceMemoryTests
{
    /// <summary>The tier these limits are tested on; <see cref="ResourceMemoryTestsOnBaseline"/> runs them all on baseline code.</summary>
    private protected virtual WasmCompilePolicy Policy => WasmCompilePolicy.Optimized;

    private Sandbox NewSandbox() => new(Policy);

    private const long Page = 65536;

    // $n memories of one page; every one is grown 16 pages at a time as far as it goes; prints the pages held.
    private static string Memories(int n)
    {
        var memories = string.Concat(Enumerable.Range(1, n - 1).Select(i => $"(memory $m{i} 1)"));
        var grow = string.Concat(Enumerable.Range(0, n).Select(i => $"""
            (block $b{i} (loop $g{i} (br_if $b{i} (i32.eq (memory.grow {i} (i32.const 16)) (i32.const -1))) (br $g{i})))
            (local.set $t (i32.add (local.get $t) (memory.size {i})))
            """));
        return Wat.Command($"""
            (local $t i32)
            {grow}
            (call $proc_exit (i32.and (local.get $t) (i32.const 255)))
            """, memories);
    }

    [Theory]
    [InlineData(SandboxLimits.MinMemoryBytes, null)]
    [InlineData(4L * 1024 * 1024, null)]
    [InlineData(4L * 1024 * 1024, 1_000_000_000UL)] // the metered engine allocates on demand
    public void AModuleWithManyMemoriesCannotHoldMoreThanMaxMemory(long maxMemory, ulong? fuel)
    {
        using var sandbox = NewSandbox();
        var run = sandbox.RunToEnd(Memories(32), new WasmExecutionOptions { MaxMemoryBytes = maxMemory, MaxFuel = fuel });
        // A store may define one memory: the module is refused before any of it runs.
        Assert.Equal(WasmExitReason.LinkFailed, run.Exited.Reason);
        Assert.Contains("memor", run.Stderr);
    }

    [Theory]
    [InlineData(SandboxLimits.MinMemoryBytes, null)]
    [InlineData(SandboxLimits.MinMemoryBytes, 1_000_000_000UL)]
    [InlineData(WasmExecutionOptions.DefaultMaxMemoryBytes, 1_000_000_000UL)]
    public void ATableCannotGrowPastWhatMaxMemoryLeavesIt(long maxMemory, ulong? fuel)
    {
        using var sandbox = NewSandbox();
        var limits = StoreLimits.For(new SandboxLimits { MaxMemoryBytes = maxMemory });
        // Grows by 200 000 000 elements (1.6 GB), then by exactly what the limits allow; exits 1 if the huge grow
        // worked, 2 if the allowed one failed.
        var run = sandbox.RunToEnd(Wat.Command($"""
            (if (i32.ne (table.grow 0 (ref.null func) (i32.const 200000000)) (i32.const -1)) (then (call $proc_exit (i32.const 1))))
            (if (i32.eq (table.grow 0 (ref.null func) (i32.const {limits.TableElements})) (i32.const -1)) (then (call $proc_exit (i32.const 2))))
            (call $proc_exit (i32.const 0))
            """, "(table 0 funcref)"), new WasmExecutionOptions { MaxMemoryBytes = maxMemory, MaxFuel = fuel });
        Assert.Equal(0, run.ExitCode);
    }

    [Theory]
    [InlineData(SandboxLimits.MinMemoryBytes)]
    [InlineData(SandboxLimits.MinMemoryBytes + 1)]
    [InlineData(2 * Page)]
    [InlineData(4 * Page)]
    [InlineData(100 * Page)]
    [InlineData(16L * 1024 * 1024 - 1)]
    [InlineData(WasmExecutionOptions.DefaultMaxMemoryBytes)]
    [InlineData(4L * 1024 * 1024 * 1024)]
    [InlineData(SandboxLimits.MaxMemoryBytesLimit)]
    public void StoreLimitsKeepMemoriesAndTablesWithinMaxMemory(long maxMemory)
    {
        var limits = StoreLimits.For(new SandboxLimits { MaxMemoryBytes = maxMemory });
        Assert.True(limits.TotalBytes <= maxMemory, $"{limits} holds {limits.TotalBytes} bytes, more than {maxMemory}");
        Assert.True(limits.MemorySize >= Page && limits.MemorySize % Page == 0, $"memory limit {limits.MemorySize}");
        Assert.Equal(1, limits.Memories);
        // The memory gets at least 15/16 of the budget, less one page of rounding.
        Assert.True(limits.MemorySize >= Math.Min(maxMemory, maxMemory - maxMemory / 16 - Page), $"memory limit {limits.MemorySize} of {maxMemory}");
    }

    /// <summary>
    /// How Wasmtime 50 counts store limits, measured: memorySize bounds each memory on its own (not the total),
    /// memories and tables count what the whole store defines, across instances, and an imported memory is not
    /// counted again. StoreLimits relies on exactly this.
    /// </summary>
    [Fact]
    public void WasmtimeCountsMemoriesAndTablesPerStoreAndSizesPerMemory()
    {
        using var engine = new Engine(new Config());
        using var linker = new Linker(engine);
        using var twoMemories = Module.FromText(engine, "two", """
            (module (memory (export "a") 1) (memory (export "b") 1)
              (func (export "grow") (result i32) (i32.add (memory.grow 0 (i32.const 1)) (memory.grow 1 (i32.const 1)))))
            """);
        using var oneMemory = Module.FromText(engine, "one", "(module (memory (export \"m\") 1))");
        using var importsMemory = Module.FromText(engine, "imp", "(module (import \"env\" \"m\" (memory 1)))");
        using var oneTable = Module.FromText(engine, "table", "(module (table 1 funcref))");

        // memorySize is per memory: two memories each grow to 2 pages under a 2-page limit (4 pages in total).
        using (var store = new Store(engine))
        {
            store.SetLimits(memorySize: 2 * Page, memories: 2);
            var grow = linker.Instantiate(store, twoMemories).GetFunction<int>("grow")!;
            Assert.Equal(2, grow()); // both grew from 1 page: 1 + 1
            Assert.Equal(-2, grow()); // neither may pass 2 pages
        }
        // memories counts the store: a second instance defining a memory is refused, one importing it is not.
        using (var store = new Store(engine))
        {
            store.SetLimits(memories: 1, instances: 10);
            var first = new Instance(store, oneMemory, Array.Empty<object>());
            var m = first.GetMemory("m")!;
            _ = new Instance(store, importsMemory, new object[] { m });
            Assert.ThrowsAny<WasmtimeException>(() => new Instance(store, oneMemory, Array.Empty<object>()));
        }
        using (var store = new Store(engine))
        {
            store.SetLimits(memories: 1);
            Assert.ThrowsAny<WasmtimeException>(() => new Instance(store, twoMemories, Array.Empty<object>()));
        }
        // tables count the store too.
        using (var store = new Store(engine))
        {
            store.SetLimits(tables: 1, instances: 10);
            _ = new Instance(store, oneTable, Array.Empty<object>());
            Assert.ThrowsAny<WasmtimeException>(() => new Instance(store, oneTable, Array.Empty<object>()));
        }
        // instances count the store.
        using (var store = new Store(engine))
        {
            store.SetLimits(instances: 2);
            _ = new Instance(store, oneTable, Array.Empty<object>());
            _ = new Instance(store, importsMemory, new object[] { new Memory(store, 1) });
            Assert.ThrowsAny<WasmtimeException>(() => new Instance(store, oneTable, Array.Empty<object>()));
        }
    }
}

/// <summary>Every test of <see cref="ResourceMemoryTests"/> on baseline (Winch) code.</summary>
public sealed class ResourceMemoryTestsOnBaseline : ResourceMemoryTests
{
    private protected override WasmCompilePolicy Policy => WasmCompilePolicy.Baseline;
}
