using Xunit;

namespace WasmSandbox.Tests;

/// <summary>Contexts and executions listed and released per owner, with ids that count across owners.</summary>
public class RegistryOwnerTests
{
    private const string Spin = "(loop $l (br $l))";

    [Fact]
    public void EachOwnerListsOnlyWhatItMadeWithIdsCountingAcrossOwners()
    {
        using var sandbox = new Sandbox();
        object mine = new(), theirs = new();
        var myContext = new WasmContext(sandbox.Write("a.wat", Wat.Command("")), owner: mine);
        var theirContext = new WasmContext(sandbox.Write("b.wat", Wat.Command("")), owner: theirs);
        var myRun = WasmRuntime.Shared.Start(myContext, sandbox.WithDirectory(new WasmExecutionOptions { Owner = mine }));
        // Started from my context, but by them: an execution belongs to whoever started it.
        var theirRun = WasmRuntime.Shared.Start(myContext, sandbox.WithDirectory(new WasmExecutionOptions { Owner = theirs }));
        Assert.True(myRun.Wait(TimeSpan.FromSeconds(10)) && theirRun.Wait(TimeSpan.FromSeconds(10)));

        Assert.Equal(new[] { myContext }, WasmRegistry.ContextsOf(mine));
        Assert.Equal(new[] { theirContext }, WasmRegistry.ContextsOf(theirs));
        Assert.Equal(new[] { myRun }, WasmRegistry.ExecutionsOf(mine));
        Assert.Equal(new[] { theirRun }, WasmRegistry.ExecutionsOf(theirs));
        Assert.Contains(myRun, WasmRegistry.Executions);
        Assert.Contains(theirRun, WasmRegistry.Executions);
        // One process-wide count: ids from two owners never collide, and a later start has a higher number.
        Assert.True(int.Parse(myRun.ExecutionId["exec-".Length..]) < int.Parse(theirRun.ExecutionId["exec-".Length..]));
        WasmRegistry.Release(mine);
        WasmRegistry.Release(theirs);
    }

    [Fact]
    public void ReleasingAnOwnerStopsItsGuestsAndForgetsItsContextsAndHistoryOnly()
    {
        using var sandbox = new Sandbox();
        object leaving = new(), staying = new();
        var leavingContext = new WasmContext(sandbox.Write("l.wat", Wat.Command(Spin)), owner: leaving);
        var stayingContext = new WasmContext(sandbox.Write("s.wat", Wat.Command(Spin)), owner: staying);
        var finished = WasmRuntime.Shared.Start(new WasmContext(sandbox.Write("f.wat", Wat.Command("")), owner: leaving),
            sandbox.WithDirectory(new WasmExecutionOptions { Owner = leaving }));
        Assert.True(finished.Wait(TimeSpan.FromSeconds(10)));
        var leavingRun = WasmRuntime.Shared.Start(leavingContext, sandbox.WithDirectory(new WasmExecutionOptions { Owner = leaving, Timeout = Timeout.InfiniteTimeSpan }));
        var stayingRun = WasmRuntime.Shared.Start(stayingContext, sandbox.WithDirectory(new WasmExecutionOptions { Owner = staying, Timeout = Timeout.InfiniteTimeSpan }));

        var stopped = WasmRegistry.Release(leaving);

        Assert.Equal(new[] { leavingRun }, stopped);
        Assert.True(leavingRun.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal(WasmExitReason.Stopped, leavingRun.ExitReason);
        Assert.True(leavingContext.IsRemoved);
        Assert.Empty(WasmRegistry.ContextsOf(leaving));
        Assert.Empty(WasmRegistry.ExecutionsOf(leaving)); // the finished one too, and the stopped one after its end
        Assert.DoesNotContain(finished, WasmRegistry.Executions);
        Assert.Equal(WasmExecutionState.Running, stayingRun.State);
        Assert.False(stayingContext.IsRemoved);
        Assert.Equal(new[] { stayingRun }, WasmRegistry.ExecutionsOf(staying));

        WasmRegistry.Release(staying);
        Assert.True(stayingRun.Wait(TimeSpan.FromSeconds(10)));
    }
}
