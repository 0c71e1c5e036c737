using System.Text;
using Xunit;

namespace WasmSandbox.Tests;

public class StdioTests
{
    [Fact]
    public void HelloPrintsAndExitsZero()
    {
        using var sandbox = new Sandbox();
        var run = sandbox.RunToEnd(Wat.Hello);
        Assert.Equal("hello\n", run.Stdout);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(WasmExitReason.Exited, run.Exited.Reason);
        Assert.Equal(WasmExecutionState.Completed, run.Execution.State);
        Assert.IsType<WasmExitedEvent>(run.Events[^1]);
        Assert.Equal(Enumerable.Range(1, run.Events.Count).Select(i => (long)i), run.Events.Select(e => e.Sequence));
    }

    [Fact]
    public void StdoutEventPrecedesExitAndIsDeliveredBeforeInputArrives()
    {
        using var sandbox = new Sandbox();
        var exec = sandbox.Start(Wat.Command(Wat.Print(1024, 6) + """
            (i32.store (i32.const 16) (i32.const 2048)) (i32.store (i32.const 20) (i32.const 16))
            (drop (call $fd_read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 24)))
            (call $proc_exit (i32.load (i32.const 24)))
            """, Wat.Data("ready\\0a")));
        WasmEvent? seen = null;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (seen is null && DateTime.UtcNow < deadline)
        {
            WasmEventReceiver.Receive(new[] { exec }, null, wait: false, TimeSpan.Zero, CancellationToken.None, e => seen ??= e);
            Thread.Sleep(5);
        }
        var stdout = Assert.IsType<WasmStdoutEvent>(seen);
        Assert.Equal("ready\n", stdout.Text);
        Assert.Equal(WasmExecutionState.Running, exec.State);
        exec.WriteInput("abc");
        exec.CloseInput();
        var run = Sandbox.Collect(exec);
        Assert.Equal(3, run.ExitCode);
    }

