using Xunit;

namespace WasmSandbox.Tests;

public class LifecycleTests
{
    [Fact]
    public void HostProcessIsRefusedBelowFull()
    {
        using var sandbox = new Sandbox();
        string wat = Wat.Command("(drop (call $sig (i32.const 2) (i32.const 2) (i32.const 16384) (i32.const 0) (i32.const 4660)))",
            imports: Wat.Imports + """(import "host_process" "proc_sigaction" (func $sig (param i32 i32 i32 i32 i32) (result i32)))""");
        foreach (var tier in new[] { WasmPermissionTier.Isolated, WasmPermissionTier.ReadOnly, WasmPermissionTier.ReadWrite })
        {
            var run = sandbox.RunToEnd(wat, new WasmExecutionOptions { PermissionTier = tier });
            Assert.Equal(WasmExitReason.LinkFailed, run.Exited.Reason);
            Assert.NotEqual(0, run.ExitCode);
            Assert.Contains("host_process.proc_sigaction", run.Stderr);
        }
        var full = sandbox.RunToEnd(wat, new WasmExecutionOptions { PermissionTier = WasmPermissionTier.Full });
        Assert.Equal(0, full.ExitCode);
        var signal = Assert.Single(full.Events.OfType<WasmSignalStateEvent>());
        Assert.Equal((2, WasmSignalAction.User, 0x1234u), (signal.Signal, signal.Action, signal.Flags));
        Assert.Equal(new[] { 15 }, signal.Mask);
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(65, 2)]
    [InlineData(2, 3)]
    public void AnInvalidSigactionIsEinvalWithoutAnEvent(int signal, int action)
    {
        using var sandbox = new Sandbox();
        var run = sandbox.RunToEnd(Wat.Command($"(call $proc_exit (call $sig (i32.const {signal}) (i32.const {action}) (i32.const 0) (i32.const 0) (i32.const 0)))",
            imports: Wat.Imports + """(import "host_process" "proc_sigaction" (func $sig (param i32 i32 i32 i32 i32) (result i32)))"""),
            new WasmExecutionOptions { PermissionTier = WasmPermissionTier.Full });
        Assert.Equal(28, run.ExitCode);
        Assert.Empty(run.Events.OfType<WasmSignalStateEvent>());
    }

    [Fact]
    public void SignalMasksSpanAll64Signals()
    {
        using var sandbox = new Sandbox();
        var run = sandbox.RunToEnd(Wat.Command("(drop (call $sig (i32.const 64) (i32.const 1) (i32.const 0x80000001) (i32.const 0x80000000) (i32.const -1)))",
            imports: Wat.Imports + """(import "host_process" "proc_sigaction" (func $sig (param i32 i32 i32 i32 i32) (result i32)))"""),
            new WasmExecutionOptions { PermissionTier = WasmPermissionTier.Full });
        var signal = Assert.Single(run.Events.OfType<WasmSignalStateEvent>());
        Assert.Equal(new[] { 1, 32, 64 }, signal.Mask);
        Assert.Equal(WasmSignalAction.Ignore, signal.Action);
        Assert.Equal(uint.MaxValue, signal.Flags);
    }

    [Fact]
    public void AnImportForAnotherHostFailsToLinkNamingIt()
    {
        using var sandbox = new Sandbox();
        var run = sandbox.RunToEnd(Wat.Command("(call $x)", imports: Wat.Imports + """(import "rb-js-abi-host" "call" (func $x))"""));
        Assert.Equal(WasmExitReason.LinkFailed, run.Exited.Reason);
        Assert.Contains("rb-js-abi-host.call", run.Stderr);
    }

    [Fact]
    public void VmMismatchIsRefused()
    {
        using var sandbox = new Sandbox();
        var path = sandbox.Write("g.wat", Wat.Hello);
        var e = Assert.Throws<WasmVmMismatchException>(() =>
            WasmRuntime.Shared.Start(new WasmContext(path, "vm-wasm"), new WasmExecutionOptions { VmId = "vm-other" }));
        Assert.Equal("guest WebAssembly context belongs to vm vm-wasm, not vm-other", e.Message);
    }

    [Fact]
    public void MissingModuleIsRefusedNamingThePath()
    {
        using var sandbox = new Sandbox();
        var e = Assert.Throws<WasmModuleNotFoundException>(() =>
            WasmRuntime.Shared.Start(new WasmContext("nope/missing.wasm"), new WasmExecutionOptions { WorkingDirectory = sandbox.Directory }));
        Assert.Contains(Path.Combine(sandbox.Directory, "nope", "missing.wasm"), e.Message);
        Assert.Equal("ModuleNotFound", e.ErrorId);
    }

