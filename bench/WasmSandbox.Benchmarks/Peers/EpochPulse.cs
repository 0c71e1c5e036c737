namespace WasmSandbox.Benchmarks.Peers;

/// <summary>
/// Advances an engine's epoch every 5 ms while alive — the sandbox's own ticker interval — so the raw-Wasmtime peer
/// with epochs pays what the sandbox pays: the checks compiled into the code and one deadline callback per tick.
/// </summary>
internal sealed class EpochPulse : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(5);

    private readonly Wasmtime.Engine _engine;
    private readonly Thread _thread;
    private volatile bool _stopped;

    public EpochPulse(Wasmtime.Engine engine)
    {
        _engine = engine;
        _thread = new Thread(Run) { IsBackground = true, Name = "raw Wasmtime epoch pulse" };
        _thread.Start();
    }

    private void Run()
    {
        while (!_stopped)
        {
            Thread.Sleep(Interval);
            _engine.IncrementEpoch();
        }
    }

    public void Dispose()
    {
        _stopped = true;
        _thread.Join();
    }
}