    [Fact]
    public void StdinIsStreamedWhileTheGuestRuns()
    {
        using var sandbox = new Sandbox();
        var exec = sandbox.Start(Wat.Echo);
        exec.WriteInput("one\n");
        var got = new StringBuilder();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!got.ToString().Contains("one\n") && DateTime.UtcNow < deadline)
        {
            WasmEventReceiver.Receive(new[] { exec }, null, false, TimeSpan.Zero, CancellationToken.None,
                e => got.Append((e as WasmStdoutEvent)?.Text));
            Thread.Sleep(5);
        }
        Assert.Equal("one\n", got.ToString());
        Assert.Equal(WasmExecutionState.Running, exec.State);
        exec.WriteInput(Encoding.UTF8.GetBytes("two\n"));
        exec.CloseInput();
        var run = Sandbox.Collect(exec);
        Assert.Equal("two\n", run.Stdout);
        Assert.Equal(8, run.ExitCode);
    }

    [Fact]
    public void StdinIsAtEndOfFileWhenClosedWithoutInput()
    {
        using var sandbox = new Sandbox();
        var run = sandbox.RunToEnd(Wat.Echo);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public void StdoutFlagsAreRefusedAsWasmtimeRefusesThem()
    {
        using var sandbox = new Sandbox();
        // fd_fdstat_set_flags(1, APPEND|NONBLOCK) then fd_fdstat_get(1): exit with (set errno * 10 + flags).
        // Wasmtime's WASI answers EBADF for a captured stream and keeps its flags at 0; the sandbox answers the same.
        var run = sandbox.RunToEnd(Wat.Command("""
            (local $r i32)
            (local.set $r (call $set (i32.const 1) (i32.const 5)))
            (drop (call $get (i32.const 1) (i32.const 64)))
            (call $proc_exit (i32.add (i32.mul (local.get $r) (i32.const 10)) (i32.load16_u (i32.const 66))))
            """, imports: Wat.Imports + """
            (import "wasi_snapshot_preview1" "fd_fdstat_set_flags" (func $set (param i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $get (param i32 i32) (result i32)))
            """));
        Assert.Equal(80, run.ExitCode);
    }

    [Fact]
    public void ClockIsFrozenForTheWholeRun()
    {
        using var sandbox = new Sandbox();
        // Reads the realtime clock, spins, reads it again: exit 1 when the two differ.
        var run = sandbox.RunToEnd(Wat.Command("""
            (local $i i32)
            (drop (call $clock (i32.const 0) (i64.const 1) (i32.const 64)))
            (loop $spin (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $spin (i32.lt_u (local.get $i) (i32.const 50000000))))
            (drop (call $clock (i32.const 0) (i64.const 1) (i32.const 72)))
            (drop (call $clock (i32.const 1) (i64.const 1) (i32.const 80)))
            (call $proc_exit (i32.or (i64.ne (i64.load (i32.const 64)) (i64.load (i32.const 72)))
                                     (i64.eqz (i64.load (i32.const 64)))))
            """, imports: Wat.Imports + """
            (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
            """));
        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public void EnvironmentIsExactlyWhatWasGiven()
    {
        using var sandbox = new Sandbox();
        Environment.SetEnvironmentVariable("WASMSANDBOX_HOST_SECRET", "leak");
        // environ_sizes_get: exit with count * 1000 + buffer size.
        var run = sandbox.RunToEnd(Wat.Command("""
            (drop (call $sizes (i32.const 64) (i32.const 68)))
            (drop (call $environ (i32.const 128) (i32.const 256)))
            (call $print (i32.const 256) (i32.load (i32.const 68)) (i32.const 1))
            (call $proc_exit (i32.load (i32.const 64)))
            """, imports: Wat.Imports + """
            (import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "environ_get" (func $environ (param i32 i32) (result i32)))
            """), new WasmExecutionOptions
            {
                Environment = new[] { new KeyValuePair<string, string>("A", "1"), new("WASMSANDBOX_MODULE_PATH", "./evil.wasm") },
            });
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("A=1\0WASMSANDBOX_MODULE_PATH=./evil.wasm\0", run.Stdout);
        Assert.DoesNotContain("leak", run.Stdout);
        Assert.EndsWith("guest.wat", run.Execution.ResolvedModulePath);
    }

    [Fact]
    public void ArgumentsStartWithTheModuleFileName()
    {
        using var sandbox = new Sandbox();
        var run = sandbox.RunToEnd(Wat.Command("""
            (drop (call $sizes (i32.const 64) (i32.const 68)))
            (drop (call $args (i32.const 128) (i32.const 256)))
            (call $print (i32.const 256) (i32.load (i32.const 68)) (i32.const 1))
            (call $proc_exit (i32.load (i32.const 64)))
            """, imports: Wat.Imports + """
            (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "args_get" (func $args (param i32 i32) (result i32)))
            """), new WasmExecutionOptions { Arguments = new[] { "--fast", "x y" } });
        Assert.Equal(3, run.ExitCode);
        Assert.Equal("guest.wat\0--fast\0x y\0", run.Stdout);
    }

    [Fact]
    public void AFloodArrivesIntactThroughABoundedBuffer()
    {
        using var sandbox = new Sandbox();
        const int chunk = 65536, chunks = 512; // 32 MiB through a 1 MiB buffer
        var exec = sandbox.Start(Wat.Command($$"""
            (local $i i32)
            (loop $fill (i32.store8 (i32.add (i32.const 4096) (local.get $i)) (i32.add (i32.const 97) (i32.rem_u (local.get $i) (i32.const 26))))
              (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $fill (i32.lt_u (local.get $i) (i32.const {{chunk}}))))
            (local.set $i (i32.const 0))
            (loop $out (call $print (i32.const 4096) (i32.const {{chunk}}) (i32.const 1))
              (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $out (i32.lt_u (local.get $i) (i32.const {{chunks}}))))
            """, memory: "(memory (export \"memory\") 2)"), new WasmExecutionOptions { OutputBufferBytes = 1 << 20 });
        Thread.Sleep(200);
        // The guest must be held back: far less than the whole flood can be buffered.
        Assert.Equal(WasmExecutionState.Running, exec.State);
        long total = 0;
        bool intact = true;
        WasmEventReceiver.Receive(new[] { exec }, null, true, TimeSpan.FromSeconds(60), CancellationToken.None, e =>
        {
            if (e is WasmStdoutEvent o)
            {
                for (int k = 0; k < o.Data.Length; k++)
                {
                    intact &= o.Data[k] == (byte)('a' + (total + k) % chunk % 26);
                }
                total += o.Data.Length;
            }
        });
        Assert.Equal((long)chunk * chunks, total);
        Assert.True(intact);
        Assert.Equal(0, exec.ExitCode);
    }

    [Fact]
    public void OutputLimitEndsTheGuestWithANote()
    {
        using var sandbox = new Sandbox();
        var run = sandbox.RunToEnd(Wat.Command("(loop $l " + Wat.Print(1024, 6) + " (br $l))", Wat.Data("hello\\0a")),
            new WasmExecutionOptions { MaxOutputBytes = 100 });
        Assert.Equal(100, Encoding.UTF8.GetByteCount(run.Stdout));
        Assert.Equal(WasmExitReason.OutputLimitExceeded, run.Exited.Reason);
        Assert.Equal(124, run.ExitCode);
        Assert.Contains("output limit of 100 bytes exceeded", run.Stderr);
    }
}
