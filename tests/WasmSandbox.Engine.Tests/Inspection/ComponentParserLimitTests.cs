using System.Diagnostics;
using Xunit;
using static WasmSandbox.Tests.Inspection.InspectionFixtures;
using B = WasmSandbox.Tests.Inspection.WasmBinaryBuilder;
using C = WasmSandbox.Tests.Inspection.WasmComponentBuilder;

namespace WasmSandbox.Tests.Inspection;

/// <summary>
/// The caps on what a component declares, and its structural checks: a hostile component is reported, never
/// allowed to exhaust the stack or memory, and lists nothing once it stops parsing.
/// </summary>
public sealed class ComponentParserLimitTests
{
    /// <summary>The one problem of a component that stopped parsing (besides the start path's refusal of every component).</summary>
    private static WasmModuleProblem OnlyProblem(WasmModuleReport report)
    {
        var problem = Assert.Single(ComponentProblems(report));
        Assert.Equal(WasmModuleKind.Component, report.Kind);
        Assert.Equal("preview2", report.WasiVersion);
        // What was read before the walk stopped is not listed.
        Assert.Empty(report.ComponentImports);
        Assert.Empty(report.CoreModules);
        return problem;
    }

    private static WasmParserLimitException Limit(WasmModuleReport report, string code, WasmParserLimit limit)
    {
        var problem = OnlyProblem(report);
        Assert.Equal(code, problem.Code);
        var refusal = Assert.IsType<WasmParserLimitException>(problem.Refusal);
        Assert.Equal(limit, refusal.Limit);
        return refusal;
    }

    private static WasmModuleFormatException Malformed(WasmModuleReport report)
    {
        var problem = OnlyProblem(report);
        Assert.Equal(WasmModuleProblemCode.MalformedSection, problem.Code);
        return Assert.IsType<WasmModuleFormatException>(problem.Refusal);
    }

    [Fact]
    public void NestingPastTheCapIsRefusedAndAtTheCapPasses()
    {
        var inner = C.Command().CoreModule(B.MinimalCommand()).Build();
        var atCap = Inspect(C.Nested(100, inner));
        Assert.Equal(100, atCap.NestedComponentCount);
        Assert.Equal(100, Assert.Single(atCap.CoreModules).Depth);

        var ex = Limit(Inspect(C.Nested(101, inner)), WasmModuleProblemCode.ComponentNestingTooDeep, WasmParserLimit.ComponentNesting);
        Assert.Matches(@"^/guests/module\.wasm: the component at byte offset \d+ is nested more than the configured parser cap of 100 components deep$", ex.Message);
    }

    [Fact]
    public void NestingHundredsOfThousandsDeepCostsNoStackAndBoundedMemory()
    {
        // With the caps lifted, 300000 levels (about 4 MB) are walked: an explicit stack, not recursion, so the
        // thread's 1 MB stack is never at risk, on a thread of its own with a small stack to prove it.
        var bytes = C.Nested(300_000, C.Command().Build());
        var options = new WasmInspectionOptions { MaxComponentNesting = int.MaxValue, MaxComponents = int.MaxValue };
        WasmModuleReport? report = null;
        long allocated = 0;
        var thread = new Thread(() =>
        {
            var start = GC.GetAllocatedBytesForCurrentThread();
            report = Inspect(bytes, options);
            allocated = GC.GetAllocatedBytesForCurrentThread() - start;
        }, maxStackSize: 256 * 1024);
        thread.Start();
        thread.Join();
        Assert.NotNull(report);
        Assert.Equal(300_000, report.NestedComponentCount);
        // A frame per level (~70 bytes) and the imports of the top level: well under 64 MiB.
        Assert.True(allocated < 64L << 20, $"allocated {allocated >> 20} MiB");
    }

    [Fact]
    public void NestedComponentsAreCappedInTotal()
    {
        var siblings = new C();
        for (var i = 0; i < 4; i++)
        {
            siblings.Component(new C().Build());
        }
        Assert.Equal(4, Inspect(siblings.Build(), new WasmInspectionOptions { MaxComponents = 4, RequireEntryPoint = false }).NestedComponentCount);
        siblings.Component(new C().Build());
        var ex = Limit(Inspect(siblings.Build(), new WasmInspectionOptions { MaxComponents = 4 }), WasmModuleProblemCode.TooManyComponents, WasmParserLimit.ComponentCount);
        Assert.Contains("contains 5 entries, more than the configured parser cap of 4", ex.Message);
    }

