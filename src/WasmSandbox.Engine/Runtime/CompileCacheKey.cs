using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace WasmSandbox;

/// <summary>
/// The per-user secret that the compile cache signs its artifacts with (HMAC-SHA256), kept in the cache folder as
/// <see cref="FileName"/>. A file in the folder that this user's cache did not write for the module it is named after —
/// an artifact of another module renamed or copied over it with its trailer rewritten, or one forged outright — has no
/// valid MAC without the key, and is compiled afresh instead of loaded.
/// </summary>
/// <remarks>
/// The key is 32 random bytes, created once with <c>O_CREAT | O_EXCL</c> and mode 0600 (so creating never follows or
/// replaces anything already there, and of two processes racing to create it one wins and the other reads its key), and
/// read with the checks of every file in the folder (<see cref="CacheTrust.FileProblem"/>) plus one more: no group or
/// other bit at all, since a key others can read is no secret. It is read again at every load and store — a few
/// microseconds — so deleting it (which makes every stored artifact stale) takes effect at once. Deleting the key is
/// also how a user recovers from a key the checks refuse.
/// </remarks>
internal static class CompileCacheKey
{
    public const string FileName = "cache.key";

    public const int Length = 32;

    // How long a reader waits for a racing creator to write the key into the file it just created.
    private static readonly TimeSpan CreationGrace = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The key in <paramref name="folder"/> (already checked), created when missing and <paramref name="create"/>;
    /// (null, null) when missing and not created; otherwise a problem that names the file and the reason.
    /// </summary>
    public static (byte[]? Key, string? Problem) Get(string folder, uint? owner, bool create)
    {
        string path = Path.Combine(folder, FileName);
        var (key, problem, missing) = Read(path, owner);
        if (!missing || !create)
        {
            return (key, problem);
        }
        try
        {
            return (Create(path), null);
        }
        catch (IOException) when (File.Exists(path) || IsLink(path))
        {
            // Another process created it first: use theirs (or report what is wrong with it).
            (key, problem, _) = Read(path, owner);
            return (key, problem);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, Refused(path, $"it could not be created ({e.Message})"));
        }
    }

    private static bool IsLink(string path) => !OperatingSystem.IsWindows() && UnixFile.OfLink(path) is { IsSymbolicLink: true };

    private static byte[] Create(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        byte[] key = RandomNumberGenerator.GetBytes(Length);
        using var stream = new FileStream(path, options);
        stream.Write(key);
        stream.Flush(flushToDisk: true);
        return key;
    }

    private static (byte[]? Key, string? Problem, bool Missing) Read(string path, uint? owner)
    {
        SafeFileHandle handle;
        if (OperatingSystem.IsWindows())
        {
            try
            {
                handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                return (null, null, true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return (null, Refused(path, $"it could not be read ({e.Message})"), false);
            }
        }
        else
        {
            if (owner is null)
            {
                return (null, Refused(path, "the current user cannot be determined on this system"), false);
            }
            var (opened, problem) = CacheTrust.OpenFile(path, owner.Value, secret: true);
            if (opened is null)
            {
                return (null, problem is null ? null : Refused(path, problem), problem is null);
            }
            handle = opened;
        }
        using (handle)
        {
            try
            {
                var deadline = DateTime.UtcNow + CreationGrace;
                while (true)
                {
                    // One byte more than a key, so a longer file is noticed.
                    var buffer = new byte[Length + 1];
                    int read = RandomAccess.Read(handle, buffer, 0);
                    if (read == Length)
                    {
                        return (buffer[..Length], null, false);
                    }
                    if (read != 0 || DateTime.UtcNow > deadline)
                    {
                        return (null, Refused(path, $"it holds {read}{(read > Length ? " or more" : "")} bytes, not a {Length}-byte key"), false);
                    }
                    // Empty: its creator has not written the key yet.
                    Thread.Sleep(5);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return (null, Refused(path, $"it could not be read ({e.Message})"), false);
            }
        }
    }

    private static string Refused(string path, string why) =>
        $"the disk compile cache was skipped: its key file {path} was refused: {why}; delete it and a new key is made (the artifacts are then compiled again)";
}
