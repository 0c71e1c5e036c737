using System.Collections;
using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>
/// What the cmdlets that start a guest (Start-WasmExecution, Invoke-WasmModule) share: the sandbox settings (declared
/// in <see cref="WasmRunSettingsCommandBase"/>), stdin from the pipeline, their translation into engine options and
/// the start; each cmdlet adds how the module is named and what it does with the run.
/// </summary>
public abstract class WasmRunCommandBase : WasmRunSettingsCommandBase
{
    private protected readonly CancellationTokenSource Cancellation = new();

    /// <summary>The guest's arguments after argv[0]; each cmdlet declares how they bind.</summary>
    private protected abstract string[] GuestArguments { get; }

    [Parameter(ValueFromPipeline = true)]
    [AllowNull]
    [AllowEmptyString]
    public object? InputObject { get; set; }

    private protected WasmExecutionOptions BuildOptions(string? vmId = null, WasmStdioMode mode = WasmStdioMode.Events,
        WasmStdioStreams terminal = WasmStdioStreams.None) => new()
    {
        TerminalStreams = terminal,
        Arguments = GuestArguments,
        Environment = EnvironmentEntries(),
        WorkingDirectory = WorkingDirectory is null
            ? SessionState.Path.CurrentFileSystemLocation.ProviderPath
            : GetUnresolvedProviderPathFromPSPath(WorkingDirectory),
        PermissionTier = PermissionTier,
        Mounts = Array.ConvertAll(Mount, ResolveMountHost),
        MaxFuel = MyInvocation.BoundParameters.ContainsKey(nameof(MaxFuel)) ? MaxFuel : null,
        MaxMemoryBytes = MaxMemory,
        Timeout = Timeout,
        MaxOutputBytes = MyInvocation.BoundParameters.ContainsKey(nameof(MaxOutputBytes)) ? MaxOutputBytes : null,
        MaxOpenFiles = MaxOpenFiles,
        VmId = vmId,
        StdioMode = mode,
        Clock = Clock,
        ClockStart = MyInvocation.BoundParameters.ContainsKey(nameof(ClockStart)) ? ClockStart : null,
        RandomSeed = MyInvocation.BoundParameters.ContainsKey(nameof(RandomSeed)) ? RandomSeed : null,
        CompilePolicy = CompilePolicy,
        Owner = RunspaceOwner.Current,
    };

    /// <summary>Starts the guest; a refusal becomes a terminating error with the engine's id and category.</summary>
    private protected WasmExecution StartOrThrow(WasmContext context, WasmExecutionOptions options)
    {
        var execution = WithCompileProgress(context, () => WasmRuntime.Shared.Start(context, options), started => started.Stop(),
            options.CompilePolicy switch
            {
                WasmCompilePolicy.Optimized => OptimizedCompile,
                WasmCompilePolicy.Baseline => BaselineOnlyCompile,
                _ => BaselineCompile,
            });
        WriteWarmup(this, $"{execution.ExecutionId}: {execution.ResolvedModulePath}, permission tier {options.PermissionTier}", execution.Warmup);
        return execution;
    }

    /// <summary>The warmup facts as verbose lines: what was compiled or loaded, from where, and any cache note.</summary>
    internal static void WriteWarmup(PSCmdlet cmdlet, string subject, WasmWarmup warmup)
    {
        cmdlet.WriteVerbose($"{subject}; module {warmup.Origin}; " +
            $"{warmup.Tier.ToString().ToLowerInvariant()} code{(warmup.OptimizedPending ? " (optimized code being compiled in the background)" : "")}; " +
            $"cache {warmup.CompileCacheDir ?? "off"}");
        if (warmup.Note is { } note)
        {
            cmdlet.WriteVerbose(note);
        }
    }

