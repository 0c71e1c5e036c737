using WasmSandbox.Benchmarks.Cli;
using WasmSandbox.Benchmarks.Measurement;
using WasmSandbox.Benchmarks.Peers;

namespace WasmSandbox.Benchmarks.Scenarios;

/// <summary>
/// <c>workload</c>: one whole program run by every peer — native, the sandbox (unmetered and fuel-metered), raw
/// Wasmtime with and without epochs, Node one-shot (a new node process per run), and Node cold and warm (timed
/// inside one node process per run, see <see cref="NodeInProcessPeer"/>). A first round checks that every peer prints
/// the same stdout; then each round runs every peer once, in an order that rotates per round so slow drift on a
/// shared machine is spread over all of them.
/// </summary>
internal static class WorkloadScenario
{
    public static object Run(CommandArgs line)
    {
        string name = line.Require("name");
        string module = line.RequireFile("module");
        string native = line.RequireFile("native");
        string runNode = line.RequireFile("run-node");
        string nodeBench = line.RequireFile("node-bench");
        string? stdinPath = line.GetFile("stdin");
        int runs = Math.Max(1, line.GetInt("runs", 5));
        line.EnsureAllUsed();

        var arguments = line.GuestArguments;
        string directory = Path.GetDirectoryName(module)!;
        byte[]? stdin = stdinPath is null ? null : File.ReadAllBytes(stdinPath);

        var ours = new EnginePeer("ours", module, arguments, stdin, fuel: false);
        var oursFuel = new EnginePeer("oursFuel", module, arguments, stdin, fuel: true);
        var oursBaseline = new EnginePeer("oursBaseline", module, arguments, stdin, fuel: false, policy: WasmCompilePolicy.Baseline);
        using var rawNoEpoch = new RawWasmtimePeer("rawNoEpoch", module, arguments, stdinPath, epoch: false);
        using var rawEpoch = new RawWasmtimePeer("rawEpoch", module, arguments, stdinPath, epoch: true);
        var nodeInProcess = new NodeInProcessPeer("nodeWarm", nodeBench, module, arguments, stdinPath, warmup: 2);
        var peers = new IWorkloadPeer[]
        {
            new ProcessPeer("native", native, arguments, directory, stdinPath),
            ours,
            oursFuel,
            oursBaseline,
            rawNoEpoch,
            rawEpoch,
            new ProcessPeer("nodeOneShot", "node", new[] { runNode, module }.Concat(arguments).ToArray(), directory, stdinPath),
            nodeInProcess,
        };

        Progress.Write($"{name}: verifying that every peer prints the same stdout");
        var reference = peers[0].Run(verify: true);
        var compileSource = new Dictionary<string, string>();
        var compileMs = new Dictionary<string, double>
        {
            ["rawNoEpoch"] = rawNoEpoch.CompileTime.TotalMilliseconds,
            ["rawEpoch"] = rawEpoch.CompileTime.TotalMilliseconds,
        };
        foreach (var peer in peers.Skip(1))
        {
            var run = peer.Run(verify: true);
            CheckSame(name, peer.Name, run.StdoutSha256, reference);
            if (peer is EnginePeer engine && engine.LastWarmup is { } warmup)
            {
                compileMs[peer.Name] = warmup.CompileTime.TotalMilliseconds;
                compileSource[peer.Name] = warmup.Source;
            }
        }

        var samples = peers.ToDictionary(p => p.Name, _ => new Samples());
        for (int round = 0; round < runs; round++)
        {
            Progress.Write($"{name}: round {round + 1} of {runs}");
            for (int i = 0; i < peers.Length; i++)
            {
                var peer = peers[(i + round) % peers.Length];
                // Collect between runs, not during: a GC a previous run left behind is not this run's cost.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                samples[peer.Name].Add(peer.Run(verify: false).Elapsed.TotalMilliseconds);
            }
        }

        // Cold and warm come from the same processes, hence the same compile.
        compileMs["nodeCold"] = nodeInProcess.CompileMs.Median;
        compileMs["nodeWarm"] = nodeInProcess.CompileMs.Median;

        var peerJson = samples.ToDictionary(kv => kv.Key, kv => kv.Value.ToJson());
        peerJson["nodeCold"] = nodeInProcess.Cold.ToJson();
        return new
        {
            scenario = "workload",
            name,
            module = Path.GetFileName(module),
            moduleBytes = new FileInfo(module).Length,
            arguments,
            stdinBytes = stdin?.LongLength ?? 0,
            stdoutBytes = reference.StdoutBytes,
            stdoutSha256 = reference.StdoutSha256,
            runs,
            node = nodeInProcess.NodeVersion,
            nodeFirstRunMs = nodeInProcess.FirstRunMs.ToJson(),
            compileMs = compileMs.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 1)),
            compileSource,
            peers = peerJson,
        };
    }

    private static void CheckSame(string workload, string peer, string? sha256, PeerRun reference)
    {
        if (sha256 != reference.StdoutSha256)
        {
            throw new BenchmarkFailedException(
                $"{workload}: {peer} printed different stdout (sha256 {sha256}) from native ({reference.StdoutSha256}, {reference.StdoutBytes} bytes)");
        }
    }
}
