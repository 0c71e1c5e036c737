using Xunit;
using static WasmSandbox.Tests.Inspection.InspectionFixtures;

namespace WasmSandbox.Tests.Inspection;

public sealed class ReportTests
{
    [Fact]
    public void CommandReportListsImportsExportsMemoriesAndEntryPoint()
    {
        var bytes = FromWat("hello.wat");

        var report = Inspect(bytes);

        Assert.True(report.IsValid, string.Join("; ", report.Problems));
        Assert.Equal(WasmModuleKind.CoreModule, report.Kind);
        Assert.Equal(DisplayPath, report.Path);
        Assert.Equal(bytes.Length, report.Size);
        Assert.Equal(
            ["wasi_snapshot_preview1.fd_write (func)", "wasi_snapshot_preview1.proc_exit (func)"],
            report.Imports.Select(i => i.ToString()));
        Assert.Equal(["memory (memory)", "_start (func)"], report.Exports.Select(e => e.ToString()));
        var memory = Assert.Single(report.Memories);
        Assert.Equal((1UL, (ulong?)16UL, false, false, false), (memory.Minimum, memory.Maximum, memory.Is64, memory.Shared, memory.Imported));
        Assert.Equal((UInt128)65536, memory.MinimumBytes);
        Assert.Equal((UInt128)16 * 65536, memory.MaximumBytes);
        Assert.Equal("_start", report.EntryPoint);
        Assert.Equal("preview1", report.WasiVersion);
    }

    [Fact]
    public void ToolchainOutputIsInspectedLikeAnyModule()
    {
        var report = WasmModuleInspector.InspectFile(ToolchainFixturePath, new WasmInspectionOptions());

        Assert.True(report.IsValid, string.Join("; ", report.Problems));
        Assert.Equal(ToolchainFixturePath, report.Path);
        Assert.Equal(new FileInfo(ToolchainFixturePath).Length, report.Size);
        Assert.All(report.Imports, i => Assert.Equal(("wasi_snapshot_preview1", "func"), (i.Module, i.Type)));
        Assert.Equal(["fd_close", "fd_fdstat_get", "fd_seek", "fd_write", "proc_exit"], report.Imports.Select(i => i.Name));
        Assert.Equal(["memory (memory)", "_start (func)"], report.Exports.Select(e => e.ToString()));
        Assert.Equal("memory (2.. pages, i32)", Assert.Single(report.Memories).ToString());
        Assert.Equal("_start", report.EntryPoint);
        Assert.Equal("preview1", report.WasiVersion);
    }

    [Fact]
    public void ReactorHasNoEntryPointAndNoWasiVersion()
    {
        var report = Inspect(FromWat("reactor.wat"));

        Assert.Null(report.EntryPoint);
        Assert.Null(report.WasiVersion);
        Assert.Empty(report.Imports);
        Assert.Equal(["memory", "_initialize", "bump"], report.Exports.Select(e => e.Name));
        var problem = Single(report, WasmModuleProblemCode.NoEntryPoint);
        Assert.Equal("module exports no _start function; it cannot run as a WASI command", problem.Message);
        Assert.Single(report.Problems);
        // A missing entry point becomes a link failure of the run, not a refusal.
        WasmModuleInspector.EnsureRunnable(report);

        Assert.True(Inspect(FromWat("reactor.wat"), new WasmInspectionOptions { RequireEntryPoint = false }).IsValid);
    }

    [Fact]
    public void StartMustBeAFunction()
    {
        var bytes = new WasmBinaryBuilder().Memories(WasmBinaryBuilder.Limits(0, 1)).Exports(("_start", WasmBinaryBuilder.KindMemory, 0)).Build();

        var report = Inspect(bytes);

        Assert.Null(report.EntryPoint);
        Assert.Equal([WasmModuleProblemCode.NoEntryPoint], Codes(report));
    }

