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

    protected override void EndProcessing() => WriteObject(new WasmContext(Path, VmId));
}
