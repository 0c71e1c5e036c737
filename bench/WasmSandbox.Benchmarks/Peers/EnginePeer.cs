using System.Diagnostics;
using System.Text;
using WasmSandbox.Benchmarks.Measurement;

namespace WasmSandbox.Benchmarks.Peers;

/// <summary>
/// The sandbox at engine level, as a host embedding it would use it: start, feed stdin, drain events on the calling
/// thread until the exited event. Default limits (60 s timeout, 256 MiB memory); the working directory preopened
/// read-only unless told otherwise; optionally fuel-metered.
/// </summary>
internal sealed class EnginePeer : IWorkloadPeer
{
    /// <summary>Large enough never to run out, so a metered run measures metering, not exhaustion.</summary>
    public const ulong UnlimitedFuel = 1UL << 62;

    private readonly WasmContext _context;
    private readonly IReadOnlyList<string> _arguments;
    private readonly byte[]? _stdin;
    private readonly bool _fuel;
    private readonly WasmPermissionTier _tier;
    private readonly WasmCompilePolicy _policy;

    /// <param name="policy">Optimized by default: the peer measures the steady state, code compiled by Cranelift
    /// (what every run gets once the optimized code is cached); Baseline measures Winch's code.</param>
    public EnginePeer(string name, string modulePath, IReadOnlyList<string> arguments, byte[]? stdin, bool fuel,
        WasmPermissionTier tier = WasmPermissionTier.ReadOnly, WasmCompilePolicy policy = WasmCompilePolicy.Optimized)
    {
        _policy = policy;
        Name = name;
        _context = new WasmContext(modulePath);
        _arguments = arguments;
        _stdin = stdin;
        _fuel = fuel;
        _tier = tier;
    }

    public string Name { get; }

    /// <summary>How the module was obtained for the most recent run (compiled, memory or disk cache).</summary>
    public WasmWarmup? LastWarmup { get; private set; }

    public PeerRun Run(bool verify)
    {
        var options = new WasmExecutionOptions
        {
            Arguments = _arguments,
            WorkingDirectory = Path.GetDirectoryName(_context.ModulePath),
            PermissionTier = _tier,
            MaxFuel = _fuel ? UnlimitedFuel : null,
            CompilePolicy = _policy,
        };
        using var stdout = new OutputDigest(verify);
        var stderr = new StringBuilder();
        var clock = Stopwatch.StartNew();
        var execution = WasmRuntime.Shared.Start(_context, options);
        if (_stdin is not null)
        {
            execution.WriteInput(_stdin);
        }
        execution.CloseInput();
        WasmEventReceiver.Receive(new[] { execution }, kinds: null, wait: true, Timeout.InfiniteTimeSpan, CancellationToken.None, e =>
        {
            switch (e)
            {
                case WasmStdoutEvent output:
                    stdout.Append(output.Data);
                    break;
                case WasmStderrEvent error:
                    stderr.Append(error.Text);
                    break;
            }
        });
        var elapsed = clock.Elapsed;
        LastWarmup = execution.Warmup;
        if (execution.ExitCode != 0)
        {
            throw new BenchmarkFailedException(
                $"{Name}: exit code {execution.ExitCode} ({execution.ExitReason}): {execution.ExitedEvent?.Message} {stderr}".Trim());
        }
        return new PeerRun(elapsed, stdout.Bytes, stdout.Finish());
    }
}
