using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace WasmSandbox;

/// <summary>
/// Compiles optimized code for later runs while the first run goes on on baseline code: one job at a time, on one
/// thread of its own whose scheduling priority is lowered (nice 10 on Linux, BelowNormal elsewhere), and with the
/// engines' parallel compilation off, so a background compile uses at most one core and yields it to a running guest
/// or a foreground compile that wants it. The thread exists only while there is work.
/// </summary>
internal sealed partial class BackgroundCompiler
{
    private const int LowerPriority = 10;

    private readonly ConcurrentQueue<Action> _jobs = new();
    // Short jobs (storing a compiled artifact) that go before the queued compiles.
    private readonly ConcurrentQueue<Action> _first = new();
    private readonly object _gate = new();
    private bool _running;
    private int _pending;

    /// <summary>How many jobs are queued or running.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Queues <paramref name="job"/>.</summary>
    /// <param name="job">The work; it must not throw (a job reports its own failure).</param>
    /// <param name="first">Whether the job goes before every queued one that was not given <paramref name="first"/>.</param>
    public void Enqueue(Action job, bool first = false)
    {
        Interlocked.Increment(ref _pending);
        (first ? _first : _jobs).Enqueue(job);
        lock (_gate)
        {
            if (_running)
            {
                return;
            }
            _running = true;
        }
        new Thread(Run) { IsBackground = true, Name = "WasmSandbox background compiler", Priority = ThreadPriority.BelowNormal }.Start();
    }

    private void Run()
    {
        LowerOwnPriority();
        while (true)
        {
            while (_first.TryDequeue(out var job) || _jobs.TryDequeue(out job))
            {
                try
                {
                    job();
                }
                catch (Exception)
                {
                    // A job records its own failure for the runs that wait on it; nothing may end this thread early.
                }
                finally
                {
                    Interlocked.Decrement(ref _pending);
                }
            }
            lock (_gate)
            {
                if (_jobs.IsEmpty && _first.IsEmpty)
                {
                    _running = false;
                    return;
                }
            }
        }
    }

    /// <summary>
    /// .NET does not map thread priorities to Linux scheduling, so the thread's nice value is raised directly
    /// (lowering one's own priority needs no privilege). Best effort: without it the compile still runs on one core.
    /// </summary>
    private static void LowerOwnPriority()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        try
        {
            _ = SetPriority(0 /* PRIO_PROCESS: on Linux, one thread when given a thread id */, GetThreadId(), LowerPriority);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetThreadId();

    [LibraryImport("libc", EntryPoint = "setpriority")]
    private static partial int SetPriority(int which, int who, int priority);
}
