namespace WasmSandbox;

/// <summary>The compiler that produced the code an execution runs.</summary>
public enum WasmCompileTier
{
    /// <summary>Cranelift, Wasmtime's optimizing compiler: slow to compile, fast to run.</summary>
    Optimized = 0,

    /// <summary>Winch, Wasmtime's baseline compiler: several times faster to compile, slower to run.</summary>
    Baseline = 1,
}
