using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>Lists the contexts this runspace made (with -AllRunspaces, every runspace's), optionally by id (wildcards allowed).</summary>
[Cmdlet(VerbsCommon.Get, "WasmContext")]
[OutputType(typeof(WasmContext))]
public sealed class GetWasmContextCommand : PSCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("ContextId")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ContextIdCompleter))]
    public string[]? Id { get; set; }

    /// <summary>List the contexts of every runspace in the process, not only this runspace's.</summary>
    [Parameter]
    public SwitchParameter AllRunspaces { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var context in IdFilter.Select(this, AllRunspaces ? WasmRegistry.Contexts : WasmRegistry.ContextsOf(RunspaceOwner.Current), Id, c => c.ContextId, "context"))
        {
            WriteObject(context);
        }
    }
}
