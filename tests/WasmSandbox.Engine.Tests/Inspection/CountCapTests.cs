using Xunit;
using static WasmSandbox.Tests.Inspection.InspectionFixtures;
using B = WasmSandbox.Tests.Inspection.WasmBinaryBuilder;

namespace WasmSandbox.Tests.Inspection;

/// <summary>
/// Every count the inspector reads is capped as it is read, before anything is allocated for the entries; the number
/// of sections is capped too; and the walk stops at its cancellation token.
/// </summary>
public sealed class CountCapTests
{
    /// <summary>Section id, the cap's limit, its problem code, how to set the cap, and the section's name.</summary>
    public static TheoryData<byte, WasmParserLimit, string, string> CountedSections => new()
    {
        { 1, WasmParserLimit.TypeCount, WasmModuleProblemCode.TooManyTypes, "type section" },
        { 3, WasmParserLimit.FunctionCount, WasmModuleProblemCode.TooManyFunctions, "function section" },
        { 4, WasmParserLimit.TableCount, WasmModuleProblemCode.TooManyTables, "table section" },
        { 6, WasmParserLimit.GlobalCount, WasmModuleProblemCode.TooManyGlobals, "global section" },
        { 7, WasmParserLimit.ExportCount, WasmModuleProblemCode.TooManyExports, "export section" },
        { 9, WasmParserLimit.ElementSegmentCount, WasmModuleProblemCode.TooManyElementSegments, "element section" },
        { 10, WasmParserLimit.FunctionCount, WasmModuleProblemCode.TooManyFunctions, "code section" },
        { 11, WasmParserLimit.DataSegmentCount, WasmModuleProblemCode.TooManyDataSegments, "data section" },
        { 13, WasmParserLimit.TagCount, WasmModuleProblemCode.TooManyTags, "tag section" },
    };

    private static int DefaultCap(WasmParserLimit limit)
    {
        var o = new WasmInspectionOptions();
        return limit switch
        {
            WasmParserLimit.TypeCount => o.MaxTypes,
            WasmParserLimit.FunctionCount => o.MaxFunctions,
            WasmParserLimit.TableCount => o.MaxTables,
            WasmParserLimit.GlobalCount => o.MaxGlobals,
            WasmParserLimit.ExportCount => o.MaxExports,
            WasmParserLimit.ElementSegmentCount => o.MaxElementSegments,
            WasmParserLimit.DataSegmentCount => o.MaxDataSegments,
            WasmParserLimit.TagCount => o.MaxTags,
            _ => throw new ArgumentOutOfRangeException(nameof(limit)),
        };
    }

    [Theory]
    [MemberData(nameof(CountedSections))]
    public void CountOverTheCapIsRefusedFromTheCountAlone(byte id, WasmParserLimit limit, string code, string section)
    {
        // A few bytes claiming one entry more than the cap: refused from the count, not after walking (or
        // allocating for) the entries, which are not there.
        var cap = DefaultCap(limit);
        var report = Inspect(new B().Section(id, B.Leb((ulong)cap + 1)).Build());

        Assert.Equal([code], Codes(report));
        var ex = Refusal<WasmParserLimitException>(report);
        Assert.Equal(limit, ex.Limit);
        Assert.Equal($"{DisplayPath}: {section} contains {cap + 1} entries, more than the configured parser cap of {cap}", ex.Message);
    }

    [Theory]
    [MemberData(nameof(CountedSections))]
    public void CountUnderTheCapThatCannotFitIsMalformed(byte id, WasmParserLimit limit, string code, string section)
    {
        _ = limit;
        _ = code;
        var report = Inspect(new B().Section(id, B.Leb(1000)).Build());

        Assert.Equal([WasmModuleProblemCode.MalformedSection], Codes(report));
        Assert.Contains($"malformed {section}", report.Problems[0].Message);
        Assert.Contains("1000 entries cannot fit in the 0 bytes left", report.Problems[0].Message);
    }

    [Fact]
    public void ExportsAtTheCapPassAndOneMoreIsRefused()
    {
        static byte[] WithExports(int count) => new B().Types().Functions(1)
            .Exports([.. Enumerable.Range(0, count).Select(i => ($"e{i}", B.KindFunc, 0u))]).Code(1).Build();
        var options = new WasmInspectionOptions { MaxExports = 300, RequireEntryPoint = false };

        var atCap = Inspect(WithExports(300), options);
        Assert.True(atCap.IsValid, string.Join("; ", atCap.Problems));
        Assert.Equal(300, atCap.Exports.Count);
        Assert.Equal([WasmModuleProblemCode.TooManyExports], Codes(Inspect(WithExports(301), options)));
    }

    [Fact]
    public void DataCountAboveTheDataSegmentCapIsRefused()
    {
        var report = Inspect(new B().Section(12, B.Leb(100_001)).Build());

        Assert.Equal([WasmModuleProblemCode.TooManyDataSegments], Codes(report));
        Assert.Contains("data count section (at byte offset 10) contains 100001 entries", report.Problems[0].Message);
    }

    [Fact]
    public void SectionCountIsCappedCustomSectionsIncluded()
    {
        var builder = new B();
        for (var i = 0; i < 11; i++)
        {
            builder.Custom("", []);
        }
        var bytes = builder.Build();

        Assert.DoesNotContain(WasmModuleProblemCode.TooManySections, Codes(Inspect(bytes, new WasmInspectionOptions { MaxSections = 11 })));
        var report = Inspect(bytes, new WasmInspectionOptions { MaxSections = 10 });
        Assert.Equal([WasmModuleProblemCode.TooManySections], Codes(report));
        var ex = Refusal<WasmParserLimitException>(report);
        Assert.Equal(WasmParserLimit.SectionCount, ex.Limit);
        Assert.Equal($"{DisplayPath}: the module has more than the configured parser cap of 10 sections (section 11 starts at byte offset 38)", ex.Message);
    }

