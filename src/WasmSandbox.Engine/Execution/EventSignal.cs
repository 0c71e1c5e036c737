namespace WasmSandbox;

/// <summary>
/// Wakes one receiver when any of the executions it listens to posts an event. A receiver may watch any number of
/// executions (no 64-handle limit as with WaitHandle.WaitAny).
/// </summary>
public sealed class EventSignal : IDisposable
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);

    internal void Set()
    {
        try
        {
            if (_semaphore.CurrentCount == 0)
            {
                _semaphore.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Another poster released it between the check and the release: the receiver is woken either way.
        }
        catch (ObjectDisposedException)
        {
            // The receiver went away.
        }
    }

    /// <summary>Waits for the next post, up to <paramref name="timeout"/>; false on timeout.</summary>
    public bool Wait(TimeSpan timeout, CancellationToken cancel) => _semaphore.Wait(timeout, cancel);

    public void Dispose() => _semaphore.Dispose();
}
