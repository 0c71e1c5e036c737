namespace WasmSandbox;

/// <summary>
/// Walks a component (after its 8-byte header): the imports and exports of the component itself, and every core
/// module inside it, at any depth, through <see cref="WasmModuleParser"/>. Like the core parser it checks structure
/// and caps, not semantics. Components nest (a component section holds a whole component), so the walk keeps an
/// explicit stack of the components it is inside instead of recursing, and caps its depth and the number of nested
/// components and core modules, so that a hostile file can neither exhaust the thread's stack nor make the report
/// hold more than the caps allow. Every count is checked before anything is allocated for it, and counts that a
/// component may spread over repeated sections are capped as totals per component.
/// </summary>
/// <remarks>
/// Core instances and aliases are read entry by entry. The other sections the report lists nothing from (core types,
/// instances, types, canonical functions, start) have their counts capped and are otherwise skipped by their size:
/// their encodings are still growing with the component model (async, resources, new name forms), and a walk that
/// lags behind Wasmtime would refuse components it runs. Their content, like the bodies of the core modules'
/// functions, is checked by Wasmtime when it compiles the component. Tried with
/// Wasmtime 50.0.1's <c>Component.FromBytes</c>: component types nested 100 deep and more, and more than 1000
/// components in one file (nested 1000 deep), are refused with a parse error, not a crash, so what is skipped here
/// cannot take the process down at compile time either.
/// </remarks>
internal static class WasmComponentParser
{
    /// <summary>What the parser collected from a structurally sound component.</summary>
    public sealed record Contents(
        IReadOnlyList<WasmComponentExternInfo> Imports,
        IReadOnlyList<WasmComponentExternInfo> Exports,
        IReadOnlyList<WasmCoreModuleInfo> CoreModules,
        int NestedComponents);

    private const byte CustomSection = 0;
    private const byte CoreModuleSection = 1;
    private const byte CoreInstanceSection = 2;
    private const byte CoreTypeSection = 3;
    private const byte ComponentSection = 4;
    private const byte InstanceSection = 5;
    private const byte AliasSection = 6;
    private const byte TypeSection = 7;
    private const byte CanonSection = 8;
    private const byte StartSection = 9;
    private const byte ImportSection = 10;
    private const byte ExportSection = 11;

    private static readonly string[] SectionNames =
    [
        "custom section", "core module section", "core instance section", "core type section", "component section",
        "instance section", "alias section", "type section", "canon section", "start section", "import section",
        "export section",
    ];

    /// <summary>How many entries are walked between two looks at the cancellation token.</summary>
    private const int CancellationStride = 4096;

    /// <summary>One component being walked: where its next section starts, where it ends, and its running totals.</summary>
    private sealed class Frame(long next, long end, int depth)
    {
        public long Next = next;
        public readonly long End = end;
        public readonly int Depth = depth;
        public int Sections;
        public long Imports;
        public long Exports;
        public long CoreInstances;
        public long Instances;
        public long Types;
        public long Aliases;
        public long Canons;
    }

