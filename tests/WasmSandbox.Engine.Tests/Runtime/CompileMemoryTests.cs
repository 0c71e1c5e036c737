using System.Diagnostics;
using WasmSandbox.Tests.Inspection;
using Xunit;

namespace WasmSandbox.Tests;

/// <summary>
/// A big compile's scratch memory goes back to the operating system when the compile is done, instead of staying
/// resident in the host process's C heap for the rest of its life.
/// </summary>
[Collection(ProcessMemoryCollection.Name)]
public sealed class CompileMemoryTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// 60,000 small functions (about 11 MB): Winch's scratch memory for them peaks near 600 MB, and glibc kept about
    /// 330 MB of it after the compile when nothing trimmed it (measured on the development machine).
    /// </summary>
    private static byte[] ManySmallFunctions(int count = 60_000, int repeats = 25)
    {
        // (local i32) then (local.set 0 (i32.add (local.get 0) (i32.const 7))) repeated, end.
        byte[] op = [0x20, 0x00, 0x41, 0x07, 0x6a, 0x21, 0x00];
        var body = new List<byte> { 0x01, 0x01, 0x7f };
        for (int i = 0; i < repeats; i++)
        {
            body.AddRange(op);
        }
        body.Add(0x0b);
        byte[] sizedBody = WasmBinaryBuilder.Concat(WasmBinaryBuilder.Leb((ulong)body.Count), [.. body]);
        var code = new List<byte>(WasmBinaryBuilder.Leb((ulong)count));
        for (int i = 0; i < count; i++)
        {
            code.AddRange(sizedBody);
        }
        return new WasmBinaryBuilder()
            .Types()
            .Functions(count)
            .Exports(("_start", WasmBinaryBuilder.KindFunc, 0))
            .Section(10, [.. code])
            .Build();
    }

    private static long Resident()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64;
    }

    [Fact]
    public void ABigCompileLeavesItsScratchMemoryWithTheOperatingSystem()
    {
        Assert.True(NativeHeap.Supported || !OperatingSystem.IsLinux(),
            "glibc's malloc_trim was not found: a big compile's scratch memory would stay in the process");
        byte[] wasm = ManySmallFunctions();
        Assert.True(wasm.Length >= NativeHeap.Threshold);
        string path = Path.Combine(_dir.Path, "many-functions.wasm");
        File.WriteAllBytes(path, wasm);
        var runtime = new WasmRuntime(new InstancePool(capacity: 1), new ModuleCache(new CompileCacheSettings { Directory = null }));
        int trims = NativeHeap.Trims;
        long before = Resident();

        var execution = runtime.Start(new WasmContext(path), new WasmExecutionOptions { CompilePolicy = WasmCompilePolicy.Baseline });
        execution.CloseInput();
        var run = Sandbox.Collect(execution);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(WasmCompileTier.Baseline, execution.Warmup.Tier);
        if (!NativeHeap.Supported)
        {
            return;
        }
        var clock = Stopwatch.StartNew();
        while (NativeHeap.Trims == trims)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "no trim ran within 30 s of the compile");
            Thread.Sleep(10);
        }

        // The compiled module stays in the runtime's memory cache (its code is mapped apart from the heap).
        long grown = Resident() - before;
        Assert.True(grown < 160L << 20, $"the process grew by {grown >> 20} MiB over a compile whose scratch memory was freed");
    }
}
