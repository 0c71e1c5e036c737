using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>
/// A cmdlet that takes executions from -Execution, the pipeline or -Id (ids of this runspace's executions, wildcards
/// allowed; also positional, as in <c>Wait-WasmExecution exec-1</c>), each once however often it arrives, and waits
/// for them in EndProcessing until Ctrl+C (<see cref="StopRequested"/>).
/// </summary>
public abstract class ExecutionPipelineCommand : PSCmdlet
{
    private protected const string ExecutionSet = "Execution";
    private protected const string IdSet = "Id";

    private readonly List<WasmExecution> _executions = new();
    private readonly CancellationTokenSource _stopping = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ExecutionSet)]
    [ValidateNotNull]
    [ExecutionArgument]
    [ArgumentCompleter(typeof(ExecutionIdCompleter))]
    public WasmExecution[] Execution { get; set; } = Array.Empty<WasmExecution>();

    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ExecutionIdCompleter))]
    public string[] Id { get; set; } = Array.Empty<string>();

    /// <summary>Every execution received so far, in the order of first arrival.</summary>
    protected IReadOnlyList<WasmExecution> Executions => _executions;

    /// <summary>The executions the current pipeline object (or -Execution / -Id) named.</summary>
    protected IReadOnlyList<WasmExecution> Arrived { get; private set; } = Array.Empty<WasmExecution>();

    /// <summary>Cancelled when the user stops the command.</summary>
    protected CancellationToken StopRequested => _stopping.Token;

    protected override void ProcessRecord()
    {
        Arrived = ParameterSetName == IdSet
            ? IdFilter.Select(this, WasmRegistry.ExecutionsOf(RunspaceOwner.Current), Id, e => e.ExecutionId, "execution").ToArray()
            : Execution;
        foreach (var execution in Arrived)
        {
            if (!_executions.Contains(execution))
            {
                _executions.Add(execution);
            }
        }
    }

    protected override void StopProcessing() => _stopping.Cancel();
}