    /// <exception cref="WasmModuleFormatException">The component is structurally broken.</exception>
    /// <exception cref="WasmParserLimitException">The component exceeds a parser cap.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled.</exception>
    public static Contents Parse(string path, scoped ModuleBytes bytes, WasmInspectionOptions options, CancellationToken cancellation)
    {
        var names = new WasmNameBudget(path, options.MaxNameBytes);
        byte[]? window = null;
        var imports = new List<WasmComponentExternInfo>();
        var exports = new List<WasmComponentExternInfo>();
        var modules = new List<WasmCoreModuleInfo>();
        long memories = 0;
        var components = 0;
        var outer = new Stack<Frame>();
        var frame = new Frame(WasmBinaryClassifier.HeaderLength, bytes.Length, depth: 0);
        Span<byte> headerBuffer = stackalloc byte[1 + WasmBodyReader.MaxLebBytes];
        Span<byte> preambleBuffer = stackalloc byte[WasmBinaryClassifier.HeaderLength];

        while (true)
        {
            if (frame.Next >= frame.End)
            {
                if (outer.Count == 0)
                {
                    break;
                }
                frame = outer.Pop();
                continue;
            }
            cancellation.ThrowIfCancellationRequested();
            var offset = frame.Next;
            if (++frame.Sections > options.MaxSections)
            {
                throw WasmParserLimitException.TooManySections(path, offset, options.MaxSections);
            }
            var header = bytes.Peek(offset, headerBuffer);
            header = header[..(int)Math.Min(header.Length, frame.End - offset)];
            var id = header[0];
            if (id >= SectionNames.Length)
            {
                throw new WasmModuleFormatException(path, "component section header", offset, $"unknown component section id {id}");
            }
            var name = SectionNames[id];
            var sizeReader = new WasmBodyReader(header[1..], offset + 1, path, name, frame.Depth == 0 ? "file" : "component");
            var size = sizeReader.ReadVarU64();
            var bodyStart = offset + 1 + sizeReader.Position;
            var available = frame.End - bodyStart;
            if (size > (ulong)available)
            {
                throw new WasmModuleFormatException(path, name, offset, frame.Depth == 0
                    ? $"section size {size} runs past the end of the file ({available} bytes remain)"
                    : $"section size {size} runs past the end of the nested component ({available} bytes remain)");
            }
            var bodyEnd = bodyStart + (long)size;
            frame.Next = bodyEnd;

            switch (id)
            {
                case CoreModuleSection:
                {
                    if (modules.Count >= options.MaxCoreModules)
                    {
                        throw WasmParserLimitException.TooMany(path, WasmParserLimit.CoreModuleCount,
                            $"component (core module section at byte offset {offset})", (ulong)modules.Count + 1, options.MaxCoreModules);
                    }
                    ExpectPreamble(path, bytes, bodyStart, bodyEnd, preambleBuffer, WasmModuleKind.CoreModule, name);
                    var contents = WasmModuleParser.Parse(path, bytes, bodyStart + WasmBinaryClassifier.HeaderLength, bodyEnd,
                        options, names, ref window, cancellation);
                    memories += contents.Memories.Count;
                    if (memories > options.MaxMemories)
                    {
                        throw WasmParserLimitException.TooMany(path, WasmParserLimit.MemoryCount,
                            $"component's core modules together (by the module at byte offset {bodyStart})", (ulong)memories, options.MaxMemories);
                    }
                    modules.Add(new WasmCoreModuleInfo(modules.Count, frame.Depth, bodyStart, (long)size,
                        contents.Imports.Count, contents.Exports.Count, contents.Memories));
                    break;
                }
                case ComponentSection:
                {
                    if (++components > options.MaxComponents)
                    {
                        throw WasmParserLimitException.TooMany(path, WasmParserLimit.ComponentCount,
                            $"component (component section at byte offset {offset})", (ulong)components, options.MaxComponents);
                    }
                    if (frame.Depth + 1 > options.MaxComponentNesting)
                    {
                        throw WasmParserLimitException.ComponentNestingTooDeep(path, bodyStart, options.MaxComponentNesting);
                    }
                    ExpectPreamble(path, bytes, bodyStart, bodyEnd, preambleBuffer, WasmModuleKind.Component, name);
                    outer.Push(frame);
                    frame = new Frame(bodyStart + WasmBinaryClassifier.HeaderLength, bodyEnd, frame.Depth + 1);
                    break;
                }
                default:
                {
                    var body = new WasmBodyReader(bytes, bodyStart, (long)size, ref window, path, name);
                    Section(id, ref body, frame, frame.Depth == 0 ? imports : null, frame.Depth == 0 ? exports : null);
                    break;
                }
            }
        }
        return new Contents(imports, exports, modules, components);

        void Section(byte id, ref WasmBodyReader body, Frame frame, List<WasmComponentExternInfo>? keptImports, List<WasmComponentExternInfo>? keptExports)
        {
            switch (id)
            {
                case CustomSection:
                    var nameLength = body.ReadVarU64();
                    if (nameLength > (ulong)body.Remaining)
                    {
                        throw body.Malformed(body.Offset, $"name length {nameLength} runs past the end of the section");
                    }
                    return;
                case ImportSection:
                    for (int i = 0, count = Count(ref body, ref frame.Imports, WasmParserLimit.ImportCount, options.MaxImports); i < count; i++)
                    {
                        Tick(i);
                        var importName = ReadExternName(ref body);
                        var kind = ReadExternDesc(ref body, importName);
                        keptImports?.Add(new WasmComponentExternInfo(importName, kind));
                    }
                    break;
                case ExportSection:
                    for (int i = 0, count = Count(ref body, ref frame.Exports, WasmParserLimit.ExportCount, options.MaxExports); i < count; i++)
                    {
                        Tick(i);
                        var exportName = ReadExternName(ref body);
                        var kind = ReadSort(ref body, exportName);
                        body.ReadVarU32(); // index in the sort's index space
                        var ascribedOffset = body.Offset;
                        switch (body.ReadByte())
                        {
                            case 0x00:
                                break;
                            case 0x01: // an ascribed type, which must describe the same kind of item
                                ReadExternDesc(ref body, exportName);
                                break;
                            case var other:
                                throw body.Malformed(ascribedOffset, $"export {exportName} has an optional type marked 0x{other:x2} (0x00 or 0x01 expected)");
                        }
                        keptExports?.Add(new WasmComponentExternInfo(exportName, kind));
                    }
                    break;
                case CoreInstanceSection:
                    for (int i = 0, count = Count(ref body, ref frame.CoreInstances, WasmParserLimit.InstanceCount, options.MaxInstances); i < count; i++)
                    {
                        Tick(i);
                        ReadCoreInstance(ref body);
                    }
                    break;
                case InstanceSection:
                    Count(ref body, ref frame.Instances, WasmParserLimit.InstanceCount, options.MaxInstances);
                    body.Skip(body.Remaining, "the rest of the section");
                    return;
                case CoreTypeSection:
                case TypeSection:
                    Count(ref body, ref frame.Types, WasmParserLimit.TypeCount, options.MaxTypes);
                    body.Skip(body.Remaining, "the rest of the section");
                    return;
                case AliasSection:
                    for (int i = 0, count = Count(ref body, ref frame.Aliases, WasmParserLimit.AliasCount, options.MaxAliases); i < count; i++)
                    {
                        Tick(i);
                        ReadAlias(ref body);
                    }
                    break;
                case CanonSection:
                    Count(ref body, ref frame.Canons, WasmParserLimit.CanonicalFunctionCount, options.MaxCanonicalFunctions);
                    body.Skip(body.Remaining, "the rest of the section");
                    return;
                case StartSection:
                    body.Skip(body.Remaining, "the start function");
                    return;
            }
            body.ExpectEnd();
        }

        // Reads a vector's count and refuses it, before anything is allocated, when it takes the component's total
        // for its kind of entry over the cap, or cannot fit in the section.
        int Count(ref WasmBodyReader body, ref long total, WasmParserLimit limit, int cap)
        {
            var offset = body.Offset;
            var count = body.ReadVarU64();
            if (count > (ulong)cap || (ulong)total + count > (ulong)cap)
            {
                var declared = count > ulong.MaxValue - (ulong)total ? ulong.MaxValue : (ulong)total + count;
                throw WasmParserLimitException.TooMany(path, limit,
                    total == 0 ? body.Section : $"component (its {body.Section}s together)", declared, cap);
            }
            if (count > (ulong)body.Remaining)
            {
                throw body.Malformed(offset, $"{count} entries cannot fit in the {body.Remaining} bytes left in the section");
            }
            total += (long)count;
            return (int)count;
        }

        // importname' and exportname': a prefix byte (0x00, or 0x01 as older encoders wrote interface names), then the name.
        string ReadExternName(ref WasmBodyReader body)
        {
            var prefixOffset = body.Offset;
            var prefix = body.ReadByte();
            if (prefix > 0x01)
            {
                throw body.Malformed(prefixOffset, $"name prefix 0x{prefix:x2} is not 0x00 or 0x01");
            }
            var start = body.Offset;
            var result = body.ReadName();
            names.Add(start, body.Offset - start);
            return result;
        }

        void Tick(int i)
        {
            if (i % CancellationStride == CancellationStride - 1)
            {
                cancellation.ThrowIfCancellationRequested();
            }
        }
    }

