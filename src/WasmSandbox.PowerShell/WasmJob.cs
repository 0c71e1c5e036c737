using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>
/// An execution as a PowerShell job: Get-Job, Wait-Job, Receive-Job (the same event objects Receive-WasmEvent gives),
/// Stop-Job and Remove-Job work on it. A pump thread moves events into the job's thread-safe output collection;
/// the job ends in Completed (exit 0), Failed (non-zero, trap or limit) or Stopped.
/// </summary>
public sealed class WasmJob : Job2
{
    private readonly ManualResetEventSlim _pumped = new(false);

    public WasmJob(WasmExecution execution, string command)
        : base(command, execution.ExecutionId)
    {
        Execution = execution;
        PSJobTypeName = "WasmJob";
        SetJobState(JobState.Running);
        var pump = new Thread(Pump) { IsBackground = true, Name = $"WasmSandbox job {execution.ExecutionId}" };
        pump.Start();
    }

    /// <summary>The execution behind the job.</summary>
    public WasmExecution Execution { get; }

    public override bool HasMoreData => Output.Count > 0;

    public override string Location => Environment.MachineName;

    public override string StatusMessage => Execution.State == WasmExecutionState.Running
        ? "running"
        : $"exited {Execution.ExitCode} ({Execution.ExitReason})";

    private void Pump()
    {
        try
        {
            WasmEventReceiver.Receive(new[] { Execution }, null, wait: true, Timeout.InfiniteTimeSpan, CancellationToken.None,
                e => Output.Add(PSObject.AsPSObject(e)));
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
        {
            // Remove-Job disposed the job (closing its output) while the guest was still ending: nobody is listening.
            Execution.Stop();
        }
        SetJobState(Execution.State switch
        {
            WasmExecutionState.Completed => JobState.Completed,
            WasmExecutionState.Stopped => JobState.Stopped,
            _ => JobState.Failed,
        });
        _pumped.Set();
    }

    public override void StartJob()
    {
        // The execution is already running when the job is created.
    }

    public override void StartJobAsync() => OnStartJobCompleted(new System.ComponentModel.AsyncCompletedEventArgs(null, false, null));

    public override void StopJob() => StopJob(force: false, reason: null);

    public override void StopJob(bool force, string? reason)
    {
        Execution.Stop();
        // Stop-Job returns once the job shows its final state, like other job types.
        _pumped.Wait(TimeSpan.FromSeconds(5));
    }

    public override void StopJobAsync() => StopJobAsync(force: false, reason: null);

    public override void StopJobAsync(bool force, string? reason)
    {
        Execution.Stop();
        ThreadPool.QueueUserWorkItem(_ =>
        {
            _pumped.Wait(TimeSpan.FromSeconds(5));
            OnStopJobCompleted(new System.ComponentModel.AsyncCompletedEventArgs(null, false, null));
        });
    }

    public override void SuspendJob() => throw NotSupported("suspended");

    public override void SuspendJobAsync() => throw NotSupported("suspended");

    public override void SuspendJob(bool force, string? reason) => throw NotSupported("suspended");

    public override void SuspendJobAsync(bool force, string? reason) => throw NotSupported("suspended");

    public override void ResumeJob() => throw NotSupported("resumed");

    public override void ResumeJobAsync() => throw NotSupported("resumed");

    public override void UnblockJob() => throw NotSupported("unblocked");

    public override void UnblockJobAsync() => throw NotSupported("unblocked");

    private static PSNotSupportedException NotSupported(string what) =>
        new($"a WebAssembly execution cannot be {what}; stop it with Stop-Job or Stop-WasmExecution");
}
