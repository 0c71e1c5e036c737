namespace WasmSandbox;

/// <summary>
/// The accounting point for host descriptors one execution holds through WASI (files and directories it opened with
/// path_open). Each open first takes a slot here — one of the execution's <see cref="SandboxLimits.MaxOpenFiles"/>
/// and one of the process-wide <see cref="HostDescriptorReserve"/> — and gives it back when the descriptor is closed
/// (fd_close, or fd_renumber closing its target) or when the execution ends and its store closes everything. Past the
/// execution's cap the guest gets EMFILE, past the process-wide one ENFILE; the host never runs out.
/// </summary>
/// <remarks>
/// Stdio (fds 0-2) and preopens are not counted: they exist before the guest runs and cannot be multiplied. Used on
/// the guest's thread; the runner calls <see cref="ReleaseAll"/> there once the store, and with it every descriptor
/// Wasmtime held for the guest, is gone (a guest thread stuck in a host call keeps its slots until then, as it keeps
/// its descriptors).
/// </remarks>
internal sealed class OpenFileAccount
{
    private readonly object _gate = new();
    private readonly HashSet<int> _counted = new();
    private readonly int _max;
    private int _pending;
    private bool _released;

    /// <param name="max">Descriptors the guest may hold at once (<see cref="SandboxLimits.MaxOpenFiles"/>).</param>
    public OpenFileAccount(int max) => _max = max;

    /// <summary>Descriptors counted now (opened and not yet closed, plus an open under way).</summary>
    public int Count
    {
        get { lock (_gate) { return _counted.Count + _pending; } }
    }

    /// <summary>
    /// Takes a slot for one open, or returns the errno the guest gets instead: EMFILE at the execution's cap, ENFILE
    /// when all guests together hold the process's share. Follow with <see cref="Opened"/> or <see cref="Abandon"/>.
    /// </summary>
    public int TryReserve()
    {
        lock (_gate)
        {
            if (_released)
            {
                return WasiErrno.Badf;
            }
            if (_counted.Count + _pending >= _max)
            {
                return WasiErrno.Mfile;
            }
            if (!HostDescriptorReserve.TryTake())
            {
                return WasiErrno.Nfile;
            }
            _pending++;
            return WasiErrno.Success;
        }
    }

    /// <summary>The reserved open succeeded and made <paramref name="fd"/>.</summary>
    public void Opened(int fd)
    {
        lock (_gate)
        {
            _pending--;
            if (!_counted.Add(fd))
            {
                // Wasmtime never hands out a number that is still open; if it did, one descriptor stands behind it.
                HostDescriptorReserve.Give(1);
            }
        }
    }

    /// <summary>The reserved open failed: nothing was made.</summary>
    public void Abandon()
    {
        lock (_gate)
        {
            _pending--;
            HostDescriptorReserve.Give(1);
        }
    }

    /// <summary>fd_close of <paramref name="fd"/> succeeded.</summary>
    public void Closed(int fd)
    {
        lock (_gate)
        {
            if (_counted.Remove(fd))
            {
                HostDescriptorReserve.Give(1);
            }
        }
    }

    /// <summary>fd_renumber(<paramref name="from"/>, <paramref name="to"/>) succeeded: <paramref name="to"/>'s old file was closed and <paramref name="from"/> now goes by <paramref name="to"/>.</summary>
    public void Renumbered(int from, int to)
    {
        if (from == to)
        {
            return;
        }
        lock (_gate)
        {
            bool fromCounted = _counted.Remove(from);
            bool toCounted = _counted.Remove(to);
            if (toCounted)
            {
                HostDescriptorReserve.Give(1);
            }
            if (fromCounted)
            {
                _counted.Add(to);
            }
        }
    }

    /// <summary>The store is gone, and with it every descriptor: give all slots back (once).</summary>
    public void ReleaseAll()
    {
        lock (_gate)
        {
            if (_released)
            {
                return;
            }
            _released = true;
            HostDescriptorReserve.Give(_counted.Count + _pending);
            _counted.Clear();
            _pending = 0;
        }
    }
}

/// <summary>
/// The process-wide share of descriptors all guests together may hold: the process's descriptor limit
/// (RLIMIT_NOFILE, soft) less a reserve kept for the host itself of a quarter of it or <see cref="MinHostReserve"/>,
/// whichever is larger. The host's own file operations, new executions and PowerShell never find the table full
/// because of guests.
/// </summary>
internal static class HostDescriptorReserve
{
    /// <summary>Descriptors always left to the host, at least.</summary>
    public const int MinHostReserve = 256;

    /// <summary>The share used where the process has no descriptor limit to read (Windows): handles are not scarce there.</summary>
    public const int UnlimitedShare = 65536;

    private static readonly Lazy<int> s_share = new(ComputeShare);
    private static int s_taken;

    /// <summary>How many descriptors all guests together may hold.</summary>
    public static int Share => s_share.Value;

    /// <summary>How many they hold now.</summary>
    public static int Taken => Volatile.Read(ref s_taken);

    /// <summary>The share for a process whose soft descriptor limit is <paramref name="limit"/>.</summary>
    public static int ShareFor(ulong limit)
    {
        ulong capped = Math.Min(limit, int.MaxValue);
        ulong reserve = Math.Max(capped / 4, MinHostReserve);
        return capped > reserve ? (int)Math.Min(capped - reserve, UnlimitedShare * 16UL) : 0;
    }

    public static bool TryTake()
    {
        int share = Share;
        while (true)
        {
            int taken = Volatile.Read(ref s_taken);
            if (taken >= share)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref s_taken, taken + 1, taken) == taken)
            {
                return true;
            }
        }
    }

    public static void Give(int count)
    {
        if (count > 0)
        {
            Interlocked.Add(ref s_taken, -count);
        }
    }

    private static int ComputeShare()
    {
        if (OperatingSystem.IsWindows())
        {
            return UnlimitedShare;
        }
        // Where the limit cannot be read, assume the common 1024, which leaves the host 256.
        return ShareFor(ProcessResourceLimit.TryGetSoft(ProcessResourceLimit.OpenFiles, out ulong limit) ? limit : 1024);
    }
}
