using Xunit;
using static WasmSandbox.Tests.Inspection.InspectionFixtures;
using B = WasmSandbox.Tests.Inspection.WasmBinaryBuilder;
using C = WasmSandbox.Tests.Inspection.WasmComponentBuilder;

namespace WasmSandbox.Tests.Inspection;

/// <summary>What the inspector reports for a component: its world, its core modules, and its problems.</summary>
public sealed class ComponentInspectionTests
{
    [Fact]
    public void ACommandComponentListsItsWorldByInterfaceName()
    {
        var report = Inspect(C.Command().Build());

        Assert.Equal(WasmModuleKind.Component, report.Kind);
        Assert.Equal("preview2", report.WasiVersion);
        Assert.Equal("0.2.3", report.WasiInterfaceVersion);
        Assert.Equal("wasi:cli/run@0.2.3", report.EntryPoint);
        Assert.Equal(
            ["wasi:cli/environment@0.2.3", "wasi:cli/exit@0.2.3", "wasi:io/streams@0.2.3", "wasi:cli/stdout@0.2.3",
             "wasi:filesystem/preopens@0.2.3", "wasi:filesystem/types@0.2.3", "wasi:sockets/tcp@0.2.3",
             "wasi:random/random@0.2.3", "wasi:clocks/wall-clock@0.2.3"],
            report.ComponentImports.Select(i => i.Name));
        Assert.All(report.ComponentImports, i => Assert.Equal("instance", i.Kind));
        var stdout = report.ComponentImports[3];
        Assert.Equal(("wasi", "cli", "stdout", "0.2.3"), (stdout.Namespace, stdout.Package, stdout.Interface, stdout.Version));
        Assert.Equal("wasi:cli/run@0.2.3 (instance)", Assert.Single(report.ComponentExports).ToString());
        // The core-module lists stay empty: a component's facts have their own properties.
        Assert.Empty(report.Imports);
        Assert.Empty(report.Exports);
        Assert.Empty(report.Memories);
        Assert.Empty(ComponentCodes(report));
    }

    [Fact]
    public void ARunnableComponentHasNoProblems()
    {
        var report = Inspect(C.Command().Build());
        Assert.Empty(report.Problems);
        Assert.True(report.IsValid);
    }

    [Fact]
    public void ACoreModuleReportHasNoComponentFacts()
    {
        var report = Inspect(File.ReadAllBytes(ToolchainFixturePath));
        Assert.Equal(WasmModuleKind.CoreModule, report.Kind);
        Assert.Empty(report.ComponentImports);
        Assert.Empty(report.ComponentExports);
        Assert.Empty(report.CoreModules);
        Assert.Equal(0, report.NestedComponentCount);
        Assert.Null(report.WasiInterfaceVersion);
        Assert.Equal("_start", report.EntryPoint);
        Assert.True(report.IsValid);
    }