    /// <summary>
    /// A core instance: a module instantiated with named instances as its arguments (0x00), or a bundle of exported
    /// core items (0x01). Every argument and export takes at least three bytes, so the section's size bounds the loops.
    /// </summary>
    private static void ReadCoreInstance(ref WasmBodyReader body)
    {
        var offset = body.Offset;
        switch (body.ReadByte())
        {
            case 0x00:
                body.ReadVarU32(); // module index
                for (ulong arg = 0, args = CountThatFits(ref body, "core instance arguments"); arg < args; arg++)
                {
                    body.SkipName();
                    var sortOffset = body.Offset;
                    if (body.ReadByte() is var sort && sort != 0x12)
                    {
                        throw body.Malformed(sortOffset, $"a core instance argument is of sort 0x{sort:x2}; only an instance (0x12) can be");
                    }
                    body.ReadVarU32();
                }
                break;
            case 0x01:
                for (ulong export = 0, exports = CountThatFits(ref body, "core instance exports"); export < exports; export++)
                {
                    body.SkipName();
                    ReadCoreSort(ref body, "a core instance export");
                    body.ReadVarU32();
                }
                break;
            case var kind:
                throw body.Malformed(offset, $"core instance of unknown kind 0x{kind:x2}");
        }
    }

    /// <summary>
    /// An alias: a sort, then an export of an instance (0x00), an export of a core instance (0x01), or an item of an
    /// enclosing component (0x02).
    /// </summary>
    private static void ReadAlias(ref WasmBodyReader body)
    {
        var sortOffset = body.Offset;
        var sort = body.ReadByte();
        if (sort == 0x00)
        {
            ReadCoreSort(ref body, "an alias");
        }
        else if (sort > 0x05)
        {
            throw body.Malformed(sortOffset, $"an alias has unknown sort 0x{sort:x2}");
        }
        var targetOffset = body.Offset;
        switch (body.ReadByte())
        {
            case 0x00:
            case 0x01:
                body.ReadVarU32(); // instance index
                body.SkipName();
                break;
            case 0x02:
                body.ReadVarU32(); // how many components out
                body.ReadVarU32(); // index there
                break;
            case var target:
                throw body.Malformed(targetOffset, $"an alias has unknown target kind 0x{target:x2}");
        }
    }

