using System.Text;

namespace WasmSandbox.Tests.Inspection;

/// <summary>
/// Writes WebAssembly binaries section by section, including ones no assembler would produce: counts past the caps,
/// over-long LEB128 encodings, sizes that lie. Sections are written in call order; nothing is validated.
/// </summary>
internal sealed class WasmBinaryBuilder
{
    public static readonly byte[] CoreHeader = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

    public const byte KindFunc = 0x00;
    public const byte KindTable = 0x01;
    public const byte KindMemory = 0x02;
    public const byte KindGlobal = 0x03;
    public const byte KindTag = 0x04;

    private readonly List<byte> _bytes = [.. CoreHeader];

    /// <summary>The offset the next section will start at.</summary>
    public int Offset => _bytes.Count;

    public byte[] Build() => [.. _bytes];

    /// <summary>A section with its true size.</summary>
    public WasmBinaryBuilder Section(byte id, byte[] content) => Section(id, Leb((ulong)content.Length), content);

    /// <summary>A section with a size encoded by the caller (padded, too long, or a lie).</summary>
    public WasmBinaryBuilder Section(byte id, byte[] encodedSize, byte[] content)
    {
        _bytes.Add(id);
        _bytes.AddRange(encodedSize);
        _bytes.AddRange(content);
        return this;
    }

    public WasmBinaryBuilder Raw(params byte[] bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    /// <summary>A type section with the single type <c>(func)</c>, index 0.</summary>
    public WasmBinaryBuilder Types() => Section(1, [0x01, 0x60, 0x00, 0x00]);

    public WasmBinaryBuilder Imports(params (string Module, string Name, byte[] Descriptor)[] imports) =>
        Section(2, Vector(imports.Select(i => Concat(Name(i.Module), Name(i.Name), i.Descriptor))));

    /// <summary><paramref name="count"/> functions of type 0.</summary>
    public WasmBinaryBuilder Functions(int count) => Section(3, Vector(Enumerable.Repeat(new byte[] { 0x00 }, count)));

    public WasmBinaryBuilder Memories(params byte[][] limits) => Section(5, Vector(limits));

    public WasmBinaryBuilder Exports(params (string Name, byte Kind, uint Index)[] exports) =>
        Section(7, Vector(exports.Select(e => Concat(Name(e.Name), [e.Kind], Leb(e.Index)))));

    /// <summary><paramref name="count"/> empty function bodies.</summary>
    public WasmBinaryBuilder Code(int count) => Section(10, Vector(Enumerable.Repeat(new byte[] { 0x02, 0x00, 0x0b }, count)));

    public WasmBinaryBuilder Custom(string name, byte[] content) => Section(0, Concat(Name(name), content));

    /// <summary>
    /// Function, export and code sections for one function exported as <c>_start</c> (the first after
    /// <paramref name="importedFunctions"/> imported ones). Use <see cref="Functions"/> and <see cref="StartExport"/>
    /// instead when a table or memory section must go between them.
    /// </summary>
    public WasmBinaryBuilder StartFunction(uint importedFunctions = 0) => Functions(1).StartExport(importedFunctions);

    /// <summary>Export and code sections for function <paramref name="functionIndex"/> exported as <c>_start</c>.</summary>
    public WasmBinaryBuilder StartExport(uint functionIndex = 0) => Exports(("_start", KindFunc, functionIndex)).Code(1);

    /// <summary>The smallest valid WASI command: one empty exported <c>_start</c>.</summary>
    public static byte[] MinimalCommand() => new WasmBinaryBuilder().Types().StartFunction().Build();

    /// <summary>An unsigned LEB128, padded with continuation bytes to at least <paramref name="minLength"/> bytes.</summary>
    public static byte[] Leb(ulong value, int minLength = 1)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7f);
            value >>= 7;
            bytes.Add(value != 0 || bytes.Count + 1 < minLength ? (byte)(b | 0x80) : b);
        }
        while (value != 0 || bytes.Count < minLength);
        return [.. bytes];
    }

    /// <summary>A LEB128 of <paramref name="length"/> bytes whose every byte has the continuation bit set but the last.</summary>
    public static byte[] LongLeb(int length) => Leb(1, length);

    public static byte[] Name(string name) => Concat(Leb((ulong)Encoding.UTF8.GetByteCount(name)), Encoding.UTF8.GetBytes(name));

    public static byte[] Vector(IEnumerable<byte[]> items)
    {
        var list = items.ToList();
        return Concat([Leb((ulong)list.Count), .. list]);
    }

    public static byte[] Limits(byte flags, ulong minimum, ulong? maximum = null) =>
        Concat([flags], Leb(minimum), maximum is { } max ? Leb(max) : []);

    public static byte[] FuncImport(uint typeIndex = 0) => Concat([KindFunc], Leb(typeIndex));

    public static byte[] MemoryImport(byte flags, ulong minimum, ulong? maximum = null) => Concat([KindMemory], Limits(flags, minimum, maximum));

    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
