using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// Builds the linkers guests are instantiated with: Wasmtime's WASI preview 1, shadowed by the sandbox's own
/// functions where the sandbox must decide (stdio, clock, random, exit, poll, path boundary, descriptor accounting), plus <c>host_process</c> for the Full
/// tier. Host functions are store-independent; each finds its execution through the store's data.
/// </summary>
internal static class WasiHost
{
    private const string Wasi = SandboxImports.WasiPreview1;

    public static GuestSession Session(Caller caller) =>
        caller.GetData() as GuestSession ?? throw new InvalidOperationException("store has no sandbox session");

    // Every sandbox function answers a guest pointer outside its memory with EFAULT, like any WASI implementation.

    /// <summary>A linker with only Wasmtime's WASI: the target of <see cref="WasiTrampoline"/>.</summary>
    public static Linker CreateNativeLinker(Engine engine)
    {
        var linker = new Linker(engine);
        linker.DefineWasi();
        return linker;
    }

    public static Linker CreateSandboxLinker(Engine engine, bool withHostProcess)
    {
        var linker = new Linker(engine);
        linker.DefineWasi();
        linker.AllowShadowing = true;

        linker.DefineFunction(Wasi, "fd_read", (Caller c, int fd, int iovs, int n, int outp) =>
            { try { return WasiStdioFunctions.FdRead(c, fd, iovs, n, outp); } catch (GuestFaultException) { return WasiErrno.Fault; } });
        linker.DefineFunction(Wasi, "fd_write", (Caller c, int fd, int iovs, int n, int outp) =>
            { try { return WasiStdioFunctions.FdWrite(c, fd, iovs, n, outp); } catch (GuestFaultException) { return WasiErrno.Fault; } });
        linker.DefineFunction(Wasi, "fd_fdstat_get", (Caller c, int fd, int outp) =>
            { try { return WasiStdioFunctions.FdFdstatGet(c, fd, outp); } catch (GuestFaultException) { return WasiErrno.Fault; } });
        linker.DefineFunction(Wasi, "proc_exit", (Caller c, int status) => throw new GuestExitException((uint)status));
        linker.DefineFunction(Wasi, "clock_time_get", (Caller c, int id, long precision, int outp) =>
            { try { return WasiClockFunctions.ClockTimeGet(c, id, precision, outp); } catch (GuestFaultException) { return WasiErrno.Fault; } });
        linker.DefineFunction(Wasi, "clock_res_get", (Caller c, int id, int outp) =>
            { try { return WasiClockFunctions.ClockResGet(c, id, outp); } catch (GuestFaultException) { return WasiErrno.Fault; } });
        linker.DefineFunction(Wasi, "random_get", (Caller c, int buf, int len) =>
            { try { return WasiClockFunctions.RandomGet(c, buf, len); } catch (GuestFaultException) { return WasiErrno.Fault; } });
        linker.DefineFunction(Wasi, "poll_oneoff", (Caller c, int inp, int outp, int n, int neventsp) =>
            { try { return WasiPollFunction.PollOneoff(c, inp, outp, n, neventsp); } catch (GuestFaultException) { return WasiErrno.Fault; } });

        linker.DefineFunction(Wasi, "path_open", (Caller c, int fd, int dirflags, int p, int pl, int oflags, long rb, long ri, int fdflags, int outp) =>
            { try { return WasiFdFunctions.PathOpen(c, fd, dirflags, p, pl, oflags, rb, ri, fdflags, outp); } catch (GuestFaultException) { return WasiErrno.Fault; } });
        linker.DefineFunction(Wasi, "path_filestat_get", (Caller c, int fd, int flags, int p, int pl, int buf) =>
            { try { return WasiPathFunctions.PathFilestatGet(c, fd, flags, p, pl, buf); } catch (GuestFaultException) { return WasiErrno.Fault; } });
        linker.DefineFunction(Wasi, "path_filestat_set_times", (Caller c, int fd, int flags, int p, int pl, long atim, long mtim, int fst) =>
            { try { return WasiPathFunctions.PathFilestatSetTimes(c, fd, flags, p, pl, atim, mtim, fst); } catch (GuestFaultException) { return WasiErrno.Fault; } });
        linker.DefineFunction(Wasi, "path_readlink", (Caller c, int fd, int p, int pl, int buf, int bl, int used) =>
            { try { return WasiPathFunctions.PathReadlink(c, fd, p, pl, buf, bl, used); } catch (GuestFaultException) { return WasiErrno.Fault; } });
        linker.DefineFunction(Wasi, "path_create_directory", (Caller c, int fd, int p, int pl) =>
            { try { return WasiPathFunctions.PathCreateDirectory(c, fd, p, pl); } catch (GuestFaultException) { return WasiErrno.Fault; } });
        linker.DefineFunction(Wasi, "path_remove_directory", (Caller c, int fd, int p, int pl) =>
            { try { return WasiPathFunctions.PathRemoveDirectory(c, fd, p, pl); } catch (GuestFaultException) { return WasiErrno.Fault; } });
        linker.DefineFunction(Wasi, "path_unlink_file", (Caller c, int fd, int p, int pl) =>
            { try { return WasiPathFunctions.PathUnlinkFile(c, fd, p, pl); } catch (GuestFaultException) { return WasiErrno.Fault; } });
        linker.DefineFunction(Wasi, "path_rename", (Caller c, int fd, int op, int ol, int nfd, int np, int nl) =>
            { try { return WasiPathFunctions.PathRename(c, fd, op, ol, nfd, np, nl); } catch (GuestFaultException) { return WasiErrno.Fault; } });
        linker.DefineFunction(Wasi, "path_link", (Caller c, int ofd, int of, int op, int ol, int nfd, int np, int nl) =>
            { try { return WasiPathFunctions.PathLink(c, ofd, of, op, ol, nfd, np, nl); } catch (GuestFaultException) { return WasiErrno.Fault; } });
        linker.DefineFunction(Wasi, "path_symlink", (Caller c, int op, int ol, int fd, int np, int nl) =>
            { try { return WasiPathFunctions.PathSymlink(c, op, ol, fd, np, nl); } catch (GuestFaultException) { return WasiErrno.Fault; } });

        // Descriptor accounting: path_open above takes a slot, these give it back (see OpenFileAccount).
        linker.DefineFunction(Wasi, "fd_close", (Caller c, int fd) =>
            { try { return WasiFdFunctions.FdClose(c, fd); } catch (GuestFaultException) { return WasiErrno.Fault; } });
        linker.DefineFunction(Wasi, "fd_renumber", (Caller c, int from, int to) =>
            { try { return WasiFdFunctions.FdRenumber(c, from, to); } catch (GuestFaultException) { return WasiErrno.Fault; } });

        if (withHostProcess)
        {
            linker.DefineFunction(SandboxImports.HostProcess, "proc_sigaction", (Caller c, int sig, int action, int lo, int hi, int flags) =>
                HostProcessFunctions.ProcSigaction(c, sig, action, lo, hi, flags));
        }
        return linker;
    }
}