    /// <summary>A vector's count, which must fit in what is left of the section at one byte per entry or more.</summary>
    private static ulong CountThatFits(ref WasmBodyReader body, string what)
    {
        var offset = body.Offset;
        var count = body.ReadVarU64();
        if (count > (ulong)body.Remaining)
        {
            throw body.Malformed(offset, $"{count} {what} cannot fit in the {body.Remaining} bytes left in the section");
        }
        return count;
    }

    private static string ReadCoreSort(ref WasmBodyReader body, string item)
    {
        var offset = body.Offset;
        return body.ReadByte() switch
        {
            0x00 => "core func",
            0x01 => "core table",
            0x02 => "core memory",
            0x03 => "core global",
            0x04 => "core tag",
            0x10 => "core type",
            0x11 => "core module",
            0x12 => "core instance",
            var core => throw body.Malformed(offset, $"{item} has unknown core sort 0x{core:x2}"),
        };
    }

    /// <summary>An extern descriptor (what an import is, or the type ascribed to an export); returns the kind.</summary>
    private static string ReadExternDesc(ref WasmBodyReader body, string item)
    {
        var offset = body.Offset;
        switch (body.ReadByte())
        {
            case 0x00:
                var sort = body.ReadByte();
                if (sort != 0x11)
                {
                    throw body.Malformed(offset, $"{item} is a core item of sort 0x{sort:x2}; only a core module (0x11) can be imported");
                }
                body.ReadVarU32();
                return "core module";
            case 0x01:
                body.ReadVarU32();
                return "func";
            case 0x02:
                // A value bound: equal to a value (index), or of a value type (a primitive type or a type index).
                switch (body.ReadByte())
                {
                    case 0x00:
                        body.ReadVarU32();
                        break;
                    case 0x01:
                        body.ReadVarS64();
                        break;
                    case var bound:
                        throw body.Malformed(offset, $"{item} has an unknown value bound 0x{bound:x2}");
                }
                return "value";
            case 0x03:
                // A type bound: equal to a type (index), or a fresh resource type.
                switch (body.ReadByte())
                {
                    case 0x00:
                        body.ReadVarU32();
                        break;
                    case 0x01:
                        break;
                    case var bound:
                        throw body.Malformed(offset, $"{item} has an unknown type bound 0x{bound:x2}");
                }
                return "type";
            case 0x04:
                body.ReadVarU32();
                return "component";
            case 0x05:
                body.ReadVarU32();
                return "instance";
            case var kind:
                throw body.Malformed(offset, $"{item} has unknown kind 0x{kind:x2}");
        }
    }

    /// <summary>The sort of an exported item.</summary>
    private static string ReadSort(ref WasmBodyReader body, string item)
    {
        var offset = body.Offset;
        return body.ReadByte() switch
        {
            0x00 => ReadCoreSort(ref body, $"export {item}"),
            0x01 => "func",
            0x02 => "value",
            0x03 => "type",
            0x04 => "component",
            0x05 => "instance",
            var sort => throw body.Malformed(offset, $"export {item} has unknown sort 0x{sort:x2}"),
        };
    }

    /// <summary>Checks that a core module or component section starts with the header of what it must hold.</summary>
    private static void ExpectPreamble(string path, scoped ModuleBytes bytes, long start, long end, Span<byte> buffer, WasmModuleKind expected, string section)
    {
        var preamble = bytes.Peek(start, buffer);
        preamble = preamble[..(int)Math.Min(preamble.Length, end - start)];
        var (kind, _) = WasmBinaryClassifier.Classify(preamble);
        if (preamble.Length < WasmBinaryClassifier.HeaderLength || kind != expected)
        {
            var what = expected == WasmModuleKind.CoreModule ? "core module" : "component";
            var found = preamble.Length < WasmBinaryClassifier.HeaderLength
                ? $"it holds only {end - start} bytes"
                : $"it starts with bytes {Convert.ToHexString(preamble).ToLowerInvariant()}";
            throw new WasmModuleFormatException(path, section, start, $"the section does not hold a {what}: {found}, not the {what} header");
        }
    }
}
