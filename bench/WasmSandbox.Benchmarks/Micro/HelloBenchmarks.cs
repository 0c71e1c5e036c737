using BenchmarkDotNet.Attributes;

namespace WasmSandbox.Benchmarks.Micro;

/// <summary>
/// Per-execution overhead at engine level: a hello-world guest (one fd_write) started, its events drained and its
/// end awaited, with the compiled module warm. The variants show what a preopened directory and fuel metering add.
/// </summary>
[MemoryDiagnoser]
public class HelloBenchmarks
{
    /// <summary>Set by <see cref="Scenarios.MicroScenario"/> before the run (the in-process toolchain shares statics).</summary>
    internal static string ModulePath { get; set; } = "";

    private WasmContext _context = null!;
    private WasmExecutionOptions _isolated = null!;
    private WasmExecutionOptions _readOnly = null!;
    private WasmExecutionOptions _metered = null!;

    [GlobalSetup]
    public void Setup()
    {
        _context = new WasmContext(ModulePath);
        string directory = Path.GetDirectoryName(ModulePath)!;
        _isolated = new WasmExecutionOptions { WorkingDirectory = directory, CompilePolicy = WasmCompilePolicy.Optimized };
        _readOnly = new WasmExecutionOptions { WorkingDirectory = directory, PermissionTier = WasmPermissionTier.ReadOnly, CompilePolicy = WasmCompilePolicy.Optimized };
        _metered = new WasmExecutionOptions { WorkingDirectory = directory, MaxFuel = 1UL << 40, CompilePolicy = WasmCompilePolicy.Optimized };
        // Compile outside the measurement, for both engine profiles.
        Isolated();
        Metered();
    }

    [Benchmark(Baseline = true)]
    public long Isolated() => Execute(_isolated);

    [Benchmark]
    public long ReadOnlyPreopen() => Execute(_readOnly);

    [Benchmark]
    public long Metered() => Execute(_metered);

    private long Execute(WasmExecutionOptions options)
    {
        var execution = WasmRuntime.Shared.Start(_context, options);
        long bytes = 0;
        WasmEventReceiver.Receive(new[] { execution }, kinds: null, wait: true, Timeout.InfiniteTimeSpan, CancellationToken.None,
            e => bytes += (e as WasmStdoutEvent)?.Data.Length ?? 0);
        return execution.ExitCode == 0 && bytes > 0
            ? bytes
            : throw new InvalidOperationException($"hello failed: {execution.ExitedEvent}");
    }
}
