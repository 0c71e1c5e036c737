namespace WasmSandbox;

/// <summary>
/// The host directories this process has granted to guests (working directories and mounts), remembered for the life
/// of the process. A guest may have left anything in the writable ones — symbolic links included — so the sandbox
/// never follows a link that lies inside one when it resolves a later grant; and a guest may have read anything in any
/// of them, so the compile cache (whose signing key is a file) is never used from one.
/// </summary>
public static class GrantedFolders
{
    private static readonly object s_gate = new();
    private static readonly HashSet<string> s_writable = new(StringComparer.Ordinal);
    private static readonly HashSet<string> s_any = new(StringComparer.Ordinal);
    private static long s_version;

    /// <summary>
    /// Grows by one with every folder recorded, so a caller that checked a path against the grants can tell cheaply
    /// whether it must check again (folders are only ever added).
    /// </summary>
    public static long Version => Interlocked.Read(ref s_version);

    /// <summary>
    /// Records the preopens of <paramref name="policy"/>, for a start that is about to give them to a guest: before
    /// anything runs, so the compile cache refuses a folder that guest may read or write from then on. (Computing a
    /// policy grants nothing; a precompile computes one and runs no guest.)
    /// </summary>
    internal static void Record(SandboxPolicy policy)
    {
        foreach (var preopen in policy.Preopens)
        {
            Add(preopen.HostPath, preopen.Writable);
        }
    }

    /// <summary>Records <paramref name="realPath"/> (fully resolved) as granted to a guest, writable or not.</summary>
    private static void Add(string realPath, bool writable)
    {
        string path = Path.TrimEndingDirectorySeparator(realPath);
        lock (s_gate)
        {
            bool added = s_any.Add(path);
            if (writable)
            {
                added |= s_writable.Add(path);
            }
            if (added)
            {
                Interlocked.Increment(ref s_version);
            }
        }
    }

    /// <summary>A granted folder (readable or writable) that contains, is, or lies inside <paramref name="realPath"/>, or null.</summary>
    public static string? AnyOverlapping(string realPath)
    {
        string path = Path.TrimEndingDirectorySeparator(realPath);
        lock (s_gate)
        {
            return s_any.FirstOrDefault(granted => IsWithin(path, granted) || IsWithin(granted, path));
        }
    }

    /// <summary>The granted writable folder that contains (or is) <paramref name="realPath"/>, or null.</summary>
    public static string? WritableContaining(string realPath)
    {
        string path = Path.TrimEndingDirectorySeparator(realPath);
        lock (s_gate)
        {
            return s_writable.FirstOrDefault(granted => IsWithin(path, granted));
        }
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="folder"/> or lies below it (both resolved, no trailing separator).</summary>
    public static bool IsWithin(string path, string folder) =>
        path.Equals(folder, StringComparison.Ordinal)
        || folder == "/" && path.StartsWith('/')
        || path.Length > folder.Length && path.StartsWith(folder, StringComparison.Ordinal) && path[folder.Length] == Path.DirectorySeparatorChar;
}
