namespace WasmSandbox;

/// <summary>
/// Every bound on what one execution may make the host spend, with the documented ranges the user-facing limits are
/// checked against (the policy builder refuses a value outside them before anything starts).
/// </summary>
public sealed record SandboxLimits
{
    /// <summary>Smallest and largest <c>-MaxMemory</c>: one WebAssembly page to the 4 GiB a 32-bit memory can address.</summary>
    public const long MinMemoryBytes = 64 * 1024;
    public const long MaxMemoryBytesLimit = 16L * 1024 * 1024 * 1024;

    /// <summary>Smallest and largest <c>-Timeout</c> (besides <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>, no deadline).</summary>
    public static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(1);
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(24);

    /// <summary>Default and largest <c>-MaxOpenFiles</c>: descriptors one guest may hold open at once (beyond its stdio).</summary>
    public const int DefaultMaxOpenFiles = 256;
    public const int MaxOpenFilesLimit = 4096;

    /// <summary>Largest iovec count one fd_read/fd_write accepts (Linux's IOV_MAX); more is EINVAL.</summary>
    public const int MaxIovecs = 1024;

    /// <summary>Largest subscription count one poll_oneoff accepts; more is EINVAL (as Linux's poll past its descriptor
    /// limit), so one call's host copy stays bounded whatever the guest's memory.</summary>
    public const int MaxPollSubscriptions = 65536;

    /// <summary>Most bytes one fd_write to stdout/stderr copies out of guest memory; the rest is a short write.</summary>
    public const int MaxBytesPerCall = 1024 * 1024;

    /// <summary>Largest <c>-MaxMemory</c> accepted, in bytes (total of linear memories and tables).</summary>
    public long MaxMemoryBytes { get; init; } = WasmExecutionOptions.DefaultMaxMemoryBytes;

    /// <summary>Fuel budget; null runs unmetered.</summary>
    public ulong? MaxFuel { get; init; }

    /// <summary>Wall-clock deadline; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> for none.</summary>
    public TimeSpan Timeout { get; init; } = WasmExecutionOptions.DefaultTimeout;

    /// <summary>Largest total of stdout and stderr bytes; null for no limit.</summary>
    public long? MaxOutputBytes { get; init; }

    /// <summary>Largest number of unreceived output bytes (including per-event overhead) before the guest waits.</summary>
    public long OutputBufferBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>Descriptors the guest may hold open at once, beyond fds 0-2 and its preopens.</summary>
    public int MaxOpenFiles { get; init; } = DefaultMaxOpenFiles;

    public override string ToString() =>
        $"memory {Bytes(MaxMemoryBytes)}, fuel {(MaxFuel?.ToString() ?? "unmetered")}, timeout {Seconds(Timeout)}, " +
        $"output {(MaxOutputBytes is long max ? Bytes(max) : "unlimited")}, open files {MaxOpenFiles}";

    /// <summary>A timeout as a person writes it: "60 s", "0.5 s", "none"; the unit -Timeout takes.</summary>
    public static string Seconds(TimeSpan timeout) =>
        timeout == System.Threading.Timeout.InfiniteTimeSpan ? "none" : $"{timeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} s";

    /// <summary>What ending at <see cref="Timeout"/> means and how to change it: the note of a timed-out run.</summary>
    public string TimeoutNote =>
        (Timeout == WasmExecutionOptions.DefaultTimeout ? $"the default timeout of {Seconds(Timeout)}" : $"the timeout of {Seconds(Timeout)}") +
        " expired and the guest was ended; give -Timeout in seconds (e.g. -Timeout 300) for a longer run, or -Timeout -1 for none";

    private static string Bytes(long n) =>
        n >= 1L << 30 && n % (1L << 30) == 0 ? $"{n >> 30} GiB"
        : n >= 1L << 20 && n % (1L << 20) == 0 ? $"{n >> 20} MiB"
        : n >= 1L << 10 && n % (1L << 10) == 0 ? $"{n >> 10} KiB"
        : $"{n} bytes";
}
