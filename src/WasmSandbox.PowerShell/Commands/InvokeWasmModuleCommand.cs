using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>
/// Runs a module like a native command (see <see cref="NativeCommandBehavior"/> for what PowerShell does for one):
/// stdout lines (or raw bytes) on the output stream as they arrive; stderr straight to the console when the error
/// stream is not redirected, otherwise as error records outside $ErrorActionPreference; pipeline input on stdin; the
/// exit code in $LASTEXITCODE and a non-zero one makes $? false; Ctrl+C stops the guest. An end the sandbox caused (a
/// limit, a stop, a trap, a link failure) is one error record of type <see cref="WasmExecutionEndedException"/>,
/// built from the exited event; the guest's stderr never stands in for it. With -AsResult the run is one
/// <see cref="WasmRunResult"/> instead.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "WasmModule", DefaultParameterSetName = StreamSet)]
[OutputType(typeof(string), typeof(byte[]), ParameterSetName = new[] { StreamSet })]
[OutputType(typeof(WasmRunResult), ParameterSetName = new[] { ResultSet })]
public sealed class InvokeWasmModuleCommand : WasmRunCommandBase
{
    private const string StreamSet = "Stream";
    private const string ResultSet = "Result";

    private static readonly Lazy<Stream> s_processStderr = new(Console.OpenStandardError);
    private static readonly Lazy<Stream> s_processStdout = new(Console.OpenStandardOutput);

    private readonly OutputLineSplitter _stdout = new();
    private readonly OutputLineSplitter _stderr = new();
    private MemoryStream? _stdoutData;
    private MemoryStream? _stderrData;
    private bool _stderrToConsole;
    // At an interactive console (see ConsoleTerminal): the guest's stdio is the console, as a native program's is.
    private bool _atConsole;
    private Task? _keyboard;
    private WasmExecution? _execution;
    private WasmContext? _context;

    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>
    /// The guest's arguments; like a native command's, everything after the path binds here. An argument that looks
    /// like one of this cmdlet's parameters (-v, -m, -o) needs -- before it: PowerShell binds nothing after --.
    /// </summary>
    [Parameter(Position = 1, ValueFromRemainingArguments = true)]
    [AllowEmptyCollection]
    public string[] ArgumentList { get; set; } = Array.Empty<string>();

    private protected override string[] GuestArguments => ArgumentList;

    /// <summary>Emit stdout as byte arrays, chunk by chunk as the guest wrote it, instead of text lines.</summary>
    [Parameter(ParameterSetName = StreamSet)]
    public SwitchParameter AsByteStream { get; set; }

    /// <summary>Return one <see cref="WasmRunResult"/> for the run instead of streaming its output.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ResultSet)]
    public SwitchParameter AsResult { get; set; }

    protected override void BeginProcessing()
    {
        if (AsResult)
        {
            _stdoutData = new MemoryStream();
            _stderrData = new MemoryStream();
        }
        else
        {
            // Decided once, as NativeCommandProcessor decides it when it starts the process.
            _stderrToConsole = !NativeCommandBehavior.IsErrorStreamRedirected(this);
            _atConsole = !AsByteStream && _stderrToConsole && ConsoleTerminal.IsInteractive(this);
        }
        _context = new WasmContext(GetUnresolvedProviderPathFromPSPath(Path), owner: RunspaceOwner.Current);
        try
        {
            _execution = StartOrThrow(_context, BuildOptions(terminal: _atConsole ? WasmStdioStreams.All : WasmStdioStreams.None));
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
            // The pipeline is ending (a downstream error, Ctrl+C): the run ends with this command.
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
        if (_atConsole)
        {
            // The keyboard is the guest's stdin until the guest ends or the user types Ctrl+D.
            _keyboard = ConsoleTerminal.PumpInput(_execution, Cancellation.Token);
        }
        else
        {
            _execution.CloseInput();
        }
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
            // The keyboard reader notices the end within a poll; once it has, PowerShell's prompt has the keyboard.
            _keyboard?.Wait(TimeSpan.FromSeconds(1));
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
            case WasmStdoutEvent stdout when _atConsole:
                // At the console the guest's output is shown as written, prompts without a line ending included.
                s_processStdout.Value.Write(stdout.Data);
                s_processStdout.Value.Flush();
                break;
            case WasmStdoutEvent stdout when AsResult:
                _stdoutData!.Write(stdout.Data);
                break;
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
                // The sandbox's own note is reported by the exited event (its error record, or the result's Message).
                WriteVerbose(note.Text.TrimEnd('\n'));
                break;
            case WasmStderrEvent stderr when AsResult:
                _stderrData!.Write(stderr.Data);
                break;
            case WasmStderrEvent stderr when _stderrToConsole:
                // Not redirected: the bytes go where a native command's stderr goes, the console, as the guest wrote them.
                s_processStderr.Value.Write(stderr.Data);
                s_processStderr.Value.Flush();
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
                Exited(exited);
                break;
        }
    }

    private void Exited(WasmExitedEvent exited)
    {
        var execution = _execution!;
        SessionState.PSVariable.Set("global:LASTEXITCODE", exited.ExitCode);
        WriteVerbose($"{execution.ExecutionId} {exited}; {exited.UsageSummary}");
        if (exited.ExitCode != 0)
        {
            NativeCommandBehavior.MarkFailed(this);
        }
        if (AsResult)
        {
            // The result carries the end, whatever it was: a test reads Reason and ExitCode instead of catching.
            WriteObject(new WasmRunResult(execution, exited, _stdoutData!.ToArray(), _stderrData!.ToArray()));
            return;
        }
        if (exited.Reason != WasmExitReason.Exited)
        {
            // What the guest wrote comes before the sandbox's verdict on how it ended.
            FlushLines();
            WriteError(ErrorRecords.From(new WasmExecutionEndedException(execution, exited), execution));
        }
        else if (exited.ExitCode != 0 && LanguagePrimitives.IsTrue(SessionState.PSVariable.GetValue("PSNativeCommandUseErrorActionPreference")))
        {
            FlushLines();
            // The same error a failed WasmJob carries: one type, id and category for a guest's non-zero exit.
            WriteError(ErrorRecords.From(new WasmNonZeroExitException(execution), execution));
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
        NativeCommandBehavior.WriteStderrRecord(this, new ErrorRecord(new RemoteException(line), "WasmGuestStderr", ErrorCategory.NotSpecified, _execution?.ExecutionId));
}
