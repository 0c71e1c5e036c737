namespace WasmSandbox;

/// <summary>
/// Walks the sections of a core module (after the 8-byte header) and collects its imports, exports and memories.
/// It checks structure (section sizes, order, entry encodings) and the parser caps, not semantics: everything it skips
/// or accepts leniently is left to Wasmtime's validator. It never recurses, caps every count it reads (and the number
/// of sections) before it allocates anything for the entries, and reads a file through one fixed window, so a file
/// within the size cap costs bounded memory and time; the cancellation token is checked per section and every few
/// thousand entries.
/// </summary>
internal static class WasmModuleParser
{
    /// <summary>What the parser collected from a structurally sound module.</summary>
    public sealed record Contents(
        IReadOnlyList<WasmImportInfo> Imports,
        IReadOnlyList<WasmExportInfo> Exports,
        IReadOnlyList<WasmMemoryInfo> Memories);

    private static readonly string[] ExternalKinds = ["func", "table", "memory", "global", "tag"];

    /// <summary>How many entries are walked between two looks at the cancellation token.</summary>
    private const int CancellationStride = 4096;

    /// <exception cref="WasmModuleFormatException">The module is structurally broken.</exception>
    /// <exception cref="WasmParserLimitException">The module exceeds a parser cap.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled.</exception>
    public static Contents Parse(string path, scoped ModuleBytes bytes, WasmInspectionOptions options, CancellationToken cancellation)
    {
        byte[]? window = null;
        return Parse(path, bytes, WasmBinaryClassifier.HeaderLength, bytes.Length, options, new WasmNameBudget(path, options.MaxNameBytes),
            ref window, cancellation);
    }

    /// <summary>
    /// Walks the sections of a core module that lie between <paramref name="start"/> (just past its header) and
    /// <paramref name="end"/>: the whole file, or a core module nested in a component. Names count against
    /// <paramref name="names"/>, which a component shares among all the modules inside it; <paramref name="window"/>
    /// is the caller's file window.
    /// </summary>
    internal static Contents Parse(string path, scoped ModuleBytes bytes, long start, long end, WasmInspectionOptions options,
        WasmNameBudget names, ref byte[]? window, CancellationToken cancellation)
    {
        var walk = new Walk(path, options, names, cancellation);
        WasmSectionId? previous = null;
        var sections = 0;
        Span<byte> headerBuffer = stackalloc byte[1 + WasmBodyReader.MaxLebBytes];

        for (long offset = start; offset < end;)
        {
            cancellation.ThrowIfCancellationRequested();
            if (++sections > options.MaxSections)
            {
                throw WasmParserLimitException.TooManySections(path, offset, options.MaxSections);
            }
            var header = bytes.Peek(offset, headerBuffer);
            header = header[..(int)Math.Min(header.Length, end - offset)];
            var rawId = header[0];
            if (!WasmSectionIds.IsKnown(rawId))
            {
                throw new WasmModuleFormatException(path, "section header", offset, $"unknown section id {rawId}");
            }
            var id = (WasmSectionId)rawId;
            var name = WasmSectionIds.Name(id);

            var sizeReader = new WasmBodyReader(header[1..], offset + 1, path, name, end == bytes.Length ? "file" : "core module");
            var size = sizeReader.ReadVarU64();
            var bodyStart = offset + 1 + sizeReader.Position;
            var available = end - bodyStart;
            if (size > (ulong)available)
            {
                throw new WasmModuleFormatException(path, name, offset, end == bytes.Length
                    ? $"section size {size} runs past the end of the file ({available} bytes remain)"
                    : $"section size {size} runs past the end of the core module ({available} bytes remain)");
            }

            if (id != WasmSectionId.Custom)
            {
                // Repeated or misplaced sections would let counts (and caps) add up across copies; Wasmtime rejects them too.
                if (previous is { } before && WasmSectionIds.Order(id) <= WasmSectionIds.Order(before))
                {
                    throw new WasmModuleFormatException(path, name, offset, id == before
                        ? "the section appears twice"
                        : $"the section is out of order (it follows the {WasmSectionIds.Name(before)})");
                }
                previous = id;
            }

            var body = new WasmBodyReader(bytes, bodyStart, (long)size, ref window, path, name);
            if (id == WasmSectionId.Custom)
            {
                CheckCustomSection(ref body, bodyStart);
            }
            else
            {
                walk.Section(id, ref body);
            }
            offset = bodyStart + (long)size;
        }
        return new Contents(walk.Imports, walk.Exports, walk.Memories);
    }

