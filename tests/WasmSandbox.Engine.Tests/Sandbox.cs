namespace WasmSandbox.Tests;

/// <summary>Starts guests from WebAssembly text in a temp directory and collects what they did.</summary>
internal sealed class Sandbox : IDisposable
{
    private readonly TempDir _dir = new();

    /// <summary>A sandbox whose starts all use <paramref name="policy"/> (the options' own when null).</summary>
    public Sandbox(WasmCompilePolicy? policy = null) => Policy = policy;

    /// <summary>The compile policy forced on every start, so a test class can run its limits on each tier.</summary>
    public WasmCompilePolicy? Policy { get; }

    public string Directory => _dir.Path;

    public string Write(string name, string content) => _dir.Write(name, content);

    /// <summary>Starts <paramref name="wat"/> on <paramref name="runtime"/> (the shared one by default).</summary>
    public WasmExecution Start(string wat, WasmExecutionOptions? options = null, string name = "guest.wat", WasmRuntime? runtime = null)
    {
        var path = Write(name, wat);
        var execution = (runtime ?? WasmRuntime.Shared).Start(new WasmContext(path), WithDirectory(options ?? new WasmExecutionOptions()));
        if (Policy == WasmCompilePolicy.Baseline && execution.Warmup.Tier != WasmCompileTier.Baseline)
        {
            // A limit test meant for baseline code that silently ran on optimized code would prove nothing about Winch.
            execution.Stop();
            throw new InvalidOperationException($"{name} was to run on baseline code but ran on {execution.Warmup.Tier} code: {execution.Warmup.Note}");
        }
        return execution;
    }

    public WasmExecutionOptions WithDirectory(WasmExecutionOptions o) => new()
    {
        Arguments = o.Arguments,
        Environment = o.Environment,
        WorkingDirectory = o.WorkingDirectory ?? Directory,
        PermissionTier = o.PermissionTier,
        Mounts = o.Mounts,
        MaxFuel = o.MaxFuel,
        MaxMemoryBytes = o.MaxMemoryBytes,
        Timeout = o.Timeout,
        MaxOutputBytes = o.MaxOutputBytes,
        VmId = o.VmId,
        StdioMode = o.StdioMode,
        OutputBufferBytes = o.OutputBufferBytes,
        MaxOpenFiles = o.MaxOpenFiles,
        Clock = o.Clock,
        ClockStart = o.ClockStart,
        RandomSeed = o.RandomSeed,
        CompilePolicy = Policy ?? o.CompilePolicy,
        TerminalStreams = o.TerminalStreams,
        Owner = o.Owner,
    };

    /// <summary>Runs to the end (closing stdin first) and returns every event.</summary>
    public Run RunToEnd(string wat, WasmExecutionOptions? options = null)
    {
        var exec = Start(wat, options);
        exec.CloseInput();
        return Collect(exec);
    }

    public static Run Collect(WasmExecution exec, TimeSpan? timeout = null)
    {
        var events = new List<WasmEvent>();
        bool done = WasmEventReceiver.Receive(new[] { exec }, null, wait: true, timeout ?? TimeSpan.FromSeconds(60), CancellationToken.None, events.Add);
        if (!done)
        {
            throw new TimeoutException($"{exec.ExecutionId} did not end in time");
        }
        return new Run(exec, events);
    }

    public void Dispose() => _dir.Dispose();
}

internal sealed record Run(WasmExecution Execution, List<WasmEvent> Events)
{
    public string Stdout => string.Concat(Events.OfType<WasmStdoutEvent>().Select(e => e.Text));
    public string Stderr => string.Concat(Events.OfType<WasmStderrEvent>().Select(e => e.Text));
    public WasmExitedEvent Exited => Events.OfType<WasmExitedEvent>().Single();
    public int ExitCode => Exited.ExitCode;
}
