using System.Runtime.InteropServices;

namespace WasmSandbox;

/// <summary>
/// CPU time the calling thread has used (user and kernel), where the system can tell: CLOCK_THREAD_CPUTIME_ID on
/// Linux and macOS, GetThreadTimes on Windows. A guest runs on one thread from start to end, so the difference of two
/// readings on that thread is the CPU time the guest (and the host calls it made) cost.
/// </summary>
internal static partial class ThreadCpuClock
{
    private static readonly int? s_clockId = OperatingSystem.IsLinux() ? 3 : OperatingSystem.IsMacOS() ? 16 : null;

    /// <summary>The calling thread's CPU time so far; null where it cannot be read.</summary>
    public static TimeSpan? Now()
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                return GetThreadTimes(GetCurrentThread(), out _, out _, out long kernel, out long user)
                    ? TimeSpan.FromTicks(kernel + user) // FILETIME units are 100 ns, as ticks are
                    : null;
            }
            if (s_clockId is int id && ClockGetTime(id, out var spec) == 0)
            {
                return TimeSpan.FromTicks(spec.Seconds * TimeSpan.TicksPerSecond + spec.Nanoseconds / 100);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // A libc without the call: the figure is unknown, not an error.
        }
        return null;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    [LibraryImport("kernel32")]
    private static partial IntPtr GetCurrentThread();

    [LibraryImport("kernel32", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool GetThreadTimes(IntPtr thread, out long creation, out long exit, out long kernel, out long user);
}
