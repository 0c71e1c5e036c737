using static WasmSandbox.Tests.Inspection.WasmBinaryBuilder;

namespace WasmSandbox.Tests.Inspection;

/// <summary>
/// Writes component binaries section by section, including ones no encoder would produce (counts past the caps,
/// sections that hold the wrong thing, nesting thousands deep). Sections are written in call order; nothing is
/// validated. Import and export descriptors refer to type index 0, which no test needs to exist: the inspector reads
/// structure, not types.
/// </summary>
internal sealed class WasmComponentBuilder
{
    public static readonly byte[] ComponentHeader = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

    public const byte KindCoreModule = 0x00;
    public const byte KindFunc = 0x01;
    public const byte KindInstance = 0x05;

    private readonly List<byte> _bytes = [.. ComponentHeader];

    public byte[] Build() => [.. _bytes];

    public int Length => _bytes.Count;

    public WasmComponentBuilder Section(byte id, byte[] content) => Section(id, Leb((ulong)content.Length), content);

    public WasmComponentBuilder Section(byte id, byte[] encodedSize, byte[] content)
    {
        _bytes.Add(id);
        _bytes.AddRange(encodedSize);
        _bytes.AddRange(content);
        return this;
    }

    /// <summary>A core module section holding <paramref name="module"/> (a whole core module, header included).</summary>
    public WasmComponentBuilder CoreModule(byte[] module) => Section(1, module);

    /// <summary>A component section holding <paramref name="component"/> (a whole component, header included).</summary>
    public WasmComponentBuilder Component(byte[] component) => Section(4, component);

    /// <summary>An import section of instances (interfaces) with these names.</summary>
    public WasmComponentBuilder ImportInstances(params string[] names) =>
        Imports([.. names.Select(n => (n, new byte[] { KindInstance, 0x00 }))]);

    /// <summary>An import section; each descriptor is the extern descriptor's bytes, e.g. <c>[0x05, 0x00]</c> (instance of type 0).</summary>
    public WasmComponentBuilder Imports(params (string Name, byte[] Descriptor)[] imports) =>
        Section(10, Vector(imports.Select(i => Concat(ExternName(i.Name), i.Descriptor))));

    /// <summary>An export section of instances with these names (instance index 0, no ascribed type).</summary>
    public WasmComponentBuilder ExportInstances(params string[] names) =>
        Section(11, Vector(names.Select(n => Concat(ExternName(n), [KindInstance, 0x00, 0x00]))));

    /// <summary>A section of <paramref name="count"/> entries the inspector only counts (its content is arbitrary filler).</summary>
    public WasmComponentBuilder Counted(byte id, ulong count) => Section(id, Concat(Leb(count), new byte[Math.Max(1, (int)Math.Min(count, 64))]));

    public WasmComponentBuilder Custom(string name, byte[] content) => Section(0, Concat(Name(name), content));

    /// <summary>The name of an import or export: the 0x00 prefix, then the name.</summary>
    public static byte[] ExternName(string name) => Concat([0x00], Name(name));

    /// <summary>The imports and export of a WASI command component (the adapter's, at version 0.2.3).</summary>
    public static WasmComponentBuilder Command() => new WasmComponentBuilder()
        .ImportInstances("wasi:cli/environment@0.2.3", "wasi:cli/exit@0.2.3", "wasi:io/streams@0.2.3", "wasi:cli/stdout@0.2.3",
            "wasi:filesystem/preopens@0.2.3", "wasi:filesystem/types@0.2.3", "wasi:sockets/tcp@0.2.3", "wasi:random/random@0.2.3",
            "wasi:clocks/wall-clock@0.2.3")
        .ExportInstances("wasi:cli/run@0.2.3");

    /// <summary>
    /// <paramref name="depth"/> components, each the only section of the one around it, the innermost holding
    /// <paramref name="innermost"/>'s sections. Built inside out in one buffer, so a depth of hundreds of thousands
    /// costs its size, not its square.
    /// </summary>
    public static byte[] Nested(int depth, byte[] innermost)
    {
        // Sizes from the inside out: a level is its header, then one component section holding the level below.
        var sizes = new long[depth + 1];
        sizes[depth] = innermost.Length;
        for (var level = depth - 1; level >= 0; level--)
        {
            sizes[level] = ComponentHeader.Length + 1 + Leb((ulong)sizes[level + 1]).Length + sizes[level + 1];
        }
        var bytes = new List<byte>((int)sizes[0]);
        for (var level = 0; level < depth; level++)
        {
            bytes.AddRange(ComponentHeader);
            bytes.Add(4);
            bytes.AddRange(Leb((ulong)sizes[level + 1]));
        }
        bytes.AddRange(innermost);
        return [.. bytes];
    }
}
