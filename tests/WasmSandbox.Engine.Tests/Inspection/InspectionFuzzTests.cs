using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;
using static WasmSandbox.Tests.Inspection.InspectionFixtures;
using B = WasmSandbox.Tests.Inspection.WasmBinaryBuilder;

namespace WasmSandbox.Tests.Inspection;

/// <summary>
/// Mutates valid modules (flipped bytes, cuts, huge LEB128 counts and sizes, inserted junk) and checks that every
/// result is a report, and that EnsureRunnable throws nothing but the sandbox's typed exceptions.
/// </summary>
[Collection(ProcessMemoryCollection.Name)]
public sealed class InspectionFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 20260301;
    private const int Iterations = 6000;
    // Every tenth input also goes through InspectFile, which reads sections from the file instead of a buffer.
    private const int FileEvery = 10;

    [Fact]
    public void MutatedModulesYieldAReportOrATypedRefusal()
    {
        byte[][] seeds =
        [
            .. WatFixtures.Select(FromWat),
            File.ReadAllBytes(ToolchainFixturePath),
            B.MinimalCommand(),
            new B().Types().Imports(("env", "t", [B.KindTag, 0x00, 0x00]), ("env", "m", B.MemoryImport(0x07, 1, 2))).Section(13, [0x01, 0x00, 0x00]).Build(),
            new B().Memories(B.Limits(0x05, 1, 1UL << 40), B.Limits(0x03, 1, 2)).Custom("name", [0x00, 0x01, 0x02]).Build(),
        ];
        var sections = seeds.Select(Sections).ToArray();
        var random = new Random(Seed);
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "fuzz.wasm");

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Iterations; i++)
        {
            var which = random.Next(seeds.Length);
            var input = seeds[which];
            for (var mutations = random.Next(1, 4); mutations > 0; mutations--)
            {
                input = Mutate(random, input, input.Length == seeds[which].Length ? sections[which] : []);
            }

            var report = Check(i, input, () => Inspect(input));
            var outcome = report.Problems.Count == 0 ? "valid" : report.Problems[0].Code;
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;

            if (i % FileEvery == 0)
            {
                File.WriteAllBytes(path, input);
                var fromFile = Check(i, input, () => WasmModuleInspector.InspectFile(path, new WasmInspectionOptions()));
                Assert.Equal(
                    FileInspectionTests.Describe(WasmModuleInspector.Inspect(path, input, new WasmInspectionOptions())),
                    FileInspectionTests.Describe(fromFile));
            }
        }
        watch.Stop();

        output.WriteLine($"{Iterations} inputs (seed {Seed}) in {watch.Elapsed.TotalSeconds:F1} s");
        foreach (var (code, count) in outcomes)
        {
            output.WriteLine($"  {code}: {count}");
        }
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"fuzzing took {watch.Elapsed}");
        // The mutations must reach past classification into the section walk and on to Wasmtime.
        foreach (var expected in new[] { WasmModuleProblemCode.MalformedSection, WasmModuleProblemCode.VarUintTooLong,
                     WasmModuleProblemCode.TooManyImports, WasmModuleProblemCode.ValidationFailed, WasmModuleProblemCode.NotWasm })
        {
            Assert.True(outcomes.ContainsKey(expected), $"no input ended in {expected}");
        }
    }

    /// <summary>
    /// The same mutations through a real start: each input is either refused with a typed exception or runs and
    /// ends (any reason) on its own; nothing else escapes, nothing hangs, and the process's memory stays bounded.
    /// </summary>
    [Fact]
    public void MutatedModulesStartOrAreRefusedWithoutHarm()
    {
        byte[][] seeds = [.. WatFixtures.Select(FromWat), File.ReadAllBytes(ToolchainFixturePath), B.MinimalCommand()];
        var sections = seeds.Select(Sections).ToArray();
        var random = new Random(Seed + 1);
        using var dir = new TempDir();
        var options = new WasmExecutionOptions { WorkingDirectory = dir.Path, Timeout = TimeSpan.FromSeconds(2), MaxMemoryBytes = 16L << 20 };
        int refused = 0, ran = 0;
        long before = Environment.WorkingSet;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 5000; i++)
        {
            var which = random.Next(seeds.Length);
            var input = seeds[which];
            for (var mutations = random.Next(1, 4); mutations > 0; mutations--)
            {
                input = Mutate(random, input, input.Length == seeds[which].Length ? sections[which] : []);
            }
            File.WriteAllBytes(Path.Combine(dir.Path, "fuzz.wasm"), input);
            try
            {
                var exec = WasmRuntime.Shared.Start(new WasmContext("fuzz.wasm"), options);
                exec.CloseInput();
                Assert.True(exec.Wait(TimeSpan.FromSeconds(10)), $"input {i} did not end ({Convert.ToBase64String(input)})");
                WasmEventReceiver.Receive([exec], null, false, TimeSpan.Zero, CancellationToken.None, _ => { });
                ran++;
            }
            catch (WasmSandboxException)
            {
                refused++;
            }
        }
        watch.Stop();
        GC.Collect();
        long grown = Environment.WorkingSet - before;
        output.WriteLine($"5000 starts (seed {Seed + 1}) in {watch.Elapsed.TotalSeconds:F1} s: {refused} refused, {ran} ran; working set grew {grown >> 20} MiB");
        Assert.True(refused > 0 && ran > 0, "the mutations must exercise both refusal and running");
        Assert.True(grown < 300L << 20, $"working set grew by {grown >> 20} MiB");
    }

    private static readonly HashSet<string> NotRefused =
        [WasmModuleProblemCode.UnsatisfiedImport, WasmModuleProblemCode.NoEntryPoint, WasmModuleProblemCode.ValidationFailed];

    private static WasmModuleReport Check(int iteration, byte[] input, Func<WasmModuleReport> inspect)
    {
        var what = $"input {iteration} ({Convert.ToBase64String(input)})";
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
        Assert.Equal(report.Problems.Count == 0, report.IsValid);

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
        catch (Exception ex)
        {
            Assert.Fail($"{what}: EnsureRunnable threw {ex}");
        }
        return report;
    }

    internal static byte[] Mutate(Random random, byte[] input, List<(int Start, int Body, int End)> sections)
    {
        if (input.Length == 0)
        {
            return [(byte)random.Next(256)];
        }
        var bytes = input.ToList();
        // Mostly past the header, so that inputs reach the section walk rather than stopping at classification.
        int Position() => random.Next(10) == 0 || bytes.Count <= 8 ? random.Next(bytes.Count) : random.Next(8, bytes.Count);
        var choice = random.Next(7);
        switch (choice)
        {
            case 6 when sections.Count > 0:
                // A byte inside a section body, leaving every size intact: mostly reaches Wasmtime's validator.
                var target = sections[random.Next(sections.Count)];
                if (target.End > target.Body)
                {
                    bytes[random.Next(target.Body, target.End)] = (byte)random.Next(256);
                }
                break;
            case 0:
                for (var n = random.Next(1, 5); n > 0; n--)
                {
                    bytes[Position()] ^= (byte)(1 << random.Next(8));
                }
                break;
            case 1:
                return [.. bytes.Take(random.Next(bytes.Count))];
            case 2:
            case 3:
                // Replace the size (case 2) or the first LEB128 of the body, typically its count (case 3), of one of
                // the seed's sections with a huge or over-long LEB128; sections is empty once the layout has changed.
                if (sections.Count > 0)
                {
                    var section = sections[random.Next(sections.Count)];
                    var at = choice == 2 ? section.Start + 1 : section.Body;
                    if (at < section.End || choice == 2)
                    {
                        var old = LebLength(input, at);
                        bytes.RemoveRange(at, old);
                        bytes.InsertRange(at, HugeLeb(random));
                        break;
                    }
                }
                bytes.InsertRange(Position(), HugeLeb(random));
                break;
            case 4:
                var junk = new byte[random.Next(1, 16)];
                random.NextBytes(junk);
                bytes.InsertRange(Position(), junk);
                break;
            default:
                var from = Position();
                var length = random.Next(1, Math.Min(64, bytes.Count - from) + 1);
                bytes.InsertRange(Position(), bytes.GetRange(from, length));
                break;
        }
        return [.. bytes];
    }

    private static byte[] HugeLeb(Random random) => random.Next(4) switch
    {
        0 => B.Leb(ulong.MaxValue),
        1 => B.Leb((ulong)random.NextInt64(1L << 14, long.MaxValue)),
        2 => B.Leb(0, 11),
        _ => B.Leb((ulong)random.Next(1 << 14, 1 << 20)),
    };

    private static int LebLength(byte[] bytes, int at)
    {
        var length = 1;
        while (at + length <= bytes.Length && (bytes[at + length - 1] & 0x80) != 0)
        {
            length++;
        }
        return Math.Min(length, bytes.Length - at);
    }
}
