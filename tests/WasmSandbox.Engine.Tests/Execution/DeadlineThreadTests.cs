using Xunit;

namespace WasmSandbox.Tests;

public class DeadlineThreadTests
{
    [Fact]
    public void ADeadlineFiresOnItsOwnThreadAndACancelledOneNever()
    {
        using var fired = new ManualResetEventSlim(false);
        bool cancelledRan = false;
        string? thread = null;
        var cancelled = DeadlineThread.Schedule(TimeSpan.FromMilliseconds(20), () => cancelledRan = true);
        cancelled.Cancel();
        DeadlineThread.Schedule(TimeSpan.FromMilliseconds(50), () => { thread = Thread.CurrentThread.Name; fired.Set(); });
        Assert.True(fired.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal("WasmSandbox deadlines", thread);
        Thread.Sleep(50);
        Assert.False(cancelledRan);
    }

    [Fact]
    public void CancelledDeadlinesDoNotPileUp()
    {
        // A 60 s timeout on each of 100 000 short runs: the queue must not hold them all for a minute.
        for (int i = 0; i < 100_000; i++)
        {
            DeadlineThread.Schedule(TimeSpan.FromHours(1), () => { }).Cancel();
        }
        Assert.True(DeadlineThread.Queued < 10_000, $"{DeadlineThread.Queued} entries queued");
    }
}
