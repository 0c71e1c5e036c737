namespace WasmSandbox;

/// <summary>Which compiler tiers a start may run on when no optimized code for the module is cached yet.</summary>
public enum WasmCompilePolicy
{
    /// <summary>
    /// The default. A module with optimized code in the memory or disk cache runs on it; otherwise this run compiles
    /// the module with the fast baseline tier (Winch) and runs on that code, while the optimized code (Cranelift) is
    /// compiled in the background, one module at a time on one low-priority thread, for later runs.
    /// </summary>
    Tiered = 0,

    /// <summary>Always runs on optimized code, compiling it first (and waiting for it) when it is not cached.</summary>
    Optimized = 1,

    /// <summary>Always runs on baseline code and never compiles the optimized tier.</summary>
    Baseline = 2,
}
