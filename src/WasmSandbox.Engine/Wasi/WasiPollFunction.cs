using System.Collections;
using System.Diagnostics;
using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// poll_oneoff. The sandbox owns the stdio streams, so it answers their readiness itself: stdin is readable when the
/// host has written to it or closed it, stdout and stderr are always writable; any other open descriptor (a regular
/// file) is always ready, and a number that is not open gets EBADF in its event. Clock subscriptions (realtime and
/// monotonic, relative or absolute, as in Wasmtime) wait on the execution's <see cref="GuestClock"/>: they fire when
/// due, to the nanosecond on a virtual clock, which then moves on by exactly the time waited. Every wait ends at once
/// when the execution is stopped or times out. In kernel mode, fd subscriptions are asked of the host.
/// </summary>
internal static class WasiPollFunction
{
    private const int SubscriptionSize = 48;
    private const int EventSize = 32;
    private const byte TagClock = 0;
    private const byte TagFdRead = 1;
    private const byte TagFdWrite = 2;
    private const ushort SubclockAbstime = 1;
    private const ushort EventFdReadwriteHangup = 1;
    private const int InterruptCheckMask = 0xffff;

    private readonly record struct Subscription(ulong Userdata, byte Tag, int Fd, int ClockId, ulong Timeout, bool Absolute);

    private readonly record struct Ready(ulong Userdata, byte Tag, ushort Error, ulong Nbytes, ushort Flags);

    public static int PollOneoff(Caller caller, int inPtr, int outPtr, int nsubscriptions, int neventsPtr)
    {
        var session = WasiHost.Session(caller);
        var memory = GuestMemory.Of(caller);
        if (nsubscriptions <= 0 || nsubscriptions > SandboxLimits.MaxPollSubscriptions)
        {
            // Linux's poll answers more descriptors than it could ever hold open with EINVAL too.
            return WasiErrno.Inval;
        }
        // Both arrays must lie in guest memory before the host allocates anything for them: the host's copy (40 bytes
        // a subscription) is then bounded by the guest's own memory (48 bytes a subscription), which -MaxMemory bounds.
        memory.Span((uint)inPtr, (long)nsubscriptions * SubscriptionSize);
        memory.Span((uint)outPtr, (long)nsubscriptions * EventSize);
        var subs = new Subscription[nsubscriptions];
        for (int i = 0; i < subs.Length; i++)
        {
            if ((i & InterruptCheckMask) == InterruptCheckMask)
            {
                // Millions of subscriptions take a while to read: -Timeout and Stop() must still end the guest.
                session.ThrowIfInterrupted();
            }
            long at = (uint)inPtr + (long)i * SubscriptionSize;
            byte tag = memory.Span(at + 8, 1)[0];
            if (tag > TagFdWrite)
            {
                return WasiErrno.Inval;
            }
            subs[i] = tag == TagClock
                ? new Subscription(memory.ReadU64(at), tag, -1, (int)memory.ReadU32(at + 16), memory.ReadU64(at + 24),
                    (memory.Span(at + 40, 2)[0] & SubclockAbstime) != 0)
                : new Subscription(memory.ReadU64(at), tag, (int)memory.ReadU32(at + 16), -1, 0, false);
            if (tag == TagClock && !GuestClock.IsWaitable(subs[i].ClockId))
            {
                // Wasmtime waits on realtime and monotonic only; the CPU-time clocks cannot be waited on.
                return WasiErrno.Inval;
            }
        }

        var clock = session.Clock;
        var deadlines = Deadlines(clock, subs);
        ulong? firstDue = deadlines is null ? null : FirstDue(clock, subs, deadlines);
        long waitStarted = Stopwatch.GetTimestamp();
        bool blocked = false;
        List<Ready> ready = session.Mode == WasmStdioMode.SyncRpc && subs.Any(s => s.Tag != TagClock)
            ? AskHost(session, subs, firstDue is ulong d ? clock.HostWait(d) : null)
            : WaitLocally(caller, session, subs, outPtr, firstDue is ulong w ? clock.HostWait(w) : null, out blocked);
        if (firstDue is ulong due)
        {
            ulong waited = GuestClock.HostNanos(Stopwatch.GetTimestamp() - waitStarted);
            if (ready.Count == 0 || waited >= due)
            {
                // Nothing fd-ready within the wait: the clock's time has come.
                WaitForClock(session, clock, subs, deadlines!, due, waitStarted);
                for (int i = 0; i < subs.Length; i++)
                {
                    if (subs[i].Tag == TagClock && clock.Now(subs[i].ClockId) >= deadlines![i])
                    {
                        ready.Add(new Ready(subs[i].Userdata, TagClock, 0, 0, 0));
                    }
                }
            }
            else if (blocked)
            {
                // A descriptor became ready while the guest waited: the clock moves by the time it really waited.
                clock.Advance(waited);
            }
        }
        memory = GuestMemory.Of(caller);
        for (int i = 0; i < ready.Count; i++)
        {
            long at = (uint)outPtr + (long)i * EventSize;
            memory.Span(at, EventSize).Clear();
            memory.WriteU64(at, ready[i].Userdata);
            memory.WriteU16(at + 8, ready[i].Error);
            memory.Span(at + 10, 1)[0] = ready[i].Tag;
            memory.WriteU64(at + 16, ready[i].Nbytes);
            memory.WriteU16(at + 24, ready[i].Flags);
        }
        memory.WriteU32((uint)neventsPtr, (uint)ready.Count);
        return WasiErrno.Success;
    }

