using System.Text;
using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// The path_* functions. Each refuses a lexically escaping path (absolute, or <c>..</c> above its directory) before
/// it reaches the file system, adds the sandbox's own rules, hands the call to Wasmtime's capability-based WASI
/// (cap-std, which refuses any resolution that leaves the preopen), and answers refusals through the one table in
/// <see cref="WasiErrno"/>.
/// <para>The rules the sandbox adds:</para>
/// <list type="bullet">
///   <item><b>Links never lead out.</b> <c>path_symlink</c> creates a link only when its target passes
///   <see cref="PathGuard.IsConfinedLinkTarget"/> (relative, non-empty, no NUL, no <c>..</c>) and does not, at that
///   moment, resolve outside through a link the host put in the grant. <c>path_link</c> links only a regular file, or a
///   symlink whose target obeys the rule and does not lead out from the new name (checked without following, and
///   again after linking). <c>path_rename</c> of a
///   symlink checks its target by the same rule, so a link the host planted cannot be moved either. Refusals are
///   EPERM and create nothing.</item>
///   <item><b>Only regular files and directories open.</b> <c>path_open</c> asks the type first (a stat never blocks)
///   and refuses a FIFO, socket or device with ENXIO; after the open it checks the type again on the opened fd and
///   closes anything else, so a swap between the two cannot hand the guest such an fd. What it cannot prevent: a host
///   process that replaces a regular file by a FIFO in the instant between the type check and the open makes Wasmtime's
///   open block (it has no non-blocking open) until the FIFO's other end is opened.</item>
/// </list>
/// </summary>
internal static class WasiPathFunctions
{
    private const int OflagsCreat = 1;
    private const int OflagsTrunc = 8;
    private const int FdflagsAppend = 1;
    private const ulong WriteRights = 1UL << 0 /* datasync */ | 1UL << 6 /* write */ | 1UL << 8 /* allocate */ | 1UL << 22 /* filestat_set_size */;
    private const int NoFollow = 0;

    public static int PathOpen(Caller caller, int fd, int dirflags, int path, int pathLen, int oflags, long rightsBase,
        long rightsInheriting, int fdflags, int openedFdPtr)
    {
        var memory = GuestMemory.Of(caller);
        var name = ReadName(memory, path, pathLen);
        if (Escapes(name))
        {
            return WasiErrno.OutsideGrant;
        }
        var native = WasiHost.Session(caller).RequireNative(caller);
        int found = NativeProbe.PathFiletype(native, memory, fd, dirflags & NativeProbe.FollowLinks, name, out byte type);
        if (WasiErrno.IsRefusal(found))
        {
            return WasiErrno.OutsideGrant;
        }
        // A symlink is reported only when not following; Wasmtime's open then answers for it (ELOOP) without opening.
        if (found == WasiErrno.Success && !NativeProbe.IsOrdinary(type) && type != NativeProbe.SymbolicLink)
        {
            return WasiErrno.SpecialFile;
        }
        int result = native.PathOpen(fd, dirflags, path, pathLen, oflags, rightsBase, rightsInheriting, fdflags, openedFdPtr);
        if (WasiErrno.IsRefusal(result))
        {
            // The same path resolved inside the grant a moment ago, so a refused write is the preopen's permission.
            bool wantsWrite = (oflags & (OflagsCreat | OflagsTrunc)) != 0 || ((ulong)rightsBase & WriteRights) != 0
                || (fdflags & FdflagsAppend) != 0;
            return wantsWrite ? WasiErrno.ReadOnlyGrant : WasiErrno.OutsideGrant;
        }
        if (result != WasiErrno.Success)
        {
            return result;
        }
        int opened = (int)memory.ReadU32((uint)openedFdPtr);
        int stat = NativeProbe.FdFiletype(native, memory, opened, out type);
        if (stat == WasiErrno.Success && NativeProbe.IsOrdinary(type))
        {
            return WasiErrno.Success;
        }
        native.FdClose(opened);
        return stat == WasiErrno.Success ? WasiErrno.SpecialFile : stat;
    }

    public static int PathFilestatGet(Caller caller, int fd, int flags, int path, int pathLen, int bufPtr) =>
        Escapes(GuestMemory.Of(caller), path, pathLen) ? WasiErrno.OutsideGrant
            : WasiErrno.ForRead(WasiHost.Session(caller).RequireNative(caller).PathFilestatGet(fd, flags, path, pathLen, bufPtr));

