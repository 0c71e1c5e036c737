namespace WasmSandbox;

/// <summary>The sandbox's three stdio streams, as open descriptions (not fd numbers).</summary>
internal enum StdioStream
{
    Stdin = 0,
    Stdout = 1,
    Stderr = 2,
}

/// <summary>
/// Which guest descriptor numbers refer to the sandbox's stdio streams right now. The streams start at fds 0, 1 and 2;
/// fd_close ends one, fd_renumber moves one (and ends whatever its target was), as on POSIX and in Wasmtime, so a
/// guest that closes fd 2 and opens a file (which then gets number 2), or renumbers a file onto fd 1, writes to that
/// file, not to the stderr/stdout events. WASI preview 1 has no dup, so a stream has at most one number.
/// </summary>
/// <remarks>
/// Wasmtime's own WASI keeps a stdio descriptor of its own at the same numbers (the store's WASI configuration gives
/// it empty stdin and discarding stdout/stderr, none of them a terminal), so its descriptor table and this map always
/// agree on which numbers are open: calls the sandbox does not override (fd_filestat_get, fd_seek, fd_fdstat_get, ...)
/// answer for a stdio fd exactly as Wasmtime answers for a captured stream. Used on the guest's thread only.
/// </remarks>
internal sealed class StdioDescriptors
{
    private const int NotOpen = -1;

    // The fd each stream goes by, or NotOpen; indexed by StdioStream. Three entries: a scan beats any map.
    private readonly int[] _fdOf = { 0, 1, 2 };

    /// <summary>The stream <paramref name="fd"/> refers to, or null when it is some other descriptor (or none).</summary>
    public StdioStream? Find(int fd)
    {
        if (fd < 0)
        {
            return null;
        }
        for (int s = 0; s < _fdOf.Length; s++)
        {
            if (_fdOf[s] == fd)
            {
                return (StdioStream)s;
            }
        }
        return null;
    }

    public bool Is(int fd, StdioStream stream) => fd >= 0 && _fdOf[(int)stream] == fd;

    /// <summary>fd_close(<paramref name="fd"/>) succeeded.</summary>
    public void Closed(int fd)
    {
        if (Find(fd) is StdioStream s)
        {
            _fdOf[(int)s] = NotOpen;
        }
    }

    /// <summary>fd_renumber(<paramref name="from"/>, <paramref name="to"/>) succeeded: <paramref name="to"/> was closed and <paramref name="from"/> now goes by <paramref name="to"/>.</summary>
    public void Renumbered(int from, int to)
    {
        if (from == to)
        {
            return;
        }
        var moved = Find(from);
        Closed(to);
        if (moved is StdioStream s)
        {
            _fdOf[(int)s] = to;
        }
    }
}
