using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>
/// An execution as a PowerShell job: Get-Job, Wait-Job, Receive-Job (the same event objects Receive-WasmEvent gives),
/// Stop-Job and Remove-Job work on it. The job is a bounded subscriber: a pump thread moves events into the job's
/// output only while what Receive-Job has not yet taken fits the execution's output buffer; past that it waits, the
/// events stay in the execution's own bounded queue and the guest waits to write, as it would for a slow
/// Receive-WasmEvent. Once the guest has ended nothing more can be produced, so the rest moves in at once and the job
/// ends in Completed (exit 0), Failed (non-zero, trap or limit) or Stopped — only after every event is in its output,
/// because Receive-Job -Wait stops collecting when the job's state becomes final.
/// </summary>
public sealed class WasmJob : Job2
{
    // What an event costs in the job beyond its data bytes (the event, its PSObject wrapper, the collection slot), so
    // that a flood of empty or tiny events is bounded too.
    private const long EventOverheadBytes = 256;

    // How often the pump looks whether Receive-Job took something while the buffer is full: PSDataCollection has no
    // notification for removals. Receive-Job -Wait takes each event as it is added, so it never waits here.
    private static readonly TimeSpan s_roomPoll = TimeSpan.FromMilliseconds(20);

    // Job2.SetJobState(JobState, Exception) is protected in every PowerShell 7 (ThreadJob calls it to set
    // JobStateInfo.Reason), but the PowerShellStandard 5.1 reference assembly this project compiles against lacks that
    // overload; it is looked up once, and a missing one fails the first -AsJob rather than a job's end.
    private static readonly System.Reflection.MethodInfo s_setJobStateWithReason =
        typeof(Job2).GetMethod(nameof(SetJobState), System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic,
            new[] { typeof(JobState), typeof(Exception) })
        ?? throw new MissingMethodException(nameof(Job2), "SetJobState(JobState, Exception)");

    private readonly ManualResetEventSlim _pumped = new(false);
    private readonly ManualResetEventSlim _disposing = new(false);
    private readonly object _gate = new();
    // Sizes of the events in Output, oldest first; Receive-Job always takes from the front (ReadAll, ReadAndRemove).
    private readonly Queue<long> _sizes = new();
    private readonly long _capacityBytes;
    private long _bufferedBytes;
    private volatile bool _holding;

    public WasmJob(WasmExecution execution, string command)
        : base(command, execution.ExecutionId)
    {
        Execution = execution;
        _capacityBytes = execution.Policy.Limits.OutputBufferBytes;
        PSJobTypeName = "WasmJob";
        SetJobState(JobState.Running);
        var pump = new Thread(Pump) { IsBackground = true, Name = $"WasmSandbox job {execution.ExecutionId}" };
        pump.Start();
    }

    /// <summary>The execution behind the job.</summary>
    public WasmExecution Execution { get; }

    /// <summary>Events waiting in the job, or an event held back until Receive-Job makes room.</summary>
    public override bool HasMoreData
    {
        get
        {
            try
            {
                return _holding || Output.Count > 0;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }

    public override string Location => Environment.MachineName;

    public override string StatusMessage => Execution.State == WasmExecutionState.Running
        ? (_holding ? "running, waiting for Receive-Job" : "running")
        : $"exited {Execution.ExitCode} ({Execution.ExitReason})";

    private void Pump()
    {
        Exception? failure = null;
        try
        {
            WasmEventReceiver.Receive(new[] { Execution }, null, wait: true, Timeout.InfiniteTimeSpan, CancellationToken.None, Admit);
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // Remove-Job disposed the job (closing its output) while the guest was still running: nobody is listening.
            Execution.Stop();
        }
        catch (Exception e)
        {
            // A handler of the job's output threw: the job cannot deliver any more, but the host must not go down
            // with this thread.
            Execution.Stop();
            failure = e;
        }
        try
        {
            var error = failure is not null
                ? new ErrorRecord(failure, "WasmJobDeliveryFailed", ErrorCategory.WriteError, Execution)
                : WhyFailed();
            if (error is null)
            {
                SetJobState(Execution.State == WasmExecutionState.Stopped ? JobState.Stopped : JobState.Completed);
            }
            else
            {
                // Like ThreadJob: the reason on the state, and the record in the error stream, so that
                // Receive-Job -ErrorAction Stop throws it.
                Error.Add(error);
                s_setJobStateWithReason.Invoke(this, new object[] { JobState.Failed, error.Exception });
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
        {
            // Removed meanwhile: there is no job left to show a state.
        }
        _pumped.Set();
    }

    /// <summary>Why the run failed as an error record, or null when it completed or was stopped.</summary>
    private ErrorRecord? WhyFailed()
    {
        if (Execution.State != WasmExecutionState.Failed || Execution.ExitedEvent is not { } exited)
        {
            return null;
        }
        WasmSandboxException reason = exited.Reason == WasmExitReason.Exited
            ? new WasmNonZeroExitException(Execution)
            : new WasmExecutionEndedException(Execution, exited);
        return ErrorRecords.From(reason, Execution);
    }

    /// <summary>Adds one event to the job's output, first waiting for room while the guest can still produce more.</summary>
    private void Admit(WasmEvent e)
    {
        long size = EventOverheadBytes + (e is WasmOutputEvent output ? output.Data.Length : 0);
        var wake = new[] { Execution.ExitedWaitHandle, _disposing.WaitHandle };
        while (true)
        {
            if (_disposing.IsSet)
            {
                throw new OperationCanceledException("the job was removed");
            }
            lock (_gate)
            {
                ForgetTaken();
                // An event larger than the buffer still goes in once the job is empty, so progress never stalls.
                if (_bufferedBytes == 0 || _bufferedBytes + size <= _capacityBytes || Execution.State != WasmExecutionState.Running)
                {
                    _sizes.Enqueue(size);
                    _bufferedBytes += size;
                    _holding = false;
                    break;
                }
                _holding = true;
            }
            WaitHandle.WaitAny(wake, s_roomPoll);
        }
        // Outside the lock: Receive-Job -Wait takes the event in the DataAdded handler, on this thread.
        Output.Add(PSObject.AsPSObject(e));
    }

    /// <summary>Accounts for the events Receive-Job took since the last look (always the oldest ones).</summary>
    private void ForgetTaken()
    {
        int taken = _sizes.Count - Output.Count;
        for (; taken > 0 && _sizes.Count > 0; taken--)
        {
            _bufferedBytes -= _sizes.Dequeue();
        }
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

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // A pump waiting for room must not wait for a reader that is gone.
            _disposing.Set();
        }
        base.Dispose(disposing);
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