    public static int PathReadlink(Caller caller, int fd, int path, int pathLen, int buf, int bufLen, int usedPtr) =>
        Escapes(GuestMemory.Of(caller), path, pathLen) ? WasiErrno.OutsideGrant
            : WasiErrno.ForRead(WasiHost.Session(caller).RequireNative(caller).PathReadlink(fd, path, pathLen, buf, bufLen, usedPtr));

    public static int PathFilestatSetTimes(Caller caller, int fd, int flags, int path, int pathLen, long atim, long mtim, int fstflags) =>
        Change(caller, fd, path, pathLen, flags & NativeProbe.FollowLinks,
            native => native.PathFilestatSetTimes(fd, flags, path, pathLen, atim, mtim, fstflags));

    public static int PathCreateDirectory(Caller caller, int fd, int path, int pathLen) =>
        Change(caller, fd, path, pathLen, NoFollow, native => native.PathCreateDirectory(fd, path, pathLen));

    public static int PathRemoveDirectory(Caller caller, int fd, int path, int pathLen) =>
        Change(caller, fd, path, pathLen, NoFollow, native => native.PathRemoveDirectory(fd, path, pathLen));

    public static int PathUnlinkFile(Caller caller, int fd, int path, int pathLen) =>
        Change(caller, fd, path, pathLen, NoFollow, native => native.PathUnlinkFile(fd, path, pathLen));

    public static int PathRename(Caller caller, int fd, int oldPath, int oldLen, int newFd, int newPath, int newLen)
    {
        var memory = GuestMemory.Of(caller);
        if (!TryReadPair(memory, oldPath, oldLen, newPath, newLen, out var oldName, out var newName))
        {
            return WasiErrno.OutsideGrant;
        }
        var native = WasiHost.Session(caller).RequireNative(caller);
        if (!SourceInsideGrant(native, memory, fd, oldName, out byte? type))
        {
            return WasiErrno.OutsideGrant;
        }
        if (type == NativeProbe.SymbolicLink && !IsConfinedLink(native, memory, fd, oldName))
        {
            return WasiErrno.LinkRefused;
        }
        int errno = native.PathRename(fd, oldPath, oldLen, newFd, newPath, newLen);
        return WasiErrno.IsRefusal(errno) ? WasiErrno.ForRefusedChange(LeavesGrant(native, memory, newFd, NoFollow, newName)) : errno;
    }

    public static int PathLink(Caller caller, int oldFd, int oldFlags, int oldPath, int oldLen, int newFd, int newPath, int newLen)
    {
        var memory = GuestMemory.Of(caller);
        if (!TryReadPair(memory, oldPath, oldLen, newPath, newLen, out var oldName, out var newName))
        {
            return WasiErrno.OutsideGrant;
        }
        var native = WasiHost.Session(caller).RequireNative(caller);
        // The name itself must be linkable, whatever the follow flag says (Wasmtime refuses that flag anyway).
        if (!SourceInsideGrant(native, memory, oldFd, oldName, out byte? type))
        {
            return WasiErrno.OutsideGrant;
        }
        if (type is { } found && !IsLinkable(native, memory, oldFd, oldName, found))
        {
            return WasiErrno.LinkRefused;
        }
        int errno = native.PathLink(oldFd, oldFlags, oldPath, oldLen, newFd, newPath, newLen);
        if (WasiErrno.IsRefusal(errno))
        {
            return WasiErrno.ForRefusedChange(LeavesGrant(native, memory, newFd, NoFollow, newName));
        }
        if (errno != WasiErrno.Success)
        {
            return errno;
        }
        // A host process may have swapped the name for a symlink since the check: then the new name is that symlink.
        int made = NativeProbe.PathFiletype(native, memory, newFd, NoFollow, newName, out byte madeType);
        // A linked symlink must also not lead out from its new place (through a link the host put there).
        if (made == WasiErrno.Success && madeType != NativeProbe.RegularFile
            && !(IsLinkable(native, memory, newFd, newName, madeType) && !LeavesGrant(native, memory, newFd, NativeProbe.FollowLinks, newName)))
        {
            NativeProbe.Unlink(native, memory, newFd, newName);
            return WasiErrno.LinkRefused;
        }
        return WasiErrno.Success;
    }

    /// <summary>
    /// Whether <paramref name="name"/> (of WASI filetype <paramref name="type"/>) may have a second name: a regular
    /// file, or a symlink whose target obeys the link rule (it stays confined from wherever the new name lies).
    /// </summary>
    private static bool IsLinkable(WasiNative native, GuestMemory memory, int fd, byte[] name, byte type) =>
        type == NativeProbe.RegularFile || type == NativeProbe.SymbolicLink && IsConfinedLink(native, memory, fd, name);

