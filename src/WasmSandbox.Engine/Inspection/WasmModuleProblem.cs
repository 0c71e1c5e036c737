namespace WasmSandbox;

/// <summary>One reason a module is not runnable as it stands; see <see cref="WasmModuleProblemCode"/> for the codes.</summary>
public sealed class WasmModuleProblem
{
    internal WasmModuleProblem(string code, string message, WasmSandboxException? refusal = null)
    {
        Code = code;
        Message = message;
        Refusal = refusal;
    }

    /// <summary>A stable PascalCase identifier such as <c>UnsatisfiedImport</c>.</summary>
    public string Code { get; }

    public string Message { get; }

    /// <summary>
    /// The exception <see cref="WasmModuleInspector.EnsureRunnable"/> throws for this problem; null for problems the
    /// engine reports another way (link failures, Wasmtime's own compile errors).
    /// </summary>
    internal WasmSandboxException? Refusal { get; }

    internal static WasmModuleProblem FromRefusal(string code, WasmSandboxException refusal) => new(code, refusal.Message, refusal);

    public override string ToString() => $"{Code}: {Message}";
}
