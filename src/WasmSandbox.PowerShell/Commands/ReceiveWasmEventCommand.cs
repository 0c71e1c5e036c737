using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>Emits the events executions have produced and not yet delivered, optionally waiting for them to end.</summary>
[Cmdlet(VerbsCommunications.Receive, "WasmEvent", DefaultParameterSetName = ExecutionSet)]
[OutputType(typeof(WasmStdoutEvent), typeof(WasmStderrEvent), typeof(WasmSignalStateEvent), typeof(WasmSyncRpcRequestEvent), typeof(WasmExitedEvent))]
public sealed class ReceiveWasmEventCommand : ExecutionPipelineCommand
{
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>With -Wait, stop waiting after this long (events already received are kept).</summary>
    [Parameter]
    [TimeoutTransformation]
    [ValidateTimeout(AllowZero = true)]
    public TimeSpan Timeout { get; set; } = System.Threading.Timeout.InfiniteTimeSpan;

    [Parameter]
    [ArgumentCompleter(typeof(EventKindCompleter))]
    public WasmEventKind[]? Kind { get; set; }

    protected override void ProcessRecord()
    {
        base.ProcessRecord();
        if (!Wait)
        {
            // Without -Wait there is nothing to gather for: emit what is there as each execution arrives.
            WasmEventReceiver.Receive(Arrived, Kind, wait: false, TimeSpan.Zero, StopRequested, WriteObject);
        }
    }

    protected override void EndProcessing()
    {
        if (!Wait)
        {
            return;
        }
        bool finished = WasmEventReceiver.Receive(Executions, Kind, wait: true, Timeout, StopRequested, WriteObject);
        if (!finished && !StopRequested.IsCancellationRequested)
        {
            WriteVerbose($"stopped waiting after {SandboxLimits.Seconds(Timeout)}; executions still running: " +
                string.Join(", ", Executions.Where(e => e.State == WasmExecutionState.Running).Select(e => e.ExecutionId)));
        }
    }
}
