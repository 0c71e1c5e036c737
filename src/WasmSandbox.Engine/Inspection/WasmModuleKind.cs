namespace WasmSandbox;

/// <summary>What a file is, decided from its first bytes.</summary>
public enum WasmModuleKind
{
    /// <summary>A WebAssembly core module (magic <c>\0asm</c>, version 1): what the sandbox runs.</summary>
    CoreModule,
    /// <summary>A WebAssembly component (magic <c>\0asm</c>, version 0x0d layer 1): WASI preview 2, not runnable yet.</summary>
    Component,
    /// <summary>Anything else, including empty files and files shorter than four bytes.</summary>
    NotWasm,
    /// <summary>A script starting with <c>#!</c>, such as the launcher shims package managers install.</summary>
    ShellShim,
    /// <summary>A native executable; <see cref="WasmModuleReport.NativeFormat"/> names the format.</summary>
    NativeBinary,
}
