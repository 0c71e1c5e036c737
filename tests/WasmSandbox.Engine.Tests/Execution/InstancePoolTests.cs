using Xunit;

namespace WasmSandbox.Tests;

/// <summary>
/// Executions on the pooled engine: slots are leased and given back, a run the pool cannot hold uses the on-demand
/// engine, and a reused slot shows nothing of the run before it.
/// </summary>
public sealed class InstancePoolTests : IDisposable
{
    // The pool holds optimized code (baseline code, a first run's, allocates on demand): these runs use it at once.
    private readonly Sandbox _sandbox = new(WasmCompilePolicy.Optimized);

    public void Dispose() => _sandbox.Dispose();

    private static WasmRuntime Runtime(InstancePool pool) =>
        new(pool, new ModuleCache(new CompileCacheSettings { Directory = null }));

    private WasmExecution Start(WasmRuntime runtime, string wat, WasmExecutionOptions? options = null, string name = "guest.wat") =>
        _sandbox.Start(wat, options, name, runtime);

    /// <summary>Waits for one byte or the end of stdin, so a test can look at the pool while the guest runs.</summary>
    private const string WaitForStdin = """
        (i32.store (i32.const 16) (i32.const 4096)) (i32.store (i32.const 20) (i32.const 1))
        (drop (call $fd_read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 24)))
        """;

    private static Run Finish(WasmExecution execution)
    {
        execution.CloseInput();
        return Sandbox.Collect(execution);
    }

    [Fact]
    public void Runs_beyond_the_pool_size_use_the_on_demand_engine_and_slots_come_back()
    {
        var pool = new InstancePool(capacity: 2);
        var runtime = Runtime(pool);
        var running = Enumerable.Range(0, 3).Select(_ => Start(runtime, Wat.Echo)).ToList();
        Assert.Equal(2, pool.Leased);

        for (int i = 0; i < running.Count; i++)
        {
            running[i].WriteInput(System.Text.Encoding.UTF8.GetBytes($"run {i}\n"));
            var run = Finish(running[i]);
            Assert.Equal($"run {i}\n", run.Stdout);
            Assert.Equal(6, run.ExitCode);
        }
        Assert.Equal(0, pool.Leased);

        // The freed slots are used again.
        var again = Start(runtime, Wat.Echo);
        Assert.Equal(1, pool.Leased);
        Assert.Equal(0, Finish(again).ExitCode);
        Assert.Equal(0, pool.Leased);
    }

    [Fact]
    public void A_reused_slot_shows_nothing_of_the_previous_run()
    {
        // Exits 1 if any probed byte is already set, else sets them all and exits 0: inside the part of the slot kept
        // resident (64 KiB), past it, and in memory grown at run time.
        string probe = Wat.Command("""
            (local $seen i32)
            (drop (memory.grow (i32.const 3)))
            (local.set $seen (i32.or (i32.load8_u (i32.const 2048))
              (i32.or (i32.load8_u (i32.const 70000)) (i32.load8_u (i32.const 200000)))))
            (if (local.get $seen) (then (call $proc_exit (i32.const 1))))
            (i32.store8 (i32.const 2048) (i32.const 171))
            (i32.store8 (i32.const 70000) (i32.const 171))
            (i32.store8 (i32.const 200000) (i32.const 171))
            (call $proc_exit (i32.const 0))
            """);
        var pool = new InstancePool(capacity: 1);
        var runtime = Runtime(pool);
        for (int i = 0; i < 4; i++)
        {
            var run = Finish(Start(runtime, probe));
            Assert.True(run.ExitCode == 0, $"run {i} saw bytes an earlier run wrote (exit {run.ExitCode}): {run.Stderr}");
        }
    }