    [Theory]
    [InlineData("wasi:http/outgoing-handler@0.2.3", "*not provided by the sandbox ('wasi:http' is not among the WASI preview 2 packages it links: wasi:cli, wasi:io, wasi:clocks, wasi:random, wasi:filesystem, wasi:sockets; the component was built for another host)")]
    [InlineData("example:tools/log@1.0.0", "*'example:tools' is not among*")]
    [InlineData("wasi:cli/stdout@0.3.0", "*asks for WASI 0.3.0*0.2.x*")]
    [InlineData("wasi:cli/stdout", "*names no version*")]
    [InlineData("wasi:cli/stdout@0.2.0-rc-2023-11-10", "*asks for WASI 0.2.0-rc-2023-11-10*")]
    [InlineData("wasi:cli/frobnicate@0.2.3", "*is not a WASI preview 2 interface the sandbox links*")]
    [InlineData("host-process", "*not provided by the sandbox*wasi:cli, wasi:io, wasi:clocks, wasi:random, wasi:filesystem, wasi:sockets*")]
    public void AnImportTheSandboxDoesNotLinkIsAProblemNamingIt(string name, string pattern)
    {
        foreach (var tier in Enum.GetValues<WasmPermissionTier>())
        {
            var report = Inspect(C.Command().ImportInstances(name).Build(), new WasmInspectionOptions { PermissionTier = tier });
            var problem = Single(report, WasmModuleProblemCode.UnsatisfiedImport);
            Assert.StartsWith($"import {name} ", problem.Message);
            Assert.Matches("^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*") + "$", problem.Message);
            // Like an unsatisfied core import, it is left to the link at start rather than refused up front.
            Assert.Null(problem.Refusal);
        }
    }

    [Fact]
    public void AFunctionImportIsAProblemEvenWithAWasiName()
    {
        var report = Inspect(C.Command().Imports(("wasi:cli/stdout@0.2.3", [C.KindFunc, 0x00])).Build());
        Assert.Matches(@"^import wasi:cli/stdout@0\.2\.3 \(func\) is not provided by the sandbox",
            Single(report, WasmModuleProblemCode.UnsatisfiedImport).Message);
    }

    [Fact]
    public void FilesystemAndSocketsAreLinkedAtEveryTierIncludingIsolated()
    {
        foreach (var tier in Enum.GetValues<WasmPermissionTier>())
        {
            var report = Inspect(C.Command().ImportInstances("wasi:filesystem/types@0.2.0", "wasi:sockets/tcp-create-socket@0.2.1").Build(),
                new WasmInspectionOptions { PermissionTier = tier });
            Assert.Empty(ComponentCodes(report));
        }
    }

    [Fact]
    public void AComponentWithoutWasiCliRunHasNoEntryPoint()
    {
        var report = Inspect(new C().ImportInstances("wasi:cli/stdout@0.2.3").ExportInstances("wasi:cli/run@0.3.0", "example:app/run@0.2.3").Build());
        Assert.Null(report.EntryPoint);
        Assert.Equal("component exports no wasi:cli/run@0.2.x interface; it cannot run as a WASI command",
            Single(report, WasmModuleProblemCode.NoEntryPoint).Message);
        Assert.Equal("0.3.0", report.WasiInterfaceVersion);
        Assert.Empty(ComponentCodes(Inspect(new C().Build(), new WasmInspectionOptions { RequireEntryPoint = false })));
    }

    [Fact]
    public void CoreModulesAtEveryDepthAreListedWithTheirMemories()
    {
        var withMemory = new B().Memories(B.Limits(0x01, 2, 16)).Build();
        var importsMemory = new B().Imports(("env", "memory", B.MemoryImport(0x00, 1))).Build();
        var inner = new C().CoreModule(withMemory).Component(new C().CoreModule(importsMemory).Build()).Build();
        var hello = File.ReadAllBytes(ToolchainFixturePath);
        var bytes = C.Command().CoreModule(hello).Component(inner).CoreModule(B.MinimalCommand()).Build();

        var report = Inspect(bytes);

        Assert.Empty(ComponentCodes(report));
        Assert.Equal(2, report.NestedComponentCount);
        Assert.Equal([0, 1, 2, 3], report.CoreModules.Select(m => m.Index));
        Assert.Equal([0, 1, 2, 0], report.CoreModules.Select(m => m.Depth));
        Assert.Equal([hello.Length, withMemory.Length, importsMemory.Length, B.MinimalCommand().Length], report.CoreModules.Select(m => (int)m.Size));
        // Offsets point at each module's header in the file.
        Assert.All(report.CoreModules, m => Assert.Equal(B.CoreHeader, bytes.AsSpan((int)m.Offset, 8).ToArray()));
        var fromHello = Inspect(hello);
        Assert.Equal(fromHello.Imports.Count, report.CoreModules[0].ImportCount);
        Assert.Equal(fromHello.Exports.Count, report.CoreModules[0].ExportCount);
        Assert.Equal(fromHello.Memories.Select(m => m.ToString()), report.CoreModules[0].Memories.Select(m => m.ToString()));
        Assert.Equal("memory (2..16 pages, i32)", Assert.Single(report.CoreModules[1].Memories).ToString());
        Assert.Equal(16UL * WasmMemoryInfo.PageSize, (ulong)report.CoreModules[1].Memories[0].MaximumBytes!.Value);
        Assert.True(Assert.Single(report.CoreModules[2].Memories).Imported);
        Assert.Empty(report.CoreModules[3].Memories);
        Assert.Equal("core module 1 (" + withMemory.Length + " bytes, nested 1 deep): memory (2..16 pages, i32)", report.CoreModules[1].ToString());
    }

    [Fact]
    public void EveryMemoryOfEveryCoreModuleIsJudgedAgainstTheLimit()
    {
        var small = new B().Memories(B.Limits(0x01, 1, 16)).Build();
        var big = new B().Memories(B.Limits(0x01, 1, 2), B.Limits(0x01, 1, 4096)).Build();
        var bytes = C.Command().CoreModule(small).Component(new C().CoreModule(big).Build()).Build();

        var report = Inspect(bytes, new WasmInspectionOptions { MaxMemoryBytes = 64L << 20 });

        var problem = Single(report, WasmModuleProblemCode.MemoryLimitExceeded);
        Assert.EndsWith("memory maximum of 268435456 bytes (4096 pages) exceeds the limit of 67108864 bytes (memory 1 of core module 1)", problem.Message);
        Assert.Empty(ComponentCodes(Inspect(bytes, new WasmInspectionOptions { MaxMemoryBytes = 256L << 20 })));
    }

    [Fact]
    public void EachCoreModuleIsValidatedByWasmtime()
    {
        // Sound to the walk, invalid to Wasmtime: the function's type index 5 does not exist.
        var invalid = new B().Types().Section(3, [0x01, 0x05]).Code(1).Build();
        var bytes = C.Command().CoreModule(B.MinimalCommand()).Component(new C().CoreModule(invalid).Build()).Build();

        var problem = Single(Inspect(bytes), WasmModuleProblemCode.ValidationFailed);

        var offset = Inspect(bytes).CoreModules[1].Offset;
        Assert.StartsWith($"{DisplayPath}: WebAssembly validation of core module 1 (at byte offset {offset}) failed: ", problem.Message);
        Assert.Null(problem.Refusal);
        Assert.Empty(ComponentCodes(Inspect(bytes, new WasmInspectionOptions { RunWasmtimeValidation = false })));
        Assert.Empty(ComponentCodes(Inspect(C.Command().CoreModule(File.ReadAllBytes(ToolchainFixturePath)).Build())));
    }

    [Fact]
    public void ImportsOfNestedComponentsAreNotTheWorlds()
    {
        var inner = new C().ImportInstances("example:inner/thing@1.0.0").ExportInstances("example:inner/api@1.0.0").Build();
        var report = Inspect(C.Command().Component(inner).Build());
        Assert.DoesNotContain(report.ComponentImports, i => i.Name.StartsWith("example:", StringComparison.Ordinal));
        Assert.DoesNotContain(report.ComponentExports, e => e.Name.StartsWith("example:", StringComparison.Ordinal));
        Assert.Empty(ComponentCodes(report));
    }

    [Fact]
    public void ExportsReadTheirSortAndOptionalType()
    {
        var exports = B.Concat(
            B.Vector([
                B.Concat(C.ExternName("memory"), [0x00, 0x02, 0x00, 0x00]),            // core memory 0
                B.Concat(C.ExternName("greet"), [0x01, 0x03, 0x01, 0x01, 0x07]),       // func 3, typed as func type 7
                B.Concat(C.ExternName("wasi:cli/run@0.2.6"), [0x05, 0x00, 0x01, 0x05, 0x02]),
            ]));
        var report = Inspect(new C().Section(11, exports).Build());
        Assert.Equal(["memory (core memory)", "greet (func)", "wasi:cli/run@0.2.6 (instance)"], report.ComponentExports.Select(e => e.ToString()));
        Assert.Equal("wasi:cli/run@0.2.6", report.EntryPoint);
        Assert.Null(report.ComponentExports[0].Interface);
    }

    [Fact]
    public void TheLegacyInterfaceNamePrefixIsRead()
    {
        var import = B.Concat([0x01], B.Name("wasi:cli/stdout@0.2.0"), [C.KindInstance, 0x00]);
        var report = Inspect(new C().Section(10, B.Vector([import])).ExportInstances("wasi:cli/run@0.2.0").Build());
        Assert.Equal("wasi:cli/stdout@0.2.0", Assert.Single(report.ComponentImports).Name);
        Assert.Empty(ComponentCodes(report));
    }

    [Fact]
    public void TheHighestWasiVersionIsReported()
    {
        var report = Inspect(C.Command().ImportInstances("wasi:cli/stderr@0.2.10", "example:x/y@9.9.9").Build());
        Assert.Equal("0.2.10", report.WasiInterfaceVersion);
    }

    [Fact]
    public void AFileAndTheSameBytesInMemoryGiveTheSameReport()
    {
        var bytes = C.Command().CoreModule(File.ReadAllBytes(ToolchainFixturePath))
            .Component(new C().CoreModule(new B().Memories(B.Limits(0x01, 1, 1)).Build()).Build())
            .ImportInstances("wasi:http/types@0.2.3").Custom("producers", new byte[300_000]).Build();
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "c.wasm");
        File.WriteAllBytes(path, bytes);

        var fromFile = WasmModuleInspector.InspectFile(path, new WasmInspectionOptions());
        var fromMemory = WasmModuleInspector.Inspect(path, bytes, new WasmInspectionOptions());

        Assert.Equal(Describe(fromMemory), Describe(fromFile));
        Assert.Equal(2, fromFile.CoreModules.Count);
    }

    internal static string Describe(WasmModuleReport r) => string.Join("\n",
        [FileInspectionTests.Describe(r), r.WasiInterfaceVersion, r.NestedComponentCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
         .. r.ComponentImports.Select(i => i.ToString()), .. r.ComponentExports.Select(e => e.ToString()),
         .. r.CoreModules.Select(m => $"{m} @{m.Offset} {m.ImportCount}/{m.ExportCount}")]);
}
