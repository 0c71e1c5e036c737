using System.Text;

namespace WasmSandbox;

/// <summary>
/// One run of a module. The guest runs on its own thread; this object is the host's handle on it: state, exit code,
/// stdin, waiting, stopping, and the queue of events not yet received.
/// </summary>
public sealed class WasmExecution
{
    private static long s_lastId;

    private readonly ManualResetEventSlim _exited = new(false);
    private readonly List<SyncRpcCall> _pendingRpc = new();
    private volatile WasmExecutionState _state = WasmExecutionState.Running;

    internal WasmExecution(WasmContext context, string vmId, string resolvedModulePath, WasmExecutionOptions options, SandboxPolicy policy, WasmWarmup warmup)
    {
        Number = Interlocked.Increment(ref s_lastId);
        ExecutionId = $"exec-{Number}";
        ExecutionGuid = Guid.NewGuid();
        ContextId = context.ContextId;
        VmId = vmId;
        ModulePath = context.ModulePath;
        ResolvedModulePath = resolvedModulePath;
        ModuleName = context.IsFromBytes ? context.ModulePath : Path.GetFileName(resolvedModulePath);
        PermissionTier = options.PermissionTier;
        StdioMode = options.StdioMode;
        Owner = options.Owner;
        Warmup = warmup;
        Policy = policy;
        Queue = new EventQueue(ExecutionId, ExecutionGuid, policy.Limits.OutputBufferBytes);
        Outcome = new ExecutionOutcome(policy.Limits);
        StartTime = DateTime.Now;
    }

    internal long Number { get; }

    /// <summary>The name of this host, as every execution, event and result of this process reports it.</summary>
    internal static readonly string HostName = Environment.MachineName;

    /// <summary><c>exec-1</c>, <c>exec-2</c>, ... numbered per process: readable, but repeated by every session and host.</summary>
    public string ExecutionId { get; }

    /// <summary>Unique beyond this process: tells apart the <c>exec-1</c> of every session and host in merged results.</summary>
    public Guid ExecutionGuid { get; }

    /// <summary>The host that runs the execution.</summary>
    public string ComputerName => HostName;

    public string ContextId { get; }

    public string VmId { get; }

    /// <summary>The module path as the context gave it.</summary>
    public string ModulePath { get; }

    /// <summary>The file that was actually loaded; <c>bytes:name</c> for a context made from bytes.</summary>
    public string ResolvedModulePath { get; }

    /// <summary>The module's file name (for a context made from bytes, the name given): the guest's argv[0] and the name in messages.</summary>
    public string ModuleName { get; }

    public WasmPermissionTier PermissionTier { get; }

    /// <summary>The opaque key of whoever started the execution (<see cref="WasmExecutionOptions.Owner"/>), or null.</summary>
    public object? Owner { get; }

    public WasmStdioMode StdioMode { get; }

    public WasmExecutionState State => _state;

    /// <summary>Null while running.</summary>
    public int? ExitCode { get; private set; }

    public WasmExitReason? ExitReason { get; private set; }

    /// <summary>Local time; a DateTime (not a DateTimeOffset) so it stays a date through PowerShell's serializer.</summary>
    public DateTime StartTime { get; }

    public DateTime? EndTime { get; private set; }

    /// <summary>Fuel used, when metered (<c>-MaxFuel</c>); null otherwise or while running.</summary>
    public ulong? FuelConsumed { get; private set; }

    /// <summary>The guest's peak linear memory in bytes, once ended (see <see cref="WasmExitedEvent.PeakMemoryBytes"/>).</summary>
    public long? PeakMemoryBytes => ExitedEvent?.PeakMemoryBytes;

    /// <summary>Bytes of stdin the guest read, once ended.</summary>
    public long? StdinBytes => ExitedEvent?.StdinBytes;

    /// <summary>Bytes of stdout the guest wrote, once ended.</summary>
    public long? StdoutBytes => ExitedEvent?.StdoutBytes;

    /// <summary>Bytes of stderr the guest wrote, once ended (the sandbox's own note not counted).</summary>
    public long? StderrBytes => ExitedEvent?.StderrBytes;

    /// <summary>Wall time of the run, once ended (see <see cref="WasmExitedEvent.Duration"/>); null while running.</summary>
    public TimeSpan? Duration => ExitedEvent?.Duration;

