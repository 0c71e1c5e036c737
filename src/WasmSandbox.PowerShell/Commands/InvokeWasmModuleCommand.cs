using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>
/// Runs a module like a native command: stdout lines (or raw bytes) on the output stream as they arrive, stderr lines
/// on the error stream, pipeline input on stdin, the exit code in $LASTEXITCODE, and Ctrl+C stops the guest. An end
/// the sandbox caused (a limit, a stop, a trap, a link failure) is one error record of type
/// <see cref="WasmExecutionEndedException"/>, built from the exited event; the guest's stderr never stands in for it.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "WasmModule")]
[OutputType(typeof(string), typeof(byte[]))]
public sealed class InvokeWasmModuleCommand : WasmRunCommandBase
{
    private readonly OutputLineSplitter _stdout = new();
    private readonly OutputLineSplitter _stderr = new();
    private WasmExecution? _execution;
    private WasmContext? _context;

    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>The guest's arguments; like a native command's, everything after the path binds here.</summary>
    [Parameter(Position = 1, ValueFromRemainingArguments = true)]
    [AllowEmptyCollection]
    public string[] ArgumentList { get; set; } = Array.Empty<string>();

    private protected override string[] GuestArguments => ArgumentList;

    /// <summary>Emit stdout as byte arrays, chunk by chunk as the guest wrote it, instead of text lines.</summary>
    [Parameter]
    public SwitchParameter AsByteStream { get; set; }

    protected override void BeginProcessing()
    {
        _context = new WasmContext(GetUnresolvedProviderPathFromPSPath(Path), owner: RunspaceOwner.Current);
        try
        {
            _execution = StartOrThrow(_context, BuildOptions());
        }
        catch
        {
            // Refused before the guest started: the context this command made for it has no further use.
            WasmRegistry.Remove(_context);
            throw;
        }
    }

    protected override void ProcessRecord()
    {
        if (_execution is null)
        {
            return;
        }
        FeedInput(_execution);
        try
        {
            WasmEventReceiver.Receive(new[] { _execution }, null, wait: false, TimeSpan.Zero, Cancellation.Token, Deliver);
        }
        catch
        {
            // The pipeline is ending (e.g. -ErrorAction Stop at a stderr line): the run ends with this command.
            _execution.Stop();
            throw;
        }
    }

    protected override void EndProcessing()
    {
        if (_execution is null)
        {
            return;
        }
        _execution.CloseInput();
        try
        {
            WasmEventReceiver.Receive(new[] { _execution }, null, wait: true, System.Threading.Timeout.InfiniteTimeSpan, Cancellation.Token, Deliver);
            if (!Cancellation.IsCancellationRequested)
            {
                // A last line without a line ending (after an abnormal end Deliver has already flushed it).
                FlushLines();
            }
        }
        catch
        {
            _execution.Stop();
            throw;
        }
        finally
        {
            if (_context is not null)
            {
                WasmRegistry.Remove(_context);
            }
        }
    }

    protected override void StopProcessing()
    {
        Cancellation.Cancel();
        _execution?.Stop();
        if (_context is not null)
        {
            WasmRegistry.Remove(_context);
        }
    }

    private void Deliver(WasmEvent e)
    {
        // Ctrl+C: stop delivering at once, even with events still queued (the guest is already being stopped).
        if (Cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        switch (e)
        {
            case WasmStdoutEvent stdout when AsByteStream:
                WriteObject(stdout.Data, enumerateCollection: false);
                break;
            case WasmStdoutEvent stdout:
                foreach (var line in _stdout.Push(stdout.Data))
                {
                    WriteObject(line);
                }
                break;
            case WasmStderrEvent { FromSandbox: true } note:
                // The sandbox's own note is reported by the exited event's error record below, never as guest text.
                WriteVerbose(note.Text.TrimEnd('\n'));
                break;
            case WasmStderrEvent stderr:
                foreach (var line in _stderr.Push(stderr.Data))
                {
                    WriteStderr(line);
                }
                break;
            case WasmSignalStateEvent signal:
                WriteVerbose($"guest registered {signal}");
                break;
            case WasmExitedEvent exited:
                SessionState.PSVariable.Set("global:LASTEXITCODE", exited.ExitCode);
                WriteVerbose($"{exited.ExecutionId} {exited}");
                if (exited.Reason != WasmExitReason.Exited && _execution is not null)
                {
                    // What the guest wrote comes before the sandbox's verdict on how it ended.
                    FlushLines();
                    WriteError(ErrorRecords.From(new WasmExecutionEndedException(_execution, exited), _execution));
                }
                break;
        }
    }

    private void FlushLines()
    {
        foreach (var line in _stdout.Flush())
        {
            WriteObject(line);
        }
        foreach (var line in _stderr.Flush())
        {
            WriteStderr(line);
        }
    }

    private void WriteStderr(string line) =>
        WriteError(new ErrorRecord(new RemoteException(line), "WasmGuestStderr", ErrorCategory.NotSpecified, _execution?.ExecutionId));
}
