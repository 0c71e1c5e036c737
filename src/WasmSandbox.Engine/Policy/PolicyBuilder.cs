namespace WasmSandbox;

/// <summary>
/// Computes the <see cref="SandboxPolicy"/> of one start from its options: checks every limit against its documented
/// range, resolves the working directory and the mounts once, and decides each preopen's permission. Every refusal is
/// a <see cref="WasmConfigurationException"/> thrown before anything is registered or started.
/// </summary>
internal static class PolicyBuilder
{
    /// <param name="options">The start's options.</param>
    /// <param name="workingDirectory">The resolved working directory (the guest's <c>/</c> from ReadOnly up).</param>
    /// <param name="kind">What runs: a component (<see cref="WasmModuleKind.Component"/>) gets the same preopens,
    /// arguments, environment and limits as a core module, but runs on Wasmtime's own WASI preview 2, which the
    /// sandbox cannot shadow: its clocks and random source are the host's, so its policy says
    /// <see cref="SandboxClockMode.Real"/>, and what only the core-module host provides (<c>host_process</c>, SyncRpc,
    /// a virtual clock's start, a random seed) is refused by name.</param>
    public static SandboxPolicy Build(WasmExecutionOptions options, string workingDirectory, WasmModuleKind kind = WasmModuleKind.CoreModule)
    {
        var limits = BuildLimits(options);
        ValidateEnvironment(options);
        if (kind == WasmModuleKind.Component)
        {
            ComponentRules.Validate(options);
        }
        var tier = options.PermissionTier;
        if (options.Mounts.Count > 0 && tier < WasmPermissionTier.ReadOnly)
        {
            throw new WasmConfigurationException("MountRequiresFileAccess",
                $"-Mount needs -PermissionTier ReadOnly or higher; the {tier} tier sees no files");
        }
        var preopens = new List<SandboxPreopen>();
        if (tier >= WasmPermissionTier.ReadOnly)
        {
            bool writable = tier >= WasmPermissionTier.ReadWrite;
            string root = HostDirectoryResolver.Resolve(workingDirectory, "working directory");
            preopens.Add(new SandboxPreopen(root, "/", writable, SandboxPreopenSource.WorkingDirectory, workingDirectory));
            foreach (var spec in options.Mounts)
            {
                var mount = MountSpec.Parse(spec);
                string host = HostDirectoryResolver.Resolve(Path.GetFullPath(mount.HostPath, workingDirectory), $"mount '{spec}'");
                var preopen = new SandboxPreopen(host, mount.GuestPath, writable && !mount.ReadOnly, SandboxPreopenSource.Mount, spec);
                CheckAgainstOthers(preopen, preopens);
                preopens.Add(preopen);
            }
        }
        ValidateClock(options);
        if (kind == WasmModuleKind.Component)
        {
            return new SandboxPolicy(tier, preopens, limits, SandboxClockMode.Real, clockStart: null, randomSeed: null, WasmStdioStreams.None);
        }
        return new SandboxPolicy(tier, preopens, limits, options.Clock, options.ClockStart, options.RandomSeed, options.TerminalStreams);
    }

    private static void ValidateClock(WasmExecutionOptions options)
    {
        if (!Enum.IsDefined(options.Clock))
        {
            throw new WasmConfigurationException("InvalidClock", $"-Clock must be Virtual or Real, not '{options.Clock}'");
        }
        if (options.ClockStart is not DateTimeOffset start)
        {
            return;
        }
        if (options.Clock != SandboxClockMode.Virtual)
        {
            throw new WasmConfigurationException("ClockStartNeedsVirtualClock",
                "-ClockStart sets where the virtual clock starts; it cannot be used with -Clock Real, which reads the host's clock");
        }
        if (start < GuestClock.Earliest || start > GuestClock.Latest)
        {
            throw new WasmConfigurationException("InvalidClockStart",
                $"-ClockStart must be between {GuestClock.Earliest:o} and {GuestClock.Latest:o} (WASI counts time in 64-bit nanoseconds since 1970), not {start:o}");
        }
    }

