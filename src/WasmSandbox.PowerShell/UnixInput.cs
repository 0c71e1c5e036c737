using System.Runtime.InteropServices;

namespace WasmSandbox.Commands;

/// <summary>Reads the console's fd 0 on Unix without blocking past a short poll (see <see cref="ConsoleTerminal"/>).</summary>
internal static class UnixInput
{
    private const short PollIn = 1;

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int poll(ref PollFd fds, nuint count, int timeoutMs);

    [DllImport("libc", SetLastError = true)]
    private static extern nint read(int fd, byte[] buffer, nuint count);

    [DllImport("libc", SetLastError = true)]
    private static extern int tcgetattr(int fd, byte[] termios);

    /// <summary>
    /// Whether the terminal on fd 0 echoes typed characters itself (ECHO in its local modes), as it does when no line
    /// editor has switched it off: then echoing them again would show every key twice.
    /// </summary>
    public static bool TerminalEchoes()
    {
        // struct termios: four tcflag_t (c_iflag, c_oflag, c_cflag, c_lflag), 4 bytes each on Linux, 8 on macOS.
        var termios = new byte[256];
        if (tcgetattr(0, termios) != 0)
        {
            return false;
        }
        const ulong Echo = 0x8;
        ulong localModes = OperatingSystem.IsMacOS() ? BitConverter.ToUInt64(termios, 24) : BitConverter.ToUInt32(termios, 12);
        return (localModes & Echo) != 0;
    }

    /// <summary>
    /// Bytes typed on fd 0 within <paramref name="timeoutMs"/>: their count (0 when none came), or -1 at end of input
    /// or when fd 0 cannot be read.
    /// </summary>
    public static int ReadIfReady(byte[] buffer, int timeoutMs)
    {
        var fd = new PollFd { Fd = 0, Events = PollIn };
        int ready = poll(ref fd, 1, timeoutMs);
        if (ready == 0 || ready < 0 && Marshal.GetLastPInvokeError() == 4 /* EINTR */)
        {
            return 0;
        }
        if (ready < 0)
        {
            return -1;
        }
        long n = read(0, buffer, (nuint)buffer.Length);
        return n <= 0 ? -1 : (int)n;
    }
}
