namespace WasmSandbox;

/// <summary>
/// Walks the sections of a core module (after the 8-byte header) and collects its imports, exports and memories.
/// It checks structure (section sizes, order, entry encodings) and the parser caps, not semantics: everything it skips
/// or accepts leniently is left to Wasmtime's validator. It never recurses and never allocates per entry before the
/// entry count has passed its cap.
/// </summary>
internal static class WasmModuleParser
{
    /// <summary>What the parser collected from a structurally sound module.</summary>
    public sealed record Contents(
        IReadOnlyList<WasmImportInfo> Imports,
        IReadOnlyList<WasmExportInfo> Exports,
        IReadOnlyList<WasmMemoryInfo> Memories);

    private static readonly string[] ExternalKinds = ["func", "table", "memory", "global", "tag"];

    /// <exception cref="WasmModuleFormatException">The module is structurally broken.</exception>
    /// <exception cref="WasmParserLimitException">The module exceeds a parser cap.</exception>
    public static Contents Parse(string path, scoped ModuleBytes bytes, WasmInspectionOptions options)
    {
        var imports = new List<WasmImportInfo>();
        var exports = new List<WasmExportInfo>();
        var memories = new List<WasmMemoryInfo>();
        byte[]? scratch = null;
        WasmSectionId? previous = null;
        Span<byte> headerBuffer = stackalloc byte[1 + WasmBodyReader.MaxLebBytes];

        for (long offset = WasmBinaryClassifier.HeaderLength; offset < bytes.Length;)
        {
            var header = bytes.Peek(offset, headerBuffer);
            var rawId = header[0];
            if (!WasmSectionIds.IsKnown(rawId))
            {
                throw new WasmModuleFormatException(path, "section header", offset, $"unknown section id {rawId}");
            }
            var id = (WasmSectionId)rawId;
            var name = WasmSectionIds.Name(id);

            var sizeReader = new WasmBodyReader(header[1..], offset + 1, path, name, "file");
            var size = sizeReader.ReadVarU64();
            var bodyStart = offset + 1 + sizeReader.Position;
            var available = bytes.Length - bodyStart;
            if (size > (ulong)available)
            {
                throw new WasmModuleFormatException(path, name, offset,
                    $"section size {size} runs past the end of the file ({available} bytes remain)");
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

            switch (id)
            {
                case WasmSectionId.Custom:
                    CheckCustomSection(path, bytes, bodyStart, size);
                    break;
                case WasmSectionId.Import:
                case WasmSectionId.Function:
                case WasmSectionId.Memory:
                case WasmSectionId.Export:
                case WasmSectionId.Start:
                case WasmSectionId.DataCount:
                case WasmSectionId.Tag:
                    // size <= available <= MaxFileBytes <= Array.MaxLength, so it fits in an int.
                    var body = new WasmBodyReader(bytes.Read(bodyStart, (int)size, ref scratch), bodyStart, path, name, "section");
                    ParseBody(id, ref body, imports, exports, memories, path, options);
                    body.ExpectEnd();
                    break;
                default:
                    // Types, tables, globals, elements, code and data need instruction or type decoding to check;
                    // nothing the report lists is in them, and Wasmtime validates them.
                    break;
            }
            offset = bodyStart + (long)size;
        }
        return new Contents(imports, exports, memories);
    }

    private static void ParseBody(
        WasmSectionId id,
        ref WasmBodyReader body,
        List<WasmImportInfo> imports,
        List<WasmExportInfo> exports,
        List<WasmMemoryInfo> memories,
        string path,
        WasmInspectionOptions options)
    {
        switch (id)
        {
            case WasmSectionId.Import:
                ParseImports(ref body, imports, memories, path, options.MaxImports);
                break;
            case WasmSectionId.Memory:
                ParseMemories(ref body, memories, path, options.MaxMemories);
                break;
            case WasmSectionId.Export:
                ParseExports(ref body, exports);
                break;
            case WasmSectionId.Function:
                // A vector of type indices; parsed only so that its size is checked.
                for (ulong i = 0, count = body.ReadVarU64(); i < count; i++)
                {
                    body.ReadVarU32();
                }
                break;
            case WasmSectionId.Tag:
                for (ulong i = 0, count = body.ReadVarU64(); i < count; i++)
                {
                    body.ReadByte(); // attribute
                    body.ReadVarU32(); // type index
                }
                break;
            case WasmSectionId.Start:
            case WasmSectionId.DataCount:
                body.ReadVarU32();
                break;
        }
    }

    private static void ParseImports(
        ref WasmBodyReader body, List<WasmImportInfo> imports, List<WasmMemoryInfo> memories, string path, int cap)
    {
        var count = body.ReadVarU64();
        if (count > (ulong)cap)
        {
            throw WasmParserLimitException.TooManyImports(path, count, cap);
        }
        // Even under the cap, size the list by what the section can hold (an entry takes at least four bytes), not
        // by the declared count: the cap is configurable and the count is the file's word.
        imports.Capacity = (int)Math.Min(count, (ulong)body.Remaining / 4);
        for (ulong i = 0; i < count; i++)
        {
            var module = body.ReadName();
            var name = body.ReadName();
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
                    memories.Add(ReadMemory(ref body, imported: true));
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
            imports.Add(new WasmImportInfo(module, name, ExternalKinds[kind]));
        }
    }

    private static void ParseMemories(ref WasmBodyReader body, List<WasmMemoryInfo> memories, string path, int cap)
    {
        var count = body.ReadVarU64();
        if (count > (ulong)cap)
        {
            throw WasmParserLimitException.TooManyMemories(path, count, cap);
        }
        for (ulong i = 0; i < count; i++)
        {
            memories.Add(ReadMemory(ref body, imported: false));
        }
    }

    private static void ParseExports(ref WasmBodyReader body, List<WasmExportInfo> exports)
    {
        // No cap and no preallocation: each entry takes at least three bytes of a section whose size has been checked.
        for (ulong i = 0, count = body.ReadVarU64(); i < count; i++)
        {
            var name = body.ReadName();
            var kindOffset = body.Offset;
            var kind = body.ReadByte();
            if (kind >= ExternalKinds.Length)
            {
                throw body.Malformed(kindOffset, $"export {name} has unknown kind 0x{kind:x2}");
            }
            body.ReadVarU32(); // index
            exports.Add(new WasmExportInfo(name, ExternalKinds[kind]));
        }
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
    private static void CheckCustomSection(string path, scoped ModuleBytes bytes, long bodyStart, ulong size)
    {
        Span<byte> buffer = stackalloc byte[WasmBodyReader.MaxLebBytes];
        var prefix = bytes.Peek(bodyStart, buffer[..(int)Math.Min((ulong)buffer.Length, size)]);
        var reader = new WasmBodyReader(prefix, bodyStart, path, "custom section", "section");
        var nameLength = reader.ReadVarU64();
        if (nameLength > size - (ulong)reader.Position)
        {
            throw reader.Malformed(bodyStart, $"name length {nameLength} runs past the end of the section");
        }
    }
}
