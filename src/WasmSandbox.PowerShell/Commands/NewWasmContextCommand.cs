using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>Creates a handle on a module file that executions start from.</summary>
[Cmdlet(VerbsCommon.New, "WasmContext")]
[OutputType(typeof(WasmContext))]
public sealed class NewWasmContextCommand : PSCmdlet
{
    /// <summary>The module path, kept exactly as given; a relative path is resolved at each start.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string VmId { get; set; } = WasmContext.DefaultVmId;

    /// <summary>Compile the module now (into the memory and disk caches), so the first start is warm.</summary>
    [Parameter]
    public SwitchParameter Precompile { get; set; }

    private readonly CancellationTokenSource _stop = new();

    protected override void StopProcessing() => _stop.Cancel();

    /// <summary>
    /// A path with a home ('~') or a drive ('TestDrive:\x', 'Temp:/x') is resolved through the provider now, since only
    /// PowerShell knows what those mean; a plain relative path is kept, and resolved against each start's working
    /// directory.
    /// </summary>
    private string ProviderPathOrRelative(string path) =>
        path.StartsWith('~') || SessionState.Path.IsPSAbsolute(path, out _) ? GetUnresolvedProviderPathFromPSPath(path) : path;

    protected override void EndProcessing()
    {
        var context = new WasmContext(ProviderPathOrRelative(Path), VmId);
        if (Precompile)
        {
            var options = new WasmExecutionOptions { WorkingDirectory = SessionState.Path.CurrentFileSystemLocation.ProviderPath };
            var warmup = WasmRunCommandBase.WithCompileProgress(this, context, () => WasmRuntime.Shared.Precompile(context, options), _stop.Token);
            WasmRunCommandBase.WriteWarmup(this, context.ContextId, warmup);
        }
        WriteObject(context);
    }
}
