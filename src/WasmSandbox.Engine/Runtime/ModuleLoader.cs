using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// Turns a context's module path into a compiled module for one start, in two steps: <see cref="Read"/> resolves the
/// path against the working directory and refuses what is not a runnable core module, without any engine; <see cref="Load"/>
/// then takes the compiled module for an engine from the cache. The runtime creates the engine while the first step runs.
/// <para>
/// The first step does not redo work (<see cref="ModuleIdentityCache"/>): a file whose identity (device, inode, size,
/// mtime, ctime of the file opened now) is the one read at an earlier start is neither read, hashed nor inspected
/// again — its hash and report are taken from memory, and its bytes are read only if the second step must compile
/// them, verified against that hash (<see cref="ReadModule"/>). Any other file is read afresh; the bytes a context was
/// made from are hashed and checked once per context and inspection options.
/// </para>
/// </summary>
internal static class ModuleLoader
{
    /// <summary>How many times a compile is tried when the file keeps changing under it.</summary>
    private const int MaxContentAttempts = 3;

    /// <summary>Raised with the module's path each time a start hashes module bytes (tests count hashes by it).</summary>
    internal static event Action<string>? Hashing;

    /// <summary>
    /// Reads and checks the module for a start or precompile under <paramref name="policy"/>: the imports it links and
    /// its memory limit decide what the inspection reports. What is known about module content comes from
    /// <paramref name="identities"/>, the process's (<see cref="ModuleIdentityCache.Shared"/>) unless given.
    /// </summary>
    public static ReadModule Read(WasmContext context, string workingDirectory, SandboxPolicy policy, ModuleIdentityCache? identities = null)
    {
        identities ??= ModuleIdentityCache.Shared;
        var key = ModuleInspectionKey.For(policy);
        if (context.ModuleBytes is { } given)
        {
            var (checkedBytes, sha256, checkedReport) = identities.ForBytes(given, key,
                () => ModuleSource.CheckRunnable(context.ModulePath, given, key.ToOptions()), bytes => Hash(context.ModulePath, bytes));
            return ReadModule.Checked(context.ModulePath, context.ResolvedModulePath!, context.ModulePath, checkedBytes, sha256, checkedReport);
        }
        string path = Path.GetFullPath(context.ModulePath, workingDirectory);
        // A directory, FIFO or device is there, just not a module: the reader refuses it by name.
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new WasmModuleNotFoundException(path, context.ModulePath);
        }
        var started = DateTime.UtcNow;
        var options = key.ToOptions();
        var (known, identity, after, read) = ModuleSource.WithFile(path, file =>
        {
            var identity = UnixFile.IdentityOf(file);
            if (identity is { } seen && identities.TryGet(path, seen, key, out string sha256, out var report))
            {
                return (new ReadModule.Content(sha256, report, null), identity, identity, (byte[]?)null);
            }
            byte[] bytes = ModuleSource.ReadChecked(file, path, options);
            return ((ReadModule.Content?)null, identity, UnixFile.IdentityOf(file), bytes);
        });
        string displayName = Path.GetFileName(path);
        if (known is not null)
        {
            return ReadModule.Remembered(context.ModulePath, path, displayName, known.Sha256, known.Report,
                remembered => Reread(path, remembered, key, identities));
        }
        // The bytes read are what runs; the file may have changed since it was walked, so they are judged again.
        var (judged, judgedReport) = ModuleSource.Judge(path, read!, options, default);
        string hash = Hash(path, judged);
        if (identity is { } before)
        {
            identities.Remember(path, before, after, started, hash, key, judgedReport);
        }
        return ReadModule.Checked(context.ModulePath, path, displayName, judged, hash, judgedReport);
    }

    /// <summary>
    /// The file's content for a start that took <paramref name="remembered"/> from the identity cache and now needs the
    /// bytes: the same content (its bytes verified against the hash), or the new content, judged under the start's
    /// options (throwing its refusal), with what was remembered for the path replaced.
    /// </summary>
    private static ReadModule.Content Reread(string path, ReadModule.Content remembered, ModuleInspectionKey key, ModuleIdentityCache identities)
    {
        var started = DateTime.UtcNow;
        var options = key.ToOptions();
        var (identity, after, bytes) = ModuleSource.WithFile(path, file =>
        {
            var identity = UnixFile.IdentityOf(file);
            byte[] bytes = ModuleSource.ReadBinary(file, path, options.MaxFileBytes);
            return (identity, UnixFile.IdentityOf(file), bytes);
        });
        string sha256 = Hash(path, bytes);
        if (sha256 == remembered.Sha256)
        {
            // The remembered report is this content's under these options: no need to inspect it again. A file that
            // was only touched is remembered under its new identity.
            if (identity is { } same)
            {
                identities.Remember(path, same, after, started, sha256, key, remembered.Report);
            }
            return remembered with { Bytes = bytes };
        }
        identities.Forget(path);
        var (judged, report) = ModuleSource.Judge(path, bytes, options, default);
        if (identity is { } before)
        {
            identities.Remember(path, before, after, started, sha256, key, report);
        }
        return new ReadModule.Content(sha256, report, judged);
    }

    /// <summary>
    /// Runs <paramref name="compile"/> with the start's current hash and a function that gives the bytes of that hash.
    /// When the bytes turn out to be other content (see <see cref="ReadModule"/>), or another start sharing the compile
    /// found the file changed, compiles again with the start's own, checked, content.
    /// </summary>
    private static T Compiling<T>(ReadModule read, Func<string, Func<byte[]>, T> compile)
    {
        for (int attempt = 1; ; attempt++)
        {
            string sha256 = read.Sha256;
            try
            {
                return compile(sha256, () => read.BytesOf(sha256));
            }
            catch (ReadModule.ContentChangedException e)
            {
                if (attempt == MaxContentAttempts)
                {
                    throw new WasmCompileException(read.ResolvedPath, "the file kept changing while it was being compiled; start it again once it is written", e);
                }
                // Reads this start's own content if it has not yet: the change may have been found by another start.
                read.Verify();
            }
        }
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
            return Compiling(read, (sha256, bytes) =>
                cache.GetForStart(optimized, baseline, policy, bytes, sha256, read.ModulePath, read.DisplayName, baselineUnavailable, preferred));
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
            return Compiling(read, (sha256, bytes) => cache.Precompile(profile, bytes, sha256, read.ModulePath, read.DisplayName));
        }
        catch (WasmtimeException e)
        {
            throw new WasmCompileException(read.ResolvedPath, e.Message, e);
        }
    }

    private static string Hash(string path, byte[] bytes)
    {
        Hashing?.Invoke(path);
        return ModuleCache.Hash(bytes);
    }
}
