namespace WasmSandbox;

/// <summary>
/// The process-wide sandbox: Wasmtime engines (created on first use), the compile cache and the epoch ticker.
/// <see cref="Start"/> checks and compiles on the caller's thread — so every refusal is an exception the caller sees —
/// then runs the guest on a thread of its own.
/// </summary>
public sealed class WasmRuntime
{
    private static readonly Lazy<WasmRuntime> s_shared = new(() => new WasmRuntime());

    private readonly Lazy<EngineProfile> _unmetered;
    private readonly Lazy<EngineProfile> _metered;
    private readonly ModuleCache _cache = new();
    private readonly EpochTicker _ticker;

    private WasmRuntime()
    {
        NativeLibraryResolver.Register();
        _unmetered = new(() => new EngineProfile(fuel: false, CompileInternal));
        _metered = new(() => new EngineProfile(fuel: true, CompileInternal));
        _ticker = new EpochTicker(CreatedEngines);
    }

    private Wasmtime.Module CompileInternal(EngineProfile profile, byte[] bytes, string name) =>
        _cache.GetOrCompile(profile, bytes, ModuleCache.Hash(bytes), name, name).Module;

    public static WasmRuntime Shared => s_shared.Value;

    private IEnumerable<Wasmtime.Engine> CreatedEngines()
    {
        if (_unmetered.IsValueCreated)
        {
            yield return _unmetered.Value.Engine;
        }
        if (_metered.IsValueCreated)
        {
            yield return _metered.Value.Engine;
        }
    }

    internal EngineProfile ProfileFor(WasmExecutionOptions options) => options.MaxFuel is null ? _unmetered.Value : _metered.Value;

    /// <summary>
    /// Starts <paramref name="context"/>'s module. Throws a <see cref="WasmSandboxException"/> for every refusal
    /// (vm mismatch, missing file, module checks, bad mount); once it returns, the guest's end is reported as events.
    /// </summary>
    public WasmExecution Start(WasmContext context, WasmExecutionOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        if (context.IsRemoved)
        {
            throw new WasmConfigurationException("ContextRemoved", $"context {context.ContextId} was removed; create a new one with New-WasmContext");
        }
        string vmId = options.VmId ?? context.VmId;
        if (vmId != context.VmId)
        {
            throw new WasmVmMismatchException(context.VmId, vmId);
        }
        ValidateLimits(options);
        string workingDirectory = ResolveWorkingDirectory(options);
        if (options.Mounts.Count > 0 && options.PermissionTier < WasmPermissionTier.ReadOnly)
        {
            throw new WasmConfigurationException("MountRequiresFileAccess",
                $"-Mount needs -PermissionTier ReadOnly or higher; the {options.PermissionTier} tier sees no files");
        }
        var mounts = options.Mounts.Select(m => MountSpec.Parse(m, workingDirectory)).ToArray();

        var profile = ProfileFor(options);
        var (module, resolvedPath, warmup, linkProblem) = ModuleLoader.Load(context, workingDirectory, options, profile, _cache);
        var execution = new WasmExecution(context, vmId, resolvedPath, options, warmup);
        WasmRegistry.Add(execution);
        new ExecutionRunner(execution, module, linkProblem, profile, options, workingDirectory, mounts, _ticker).Start();
        return execution;
    }

    /// <summary>
    /// Compiles <paramref name="context"/>'s module into the in-memory and on-disk caches without running it, so a
    /// runbook pays the compile once per machine. Applies the module checks of <see cref="Start"/>.
    /// </summary>
    public WasmWarmup Precompile(WasmContext context, WasmExecutionOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        return ModuleLoader.Precompile(context, ResolveWorkingDirectory(options), options, ProfileFor(options), _cache);
    }

    private static string ResolveWorkingDirectory(WasmExecutionOptions options)
    {
        string workingDirectory = Path.GetFullPath(options.WorkingDirectory ?? Environment.CurrentDirectory);
        if (!Directory.Exists(workingDirectory))
        {
            throw new WasmConfigurationException("WorkingDirectoryNotFound",
                $"working directory '{workingDirectory}' does not exist", workingDirectory);
        }
        return workingDirectory;
    }

    private static void ValidateLimits(WasmExecutionOptions options)
    {
        if (options.MaxMemoryBytes <= 0)
        {
            throw new WasmConfigurationException("InvalidMaxMemory", $"-MaxMemory must be a positive number of bytes, not {options.MaxMemoryBytes}");
        }
        if (options.Timeout != Timeout.InfiniteTimeSpan && options.Timeout <= TimeSpan.Zero)
        {
            throw new WasmConfigurationException("InvalidTimeout", $"-Timeout must be positive, not {options.Timeout}");
        }
        if (options.MaxOutputBytes is < 0)
        {
            throw new WasmConfigurationException("InvalidMaxOutputBytes", $"-MaxOutputBytes must not be negative, not {options.MaxOutputBytes}");
        }
        foreach (var kv in options.Environment)
        {
            if (string.IsNullOrEmpty(kv.Key) || kv.Key.Contains('=') || kv.Key.Contains('\0') || kv.Value.Contains('\0'))
            {
                throw new WasmConfigurationException("InvalidEnvironment",
                    $"environment entry '{kv.Key}' is invalid: names must be non-empty without '=' and neither part may contain NUL");
            }
        }
    }
}