    /// <summary>
    /// Two grants of one guest path are ambiguous; a read-only grant that lies inside a writable one (or holds one)
    /// would be writable through the other, so the overlap is refused rather than silently made writable.
    /// </summary>
    private static void CheckAgainstOthers(SandboxPreopen preopen, List<SandboxPreopen> earlier)
    {
        foreach (var other in earlier)
        {
            if (other.GuestPath == preopen.GuestPath)
            {
                throw new WasmConfigurationException("DuplicateMount",
                    $"{Describe(preopen)} and {Describe(other)} both claim the guest path {preopen.GuestPath}");
            }
            if (preopen.Writable == other.Writable)
            {
                continue;
            }
            var (ro, rw) = preopen.Writable ? (other, preopen) : (preopen, other);
            if (GrantedFolders.IsWithin(ro.HostPath, rw.HostPath) || GrantedFolders.IsWithin(rw.HostPath, ro.HostPath))
            {
                throw new WasmConfigurationException("OverlappingMount",
                    $"{Describe(ro)} is read-only but overlaps {Describe(rw)}, which is writable ('{ro.HostPath}' and '{rw.HostPath}'); " +
                    "the guest could write the read-only files through the writable grant. Mount a folder outside the writable one, or use -PermissionTier ReadOnly");
            }
        }
    }

    private static string Describe(SandboxPreopen p) =>
        p.Source == SandboxPreopenSource.WorkingDirectory ? $"the working directory (guest /)" : $"mount '{p.Spec}'";

    private static SandboxLimits BuildLimits(WasmExecutionOptions options)
    {
        if (options.MaxMemoryBytes is < SandboxLimits.MinMemoryBytes or > SandboxLimits.MaxMemoryBytesLimit)
        {
            throw new WasmConfigurationException("InvalidMaxMemory",
                $"-MaxMemory must be between {SandboxLimits.MinMemoryBytes} bytes (one page) and {SandboxLimits.MaxMemoryBytesLimit} bytes (16 GiB), not {options.MaxMemoryBytes}");
        }
        if (options.Timeout != Timeout.InfiniteTimeSpan && (options.Timeout < SandboxLimits.MinTimeout || options.Timeout > SandboxLimits.MaxTimeout))
        {
            throw new WasmConfigurationException("InvalidTimeout",
                $"-Timeout must be between {SandboxLimits.MinTimeout} and {SandboxLimits.MaxTimeout} (or infinite), not {options.Timeout}");
        }
        if (options.MaxOutputBytes is < 0)
        {
            throw new WasmConfigurationException("InvalidMaxOutputBytes", $"-MaxOutputBytes must not be negative, not {options.MaxOutputBytes}");
        }
        if (options.MaxOpenFiles is < 1 or > SandboxLimits.MaxOpenFilesLimit)
        {
            throw new WasmConfigurationException("InvalidMaxOpenFiles",
                $"-MaxOpenFiles must be between 1 and {SandboxLimits.MaxOpenFilesLimit}, not {options.MaxOpenFiles}");
        }
        if (options.OutputBufferBytes < 1)
        {
            throw new WasmConfigurationException("InvalidOutputBuffer", $"the output buffer must be positive, not {options.OutputBufferBytes}");
        }
        return new SandboxLimits
        {
            MaxMemoryBytes = options.MaxMemoryBytes,
            MaxFuel = options.MaxFuel,
            Timeout = options.Timeout,
            MaxOutputBytes = options.MaxOutputBytes,
            OutputBufferBytes = options.OutputBufferBytes,
            MaxOpenFiles = options.MaxOpenFiles,
        };
    }

    private static void ValidateEnvironment(WasmExecutionOptions options)
    {
        // A C string ends at NUL: the guest would see a shorter argument than the one given, silently.
        for (int i = 0; i < options.Arguments.Count; i++)
        {
            if (options.Arguments[i].Contains('\0'))
            {
                throw new WasmConfigurationException("InvalidArgumentList",
                    $"argument {i + 1} contains a NUL character, which a guest cannot receive (its argv strings end at NUL)");
            }
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
