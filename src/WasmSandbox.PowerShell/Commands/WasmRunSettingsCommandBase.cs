using System.Collections;
using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>
/// The sandbox settings of a run — grants, environment and limits — declared once for every cmdlet that takes them:
/// those that start a guest (through <see cref="WasmRunCommandBase"/>) and New-WasmCommand, which writes them into the
/// command it defines.
/// </summary>
public abstract class WasmRunSettingsCommandBase : PSCmdlet
{
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

    // The limit ranges are the engine's (SandboxLimits), checked at binding so that a value out of range is a
    // parameter error before anything is created, registered or started.
    [Parameter]
    [ValidateRange(1, ulong.MaxValue)]
    public ulong MaxFuel { get; set; }

    [Parameter]
    [ValidateRange(SandboxLimits.MinMemoryBytes, SandboxLimits.MaxMemoryBytesLimit)]
    public long MaxMemory { get; set; } = WasmExecutionOptions.DefaultMaxMemoryBytes;

    [Parameter]
    [TimeoutTransformation]
    [ValidateTimeout]
    public TimeSpan Timeout { get; set; } = WasmExecutionOptions.DefaultTimeout;

    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long MaxOutputBytes { get; set; }

    [Parameter]
    [ValidateRange(1, SandboxLimits.MaxOpenFilesLimit)]
    public int MaxOpenFiles { get; set; } = SandboxLimits.DefaultMaxOpenFiles;

    [Parameter]
    public SandboxClockMode Clock { get; set; } = SandboxClockMode.Virtual;

    [Parameter]
    public DateTimeOffset ClockStart { get; set; }

    [Parameter]
    public long RandomSeed { get; set; }

    /// <summary>Tiered (default: baseline code first, optimized code compiled in the background), Optimized or Baseline.</summary>
    [Parameter]
    public WasmCompilePolicy CompilePolicy { get; set; } = WasmCompilePolicy.Tiered;
}
