using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>Forgets contexts; a removed context can no longer start (running executions are not affected).</summary>
[Cmdlet(VerbsCommon.Remove, "WasmContext", SupportsShouldProcess = true, DefaultParameterSetName = ContextSet)]
[OutputType(typeof(void))]
public sealed class RemoveWasmContextCommand : PSCmdlet
{
    private const string ContextSet = "Context";
    private const string IdSet = "Id";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ContextSet)]
    [ValidateNotNull]
    [ContextArgument]
    [ArgumentCompleter(typeof(ContextIdCompleter))]
    public WasmContext[] Context { get; set; } = Array.Empty<WasmContext>();

    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ContextIdCompleter))]
    public string[] Id { get; set; } = Array.Empty<string>();

    protected override void ProcessRecord()
    {
        var targets = ParameterSetName == IdSet
            ? IdFilter.Select(this, WasmRegistry.ContextsOf(RunspaceOwner.Current), Id, c => c.ContextId, "context").ToArray()
            : Context;
        foreach (var context in targets)
        {
            if (ShouldProcess($"{context.ContextId} ({context.ModulePath})", "Remove WebAssembly context"))
            {
                WasmRegistry.Remove(context);
            }
        }
    }
}
