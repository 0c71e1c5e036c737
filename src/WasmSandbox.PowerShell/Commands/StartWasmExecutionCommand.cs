using System.Collections;
using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>Starts a guest in the background and returns its execution (or, with -Wait, streams its events).</summary>
[Cmdlet(VerbsLifecycle.Start, "WasmExecution")]
[OutputType(typeof(WasmExecution))]
[OutputType(typeof(WasmEvent))]
public sealed class StartWasmExecutionCommand : PSCmdlet
{
    private readonly CancellationTokenSource _stopping = new();
    private WasmExecution? _execution;

    [Parameter(Mandatory = true, Position = 0)]
    public WasmContext Context { get; set; } = null!;

    [Parameter(Position = 1)]
    [AllowEmptyCollection]
    public string[] ArgumentList { get; set; } = Array.Empty<string>();

    [Parameter]
    public IDictionary? Environment { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? WorkingDirectory { get; set; }

    [Parameter]
    public WasmPermissionTier PermissionTier { get; set; } = WasmPermissionTier.Isolated;

    [Parameter]
    [ValidateNotNull]
    public string[] Mount { get; set; } = Array.Empty<string>();

    [Parameter]
    [ValidateRange(1, ulong.MaxValue)]
    public ulong MaxFuel { get; set; }

    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long MaxMemory { get; set; } = WasmExecutionOptions.DefaultMaxMemoryBytes;

    [Parameter]
    public TimeSpan Timeout { get; set; } = WasmExecutionOptions.DefaultTimeout;

    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long MaxOutputBytes { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? VmId { get; set; }

    [Parameter]
    public WasmStdioMode StdioMode { get; set; } = WasmStdioMode.Events;

    [Parameter]
    public SwitchParameter KeepInputOpen { get; set; }

    [Parameter(ValueFromPipeline = true)]
    [AllowNull]
    [AllowEmptyString]
    public object? InputObject { get; set; }

    [Parameter]
    public SwitchParameter Wait { get; set; }

    protected override void BeginProcessing()
    {
        var options = new WasmExecutionOptions
        {
            Arguments = ArgumentList,
            Environment = EnvironmentEntries(),
            WorkingDirectory = WorkingDirectory is null
                ? SessionState.Path.CurrentFileSystemLocation.ProviderPath
                : GetUnresolvedProviderPathFromPSPath(WorkingDirectory),
            PermissionTier = PermissionTier,
            Mounts = Mount,
            MaxFuel = MyInvocation.BoundParameters.ContainsKey(nameof(MaxFuel)) ? MaxFuel : null,
            MaxMemoryBytes = MaxMemory,
            Timeout = Timeout,
            MaxOutputBytes = MyInvocation.BoundParameters.ContainsKey(nameof(MaxOutputBytes)) ? MaxOutputBytes : null,
            VmId = VmId,
            StdioMode = StdioMode,
        };
        try
        {
            _execution = WasmRuntime.Shared.Start(Context, options);
        }
        catch (WasmSandboxException e)
        {
            ThrowTerminatingError(ErrorRecords.From(e, Context));
            return;
        }
        WriteVerbose($"{_execution.ExecutionId}: {_execution.ResolvedModulePath} ({_execution.Warmup}), tier {PermissionTier}");
        if (!Wait)
        {
            WriteObject(_execution);
        }
    }

    protected override void ProcessRecord()
    {
        if (_execution is null)
        {
            return;
        }
        if (MyInvocation.BoundParameters.ContainsKey(nameof(InputObject)) && _execution.State == WasmExecutionState.Running)
        {
            try
            {
                _execution.WriteInput(InputConverter.ToStdin(InputObject));
            }
            catch (InvalidOperationException)
            {
                // The guest ended while input was still arriving; like a closed pipe, the rest has nowhere to go.
            }
        }
        if (Wait)
        {
            WasmEventReceiver.Receive(new[] { _execution }, null, wait: false, TimeSpan.Zero, _stopping.Token, WriteObject);
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
                _stopping.Token, WriteObject);
        }
    }

    protected override void StopProcessing()
    {
        _stopping.Cancel();
        if (Wait)
        {
            // With -Wait this command owns the run: Ctrl+C ends the guest too.
            _execution?.Stop();
        }
    }

    private KeyValuePair<string, string>[] EnvironmentEntries()
    {
        if (Environment is null)
        {
            return Array.Empty<KeyValuePair<string, string>>();
        }
        var entries = new List<KeyValuePair<string, string>>();
        foreach (DictionaryEntry entry in Environment)
        {
            entries.Add(new(LanguagePrimitives.ConvertTo<string>(entry.Key), LanguagePrimitives.ConvertTo<string>(entry.Value) ?? ""));
        }
        return entries.ToArray();
    }
}
