using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>Waits for executions to end (all, or with -Any the first) and outputs those that ended.</summary>
[Cmdlet(VerbsLifecycle.Wait, "WasmExecution")]
[OutputType(typeof(WasmExecution))]
public sealed class WaitWasmExecutionCommand : PSCmdlet
{
    private readonly List<WasmExecution> _executions = new();
    private readonly CancellationTokenSource _stopping = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    [ArgumentCompleter(typeof(ExecutionCompleter))]
    public WasmExecution[] Execution { get; set; } = Array.Empty<WasmExecution>();

    /// <summary>Seconds to wait; -1 (the default) waits indefinitely.</summary>
    [Parameter]
    [ValidateRange(-1, int.MaxValue)]
    public int Timeout { get; set; } = -1;

    [Parameter]
    public SwitchParameter Any { get; set; }

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

    protected override void EndProcessing()
    {
        var deadline = Timeout < 0 ? DateTime.MaxValue : DateTime.UtcNow.AddSeconds(Timeout);
        var pending = new List<WasmExecution>(_executions);
        while (pending.Count > 0 && !_stopping.IsCancellationRequested)
        {
            var ended = pending.Where(e => e.State != WasmExecutionState.Running).ToList();
            foreach (var e in ended)
            {
                WriteObject(e);
                pending.Remove(e);
            }
            if (ended.Count > 0 && Any || pending.Count == 0)
            {
                return;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return;
            }
            // Wake on whichever ends first (WaitAny takes at most 64 handles; beyond that, poll in slices).
            var handles = pending.Take(63).Select(e => e.ExitedWaitHandle).Append(_stopping.Token.WaitHandle).ToArray();
            var slice = pending.Count > 63 ? TimeSpan.FromMilliseconds(50) : left > TimeSpan.FromDays(1) ? TimeSpan.FromDays(1) : left;
            WaitHandle.WaitAny(handles, slice < left ? slice : left);
        }
    }

    protected override void StopProcessing() => _stopping.Cancel();
}