    /// <summary>The state of one parse: what has been collected, and the caps and token it is held to.</summary>
    private sealed class Walk(string path, WasmInspectionOptions options, WasmNameBudget names, CancellationToken cancellation)
    {
        public List<WasmImportInfo> Imports { get; } = [];
        public List<WasmExportInfo> Exports { get; } = [];
        public List<WasmMemoryInfo> Memories { get; } = [];
        public void Section(WasmSectionId id, ref WasmBodyReader body)
        {
            switch (id)
            {
                case WasmSectionId.Import:
                    ParseImports(ref body);
                    break;
                case WasmSectionId.Memory:
                    for (int i = 0, count = Count(ref body, WasmParserLimit.MemoryCount, options.MaxMemories); i < count; i++)
                    {
                        Memories.Add(ReadMemory(ref body, imported: false));
                    }
                    break;
                case WasmSectionId.Export:
                    ParseExports(ref body);
                    break;
                case WasmSectionId.Function:
                    // A vector of type indices; parsed only so that its size is checked.
                    for (int i = 0, count = Count(ref body, WasmParserLimit.FunctionCount, options.MaxFunctions); i < count; i++)
                    {
                        Tick(i);
                        body.ReadVarU32();
                    }
                    break;
                case WasmSectionId.Tag:
                    for (int i = 0, count = Count(ref body, WasmParserLimit.TagCount, options.MaxTags); i < count; i++)
                    {
                        Tick(i);
                        body.ReadByte(); // attribute
                        body.ReadVarU32(); // type index
                    }
                    break;
                case WasmSectionId.Code:
                    ParseCode(ref body);
                    break;
                case WasmSectionId.Start:
                    body.ReadVarU32();
                    break;
                case WasmSectionId.DataCount:
                    var dataCountOffset = body.Offset;
                    if (body.ReadVarU32() is var declared && declared > (uint)options.MaxDataSegments)
                    {
                        throw WasmParserLimitException.TooMany(path, WasmParserLimit.DataSegmentCount,
                            $"data count section (at byte offset {dataCountOffset})", declared, options.MaxDataSegments);
                    }
                    break;
                default:
                    // Types, tables, globals, elements and data need type or instruction decoding to check entry by
                    // entry; nothing the report lists is in them, and Wasmtime validates them. Their counts are capped
                    // all the same, so that no count beyond the engines' limits reaches Wasmtime.
                    Count(ref body, CountLimit(id), CountCap(id));
                    body.Skip(body.Remaining, "the rest of the section");
                    return;
            }
            body.ExpectEnd();
        }

        private void ParseImports(ref WasmBodyReader body)
        {
            var count = Count(ref body, WasmParserLimit.ImportCount, options.MaxImports);
            // Sized by what the section can hold (an entry takes at least four bytes) as well as by the cap.
            Imports.Capacity = (int)Math.Min(count, body.Remaining / 4);
            for (var i = 0; i < count; i++)
            {
                Tick(i);
                var module = ReadName(ref body);
                var name = ReadName(ref body);
                var kindOffset = body.Offset;
                var kind = body.ReadByte();
                switch (kind)
                {
                    case 0x00: // function: type index
                        body.ReadVarU32();
                        break;
                    case 0x01: // table: reference type and limits
                        body.SkipValueType();
                        body.ReadLimits();
                        break;
                    case 0x02:
                        Memories.Add(ReadMemory(ref body, imported: true));
                        break;
                    case 0x03: // global: value type and mutability
                        body.SkipValueType();
                        body.ReadByte();
                        break;
                    case 0x04: // tag: attribute and type index
                        body.ReadByte();
                        body.ReadVarU32();
                        break;
                    default:
                        throw body.Malformed(kindOffset, $"import {module}.{name} has unknown kind 0x{kind:x2}");
                }
                Imports.Add(new WasmImportInfo(module, name, ExternalKinds[kind]));
            }
        }

        private void ParseExports(ref WasmBodyReader body)
        {
            var count = Count(ref body, WasmParserLimit.ExportCount, options.MaxExports);
            // An entry takes at least three bytes.
            Exports.Capacity = (int)Math.Min(count, body.Remaining / 3);
            for (var i = 0; i < count; i++)
            {
                Tick(i);
                var name = ReadName(ref body);
                var kindOffset = body.Offset;
                var kind = body.ReadByte();
                if (kind >= ExternalKinds.Length)
                {
                    throw body.Malformed(kindOffset, $"export {name} has unknown kind 0x{kind:x2}");
                }
                body.ReadVarU32(); // index
                Exports.Add(new WasmExportInfo(name, ExternalKinds[kind]));
            }
        }

