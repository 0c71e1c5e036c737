namespace WasmSandbox;

/// <summary>Everything that shapes one execution. Defaults match the cmdlet defaults.</summary>
public sealed class WasmExecutionOptions
{
    public const long DefaultMaxMemoryBytes = 256L * 1024 * 1024;
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Arguments after argv[0] (argv[0] is the module's file name).</summary>
    public IReadOnlyList<string> Arguments { get; init; } = Array.Empty<string>();

    /// <summary>The guest's whole environment. Nothing else reaches it, and nothing in it configures the sandbox.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; } = Array.Empty<KeyValuePair<string, string>>();

    /// <summary>Host directory used for a relative module path, and preopened as "/" from <see cref="WasmPermissionTier.ReadOnly"/> up. Defaults to the process's current directory.</summary>
    public string? WorkingDirectory { get; init; }

    public WasmPermissionTier PermissionTier { get; init; } = WasmPermissionTier.Isolated;

    /// <summary>Extra preopens, <c>hostDir:guestDir[:ro]</c>.</summary>
    public IReadOnlyList<string> Mounts { get; init; } = Array.Empty<string>();

    /// <summary>Fuel budget; null runs unmetered (faster).</summary>
    public ulong? MaxFuel { get; init; }

    /// <summary>Largest linear memory, in bytes.</summary>
    public long MaxMemoryBytes { get; init; } = DefaultMaxMemoryBytes;

    /// <summary>Wall-clock limit; <see cref="Timeout.InfiniteTimeSpan"/> for none.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>Largest total of stdout and stderr bytes; null for no limit.</summary>
    public long? MaxOutputBytes { get; init; }

    /// <summary>The vm to start under; null means the context's own.</summary>
    public string? VmId { get; init; }

    public WasmStdioMode StdioMode { get; init; } = WasmStdioMode.Events;

    /// <summary>Descriptors the guest may hold open at once beyond its stdio and preopens (<c>-MaxOpenFiles</c>).</summary>
    public int MaxOpenFiles { get; init; } = SandboxLimits.DefaultMaxOpenFiles;

    /// <summary>
    /// Which compiler tiers the start may use while no optimized code for the module is cached; see
    /// <see cref="WasmCompilePolicy"/>. <see cref="WasmCompilePolicy.Tiered"/> by default.
    /// </summary>
    public WasmCompilePolicy CompilePolicy { get; init; } = WasmCompilePolicy.Tiered;

    /// <summary>What the guest's clocks read (<c>-Clock</c>): virtual by default.</summary>
    public SandboxClockMode Clock { get; init; } = SandboxClockMode.Virtual;

    /// <summary>Where a virtual clock starts (<c>-ClockStart</c>); null for the execution's start instant.</summary>
    public DateTimeOffset? ClockStart { get; init; }

    /// <summary>Seeds random_get for a reproducible run (<c>-RandomSeed</c>); null for the host's cryptographic generator.</summary>
    public long? RandomSeed { get; init; }

    /// <summary>
    /// The stdio streams that are an interactive terminal the guest may treat as one (fd_fdstat_get reports a
    /// character device, so isatty() is true). None by default: captured stdio is never a terminal.
    /// </summary>
    public WasmStdioStreams TerminalStreams { get; init; } = WasmStdioStreams.None;

    /// <summary>
    /// Who the execution belongs to, as an opaque key compared with <see cref="object.Equals(object?, object?)"/>:
    /// <see cref="WasmRegistry"/> lists and releases executions per owner. Null belongs to nobody in particular.
    /// </summary>
    public object? Owner { get; init; }

    /// <summary>Largest number of unreceived output bytes before the guest is made to wait (back-pressure).</summary>
    public long OutputBufferBytes { get; init; } = 16L * 1024 * 1024;
}
