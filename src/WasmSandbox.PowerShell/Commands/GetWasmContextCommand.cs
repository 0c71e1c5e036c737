using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>Lists the contexts of this session, optionally by id (wildcards allowed).</summary>
[Cmdlet(VerbsCommon.Get, "WasmContext")]
[OutputType(typeof(WasmContext))]
public sealed class GetWasmContextCommand : PSCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("ContextId")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ContextIdNameCompleter))]
    public string[]? Id { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var context in IdFilter.Select(this, WasmRegistry.Contexts, Id, c => c.ContextId, "context"))
        {
            WriteObject(context);
        }
    }
}
