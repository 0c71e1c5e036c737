using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text;

namespace WasmSandbox.Commands;

/// <summary>
/// Gives a module a command name, like an executable on the PATH: defines a function in the caller's scope that runs
/// the module with Invoke-WasmModule under the settings given here and passes every argument through untouched. The
/// function is plain PowerShell (Get-Command shows its definition); it holds no context or execution between runs,
/// so removing it (Remove-Item Function:\name) leaves nothing behind.
/// </summary>
[Cmdlet(VerbsCommon.New, "WasmCommand", SupportsShouldProcess = true)]
[OutputType(typeof(FunctionInfo))]
public sealed class NewWasmCommandCommand : WasmRunSettingsCommandBase
{
    // The parameters the function passes on to Invoke-WasmModule as given; the rest are this cmdlet's own.
    private static readonly string[] s_settings =
    {
        nameof(Environment), nameof(WorkingDirectory), nameof(PermissionTier), nameof(Mount), nameof(MaxFuel),
        nameof(MaxMemory), nameof(Timeout), nameof(MaxOutputBytes), nameof(MaxOpenFiles), nameof(Clock), nameof(ClockStart),
        nameof(RandomSeed), nameof(CompilePolicy),
    };

    /// <summary>The command name, e.g. sqlite3.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidatePattern(@"^[\p{L}\p{N}_][\p{L}\p{N}_.\-]*$")]
    public string Name { get; set; } = "";

    /// <summary>The module file; resolved now, so the command runs the same file from any location.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Local (the default: the caller's scope, like New-Alias), Script or Global.</summary>
    [Parameter]
    [ValidateSet("Local", "Script", "Global")]
    public string Scope { get; set; } = "Local";

    /// <summary>Replace a function of that name in that scope.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        string modulePath = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path, out var provider, out _);
        if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider) || !File.Exists(modulePath))
        {
            ThrowTerminatingError(new ErrorRecord(
                new FileNotFoundException($"New-WasmCommand {Name}: the module '{Path}' is not a file ({modulePath}).", modulePath),
                "WasmCommandModuleNotFound", ErrorCategory.ObjectNotFound, Path));
        }
        string qualified = Scope == "Local" ? Name : $"{Scope.ToLowerInvariant()}:{Name}";
        if (!Force && SessionState.InvokeCommand.GetCommand(Name, CommandTypes.Function) is FunctionInfo)
        {
            ThrowTerminatingError(new ErrorRecord(
                new InvalidOperationException($"A function named '{Name}' already exists here; use -Force to define the wasm command anyway."),
                "WasmCommandNameInUse", ErrorCategory.ResourceExists, Name));
        }
        if (!ShouldProcess(Name, $"Define a command that runs {modulePath} in the sandbox"))
        {
            return;
        }
        var body = ScriptBlock.Create(Definition(modulePath));
        SessionState.InvokeProvider.Item.Set(@"Function:\" + qualified, body);
        var defined = SessionState.InvokeCommand.GetCommand(Name, CommandTypes.Function) as FunctionInfo;
        if (defined is not null)
        {
            defined.Description = $"Runs {modulePath} in WasmSandbox (New-WasmCommand)";
        }
        if (PassThru)
        {
            WriteObject(defined);
        }
    }

    /// <summary>
    /// The function's script: a steppable pipeline so pipeline input streams to the guest's stdin as it arrives, the
    /// arguments as one -ArgumentList value so none binds to Invoke-WasmModule's own parameters (a splatted array's
    /// "-m" would, even after "--"), and a last statement that makes $? false after a
    /// non-zero exit (a function's $? reflects only what the function itself reports).
    /// </summary>
    private string Definition(string modulePath)
    {
        var call = new StringBuilder("WasmSandbox\\Invoke-WasmModule -Path ").Append(Literal(modulePath));
        foreach (var name in s_settings)
        {
            if (MyInvocation.BoundParameters.TryGetValue(name, out var value))
            {
                call.Append(" -").Append(name).Append(' ').Append(Literal(value));
            }
        }
        call.Append(" -ArgumentList $wasmArguments");
        return $$"""
            # Defined by New-WasmCommand: runs {{Literal(modulePath)}} in WasmSandbox; every argument goes to the guest.
            begin {
                $wasmArguments = $args
                $wasmPipeline = { {{call}} }.GetSteppablePipeline($MyInvocation.CommandOrigin)
                $wasmPipeline.Begin($MyInvocation.ExpectingInput)
            }
            process {
                if ($MyInvocation.ExpectingInput) { $wasmPipeline.Process($_) }
            }
            end {
                $wasmPipeline.End()
                [WasmSandbox.Commands.WasmCommandStatus]::Report($ExecutionContext, $LASTEXITCODE)
            }
            """;
    }

    /// <summary>A value as PowerShell source that binds back to the same parameter value.</summary>
    private static string Literal(object? value) => (value is PSObject wrapped ? wrapped.BaseObject : value) switch
    {
        null => "$null",
        string s => "'" + CodeGeneration.EscapeSingleQuotedStringContent(s) + "'",
        TimeSpan t when t == System.Threading.Timeout.InfiniteTimeSpan => "-1",
        TimeSpan t => "'" + t.ToString("c", CultureInfo.InvariantCulture) + "'",
        Enum e => "'" + e + "'",
        DateTimeOffset d => "'" + d.ToString("o", CultureInfo.InvariantCulture) + "'",
        IDictionary d => "@{ " + string.Join("; ", d.Cast<DictionaryEntry>().Select(entry => $"{Literal(LanguagePrimitives.ConvertTo<string>(entry.Key))} = {Literal(LanguagePrimitives.ConvertTo<string>(entry.Value) ?? "")}")) + " }",
        string[] items => "@(" + string.Join(", ", items.Select(Literal)) + ")",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var other => Literal(other.ToString()),
    };
}