    [Fact]
    public void A_module_beyond_the_pool_limits_runs_on_the_on_demand_engine()
    {
        // A table of 1 000 001 elements: more than a pooled table may hold (1 000 000), within what the store limits
        // leave a table at the default -MaxMemory (1 048 576).
        string wat = Wat.Command(WaitForStdin + Wat.Print(1024, 6), Wat.Data("hello\\0a") + " (table 1000001 funcref)");
        var pool = new InstancePool(capacity: 2);
        var runtime = Runtime(pool);
        for (int i = 0; i < 2; i++)
        {
            var execution = Start(runtime, wat);
            Assert.Equal(0, pool.Leased);
            var run = Finish(execution);
            Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Stderr}");
            Assert.Equal("hello\n", run.Stdout);
        }
        string path = Path.Combine(_sandbox.Directory, "guest.wat");
        Assert.NotNull(runtime.Precompile(new WasmContext(path), _sandbox.WithDirectory(new WasmExecutionOptions())));
    }

    [Fact]
    public void A_module_with_more_memories_than_a_store_may_define_is_refused_and_gives_its_slot_back()
    {
        // Six memories: within the pool's per-module limit (sixteen), beyond the one memory a store may define
        // (StoreLimits: -MaxMemory bounds all memories together). Refused on the pooled engine, the slot comes back.
        string memories = string.Concat(Enumerable.Range(0, 5).Select(_ => "(memory 1) "));
        string wat = Wat.Command(Wat.Print(1024, 6), Wat.Data("hello\\0a"), memory: "(memory (export \"memory\") 1) " + memories);
        var pool = new InstancePool(capacity: 1);
        var runtime = Runtime(pool);
        for (int i = 0; i < 2; i++)
        {
            var run = Finish(Start(runtime, wat));
            Assert.Equal(WasmExitReason.LinkFailed, run.Exited.Reason);
            Assert.Contains("memor", run.Stderr);
            Assert.Equal("", run.Stdout);
            Assert.Equal(0, pool.Leased);
        }
        // The pool still serves modules that fit.
        var echo = Start(runtime, Wat.Echo, name: "echo.wat");
        Assert.Equal(1, pool.Leased);
        Assert.Equal(0, Finish(echo).ExitCode);
    }

    [Theory]
    [InlineData(8L * 1024 * 1024 * 1024, null)]
    [InlineData(WasmExecutionOptions.DefaultMaxMemoryBytes, 1_000_000UL)]
    public void Runs_the_pool_cannot_hold_take_no_slot(long maxMemory, ulong? maxFuel)
    {
        var pool = new InstancePool(capacity: 2);
        var runtime = Runtime(pool);
        var execution = Start(runtime, Wat.Echo, new WasmExecutionOptions { MaxMemoryBytes = maxMemory, MaxFuel = maxFuel });
        Assert.Equal(0, pool.Leased);
        Assert.Equal(0, Finish(execution).ExitCode);
    }

    [Fact]
    public void Memory_limits_hold_in_a_pooled_slot()
    {
        // Grows one page at a time until memory.grow fails; exits with the number of pages reached.
        string grow = Wat.Command(WaitForStdin + """
            (block $full (loop $more
              (br_if $full (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
              (br $more)))
            (call $proc_exit (memory.size))
            """);
        var pool = new InstancePool(capacity: 2);
        var runtime = Runtime(pool);
        var execution = Start(runtime, grow, new WasmExecutionOptions { MaxMemoryBytes = 100 * 65536 });
        Assert.Equal(1, pool.Leased);
        // -MaxMemory covers memories and tables together: the memory gets 15/16 of it, in whole pages (93 of 100).
        long pages = StoreLimits.For(new SandboxLimits { MaxMemoryBytes = 100 * 65536 }).MemorySize / 65536;
        Assert.InRange(pages, 90, 99);
        Assert.Equal((int)pages, Finish(execution).ExitCode);
    }

    [Fact]
    public void The_pooled_and_on_demand_engines_share_disk_artifacts()
    {
        using var cache = new TempDir();
        var settings = new CompileCacheSettings { Directory = cache.Path };
        string wat = Wat.Command(Wat.Print(1024, 6), Wat.Data("hello\\0a") + $" (data (i32.const 2048) \"{Guid.NewGuid():N}\")");

        var pooled = Start(new WasmRuntime(new InstancePool(capacity: 2), new ModuleCache(settings)), wat);
        Assert.Equal(WasmWarmup.Compiled, pooled.Warmup.Source);
        Assert.Equal(0, Finish(pooled).ExitCode);

        // A new process whose run cannot use the pool loads what the pooled engine stored.
        var onDemand = Start(new WasmRuntime(new InstancePool(capacity: 2), new ModuleCache(settings)), wat,
            new WasmExecutionOptions { MaxMemoryBytes = 8L * 1024 * 1024 * 1024 });
        Assert.Equal(WasmWarmup.FromDisk, onDemand.Warmup.Source);
        Assert.Equal("hello\n", Finish(onDemand).Stdout);
    }
}
