using Xunit;
using static WasmSandbox.Tests.Inspection.InspectionFixtures;
using B = WasmSandbox.Tests.Inspection.WasmBinaryBuilder;

namespace WasmSandbox.Tests.Inspection;

public sealed class ParserLimitTests
{
    private static byte[] WithImports(int count) => new B()
        .Types()
        .Imports([.. Enumerable.Repeat(("wasi_snapshot_preview1", "sched_yield", B.FuncImport()), count)])
        .StartFunction(importedFunctions: (uint)count)
        .Build();

    [Fact]
    public void ImportCountAtTheCapPasses()
    {
        var report = Inspect(WithImports(16384));

        Assert.True(report.IsValid, string.Join("; ", report.Problems.Take(3)));
        Assert.Equal(16384, report.Imports.Count);
    }

    [Fact]
    public void ImportCountOverTheCapIsRefused()
    {
        var report = Inspect(WithImports(16385));

        Assert.Equal([WasmModuleProblemCode.TooManyImports], Codes(report));
        Assert.Empty(report.Imports);
        var ex = Refusal<WasmParserLimitException>(report);
        Assert.Equal($"{DisplayPath}: import section contains 16385 entries, more than the configured parser cap of 16384", ex.Message);
        Assert.Equal(WasmParserLimit.ImportCount, ex.Limit);
        Assert.Equal("ParserLimitExceeded", ex.ErrorId);
        Assert.Equal(WasmErrorCategory.LimitsExceeded, ex.Category);
        Assert.Equal(DisplayPath, ex.TargetPath);
    }

    [Fact]
    public void ImportCapIsConfigurable()
    {
        Assert.True(Inspect(WithImports(2), new WasmInspectionOptions { MaxImports = 2 }).IsValid);
        Assert.Equal([WasmModuleProblemCode.TooManyImports], Codes(Inspect(WithImports(3), new WasmInspectionOptions { MaxImports = 2 })));
    }

    [Fact]
    public void HugeDeclaredCountIsRefusedBeforeAnythingIsAllocated()
    {
        // Eight bytes of section claiming 2^63 imports.
        var bytes = new B().Section(2, B.Leb(1UL << 63)).Build();

        var report = Inspect(bytes);

        Assert.Contains("import section contains 9223372036854775808 entries", Single(report, WasmModuleProblemCode.TooManyImports).Message);
    }

    [Fact]
    public void RaisedCapStillSizesNothingByTheDeclaredCount()
    {
        // Under a cap raised to int.MaxValue the count passes, and must not become a 16 GiB list before parsing.
        var bytes = new B().Section(2, B.Leb(int.MaxValue)).Build();

        var report = Inspect(bytes, new WasmInspectionOptions { MaxImports = int.MaxValue });

        Assert.Equal(
            $"{DisplayPath}: malformed import section at byte offset 10: 2147483647 entries cannot fit in the 0 bytes left in the section",
            Single(report, WasmModuleProblemCode.MalformedSection).Message);
    }

