using Xunit;

namespace WasmSandbox.Tests;

/// <summary>
/// The background compiler's order: short jobs first, and no queued compile while a start compiles baseline code.
/// </summary>
public sealed class BackgroundCompilerTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public void AQueuedCompileWaitsWhileAStartCompilesBaselineCodeAndRunsWhenItEnds()
    {
        var compiler = new BackgroundCompiler();
        using var compiled = new ManualResetEventSlim();
        using var stored = new ManualResetEventSlim();
        var hold = compiler.HoldForeground();

        compiler.Enqueue(compiled.Set);
        // The compiler's thread is waiting for the foreground by now (most of the time): a short job queued then must
        // still run (it did not, once, when the wait looked at the foreground alone).
        Thread.Sleep(200);
        compiler.Enqueue(stored.Set, first: true);

        // The short job is not held back; the compile is, however long the start takes.
        Assert.True(stored.Wait(TimeSpan.FromSeconds(5)), "the short job did not run while a start held the foreground");
        Assert.False(compiled.Wait(TimeSpan.FromMilliseconds(300)), "the compile ran while a start held the foreground");
        Assert.Equal(1, compiler.Pending);

        hold.Dispose();
        hold.Dispose(); // a second release changes nothing
        Assert.True(compiled.Wait(Bound), "the compile did not run once the start let go");
    }

    [Fact]
    public void EveryStartMustLetGoBeforeTheCompileRuns()
    {
        var compiler = new BackgroundCompiler();
        using var compiled = new ManualResetEventSlim();
        var first = compiler.HoldForeground();
        var second = compiler.HoldForeground();
        compiler.Enqueue(compiled.Set);

        first.Dispose();
        Assert.False(compiled.Wait(TimeSpan.FromMilliseconds(300)), "the compile ran while one start still held the foreground");
        second.Dispose();
        Assert.True(compiled.Wait(Bound));
    }

    [Fact]
    public void WithNoStartCompilingQueuedJobsRunInOrder()
    {
        var compiler = new BackgroundCompiler();
        var order = new List<int>();
        using var done = new CountdownEvent(3);
        foreach (int i in new[] { 1, 2, 3 })
        {
            compiler.Enqueue(() =>
            {
                lock (order)
                {
                    order.Add(i);
                }
                done.Signal();
            });
        }
        Assert.True(done.Wait(Bound));
        Assert.Equal([1, 2, 3], order);
    }

    [Fact]
    public void WaitIdleReturnsWhenTheQueueIsDoneAndGivesUpAtItsBound()
    {
        var compiler = new BackgroundCompiler();
        Assert.True(compiler.WaitIdle(TimeSpan.Zero));
        using var release = new ManualResetEventSlim();
        compiler.Enqueue(() => release.Wait(Bound));
        compiler.Enqueue(() => { });

        Assert.False(compiler.WaitIdle(TimeSpan.FromMilliseconds(200)));
        release.Set();
        Assert.True(compiler.WaitIdle(Bound));
        Assert.Equal(0, compiler.Pending);
    }
}