    /// <summary>Each clock subscription's deadline on its own clock (unused entries for fd subscriptions); null when there is none.</summary>
    private static ulong[]? Deadlines(GuestClock clock, Subscription[] subs)
    {
        ulong[]? deadlines = null;
        for (int i = 0; i < subs.Length; i++)
        {
            if (subs[i].Tag == TagClock)
            {
                deadlines ??= new ulong[subs.Length];
                deadlines[i] = subs[i].Absolute ? subs[i].Timeout : GuestClock.Saturating(clock.Now(subs[i].ClockId), subs[i].Timeout);
            }
        }
        return deadlines;
    }

    /// <summary>Nanoseconds until the first clock subscription is due (0 when one already is).</summary>
    private static ulong FirstDue(GuestClock clock, Subscription[] subs, ulong[] deadlines)
    {
        ulong first = ulong.MaxValue;
        for (int i = 0; i < subs.Length; i++)
        {
            if (subs[i].Tag == TagClock)
            {
                ulong now = clock.Now(subs[i].ClockId);
                first = Math.Min(first, deadlines[i] > now ? deadlines[i] - now : 0);
            }
        }
        return first;
    }

    /// <summary>
    /// Waits until the first clock subscription is due: a virtual clock after the host has slept its whole
    /// milliseconds moves on by exactly the time asked; a real one is waited on until it has passed the deadline.
    /// </summary>
    private static void WaitForClock(GuestSession session, GuestClock clock, Subscription[] subs, ulong[] deadlines, ulong due, long waitStarted)
    {
        while (true)
        {
            var left = clock.HostWait(due) - Stopwatch.GetElapsedTime(waitStarted);
            if (left > TimeSpan.Zero && session.Cancel.WaitHandle.WaitOne(left))
            {
                throw new SandboxInterruptException(session.Execution.Interrupt);
            }
            session.ThrowIfInterrupted();
            if (clock.IsVirtual)
            {
                clock.Advance(due);
                return;
            }
            // The host's clock may not have reached the deadline yet (a wait ends early by up to a timer tick).
            due = FirstDue(clock, subs, deadlines);
            if (due == 0)
            {
                return;
            }
            waitStarted = Stopwatch.GetTimestamp();
        }
    }

    private static List<Ready> WaitLocally(Caller caller, GuestSession session, Subscription[] subs, int outPtr, TimeSpan? clockWait, out bool blocked)
    {
        blocked = false;
        var ready = FdReadiness(caller, session, subs, outPtr);
        if (ready.Count > 0)
        {
            return ready;
        }
        bool waitsOnStdin = subs.Any(s => s.Tag == TagFdRead && session.Stdio.Is(s.Fd, StdioStream.Stdin));
        if (!waitsOnStdin)
        {
            return ready;
        }
        try
        {
            blocked = true;
            session.Input.WaitReadable(clockWait ?? Timeout.InfiniteTimeSpan, session.Cancel);
        }
        catch (OperationCanceledException)
        {
            throw new SandboxInterruptException(session.Execution.Interrupt);
        }
        return FdReadiness(caller, session, subs, outPtr);
    }

