using System.Diagnostics;
using WasmSandbox.Benchmarks.Cli;
using WasmSandbox.Benchmarks.Measurement;
using WasmSandbox.Benchmarks.Peers;

namespace WasmSandbox.Benchmarks.Scenarios;

/// <summary>
/// <c>hello</c>: what one execution costs when the guest does almost nothing. First the latency of single
/// executions one after another (start, drain events, exited) with the process CPU time they took, then throughput
/// with 1, 2 and 4 callers starting executions back to back for a fixed time. Default tier (Isolated), compiled
/// module warm.
/// </summary>
internal static class HelloScenario
{
    /// <summary>
    /// Every guest thread leaks two memory mappings (see docs/performance.md); with this cap the whole command stays
    /// well below the kernel's default vm.max_map_count of 65530 however fast the machine is.
    /// </summary>
    private const long MaxExecutionsPerMeasurement = 6000;

    public static object Run(CommandArgs line)
    {
        string module = line.RequireFile("module");
        int latencyRuns = Math.Max(1, line.GetInt("runs", 2000));
        double seconds = Math.Max(0.1, line.GetInt("milliseconds", 3000) / 1000.0);
        line.EnsureAllUsed();

        var peer = new EnginePeer("hello", module, line.GuestArguments, stdin: null, fuel: false, WasmPermissionTier.Isolated);
        var first = peer.Run(verify: true);
        if (first.StdoutBytes == 0)
        {
            throw new BenchmarkFailedException("hello: the guest printed nothing");
        }
        for (int i = 0; i < 200; i++)
        {
            peer.Run(verify: false);
        }

        Progress.Write($"hello: {latencyRuns} executions one after another");
        var latency = new Samples();
        // CPU time as well as wall time: on a shared machine the wall time includes waiting for a core.
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        for (int i = 0; i < latencyRuns; i++)
        {
            latency.Add(peer.Run(verify: false).Elapsed.TotalMicroseconds);
        }
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;

        var throughput = new Dictionary<string, double>();
        foreach (int callers in new[] { 1, 2, 4 })
        {
            Progress.Write($"hello: throughput with {callers} caller(s) for up to {seconds:0.#} s");
            throughput[$"{callers}"] = Math.Round(Throughput(peer, callers, TimeSpan.FromSeconds(seconds)), 1);
        }
        return new
        {
            scenario = "hello",
            module = Path.GetFileName(module),
            stdoutBytes = first.StdoutBytes,
            latencyUs = latency.ToJson(withSamples: false),
            cpuUsPerExecution = Math.Round(cpu.TotalMicroseconds / latencyRuns, 1),
            executionsPerSecond = throughput,
        };
    }

    /// <summary>
    /// Executions completed per second by <paramref name="callers"/> threads, each starting them back to back, for
    /// <paramref name="duration"/> or <see cref="MaxExecutionsPerMeasurement"/> executions, whichever comes first.
    /// </summary>
    private static double Throughput(EnginePeer peer, int callers, TimeSpan duration)
    {
        long started = 0;
        long completed = 0;
        var clock = Stopwatch.StartNew();
        var threads = Enumerable.Range(0, callers).Select(_ => new Thread(() =>
        {
            while (clock.Elapsed < duration && Interlocked.Increment(ref started) <= MaxExecutionsPerMeasurement)
            {
                peer.Run(verify: false);
                Interlocked.Increment(ref completed);
            }
        })).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }
        foreach (var thread in threads)
        {
            thread.Join();
        }
        return completed / clock.Elapsed.TotalSeconds;
    }
}