    [Fact]
    public void CoreModulesAreCappedInTotalAcrossNesting()
    {
        var module = B.MinimalCommand();
        var bytes = new C().CoreModule(module).Component(new C().CoreModule(module).CoreModule(module).Build()).Build();
        Assert.Equal(3, Inspect(bytes, new WasmInspectionOptions { MaxCoreModules = 3 }).CoreModules.Count);
        Limit(Inspect(bytes, new WasmInspectionOptions { MaxCoreModules = 2 }), WasmModuleProblemCode.TooManyCoreModules, WasmParserLimit.CoreModuleCount);
    }

    [Fact]
    public void MemoriesAreCappedForAllCoreModulesTogether()
    {
        var twoMemories = new B().Memories(B.Limits(0x00, 1), B.Limits(0x00, 1)).Build();
        var bytes = new C().CoreModule(twoMemories).CoreModule(twoMemories).CoreModule(twoMemories).Build();
        Assert.Equal(6, Inspect(bytes, new WasmInspectionOptions { MaxMemories = 6 }).CoreModules.Sum(m => m.Memories.Count));
        var ex = Limit(Inspect(bytes, new WasmInspectionOptions { MaxMemories = 5 }), WasmModuleProblemCode.TooManyMemories, WasmParserLimit.MemoryCount);
        Assert.Contains("core modules together", ex.Message);
    }

    [Fact]
    public void ACoreModuleInsideIsHeldToTheCoreCaps()
    {
        var manyImports = new B().Types().Imports([.. Enumerable.Repeat(("wasi_snapshot_preview1", "sched_yield", B.FuncImport()), 3)]).Build();
        var ex = Limit(Inspect(new C().CoreModule(manyImports).Build(), new WasmInspectionOptions { MaxImports = 2 }),
            WasmModuleProblemCode.TooManyImports, WasmParserLimit.ImportCount);
        Assert.Contains("import section contains 3 entries", ex.Message);
    }

    [Theory]
    [InlineData(10, nameof(WasmInspectionOptions.MaxImports), WasmParserLimit.ImportCount, WasmModuleProblemCode.TooManyImports)]
    [InlineData(11, nameof(WasmInspectionOptions.MaxExports), WasmParserLimit.ExportCount, WasmModuleProblemCode.TooManyExports)]
    [InlineData(2, nameof(WasmInspectionOptions.MaxInstances), WasmParserLimit.InstanceCount, WasmModuleProblemCode.TooManyInstances)]
    [InlineData(5, nameof(WasmInspectionOptions.MaxInstances), WasmParserLimit.InstanceCount, WasmModuleProblemCode.TooManyInstances)]
    [InlineData(3, nameof(WasmInspectionOptions.MaxTypes), WasmParserLimit.TypeCount, WasmModuleProblemCode.TooManyTypes)]
    [InlineData(7, nameof(WasmInspectionOptions.MaxTypes), WasmParserLimit.TypeCount, WasmModuleProblemCode.TooManyTypes)]
    [InlineData(6, nameof(WasmInspectionOptions.MaxAliases), WasmParserLimit.AliasCount, WasmModuleProblemCode.TooManyAliases)]
    [InlineData(8, nameof(WasmInspectionOptions.MaxCanonicalFunctions), WasmParserLimit.CanonicalFunctionCount, WasmModuleProblemCode.TooManyCanonicalFunctions)]
    public void ACountIsCappedPerComponentAcrossRepeatedSections(byte section, string option, WasmParserLimit limit, string code)
    {
        // Component sections may repeat, so a cap per section would be no cap: three sections of 40 entries each
        // pass a cap of 120 and fail one of 119.
        byte[] Entries(int count) => section switch
        {
            10 => B.Vector(Enumerable.Range(0, count).Select(i => B.Concat(C.ExternName($"wasi:cli/stdout@0.2.{i}"), [C.KindInstance, 0x00]))),
            11 => B.Vector(Enumerable.Range(0, count).Select(i => B.Concat(C.ExternName($"e{i}"), [0x01, 0x00, 0x00]))),
            2 => B.Vector(Enumerable.Repeat(new byte[] { 0x00, 0x00, 0x00 }, count)),        // instantiate module 0, no arguments
            6 => B.Vector(Enumerable.Repeat(new byte[] { 0x03, 0x02, 0x01, 0x00 }, count)),  // outer type alias
            _ => B.Concat(B.Leb((ulong)count), new byte[count]),
        };
        var bytes = new C().Section(section, Entries(40)).Section(section, Entries(40)).Section(section, Entries(40)).Build();
        WasmInspectionOptions Options(int cap)
        {
            var options = new WasmInspectionOptions { RequireEntryPoint = false };
            typeof(WasmInspectionOptions).GetProperty(option)!.SetValue(options, cap);
            return options;
        }

        Assert.DoesNotContain(Inspect(bytes, Options(120)).Problems, p => p.Code == code);
        var ex = Limit(Inspect(bytes, Options(119)), code, limit);
        Assert.Contains("contains 120 entries, more than the configured parser cap of 119", ex.Message);
        Assert.Contains("sections together", ex.Message);
    }

