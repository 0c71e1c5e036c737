using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>
/// Creates a handle on a module file that executions start from: one context per file, from -Path, -LiteralPath or
/// the pipeline (strings, or Get-Item / Get-ChildItem output through its PSPath); or, with -Bytes and -Name, one on a
/// module held in memory, so a module can be sent to a remote session in an argument.
/// </summary>
[Cmdlet(VerbsCommon.New, "WasmContext", DefaultParameterSetName = PathSet)]
[OutputType(typeof(WasmContext))]
public sealed class NewWasmContextCommand : PSCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";
    private const string BytesSet = "Bytes";

    /// <summary>
    /// The module path. A plain relative path is kept exactly as given and resolved at each start against that
    /// execution's working directory; a path with a drive ('TestDrive:\x'), a home ('~') or wildcards is resolved
    /// through the provider now.
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Like -Path without wildcards; binds the PSPath of Get-Item and Get-ChildItem output.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [ValidateNotNullOrEmpty]
    [Alias("PSPath", "LP")]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    /// <summary>The module itself: WebAssembly binary, or WebAssembly text when -Name ends in .wat.</summary>
    [Parameter(Mandatory = true, ParameterSetName = BytesSet)]
    [ValidateNotNull]
    public byte[] Bytes { get; set; } = Array.Empty<byte>();

    /// <summary>The file name that stands for a module made from -Bytes in views, results and messages (tool.wasm).</summary>
    [Parameter(Mandatory = true, ParameterSetName = BytesSet)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string VmId { get; set; } = WasmContext.DefaultVmId;

    /// <summary>Compile the module now (into the memory and disk caches), so the first start is warm.</summary>
    [Parameter]
    public SwitchParameter Precompile { get; set; }

    private readonly CancellationTokenSource _stop = new();

    protected override void StopProcessing() => _stop.Cancel();

    protected override void ProcessRecord()
    {
        if (ParameterSetName == BytesSet)
        {
            WasmContext context;
            try
            {
                context = WasmContext.FromBytes(Bytes, Name, VmId, RunspaceOwner.Current);
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, "NewWasmContextInvalidName", ErrorCategory.InvalidArgument, Name));
                return;
            }
            Finish(context);
            return;
        }
        bool literal = ParameterSetName == LiteralPathSet;
        foreach (var given in literal ? LiteralPath : Path)
        {
            foreach (var modulePath in ModulePaths(given, literal))
            {
                Create(modulePath);
            }
        }
    }

    /// <summary>What each given path becomes in a context: kept as given when plain relative, else provider-resolved.</summary>
    private IEnumerable<string> ModulePaths(string given, bool literal)
    {
        if (!literal && WildcardPattern.ContainsWildcardCharacters(given))
        {
            return ModulePathResolver.ResolveFiles(this, given, literal: false);
        }
        if (ModulePathResolver.IsPlainRelative(this, given))
        {
            return new[] { given };
        }
        try
        {
            string full = ModulePathResolver.ResolveLiteral(this, given);
            ModulePathResolver.ThrowIfDirectory(full);
            return new[] { full };
        }
        catch (WasmSandboxException e)
        {
            WriteError(ErrorRecords.From(e, given));
            return Array.Empty<string>();
        }
    }

    private void Create(string modulePath) => Finish(new WasmContext(modulePath, VmId, RunspaceOwner.Current));

    private void Finish(WasmContext context)
    {
        if (Precompile)
        {
            var options = new WasmExecutionOptions { WorkingDirectory = SessionState.Path.CurrentFileSystemLocation.ProviderPath };
            try
            {
                var warmup = WasmRunCommandBase.WithCompileProgress(this, context, () => WasmRuntime.Shared.Precompile(context, options), _stop.Token);
                WasmRunCommandBase.WriteWarmup(this, context.ContextId, warmup);
            }
            catch
            {
                // A module that cannot compile gives no context: nothing is left behind for Get-WasmContext.
                WasmRegistry.Remove(context);
                throw;
            }
        }
        WriteObject(context);
    }
}
