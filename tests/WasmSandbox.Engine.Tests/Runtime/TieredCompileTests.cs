using System.Diagnostics;
using Xunit;

namespace WasmSandbox.Tests;

/// <summary>
/// Compiler tiers: a first run on baseline code while optimized code is compiled in the background, later runs on the
/// optimized code, each tier compiled once however many runs start together, and the fallback when the baseline
/// compiler refuses a module. Each test has a runtime and caches of its own, so what it counts is its own.
/// </summary>
public sealed class TieredCompileTests : IDisposable
{
    private readonly Sandbox _sandbox = new();
    private readonly TempDir _cacheDir = new();

    public void Dispose()
    {
        _sandbox.Dispose();
        _cacheDir.Dispose();
    }

    private (WasmRuntime Runtime, ModuleCache Cache) NewRuntime(bool disk = true)
    {
        var cache = new ModuleCache(new CompileCacheSettings { Directory = disk ? _cacheDir.Path : null });
        return (new WasmRuntime(new InstancePool(capacity: 4), cache), cache);
    }

    /// <summary>A module no other test compiles: prints its own id, so the output proves which module ran.</summary>
    private static (string Wat, string Id) UniqueHello()
    {
        string id = Guid.NewGuid().ToString("N");
        return (Wat.Command(Wat.Print(1024, 33), Wat.Data(id + "\\0a")), id);
    }

    /// <summary>Uses a tail call, which Wasmtime's Cranelift compiles and Winch (without tail-call support) refuses.</summary>
    private static readonly string TailCall = Wat.Command(
        "(drop (call $count (i32.const 1000)))" + Wat.Print(1024, 3),
        Wat.Data("ok\\0a") + """
            (func $count (param $n i32) (result i32)
              (if (result i32) (i32.eqz (local.get $n))
                (then (i32.const 0))
                (else (return_call $count (i32.sub (local.get $n) (i32.const 1))))))
            """);

    private Run RunOn(WasmRuntime runtime, string wat, WasmCompilePolicy policy = WasmCompilePolicy.Tiered, string name = "guest.wat", ulong? fuel = null,
        long maxMemory = WasmExecutionOptions.DefaultMaxMemoryBytes)
    {
        var exec = _sandbox.Start(wat, new WasmExecutionOptions { CompilePolicy = policy, MaxFuel = fuel, MaxMemoryBytes = maxMemory }, name, runtime);
        exec.CloseInput();
        return Sandbox.Collect(exec);
    }

