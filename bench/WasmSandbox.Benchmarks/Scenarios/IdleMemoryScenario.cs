using System.Diagnostics;
using WasmSandbox.Benchmarks.Cli;
using WasmSandbox.Benchmarks.Measurement;

namespace WasmSandbox.Benchmarks.Scenarios;

/// <summary>
/// <c>idle</c>: what idle executions cost the host process. Starts <c>--count</c> executions of <c>stdio echo</c>,
/// sends each one byte and waits for its echo — proof that the guest is instantiated, has run, and sits blocked in
/// its next read — then compares the process's resident size with the size before they started.
/// </summary>
internal static class IdleMemoryScenario
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    public static object Run(CommandArgs line)
    {
        string module = line.RequireFile("module");
        int count = Math.Max(1, line.GetInt("count", 100));
        line.EnsureAllUsed();

        var context = new WasmContext(module);
        var options = new WasmExecutionOptions
        {
            Arguments = new[] { "echo" },
            WorkingDirectory = Path.GetDirectoryName(module),
        };
        // One complete run first, so the engine, the compiled module, the epoch ticker and the JIT are already paid for.
        var warm = WasmRuntime.Shared.Start(context, options);
        warm.WriteInput(new byte[] { (byte)'x' });
        warm.CloseInput();
        DrainToEnd(new[] { warm });

        Settle();
        var before = ProcessStatus.Read();
        Progress.Write($"idle: starting {count} executions blocked on stdin");
        var executions = new List<WasmExecution>(count);
        for (int i = 0; i < count; i++)
        {
            var execution = WasmRuntime.Shared.Start(context, options);
            execution.WriteInput(new byte[] { (byte)'x' });
            executions.Add(execution);
        }
        WaitForEchoes(executions);
        Settle();
        var idle = ProcessStatus.Read();

        foreach (var execution in executions)
        {
            execution.CloseInput();
        }
        DrainToEnd(executions);
        var failed = executions.Where(e => e.ExitCode != 0).ToArray();
        if (failed.Length > 0)
        {
            throw new BenchmarkFailedException($"idle: {failed.Length} executions failed, first: {failed[0].ExitedEvent}");
        }

        long delta = idle.ResidentBytes - before.ResidentBytes;
        return new
        {
            scenario = "idle",
            count,
            residentBytesBefore = before.ResidentBytes,
            residentBytesIdle = idle.ResidentBytes,
            residentDeltaBytes = delta,
            residentDeltaPerExecutionBytes = delta / count,
            virtualDeltaBytes = idle.VirtualBytes - before.VirtualBytes,
            threadsBefore = before.Threads,
            threadsIdle = idle.Threads,
        };
    }

    /// <summary>Waits until every execution has echoed its byte; fails if one ends or the wait takes too long.</summary>
    private static void WaitForEchoes(List<WasmExecution> executions)
    {
        var waiting = executions.Select(e => e.ExecutionId).ToHashSet();
        var clock = Stopwatch.StartNew();
        while (waiting.Count > 0)
        {
            WasmEventReceiver.Receive(executions, new[] { WasmEventKind.Stdout }, wait: true, TimeSpan.FromMilliseconds(50),
                CancellationToken.None, e => waiting.Remove(e.ExecutionId));
            if (executions.FirstOrDefault(e => e.State != WasmExecutionState.Running) is { } ended)
            {
                throw new BenchmarkFailedException($"idle: {ended.ExecutionId} ended before it was idle: {ended.ExitedEvent}");
            }
            if (clock.Elapsed > ReadyTimeout)
            {
                throw new BenchmarkFailedException($"idle: {waiting.Count} executions did not echo within {ReadyTimeout}");
            }
        }
    }

    private static void DrainToEnd(IReadOnlyList<WasmExecution> executions) =>
        WasmEventReceiver.Receive(executions, kinds: null, wait: true, Timeout.InfiniteTimeSpan, CancellationToken.None, _ => { });

    /// <summary>Lets the collector and the allocator return what they will, so both readings are steady states.</summary>
    private static void Settle()
    {
        for (int i = 0; i < 2; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Thread.Sleep(300);
    }
}
