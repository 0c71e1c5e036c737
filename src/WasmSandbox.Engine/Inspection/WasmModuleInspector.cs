using Microsoft.Win32.SafeHandles;
using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// Decides what a file is and whether the sandbox can run it, without compiling it: classification from the first
/// bytes, the parser caps, a structural walk of the sections, the memory limit, the imports the permission tier
/// satisfies, the entry point, and finally Wasmtime's validator.
/// </summary>
public static class WasmModuleInspector
{
    private const string EntryPointName = "_start";

    private static readonly Lazy<Engine> s_inspectionEngine = new(() => new Engine());

    /// <summary>
    /// The engine modules are validated with when <see cref="WasmInspectionOptions"/> names none. Validation only
    /// needs the enabled proposals, so one engine serves every inspection for the life of the process.
    /// </summary>
    internal static Engine InspectionEngine => s_inspectionEngine.Value;

    /// <summary>
    /// Inspects a file, which must be a regular file (a FIFO, socket or device is refused at once, without blocking).
    /// The size cap is decided from the file's length before any byte is read, and the file is read through the
    /// parser's window, so memory stays bounded whatever its size.
    /// </summary>
    /// <param name="fullPath">The resolved path of the file; also the report's and the errors' path.</param>
    /// <param name="options">The tier and caps to judge the module against.</param>
    /// <param name="cancellation">Stops the walk (between sections and every few thousand entries).</param>
    /// <exception cref="ModuleNotRegularFileException">The path is a FIFO, socket, device or directory.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DirectoryNotFoundException">A directory on the path does not exist.</exception>
    /// <exception cref="IOException">The file could not be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled.</exception>
    public static WasmModuleReport InspectFile(string fullPath, WasmInspectionOptions options, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(fullPath);
        ArgumentNullException.ThrowIfNull(options);
        using var file = ModuleFile.Open(fullPath);
        return InspectOpen(fullPath, file, options, cancellation);
    }

    /// <summary>Inspects a file opened by <see cref="ModuleFile.Open"/>.</summary>
    internal static WasmModuleReport InspectOpen(string fullPath, SafeFileHandle file, WasmInspectionOptions options, CancellationToken cancellation) =>
        InspectCore(fullPath, new ModuleBytes(file, RandomAccess.GetLength(file)), options, cancellation);

    /// <summary>Inspects a module already in memory (for example one converted from text format).</summary>
    /// <param name="displayPath">The path to name in the report and in errors.</param>
    /// <param name="bytes">The module's bytes.</param>
    /// <param name="options">The tier and caps to judge the module against.</param>
    /// <param name="cancellation">Stops the walk (between sections and every few thousand entries).</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled.</exception>
    public static WasmModuleReport Inspect(string displayPath, ReadOnlySpan<byte> bytes, WasmInspectionOptions options, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(displayPath);
        ArgumentNullException.ThrowIfNull(options);
        return InspectCore(displayPath, new ModuleBytes(bytes), options, cancellation);
    }

    /// <summary>
    /// Throws the typed exception for the first problem that rules the module out before linking: classification,
    /// parser caps, malformed sections, components, and the memory limit. Unsatisfied imports and a missing entry
    /// point are left to the engine (they become a link failure of the run), and validation failures to Wasmtime's
    /// compile, which reports them itself.
    /// </summary>
    public static void EnsureRunnable(WasmModuleReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        foreach (var problem in report.Problems)
        {
            if (problem.Refusal is { } refusal)
            {
                throw refusal;
            }
        }
    }

