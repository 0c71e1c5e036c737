using System.Diagnostics;

namespace WasmSandbox;

/// <summary>
/// The one thread that fires executions' deadlines and watchdogs. Not the thread pool's timers: a host whose pool is
/// starved (many blocked pool threads, as a busy PowerShell host or a parallel test run may have) would fire them late,
/// and an end on time must not depend on anything else the process is doing.
/// </summary>
internal static class DeadlineThread
{
    /// <summary>A scheduled action; <see cref="Cancel"/> keeps it from running (it is dropped when its time comes).</summary>
    public sealed class Entry
    {
        internal Entry(long due, Action action) => (Due, Action) = (due, action);

        internal long Due { get; }

        internal Action Action { get; }

        internal bool Cancelled;

        public void Cancel()
        {
            lock (s_gate)
            {
                if (!Cancelled)
                {
                    Cancelled = true;
                    Dropped();
                }
            }
        }
    }

    private static readonly object s_gate = new();
    private static readonly PriorityQueue<Entry, long> s_queue = new();
    private static Thread? s_thread;
    private static int s_cancelled;

    // Most deadlines are cancelled long before they are due (a 60 s timeout on a run of a millisecond): once cancelled
    // entries are the larger part of the queue, it is rebuilt without them, so it never holds more than about twice the
    // live ones.
    private static void Dropped()
    {
        if (++s_cancelled > 1024 && s_cancelled > s_queue.Count / 2)
        {
            var live = s_queue.UnorderedItems.Where(i => !i.Element.Cancelled).ToArray();
            s_queue.Clear();
            foreach (var (element, priority) in live)
            {
                s_queue.Enqueue(element, priority);
            }
            s_cancelled = 0;
        }
    }

    /// <summary>Entries in the queue, cancelled ones not yet dropped included.</summary>
    internal static int Queued
    {
        get { lock (s_gate) { return s_queue.Count; } }
    }

    /// <summary>Runs <paramref name="action"/> on the deadline thread after <paramref name="delay"/>.</summary>
    public static Entry Schedule(TimeSpan delay, Action action)
    {
        var entry = new Entry(Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency), action);
        lock (s_gate)
        {
            s_queue.Enqueue(entry, entry.Due);
            if (s_thread is null)
            {
                s_thread = new Thread(Run) { IsBackground = true, Name = "WasmSandbox deadlines" };
                s_thread.Start();
            }
            Monitor.Pulse(s_gate);
        }
        return entry;
    }

    private static void Run()
    {
        while (true)
        {
            Entry? next = null;
            lock (s_gate)
            {
                while (next is null)
                {
                    if (!s_queue.TryPeek(out var first, out long due))
                    {
                        Monitor.Wait(s_gate);
                        continue;
                    }
                    if (first.Cancelled)
                    {
                        s_queue.Dequeue();
                        s_cancelled = Math.Max(0, s_cancelled - 1);
                        continue;
                    }
                    long wait = due - Stopwatch.GetTimestamp();
                    if (wait > 0)
                    {
                        Monitor.Wait(s_gate, TimeSpan.FromSeconds(Math.Min((double)wait / Stopwatch.Frequency, 3600)));
                        continue;
                    }
                    next = s_queue.Dequeue();
                    next.Cancelled = true; // ran: a later Cancel() is a no-op
                }
            }
            try
            {
                next.Action();
            }
            catch (Exception)
            {
                // An action ends one execution; whatever it throws must not stop the deadlines of all the others.
            }
        }
    }
}