    /// <summary>Waits (bounded) until the runtime's background compiler has nothing queued or running.</summary>
    private static void WaitForBackground(WasmRuntime runtime)
    {
        var clock = Stopwatch.StartNew();
        while (runtime.BackgroundCompiles > 0)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "the background compile did not finish within 2 minutes");
            Thread.Sleep(10);
        }
    }

    [Fact]
    public void TheFirstRunIsOnBaselineCodeAndLaterRunsOnTheOptimizedCodeCompiledMeanwhile()
    {
        var (runtime, cache) = NewRuntime();
        var (wat, id) = UniqueHello();

        var first = RunOn(runtime, wat);
        Assert.Equal(0, first.ExitCode);
        Assert.Equal(id + "\n", first.Stdout);
        var cold = first.Execution.Warmup;
        Assert.Equal(WasmCompileTier.Baseline, cold.Tier);
        Assert.Equal("compiled", cold.Source);
        Assert.True(cold.OptimizedPending);
        Assert.Contains("baseline code; optimized code being compiled", cold.ToString());

        WaitForBackground(runtime);
        var second = RunOn(runtime, wat);
        Assert.Equal(id + "\n", second.Stdout);
        Assert.Equal(WasmCompileTier.Optimized, second.Execution.Warmup.Tier);
        Assert.Equal("memory", second.Execution.Warmup.Source);
        Assert.False(second.Execution.Warmup.OptimizedPending);
        // Two loads in all: the baseline compile and the optimized one. No start was charged with the latter.
        Assert.Equal(2, cache.Loads);

        // The disk holds the optimized artifact only: the baseline one was superseded and deleted.
        var disk = new DiskCompileCache(_cacheDir.Path, CompileCacheSettings.DefaultMaxBytes);
        string sha = ModuleCache.Hash(Wasmtime.Module.ConvertText(wat));
        Assert.True(File.Exists(disk.ArtifactPath(EngineProfile.KeyFor(WasmCompileTier.Optimized, fuel: false), sha)));
        Assert.False(File.Exists(disk.ArtifactPath(EngineProfile.KeyFor(WasmCompileTier.Baseline, fuel: false), sha)));

        // A new process takes the optimized code from disk at once.
        var (fresh, _) = NewRuntime();
        var third = RunOn(fresh, wat);
        Assert.Equal(WasmCompileTier.Optimized, third.Execution.Warmup.Tier);
        Assert.Equal("disk", third.Execution.Warmup.Source);
        Assert.Equal(0, fresh.BackgroundCompiles);
    }

    [Fact]
    public void ConcurrentFirstStartsCompileEachTierOnce()
    {
        var (runtime, cache) = NewRuntime(disk: false);
        var (wat, id) = UniqueHello();
        string path = _sandbox.Write("together.wat", wat);
        const int Starts = 6;
        using var gate = new Barrier(Starts);
        var executions = new WasmExecution[Starts];
        var threads = Enumerable.Range(0, Starts).Select(i => new Thread(() =>
        {
            gate.SignalAndWait();
            executions[i] = runtime.Start(new WasmContext(path), _sandbox.WithDirectory(new WasmExecutionOptions()));
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        foreach (var execution in executions)
        {
            execution.CloseInput();
            Assert.Equal(id + "\n", Sandbox.Collect(execution).Stdout);
        }
        WaitForBackground(runtime);
        Assert.Equal(2, cache.Loads);
        Assert.Single(executions, e => e.Warmup.Source == "compiled");
        Assert.All(executions, e => Assert.Equal(WasmCompileTier.Baseline, e.Warmup.Tier));
        Assert.Equal(WasmCompileTier.Optimized, RunOn(runtime, wat, name: "together.wat").Execution.Warmup.Tier);
        Assert.Equal(2, cache.Loads);
    }

    [Fact]
    public async Task AStartThatWaitsForTheBackgroundCompileSaysSoInsteadOfMemory()
    {
        var (runtime, cache) = NewRuntime(disk: false);
        // Engines and the pool exist before the timed part (creating the pool takes a while of its own).
        Assert.Equal(0, RunOn(runtime, UniqueHello().Wat, WasmCompilePolicy.Optimized).ExitCode);
        var (wat, id) = UniqueHello();
        using var compiling = new ManualResetEventSlim();
        using var go = new ManualResetEventSlim();
        cache.BackgroundCompileStarting = () =>
        {
            compiling.Set();
            go.Wait(TimeSpan.FromMinutes(1));
        };

        var first = RunOn(runtime, wat);
        Assert.Equal(WasmCompileTier.Baseline, first.Execution.Warmup.Tier);
        Assert.True(compiling.Wait(TimeSpan.FromMinutes(1)), "the background compile did not start");
        // The optimized code is being compiled: a start that asks for it waits, then says what it waited for.
        // On a thread of its own: with the test's thread sleeping, a thread-pool task could wait for the pool to grow.
        var optimized = Task.Factory.StartNew(() => RunOn(runtime, wat, WasmCompilePolicy.Optimized), TaskCreationOptions.LongRunning);
        Thread.Sleep(300);
        Assert.False(optimized.IsCompleted);
        go.Set();
        var run = await optimized;

        Assert.Equal(id + "\n", run.Stdout);
        var warmup = run.Execution.Warmup;
        Assert.Equal(WasmCompileTier.Optimized, warmup.Tier);
        Assert.Equal("compiled", warmup.Source);
        Assert.True(warmup.CompileTime >= TimeSpan.FromMilliseconds(250), $"waited {warmup.CompileTime}: {warmup}; {warmup.Note}");
        Assert.Contains("for the optimized code the background compiler was preparing", warmup.Note);
        // Later starts take it from memory.
        Assert.Equal("memory", RunOn(runtime, wat, WasmCompilePolicy.Optimized).Execution.Warmup.Source);
    }

    [Theory]
    [InlineData(WasmCompilePolicy.Tiered)]
    [InlineData(WasmCompilePolicy.Baseline)]
    public void AModuleTheBaselineCompilerRefusesRunsOnOptimizedCodeWithANote(WasmCompilePolicy policy)
    {
        var (runtime, _) = NewRuntime(disk: false);

        var run = RunOn(runtime, TailCall, policy);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("ok\n", run.Stdout);
        Assert.Equal(WasmCompileTier.Optimized, run.Execution.Warmup.Tier);
        Assert.Contains("the baseline compiler (Winch) cannot compile the module (", run.Execution.Warmup.Note);
        // The module is valid (Cranelift compiles it): the note gives Winch's reason, not Wasmtime's "is not valid".
        Assert.DoesNotContain("not valid", run.Execution.Warmup.Note);
        // This start compiled the optimized code itself (in the foreground, on every core) and says so.
        Assert.Equal("compiled", run.Execution.Warmup.Source);
        Assert.True(run.Execution.Warmup.CompileTime > TimeSpan.Zero);
        Assert.Contains("tail calls", run.Execution.Warmup.Note);
        // Remembered: the next start goes straight to the optimized code, with no second attempt or note.
        WaitForBackground(runtime);
        var again = RunOn(runtime, TailCall, policy);
        Assert.Equal(WasmCompileTier.Optimized, again.Execution.Warmup.Tier);
        Assert.Equal("memory", again.Execution.Warmup.Source);
    }

    [Fact]
    public void TheOptimizedPolicyCompilesAndWaitsAndTheBaselinePolicyNeverOptimizes()
    {
        var (runtime, cache) = NewRuntime(disk: false);
        var (wat, id) = UniqueHello();

        var baseline = RunOn(runtime, wat, WasmCompilePolicy.Baseline);
        Assert.Equal(id + "\n", baseline.Stdout);
        Assert.Equal(WasmCompileTier.Baseline, baseline.Execution.Warmup.Tier);
        Assert.False(baseline.Execution.Warmup.OptimizedPending);
        Assert.Equal(0, runtime.BackgroundCompiles);
        Assert.Equal(1, cache.Loads);

        var optimized = RunOn(runtime, wat, WasmCompilePolicy.Optimized);
        Assert.Equal(id + "\n", optimized.Stdout);
        Assert.Equal(WasmCompileTier.Optimized, optimized.Execution.Warmup.Tier);
        Assert.Equal("compiled", optimized.Execution.Warmup.Source);
        Assert.Equal(2, cache.Loads);
    }

    [Fact]
    public void PrecompileWaitsForTheOptimizedCodeAndTheNextStartUsesIt()
    {
        var (runtime, _) = NewRuntime();
        var (wat, id) = UniqueHello();
        string path = _sandbox.Write("pre.wat", wat);

        // A tiered start queues the optimized compile; the precompile joins it rather than compiling again.
        var first = RunOn(runtime, wat, name: "pre.wat");
        Assert.Equal(WasmCompileTier.Baseline, first.Execution.Warmup.Tier);
        var warmup = runtime.Precompile(new WasmContext(path), _sandbox.WithDirectory(new WasmExecutionOptions()));
        Assert.Equal(WasmCompileTier.Optimized, warmup.Tier);

        var next = RunOn(runtime, wat, name: "pre.wat");
        Assert.Equal(id + "\n", next.Stdout);
        Assert.Equal(WasmCompileTier.Optimized, next.Execution.Warmup.Tier);
    }

    [Fact]
    public void PrecompileAcceptsTheMemoryABigToolDeclaresAndEachStartStillJudgesItsOwnLimit()
    {
        // clang from @yowasp declares a 4 GiB memory: with the default -MaxMemory (256 MiB) a start refuses it, but a
        // precompile prepares code for any later start and must not.
        var (runtime, _) = NewRuntime(disk: false);
        string id = Guid.NewGuid().ToString("N");
        string wat = Wat.Command(Wat.Print(1024, 33), Wat.Data(id + "\\0a"), memory: "(memory (export \"memory\") 1 65536)");
        string path = _sandbox.Write("big.wat", wat);

        var warmup = runtime.Precompile(new WasmContext(path), _sandbox.WithDirectory(new WasmExecutionOptions()));
        Assert.Equal(WasmCompileTier.Optimized, warmup.Tier);

        Assert.Throws<WasmMemoryLimitException>(() => runtime.Start(new WasmContext(path), _sandbox.WithDirectory(new WasmExecutionOptions())));
        var run = RunOn(runtime, wat, name: "big.wat", maxMemory: 4L * 1024 * 1024 * 1024);
        Assert.Equal(id + "\n", run.Stdout);
        Assert.Equal((WasmCompileTier.Optimized, "memory"), (run.Execution.Warmup.Tier, run.Execution.Warmup.Source));
    }

    [Fact]
    public void FuelMeteredRunsTierTooAndKeepTheirOwnArtifacts()
    {
        var (runtime, cache) = NewRuntime();
        var (wat, id) = UniqueHello();

        var first = RunOn(runtime, wat, fuel: 1_000_000);
        Assert.Equal(id + "\n", first.Stdout);
        Assert.Equal(WasmCompileTier.Baseline, first.Execution.Warmup.Tier);
        Assert.InRange(first.Execution.FuelConsumed ?? 0, 1UL, 10_000UL);
        WaitForBackground(runtime);

        var second = RunOn(runtime, wat, fuel: 1_000_000);
        Assert.Equal(WasmCompileTier.Optimized, second.Execution.Warmup.Tier);
        // An unmetered run is another engine's code: it starts on the baseline tier again.
        Assert.Equal(WasmCompileTier.Baseline, RunOn(runtime, wat).Execution.Warmup.Tier);
        var disk = new DiskCompileCache(_cacheDir.Path, CompileCacheSettings.DefaultMaxBytes);
        string sha = ModuleCache.Hash(Wasmtime.Module.ConvertText(wat));
        Assert.True(File.Exists(disk.ArtifactPath(EngineProfile.KeyFor(WasmCompileTier.Optimized, fuel: true), sha)));
        WaitForBackground(runtime);
        _ = cache;
    }

    [Fact]
    public void WinchIsAvailableOnThisMachine()
    {
        // The tiers above are only meaningful where Winch runs; on x86-64 with the packaged library it must.
        if (System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64)
        {
            Assert.Null(WinchStrategy.Unavailable);
        }
        else
        {
            Assert.Contains("x86-64 only", WinchStrategy.Unavailable);
        }
    }
}
