using System.Text;
using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// Turns a context's module path into a compiled module for one start: resolves it against the working directory,
/// reads the file afresh, converts WebAssembly text, refuses what is not a runnable core module before Wasmtime
/// compiles anything, and takes the compiled module from the cache.
/// </summary>
internal static class ModuleLoader
{
    public static (Module Module, string ResolvedPath, WasmWarmup Warmup) Load(
        WasmContext context, string workingDirectory, WasmExecutionOptions options, EngineProfile profile, ModuleCache cache)
    {
        string path = Path.GetFullPath(context.ModulePath, workingDirectory);
        if (!File.Exists(path))
        {
            throw new WasmModuleNotFoundException(path, context.ModulePath);
        }
        byte[] bytes = ReadModuleBytes(path);
        ModuleChecks.EnsureRunnable(path, bytes, options);
        string sha = ModuleCache.Hash(bytes);
        try
        {
            var (module, warmup) = cache.GetOrCompile(profile, bytes, sha, context.ModulePath, Path.GetFileName(path));
            return (module, path, warmup);
        }
        catch (WasmtimeException e)
        {
            throw new WasmCompileException(path, e.Message, e);
        }
    }

    /// <summary>The module's binary form: a <c>.wat</c> text file is converted, anything else is taken as is.</summary>
    private static byte[] ReadModuleBytes(string path)
    {
        ModuleChecks.EnsureSizeWithinCap(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WasmCompileException(path, $"the file could not be read: {e.Message}", e);
        }
        if (!path.EndsWith(".wat", StringComparison.OrdinalIgnoreCase) || bytes.AsSpan().StartsWith("\0asm"u8))
        {
            return bytes;
        }
        try
        {
            return Module.ConvertText(Encoding.UTF8.GetString(bytes));
        }
        catch (WasmtimeException e)
        {
            throw new WasmCompileException(path, $"invalid WebAssembly text: {e.Message}", e);
        }
    }
}
