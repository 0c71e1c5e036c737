using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using WasmSandbox.Benchmarks.Cli;
using WasmSandbox.Benchmarks.Measurement;
using WasmSandbox.Benchmarks.Peers;

namespace WasmSandbox.Benchmarks.Scenarios;

/// <summary>
/// <c>coldstart</c>: the first execution in a new process. Runs this harness again as <c>coldstart-child</c>, which
/// starts one execution and reports how long it took and where its compiled module came from (compiled now, or the
/// disk compile cache when the engine has one); the parent times each child from process start to exit. The first
/// child only primes the caches (the OS page cache, and a disk compile cache if there is one) and is not counted.
/// Native and Node one-shot runs of the same program give the comparison.
/// </summary>
internal static class ColdStartScenario
{
    public static object Run(CommandArgs line)
    {
        string module = line.RequireFile("module");
        string native = line.RequireFile("native");
        string runNode = line.RequireFile("run-node");
        int runs = Math.Max(1, line.GetInt("runs", 5));
        line.EnsureAllUsed();
        var arguments = line.GuestArguments;
        string directory = Path.GetDirectoryName(module)!;

        var wall = new Samples();
        var startToExit = new Samples();
        var compile = new Samples();
        var jit = new Samples();
        var sources = new List<string>();
        for (int i = 0; i <= runs; i++)
        {
            Progress.Write(i == 0 ? "coldstart: priming run" : $"coldstart: new process {i} of {runs}");
            var child = RunChild(module, arguments);
            if (i == 0)
            {
                continue;
            }
            wall.Add(child.WallMs);
            startToExit.Add(child.StartToExitMs);
            compile.Add(child.CompileMs);
            jit.Add(child.JitMs);
            sources.Add(child.Source);
        }

        var others = new IWorkloadPeer[]
        {
            new ProcessPeer("native", native, arguments, directory, stdinPath: null),
            new ProcessPeer("nodeOneShot", "node", new[] { runNode, module }.Concat(arguments).ToArray(), directory, stdinPath: null),
        };
        var otherSamples = new Dictionary<string, object>();
        foreach (var peer in others)
        {
            peer.Run(verify: false);
            var samples = new Samples();
            for (int i = 0; i < runs; i++)
            {
                samples.Add(peer.Run(verify: false).Elapsed.TotalMilliseconds);
            }
            otherSamples[peer.Name] = samples.ToJson();
        }

        return new
        {
            scenario = "coldstart",
            module = Path.GetFileName(module),
            moduleBytes = new FileInfo(module).Length,
            arguments,
            runs,
            ours = new
            {
                processWallMs = wall.ToJson(),
                startToExitMs = startToExit.ToJson(),
                compileMs = compile.ToJson(),
                jitMs = jit.ToJson(),
                sources,
            },
            nodeOneShot = otherSamples["nodeOneShot"],
            native = otherSamples["native"],
        };
    }

    private readonly record struct ChildResult(double WallMs, double StartToExitMs, double CompileMs, string Source, double JitMs);

    private static ChildResult RunChild(string module, IReadOnlyList<string> arguments)
    {
        var (fileName, prefix) = SelfCommand();
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in prefix.Concat(new[] { "coldstart-child", "--module", module, "--" }).Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new BenchmarkFailedException("coldstart: could not start the child");
        var errors = process.StandardError.ReadToEndAsync();
        string json = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        double wallMs = clock.Elapsed.TotalMilliseconds;
        if (process.ExitCode != 0)
        {
            throw new BenchmarkFailedException($"coldstart: the child exited {process.ExitCode}: {errors.GetAwaiter().GetResult().Trim()}");
        }
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return new ChildResult(wallMs, root.GetProperty("startToExitMs").GetDouble(), root.GetProperty("compileMs").GetDouble(),
            root.GetProperty("source").GetString() ?? "", root.GetProperty("jitMs").GetDouble());
    }

    /// <summary>How to start this harness again: its apphost, or <c>dotnet</c> with the assembly when run that way.</summary>
    private static (string FileName, string[] Prefix) SelfCommand()
    {
        string host = Environment.ProcessPath ?? throw new BenchmarkFailedException("coldstart: cannot tell how this process was started");
        return Path.GetFileNameWithoutExtension(host) == "dotnet"
            ? (host, new[] { typeof(ColdStartScenario).Assembly.Location })
            : (host, Array.Empty<string>());
    }

    /// <summary>
    /// <c>coldstart-child</c>: one execution, then one JSON line (with the time the JIT compiler took in this process),
    /// written by hand: the serializer's own start-up would be counted in the parent's process time but is not the
    /// sandbox's.
    /// </summary>
    public static int RunChild(CommandArgs line)
    {
        string module = line.RequireFile("module");
        line.EnsureAllUsed();
        var peer = new EnginePeer("ours", module, line.GuestArguments, stdin: null, fuel: false);
        var run = peer.Run(verify: false);
        var warmup = peer.LastWarmup!;
        Console.Out.Write(string.Create(CultureInfo.InvariantCulture,
            $"{{\"startToExitMs\":{run.Elapsed.TotalMilliseconds:0.###},\"compileMs\":{warmup.CompileTime.TotalMilliseconds:0.###},\"source\":\"{warmup.Source}\",\"jitMs\":{System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds:0.###}}}\n"));
        return 0;
    }
}