    [Fact]
    public void EverySectionKindIsWalked()
    {
        var report = Inspect(FromWat("kitchen-sink.wat"));

        Assert.Equal(
            ["wasi_snapshot_preview1.fd_write (func)", "wasi_snapshot_preview1.args_sizes_get (func)", "env.table (table)",
             "env.base (global)", "env.memory (memory)"],
            report.Imports.Select(i => i.ToString()));
        Assert.Equal(["_start (func)", "add (func)", "data (memory)", "own (table)", "g (global)"], report.Exports.Select(e => e.ToString()));
        Assert.Equal([(1UL, (ulong?)2UL, true), (1UL, (ulong?)4UL, false)], report.Memories.Select(m => (m.Minimum, m.Maximum, m.Imported)));
        Assert.Equal("_start", report.EntryPoint);
        // Only the three non-function imports are unsatisfied; the module is otherwise valid.
        Assert.Equal(
            ["import env.table (table) is not provided by the sandbox", "import env.base (global) is not provided by the sandbox",
             "import env.memory (memory) is not provided by the sandbox"],
            report.Problems.Select(p => p.Message));
        Assert.All(report.Problems, p => Assert.Equal(WasmModuleProblemCode.UnsatisfiedImport, p.Code));
    }

    [Fact]
    public void TagsAreListed()
    {
        byte[] tagImport = [WasmBinaryBuilder.KindTag, 0x00, 0x00];
        var bytes = new WasmBinaryBuilder()
            .Types()
            .Imports(("env", "oops", tagImport))
            .Section(13, [0x01, 0x00, 0x00])
            .Exports(("thrown", WasmBinaryBuilder.KindTag, 1))
            .Build();

        var report = Inspect(bytes, new WasmInspectionOptions { RequireEntryPoint = false, RunWasmtimeValidation = false });

        Assert.Equal("env.oops (tag)", Assert.Single(report.Imports).ToString());
        Assert.Equal("thrown (tag)", Assert.Single(report.Exports).ToString());
        Assert.Equal("import env.oops (tag) is not provided by the sandbox", Single(report, WasmModuleProblemCode.UnsatisfiedImport).Message);
    }

    [Theory]
    [InlineData(0x00, false, false, false)]
    [InlineData(0x01, true, false, false)]
    [InlineData(0x02, false, true, false)]
    [InlineData(0x03, true, true, false)]
    [InlineData(0x04, false, false, true)]
    [InlineData(0x05, true, false, true)]
    [InlineData(0x06, false, true, true)]
    [InlineData(0x07, true, true, true)]
    public void MemoryLimitFlagsAreDecoded(byte flags, bool hasMaximum, bool shared, bool is64)
    {
        // 64-bit limits may exceed 32 bits; this one needs a five-byte LEB.
        var minimum = is64 ? 1UL << 33 : 3UL;
        var bytes = new WasmBinaryBuilder()
            .Memories(WasmBinaryBuilder.Limits(flags, minimum, hasMaximum ? minimum + 1 : null))
            .Build();

        var report = Inspect(bytes, new WasmInspectionOptions { RequireEntryPoint = false, RunWasmtimeValidation = false, MaxMemoryBytes = long.MaxValue });

        var memory = Assert.Single(report.Memories);
        Assert.Equal(minimum, memory.Minimum);
        Assert.Equal(hasMaximum ? minimum + 1 : null, memory.Maximum);
        Assert.Equal(shared, memory.Shared);
        Assert.Equal(is64, memory.Is64);
        Assert.False(memory.Imported);
        Assert.True(report.IsValid, string.Join("; ", report.Problems));
    }

    [Theory]
    [InlineData(WasmPermissionTier.Isolated)]
    [InlineData(WasmPermissionTier.ReadOnly)]
    [InlineData(WasmPermissionTier.ReadWrite)]
    public void HostProcessImportNeedsFullTier(WasmPermissionTier tier)
    {
        var report = Inspect(FromWat("host-process.wat"), new WasmInspectionOptions { PermissionTier = tier });

        var problem = Assert.Single(report.Problems);
        Assert.Equal(WasmModuleProblemCode.UnsatisfiedImport, problem.Code);
        Assert.Equal(SandboxImports.DescribeMissing("host_process", "proc_sigaction", tier), problem.Message);
        Assert.Contains("-PermissionTier Full", problem.Message);
        // Unsatisfied imports become a link failure of the run, not a refusal.
        WasmModuleInspector.EnsureRunnable(report);
    }

    [Fact]
    public void HostProcessImportIsSatisfiedAtFullTier()
    {
        var report = Inspect(FromWat("host-process.wat"), new WasmInspectionOptions { PermissionTier = WasmPermissionTier.Full });

        Assert.True(report.IsValid, string.Join("; ", report.Problems));
        Assert.Equal("preview1", report.WasiVersion);
    }

