using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>Stops executions: a guest ends within milliseconds, even in a tight loop (State Stopped, exit reason Stopped).</summary>
[Cmdlet(VerbsLifecycle.Stop, "WasmExecution", SupportsShouldProcess = true, DefaultParameterSetName = ExecutionSet)]
[OutputType(typeof(WasmExecution))]
public sealed class StopWasmExecutionCommand : PSCmdlet
{
    private const string ExecutionSet = "Execution";
    private const string IdSet = "Id";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ExecutionSet)]
    [ValidateNotNull]
    [ExecutionArgument]
    [ArgumentCompleter(typeof(ExecutionIdCompleter))]
    public WasmExecution[] Execution { get; set; } = Array.Empty<WasmExecution>();

    /// <summary>Ids of this runspace's executions (wildcards allowed); a positional id binds -Execution, which takes ids too.</summary>
    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ExecutionIdCompleter))]
    public string[] Id { get; set; } = Array.Empty<string>();

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var targets = ParameterSetName == IdSet
            ? IdFilter.Select(this, WasmRegistry.ExecutionsOf(RunspaceOwner.Current), Id, e => e.ExecutionId, "execution").ToArray()
            : Execution;
        foreach (var execution in targets)
        {
            if (execution.State == WasmExecutionState.Running && ShouldProcess(execution.ExecutionId, "Stop WebAssembly execution"))
            {
                execution.Stop();
                if (!execution.Wait(TimeSpan.FromSeconds(5)))
                {
                    WriteWarning($"{execution.ExecutionId} did not end within 5 seconds of being stopped");
                }
            }
            if (PassThru)
            {
                WriteObject(execution);
            }
        }
    }
}