    /// <summary>CPU time of the guest's thread, once ended; null where the system cannot tell.</summary>
    public TimeSpan? CpuTime => ExitedEvent?.CpuTime;

    /// <summary>What this run was granted: preopens and their permissions, linked imports, signal sources, limits, clock.</summary>
    public SandboxPolicy Policy { get; }

    /// <summary>How the compiled module was obtained for this run.</summary>
    public WasmWarmup Warmup { get; }

    /// <summary>The last event, once the execution has ended.</summary>
    public WasmExitedEvent? ExitedEvent { get; private set; }

    /// <summary>
    /// Signalled when the execution ends. Internal (the cmdlets wait on it) so a live handle is not part of the
    /// object's data: ConvertTo-Json and the serializer would otherwise write out a process-local handle number.
    /// </summary>
    internal WaitHandle ExitedWaitHandle => _exited.WaitHandle;

    /// <summary>Set once its owner released it (<see cref="WasmRegistry.Release"/>): the registry no longer lists it.</summary>
    internal bool IsReleased { get; set; }

    internal EventQueue Queue { get; }

    internal InputPipe Input { get; } = new();

    /// <summary>Why and how the execution ends: the one place that decides it.</summary>
    internal ExecutionOutcome Outcome { get; }

    internal CancellationToken CancelToken => Outcome.Token;

    /// <summary>The end the host requested, if any.</summary>
    internal InterruptReason Interrupt => Outcome.Requested;

    /// <summary>Writes text to the guest's stdin as UTF-8, exactly as given (no newline is added).</summary>
    public void WriteInput(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        WriteInput(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Writes bytes to the guest's stdin.</summary>
    public void WriteInput(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (_state != WasmExecutionState.Running)
        {
            throw new InvalidOperationException($"execution {ExecutionId} has ended; its standard input is closed");
        }
        Input.Write(data);
    }

    /// <summary>Closes the guest's stdin: its reads return end of file once the written bytes are consumed.</summary>
    public void CloseInput() => Input.Close();

    /// <summary>Waits for the guest to end.</summary>
    public bool Wait()
    {
        _exited.Wait();
        return true;
    }

    /// <summary>Waits up to <paramref name="timeout"/>; true if the guest has ended.</summary>
    public bool Wait(TimeSpan timeout) => _exited.Wait(timeout);

    /// <summary>Waits for the guest to end, or until <paramref name="cancel"/> fires; true if it has ended.</summary>
    public bool Wait(TimeSpan timeout, CancellationToken cancel)
    {
        try
        {
            return _exited.Wait(timeout, cancel);
        }
        catch (OperationCanceledException)
        {
            return _exited.IsSet;
        }
    }

    /// <summary>Ends the guest: within one epoch tick if it computes, at once if it waits on the host.</summary>
    public void Stop() => RequestInterrupt(InterruptReason.Stopped);

    internal void RequestInterrupt(InterruptReason reason) => Outcome.Request(reason);

    internal void TrackRpc(SyncRpcCall call)
    {
        lock (_pendingRpc)
        {
            _pendingRpc.RemoveAll(c => c.IsCompleted);
            _pendingRpc.Add(call);
        }
    }

    internal void Finish(WasmExitedEvent exited)
    {
        ExitCode = exited.ExitCode;
        ExitReason = exited.Reason;
        FuelConsumed = exited.FuelConsumed;
        EndTime = StartTime + exited.Duration;
        ExitedEvent = exited;
        _state = exited.Reason switch
        {
            WasmExitReason.Stopped => WasmExecutionState.Stopped,
            WasmExitReason.Exited when exited.ExitCode == 0 => WasmExecutionState.Completed,
            _ => WasmExecutionState.Failed,
        };
        lock (_pendingRpc)
        {
            foreach (var call in _pendingRpc)
            {
                call.Abandon();
            }
            _pendingRpc.Clear();
        }
        Input.Close();
        Outcome.Dispose(); // releases the deadline and watchdog timers
        Queue.Complete(exited);
        WasmRegistry.Finished(this); // before waiters wake: once Wait returns, the registry has seen the end
        _exited.Set();
    }

    public override string ToString() => $"{ExecutionId} {State}";
}