    /// <summary>
    /// Runs a start or precompile off the pipeline thread so a cold compile that takes a while shows progress and
    /// Ctrl+C (<paramref name="stop"/>) returns at once; the typed refusals become terminating errors with the
    /// engine's id and category. A compile cannot be interrupted, so after Ctrl+C it finishes in the background and
    /// <paramref name="abandon"/> undoes its result (a start that succeeds late is stopped at once).
    /// </summary>
    internal static T WithCompileProgress<T>(PSCmdlet cmdlet, WasmContext context, Func<T> work, CancellationToken stop, Action<T>? abandon = null,
        string compiling = OptimizedCompile)
    {
        var task = Task.Run(work);
        var shown = false;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var progress = new ProgressRecord(0x5741534d, $"Compiling {System.IO.Path.GetFileName(context.ModulePath)}", compiling);
        var handles = new[] { ((IAsyncResult)task).AsyncWaitHandle, stop.WaitHandle };
        // Waits without observing the task: a refusal must surface below as the engine's own exception.
        while (WaitHandle.WaitAny(handles, TimeSpan.FromMilliseconds(250)) != 0)
        {
            if (stop.IsCancellationRequested)
            {
                task.ContinueWith(t => abandon?.Invoke(t.Result), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
                throw new PipelineStoppedException();
            }
            if (clock.Elapsed > TimeSpan.FromMilliseconds(500))
            {
                progress.StatusDescription = $"{compiling} ({clock.Elapsed.TotalSeconds:0.0} s)";
                cmdlet.WriteProgress(progress);
                shown = true;
            }
        }
        if (shown)
        {
            progress.RecordType = ProgressRecordType.Completed;
            cmdlet.WriteProgress(progress);
        }
        try
        {
            return task.GetAwaiter().GetResult();
        }
        catch (WasmSandboxException e)
        {
            cmdlet.ThrowTerminatingError(ErrorRecords.From(e, context));
            throw; // not reached: ThrowTerminatingError always throws
        }
    }

    private T WithCompileProgress<T>(WasmContext context, Func<T> work, Action<T>? abandon, string compiling) =>
        WithCompileProgress(this, context, work, Cancellation.Token, abandon, compiling);

    /// <summary>What the progress bar says a foreground compile is doing.</summary>
    internal const string OptimizedCompile = "compiling optimized code with Cranelift";

    private const string BaselineCompile = "compiling baseline code with Winch (optimized code follows in the background)";

    private const string BaselineOnlyCompile = "compiling baseline code with Winch";

    /// <summary>Feeds the current pipeline object to the guest's stdin, if one was bound.</summary>
    private protected void FeedInput(WasmExecution execution)
    {
        if (!MyInvocation.BoundParameters.ContainsKey(nameof(InputObject)) || execution.State != WasmExecutionState.Running)
        {
            return;
        }
        try
        {
            execution.WriteInput(InputConverter.ToStdin(InputObject));
        }
        catch (InvalidOperationException)
        {
            // The guest ended while input was still arriving; like a closed pipe, the rest has nowhere to go.
        }
    }

    /// <summary>
    /// Resolves a mount's host part through the PowerShell provider (so TestDrive:\data, ~/data and paths relative to
    /// the current location work), keeping the rest of the spec as written; a spec that does not parse goes to the
    /// engine unchanged, which refuses it with the reason.
    /// </summary>
    private string ResolveMountHost(string spec)
    {
        MountSpec mount;
        try
        {
            mount = MountSpec.Parse(spec);
        }
        catch (WasmConfigurationException)
        {
            return spec;
        }
        string host = SessionState.Path.GetUnresolvedProviderPathFromPSPath(mount.HostPath, out var provider, out _);
        if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
        {
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException($"mount '{spec}': '{mount.HostPath}' is a path of the {provider.Name} provider, not a file-system directory"),
                "MountNotFileSystem", ErrorCategory.InvalidArgument, spec));
        }
        return host + spec[mount.HostPath.Length..]; // the host part as written comes first; the rest stays as written
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
