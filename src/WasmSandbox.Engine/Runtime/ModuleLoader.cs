using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// Turns a context's module path into a compiled module for one start: resolves it against the working directory,
/// reads the file afresh, refuses what is not a runnable core module before Wasmtime compiles anything, and takes
/// the compiled module from the cache.
/// </summary>
internal static class ModuleLoader
{
    public static (Module Module, string ResolvedPath, WasmWarmup Warmup) Load(
        WasmContext context, string workingDirectory, WasmExecutionOptions options, EngineProfile profile, ModuleCache cache)
    {
        var (path, bytes, sha) = Read(context, workingDirectory, options);
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

    /// <summary>Compiles into the memory and disk caches without running, so a later first start is warm.</summary>
    public static WasmWarmup Precompile(WasmContext context, string workingDirectory, WasmExecutionOptions options, EngineProfile profile, ModuleCache cache)
    {
        var (path, bytes, sha) = Read(context, workingDirectory, options);
        try
        {
            return cache.Precompile(profile, bytes, sha, context.ModulePath, Path.GetFileName(path));
        }
        catch (WasmtimeException e)
        {
            throw new WasmCompileException(path, e.Message, e);
        }
    }

    private static (string Path, byte[] Bytes, string Sha) Read(WasmContext context, string workingDirectory, WasmExecutionOptions options)
    {
        string path = Path.GetFullPath(context.ModulePath, workingDirectory);
        if (!File.Exists(path))
        {
            throw new WasmModuleNotFoundException(path, context.ModulePath);
        }
        byte[] bytes = ModuleSource.ReadRunnable(path, new WasmInspectionOptions
        {
            PermissionTier = options.PermissionTier,
            MaxMemoryBytes = options.MaxMemoryBytes,
            RequireEntryPoint = false,
            RunWasmtimeValidation = false,
        });
        return (path, bytes, ModuleCache.Hash(bytes));
    }
}
