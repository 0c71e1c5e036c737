using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// The descriptor accounting around the WASI functions that make or close host descriptors: path_open takes a slot
/// from the execution's <see cref="OpenFileAccount"/> before it runs (EMFILE or ENFILE instead when none is left),
/// fd_close and fd_renumber give slots back once Wasmtime has closed the descriptor, and move or end a stdio stream
/// (<see cref="StdioDescriptors"/>) as they move or close its descriptor. The calls themselves are
/// Wasmtime's (fd_close, fd_renumber) or the path boundary's (<see cref="WasiPathFunctions.PathOpen"/>), unchanged.
/// </summary>
internal static class WasiFdFunctions
{
    public static int PathOpen(Caller caller, int fd, int dirflags, int path, int pathLen, int oflags, long rightsBase,
        long rightsInheriting, int fdflags, int openedFdPtr)
    {
        var account = WasiHost.Session(caller).OpenFiles;
        int refused = account.TryReserve();
        if (refused != WasiErrno.Success)
        {
            return refused;
        }
        int result;
        try
        {
            result = WasiPathFunctions.PathOpen(caller, fd, dirflags, path, pathLen, oflags, rightsBase, rightsInheriting, fdflags, openedFdPtr);
        }
        catch
        {
            account.Abandon();
            throw;
        }
        if (result != WasiErrno.Success)
        {
            account.Abandon();
            return result;
        }
        // Wasmtime wrote the new number where the guest asked; it checked the pointer, so the read cannot fault.
        account.Opened((int)GuestMemory.Of(caller).ReadU32((uint)openedFdPtr));
        return result;
    }

    public static int FdClose(Caller caller, int fd)
    {
        var session = WasiHost.Session(caller);
        int result = session.RequireNative(caller).FdClose(fd);
        if (result == WasiErrno.Success)
        {
            session.OpenFiles.Closed(fd);
            session.Stdio.Closed(fd);
        }
        return result;
    }

    public static int FdRenumber(Caller caller, int from, int to)
    {
        var session = WasiHost.Session(caller);
        int result = session.RequireNative(caller).FdRenumber(from, to);
        if (result == WasiErrno.Success)
        {
            session.OpenFiles.Renumbered(from, to);
            session.Stdio.Renumbered(from, to);
        }
        return result;
    }
}
