using Xunit;

namespace WasmSandbox.Tests;

/// <summary>Module checks at start: refused with typed exceptions before Wasmtime compiles anything.</summary>
public class StartRefusalTests
{
    private static WasmExecution Start(Sandbox sandbox, string name, byte[] content, WasmExecutionOptions? options = null)
    {
        File.WriteAllBytes(Path.Combine(sandbox.Directory, name), content);
        return WasmRuntime.Shared.Start(new WasmContext(name), sandbox.WithDirectory(options ?? new WasmExecutionOptions()));
    }

    [Fact]
    public void ADeclaredMemoryMaximumAboveTheLimitIsRefused()
    {
        using var sandbox = new Sandbox();
        var wat = Wat.Command("", memory: "(memory (export \"memory\") 1 2048)"); // 128 MiB maximum
        var e = Assert.Throws<WasmMemoryLimitException>(() => sandbox.Start(wat, new WasmExecutionOptions { MaxMemoryBytes = 64L * 1024 * 1024 }));
        Assert.Contains("memory maximum", e.Message);
        Assert.Contains("134217728", e.Message);
        Assert.Contains("67108864", e.Message);
        Assert.Equal(WasmErrorCategory.LimitsExceeded, e.Category);
        Assert.Equal(0, Sandbox.Collect(sandbox.Start(wat, new WasmExecutionOptions { MaxMemoryBytes = 128L * 1024 * 1024 })).Execution.ExitCode);
    }

    [Fact]
    public void NativeBinariesAreRefusedByFormat()
    {
        using var sandbox = new Sandbox();
        var elf = Assert.Throws<NativeBinaryNotSupportedException>(() => Start(sandbox, "tool.wasm", new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0 }));
        Assert.EndsWith("(ERR_NATIVE_BINARY_NOT_SUPPORTED)", elf.Message);
        Assert.Contains("ELF", elf.Message);
        var pe = Assert.Throws<NativeBinaryNotSupportedException>(() => Start(sandbox, "tool.exe", "MZ\x90\0\x03\0\0\0"u8.ToArray()));
        Assert.Contains("PE/COFF", pe.Message);
    }

    [Fact]
    public void AShellShimIsRefusedWithoutACompileError()
    {
        using var sandbox = new Sandbox();
        var e = Assert.Throws<NonWasmBinaryException>(() => Start(sandbox, "tool", "#!/usr/bin/env node\nrequire('x')\n"u8.ToArray()));
        Assert.True(e.IsShellShim);
        Assert.Contains("shell-shim", e.Message);
        Assert.Contains(Path.Combine(sandbox.Directory, "tool"), e.Message);
        Assert.DoesNotContain("CompileError", e.Message);
    }

    [Fact]
    public void AnEmptyComponentEndsAsLinkFailedForWantOfWasiCliRun()
    {
        // Components run (ComponentRunTests); a header alone is a valid, empty component, which is not a command.
        using var sandbox = new Sandbox();
        var exec = Start(sandbox, "c.wasm", new byte[] { 0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0 });
        exec.CloseInput();
        var run = Sandbox.Collect(exec);
        Assert.Equal((127, WasmExitReason.LinkFailed), (run.ExitCode, run.Exited.Reason));
        Assert.Contains("wasi:cli/run", run.Exited.Message);
    }

    [Fact]
    public void ATruncatedModuleIsRefusedNamingTheSection()
    {
        using var sandbox = new Sandbox();
        var bytes = Wasmtime.Module.ConvertText(Wat.Hello);
        var e = Assert.Throws<WasmModuleFormatException>(() => Start(sandbox, "cut.wasm", bytes[..(bytes.Length - 5)]));
        Assert.Contains("section", e.Message);
    }
}