    [Fact]
    public void OptionsRefuseImpossibleCaps()
    {
        var options = new WasmInspectionOptions();

        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxFileBytes = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxFileBytes = (long)Array.MaxLength + 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxMemoryBytes = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxImports = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxMemories = -1);
        Assert.Equal(
            (256L << 20, 256L << 20, 16384, 1024, WasmPermissionTier.Isolated, true, true),
            (options.MaxFileBytes, options.MaxMemoryBytes, options.MaxImports, options.MaxMemories, options.PermissionTier,
             options.RequireEntryPoint, options.RunWasmtimeValidation));
    }

    private static byte[] WithMemories(int count) =>
        new B().Memories([.. Enumerable.Repeat(B.Limits(0x01, 0, 0), count)]).Build();

    [Fact]
    public void MemoryCountAtTheCapPassesTheCapCheck()
    {
        var report = Inspect(WithMemories(1024), new WasmInspectionOptions { RunWasmtimeValidation = false, RequireEntryPoint = false });

        Assert.True(report.IsValid, string.Join("; ", report.Problems));
        Assert.Equal(1024, report.Memories.Count);
    }

    [Fact]
    public void MemoryCountOverTheCapIsRefused()
    {
        var report = Inspect(WithMemories(1025));

        Assert.Equal([WasmModuleProblemCode.TooManyMemories], Codes(report));
        var ex = Refusal<WasmParserLimitException>(report);
        Assert.Equal($"{DisplayPath}: memory section contains 1025 entries, more than the configured parser cap of 1024", ex.Message);
        Assert.Equal(WasmParserLimit.MemoryCount, ex.Limit);
    }

    // Where a LEB128 can sit: a module built around it, and the offset it starts at. The value is 1 for the section
    // size (whose one-byte body follows) and 0 everywhere else, so that only the encoding's length matters.
    private static readonly Dictionary<string, (Func<byte[], byte[]> Build, long Offset)> LebPlaces = new()
    {
        ["section size"] = (leb => new B().Section(2, leb, [0x00]).Build(), 9),
        ["import count"] = (leb => new B().Section(2, leb).Build(), 10),
        ["name length"] = (leb => new B().Section(2, B.Concat([0x01], leb, B.Name("f"), B.FuncImport())).Build(), 11),
        ["64-bit memory minimum"] = (leb => new B().Section(5, B.Concat([0x01, 0x04], leb)).Build(), 12),
        ["export index"] = (leb => new B().Section(7, B.Concat([0x01], B.Name("f"), [B.KindFunc], leb)).Build(), 14),
        ["custom section name length"] = (leb => new B().Section(0, B.Concat(leb, [0x00])).Build(), 10),
    };

    public static TheoryData<string> LebPlaceNames => [.. LebPlaces.Keys];

    private static byte[] WithLeb(string place, int length) =>
        LebPlaces[place].Build(B.Leb(place == "section size" ? 1UL : 0UL, length));

    [Theory]
    [MemberData(nameof(LebPlaceNames))]
    public void TenByteLebPassesTheCap(string place)
    {
        var report = Inspect(WithLeb(place, 10), new WasmInspectionOptions { RunWasmtimeValidation = false, RequireEntryPoint = false });

        Assert.DoesNotContain(WasmModuleProblemCode.VarUintTooLong, Codes(report));
        Assert.DoesNotContain(WasmModuleProblemCode.MalformedSection, Codes(report));
    }

    [Theory]
    [MemberData(nameof(LebPlaceNames))]
    public void ElevenByteLebIsRefused(string place)
    {
        var report = Inspect(WithLeb(place, 11));

        Assert.Equal([WasmModuleProblemCode.VarUintTooLong], Codes(report));
        var ex = Refusal<WasmParserLimitException>(report);
        Assert.Equal(
            $"{DisplayPath}: varuint exceeds the parser cap of 10 bytes (LEB128 at byte offset {LebPlaces[place].Offset})", ex.Message);
        Assert.Equal(WasmParserLimit.VarUintLength, ex.Limit);
    }

    [Fact]
    public void TenByteLebIsLeftToWasmtimeToReject()
    {
        // Valid LEB128 for us, but a u32 may take at most five bytes; Wasmtime reports that at compile time.
        var report = Inspect(new B().Section(2, B.Leb(0, 10)).Build(), new WasmInspectionOptions { RequireEntryPoint = false });

        Assert.Equal([WasmModuleProblemCode.ValidationFailed], Codes(report));
        WasmModuleInspector.EnsureRunnable(report);
    }

    [Fact]
    public void FileSizeCapAppliesToMemoryToo()
    {
        var bytes = B.MinimalCommand();

        Assert.True(Inspect(bytes, new WasmInspectionOptions { MaxFileBytes = bytes.Length }).IsValid);
        var report = Inspect(bytes, new WasmInspectionOptions { MaxFileBytes = bytes.Length - 1 });
        Assert.Equal([WasmModuleProblemCode.ModuleTooLarge], Codes(report));
        Assert.Equal(WasmModuleKind.CoreModule, report.Kind);
        var ex = Refusal<WasmParserLimitException>(report);
        Assert.Equal(
            $"{DisplayPath}: module file size of {bytes.Length} bytes exceeds the configured parser cap of {bytes.Length - 1} bytes",
            ex.Message);
        Assert.Equal(WasmParserLimit.FileSize, ex.Limit);
    }

    [Fact]
    public void OversizedFileIsStillClassified()
    {
        var report = Inspect([0x7f, 0x45, 0x4c, 0x46, 0x02], new WasmInspectionOptions { MaxFileBytes = 4 });

        Assert.Equal([WasmModuleProblemCode.ModuleTooLarge, WasmModuleProblemCode.NativeBinaryNotSupported], Codes(report));
        Assert.Equal("ELF", report.NativeFormat);
        Refusal<WasmParserLimitException>(report);
    }

    [Fact]
    public void FileSizeCapIsDecidedWithoutReadingTheFile()
    {
        using var dir = new TempDir();
        var over = Path.Combine(dir.Path, "over.wasm");
        var atCap = Path.Combine(dir.Path, "at-cap.wasm");
        const long cap = 256L << 20;
        // Sparse files: a core module header followed by zeros, which parse as an empty custom section (malformed).
        foreach (var (path, length) in new[] { (over, cap + 1), (atCap, cap) })
        {
            using var stream = new FileStream(path, FileMode.CreateNew);
            stream.Write(B.CoreHeader);
            stream.SetLength(length);
        }

        var report = WasmModuleInspector.InspectFile(over, new WasmInspectionOptions());

        // Only the size problem: the sections were never looked at.
        Assert.Equal([WasmModuleProblemCode.ModuleTooLarge], Codes(report));
        Assert.Equal(cap + 1, report.Size);
        Assert.Equal(WasmModuleKind.CoreModule, report.Kind);
        Assert.Equal($"{over}: module file size of 268435457 bytes exceeds the configured parser cap of 268435456 bytes", report.Problems[0].Message);

        // At the cap the size passes and the section walk stops at the first section, without reading the rest.
        var atCapReport = WasmModuleInspector.InspectFile(atCap, new WasmInspectionOptions());
        Assert.Equal([WasmModuleProblemCode.MalformedSection], Codes(atCapReport));
        Assert.Equal($"{atCap}: malformed custom section at byte offset 10: unexpected end of section", atCapReport.Problems[0].Message);
    }
}
