using System.Diagnostics;
using WasmSandbox.Benchmarks.Measurement;
using Wasmtime;

namespace WasmSandbox.Benchmarks.Peers;

/// <summary>
/// The same module on Wasmtime with nothing of the sandbox: Wasmtime's own WASI with stdin and stdout on files, the
/// sandbox's compiler settings and memory limit, and epoch interruption on or off. The gap between this peer and
/// <see cref="EnginePeer"/> is what the sandbox adds; between its two variants, what epoch interruption costs.
/// </summary>
internal sealed class RawWasmtimePeer : IWorkloadPeer, IDisposable
{
    private const long MaxMemoryBytes = WasmExecutionOptions.DefaultMaxMemoryBytes;

    private readonly Engine _engine;
    private readonly Module _module;
    private readonly Linker _linker;
    private readonly string[] _argv;
    private readonly string _stdinPath;
    private readonly string _stdoutPath;
    private readonly bool _epoch;

    public RawWasmtimePeer(string name, string modulePath, IReadOnlyList<string> arguments, string? stdinPath, bool epoch)
    {
        Name = name;
        _epoch = epoch;
        _engine = new Engine(new Config()
            .WithEpochInterruption(epoch)
            .WithOptimizationLevel(OptimizationLevel.Speed)
            .WithCompilerStrategy(CompilerStrategy.Cranelift));
        var clock = Stopwatch.StartNew();
        _module = Module.FromFile(_engine, modulePath);
        CompileTime = clock.Elapsed;
        _linker = new Linker(_engine);
        _linker.DefineWasi();
        _argv = new[] { Path.GetFileName(modulePath) }.Concat(arguments).ToArray();
        _stdinPath = stdinPath ?? "/dev/null";
        _stdoutPath = Path.Combine(Path.GetTempPath(), $"wasmsandbox-bench-{Environment.ProcessId}-{name}.out");
    }

    public string Name { get; }

    public TimeSpan CompileTime { get; }

    public PeerRun Run(bool verify)
    {
        var clock = Stopwatch.StartNew();
        using (var pulse = _epoch ? new EpochPulse(_engine) : null)
        using (var store = new Store(_engine))
        {
            store.SetLimits(memorySize: MaxMemoryBytes, instances: 4);
            if (_epoch)
            {
                store.SetEpochDeadline(1);
                store.SetEpochDeadlineCallback(_ => 1);
            }
            store.SetWasiConfiguration(new WasiConfiguration()
                .WithArgs(_argv)
                .WithStandardInput(_stdinPath)
                .WithStandardOutput(_stdoutPath)
                .WithInheritedStandardError());
            var instance = _linker.Instantiate(store, _module);
            var start = instance.GetAction("_start") ?? throw new BenchmarkFailedException($"{Name}: the module exports no _start");
            try
            {
                start();
            }
            catch (WasmtimeException e) when (e.ExitCode is int code)
            {
                if (code != 0)
                {
                    throw new BenchmarkFailedException($"{Name}: exit code {code}");
                }
            }
        }
        var elapsed = clock.Elapsed;
        using var stdout = new OutputDigest(verify);
        stdout.Append(File.ReadAllBytes(_stdoutPath));
        return new PeerRun(elapsed, stdout.Bytes, stdout.Finish());
    }

    public void Dispose()
    {
        File.Delete(_stdoutPath);
        _linker.Dispose();
        _module.Dispose();
        _engine.Dispose();
    }
}
