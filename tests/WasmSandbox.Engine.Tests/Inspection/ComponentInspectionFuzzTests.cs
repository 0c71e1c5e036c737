using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;
using static WasmSandbox.Tests.Inspection.InspectionFixtures;
using B = WasmSandbox.Tests.Inspection.WasmBinaryBuilder;
using C = WasmSandbox.Tests.Inspection.WasmComponentBuilder;

namespace WasmSandbox.Tests.Inspection;

/// <summary>
/// Mutates real components (built by tools/Build-Components.ps1 with jco and componentize-js) and components written
/// by the builder: every result is a report, EnsureRunnable throws nothing but the sandbox's typed exceptions, and no
/// inspection allocates more than a bounded amount, whatever the counts and sizes a mutation declares.
/// </summary>
[Collection(ProcessMemoryCollection.Name)]
public sealed class ComponentInspectionFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 20261202;
    private const int Iterations = 4000;
    private const int FileEvery = 10;

    /// <summary>out/guests/components of this checkout, where build.ps1 puts the component fixtures.</summary>
    internal static string ComponentFixturePath(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "build.ps1")))
            {
                var path = Path.Combine(dir.FullName, "out", "guests", "components", name);
                Assert.True(File.Exists(path), $"component fixture {path} is missing: run ./build.ps1 -Task Build first");
                return path;
            }
        }
        throw new InvalidOperationException($"no build.ps1 above {AppContext.BaseDirectory}");
    }

    [Fact]
    public void MutatedComponentsYieldAReportOrATypedRefusal()
    {
        byte[][] seeds =
        [
            File.ReadAllBytes(ComponentFixturePath("hello.component.wasm")),
            File.ReadAllBytes(ComponentFixturePath("needshttp.component.wasm")),
            File.ReadAllBytes(ComponentFixturePath("cprobe.component.wasm")),
            C.Command().CoreModule(B.MinimalCommand()).Component(C.Command().CoreModule(new B().Memories(B.Limits(0x01, 1, 2)).Build()).Build()).Build(),
            C.Nested(5, C.Command().Build()),
        ];
        var sections = seeds.Select(NestedSections).ToArray();
        var random = new Random(Seed);
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "fuzz.wasm");
        long mostAllocated = 0;

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Iterations; i++)
        {
            var which = random.Next(seeds.Length);
            var input = seeds[which];
            for (var mutations = random.Next(1, 4); mutations > 0; mutations--)
            {
                input = InspectionFuzzTests.Mutate(random, input, input.Length == seeds[which].Length ? sections[which] : []);
            }

            var before = GC.GetAllocatedBytesForCurrentThread();
            var report = Check(i, input, () => Inspect(input));
            mostAllocated = Math.Max(mostAllocated, GC.GetAllocatedBytesForCurrentThread() - before);
            var outcome = ComponentProblems(report).FirstOrDefault()?.Code ?? "no problem";
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;

            if (i % FileEvery == 0)
            {
                File.WriteAllBytes(path, input);
                var fromFile = Check(i, input, () => WasmModuleInspector.InspectFile(path, new WasmInspectionOptions()));
                Assert.Equal(
                    ComponentInspectionTests.Describe(WasmModuleInspector.Inspect(path, input, new WasmInspectionOptions())),
                    ComponentInspectionTests.Describe(fromFile));
            }
        }
        watch.Stop();

        output.WriteLine($"{Iterations} inputs (seed {Seed}) in {watch.Elapsed.TotalSeconds:F1} s; at most {mostAllocated >> 10} KiB allocated by one inspection");
        foreach (var (code, count) in outcomes)
        {
            output.WriteLine($"  {code}: {count}");
        }
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"fuzzing took {watch.Elapsed}");
        // The seeds are under 200 KB; whatever a mutation declares, an inspection holds the report's entries and a
        // core module's lists, sized by what the bytes can hold, never by a declared count.
        Assert.True(mostAllocated < 32L << 20, $"one inspection allocated {mostAllocated >> 20} MiB");
        // The mutations must reach past classification into the component walk, the core modules inside it, and the
        // judgement of a sound component's imports.
        foreach (var expected in new[] { WasmModuleProblemCode.MalformedSection, WasmModuleProblemCode.VarUintTooLong,
                     WasmModuleProblemCode.TooManyImports, WasmModuleProblemCode.UnsatisfiedImport, WasmModuleProblemCode.NotWasm })
        {
            Assert.True(outcomes.ContainsKey(expected), $"no input ended in {expected}");
        }
    }

    [Fact]
    public void TheJavaScriptComponentIsInspectedInBoundedTimeAndMemory()
    {
        // 12 MB, most of it one core module (the JavaScript engine): walked through the file window; only Wasmtime's
        // validation reads a core module whole, one at a time, as it reads a core module file.
        var path = ComponentFixturePath("jsprobe.component.wasm");
        var before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        var report = WasmModuleInspector.InspectFile(path, new WasmInspectionOptions());
        watch.Stop();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"{new FileInfo(path).Length >> 20} MiB component inspected in {watch.Elapsed.TotalMilliseconds:F0} ms, {allocated >> 10} KiB allocated");
        Assert.Equal(WasmModuleKind.Component, report.Kind);
        Assert.Empty(ComponentCodes(report));
        Assert.True(report.CoreModules.Max(m => m.Size) > 5L << 20);
        var largest = report.CoreModules.Max(m => m.Size);
        Assert.True(allocated < largest * 2 + (8L << 20), $"allocated {allocated >> 20} MiB");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    private static readonly HashSet<string> NotRefused =
        [WasmModuleProblemCode.UnsatisfiedImport, WasmModuleProblemCode.NoEntryPoint, WasmModuleProblemCode.ValidationFailed];

    private static WasmModuleReport Check(int iteration, byte[] input, Func<WasmModuleReport> inspect)
    {
        var what = $"input {iteration} ({input.Length} bytes)";
        WasmModuleReport report;
        try
        {
            report = inspect();
        }
        catch (Exception ex)
        {
            Assert.Fail($"{what}: inspection threw {ex}");
            throw;
        }
        Assert.Equal(input.Length, report.Size);
        var refusal = report.Problems.FirstOrDefault(p => !NotRefused.Contains(p.Code));
        try
        {
            WasmModuleInspector.EnsureRunnable(report);
            Assert.True(refusal is null, $"{what}: EnsureRunnable accepted a module with {refusal}");
        }
        catch (WasmSandboxException ex)
        {
            Assert.True(refusal?.Message == ex.Message, $"{what}: EnsureRunnable threw {ex.Message} for {refusal}");
        }
        return report;
    }

    /// <summary>
    /// The sections of a sound component and of every core module and component inside it, found independently of the
    /// inspector, so that mutations land in nested sizes and counts as well as in the top level's.
    /// </summary>
    private static List<(int Start, int Body, int End)> NestedSections(byte[] bytes)
    {
        var all = new List<(int Start, int Body, int End)>();
        var pending = new Stack<(int From, int To, bool Component)>();
        pending.Push((8, bytes.Length, true));
        while (pending.Count > 0)
        {
            var (from, to, component) = pending.Pop();
            for (var offset = from; offset < to;)
            {
                var start = offset++;
                int size = 0, shift = 0;
                byte b;
                do
                {
                    b = bytes[offset++];
                    size |= (b & 0x7f) << shift;
                    shift += 7;
                }
                while ((b & 0x80) != 0);
                all.Add((start, offset, offset + size));
                if (component && bytes[start] is 1 or 4)
                {
                    pending.Push((offset + 8, offset + size, bytes[start] == 4));
                }
                offset += size;
            }
        }
        return all;
    }
}