    private static WasmModuleReport InspectCore(string path, scoped ModuleBytes bytes, WasmInspectionOptions options, CancellationToken cancellation)
    {
        var size = bytes.Length;
        var problems = new List<WasmModuleProblem>();
        if (bytes.Length > options.MaxFileBytes)
        {
            problems.Add(WasmModuleProblem.FromRefusal(WasmModuleProblemCode.ModuleTooLarge,
                WasmParserLimitException.FileTooLarge(path, bytes.Length, options.MaxFileBytes)));
        }

        // Classifying costs eight bytes, so it is done even for a file over the cap: the report should still say what it is.
        Span<byte> headerBuffer = stackalloc byte[WasmBinaryClassifier.HeaderLength];
        var header = bytes.Peek(0, headerBuffer);
        var (kind, nativeFormat) = WasmBinaryClassifier.Classify(header);
        if (ClassificationProblem(path, kind, nativeFormat, header[..Math.Min(4, header.Length)].ToArray()) is { } refused)
        {
            problems.Add(refused);
        }
        if (kind == WasmModuleKind.Component && problems.Count == 0)
        {
            return InspectComponent(path, bytes, options, problems, cancellation);
        }
        if (problems.Count > 0)
        {
            return new WasmModuleReport(path, kind, nativeFormat, bytes.Length, [], [], [], entryPoint: null,
                wasiVersion: kind == WasmModuleKind.Component ? WasiPreview2 : null, problems);
        }

        WasmModuleParser.Contents contents;
        try
        {
            contents = WasmModuleParser.Parse(path, bytes, options, cancellation);
        }
        catch (WasmParserLimitException ex)
        {
            return Unparsed(WasmModuleProblem.FromRefusal(ProblemCode(ex.Limit), ex));
        }
        catch (WasmModuleFormatException ex)
        {
            return Unparsed(WasmModuleProblem.FromRefusal(WasmModuleProblemCode.MalformedSection, ex));
        }

        for (var i = 0; i < contents.Memories.Count; i++)
        {
            var memory = contents.Memories[i];
            if (memory.Exceeds(options.MaxMemoryBytes))
            {
                problems.Add(WasmModuleProblem.FromRefusal(WasmModuleProblemCode.MemoryLimitExceeded,
                    new WasmMemoryLimitException(path, memory, i, options.MaxMemoryBytes)));
            }
        }

        foreach (var import in contents.Imports)
        {
            // The sandbox provides functions only; a memory, table, global or tag import is never satisfied.
            var missing = import.Type == "func"
                ? SandboxImports.DescribeMissing(import.Module, import.Name, options.PermissionTier)
                : $"import {import.Module}.{import.Name} ({import.Type}) is not provided by the sandbox";
            if (missing is not null)
            {
                problems.Add(new WasmModuleProblem(WasmModuleProblemCode.UnsatisfiedImport, missing));
            }
        }

        var entryPoint = contents.Exports.Any(e => e is { Name: EntryPointName, Type: "func" }) ? EntryPointName : null;
        if (options.RequireEntryPoint && entryPoint is null)
        {
            problems.Add(new WasmModuleProblem(WasmModuleProblemCode.NoEntryPoint,
                "module exports no _start function; it cannot run as a WASI command"));
        }

        // The module has passed the caps and the structural walk, so it is safe to hand to Wasmtime's validator even
        // when it has other problems; those do not make validation any costlier, and the report should list them all.
        // Validation itself cannot be interrupted; the size cap bounds it.
        cancellation.ThrowIfCancellationRequested();
        if (options.RunWasmtimeValidation
            && Module.Validate(options.ValidationEngine ?? InspectionEngine, bytes.ReadAll()) is { } validationError)
        {
            problems.Add(new WasmModuleProblem(WasmModuleProblemCode.ValidationFailed,
                $"{path}: WebAssembly validation failed: {validationError}"));
        }

        var wasiVersion = contents.Imports.Any(i => i.Module == SandboxImports.WasiPreview1) ? "preview1" : null;
        return new WasmModuleReport(path, kind, null, bytes.Length, contents.Imports, contents.Exports,
            contents.Memories, entryPoint, wasiVersion, problems);

        // What was read before the walk stopped may be inconsistent, so a module that did not parse lists nothing.
        WasmModuleReport Unparsed(WasmModuleProblem problem) =>
            new(path, WasmModuleKind.CoreModule, null, size, [], [], [], null, null, [problem]);
    }

