namespace WasmSandbox;

/// <summary>Where an execution's compiled module came from, and what compiling it cost.</summary>
public sealed class WasmWarmup
{
    internal WasmWarmup(bool executed, string source, string modulePath, string? compileCacheDir, TimeSpan compileTime)
    {
        Executed = executed;
        Source = source;
        ModulePath = modulePath;
        CompileCacheDir = compileCacheDir;
        CompileTime = compileTime;
    }

    /// <summary>True when the module was compiled for this execution.</summary>
    public bool Executed { get; }

    /// <summary><c>executed</c> (compiled now) or <c>cached</c>.</summary>
    public string Reason => Executed ? "executed" : "cached";

    /// <summary><c>memory</c>, <c>disk</c> or <c>compiled</c>.</summary>
    public string Source { get; }

    /// <summary>The module path as the context gave it.</summary>
    public string ModulePath { get; }

    /// <summary>The on-disk compile cache folder, or null when the disk cache is off.</summary>
    public string? CompileCacheDir { get; }

    /// <summary>Time spent compiling (or loading a compiled artifact) for this execution; zero for a memory hit.</summary>
    public TimeSpan CompileTime { get; }

    public override string ToString() => $"{Reason} from {Source} in {CompileTime.TotalMilliseconds:0.#} ms";
}