    private static List<Ready> FdReadiness(Caller caller, GuestSession session, Subscription[] subs, int outPtr)
    {
        var ready = new List<Ready>();
        for (int i = 0; i < subs.Length; i++)
        {
            var s = subs[i];
            if (s.Tag == TagClock)
            {
                continue;
            }
            switch (session.Stdio.Find(s.Fd))
            {
                case StdioStream.Stdin when s.Tag == TagFdRead:
                    var (available, atEnd) = session.Input.Status;
                    if (available > 0 || atEnd)
                    {
                        ready.Add(new Ready(s.Userdata, s.Tag, 0, (ulong)available, atEnd ? EventFdReadwriteHangup : (ushort)0));
                    }
                    break;
                case StdioStream.Stdout or StdioStream.Stderr when s.Tag == TagFdWrite:
                    ready.Add(new Ready(s.Userdata, s.Tag, 0, 0, 0));
                    break;
                case StdioStream:
                    // Reading stdout or writing stdin: the descriptor is not open for that.
                    ready.Add(new Ready(s.Userdata, s.Tag, WasiErrno.Badf, 0, 0));
                    break;
                default:
                    ready.Add(new Ready(s.Userdata, s.Tag, IsOpen(caller, session, s.Fd, outPtr + i * EventSize) ? (ushort)0 : (ushort)WasiErrno.Badf, 0, 0));
                    break;
            }
        }
        return ready;
    }

    /// <summary>
    /// Whether <paramref name="fd"/> is an open descriptor, asked of Wasmtime's WASI (fd_fdstat_get). Its 24-byte
    /// answer goes into this subscription's own event slot, which was checked to lie in guest memory and is
    /// overwritten by the event itself.
    /// </summary>
    private static bool IsOpen(Caller caller, GuestSession session, int fd, int scratch) =>
        session.RequireNative(caller).FdFdstatGet(fd, scratch) != WasiErrno.Badf;

    private static List<Ready> AskHost(GuestSession session, Subscription[] subs, TimeSpan? clockWait)
    {
        // One entry per distinct (fd, events): a guest that repeats one fd many times asks the host once. A stdio
        // stream is named by its standard number, whatever number the guest now reaches it by.
        int HostFd(int fd) => session.Stdio.Find(fd) is StdioStream stream ? (int)stream : fd;
        var fds = subs.Where(s => s.Tag != TagClock).Select(s => (Fd: HostFd(s.Fd), Events: (int)s.Tag)).Distinct()
            .Select(p => (object)new Dictionary<string, object> { ["fd"] = p.Fd, ["events"] = p.Events })
            .ToArray();
        int timeoutMs = clockWait is { } w ? (int)Math.Min(Math.Ceiling(w.TotalMilliseconds), int.MaxValue) : -1;
        var answer = session.CallHost(KernelMethods.Poll, new object[] { fds, timeoutMs });
        var ready = new List<Ready>();
        if (answer.Errno is int errno)
        {
            foreach (var s in subs.Where(s => s.Tag != TagClock))
            {
                ready.Add(new Ready(s.Userdata, s.Tag, (ushort)errno, 0, 0));
            }
            return ready;
        }
        var byFd = subs.Where(s => s.Tag != TagClock).ToLookup(s => HostFd(s.Fd));
        foreach (var (fd, revents) in KernelPollAnswer.Parse(answer.Result))
        {
            foreach (var s in byFd[fd].Where(s => (revents & s.Tag) != 0))
            {
                ready.Add(new Ready(s.Userdata, s.Tag, 0, 0, 0));
            }
        }
        return ready;
    }
}

/// <summary>Reads a script's answer to <see cref="KernelMethods.Poll"/>: <c>@{ readyCount; fds = @(@{ fd; events; revents }) }</c>.</summary>
internal static class KernelPollAnswer
{
    public static IEnumerable<(int Fd, int Revents)> Parse(object? result)
    {
        if (result is not IDictionary answer)
        {
            throw new ArgumentException("a __kernel_poll answer must be a dictionary such as @{ readyCount = 1; fds = @(@{ fd = 0; events = 1; revents = 1 }) }");
        }
        if (Lookup(answer, "fds") is not IEnumerable fds || fds is string)
        {
            yield break;
        }
        foreach (var item in fds)
        {
            if (item is not IDictionary entry)
            {
                throw new ArgumentException("each entry of fds in a __kernel_poll answer must be a dictionary with fd, events and revents");
            }
            yield return (Convert.ToInt32(Lookup(entry, "fd") ?? -1), Convert.ToInt32(Lookup(entry, "revents") ?? 0));
        }
    }

    private static object? Lookup(IDictionary d, string key)
    {
        foreach (DictionaryEntry e in d)
        {
            if (string.Equals(e.Key as string, key, StringComparison.OrdinalIgnoreCase))
            {
                return e.Value;
            }
        }
        return null;
    }
}