    /// <summary>
    /// A component: its world (imports and exports by name), the core modules inside it with their memories, and the
    /// problems against the options — parser caps, the memory limit for every memory of every core module, imports
    /// the sandbox does not link for components, a missing <c>wasi:cli/run</c> export, and Wasmtime's validation of
    /// each core module. Wasmtime has no way to validate the component itself short of compiling it, which takes
    /// seconds for a large one, so that is left to the compile at start.
    /// </summary>
    private static WasmModuleReport InspectComponent(string path, scoped ModuleBytes bytes, WasmInspectionOptions options,
        List<WasmModuleProblem> problems, CancellationToken cancellation)
    {
        var size = bytes.Length;
        WasmComponentParser.Contents contents;
        try
        {
            contents = WasmComponentParser.Parse(path, bytes, options, cancellation);
        }
        catch (WasmParserLimitException ex)
        {
            return Unparsed(WasmModuleProblem.FromRefusal(ProblemCode(ex.Limit), ex));
        }
        catch (WasmModuleFormatException ex)
        {
            return Unparsed(WasmModuleProblem.FromRefusal(WasmModuleProblemCode.MalformedSection, ex));
        }

        foreach (var module in contents.CoreModules)
        {
            for (var i = 0; i < module.Memories.Count; i++)
            {
                if (module.Memories[i].Exceeds(options.MaxMemoryBytes))
                {
                    problems.Add(WasmModuleProblem.FromRefusal(WasmModuleProblemCode.MemoryLimitExceeded,
                        new WasmMemoryLimitException(path, module.Memories[i], i, options.MaxMemoryBytes, module.Index)));
                }
            }
        }

        foreach (var import in contents.Imports)
        {
            if (SandboxImports.DescribeMissingComponentImport(import) is { } missing)
            {
                problems.Add(new WasmModuleProblem(WasmModuleProblemCode.UnsatisfiedImport, missing));
            }
        }

        var entryPoint = contents.Exports.FirstOrDefault(e =>
            e is { Kind: "instance", Namespace: "wasi", Package: "cli", Interface: "run" } && SandboxImports.IsPreview2Version(e.Version))?.Name;
        if (options.RequireEntryPoint && entryPoint is null)
        {
            problems.Add(new WasmModuleProblem(WasmModuleProblemCode.NoEntryPoint,
                $"component exports no {SandboxImports.WasiRunInterface}@0.2.x interface; it cannot run as a WASI command"));
        }

        // Each core module inside is a core module like any other, so Wasmtime's validator can judge it on its own
        // (the component's own structure is checked when Wasmtime compiles it). As for a core module, validation
        // comes last and cannot be interrupted; the size cap bounds it.
        if (options.RunWasmtimeValidation)
        {
            foreach (var module in contents.CoreModules)
            {
                cancellation.ThrowIfCancellationRequested();
                // A module in memory is validated where it lies; one in a file is read whole, as a core module is.
                var moduleBytes = bytes.IsFile ? bytes.Peek(module.Offset, new byte[module.Size]) : bytes.Slice(module.Offset, (int)module.Size);
                if (Module.Validate(options.ValidationEngine ?? InspectionEngine, moduleBytes) is { } validationError)
                {
                    problems.Add(new WasmModuleProblem(WasmModuleProblemCode.ValidationFailed,
                        $"{path}: WebAssembly validation of core module {module.Index} (at byte offset {module.Offset}) failed: {validationError}"));
                }
            }
        }

        return new WasmModuleReport(path, WasmModuleKind.Component, null, bytes.Length, [], [], [], entryPoint, WasiPreview2, problems,
            contents.Imports, contents.Exports, contents.CoreModules, contents.NestedComponents, InterfaceVersion(contents));

        // What was read before the walk stopped may be inconsistent, so a component that did not parse lists nothing.
        WasmModuleReport Unparsed(WasmModuleProblem problem) =>
            new(path, WasmModuleKind.Component, null, size, [], [], [], null, WasiPreview2, [.. problems, problem]);
    }