        /// <summary>Each function body: its size and its local declarations, whose total is capped; the code itself is Wasmtime's.</summary>
        private void ParseCode(ref WasmBodyReader body)
        {
            var count = Count(ref body, WasmParserLimit.FunctionCount, options.MaxFunctions);
            for (var i = 0; i < count; i++)
            {
                Tick(i);
                var sizeOffset = body.Offset;
                var size = body.ReadVarU32();
                if (size > body.Remaining)
                {
                    throw body.Malformed(sizeOffset, $"function body size {size} runs past the end of the section");
                }
                var end = body.Offset + size;
                ulong locals = 0;
                // Each group takes at least two bytes of the body, so the body's size bounds this loop.
                for (uint group = 0, groups = body.ReadVarU32(); group < groups; group++)
                {
                    Tick((int)(group % CancellationStride));
                    var groupOffset = body.Offset;
                    locals += body.ReadVarU32();
                    if (locals > (ulong)options.MaxLocals)
                    {
                        throw WasmParserLimitException.TooManyLocals(path, groupOffset, locals, options.MaxLocals);
                    }
                    body.SkipValueType();
                    if (body.Offset > end)
                    {
                        break; // reported below
                    }
                }
                if (body.Offset > end)
                {
                    throw body.Malformed(sizeOffset, $"the local declarations run past the end of the {size}-byte function body");
                }
                body.Skip(end - body.Offset, "function body");
            }
        }

        /// <summary>Reads a vector's count and refuses it, before anything is allocated, when it is over its cap or cannot fit.</summary>
        private int Count(ref WasmBodyReader body, WasmParserLimit limit, int cap)
        {
            var offset = body.Offset;
            var count = body.ReadVarU64();
            if (count > (ulong)cap)
            {
                throw WasmParserLimitException.TooMany(path, limit, body.Section, count, cap);
            }
            // Every entry of every vector takes at least one byte.
            if (count > (ulong)body.Remaining)
            {
                throw body.Malformed(offset, $"{count} entries cannot fit in the {body.Remaining} bytes left in the section");
            }
            return (int)count;
        }

        private string ReadName(ref WasmBodyReader body)
        {
            var start = body.Offset;
            var name = body.ReadName();
            names.Add(start, body.Offset - start);
            return name;
        }

        private void Tick(int i)
        {
            if (i % CancellationStride == CancellationStride - 1)
            {
                cancellation.ThrowIfCancellationRequested();
            }
        }

        private static WasmParserLimit CountLimit(WasmSectionId id) => id switch
        {
            WasmSectionId.Type => WasmParserLimit.TypeCount,
            WasmSectionId.Table => WasmParserLimit.TableCount,
            WasmSectionId.Global => WasmParserLimit.GlobalCount,
            WasmSectionId.Element => WasmParserLimit.ElementSegmentCount,
            WasmSectionId.Data => WasmParserLimit.DataSegmentCount,
            _ => throw new ArgumentOutOfRangeException(nameof(id), id, null),
        };

        private int CountCap(WasmSectionId id) => id switch
        {
            WasmSectionId.Type => options.MaxTypes,
            WasmSectionId.Table => options.MaxTables,
            WasmSectionId.Global => options.MaxGlobals,
            WasmSectionId.Element => options.MaxElementSegments,
            WasmSectionId.Data => options.MaxDataSegments,
            _ => throw new ArgumentOutOfRangeException(nameof(id), id, null),
        };
    }

    private static WasmMemoryInfo ReadMemory(ref WasmBodyReader body, bool imported)
    {
        var (minimum, maximum, shared, is64) = body.ReadLimits();
        return new WasmMemoryInfo(minimum, maximum, is64, shared, imported);
    }

    /// <summary>
    /// Checks that a custom section holds its name. Only the name's length is read: custom sections (debug info) can
    /// be most of a file, and their content is no one's business here.
    /// </summary>
    private static void CheckCustomSection(ref WasmBodyReader body, long bodyStart)
    {
        var nameLength = body.ReadVarU64();
        if (nameLength > (ulong)body.Remaining)
        {
            throw body.Malformed(bodyStart, $"name length {nameLength} runs past the end of the section");
        }
    }
}