    [Theory]
    [InlineData(WasmPermissionTier.Isolated)]
    [InlineData(WasmPermissionTier.ReadOnly)]
    [InlineData(WasmPermissionTier.ReadWrite)]
    [InlineData(WasmPermissionTier.Full)]
    public void ForeignHostImportIsNeverSatisfied(WasmPermissionTier tier)
    {
        var report = Inspect(FromWat("rb-js-abi.wat"), new WasmInspectionOptions { PermissionTier = tier });

        var problem = Assert.Single(report.Problems);
        Assert.Equal(WasmModuleProblemCode.UnsatisfiedImport, problem.Code);
        Assert.StartsWith("import rb-js-abi-host.eval-js is not provided by the sandbox", problem.Message);
        Assert.Equal(SandboxImports.DescribeMissing("rb-js-abi-host", "eval-js", tier), problem.Message);
    }

    [Fact]
    public void UnknownWasiFunctionIsUnsatisfied()
    {
        var bytes = new WasmBinaryBuilder()
            .Types()
            .Imports(("wasi_snapshot_preview1", "fd_teleport", WasmBinaryBuilder.FuncImport()))
            .StartFunction(importedFunctions: 1)
            .Build();

        var report = Inspect(bytes, new WasmInspectionOptions { PermissionTier = WasmPermissionTier.Full });

        Assert.Equal("preview1", report.WasiVersion);
        Assert.Equal("import wasi_snapshot_preview1.fd_teleport is not a WASI preview 1 function",
            Single(report, WasmModuleProblemCode.UnsatisfiedImport).Message);
    }

    [Fact]
    public void ValidationFailureKeepsWasmtimesMessageAndIsNotARefusal()
    {
        // Structurally sound, but the function section names type 5 when there is only type 0.
        var bytes = new WasmBinaryBuilder().Types().Section(3, [0x01, 0x05]).Exports(("_start", 0, 0)).Code(1).Build();

        var report = Inspect(bytes);

        var problem = Single(report, WasmModuleProblemCode.ValidationFailed);
        Assert.StartsWith($"{DisplayPath}: WebAssembly validation failed: ", problem.Message);
        Assert.Contains(Wasmtime.Module.Validate(WasmModuleInspector.InspectionEngine, bytes)!, problem.Message);
        Assert.Single(report.Problems);
        WasmModuleInspector.EnsureRunnable(report);

        Assert.True(Inspect(bytes, new WasmInspectionOptions { RunWasmtimeValidation = false }).IsValid);
    }

    [Fact]
    public void ValidationUsesTheEngineFromOptions()
    {
        // Shared memory needs the threads proposal; an engine without it must reject what the default accepts.
        var bytes = new WasmBinaryBuilder().Types().Functions(1).Memories(WasmBinaryBuilder.Limits(0x03, 1, 1)).StartExport().Build();
        using var noThreads = new Wasmtime.Engine(new Wasmtime.Config().WithWasmThreads(false));

        Assert.True(Inspect(bytes).IsValid, string.Join("; ", Inspect(bytes).Problems));
        var report = Inspect(bytes, new WasmInspectionOptions { ValidationEngine = noThreads });
        Assert.Equal([WasmModuleProblemCode.ValidationFailed], Codes(report));
    }

    [Fact]
    public void ProblemsComeMostFundamentalFirstAndEnsureRunnableThrowsTheFirstRefusal()
    {
        var bytes = new WasmBinaryBuilder()
            .Imports(("env", "memory", WasmBinaryBuilder.MemoryImport(0x01, 1, 65536)))
            .Memories(WasmBinaryBuilder.Limits(0x01, 1, 2048))
            .Build();

        var report = Inspect(bytes, new WasmInspectionOptions { MaxMemoryBytes = 64L << 20 });

        Assert.Equal(
            [WasmModuleProblemCode.MemoryLimitExceeded, WasmModuleProblemCode.MemoryLimitExceeded,
             WasmModuleProblemCode.UnsatisfiedImport, WasmModuleProblemCode.NoEntryPoint],
            Codes(report));
        var ex = Refusal<WasmMemoryLimitException>(report);
        Assert.Equal(0, ex.MemoryIndex);
        Assert.Equal(report.Problems[0].Message, ex.Message);
    }
}
