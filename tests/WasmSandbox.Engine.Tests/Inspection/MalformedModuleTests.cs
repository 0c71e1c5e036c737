using Xunit;
using static WasmSandbox.Tests.Inspection.InspectionFixtures;
using B = WasmSandbox.Tests.Inspection.WasmBinaryBuilder;

namespace WasmSandbox.Tests.Inspection;

public sealed class MalformedModuleTests
{
    public static TheoryData<string, byte[], string> MalformedModules => new()
    {
        {
            "section size past the end of the file",
            new B().Section(1, B.Leb(100), [0x00]).Build(),
            "type section at byte offset 8: section size 100 runs past the end of the file (1 bytes remain)"
        },
        {
            "content shorter than the section size",
            new B().Section(2, [0x00, 0x00]).Build(),
            "import section at byte offset 11: 1 bytes left over after the last entry (the content does not end at the declared size)"
        },
        {
            "content longer than the section size",
            new B().Section(2, B.Concat([0x01], B.Name("wasi_snapshot_preview1"))).Raw(B.Concat(B.Name("fd_write"), B.FuncImport())).Build(),
            "import section at byte offset 34: unexpected end of section"
        },
        {
            "unknown section id",
            new B().Section(14, [0x00]).Build(),
            "section header at byte offset 8: unknown section id 14"
        },
        {
            "file ends inside a section header",
            new B().Raw(0x01, 0x80).Build(),
            "type section at byte offset 10: unexpected end of file"
        },
        {
            "section out of order",
            new B().Memories(B.Limits(0, 1)).Types().Build(),
            "type section at byte offset 13: the section is out of order (it follows the memory section)"
        },
        {
            "section repeated",
            new B().Types().Types().Build(),
            "type section at byte offset 14: the section appears twice"
        },
        {
            "unknown import kind",
            new B().Imports(("env", "f", [0x05])).Build(),
            "import section at byte offset 17: import env.f has unknown kind 0x05"
        },
        {
            "unknown export kind",
            new B().Exports(("f", 0x05, 0)).Build(),
            "export section at byte offset 13: export f has unknown kind 0x05"
        },
        {
            "limits flags from an unsupported proposal",
            new B().Memories(B.Limits(0x08, 1)).Build(),
            "memory section at byte offset 11: limits flags 0x08 are not one of 0x00 to 0x07"
        },
        {
            "32-bit memory limit over 32 bits",
            new B().Memories(B.Limits(0x00, 1UL << 32)).Build(),
            "memory section at byte offset 12: integer 4294967296 does not fit in 32 bits"
        },
        {
            "LEB128 over 64 bits",
            new B().Section(5, B.Concat([0x01, 0x04], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02])).Build(),
            "memory section at byte offset 12: LEB128 integer does not fit in 64 bits"
        },
        {
            "name that is not UTF-8",
            new B().Imports(("env", "f", B.FuncImport())).Build().Select(b => b == (byte)'f' ? (byte)0xff : b).ToArray(),
            "import section at byte offset 15: name is not valid UTF-8"
        },
        {
            "name longer than its section",
            new B().Section(7, B.Concat([0x01, 0x10], "abc"u8.ToArray())).Build(),
            "export section at byte offset 11: name length 16 runs past the end of the section"
        },
        {
            "custom section without a name",
            new B().Section(0, []).Build(),
            "custom section at byte offset 10: unexpected end of section"
        },
        {
            "custom section name longer than the section",
            new B().Section(0, B.Concat([0x05], "abc"u8.ToArray())).Build(),
            "custom section at byte offset 10: name length 5 runs past the end of the section"
        },
        {
            "start section with trailing bytes",
            new B().Section(8, [0x00, 0x00]).Build(),
            "start section at byte offset 11: 1 bytes left over after the last entry (the content does not end at the declared size)"
        },
        {
            "truncated tag section",
            new B().Section(13, [0x02, 0x00, 0x00]).Build(),
            "tag section at byte offset 13: unexpected end of section"
        },
    };

    [Theory]
    [MemberData(nameof(MalformedModules))]
    public void MalformedModuleIsRefusedNamingSectionAndOffset(string what, byte[] bytes, string expected)
    {
        var report = Inspect(bytes);

        Assert.True(Codes(report) is [WasmModuleProblemCode.MalformedSection], $"{what}: {string.Join("; ", report.Problems)}");
        Assert.Equal($"{DisplayPath}: malformed {expected}", report.Problems[0].Message);
        Assert.Empty(report.Imports);
        Assert.Empty(report.Exports);
        Assert.Empty(report.Memories);
        var ex = Refusal<WasmModuleFormatException>(report);
        Assert.Equal(report.Problems[0].Message, ex.Message);
        Assert.Equal("MalformedModule", ex.ErrorId);
        Assert.Equal(WasmErrorCategory.InvalidData, ex.Category);
        Assert.Equal(DisplayPath, ex.TargetPath);
        Assert.StartsWith(ex.Section, expected);
        Assert.Contains($"at byte offset {ex.Offset}:", expected);
    }

    [Theory]
    [InlineData("hello.wat")]
    [InlineData("kitchen-sink.wat")]
    public void EveryTruncationInsideASectionIsCaught(string fixture)
    {
        var bytes = FromWat(fixture);
        var boundaries = Sections(bytes).Select(s => s.End).ToHashSet();

        for (var length = 9; length < bytes.Length; length++)
        {
            var report = Inspect(bytes[..length]);

            // A cut between sections leaves a well-formed (if incomplete) module, which is Wasmtime's to judge.
            if (!boundaries.Contains(length))
            {
                Assert.Equal([WasmModuleProblemCode.MalformedSection], Codes(report));
            }
        }
    }

    [Fact]
    public void UnparsedSectionsAreOnlySkipped()
    {
        // Past their entry counts (which are capped) and, in the code section, each body's size and local
        // declarations, nonsense inside type, table, global, element, code and data sections is Wasmtime's to find.
        byte[] junk = [0x01, 0xff, 0xff];
        byte[] junkCode = [0x01, 0x02, 0x00, 0xff];
        var bytes = new B()
            .Section(1, junk).Section(4, junk).Section(6, junk).Section(9, junk).Section(10, junkCode).Section(11, junk)
            .Build();

        var report = Inspect(bytes, new WasmInspectionOptions { RequireEntryPoint = false });

        Assert.Equal([WasmModuleProblemCode.ValidationFailed], Codes(report));
        WasmModuleInspector.EnsureRunnable(report);
    }

    [Fact]
    public void CustomSectionsMayAppearAnywhere()
    {
        var bytes = new B()
            .Custom("producers", [1, 2, 3])
            .Types()
            .Custom("", [])
            .StartFunction()
            .Custom("name", [])
            .Build();

        Assert.True(Inspect(bytes).IsValid);
    }
}
