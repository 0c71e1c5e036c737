namespace WasmSandbox;

/// <summary>
/// Tells a component from a core module at start, from the header's version and layer fields
/// (<see cref="WasmBinaryClassifier"/>), and reads a component's bytes for compiling. A core module, or anything that
/// is not a component, is left to <see cref="ModuleLoader"/> and its refusals. The file is opened as a module file is
/// (<see cref="ModuleFile"/>: a regular file only, never read past the size cap), and the bytes read are the bytes
/// compiled. A component is validated by Wasmtime's compile, which refuses a malformed one with its reason.
/// </summary>
internal static class ComponentSource
{
    /// <summary>A component's bytes and their SHA-256, read for one start or precompile.</summary>
    public sealed record ReadComponent(string ModulePath, string ResolvedPath, string DisplayName, byte[] Bytes, string Sha256);

    /// <summary>
    /// The component <paramref name="context"/> names, or null when it is not a component (a core module, text, or
    /// anything else: <see cref="ModuleLoader.Read"/> then reads and judges it).
    /// </summary>
    public static ReadComponent? TryRead(WasmContext context, string workingDirectory, long maxFileBytes)
    {
        if (context.ModuleBytes is { } given)
        {
            if (!IsComponent(given))
            {
                return null;
            }
            if (given.LongLength > maxFileBytes)
            {
                throw WasmParserLimitException.FileTooLarge(context.ModulePath, given.LongLength, maxFileBytes);
            }
            return new ReadComponent(context.ModulePath, context.ResolvedModulePath!, context.ModulePath, given, ModuleCache.Hash(given));
        }
        string path = Path.GetFullPath(context.ModulePath, workingDirectory);
        if (!File.Exists(path))
        {
            // Missing, a directory, a FIFO: the module loader names it.
            return null;
        }
        try
        {
            using var file = ModuleFile.Open(path);
            Span<byte> header = stackalloc byte[WasmBinaryClassifier.HeaderLength];
            int n = RandomAccess.Read(file, header, 0);
            if (!IsComponent(header[..n]))
            {
                return null;
            }
            byte[] bytes = ModuleFile.ReadAll(file, path, maxFileBytes);
            // Judged again on what was read: the file may have been replaced by a module since the header was read.
            if (!IsComponent(bytes))
            {
                return null;
            }
            return new ReadComponent(context.ModulePath, path, Path.GetFileName(path), bytes, ModuleCache.Hash(bytes));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (ModuleNotRegularFileException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WasmCompileException(path, $"the file could not be read: {e.Message}", e);
        }
    }

    /// <summary>
    /// Refuses a component that the inspector rules out under <paramref name="key"/>'s settings (the parser caps on
    /// untrusted counts and nesting, malformed sections, a memory over the limit), before Wasmtime compiles it: the same
    /// typed refusals as a core module's (<see cref="WasmModuleInspector.EnsureRunnable"/>). Imports the sandbox does
    /// not provide are left to the link, which fails the run with LinkFailed naming them.
    /// </summary>
    public static void EnsureRunnable(ReadComponent component, ModuleInspectionKey key) =>
        WasmModuleInspector.EnsureRunnable(WasmModuleInspector.Inspect(component.ResolvedPath, component.Bytes, key.ToOptions()));

    /// <summary>Whether <paramref name="bytes"/> start with a component's header (magic, version 0x0d, layer 1).</summary>
    public static bool IsComponent(ReadOnlySpan<byte> bytes) =>
        WasmBinaryClassifier.Classify(bytes[..Math.Min(bytes.Length, WasmBinaryClassifier.HeaderLength)]).Kind == WasmModuleKind.Component;
}
