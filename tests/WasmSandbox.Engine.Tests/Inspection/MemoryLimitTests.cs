using Xunit;
using static WasmSandbox.Tests.Inspection.InspectionFixtures;

namespace WasmSandbox.Tests.Inspection;

public sealed class MemoryLimitTests
{
    private const long SixtyFourMiB = 64L << 20;

    [Fact]
    public void DeclaredMaximumOverTheLimitIsRefused()
    {
        var bytes = new WasmBinaryBuilder().Types().Functions(1).Memories(WasmBinaryBuilder.Limits(0x01, 1, 65536)).StartExport().Build();

        var report = Inspect(bytes, new WasmInspectionOptions { MaxMemoryBytes = SixtyFourMiB });

        var problem = Assert.Single(report.Problems);
        Assert.Equal(WasmModuleProblemCode.MemoryLimitExceeded, problem.Code);
        Assert.StartsWith(
            $"{DisplayPath}: memory maximum of 4294967296 bytes (65536 pages) exceeds the limit of 67108864 bytes", problem.Message);
        var ex = Refusal<WasmMemoryLimitException>(report);
        Assert.Equal(problem.Message, ex.Message);
        Assert.Equal("MemoryLimitExceeded", ex.ErrorId);
        Assert.Equal(WasmErrorCategory.LimitsExceeded, ex.Category);
        Assert.Equal(DisplayPath, ex.TargetPath);
        Assert.Equal((UInt128)4294967296, ex.DeclaredBytes);
        Assert.Equal(SixtyFourMiB, ex.LimitBytes);
    }

    [Fact]
    public void MaximumExactlyAtTheLimitPasses()
    {
        var bytes = new WasmBinaryBuilder().Types().Functions(1).Memories(WasmBinaryBuilder.Limits(0x01, 1, 1024)).StartExport().Build();

        Assert.True(Inspect(bytes, new WasmInspectionOptions { MaxMemoryBytes = SixtyFourMiB }).IsValid);
        Assert.Equal([WasmModuleProblemCode.MemoryLimitExceeded],
            Codes(Inspect(bytes, new WasmInspectionOptions { MaxMemoryBytes = SixtyFourMiB - 1 })));
    }

    [Fact]
    public void ImportedMemoryCountsToo()
    {
        var report = Inspect(FromWat("imported-memory.wat"), new WasmInspectionOptions { MaxMemoryBytes = SixtyFourMiB });

        Assert.True(Assert.Single(report.Memories).Imported);
        Assert.Equal([WasmModuleProblemCode.MemoryLimitExceeded, WasmModuleProblemCode.UnsatisfiedImport], Codes(report));
        Assert.Equal(
            $"{DisplayPath}: memory maximum of 4294967296 bytes (65536 pages) exceeds the limit of 67108864 bytes (imported memory 0)",
            report.Problems[0].Message);
        Assert.Equal("import env.memory (memory) is not provided by the sandbox", report.Problems[1].Message);
        Refusal<WasmMemoryLimitException>(report);
    }

    [Fact]
    public void WithoutMaximumTheMinimumIsChecked()
    {
        // 1025 pages is one page more than 64 MiB; growth beyond the limit is the engine's to refuse at run time.
        var over = new WasmBinaryBuilder().Types().Functions(1).Memories(WasmBinaryBuilder.Limits(0x00, 1025)).StartExport().Build();
        var under = new WasmBinaryBuilder().Types().Functions(1).Memories(WasmBinaryBuilder.Limits(0x00, 1024)).StartExport().Build();
        var options = new WasmInspectionOptions { MaxMemoryBytes = SixtyFourMiB };

        var report = Inspect(over, options);

        var problem = Single(report, WasmModuleProblemCode.MemoryLimitExceeded);
        Assert.Equal(
            $"{DisplayPath}: memory minimum of 67174400 bytes (1025 pages) exceeds the limit of 67108864 bytes (memory 0 declares no memory maximum)",
            problem.Message);
        Assert.True(Inspect(under, options).IsValid);
    }

    [Fact]
    public void LargestMemory64MaximumDoesNotOverflow()
    {
        // 2^48 pages is the memory64 ceiling: 2^64 bytes, one more than UInt64 holds.
        var bytes = new WasmBinaryBuilder().Types().Functions(1).Memories(WasmBinaryBuilder.Limits(0x05, 0, 1UL << 48)).StartExport().Build();

        var report = Inspect(bytes);

        var memory = Assert.Single(report.Memories);
        Assert.Equal((UInt128)ulong.MaxValue + 1, memory.MaximumBytes);
        Assert.Equal(
            $"{DisplayPath}: memory maximum of 18446744073709551616 bytes (281474976710656 pages) exceeds the limit of 268435456 bytes (memory 0)",
            Single(report, WasmModuleProblemCode.MemoryLimitExceeded).Message);
    }

    [Fact]
    public void SecondMemoryIsNamedByIndex()
    {
        var bytes = new WasmBinaryBuilder().Types().Functions(1)
            .Memories(WasmBinaryBuilder.Limits(0x01, 1, 1), WasmBinaryBuilder.Limits(0x01, 1, 4097))
            .StartExport()
            .Build();

        var report = Inspect(bytes);

        Assert.EndsWith("(memory 1)", Single(report, WasmModuleProblemCode.MemoryLimitExceeded).Message);
        Assert.Equal(1, Refusal<WasmMemoryLimitException>(report).MemoryIndex);
    }
}