    [Fact]
    public void AHugeDeclaredCountIsRefusedBeforeAnythingIsAllocated()
    {
        var ex = Limit(Inspect(new C().Section(10, B.Leb(1UL << 63)).Build()), WasmModuleProblemCode.TooManyImports, WasmParserLimit.ImportCount);
        Assert.Contains("import section contains 9223372036854775808 entries", ex.Message);
    }

    [Fact]
    public void NamesShareOneBudgetAcrossTheComponentAndItsModules()
    {
        // Each core module's names are under the cap on their own; together, with the component's, they are not.
        const string exportName = "a-rather-long-export-name";
        const string importName = "wasi:cli/stdout@0.2.3";
        var module = new B().Exports((exportName, B.KindFunc, 0)).Build();
        var bytes = new C().CoreModule(module).CoreModule(module).ImportInstances(importName).Build();
        var total = 2 * B.Name(exportName).Length + B.Name(importName).Length;

        var atCap = Inspect(bytes, new WasmInspectionOptions { MaxNameBytes = total, RequireEntryPoint = false, RunWasmtimeValidation = false });
        Assert.Empty(ComponentCodes(atCap));
        var ex = Limit(Inspect(bytes, new WasmInspectionOptions { MaxNameBytes = total - 1 }), WasmModuleProblemCode.NamesTooLarge, WasmParserLimit.NameBytes);
        Assert.Contains($"take {total} bytes", ex.Message);
    }

    [Fact]
    public void SectionsAreCappedPerComponent()
    {
        var bytes = new C().Custom("a", []).Custom("b", []).Custom("c", []).Build();
        Assert.Empty(ComponentCodes(Inspect(bytes, new WasmInspectionOptions { MaxSections = 3, RequireEntryPoint = false })));
        Limit(Inspect(bytes, new WasmInspectionOptions { MaxSections = 2 }), WasmModuleProblemCode.TooManySections, WasmParserLimit.SectionCount);
    }

    [Fact]
    public void AnOverLongLebIsRefused()
    {
        Limit(Inspect(new C().Section(10, B.LongLeb(11), []).Build()), WasmModuleProblemCode.VarUintTooLong, WasmParserLimit.VarUintLength);
    }

