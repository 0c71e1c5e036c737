using Xunit;
using static WasmSandbox.Tests.Inspection.InspectionFixtures;

namespace WasmSandbox.Tests.Inspection;

public sealed class ClassificationTests
{
    [Fact]
    public void CoreModuleIsRecognised()
    {
        var report = Inspect(WasmBinaryBuilder.MinimalCommand());

        Assert.Equal(WasmModuleKind.CoreModule, report.Kind);
        Assert.Null(report.NativeFormat);
        Assert.True(report.IsValid, string.Join("; ", report.Problems));
        WasmModuleInspector.EnsureRunnable(report);
    }

    [Fact]
    public void AnEmptyComponentIsAPreview2ComponentWithNothingToRun()
    {
        // The header alone: an empty component, sound but with nothing to run.
        byte[] component = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

        var report = Inspect(component);

        Assert.Equal(WasmModuleKind.Component, report.Kind);
        Assert.Equal("preview2", report.WasiVersion);
        // Components run now: nothing refuses it; it only lacks wasi:cli/run, which the start reports as LinkFailed.
        Assert.Equal([WasmModuleProblemCode.NoEntryPoint], Codes(report));
        Assert.All(report.Problems, p => Assert.Null(p.Refusal));
    }

    [Fact]
    public void ShellShimIsRefusedByName()
    {
        var shim = "#!/bin/sh\nexec node \"$(dirname \"$0\")/tool.js\" \"$@\"\n"u8.ToArray();

        var report = Inspect(shim);

        Assert.Equal(WasmModuleKind.ShellShim, report.Kind);
        Assert.Equal([WasmModuleProblemCode.ShellShim], Codes(report));
        var ex = Refusal<NonWasmBinaryException>(report);
        Assert.True(ex.IsShellShim);
        Assert.Contains("shell-shim", ex.Message);
        Assert.Contains(DisplayPath, ex.Message);
        Assert.DoesNotContain("CompileError", ex.Message);
        Assert.Equal("#!/b"u8.ToArray(), ex.Header);
        Assert.Equal("NonWasmBinary", ex.ErrorId);
        Assert.Equal(WasmErrorCategory.InvalidData, ex.Category);
        Assert.Equal(DisplayPath, ex.TargetPath);
    }

    [Theory]
    [InlineData(new byte[] { 0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00 }, "ELF")]
    [InlineData(new byte[] { 0xfe, 0xed, 0xfa, 0xce, 0x00, 0x00, 0x00, 0x07 }, "Mach-O")]
    [InlineData(new byte[] { 0xfe, 0xed, 0xfa, 0xcf, 0x01, 0x00, 0x00, 0x07 }, "Mach-O")]
    [InlineData(new byte[] { 0xce, 0xfa, 0xed, 0xfe, 0x07, 0x00, 0x00, 0x00 }, "Mach-O")]
    [InlineData(new byte[] { 0xcf, 0xfa, 0xed, 0xfe, 0x0c, 0x00, 0x00, 0x01 }, "Mach-O")]
    [InlineData(new byte[] { 0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x02 }, "Mach-O")]
    [InlineData(new byte[] { 0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00 }, "PE/COFF")]
    public void NativeBinaryIsRefusedWithItsFormat(byte[] header, string format)
    {
        var report = Inspect(header);

        Assert.Equal(WasmModuleKind.NativeBinary, report.Kind);
        Assert.Equal(format, report.NativeFormat);
        Assert.Equal([WasmModuleProblemCode.NativeBinaryNotSupported], Codes(report));
        var ex = Refusal<NativeBinaryNotSupportedException>(report);
        Assert.EndsWith("(ERR_NATIVE_BINARY_NOT_SUPPORTED)", ex.Message);
        Assert.Contains($" {format} ", ex.Message);
        Assert.Contains(DisplayPath, ex.Message);
        Assert.Equal(format, ex.Format);
        Assert.Equal(header[..4], ex.Header);
        Assert.Equal("NativeBinaryNotSupported", ex.ErrorId);
        Assert.Equal(DisplayPath, ex.TargetPath);
    }

    public static TheoryData<byte[], string> NotWasmFiles => new()
    {
        { [], "the file is empty" },
        { [0x00], "it starts with bytes 00" },
        { [0x00, 0x61, 0x73], "it starts with bytes 00 61 73" },
        { "#!\n"u8.ToArray(), "it starts with bytes 23 21 0a" },
        { "MZ\n"u8.ToArray(), "it starts with bytes 4d 5a 0a" },
        { "hello, world\n"u8.ToArray(), "it starts with bytes 68 65 6c 6c" },
        // The WebAssembly magic alone, or with a version that is neither a module's nor a component's.
        { [0x00, 0x61, 0x73, 0x6d], "it starts with bytes 00 61 73 6d" },
        { [0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00], "it starts with bytes 00 61 73 6d" },
        { [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x02, 0x00], "it starts with bytes 00 61 73 6d" },
    };

    [Theory]
    [MemberData(nameof(NotWasmFiles))]
    public void AnythingElseIsNotWasm(byte[] bytes, string description)
    {
        var report = Inspect(bytes);

        Assert.Equal(WasmModuleKind.NotWasm, report.Kind);
        Assert.Equal(bytes.Length, report.Size);
        Assert.Empty(report.Imports);
        Assert.Equal([WasmModuleProblemCode.NotWasm], Codes(report));
        var ex = Refusal<NonWasmBinaryException>(report);
        Assert.False(ex.IsShellShim);
        Assert.Equal($"{DisplayPath}: file is not a WebAssembly module ({description})", ex.Message);
        Assert.DoesNotContain("CompileError", ex.Message);
        Assert.Equal(bytes[..Math.Min(4, bytes.Length)], ex.Header);
    }

    [Fact]
    public void FileClassificationMatchesMemory()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "tool");
        File.WriteAllBytes(path, [0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00]);

        var report = WasmModuleInspector.InspectFile(path, new WasmInspectionOptions());

        Assert.Equal(WasmModuleKind.NativeBinary, report.Kind);
        Assert.Equal("ELF", report.NativeFormat);
        Assert.Equal(9, report.Size);
        Assert.Equal(path, report.Path);
        var ex = Refusal<NativeBinaryNotSupportedException>(report);
        Assert.Equal(path, ex.TargetPath);
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void MissingFilePropagates()
    {
        using var dir = new TempDir();

        Assert.Throws<FileNotFoundException>(() =>
            WasmModuleInspector.InspectFile(Path.Combine(dir.Path, "absent.wasm"), new WasmInspectionOptions()));
        Assert.Throws<DirectoryNotFoundException>(() =>
            WasmModuleInspector.InspectFile(Path.Combine(dir.Path, "absent", "x.wasm"), new WasmInspectionOptions()));
    }
}
