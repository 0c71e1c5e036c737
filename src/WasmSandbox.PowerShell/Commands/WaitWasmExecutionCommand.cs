using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>Waits for executions to end (all, or with -Any the first) and outputs those that ended.</summary>
[Cmdlet(VerbsLifecycle.Wait, "WasmExecution", DefaultParameterSetName = ExecutionSet)]
[OutputType(typeof(WasmExecution))]
public sealed class WaitWasmExecutionCommand : ExecutionPipelineCommand
{
    /// <summary>How long to wait (a number is seconds); -1 (the default) waits indefinitely.</summary>
    [Parameter]
    [TimeoutTransformation]
    [ValidateTimeout(AllowZero = true)]
    public TimeSpan Timeout { get; set; } = System.Threading.Timeout.InfiniteTimeSpan;

    [Parameter]
    public SwitchParameter Any { get; set; }

    protected override void EndProcessing()
    {
        var deadline = Timeout == System.Threading.Timeout.InfiniteTimeSpan ? DateTime.MaxValue : DateTime.UtcNow + Timeout;
        var pending = new List<WasmExecution>(Executions);
        while (pending.Count > 0 && !StopRequested.IsCancellationRequested)
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
            var handles = pending.Take(63).Select(e => e.ExitedWaitHandle).Append(StopRequested.WaitHandle).ToArray();
            var slice = pending.Count > 63 ? TimeSpan.FromMilliseconds(50) : left > TimeSpan.FromDays(1) ? TimeSpan.FromDays(1) : left;
            WaitHandle.WaitAny(handles, slice < left ? slice : left);
        }
    }
}
