using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>
/// A cmdlet that takes executions from -Execution or the pipeline, each once however often it arrives, and waits
/// for them in EndProcessing until Ctrl+C (<see cref="StopRequested"/>).
/// </summary>
public abstract class ExecutionPipelineCommand : PSCmdlet
{
    private readonly List<WasmExecution> _executions = new();
    private readonly CancellationTokenSource _stopping = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    [ArgumentCompleter(typeof(ExecutionCompleter))]
    public WasmExecution[] Execution { get; set; } = Array.Empty<WasmExecution>();

    /// <summary>Every execution received so far, in the order of first arrival.</summary>
    protected IReadOnlyList<WasmExecution> Executions => _executions;

    /// <summary>Cancelled when the user stops the command.</summary>
    protected CancellationToken StopRequested => _stopping.Token;

    protected override void ProcessRecord()
    {
        foreach (var execution in Execution)
        {
            if (!_executions.Contains(execution))
            {
                _executions.Add(execution);
            }
        }
    }

    protected override void StopProcessing() => _stopping.Cancel();
}
