namespace WasmSandbox;

/// <summary>What a guest may see of the host's time.</summary>
public enum SandboxClockMode
{
    /// <summary>
    /// The default. Every clock starts at the execution's start instant (or <c>-ClockStart</c>) and advances only when
    /// the guest waits on a poll_oneoff clock subscription, by exactly the time it asked to wait; computation never
    /// moves it, so a guest cannot time itself or the host, and a run is reproducible.
    /// </summary>
    /// <remarks>
    /// The values start at 1 so that no combination PowerShell's enum conversion accepts ('Virtual,Real' is the two
    /// OR-ed) names a mode: it is refused instead of silently meaning Real.
    /// </remarks>
    Virtual = 1,

    /// <summary>The host's clocks, for programs that need real time (a guest can then time its own computation).</summary>
    Real = 2,
}

/// <summary>
/// Everything one execution is granted, computed once at start from the request and never changed: the preopens with
/// their permissions, the import modules linked, the sources of signal registrations, the limits and the clock. The
/// WASI configuration, the linker choice, the path functions' errno mapping, the output path and the report all read
/// this object; no other place decides a permission. A script reads it as <c>$execution.Policy</c>.
/// </summary>
public sealed class SandboxPolicy
{
    /// <summary>The signal source that is always on: control lines on the guest's stdout.</summary>
    public const string StdoutControlLines = "stdout control lines";

    /// <summary>The signal source of the Full tier: <c>host_process.proc_sigaction</c> calls.</summary>
    public const string ProcSigaction = "host_process.proc_sigaction";

    internal SandboxPolicy(WasmPermissionTier tier, IReadOnlyList<SandboxPreopen> preopens, SandboxLimits limits,
        SandboxClockMode clock, DateTimeOffset? clockStart, long? randomSeed, WasmStdioStreams terminalStreams)
    {
        TerminalStreams = terminalStreams;
        Clock = clock;
        ClockStart = clockStart;
        RandomSeed = randomSeed;
        Tier = tier;
        Preopens = preopens;
        Limits = limits;
        LinkedImports = SandboxImports.ModulesFor(tier);
        SignalSources = HostProcessLinked ? new[] { StdoutControlLines, ProcSigaction } : new[] { StdoutControlLines };
    }

    public WasmPermissionTier Tier { get; }

    /// <summary>The directories the guest sees, in preopen order (the working directory first, as <c>/</c>).</summary>
    public IReadOnlyList<SandboxPreopen> Preopens { get; }

    /// <summary>The import modules linked for the guest; an import from any other module fails to link.</summary>
    public IReadOnlyList<string> LinkedImports { get; }

    /// <summary>Whether <c>host_process</c> is linked.</summary>
    public bool HostProcessLinked => LinkedImports.Contains(SandboxImports.HostProcess);

    /// <summary>What becomes a signal-registration event.</summary>
    public IReadOnlyList<string> SignalSources { get; }

    public SandboxLimits Limits { get; }

    public SandboxClockMode Clock { get; }

    /// <summary>The instant a <see cref="SandboxClockMode.Virtual"/> clock starts at; null for the execution's own start.</summary>
    public DateTimeOffset? ClockStart { get; }

    /// <summary>The seed of a reproducible random_get stream; null for the host's cryptographic generator.</summary>
    public long? RandomSeed { get; }

    /// <summary>The stdio streams the guest is told are a terminal (an interactive console); captured streams never are.</summary>
    public WasmStdioStreams TerminalStreams { get; }

    /// <summary>Whether the guest can change any file (a writable preopen exists).</summary>
    public bool CanWrite => Preopens.Any(p => p.Writable);

    public override string ToString() =>
        $"{Tier}: {(Preopens.Count == 0 ? "no files" : string.Join(", ", Preopens))}; {Limits}; {DescribeClock()}";

    /// <summary>The clock and random source in words, as the execution list view shows them.</summary>
    public string DescribeClock()
    {
        string clock = Clock == SandboxClockMode.Virtual
            ? $"virtual clock from {(ClockStart is { } start ? start.ToString("o", System.Globalization.CultureInfo.InvariantCulture) : "the start")}"
            : "real clock";
        return RandomSeed is long seed ? $"{clock}, random seed {seed}" : clock;
    }
}
