using System.Text;
using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// Reads a module file into the binary bytes that are inspected and compiled — the same bytes for both, so what was
/// checked is what runs. A <c>.wat</c> text file is converted; a file that is too large is refused from its length,
/// before anything is read.
/// </summary>
public static class ModuleSource
{
    /// <summary>Inspects a module file (converting WebAssembly text first), for Test-WasmModule.</summary>
    public static WasmModuleReport Inspect(string fullPath, WasmInspectionOptions options)
    {
        if (!IsText(fullPath) || new FileInfo(fullPath).Length > options.MaxFileBytes)
        {
            return WasmModuleInspector.InspectFile(fullPath, options);
        }
        return WasmModuleInspector.Inspect(fullPath, Read(fullPath), options);
    }

    /// <summary>
    /// The checked binary of a module about to run: throws the typed refusal for anything that is not a runnable
    /// core module within <paramref name="options"/>' caps and memory limit.
    /// </summary>
    internal static (byte[] Bytes, WasmModuleReport Report) ReadRunnable(string fullPath, WasmInspectionOptions options)
    {
        if (new FileInfo(fullPath).Length > options.MaxFileBytes)
        {
            WasmModuleInspector.EnsureRunnable(WasmModuleInspector.InspectFile(fullPath, options));
        }
        byte[] bytes = Read(fullPath);
        var report = WasmModuleInspector.Inspect(fullPath, bytes, options);
        WasmModuleInspector.EnsureRunnable(report);
        return (bytes, report);
    }

    private static bool IsText(string path) => path.EndsWith(".wat", StringComparison.OrdinalIgnoreCase);

    private static byte[] Read(string fullPath)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WasmCompileException(fullPath, $"the file could not be read: {e.Message}", e);
        }
        // Only text is converted: a .wat name on a binary, native executable or shell script is judged as what it is.
        if (!IsText(fullPath) || WasmBinaryClassifier.Classify(bytes.AsSpan(0, Math.Min(bytes.Length, WasmBinaryClassifier.HeaderLength))).Kind != WasmModuleKind.NotWasm)
        {
            return bytes;
        }
        try
        {
            return Module.ConvertText(Encoding.UTF8.GetString(bytes));
        }
        catch (WasmtimeException e)
        {
            throw new WasmCompileException(fullPath, $"invalid WebAssembly text: {e.Message}", e);
        }
    }
}
