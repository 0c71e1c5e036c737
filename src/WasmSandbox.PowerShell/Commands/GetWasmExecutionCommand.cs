using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>Lists the executions of this session (running ones and the most recent finished ones).</summary>
[Cmdlet(VerbsCommon.Get, "WasmExecution")]
[OutputType(typeof(WasmExecution))]
public sealed class GetWasmExecutionCommand : PSCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("ExecutionId")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ExecutionIdCompleter))]
    public string[]? Id { get; set; }

    [Parameter]
    public WasmExecutionState[]? State { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var execution in IdFilter.Select(this, WasmRegistry.Executions, Id, e => e.ExecutionId, "execution"))
        {
            if (State is null || State.Contains(execution.State))
            {
                WriteObject(execution);
            }
        }
    }
}
