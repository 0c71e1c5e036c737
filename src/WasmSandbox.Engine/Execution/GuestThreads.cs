namespace WasmSandbox;

/// <summary>
/// The threads guests run on. Each needs a large stack (Wasmtime keeps guest frames within its own 512 KiB limit and
/// the host frames need room above that), and creating such a thread per execution is a measurable part of a short
/// run, so finished threads wait for the next guest. They never exit: every thread that has run WebAssembly leaks two
/// memory mappings when it exits (Wasmtime's signal stack; measured, ~16 KiB each), and a process that churns
/// threads would eventually reach vm.max_map_count. An idle thread costs only its reserved stack.
/// </summary>
/// <remarks>
/// The pool is bounded: at most <see cref="MaxRunning"/> guests run (or wait for a thread) at once, so the process
/// never holds more than that many guest threads, busy and idle together. A start past the bound is refused at once
/// with <see cref="WasmCapacityException"/> (<c>TooManyRunningExecutions</c>) — nothing is queued, no thread is
/// made — and succeeds again as soon as a guest ends.
/// </remarks>
internal static class GuestThreads
{
    /// <summary>Guests that may run at once, by default: far above the instance pool's 100 slots and the concurrency
    /// tested (200), far below the kernel's thread limits; 1 024 idle threads reserve 8 GiB of address space but
    /// commit only the stack pages they touched.</summary>
    public const int DefaultMaxRunning = 1024;

    private const int StackBytes = 8 * 1024 * 1024;

    private static readonly object s_gate = new();
    private static readonly Queue<Action> s_work = new();
    private static int s_idle;
    private static int s_busy;
    private static int s_threads;
    private static int s_starting;
    private static int s_lastId;
    private static int s_maxRunning = DefaultMaxRunning;

    /// <summary>Guests that may run at once (tests lower it to reach the bound cheaply).</summary>
    internal static int MaxRunning
    {
        get { lock (s_gate) { return s_maxRunning; } }
        set { lock (s_gate) { s_maxRunning = Math.Max(1, value); } }
    }

    /// <summary>Guests running or about to run now.</summary>
    public static int Running
    {
        get { lock (s_gate) { return s_busy + s_work.Count; } }
    }

    /// <summary>Threads made so far (busy and idle); never more than the largest <see cref="MaxRunning"/> in force.</summary>
    public static int Threads => Volatile.Read(ref s_threads);

    /// <summary>Past this many guest threads stuck in host calls (see <see cref="Abandoned"/>), starts are refused.</summary>
    public const int MaxStuck = 64;

    private static int s_stuck;

    /// <summary>
    /// Guest threads whose execution was ended without them, because they were stuck in a host call past the deadline
    /// grace. Each still holds its store until the call returns; they are among the running ones too.
    /// </summary>
    public static int Stuck => Volatile.Read(ref s_stuck);

    /// <summary>The execution of a guest thread was ended while the thread is stuck in a host call.</summary>
    public static void Abandoned() => Interlocked.Increment(ref s_stuck);

    /// <summary>A thread counted by <see cref="Abandoned"/> came back from its host call.</summary>
    public static void Reclaimed() => Interlocked.Decrement(ref s_stuck);

    /// <summary>Runs <paramref name="work"/> on a guest thread, or throws <see cref="WasmCapacityException"/> when
    /// <see cref="MaxRunning"/> guests already run or <see cref="MaxStuck"/> are stuck in host calls.</summary>
    public static void Run(Action work)
    {
        lock (s_gate)
        {
            if (Stuck >= MaxStuck)
            {
                throw new WasmCapacityException("TooManyStuckGuests",
                    $"{Stuck} ended guests are still stuck in host calls (the limit is {MaxStuck}); no new execution starts until they return");
            }
            if (s_busy + s_work.Count >= s_maxRunning)
            {
                throw new WasmCapacityException("TooManyRunningExecutions",
                    $"{s_maxRunning} guests are running, the most this process runs at once; wait for one to end (Wait-WasmExecution) or stop one, then start again");
            }
            s_work.Enqueue(work);
            // A thread that is idle, or made but not yet waiting, takes it. With s_threads at the bound every thread
            // exists already and one of them is free: busy + queued never exceeds the bound.
            if (s_idle + s_starting >= s_work.Count || s_threads >= s_maxRunning)
            {
                Monitor.Pulse(s_gate);
                return;
            }
            s_threads++;
            s_starting++;
        }
        var thread = new Thread(Loop, StackBytes)
        {
            IsBackground = true,
            Name = $"WasmSandbox guest {Interlocked.Increment(ref s_lastId)}",
        };
        thread.Start();
    }

    private static void Loop()
    {
        lock (s_gate)
        {
            s_starting--;
        }
        while (true)
        {
            Action work;
            lock (s_gate)
            {
                s_idle++;
                try
                {
                    while (s_work.Count == 0)
                    {
                        Monitor.Wait(s_gate);
                    }
                }
                finally
                {
                    s_idle--;
                }
                work = s_work.Dequeue();
                s_busy++;
            }
            try
            {
                work();
            }
            finally
            {
                lock (s_gate)
                {
                    s_busy--;
                }
            }
        }
    }
}
