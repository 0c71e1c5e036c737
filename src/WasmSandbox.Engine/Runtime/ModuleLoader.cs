using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// Turns a context's module path into a compiled module for one start: resolves it against the working directory,
/// reads the file afresh, refuses what is not a runnable core module before Wasmtime compiles anything, and takes
/// the compiled module from the cache.
/// </summary>
internal static class ModuleLoader
{
    /// <summary>
    /// The compiled module, the file it came from, how it was obtained, and — from the same inspection that checked
    /// the bytes — the first import the sandbox will not link at this tier (null when all link).
    /// </summary>
    public static (Module Module, string ResolvedPath, WasmWarmup Warmup, string? LinkProblem) Load(
        WasmContext context, string workingDirectory, WasmExecutionOptions options, EngineProfile profile, ModuleCache cache)
    {
        var (path, bytes, sha, report) = Read(context, workingDirectory, options);
        Module module;
        WasmWarmup warmup;
        try
        {
            (module, warmup) = cache.GetOrCompile(profile, bytes, sha, context.ModulePath, Path.GetFileName(path));
        }
        catch (WasmtimeException e)
        {
            throw new WasmCompileException(path, e.Message, e);
        }
        string? linkProblem = report.Problems.FirstOrDefault(p => p.Code == WasmModuleProblemCode.UnsatisfiedImport)?.Message;
        return (module, path, warmup, linkProblem);
    }

    /// <summary>Compiles into the memory and disk caches without running, so a later first start is warm.</summary>
    public static WasmWarmup Precompile(WasmContext context, string workingDirectory, WasmExecutionOptions options, EngineProfile profile, ModuleCache cache)
    {
        var (path, bytes, sha, _) = Read(context, workingDirectory, options);
        try
        {
            return cache.Precompile(profile, bytes, sha, context.ModulePath, Path.GetFileName(path));
        }
        catch (WasmtimeException e)
        {
            throw new WasmCompileException(path, e.Message, e);
        }
    }

    private static (string Path, byte[] Bytes, string Sha, WasmModuleReport Report) Read(
        WasmContext context, string workingDirectory, WasmExecutionOptions options)
    {
        string path = Path.GetFullPath(context.ModulePath, workingDirectory);
        if (!File.Exists(path))
        {
            throw new WasmModuleNotFoundException(path, context.ModulePath);
        }
        var (bytes, report) = ModuleSource.ReadRunnable(path, new WasmInspectionOptions
        {
            PermissionTier = options.PermissionTier,
            MaxMemoryBytes = options.MaxMemoryBytes,
            RequireEntryPoint = false,
            RunWasmtimeValidation = false,
        });
        return (path, bytes, ModuleCache.Hash(bytes), report);
    }
}
