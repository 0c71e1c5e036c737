namespace WasmSandbox;

/// <summary>
/// The threads guests run on. Each needs a large stack (Wasmtime keeps guest frames within its own 512 KiB limit and
/// the host frames need room above that), and creating such a thread per execution is a measurable part of a short
/// run, so finished threads wait for the next guest. They never exit: every thread that has run WebAssembly leaks two
/// memory mappings when it exits (Wasmtime's signal stack; measured, ~16 KiB each), and a process that churns
/// threads would eventually reach vm.max_map_count. An idle thread costs only its reserved stack.
/// </summary>
internal static class GuestThreads
{
    private const int StackBytes = 8 * 1024 * 1024;

    private static readonly object s_gate = new();
    private static readonly Queue<Action> s_work = new();
    private static int s_idle;
    private static int s_lastId;

    public static void Run(Action work)
    {
        lock (s_gate)
        {
            s_work.Enqueue(work);
            if (s_idle > s_work.Count - 1)
            {
                Monitor.Pulse(s_gate);
                return;
            }
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
            }
            work();
        }
    }
}
