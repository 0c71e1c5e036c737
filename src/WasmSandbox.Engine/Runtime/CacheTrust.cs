using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace WasmSandbox;

/// <summary>
/// Decides whether the compile cache may trust a folder and the files in it. An artifact is native code that Wasmtime
/// runs without checking it, so the folder must be one that only the user (or root) can change, and no guest of this
/// process may ever have been able to write into it.
/// </summary>
/// <remarks>
/// <para>The rules (Unix; on Windows only the grant rule applies, and the profile's ACL protects the folder):</para>
/// <list type="number">
/// <item>The folder is not a folder granted to a guest of this process (read-only grants included: a guest that can
/// read the key can sign artifacts), does not lie inside one and contains none
/// (<see cref="GrantedFolders.AnyOverlapping"/>); a grant made after the cache was in use stops it from then on, since
/// every load and store asks again, and once that execution's store is gone its key is deleted, so what it could have read or
/// forged is worthless to later processes too (<see cref="DiskCompileCache.RevokeKey"/>).</item>
/// <item>Every component of its absolute path, from <c>/</c> down to the folder itself, is examined with <c>lstat</c>
/// (never followed): it must be a folder — a symbolic link anywhere is refused, even one root made, because what it
/// points to is not what the path names — owned by the current user or root.</item>
/// <item>The folder itself is writable by no one but its owner (no group or other write bit; it is created 0700).</item>
/// <item>A parent writable by group or others is accepted only with the sticky bit (like <c>/tmp</c>, mode 1777): in a
/// sticky folder only an entry's owner, the folder's owner or root may rename or remove the entry, and the next
/// component has just been checked to belong to the user or root, so no other user can swap it for a folder or link of
/// their own. Without the sticky bit anyone with write access could rename the next component away and put their own
/// in its place, so such a parent is refused, as OpenSSH's StrictModes does.</item>
/// <item>Files in it (artifacts and the key) are opened with <c>O_NOFOLLOW</c> and checked on the open handle: a
/// regular file owned by the current user, writable by no one else, with exactly one link (a hard link would let the
/// same inode be changed through a name in another folder).</item>
/// </list>
/// <para>These checks stop other users and guests of this process. They cannot stop the user's own programs: another
/// process of the same user that grants the cache folder to a guest is outside what this process can see, which is
/// why artifacts also carry a keyed MAC (<see cref="CompileCacheKey"/>).</para>
/// </remarks>
internal static class CacheTrust
{
    /// <summary>
    /// Why <paramref name="folder"/> must not hold a compile cache because a guest of this process could write into
    /// it (a predicate: "lies inside /x, which ..."), or null.
    /// </summary>
    public static string? GrantProblem(string folder)
    {
        if (GrantedFolders.AnyOverlapping(folder) is not { } granted)
        {
            return null;
        }
        const string Why = "a guest of this process (which could read its signing key, or write into it)";
        return granted == folder ? $"was granted to {Why}"
            : GrantedFolders.IsWithin(folder, granted) ? $"lies inside {granted}, which was granted to {Why}"
            : $"contains {granted}, which was granted to {Why}";
    }

    /// <summary>
    /// Checks the folder chain of <paramref name="folder"/> (a full path without a trailing separator), creating the
    /// missing components private to the user; the reason it must not be used, or null.
    /// </summary>
    [UnsupportedOSPlatform("windows")]
    public static string? FolderProblem(string folder, uint owner)
    {
        string[] parts = folder.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string path = "/";
        for (int i = -1; i < parts.Length; i++)
        {
            if (i >= 0)
            {
                path = i == 0 ? "/" + parts[0] : path + "/" + parts[i];
            }
            bool last = i == parts.Length - 1;
            var status = UnixFile.OfLink(path);
            if (status is null)
            {
                // Missing (or unreadable): create it private to the user. mkdir never follows a link in the last
                // component, and the folders above have just passed their checks, so what is created is checked next.
                try
                {
                    Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return $"{Name(path, last)} could not be created or read ({e.Message})";
                }
                status = UnixFile.OfLink(path);
                if (status is null)
                {
                    return $"{Name(path, last)} could not be examined";
                }
            }
            if (ComponentProblem(status.Value, owner, last) is { } why)
            {
                return $"{Name(path, last)} {why}";
            }
        }
        return null;
    }

    private static string? ComponentProblem(UnixFileStatus status, uint owner, bool last)
    {
        if (status.IsSymbolicLink)
        {
            return "is a symbolic link (a cache folder is trusted only by its real path; name that instead)";
        }
        if (!status.IsDirectory)
        {
            return $"is {status.Kind}, not a folder";
        }
        if (status.Owner != owner && status.Owner != 0)
        {
            return $"is owned by user {status.Owner}, not by user {owner} or root";
        }
        if (status.WritableByOthers && (last || !status.IsSticky))
        {
            return last
                ? $"is writable by group or others (mode {status.Octal}); make it private with chmod 700"
                : $"is writable by group or others without the sticky bit (mode {status.Octal}), so another user could replace what lies below it";
        }
        return null;
    }

    private static string Name(string path, bool last) => last ? $"its folder {path}" : $"its parent folder {path}";

    /// <summary>
    /// Opens the file at <paramref name="path"/> in a checked folder for reading, never through a symbolic link, and
    /// checks it on the handle (<see cref="FileProblem"/>). A missing file is (null, null).
    /// </summary>
    [UnsupportedOSPlatform("windows")]
    public static (SafeFileHandle? Handle, string? Problem) OpenFile(string path, uint owner, bool secret)
    {
        var handle = UnixFile.OpenNoFollow(path, out string? error);
        if (handle is null)
        {
            // Named by what is there rather than by errno: ELOOP for a link is spelled differently on each system.
            var there = UnixFile.OfLink(path);
            return there switch
            {
                null => (null, null),
                { IsSymbolicLink: true } => (null, "it is a symbolic link"),
                _ => (null, $"it could not be opened ({error})"),
            };
        }
        if (FileProblem(handle, owner, secret) is { } why)
        {
            handle.Dispose();
            return (null, why);
        }
        return (handle, null);
    }

    /// <summary>
    /// Why the open file must not be trusted, or null when only its owner — the current user — can have written it:
    /// a regular file, owned by <paramref name="owner"/>, writable by no one else (readable by no one else either when
    /// <paramref name="secret"/>), with exactly one link.
    /// </summary>
    [UnsupportedOSPlatform("windows")]
    public static string? FileProblem(SafeFileHandle handle, uint owner, bool secret)
    {
        if (UnixFile.Of(handle) is not { } status)
        {
            return "it could not be examined";
        }
        if (!status.IsRegularFile)
        {
            return $"it is {status.Kind}, not a regular file";
        }
        if (status.Owner != owner)
        {
            return $"it is owned by user {status.Owner}, not by user {owner}";
        }
        if (secret && status.AccessibleByOthers)
        {
            return $"it is readable or writable by group or others (mode {status.Octal}), so it is no secret";
        }
        if (status.WritableByOthers)
        {
            return $"it is writable by group or others (mode {status.Octal})";
        }
        if (status.LinkCount != 1)
        {
            return $"it has {status.LinkCount} hard links, so it can be changed through a name outside the cache folder";
        }
        return null;
    }
}
