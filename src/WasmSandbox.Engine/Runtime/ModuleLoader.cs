using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// Turns a context's module path into a compiled module for one start, in two steps: <see cref="Read"/> resolves the
/// path against the working directory, reads the file afresh (or takes the bytes a context was made from) and refuses what is not a runnable core module, without
/// any engine; <see cref="Load"/> then takes the compiled module for an engine from the cache. The runtime creates
/// the engine while the first step runs.
/// </summary>
internal static class ModuleLoader
{
    /// <summary>The checked bytes of a module file, their SHA-256, and the inspection's report on them.</summary>
    public sealed record ReadModule(string ModulePath, string ResolvedPath, string DisplayName, byte[] Bytes, string Sha256, WasmModuleReport Report)
    {
        /// <summary>The first import the sandbox will not link at the inspected tier, null when all link.</summary>
        public string? LinkProblem => Report.Problems.FirstOrDefault(p => p.Code == WasmModuleProblemCode.UnsatisfiedImport)?.Message;
    }

    /// <summary>
    /// Reads and checks the module for a start or precompile under <paramref name="policy"/>: the imports it links and
    /// its memory limit decide what the inspection reports.
    /// </summary>
    public static ReadModule Read(WasmContext context, string workingDirectory, SandboxPolicy policy)
    {
        var options = new WasmInspectionOptions
        {
            PermissionTier = policy.Tier,
            MaxMemoryBytes = policy.Limits.MaxMemoryBytes,
            RequireEntryPoint = false,
            RunWasmtimeValidation = false,
        };
        if (context.ModuleBytes is { } given)
        {
            var (checkedBytes, checkedReport) = ModuleSource.CheckRunnable(context.ModulePath, given, options);
            return new ReadModule(context.ModulePath, context.ResolvedModulePath!, context.ModulePath, checkedBytes, ModuleCache.Hash(checkedBytes), checkedReport);
        }
        string path = Path.GetFullPath(context.ModulePath, workingDirectory);
        // A directory, FIFO or device is there, just not a module: the reader refuses it by name.
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new WasmModuleNotFoundException(path, context.ModulePath);
        }
        var (bytes, report) = ModuleSource.ReadRunnable(path, options);
        return new ReadModule(context.ModulePath, path, Path.GetFileName(path), bytes, ModuleCache.Hash(bytes), report);
    }

    /// <summary>
    /// The compiled module for a start under <paramref name="policy"/>: on <paramref name="optimized"/>'s engine or on
    /// <paramref name="baseline"/>'s (see <see cref="ModuleCache.GetForStart"/>), with how it was obtained.
    /// </summary>
    public static (Module Module, WasmWarmup Warmup, EngineProfile Profile) Load(ReadModule read, EngineProfile optimized,
        Func<EngineProfile>? baseline, WasmCompilePolicy policy, ModuleCache cache, string? baselineUnavailable, EngineProfile? preferred = null)
    {
        try
        {
            return cache.GetForStart(optimized, baseline, policy, read.Bytes, read.Sha256, read.ModulePath, read.DisplayName, baselineUnavailable, preferred);
        }
        catch (WasmtimeException e)
        {
            throw new WasmCompileException(read.ResolvedPath, e.Message, e);
        }
    }

    /// <summary>Compiles into the memory and disk caches without running, so a later first start is warm.</summary>
    public static WasmWarmup Precompile(ReadModule read, EngineProfile profile, ModuleCache cache)
    {
        try
        {
            return cache.Precompile(profile, read.Bytes, read.Sha256, read.ModulePath, read.DisplayName);
        }
        catch (WasmtimeException e)
        {
            throw new WasmCompileException(read.ResolvedPath, e.Message, e);
        }
    }
}
