using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>Lists the executions this runspace started (with -AllRunspaces, every runspace's; running ones and the most recent finished ones).</summary>
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

    /// <summary>List the executions of every runspace in the process, not only this runspace's.</summary>
    [Parameter]
    public SwitchParameter AllRunspaces { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var execution in IdFilter.Select(this, AllRunspaces ? WasmRegistry.Executions : WasmRegistry.ExecutionsOf(RunspaceOwner.Current), Id, e => e.ExecutionId, "execution"))
        {
            if (State is null || State.Contains(execution.State))
            {
                WriteObject(execution);
            }
        }
    }
}
