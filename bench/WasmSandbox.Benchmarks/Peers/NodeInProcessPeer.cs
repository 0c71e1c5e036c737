using System.Diagnostics;
using System.Text.Json;
using WasmSandbox.Benchmarks.Measurement;

namespace WasmSandbox.Benchmarks.Peers;

/// <summary>
/// Node's node:wasi timed inside its own process, so node's start-up is left out: each run is a new
/// <c>node --expose-gc bench/node/wasi-bench.mjs</c> process, which compiles the module once, runs it
/// <c>warmup</c> times and then times one more run. That gives two figures per process:
/// <list type="bullet">
/// <item><b>cold</b>: compile plus the first run — what the wasm costs a user who runs the tool once with Node. V8
/// starts on baseline (Liftoff) code and uses optimized code only from a function's next call on, so a function
/// entered once that loops for long (SQLite's interpreter running one long query) stays on baseline code.</item>
/// <item><b>warm</b>: the run after the warm-up runs, with V8's code tiered up — the counterpart of
/// <see cref="EnginePeer"/> with the sandbox's compile cache warm, and the stricter comparison.</item>
/// </list>
/// <see cref="Run"/> reports the warm run, so this peer takes its turn in a workload's rotation like any other; the
/// cold figures of the same processes collect in <see cref="Cold"/>. One process per sample also because V8's
/// tier-up decisions differ from process to process (the same workload settles at times 1.5 times apart), so samples
/// taken in a single process would all share one draw.
/// </summary>
internal sealed class NodeInProcessPeer : IWorkloadPeer
{
    private readonly string _benchScript;
    private readonly string _modulePath;
    private readonly IReadOnlyList<string> _arguments;
    private readonly string? _stdinPath;
    private readonly int _warmup;
    private string? _stdoutSha256;

    public NodeInProcessPeer(string name, string benchScript, string modulePath, IReadOnlyList<string> arguments, string? stdinPath, int warmup)
    {
        Name = name;
        _benchScript = benchScript;
        _modulePath = modulePath;
        _arguments = arguments;
        _stdinPath = stdinPath;
        _warmup = warmup;
    }

    public string Name { get; }

    public string NodeVersion { get; private set; } = "";

    /// <summary>Per timed process: <c>WebAssembly.compile</c>.</summary>
    public Samples CompileMs { get; } = new();

    /// <summary>Per timed process: the first run, on the code V8 starts with.</summary>
    public Samples FirstRunMs { get; } = new();

    /// <summary>Per timed process: compile plus first run.</summary>
    public Samples Cold { get; } = new();

    /// <summary>Runs one process. Verification runs are not added to the series, as for every other peer.</summary>
    public PeerRun Run(bool verify)
    {
        using var document = JsonDocument.Parse(RunProcess());
        var root = document.RootElement;
        NodeVersion = root.GetProperty("node").GetString() ?? "";
        double compileMs = root.GetProperty("compileMs").GetDouble();
        double firstRunMs = root.GetProperty("firstRunMs").GetDouble();
        double warmMs = root.GetProperty("samples").EnumerateArray().Single().GetDouble();
        if (!verify)
        {
            CompileMs.Add(compileMs);
            FirstRunMs.Add(firstRunMs);
            // Summed per process, not median plus median: both halves come from the same draw of V8's decisions.
            Cold.Add(compileMs + firstRunMs);
        }
        // The script hashes stdout in every process anyway, so every process is checked, not only the verifying one.
        string sha256 = root.GetProperty("stdoutSha256").GetString() ?? "";
        _stdoutSha256 ??= sha256;
        if (sha256 != _stdoutSha256)
        {
            throw new BenchmarkFailedException($"{Name}: a node process printed different stdout (sha256 {sha256}) from the first ({_stdoutSha256})");
        }
        return new PeerRun(TimeSpan.FromMilliseconds(warmMs), root.GetProperty("stdoutBytes").GetInt64(), sha256);
    }

    private string RunProcess()
    {
        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = Path.GetDirectoryName(_modulePath)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--expose-gc", _benchScript, "--runs", "1", "--warmup", $"{_warmup}", "--stdin", _stdinPath ?? "/dev/null", _modulePath }.Concat(_arguments))
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info) ?? throw new BenchmarkFailedException($"{Name}: could not start node");
        var errors = process.StandardError.ReadToEndAsync();
        string json = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new BenchmarkFailedException($"{Name}: node exited {process.ExitCode}: {errors.GetAwaiter().GetResult().Trim()}");
        }
        return json;
    }
}
