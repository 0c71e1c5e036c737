using Xunit;
using Wasmtime;

namespace WasmSandbox.Tests.Inspection;

/// <summary>Fixtures and shorthands shared by the inspection tests.</summary>
internal static class InspectionFixtures
{
    /// <summary>The path every in-memory module is reported under.</summary>
    public const string DisplayPath = "/guests/module.wasm";

    public static readonly string[] WatFixtures =
        ["hello.wat", "host-process.wat", "rb-js-abi.wat", "imported-memory.wat", "reactor.wat", "kitchen-sink.wat"];

    /// <summary>
    /// hello-c.c built by a real toolchain, so that the tests see a linker's section layout and custom sections:
    /// <c>clang-14 --target=wasm32-wasi --sysroot=/usr -O2 -Wl,--strip-debug -o hello-c.wasm hello-c.c</c>.
    /// </summary>
    public static string ToolchainFixturePath => FixturePath("hello-c.wasm");

    public static string FixturePath(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "inspect", name);

    /// <summary>A fixture from Fixtures/inspect, converted from text format as the engine does before inspecting it.</summary>
    public static byte[] FromWat(string name) => Module.ConvertText(File.ReadAllText(FixturePath(name)));

    public static WasmModuleReport Inspect(byte[] bytes, WasmInspectionOptions? options = null) =>
        WasmModuleInspector.Inspect(DisplayPath, bytes, options ?? new WasmInspectionOptions());

    public static string[] Codes(WasmModuleReport report) => [.. report.Problems.Select(p => p.Code)];

    /// <summary>What the inspector finds wrong with a component.</summary>
    public static WasmModuleProblem[] ComponentProblems(WasmModuleReport report) =>
        [.. report.Problems];

    public static string[] ComponentCodes(WasmModuleReport report) => [.. ComponentProblems(report).Select(p => p.Code)];

    /// <summary>The only problem with <paramref name="code"/>; fails when there is none or more than one.</summary>
    public static WasmModuleProblem Single(WasmModuleReport report, string code) => Assert.Single(report.Problems, p => p.Code == code);

    /// <summary>Runs <see cref="WasmModuleInspector.EnsureRunnable"/> and returns what it threw, failing if it threw nothing.</summary>
    public static T Refusal<T>(WasmModuleReport report) where T : WasmSandboxException =>
        Assert.Throws<T>(() => WasmModuleInspector.EnsureRunnable(report));

    /// <summary>
    /// The sections of a well-formed module, found independently of the inspector: where each starts, where its body
    /// starts, and where it ends.
    /// </summary>
    public static List<(int Start, int Body, int End)> Sections(byte[] module)
    {
        var sections = new List<(int, int, int)>();
        for (var offset = 8; offset < module.Length;)
        {
            var start = offset++;
            int size = 0, shift = 0;
            byte b;
            do
            {
                b = module[offset++];
                size |= (b & 0x7f) << shift;
                shift += 7;
            }
            while ((b & 0x80) != 0);
            sections.Add((start, offset, offset + size));
            offset += size;
        }
        return sections;
    }
}
