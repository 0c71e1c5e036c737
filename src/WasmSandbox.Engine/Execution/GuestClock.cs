using System.Diagnostics;

namespace WasmSandbox;

/// <summary>
/// The one clock an execution's guest reads (clock_time_get) and waits on (poll_oneoff clock subscriptions), as the
/// policy's <see cref="SandboxClockMode"/> says.
/// </summary>
/// <remarks>
/// <para><b>Virtual</b> (the default): realtime starts at the execution's start instant (to the millisecond) or at
/// <c>-ClockStart</c>, and realtime and monotonic advance together, only when the guest waits on a clock subscription:
/// by exactly the time it asked for when the subscription fires, or by the time it really waited when a descriptor
/// became ready first (the arrival of input is the only host timing a guest can learn, and only by blocking on it).
/// Computation never moves the clock: two reads with no wait between them are equal, a guest cannot time its own code
/// or the host, and a run whose input does not depend on timing reads the same times every run. The CPU-time clocks
/// read 0: the guest is not told how long it computed. Sub-millisecond waits are not slept on the host at all; the
/// clock jumps.</para>
/// <para><b>Real</b>: realtime is the host's wall clock, monotonic the host's monotonic clock, and both CPU-time clocks
/// the time since the execution started (the host does not measure one guest's CPU time apart from its thread's
/// other work). Clock subscriptions fire once the host's clock has passed their deadline.</para>
/// Used on the guest's thread only.
/// </remarks>
internal sealed class GuestClock
{
    public const int Realtime = 0;
    public const int Monotonic = 1;
    public const int ProcessCputime = 2;
    public const int ThreadCputime = 3;

    /// <summary>The earliest <c>-ClockStart</c>: WASI time is nanoseconds since 1970 in 64 bits.</summary>
    public static readonly DateTimeOffset Earliest = DateTimeOffset.UnixEpoch;

    /// <summary>The latest <c>-ClockStart</c>: well inside 64-bit nanoseconds (which end in 2554), leaving room to run.</summary>
    public static readonly DateTimeOffset Latest = new(2500, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly double s_nanosPerTick = 1e9 / Stopwatch.Frequency;

    private readonly bool _virtual;
    private readonly ulong _startNanos;
    private readonly long _hostStart = Stopwatch.GetTimestamp();
    private ulong _waited;

    public GuestClock(SandboxPolicy policy, DateTimeOffset executionStart)
    {
        _virtual = policy.Clock == SandboxClockMode.Virtual;
        _startNanos = policy.ClockStart is { } start
            ? (ulong)(start - DateTimeOffset.UnixEpoch).Ticks * 100
            : (ulong)executionStart.ToUnixTimeMilliseconds() * 1_000_000;
    }

    public bool IsVirtual => _virtual;

    /// <summary>Whether <paramref name="clockId"/> names a WASI clock clock_time_get can read.</summary>
    public static bool IsReadable(int clockId) => clockId is >= Realtime and <= ThreadCputime;

    /// <summary>Whether a poll_oneoff clock subscription may wait on <paramref name="clockId"/> (as in Wasmtime: realtime and monotonic).</summary>
    public static bool IsWaitable(int clockId) => clockId is Realtime or Monotonic;

    /// <summary>The time on <paramref name="clockId"/>, in nanoseconds.</summary>
    public ulong Now(int clockId)
    {
        if (_virtual)
        {
            return clockId is Realtime or Monotonic ? Saturating(_startNanos, _waited) : 0;
        }
        return clockId switch
        {
            Realtime => (ulong)(DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100,
            Monotonic => HostNanos(Stopwatch.GetTimestamp()),
            _ => HostNanos(Stopwatch.GetTimestamp() - _hostStart),
        };
    }

    /// <summary>The guest waited <paramref name="nanos"/>: a virtual clock moves on by that much; a real one moved by itself.</summary>
    public void Advance(ulong nanos)
    {
        if (_virtual)
        {
            _waited = Saturating(_waited, nanos);
        }
    }

    /// <summary>
    /// How long the host should really wait for a clock subscription due in <paramref name="nanos"/>: the whole time
    /// on a real clock; whole milliseconds of it on a virtual one (which then jumps by the exact amount), so timers
    /// still pace a guest as they would elsewhere while sub-millisecond sleeps cost nothing.
    /// </summary>
    public TimeSpan HostWait(ulong nanos)
    {
        ulong ticks = _virtual ? nanos / 1_000_000 * TimeSpan.TicksPerMillisecond : (nanos + 99) / 100;
        return TimeSpan.FromTicks((long)Math.Min(ticks, (ulong)TimeSpan.FromDays(1).Ticks));
    }

    public static ulong HostNanos(long stopwatchTicks) => (ulong)Math.Max(0, stopwatchTicks * s_nanosPerTick);

    public static ulong Saturating(ulong a, ulong b) => a + b < a ? ulong.MaxValue : a + b;
}
