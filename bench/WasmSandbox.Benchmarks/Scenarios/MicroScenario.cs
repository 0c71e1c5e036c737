using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using WasmSandbox.Benchmarks.Cli;
using WasmSandbox.Benchmarks.Measurement;
using WasmSandbox.Benchmarks.Micro;

namespace WasmSandbox.Benchmarks.Scenarios;

/// <summary>
/// <c>micro</c>: the BenchmarkDotNet microbenchmarks (<see cref="HelloBenchmarks"/>), run in process — the engine
/// is process-wide state, and a generated child project would cost a build per run. BenchmarkDotNet's own report
/// goes to stderr and to <c>--artifacts</c>; stdout gets the medians as JSON.
/// </summary>
internal static class MicroScenario
{
    public static object Run(CommandArgs line)
    {
        HelloBenchmarks.ModulePath = line.RequireFile("module");
        string artifacts = Path.GetFullPath(line.Get("artifacts") ?? "BenchmarkDotNet.Artifacts");
        bool quick = line.Flag("quick");
        line.EnsureAllUsed();

        // A fixed number of executions per iteration instead of BenchmarkDotNet's pilot, which would run as many as
        // fit in its iteration time: every guest thread leaks two memory mappings (see docs/performance.md), and
        // tens of thousands of executions in one process reach the kernel's vm.max_map_count.
        var job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithUnrollFactor(1)
            .WithInvocationCount(quick ? 50 : 200);
        job = quick ? job.WithWarmupCount(1).WithIterationCount(3) : job.WithWarmupCount(3).WithIterationCount(15);
        var config = DefaultConfig.Instance
            .AddJob(job.AsDefault())
            .WithArtifactsPath(artifacts)
            .WithOptions(ConfigOptions.DisableLogFile);

        // BenchmarkDotNet logs to the console; keep stdout for this command's JSON.
        var stdout = Console.Out;
        Console.SetOut(Console.Error);
        BenchmarkDotNet.Reports.Summary summary;
        try
        {
            summary = BenchmarkRunner.Run<HelloBenchmarks>(config);
        }
        finally
        {
            Console.SetOut(stdout);
        }
        if (summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success))
        {
            throw new BenchmarkFailedException("micro: BenchmarkDotNet reported failures (see stderr)");
        }
        var results = summary.Reports.ToDictionary(
            r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name,
            r => (object)new
            {
                medianUs = Math.Round(r.ResultStatistics!.Median / 1000, 3),
                meanUs = Math.Round(r.ResultStatistics.Mean / 1000, 3),
                stdDevUs = Math.Round(r.ResultStatistics.StandardDeviation / 1000, 3),
                allocatedBytes = r.GcStats.GetBytesAllocatedPerOperation(r.BenchmarkCase),
            });
        return new { scenario = "micro", quick, benchmarks = results };
    }
}