    /// <summary>
    /// Whether the symlink <paramref name="name"/> has a target that obeys the link rule. Wasmtime refuses to read an
    /// absolute target back; that target breaks the rule as well.
    /// </summary>
    private static bool IsConfinedLink(WasiNative native, GuestMemory memory, int fd, byte[] name) =>
        NativeProbe.ReadLink(native, memory, fd, name, out string target) == WasiErrno.Success && PathGuard.IsConfinedLinkTarget(target);

    public static int PathSymlink(Caller caller, int oldPath, int oldLen, int fd, int newPath, int newLen)
    {
        var memory = GuestMemory.Of(caller);
        var linkName = ReadName(memory, newPath, newLen);
        if (Escapes(linkName))
        {
            return WasiErrno.OutsideGrant;
        }
        var targetBytes = ReadName(memory, oldPath, oldLen);
        if (!PathGuard.IsConfinedLinkTarget(Encoding.UTF8.GetString(targetBytes)))
        {
            return WasiErrno.LinkRefused;
        }
        var native = WasiHost.Session(caller).RequireNative(caller);
        // The target read from the link's own directory, as the host would follow it: a refusal means it passes
        // through a link the host put in the grant that leads out (a dangling target is fine: ENOENT).
        int slash = linkName.AsSpan().LastIndexOf((byte)'/');
        var resolved = slash < 0 ? targetBytes : [.. linkName.AsSpan(0, slash + 1), .. targetBytes];
        if (LeavesGrant(native, memory, fd, NativeProbe.FollowLinks, resolved))
        {
            return LeavesGrant(native, memory, fd, NoFollow, linkName) ? WasiErrno.OutsideGrant : WasiErrno.LinkRefused;
        }
        int errno = native.PathSymlink(oldPath, oldLen, fd, newPath, newLen);
        return WasiErrno.IsRefusal(errno) ? WasiErrno.ForRefusedChange(LeavesGrant(native, memory, fd, NoFollow, linkName)) : errno;
    }

    /// <summary>A call that changes the name at <paramref name="path"/>: a refusal is EACCES, or ENOENT when the path leads outside.</summary>
    private static int Change(Caller caller, int fd, int path, int pathLen, int lookupFlags, Func<WasiNative, int> call)
    {
        var memory = GuestMemory.Of(caller);
        var name = ReadName(memory, path, pathLen);
        if (Escapes(name))
        {
            return WasiErrno.OutsideGrant;
        }
        var native = WasiHost.Session(caller).RequireNative(caller);
        int errno = call(native);
        return WasiErrno.IsRefusal(errno) ? WasiErrno.ForRefusedChange(LeavesGrant(native, memory, fd, lookupFlags, name)) : errno;
    }

    /// <summary>The two names of a rename or link; false when either escapes lexically.</summary>
    private static bool TryReadPair(GuestMemory memory, int oldPath, int oldLen, int newPath, int newLen, out byte[] oldName, out byte[] newName)
    {
        oldName = ReadName(memory, oldPath, oldLen);
        newName = ReadName(memory, newPath, newLen);
        return !Escapes(oldName) && !Escapes(newName);
    }

    /// <summary>
    /// The type of the name a rename moves or a link copies, not following it (null when it cannot be stat'ed, say it
    /// does not exist: the call itself then answers); false when the name leads outside the grant.
    /// </summary>
    private static bool SourceInsideGrant(WasiNative native, GuestMemory memory, int fd, byte[] name, out byte? type)
    {
        int found = NativeProbe.PathFiletype(native, memory, fd, NoFollow, name, out byte filetype);
        type = found == WasiErrno.Success ? filetype : null;
        return !WasiErrno.IsRefusal(found);
    }

    /// <summary>Whether resolving <paramref name="name"/> read-only is refused too: it leads outside the grant.</summary>
    private static bool LeavesGrant(WasiNative native, GuestMemory memory, int fd, int lookupFlags, ReadOnlySpan<byte> name) =>
        WasiErrno.IsRefusal(NativeProbe.PathFiletype(native, memory, fd, lookupFlags, name, out _));

    private static byte[] ReadName(GuestMemory memory, int path, int pathLen) => memory.Span((uint)path, (uint)pathLen).ToArray();

    private static bool Escapes(byte[] name) => PathGuard.Escapes(Encoding.UTF8.GetString(name));

    private static bool Escapes(GuestMemory memory, int path, int pathLen) =>
        PathGuard.Escapes(memory.ReadUtf8((uint)path, (uint)pathLen));
}
