using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// The path_* functions: each refuses a lexically escaping path (absolute, or <c>..</c> above its directory) with
/// ENOENT before it reaches the file system, then hands the call to Wasmtime's capability-based WASI, and turns its
/// refusals into the errnos the sandbox promises: a denied write in a read-only preopen is EACCES, a path that leaves
/// the preopen through a symlink is ENOENT — as if the outside did not exist.
/// </summary>
internal static class WasiPathFunctions
{
    private const int OflagsCreat = 1;
    private const int OflagsTrunc = 8;
    private const int FdflagsAppend = 1;
    private const ulong WriteRights = 1UL << 0 /* datasync */ | 1UL << 6 /* write */ | 1UL << 8 /* allocate */ | 1UL << 22 /* filestat_set_size */;
    private const long RightFdRead = 1L << 1;

    private static bool IsRefusal(int errno) => errno is WasiErrno.Perm or WasiErrno.Notcapable;

    private static bool Escapes(Caller caller, int path, int pathLen) =>
        PathGuard.Escapes(GuestMemory.Of(caller).ReadUtf8((uint)path, (uint)pathLen));

    public static int PathOpen(Caller caller, int fd, int dirflags, int path, int pathLen, int oflags, long rightsBase,
        long rightsInheriting, int fdflags, int openedFdPtr)
    {
        var native = WasiHost.Session(caller).RequireNative(caller);
        if (Escapes(caller, path, pathLen))
        {
            return WasiErrno.Noent;
        }
        int result = native.PathOpen(fd, dirflags, path, pathLen, oflags, rightsBase, rightsInheriting, fdflags, openedFdPtr);
        if (!IsRefusal(result))
        {
            return result;
        }
        bool wantsWrite = (oflags & (OflagsCreat | OflagsTrunc)) != 0 || ((ulong)rightsBase & WriteRights) != 0
            || (fdflags & FdflagsAppend) != 0;
        if (!wantsWrite)
        {
            return WasiErrno.Noent;
        }
        // A write was refused: find out whether the path is readable at all. If even a plain read-open is refused the
        // path leads outside (a symlink): ENOENT. Otherwise the preopen is read-only: EACCES.
        int probe = native.PathOpen(fd, dirflags, path, pathLen, 0, RightFdRead, 0, 0, openedFdPtr);
        if (probe == WasiErrno.Success)
        {
            native.FdClose((int)GuestMemory.Of(caller).ReadU32((uint)openedFdPtr));
        }
        return IsRefusal(probe) ? WasiErrno.Noent : WasiErrno.Acces;
    }

    public static int PathFilestatGet(Caller caller, int fd, int flags, int path, int pathLen, int bufPtr) =>
        Escapes(caller, path, pathLen) ? WasiErrno.Noent
            : ReadRefusal(WasiHost.Session(caller).RequireNative(caller).PathFilestatGet(fd, flags, path, pathLen, bufPtr));

    public static int PathReadlink(Caller caller, int fd, int path, int pathLen, int buf, int bufLen, int usedPtr) =>
        Escapes(caller, path, pathLen) ? WasiErrno.Noent
            : ReadRefusal(WasiHost.Session(caller).RequireNative(caller).PathReadlink(fd, path, pathLen, buf, bufLen, usedPtr));

    public static int PathFilestatSetTimes(Caller caller, int fd, int flags, int path, int pathLen, long atim, long mtim, int fstflags) =>
        Escapes(caller, path, pathLen) ? WasiErrno.Noent
            : WriteRefusal(WasiHost.Session(caller).RequireNative(caller).PathFilestatSetTimes(fd, flags, path, pathLen, atim, mtim, fstflags));

    public static int PathCreateDirectory(Caller caller, int fd, int path, int pathLen) =>
        Escapes(caller, path, pathLen) ? WasiErrno.Noent
            : WriteRefusal(WasiHost.Session(caller).RequireNative(caller).PathCreateDirectory(fd, path, pathLen));

    public static int PathRemoveDirectory(Caller caller, int fd, int path, int pathLen) =>
        Escapes(caller, path, pathLen) ? WasiErrno.Noent
            : WriteRefusal(WasiHost.Session(caller).RequireNative(caller).PathRemoveDirectory(fd, path, pathLen));

    public static int PathUnlinkFile(Caller caller, int fd, int path, int pathLen) =>
        Escapes(caller, path, pathLen) ? WasiErrno.Noent
            : WriteRefusal(WasiHost.Session(caller).RequireNative(caller).PathUnlinkFile(fd, path, pathLen));

    public static int PathRename(Caller caller, int fd, int oldPath, int oldLen, int newFd, int newPath, int newLen) =>
        Escapes(caller, oldPath, oldLen) || Escapes(caller, newPath, newLen) ? WasiErrno.Noent
            : WriteRefusal(WasiHost.Session(caller).RequireNative(caller).PathRename(fd, oldPath, oldLen, newFd, newPath, newLen));

    public static int PathLink(Caller caller, int oldFd, int oldFlags, int oldPath, int oldLen, int newFd, int newPath, int newLen) =>
        Escapes(caller, oldPath, oldLen) || Escapes(caller, newPath, newLen) ? WasiErrno.Noent
            : WriteRefusal(WasiHost.Session(caller).RequireNative(caller).PathLink(oldFd, oldFlags, oldPath, oldLen, newFd, newPath, newLen));

    // The link's target text is not resolved here (following it later is what the boundary checks), so only the new
    // path is guarded.
    public static int PathSymlink(Caller caller, int oldPath, int oldLen, int fd, int newPath, int newLen) =>
        Escapes(caller, newPath, newLen) ? WasiErrno.Noent
            : WriteRefusal(WasiHost.Session(caller).RequireNative(caller).PathSymlink(oldPath, oldLen, fd, newPath, newLen));

    private static int ReadRefusal(int errno) => IsRefusal(errno) ? WasiErrno.Noent : errno;

    private static int WriteRefusal(int errno) => IsRefusal(errno) ? WasiErrno.Acces : errno;
}