    [Theory]
    [InlineData("unknown", "component section header", "unknown component section id 12")]
    [InlineData("value-section", "component section header", "unknown component section id 12")]
    [InlineData("truncated-size", "custom section", "section size 50 runs past the end of the file")]
    [InlineData("module-not-module", "core module section", "the section does not hold a core module: it starts with bytes 0061736d0d000100")]
    [InlineData("component-not-component", "component section", "the section does not hold a component: it starts with bytes 0061736d01000000")]
    [InlineData("empty-module", "core module section", "the section does not hold a core module")]
    [InlineData("name-prefix", "import section", "name prefix 0x02 is not 0x00 or 0x01")]
    [InlineData("import-kind", "import section", "x has unknown kind 0x06")]
    [InlineData("import-core-func", "import section", "x is a core item of sort 0x00; only a core module (0x11) can be imported")]
    [InlineData("export-sort", "export section", "export e has unknown sort 0x06")]
    [InlineData("export-type-flag", "export section", "export e has an optional type marked 0x02")]
    [InlineData("leftover", "import section", "1 bytes left over after the last entry")]
    [InlineData("past-nested-end", "custom section", "runs past the end of the nested component")]
    [InlineData("module-section-past-module", "custom section", "runs past the end of the core module")]
    [InlineData("bad-utf8", "import section", "name is not valid UTF-8")]
    public void MalformedComponentsAreReportedWithSectionAndOffset(string variant, string section, string detail)
    {
        var bytes = variant switch
        {
            "unknown" => new C().Section(12, [0x00]).Build(),
            "value-section" => new C().ImportInstances("wasi:cli/stdout@0.2.3").Section(12, [0x01, 0x00]).Build(),
            "truncated-size" => new C().Section(0, B.Leb(50), [0x01, 0x61]).Build(),
            "module-not-module" => new C().CoreModule(new C().Build()).Build(),
            "component-not-component" => new C().Component(B.MinimalCommand()).Build(),
            "empty-module" => new C().CoreModule([]).Build(),
            "name-prefix" => new C().Section(10, B.Vector([B.Concat([0x02], B.Name("x"), [0x05, 0x00])])).Build(),
            "import-kind" => new C().Imports(("x", [0x06, 0x00])).Build(),
            "import-core-func" => new C().Imports(("x", [0x00, 0x00, 0x00])).Build(),
            "export-sort" => new C().Section(11, B.Vector([B.Concat(C.ExternName("e"), [0x06, 0x00, 0x00])])).Build(),
            "export-type-flag" => new C().Section(11, B.Vector([B.Concat(C.ExternName("e"), [0x01, 0x00, 0x02])])).Build(),
            "leftover" => new C().Section(10, B.Concat(B.Vector([B.Concat(C.ExternName("x"), [0x05, 0x00])]), [0x00])).Build(),
            "past-nested-end" => new C().Component(B.Concat(C.ComponentHeader, [0x00, 0x05, 0x01, 0x61])).Custom("after", [1, 2, 3, 4, 5]).Build(),
            "module-section-past-module" => new C().CoreModule(B.Concat(B.CoreHeader, [0x00, 0x05, 0x01, 0x61])).Custom("after", [1, 2, 3, 4, 5]).Build(),
            "bad-utf8" => new C().Section(10, B.Vector([B.Concat([0x00, 0x02, 0xc3, 0x28], [0x05, 0x00])])).Build(),
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
        var ex = Malformed(Inspect(bytes));
        Assert.Equal(section, ex.Section);
        Assert.Contains(detail, ex.Message);
        Assert.StartsWith($"{DisplayPath}: malformed {section} at byte offset ", ex.Message);
        Assert.InRange(ex.Offset, 8, bytes.Length);
    }

    [Fact]
    public void CoreInstancesAndAliasesAreReadEntryByEntry()
    {
        var coreInstances = B.Vector([
            B.Concat([0x00, 0x00], B.Vector([B.Concat(B.Name("wasi_snapshot_preview1"), [0x12, 0x01])])),   // instantiate with an instance
            B.Concat([0x01], B.Vector([B.Concat(B.Name("memory"), [0x02, 0x00]), B.Concat(B.Name("f"), [0x00, 0x03])])),
        ]);
        var aliases = B.Vector([
            B.Concat([0x01, 0x00, 0x00], B.Name("get-stdout")),        // func exported by instance 0
            B.Concat([0x00, 0x02, 0x01, 0x00], B.Name("memory")),      // core memory exported by core instance 0
            new byte[] { 0x03, 0x02, 0x01, 0x04 },                     // outer type
        ]);
        var report = Inspect(C.Command().Section(2, coreInstances).Section(6, aliases).Build());
        Assert.Empty(ComponentCodes(report));
    }

    [Theory]
    [InlineData(2, new byte[] { 0x01, 0x02 }, "core instance of unknown kind 0x02")]
    [InlineData(2, new byte[] { 0x01, 0x00, 0x00, 0x01, 0x01, 0x61, 0x11, 0x00 }, "a core instance argument is of sort 0x11; only an instance (0x12) can be")]
    [InlineData(2, new byte[] { 0x01, 0x01, 0x01, 0x01, 0x61, 0x05, 0x00 }, "a core instance export has unknown core sort 0x05")]
    [InlineData(2, new byte[] { 0x01, 0x00, 0x00, 0x7f }, "127 core instance arguments cannot fit in the 0 bytes left in the section")]
    [InlineData(6, new byte[] { 0x01, 0x06, 0x02, 0x00, 0x00 }, "an alias has unknown sort 0x06")]
    [InlineData(6, new byte[] { 0x01, 0x00, 0x13, 0x02, 0x00, 0x00 }, "an alias has unknown core sort 0x13")]
    [InlineData(6, new byte[] { 0x01, 0x01, 0x03, 0x00, 0x00 }, "an alias has unknown target kind 0x03")]
    [InlineData(6, new byte[] { 0x01, 0x01, 0x00, 0x00, 0x05, 0x61 }, "name length 5 runs past the end of the section")]
    public void MalformedCoreInstancesAndAliasesAreReported(byte section, byte[] content, string detail)
    {
        var ex = Malformed(Inspect(new C().Section(section, content).Build()));
        Assert.Contains(detail, ex.Message);
        Assert.Equal(section == 2 ? "core instance section" : "alias section", ex.Section);
    }

    [Fact]
    public void ATruncatedRealisticComponentIsAlwaysMalformedNeverAThrow()
    {
        var bytes = C.Command().CoreModule(File.ReadAllBytes(ToolchainFixturePath)).Component(C.Command().Build()).Build();
        var watch = Stopwatch.StartNew();
        int cuts = 0, malformed = 0;
        for (var length = 9; length < bytes.Length; length += 97)
        {
            var report = Inspect(bytes[..length]);
            Assert.Equal(WasmModuleKind.Component, report.Kind);
            cuts++;
            malformed += report.Problems.Any(p => p.Code == WasmModuleProblemCode.MalformedSection) ? 1 : 0;
        }
        // A cut that happens to fall between two top-level sections leaves a shorter, sound component.
        Assert.True(malformed >= cuts - 3, $"{malformed} of {cuts} cuts were reported malformed");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
    }
}
