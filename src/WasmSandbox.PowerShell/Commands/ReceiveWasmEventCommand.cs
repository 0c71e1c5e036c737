using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>Emits the events executions have produced and not yet delivered, optionally waiting for them to end.</summary>
[Cmdlet(VerbsCommunications.Receive, "WasmEvent")]
[OutputType(typeof(WasmStdoutEvent), typeof(WasmStderrEvent), typeof(WasmSignalStateEvent), typeof(WasmSyncRpcRequestEvent), typeof(WasmExitedEvent))]
public sealed class ReceiveWasmEventCommand : PSCmdlet
{
    private readonly List<WasmExecution> _executions = new();
    private readonly CancellationTokenSource _stopping = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    [ArgumentCompleter(typeof(ExecutionCompleter))]
    public WasmExecution[] Execution { get; set; } = Array.Empty<WasmExecution>();

    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>With -Wait, stop waiting after this long (events already received are kept).</summary>
    [Parameter]
    public TimeSpan Timeout { get; set; } = System.Threading.Timeout.InfiniteTimeSpan;

    [Parameter]
    [ArgumentCompleter(typeof(EventKindCompleter))]
    public WasmEventKind[]? Kind { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var execution in Execution)
        {
            if (!_executions.Contains(execution))
            {
                _executions.Add(execution);
            }
        }
        if (!Wait)
        {
            // Without -Wait there is nothing to gather for: emit what is there as each execution arrives.
            WasmEventReceiver.Receive(Execution, Kind, wait: false, TimeSpan.Zero, _stopping.Token, WriteObject);
        }
    }

    protected override void EndProcessing()
    {
        if (!Wait)
        {
            return;
        }
        bool finished = WasmEventReceiver.Receive(_executions, Kind, wait: true, Timeout, _stopping.Token, WriteObject);
        if (!finished && !_stopping.IsCancellationRequested)
        {
            WriteVerbose($"stopped waiting after {Timeout}; executions still running: " +
                string.Join(", ", _executions.Where(e => e.State == WasmExecutionState.Running).Select(e => e.ExecutionId)));
        }
    }

    protected override void StopProcessing() => _stopping.Cancel();
}
