namespace WasmSandbox;

/// <summary>Where an execution's compiled module came from, and what getting it cost.</summary>
public sealed class WasmWarmup
{
    internal const string FromMemory = "memory";
    internal const string FromDisk = "disk";
    internal const string Compiled = "compiled";

    internal WasmWarmup(string source, string modulePath, string? compileCacheDir, TimeSpan compileTime, string? note,
        WasmCompileTier tier = WasmCompileTier.Optimized, bool optimizedPending = false)
    {
        Source = source;
        ModulePath = modulePath;
        CompileCacheDir = compileCacheDir;
        CompileTime = compileTime;
        Note = note;
        Tier = tier;
        OptimizedPending = optimizedPending;
    }

    /// <summary>The compiler whose code this execution runs: <c>Optimized</c> (Cranelift) or <c>Baseline</c> (Winch).</summary>
    public WasmCompileTier Tier { get; }

    /// <summary>
    /// True when optimized code for the module was being compiled in the background as this execution started: later
    /// starts run on it once it is ready (see <see cref="WasmCompilePolicy.Tiered"/>).
    /// </summary>
    public bool OptimizedPending { get; }

    /// <summary>The same facts with another note (a fallback's reason added to the cache's).</summary>
    internal WasmWarmup WithNote(string? note) =>
        note is null || (Note is not null && Note.Contains(note, StringComparison.Ordinal)) ? this : new WasmWarmup(Source, ModulePath, CompileCacheDir, CompileTime, Note is null ? note : $"{Note}; {note}", Tier, OptimizedPending);

    /// <summary>True when the module was compiled for this execution.</summary>
    public bool Executed => Source == Compiled;

    /// <summary><c>executed</c> (compiled now) or <c>cached</c> (taken from memory or disk).</summary>
    public string Reason => Executed ? "executed" : "cached";

    /// <summary><c>memory</c>, <c>disk</c> or <c>compiled</c>.</summary>
    public string Source { get; }

    /// <summary>The module path as the context gave it.</summary>
    public string ModulePath { get; }

    /// <summary>The on-disk compile cache folder, or null when the disk cache is off.</summary>
    public string? CompileCacheDir { get; }

    /// <summary>Time spent compiling, or loading the compiled artifact from disk; zero for a memory hit.</summary>
    public TimeSpan CompileTime { get; }

    /// <summary>
    /// Why the disk cache was skipped, an artifact ignored or a compiled module not stored, in words; null when the
    /// caches worked as asked.
    /// </summary>
    public string? Note { get; }

    public override string ToString() => Origin
        + (Tier == WasmCompileTier.Baseline ? " (baseline code" + (OptimizedPending ? "; optimized code being compiled)" : ")") : "");

    /// <summary>Where the code came from and what it cost, in words ("compiled in 8124 ms", "cached in memory").</summary>
    internal string Origin => Source switch
    {
        Compiled => $"compiled in {CompileTime.TotalMilliseconds:0.#} ms",
        FromDisk => $"loaded from the disk cache in {CompileTime.TotalMilliseconds:0.#} ms",
        _ => "cached in memory",
    };
}
