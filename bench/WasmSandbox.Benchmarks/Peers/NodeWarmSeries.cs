using System.Diagnostics;
using System.Text.Json;
using WasmSandbox.Benchmarks.Measurement;

namespace WasmSandbox.Benchmarks.Peers;

/// <summary>
/// Node's node:wasi with its compiled module warm, like <see cref="EnginePeer"/> with the sandbox's cache warm: each
/// sample comes from its own <c>node --expose-gc bench/node/wasi-bench.mjs</c> process, which compiles the module
/// once, runs it <c>warmup</c> times and then times one more run. One process per sample because V8's tier-up
/// decisions differ from process to process (the same workload settles at times 1.5 times apart), so samples taken
/// in a single process would all share one draw.
/// </summary>
internal static class NodeWarmSeries
{
    public sealed record Result(string NodeVersion, Samples CompileMs, Samples FirstRunMs, Samples Samples, long StdoutBytes, string StdoutSha256);

    public static Result Run(string benchScript, string modulePath, IReadOnlyList<string> arguments, string? stdinPath, int runs, int warmup)
    {
        var compile = new Samples();
        var first = new Samples();
        var samples = new Samples();
        string version = "";
        long stdoutBytes = 0;
        string sha256 = "";
        for (int i = 0; i < runs; i++)
        {
            using var document = JsonDocument.Parse(RunProcess(benchScript, modulePath, arguments, stdinPath, warmup));
            var root = document.RootElement;
            string runSha = root.GetProperty("stdoutSha256").GetString() ?? "";
            if (i > 0 && runSha != sha256)
            {
                throw new BenchmarkFailedException($"node (warm): process {i + 1} printed different stdout from process 1");
            }
            version = root.GetProperty("node").GetString() ?? "";
            stdoutBytes = root.GetProperty("stdoutBytes").GetInt64();
            sha256 = runSha;
            compile.Add(root.GetProperty("compileMs").GetDouble());
            first.Add(root.GetProperty("firstRunMs").GetDouble());
            foreach (var sample in root.GetProperty("samples").EnumerateArray())
            {
                samples.Add(sample.GetDouble());
            }
        }
        return new Result(version, compile, first, samples, stdoutBytes, sha256);
    }

    private static string RunProcess(string benchScript, string modulePath, IReadOnlyList<string> arguments, string? stdinPath, int warmup)
    {
        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = Path.GetDirectoryName(modulePath)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--expose-gc", benchScript, "--runs", "1", "--warmup", $"{warmup}", "--stdin", stdinPath ?? "/dev/null", modulePath }.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info) ?? throw new BenchmarkFailedException("node: could not start");
        var errors = process.StandardError.ReadToEndAsync();
        string json = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new BenchmarkFailedException($"node (warm): exited {process.ExitCode}: {errors.GetAwaiter().GetResult().Trim()}");
        }
        return json;
    }
}
