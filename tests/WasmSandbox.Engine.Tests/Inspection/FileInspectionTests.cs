using Xunit;
using static WasmSandbox.Tests.Inspection.InspectionFixtures;
using B = WasmSandbox.Tests.Inspection.WasmBinaryBuilder;

namespace WasmSandbox.Tests.Inspection;

/// <summary>InspectFile reads only what it parses; it must still reach exactly the verdict Inspect reaches from memory.</summary>
public sealed class FileInspectionTests
{
    // Built on demand: xunit serialises theory arguments at discovery, which is slow for megabyte arrays.
    private static readonly Dictionary<string, Func<byte[]>> Modules = new()
    {
        ["too many imports"] = () => new B().Section(2, B.Leb(16385)).Build(),
        ["too many memories"] = () => new B().Section(5, B.Leb(1025)).Build(),
        ["eleven-byte LEB"] = () => new B().Section(2, B.Leb(0, 11)).Build(),
        ["truncated section"] = () => FromWat("hello.wat")[..40],
        ["large custom section"] = () => new B().Custom("debug", new byte[1 << 20]).Types().StartFunction().Build(),
        // Larger than the parser's 256 KiB file window, so entries and names straddle its refills.
        ["exports across the file window"] = () => new B().Types().Functions(1)
            .Exports([.. Enumerable.Range(0, 20_000).Select(i => ($"export-{i:d24}", B.KindFunc, 0u))]).Code(1).Build(),
        ["longest names across the file window"] = () => new B().Types().Functions(1)
            .Exports([.. Enumerable.Range(0, 6).Select(i => (new string((char)('a' + i), WasmInspectionOptions.MaxNameLength), B.KindFunc, 0u))]).Code(1).Build(),
        ["code across the file window"] = () => new B().Types().Functions(100_000).Code(100_000).Build(),
        ["component"] = () => [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00],
        ["empty"] = () => [],
    };

    public static TheoryData<string> ModuleNames => [.. WatFixtures, .. Modules.Keys];

    [Theory]
    [MemberData(nameof(ModuleNames))]
    public void FileAndMemoryAgree(string name)
    {
        var bytes = Modules.TryGetValue(name, out var build) ? build() : FromWat(name);
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "module.wasm");
        File.WriteAllBytes(path, bytes);

        foreach (var validate in new[] { true, false })
        {
            var options = new WasmInspectionOptions { RunWasmtimeValidation = validate, MaxMemoryBytes = 64L << 20 };
            Assert.Equal(Describe(WasmModuleInspector.Inspect(path, bytes, options)), Describe(WasmModuleInspector.InspectFile(path, options)));
        }
    }

    /// <summary>Everything a report says, as one comparable string.</summary>
    internal static string Describe(WasmModuleReport r) => string.Join("\n",
        [
            r.Path, r.Kind.ToString(), r.NativeFormat ?? "-", r.Size.ToString(), r.EntryPoint ?? "-", r.WasiVersion ?? "-",
            .. r.Imports.Select(i => i.ToString()), .. r.Exports.Select(e => e.ToString()),
            .. r.Memories.Select(m => m.ToString()), .. r.Problems.Select(p => p.ToString()),
        ]);
}
