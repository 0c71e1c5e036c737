using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace WasmSandbox;

/// <summary>
/// Compiles optimized code for later runs while the first run goes on on baseline code: one job at a time, on one
/// thread of its own whose scheduling priority is lowered (nice 10 on Linux, BelowNormal elsewhere), and with the
/// engines' parallel compilation off, so a background compile uses at most one core and yields it to a running guest
/// that wants it. A compile does not start while a start compiles baseline code (<see cref="HoldForeground"/>). The
/// thread exists only while there is work.
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
    private int _foreground;

    /// <summary>
    /// How long a process that is exiting waits for queued work: enough to store a baseline artifact (a few hundred
    /// MB for the biggest modules) and to finish the optimized compile of a module of a megabyte or so, which a
    /// session that ran a small tool once and ended (pwsh -c, a runbook's job) would otherwise lose, compiling it again
    /// in every new session instead of loading it from the disk cache. A big module's compile is not waited for: it
    /// takes minutes; that session's next run loads the stored baseline code (see -Precompile).
    /// </summary>
    internal static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(3);

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
                // A thread waiting for the foreground takes a short job at once.
                Monitor.PulseAll(_gate);
                return;
            }
            _running = true;
            AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        }
        new Thread(Run) { IsBackground = true, Name = "WasmSandbox background compiler", Priority = ThreadPriority.BelowNormal }.Start();
    }

    /// <summary>Waits, up to <paramref name="bound"/>, until nothing is queued or running; true when that happened.</summary>
    public bool WaitIdle(TimeSpan bound)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Pending > 0)
        {
            if (clock.Elapsed >= bound)
            {
                return false;
            }
            Thread.Sleep(10);
        }
        return true;
    }

    // Every compiler's exit handler waits until one deadline, set by the first: the grace is per process, not per compiler.
    private static long s_exitDeadline;

    private void OnProcessExit(object? sender, EventArgs e)
    {
        long now = Environment.TickCount64;
        Interlocked.CompareExchange(ref s_exitDeadline, now + (long)ExitGrace.TotalMilliseconds, 0);
        WaitIdle(TimeSpan.FromMilliseconds(Math.Max(0, Volatile.Read(ref s_exitDeadline) - now)));
    }

    /// <summary>
    /// Held by a start while it compiles baseline code for its run: queued compiles (not the short jobs that go
    /// first) wait until no start holds it, so a first run's compile has every core to itself and the two compilers'
    /// scratch memory (2.4 GB for Winch, 2.2 GB for Cranelift on clang's 75 MB) does not peak together. A compile
    /// already running goes on.
    /// </summary>
    public IDisposable HoldForeground()
    {
        Interlocked.Increment(ref _foreground);
        return new ForegroundHold(this);
    }

    private void EndForeground()
    {
        if (Interlocked.Decrement(ref _foreground) == 0)
        {
            lock (_gate)
            {
                Monitor.PulseAll(_gate);
            }
        }
    }

    private void WaitForForegroundOrShortJob()
    {
        lock (_gate)
        {
            while (Volatile.Read(ref _foreground) > 0 && _first.IsEmpty)
            {
                Monitor.Wait(_gate, TimeSpan.FromSeconds(1));
            }
        }
    }

    private sealed class ForegroundHold(BackgroundCompiler owner) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.EndForeground();
            }
        }
    }

    private void Run()
    {
        LowerOwnPriority();
        while (TryTake(out var job))
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
    }

    /// <summary>
    /// The next job: a short one first; a compile once no start holds the foreground. False, with the thread marked
    /// gone under the lock Enqueue takes, when nothing is queued.
    /// </summary>
    private bool TryTake(out Action job)
    {
        while (true)
        {
            if (_first.TryDequeue(out job!))
            {
                return true;
            }
            if (!_jobs.IsEmpty)
            {
                WaitForForegroundOrShortJob();
                if (_first.TryDequeue(out job!) || (Volatile.Read(ref _foreground) == 0 && _jobs.TryDequeue(out job!)))
                {
                    return true;
                }
                continue;
            }
            lock (_gate)
            {
                if (_jobs.IsEmpty && _first.IsEmpty)
                {
                    _running = false;
                    AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
                    return false;
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
