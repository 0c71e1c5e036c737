using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// fd_read, fd_write and fd_fdstat_get: the descriptors that are the sandbox's stdio streams now (see
/// <see cref="StdioDescriptors"/>: fds 0-2 until the guest closes or renumbers them) read the host-fed stdin and write
/// stdout/stderr events or kernel-mode requests; every other descriptor goes to Wasmtime's WASI. fd_fdstat_get gives
/// Wasmtime's answer for every descriptor — for stdio, a stream that is not a terminal, as Wasmtime reports captured
/// stdio — except that a stream the host declared an interactive terminal reports a character device.
/// </summary>
/// <remarks>
/// What one call may make the host spend is bounded before anything is copied: at most
/// <see cref="SandboxLimits.MaxIovecs"/> iovecs (more is EINVAL, as Linux answers beyond IOV_MAX; this also bounds
/// the walk over them) and at most <see cref="SandboxLimits.MaxBytesPerCall"/> bytes copied out of guest memory per
/// fd_write to stdout/stderr (the rest is a short write, which every WASI libc retries). A zero-length write makes
/// no event and no kernel request: there is nothing to deliver.
/// </remarks>
internal static class WasiStdioFunctions
{
    private const byte FiletypeUnknown = 0;
    private const byte FiletypeCharacterDevice = 2;
    private const ulong RightFdRead = 1UL << 1;
    private const ulong RightFdWrite = 1UL << 6;

    public static int FdRead(Caller caller, int fd, int iovs, int iovsLen, int nreadPtr)
    {
        var session = WasiHost.Session(caller);
        if ((uint)iovsLen > SandboxLimits.MaxIovecs)
        {
            return WasiErrno.Inval;
        }
        if (!session.Stdio.Is(fd, StdioStream.Stdin))
        {
            return session.RequireNative(caller).FdRead(fd, iovs, iovsLen, nreadPtr);
        }
        var memory = GuestMemory.Of(caller);
        memory.IovecTotal((uint)iovs, (uint)iovsLen);
        long total = 0;
        for (long i = 0; i < (uint)iovsLen; i++)
        {
            uint ptr = memory.ReadU32((uint)iovs + i * 8);
            uint len = memory.ReadU32((uint)iovs + i * 8 + 4);
            if (len == 0)
            {
                continue;
            }
            // Wait for the first bytes only; later iovecs take what is already there, like a pipe read.
            if (total > 0 && session.Input.Status.Available == 0)
            {
                break;
            }
            // Straight into guest memory: the guest waits in this call, so nothing else can touch or grow its
            // memory meanwhile. (A buffer per call cost more than the copy: a 128 KiB read is a large-object
            // allocation, and fresh pages fault.)
            int n;
            try
            {
                n = session.Input.Read(memory.Span(ptr, len), session.Cancel);
            }
            catch (OperationCanceledException)
            {
                throw new SandboxInterruptException(session.Execution.Interrupt);
            }
            total += n;
            if (n < len)
            {
                break;
            }
        }
        memory.WriteU32((uint)nreadPtr, (uint)total);
        return WasiErrno.Success;
    }

    public static int FdWrite(Caller caller, int fd, int iovs, int iovsLen, int nwrittenPtr)
    {
        var session = WasiHost.Session(caller);
        if ((uint)iovsLen > SandboxLimits.MaxIovecs)
        {
            return WasiErrno.Inval;
        }
        var found = session.Stdio.Find(fd);
        if (found is not (StdioStream.Stdout or StdioStream.Stderr))
        {
            // Another descriptor, or stdin (which Wasmtime answers with EBADF, as for a stream not open for writing).
            return session.RequireNative(caller).FdWrite(fd, iovs, iovsLen, nwrittenPtr);
        }
        var stream = found.Value;
        var memory = GuestMemory.Of(caller);
        // Every entry must lie in memory (EFAULT otherwise), even those past the per-call cap.
        long total = Math.Min(memory.IovecTotal((uint)iovs, (uint)iovsLen), SandboxLimits.MaxBytesPerCall);
        if (total == 0)
        {
            memory.WriteU32((uint)nwrittenPtr, 0);
            return WasiErrno.Success;
        }
        var data = new byte[total];
        int offset = 0;
        for (long i = 0; i < (uint)iovsLen && offset < data.Length; i++)
        {
            uint ptr = memory.ReadU32((uint)iovs + i * 8);
            int len = (int)Math.Min(memory.ReadU32((uint)iovs + i * 8 + 4), data.Length - offset);
            memory.Span(ptr, len).CopyTo(data.AsSpan(offset));
            offset += len;
        }
        if (session.Mode == WasmStdioMode.SyncRpc)
        {
            return KernelWrite(session, memory, (int)stream, data, nwrittenPtr);
        }
        session.WriteOutput(stream, data);
        memory.WriteU32((uint)nwrittenPtr, (uint)total);
        return WasiErrno.Success;
    }

    private static int KernelWrite(GuestSession session, GuestMemory memory, int fd, byte[] data, int nwrittenPtr)
    {
        // -MaxOutputBytes counts here as in events mode: what the host is asked to write, up to the limit.
        int fits = session.AdmitOutput((StdioStream)fd, data.Length);
        if (fits < data.Length)
        {
            if (fits > 0)
            {
                session.CallHost(KernelMethods.StdioWrite, new object[] { fd, data.AsSpan(0, fits).ToArray() });
            }
            session.EndAtOutputLimit();
        }
        var answer = session.CallHost(KernelMethods.StdioWrite, new object[] { fd, data });
        if (answer.Errno is int errno)
        {
            return errno;
        }
        long written = answer.Result switch
        {
            null => data.Length,
            IConvertible c => Math.Clamp(c.ToInt64(null), 0, data.Length),
            _ => data.Length,
        };
        memory.WriteU32((uint)nwrittenPtr, (uint)written);
        return WasiErrno.Success;
    }

    public static int FdFdstatGet(Caller caller, int fd, int statPtr)
    {
        var session = WasiHost.Session(caller);
        if (session.Stdio.Find(fd) is not StdioStream stream)
        {
            return session.RequireNative(caller).FdFdstatGet(fd, statPtr);
        }
        // Wasmtime's own answer for a stdio stream, given here so that a guest that only touches stdio (wasi-libc asks
        // at its first write) never pays for the route to Wasmtime's WASI: a stream that is not a terminal (filetype
        // unknown; a character device for a terminal), no flags, and the one right to read or write, base and
        // inheriting alike. WasiFidelityTests pins these values as Wasmtime reports them.
        var memory = GuestMemory.Of(caller);
        var stat = memory.Span((uint)statPtr, 24);
        stat.Clear();
        stat[0] = IsTerminal(session.Policy, stream) ? FiletypeCharacterDevice : FiletypeUnknown;
        ulong rights = stream == StdioStream.Stdin ? RightFdRead : RightFdWrite;
        memory.WriteU64((uint)statPtr + 8, rights);
        memory.WriteU64((uint)statPtr + 16, rights);
        return WasiErrno.Success;
    }

    private static bool IsTerminal(SandboxPolicy policy, StdioStream stream) =>
        (policy.TerminalStreams & (WasmStdioStreams)(1 << (int)stream)) != 0;
}
