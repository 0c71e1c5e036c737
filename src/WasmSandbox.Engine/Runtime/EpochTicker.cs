namespace WasmSandbox;

/// <summary>
/// Advances the engines' epoch every <see cref="Interval"/> while any guest runs, so each running guest reaches its
/// epoch deadline callback that often and a timed-out or stopped guest ends within one interval, tight loops included.
/// The thread sleeps when nothing runs.
/// </summary>
internal sealed class EpochTicker
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(5);

    private readonly Func<IEnumerable<Wasmtime.Engine>> _engines;
    private readonly object _gate = new();
    private int _running;
    private Thread? _thread;

    public EpochTicker(Func<IEnumerable<Wasmtime.Engine>> engines) => _engines = engines;

    public void Enter()
    {
        lock (_gate)
        {
            _running++;
            if (_thread is null)
            {
                _thread = new Thread(Run) { IsBackground = true, Name = "WasmSandbox epoch ticker" };
                _thread.Start();
            }
            Monitor.PulseAll(_gate);
        }
    }

    public void Exit()
    {
        lock (_gate) { _running--; }
    }

    private void Run()
    {
        while (true)
        {
            lock (_gate)
            {
                while (_running == 0)
                {
                    Monitor.Wait(_gate);
                }
            }
            Thread.Sleep(Interval);
            foreach (var engine in _engines())
            {
                engine.IncrementEpoch();
            }
        }
    }
}