    [Fact]
    public void LocalsPerFunctionAreCapped()
    {
        // One body declaring 30 000 + 30 000 i32 locals: over the 50 000 the engines allow, from six bytes.
        byte[] body = [.. B.Leb(30_000), 0x7f, .. B.Leb(30_000), 0x7f, 0x0b];
        byte[] code = [0x01, .. B.Leb((ulong)body.Length + 1), 0x02, .. body];
        var bytes = new B().Types().Functions(1).Section(10, code).Build();

        var report = Inspect(bytes, new WasmInspectionOptions { RequireEntryPoint = false });

        Assert.Equal([WasmModuleProblemCode.TooManyLocals], Codes(report));
        Assert.Contains("declares 60000 locals, more than the configured parser cap of 50000", report.Problems[0].Message);
        Assert.Equal([WasmModuleProblemCode.ValidationFailed],
            Codes(Inspect(bytes, new WasmInspectionOptions { RequireEntryPoint = false, MaxLocals = 60_000 })));
    }

    [Fact]
    public void LocalDeclarationsPastTheBodyAreMalformed()
    {
        // A body of size 2 whose local declarations need four bytes.
        byte[] code = [0x01, 0x02, 0x01, 0x05, 0x7f, 0x0b];
        var report = Inspect(new B().Types().Functions(1).Section(10, code).Build(), new WasmInspectionOptions { RequireEntryPoint = false });

        Assert.Equal([WasmModuleProblemCode.MalformedSection], Codes(report));
        Assert.Contains("local declarations run past the end of the 2-byte function body", report.Problems[0].Message);
    }

    [Fact]
    public void ANameLongerThanTheEnginesAllowIsRefused()
    {
        var name = new string('n', WasmInspectionOptions.MaxNameLength + 1);
        var report = Inspect(new B().Types().Functions(1).Exports((name, B.KindFunc, 0)).Code(1).Build());

        Assert.Equal([WasmModuleProblemCode.NameTooLong], Codes(report));
        Assert.Contains("is 100001 bytes long, more than the parser cap of 100000 bytes", report.Problems[0].Message);
    }

    [Fact]
    public void AllNamesTogetherAreCapped()
    {
        static byte[] WithExports(int count) => new B().Types().Functions(1)
            .Exports([.. Enumerable.Range(0, count).Select(i => ($"{i:d9}", B.KindFunc, 0u))]).Code(1).Build();
        // Each name takes ten bytes with its length.
        var options = new WasmInspectionOptions { MaxNameBytes = 1000, RequireEntryPoint = false, RunWasmtimeValidation = false };

        Assert.Empty(Codes(Inspect(WithExports(100), options)));
        var report = Inspect(WithExports(101), options);
        Assert.Equal([WasmModuleProblemCode.NamesTooLarge], Codes(report));
        Assert.Contains("import and export names take 1010 bytes", report.Problems[0].Message);
    }

    [Fact]
    public void ACancelledTokenStopsTheWalk()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() =>
            WasmModuleInspector.Inspect(DisplayPath, B.MinimalCommand(), new WasmInspectionOptions(), cancelled.Token));
    }

    [Fact]
    public void CancellationReachesAWalkInProgress()
    {
        // Twenty million empty function bodies, under caps raised to let them through: a walk of some hundred
        // milliseconds, cancelled a tenth of the way in. Without a look at the token inside the walk it would run on.
        const int functions = 20_000_000;
        byte[] prefix = [.. new B().Types().Build(), 10, .. B.Leb((ulong)functions * 3 + 5, 5), .. B.Leb(functions, 5)];
        var bytes = new byte[prefix.Length + functions * 3];
        prefix.CopyTo(bytes, 0);
        for (var i = prefix.Length; i < bytes.Length; i += 3)
        {
            bytes[i] = 0x02; // body size; then no locals (0x00) and end (0x0b)
            bytes[i + 2] = 0x0b;
        }
        var options = new WasmInspectionOptions { MaxFunctions = functions, RequireEntryPoint = false, RunWasmtimeValidation = false };
        Assert.Empty(Codes(WasmModuleInspector.Inspect(DisplayPath, bytes, options)));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        WasmModuleInspector.Inspect(DisplayPath, bytes, options);
        var whole = clock.Elapsed;
        Assert.True(whole > TimeSpan.FromMilliseconds(50), $"the walk took only {whole.TotalMilliseconds} ms; this test needs a longer one");

        // The cancel comes from a thread of its own (a timer on the thread pool starves while parallel tests block
        // pool threads); on a loaded machine even that may come late, so a walk that finished uncancelled is tried
        // again (up to three times) before the test fails.
        string? last = null;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            using var cancellation = new CancellationTokenSource();
            var canceller = new Thread(() => { Thread.Sleep(whole / 10); cancellation.Cancel(); }) { IsBackground = true };
            canceller.Start();
            clock.Restart();
            try
            {
                WasmModuleInspector.Inspect(DisplayPath, bytes, options, cancellation.Token);
                last = $"attempt {attempt + 1}: the walk ran to its end ({clock.Elapsed.TotalMilliseconds} ms) although cancelled after {(whole / 10).TotalMilliseconds} ms";
                continue;
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                canceller.Join();
            }
            Assert.True(clock.Elapsed < whole / 2 + TimeSpan.FromMilliseconds(50), $"cancelled after {clock.Elapsed.TotalMilliseconds} ms of a {whole.TotalMilliseconds} ms walk");
            return;
        }
        Assert.Fail(last);
    }
}
