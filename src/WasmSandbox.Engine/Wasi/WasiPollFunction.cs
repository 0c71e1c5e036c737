using System.Collections;
using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// poll_oneoff. The sandbox owns fds 0-2, so it answers readiness itself: stdin is readable when the host has written
/// to it or closed it, stdout and stderr are always writable, and other fds (regular files, directories) are always
/// ready. Clock subscriptions wait in real time (the frozen clock only affects what the guest reads), and every wait
/// ends at once when the execution is stopped or times out. In kernel mode, fd subscriptions are asked of the host.
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

    private readonly record struct Subscription(ulong Userdata, byte Tag, int Fd, ulong Timeout, bool Absolute);

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
        // Both arrays must lie in guest memory before the host allocates anything for them: the host's copy (32 bytes
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
            subs[i] = tag switch
            {
                TagClock => new Subscription(memory.ReadU64(at), tag, -1, memory.ReadU64(at + 24),
                    (memory.Span(at + 40, 2)[0] & SubclockAbstime) != 0),
                TagFdRead or TagFdWrite => new Subscription(memory.ReadU64(at), tag, (int)memory.ReadU32(at + 16), 0, false),
                _ => default,
            };
            if (tag > TagFdWrite)
            {
                return WasiErrno.Inval;
            }
        }

        var started = DateTime.UtcNow;
        TimeSpan? clockWait = EarliestClock(subs, session.FrozenClockNanos);
        List<Ready> ready = session.Mode == WasmStdioMode.SyncRpc && subs.Any(s => s.Tag != TagClock)
            ? AskHost(session, subs, clockWait)
            : WaitLocally(session, subs, clockWait);
        if (ready.Count == 0 || clockWait is { } wait && DateTime.UtcNow - started >= wait)
        {
            // Nothing fd-ready within the wait: the clocks whose time has come fire.
            WaitUntil(session, started, clockWait);
            ready.AddRange(subs.Where(s => s.Tag == TagClock && ClockDue(s, session.FrozenClockNanos, DateTime.UtcNow - started))
                .Select(s => new Ready(s.Userdata, TagClock, 0, 0, 0)));
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

    private static TimeSpan? EarliestClock(Subscription[] subs, ulong frozenNow)
    {
        TimeSpan? earliest = null;
        foreach (var s in subs.Where(s => s.Tag == TagClock))
        {
            var wait = ClockWait(s, frozenNow);
            if (earliest is null || wait < earliest)
            {
                earliest = wait;
            }
        }
        return earliest;
    }

    private static TimeSpan ClockWait(Subscription s, ulong frozenNow)
    {
        // An absolute deadline is measured against the frozen clock the guest sees.
        ulong ns = s.Absolute ? (s.Timeout > frozenNow ? s.Timeout - frozenNow : 0) : s.Timeout;
        return TimeSpan.FromTicks((long)Math.Min(ns / 100, (ulong)TimeSpan.MaxValue.Ticks / 2));
    }

    private static bool ClockDue(Subscription s, ulong frozenNow, TimeSpan elapsed) => ClockWait(s, frozenNow) <= elapsed;

    private static List<Ready> WaitLocally(GuestSession session, Subscription[] subs, TimeSpan? clockWait)
    {
        var ready = FdReadiness(session, subs);
        if (ready.Count > 0)
        {
            return ready;
        }
        bool waitsOnStdin = subs.Any(s => s.Tag == TagFdRead && s.Fd == 0);
        if (waitsOnStdin)
        {
            try
            {
                session.Input.WaitReadable(clockWait ?? Timeout.InfiniteTimeSpan, session.Cancel);
            }
            catch (OperationCanceledException)
            {
                throw new SandboxInterruptException(session.Execution.Interrupt);
            }
            return FdReadiness(session, subs);
        }
        return ready;
    }

    private static List<Ready> FdReadiness(GuestSession session, Subscription[] subs)
    {
        var ready = new List<Ready>();
        foreach (var s in subs)
        {
            if (s.Tag == TagFdRead && s.Fd == 0)
            {
                var (available, atEnd) = session.Input.Status;
                if (available > 0 || atEnd)
                {
                    ready.Add(new Ready(s.Userdata, s.Tag, 0, (ulong)available, atEnd ? EventFdReadwriteHangup : (ushort)0));
                }
            }
            else if (s.Tag == TagFdRead && s.Fd is 1 or 2 || s.Tag == TagFdWrite && s.Fd == 0)
            {
                ready.Add(new Ready(s.Userdata, s.Tag, WasiErrno.Badf, 0, 0));
            }
            else if (s.Tag != TagClock)
            {
                ready.Add(new Ready(s.Userdata, s.Tag, 0, 0, 0));
            }
        }
        return ready;
    }

    private static void WaitUntil(GuestSession session, DateTime started, TimeSpan? wait)
    {
        if (wait is not { } w)
        {
            return;
        }
        var left = started + w - DateTime.UtcNow;
        if (left > TimeSpan.Zero && session.Cancel.WaitHandle.WaitOne(left > TimeSpan.FromDays(1) ? TimeSpan.FromDays(1) : left))
        {
            throw new SandboxInterruptException(session.Execution.Interrupt);
        }
    }

    private static List<Ready> AskHost(GuestSession session, Subscription[] subs, TimeSpan? clockWait)
    {
        // One entry per distinct (fd, events): a guest that repeats one fd many times asks the host once.
        var fds = subs.Where(s => s.Tag != TagClock).Select(s => (s.Fd, Events: (int)s.Tag)).Distinct()
            .Select(p => (object)new Dictionary<string, object> { ["fd"] = p.Fd, ["events"] = p.Events })
            .ToArray();
        int timeoutMs = clockWait is { } w ? (int)Math.Min(w.TotalMilliseconds, int.MaxValue) : -1;
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
        var byFd = subs.Where(s => s.Tag != TagClock).ToLookup(s => s.Fd);
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
