using Xunit;

namespace WasmSandbox.Tests;

public class SmokeTests
{
    [Fact]
    public void HelloRuns()
    {
        using var dir = new TempDir();
        var path = dir.Write("hello.wat", Wat.Hello);
        var exec = WasmRuntime.Shared.Start(new WasmContext(path), new WasmExecutionOptions());
        Assert.True(exec.Wait(TimeSpan.FromSeconds(30)));
        var events = Receive(exec);
        Assert.Equal("hello\n", string.Concat(events.OfType<WasmStdoutEvent>().Select(e => e.Text)));
        Assert.Equal(0, exec.ExitCode);
    }

    internal static List<WasmEvent> Receive(WasmExecution exec)
    {
        var list = new List<WasmEvent>();
        WasmEventReceiver.Receive(new[] { exec }, null, true, TimeSpan.FromSeconds(30), CancellationToken.None, list.Add);
        return list;
    }
}