    /// <summary>The highest version among the component's <c>wasi:</c> imports and exports, e.g. <c>0.2.3</c>.</summary>
    private static string? InterfaceVersion(WasmComponentParser.Contents contents)
    {
        string? highest = null;
        Version? highestParsed = null;
        foreach (var item in contents.Imports.Concat(contents.Exports))
        {
            if (item is not { Namespace: "wasi", Version: { } version })
            {
                continue;
            }
            var parsed = Version.TryParse(version.Split('-', '+')[0], out var v) ? v : null;
            if (highest is null || (parsed is not null && (highestParsed is null || parsed > highestParsed)))
            {
                highest = version;
                highestParsed = parsed;
            }
        }
        return highest;
    }

    private const string WasiPreview2 = "preview2";

    private static WasmModuleProblem? ClassificationProblem(string path, WasmModuleKind kind, string? nativeFormat, byte[] magic) =>
        kind switch
        {
            WasmModuleKind.NotWasm => WasmModuleProblem.FromRefusal(WasmModuleProblemCode.NotWasm,
                new NonWasmBinaryException(path, magic, isShellShim: false)),
            WasmModuleKind.ShellShim => WasmModuleProblem.FromRefusal(WasmModuleProblemCode.ShellShim,
                new NonWasmBinaryException(path, magic, isShellShim: true)),
            WasmModuleKind.NativeBinary => WasmModuleProblem.FromRefusal(WasmModuleProblemCode.NativeBinaryNotSupported,
                new NativeBinaryNotSupportedException(path, magic, nativeFormat!)),
            _ => null,
        };

    private static string ProblemCode(WasmParserLimit limit) => limit switch
    {
        WasmParserLimit.FileSize => WasmModuleProblemCode.ModuleTooLarge,
        WasmParserLimit.ImportCount => WasmModuleProblemCode.TooManyImports,
        WasmParserLimit.MemoryCount => WasmModuleProblemCode.TooManyMemories,
        WasmParserLimit.VarUintLength => WasmModuleProblemCode.VarUintTooLong,
        WasmParserLimit.ExportCount => WasmModuleProblemCode.TooManyExports,
        WasmParserLimit.TypeCount => WasmModuleProblemCode.TooManyTypes,
        WasmParserLimit.FunctionCount => WasmModuleProblemCode.TooManyFunctions,
        WasmParserLimit.TableCount => WasmModuleProblemCode.TooManyTables,
        WasmParserLimit.GlobalCount => WasmModuleProblemCode.TooManyGlobals,
        WasmParserLimit.ElementSegmentCount => WasmModuleProblemCode.TooManyElementSegments,
        WasmParserLimit.DataSegmentCount => WasmModuleProblemCode.TooManyDataSegments,
        WasmParserLimit.TagCount => WasmModuleProblemCode.TooManyTags,
        WasmParserLimit.LocalCount => WasmModuleProblemCode.TooManyLocals,
        WasmParserLimit.SectionCount => WasmModuleProblemCode.TooManySections,
        WasmParserLimit.NameLength => WasmModuleProblemCode.NameTooLong,
        WasmParserLimit.NameBytes => WasmModuleProblemCode.NamesTooLarge,
        WasmParserLimit.CoreModuleCount => WasmModuleProblemCode.TooManyCoreModules,
        WasmParserLimit.ComponentCount => WasmModuleProblemCode.TooManyComponents,
        WasmParserLimit.ComponentNesting => WasmModuleProblemCode.ComponentNestingTooDeep,
        WasmParserLimit.InstanceCount => WasmModuleProblemCode.TooManyInstances,
        WasmParserLimit.AliasCount => WasmModuleProblemCode.TooManyAliases,
        WasmParserLimit.CanonicalFunctionCount => WasmModuleProblemCode.TooManyCanonicalFunctions,
        _ => throw new ArgumentOutOfRangeException(nameof(limit), limit, null),
    };
}