    [Fact]
    public void RelativePathsResolveAgainstEachStartAndFilesAreReread()
    {
        using var sandbox = new Sandbox();
        var ctx = new WasmContext("tool.wat");
        var a = Directory.CreateDirectory(Path.Combine(sandbox.Directory, "a")).FullName;
        var b = Directory.CreateDirectory(Path.Combine(sandbox.Directory, "b")).FullName;
        File.WriteAllText(Path.Combine(a, "one.wat"), Wat.Command("(call $proc_exit (i32.const 1))"));
        File.WriteAllText(Path.Combine(b, "two.wat"), Wat.Command("(call $proc_exit (i32.const 2))"));
        var link = Path.Combine(sandbox.Directory, "tool.wat");
        File.CreateSymbolicLink(link, Path.Combine(a, "one.wat"));
        int Run() => Sandbox.Collect(WasmRuntime.Shared.Start(ctx, new WasmExecutionOptions { WorkingDirectory = sandbox.Directory })).Execution.ExitCode!.Value;
        Assert.Equal(1, Run());
        File.Delete(link);
        File.CreateSymbolicLink(link, Path.Combine(b, "two.wat"));
        Assert.Equal(2, Run());
        File.WriteAllText(Path.Combine(b, "two.wat"), Wat.Command("(call $proc_exit (i32.const 3))"));
        Assert.Equal(3, Run());
        Assert.Equal("tool.wat", ctx.ModulePath);
    }

    [Fact]
    public void IdsAreNumberedPerProcess()
    {
        var a = new WasmContext("x.wasm");
        var b = new WasmContext("x.wasm");
        Assert.Matches("^wasm-ctx-[0-9]+$", a.ContextId);
        Assert.Equal(int.Parse(a.ContextId[9..]) + 1, int.Parse(b.ContextId[9..]));
        Assert.Equal("default", a.VmId);
        using var sandbox = new Sandbox();
        var e1 = sandbox.Start(Wat.Hello);
        var e2 = sandbox.Start(Wat.Hello);
        Assert.Matches("^exec-[0-9]+$", e1.ExecutionId);
        Assert.True(int.Parse(e2.ExecutionId[5..]) > int.Parse(e1.ExecutionId[5..]));
        Sandbox.Collect(e1);
        Sandbox.Collect(e2);
    }

    [Fact]
    public void EightConcurrentExecutionsKeepTheirOwnEvents()
    {
        using var sandbox = new Sandbox();
        var execs = Enumerable.Range(0, 8).Select(_ => sandbox.Start(Wat.Echo)).ToArray();
        for (int i = 0; i < execs.Length; i++)
        {
            execs[i].WriteInput($"guest {i}\n");
        }
        // All eight are alive at once, each blocked on its own stdin.
        Assert.All(execs, e => Assert.Equal(WasmExecutionState.Running, e.State));
        foreach (var e in execs)
        {
            e.CloseInput();
        }
        var events = new List<WasmEvent>();
        Assert.True(WasmEventReceiver.Receive(execs, null, true, TimeSpan.FromSeconds(60), CancellationToken.None, events.Add));
        for (int i = 0; i < execs.Length; i++)
        {
            var mine = events.Where(e => e.ExecutionId == execs[i].ExecutionId).ToList();
            Assert.Equal($"guest {i}\n", string.Concat(mine.OfType<WasmStdoutEvent>().Select(o => o.Text)));
            Assert.IsType<WasmExitedEvent>(mine[^1]);
        }
    }

    [Fact]
    public void KindFilterLeavesOtherEventsQueued()
    {
        using var sandbox = new Sandbox();
        var exec = sandbox.Start(Wat.Command(Wat.Print(1024, 4, fd: 2) + Wat.Print(1024, 4), Wat.Data("abc\\0a")));
        var stdout = new List<WasmEvent>();
        WasmEventReceiver.Receive(new[] { exec }, new[] { WasmEventKind.Stdout }, true, TimeSpan.FromSeconds(30), CancellationToken.None, stdout.Add);
        Assert.Single(stdout);
        var rest = Sandbox.Collect(exec).Events;
        Assert.Equal(new[] { WasmEventKind.Stderr, WasmEventKind.Exited }, rest.Select(e => e.Kind));
    }
}
