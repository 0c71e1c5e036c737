using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>
/// Inspects module files without running them: what they are, what they import and export, and whether they can
/// run under a tier and memory limit — with the same wording as the refusals of Start-WasmExecution.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "WasmModule", DefaultParameterSetName = PathSet)]
[OutputType(typeof(WasmModuleReport), typeof(bool))]
public sealed class TestWasmModuleCommand : PSCmdlet, IDisposable
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [ValidateNotNullOrEmpty]
    [Alias("PSPath", "FullName", "LP")]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    [Parameter]
    public WasmPermissionTier PermissionTier { get; set; } = WasmPermissionTier.Isolated;

    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long MaxMemory { get; set; } = WasmExecutionOptions.DefaultMaxMemoryBytes;

    [Parameter]
    public SwitchParameter Quiet { get; set; }

    private readonly CancellationTokenSource _cancellation = new();

    protected override void StopProcessing() => _cancellation.Cancel();

    protected override void ProcessRecord()
    {
        foreach (var path in ResolvePaths())
        {
            WasmModuleReport report;
            try
            {
                report = Inspect(path, new WasmInspectionOptions { PermissionTier = PermissionTier, MaxMemoryBytes = MaxMemory });
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or WasmSandboxException)
            {
                var record = e is WasmSandboxException w
                    ? ErrorRecords.From(w, path)
                    : new ErrorRecord(e, "ModuleUnreadable", ErrorCategory.ReadError, path);
                WriteError(record);
                continue;
            }
            WriteObject(Quiet ? report.IsValid : report);
        }
    }

    /// <summary>
    /// Inspects off the pipeline thread so that Ctrl+C returns at once: the walk itself stops at the token, but
    /// Wasmtime's validation of a large valid module cannot be interrupted; it is left to finish on its own, bounded by
    /// the 256 MiB size cap.
    /// </summary>
    private WasmModuleReport Inspect(string path, WasmInspectionOptions options)
    {
        var token = _cancellation.Token;
        try
        {
            return Task.Run(() => ModuleSource.Inspect(path, options, token), token).WaitAsync(token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    public void Dispose() => _cancellation.Dispose();

    private IEnumerable<string> ResolvePaths() => ParameterSetName == LiteralPathSet
        ? LiteralPath.SelectMany(p => ModulePathResolver.ResolveFiles(this, p, literal: true))
        : Path.SelectMany(p => ModulePathResolver.ResolveFiles(this, p, literal: false));
}
