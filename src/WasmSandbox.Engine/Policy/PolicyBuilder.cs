namespace WasmSandbox;

/// <summary>
/// Computes the <see cref="SandboxPolicy"/> of one start from its options: checks every limit against its documented
/// range, resolves the working directory and the mounts once, and decides each preopen's permission. Every refusal is
/// a <see cref="WasmConfigurationException"/> thrown before anything is registered or started.
/// </summary>
internal static class PolicyBuilder
{
    public static SandboxPolicy Build(WasmExecutionOptions options, string workingDirectory)
    {
        var limits = BuildLimits(options);
        ValidateEnvironment(options);
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
            preopens.Add(new SandboxPreopen(workingDirectory, "/", writable, SandboxPreopenSource.WorkingDirectory, workingDirectory));
            foreach (var spec in options.Mounts)
            {
                var mount = MountSpec.Parse(spec, workingDirectory);
                preopens.Add(new SandboxPreopen(mount.HostPath, mount.GuestPath, writable && !mount.ReadOnly, SandboxPreopenSource.Mount, spec));
            }
        }
        // Recorded before anything runs, so the compile cache refuses a folder a guest may write from now on.
        foreach (var preopen in preopens.Where(p => p.Writable))
        {
            GrantedFolders.AddWritable(preopen.HostPath);
        }
        return new SandboxPolicy(tier, preopens, limits);
    }

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
