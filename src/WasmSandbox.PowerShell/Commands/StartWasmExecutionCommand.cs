using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>Starts a guest in the background and returns its execution (with -Wait, streams its events; with -AsJob, a job).</summary>
[Cmdlet(VerbsLifecycle.Start, "WasmExecution")]
[OutputType(typeof(WasmExecution))]
[OutputType(typeof(WasmEvent))]
[OutputType(typeof(WasmJob))]
public sealed class StartWasmExecutionCommand : WasmRunCommandBase
{
    private WasmExecution? _execution;

    [Parameter(Mandatory = true, Position = 0)]
    [ContextArgument]
    [ArgumentCompleter(typeof(ContextIdCompleter))]
    public WasmContext Context { get; set; } = null!;

    [Parameter(Position = 1)]
    [AllowEmptyCollection]
    public string[] ArgumentList { get; set; } = Array.Empty<string>();

    private protected override string[] GuestArguments => ArgumentList;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? VmId { get; set; }

    [Parameter]
    public WasmStdioMode StdioMode { get; set; } = WasmStdioMode.Events;

    [Parameter]
    public SwitchParameter KeepInputOpen { get; set; }

    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>Returns a job registered with the job manager (through <see cref="WasmJobSourceAdapter"/>), so Get-Job, Wait-Job, Receive-Job, Stop-Job and Remove-Job work.</summary>
    [Parameter]
    public SwitchParameter AsJob { get; set; }

    protected override void BeginProcessing()
    {
        if (Wait && AsJob)
        {
            ThrowTerminatingError(new ErrorRecord(new PSArgumentException("-Wait and -AsJob cannot be used together: a job runs in the background."),
                "WaitWithAsJob", ErrorCategory.InvalidArgument, null));
        }
        _execution = StartOrThrow(Context, BuildOptions(VmId, StdioMode));
        if (AsJob)
        {
            var job = new WasmJob(_execution, JobCommand(_execution));
            WasmJobSourceAdapter.Register(this, job);
            WriteObject(job);
        }
        else if (!Wait)
        {
            WriteObject(_execution);
        }
    }

    /// <summary>
    /// What Get-Job shows as the job's Command: the module and its arguments, as a native command line reads (an
    /// argument with a space or quote in single quotes), rather than the whole line the job was started from.
    /// </summary>
    private string JobCommand(WasmExecution execution) =>
        string.Join(' ', ArgumentList.Select(a => a.Length == 0 || a.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"') ? $"'{a.Replace("'", "''")}'" : a)
            .Prepend(System.IO.Path.GetFileName(execution.ResolvedModulePath)));

    protected override void ProcessRecord()
    {
        if (_execution is null)
        {
            return;
        }
        FeedInput(_execution);
        if (Wait)
        {
            WasmEventReceiver.Receive(new[] { _execution }, null, wait: false, TimeSpan.Zero, Cancellation.Token, WriteObject);
        }
    }

    protected override void EndProcessing()
    {
        if (_execution is null)
        {
            return;
        }
        if (!KeepInputOpen)
        {
            _execution.CloseInput();
        }
        if (Wait)
        {
            WasmEventReceiver.Receive(new[] { _execution }, null, wait: true, System.Threading.Timeout.InfiniteTimeSpan,
                Cancellation.Token, WriteObject);
        }
    }

    protected override void StopProcessing()
    {
        Cancellation.Cancel();
        if (Wait)
        {
            // With -Wait this command owns the run: Ctrl+C ends the guest too.
            _execution?.Stop();
        }
    }
}
