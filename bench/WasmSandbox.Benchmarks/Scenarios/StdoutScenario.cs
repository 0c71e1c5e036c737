using WasmSandbox.Benchmarks.Cli;
using WasmSandbox.Benchmarks.Measurement;
using WasmSandbox.Benchmarks.Peers;

namespace WasmSandbox.Benchmarks.Scenarios;

/// <summary>
/// <c>stdout</c>: how fast guest output reaches the host. <c>stdio flood &lt;bytes&gt;</c> writes in 64 KiB chunks;
/// the sandbox delivers them as events drained on the calling thread; native and Node one-shot write into a pipe
/// this process reads. Reported in MB/s (10^6 bytes per second), from start to the last byte received.
/// </summary>
internal static class StdoutScenario
{
    public static object Run(CommandArgs line)
    {
        string module = line.RequireFile("module");
        string native = line.RequireFile("native");
        string runNode = line.RequireFile("run-node");
        long bytes = line.GetLong("bytes", 1L << 30);
        int runs = Math.Max(1, line.GetInt("runs", 3));
        line.EnsureAllUsed();

        string directory = Path.GetDirectoryName(module)!;
        var arguments = new[] { "flood", $"{bytes}" };
        var peers = new IWorkloadPeer[]
        {
            new EnginePeer("ours", module, arguments, stdin: null, fuel: false, WasmPermissionTier.Isolated),
            new ProcessPeer("native", native, arguments, directory, stdinPath: null),
            new ProcessPeer("nodeOneShot", "node", new[] { runNode, module }.Concat(arguments).ToArray(), directory, stdinPath: null),
        };
        var megabytesPerSecond = peers.ToDictionary(p => p.Name, _ => new Samples());
        foreach (var peer in peers)
        {
            // The first run warms the compiled-module cache and the JIT; the byte count is the check that matters.
            Expect(peer, peer.Run(verify: false), bytes);
        }
        for (int round = 0; round < runs; round++)
        {
            Progress.Write($"stdout: round {round + 1} of {runs}, {bytes} bytes per peer");
            for (int i = 0; i < peers.Length; i++)
            {
                var peer = peers[(i + round) % peers.Length];
                GC.Collect();
                var run = Expect(peer, peer.Run(verify: false), bytes);
                megabytesPerSecond[peer.Name].Add(bytes / 1e6 / run.Elapsed.TotalSeconds);
            }
        }
        return new
        {
            scenario = "stdout",
            bytes,
            runs,
            megabytesPerSecond = megabytesPerSecond.ToDictionary(kv => kv.Key, kv => kv.Value.ToJson()),
        };
    }

    private static PeerRun Expect(IWorkloadPeer peer, PeerRun run, long bytes) =>
        run.StdoutBytes == bytes
            ? run
            : throw new BenchmarkFailedException($"stdout: {peer.Name} delivered {run.StdoutBytes} bytes, not {bytes}");
}
