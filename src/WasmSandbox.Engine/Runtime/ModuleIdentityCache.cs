using System.Runtime.CompilerServices;

namespace WasmSandbox;

/// <summary>
/// What the process already worked out about module content, so an unchanged module is not read, hashed and inspected
/// again at every start. For a module file: by resolved path, the <see cref="FileIdentity"/> of the file that was read
/// (device, inode, size, modification and status-change times, from fstat on the very handle that was read), the
/// SHA-256 of that content, and the inspection report per <see cref="ModuleInspectionKey"/>. For a context made from
/// bytes: the same per byte array (a context copies its bytes and never changes them), for as long as the array lives.
/// It never holds module bytes (except the binary converted from a context's text, which lives with the context).
/// <para>
/// Trust: an entry is used only when a fresh open of the path yields the same identity, so any write (size, mtime or,
/// when the mtime was set back, the ctime), a rename of another file over the path or a symbolic link moved elsewhere
/// (the inode of the file opened) misses. A file is remembered only when it did not change while it was read and its
/// ctime is older than <see cref="SettleTime"/> (git's "racy clean" rule): a write in the same timestamp tick as the
/// read could otherwise leave the identity unchanged. What a hit skips is only the reading: when the module must be
/// compiled, its bytes are read again and checked against the remembered SHA-256 (<see cref="ReadModule"/>), and a
/// mismatch (content changed in place without changing the identity) is inspected as new content.
/// </para>
/// <para>
/// Linux only: elsewhere <see cref="UnixFile.IdentityOf"/> answers null and every start reads, hashes and inspects the
/// file as before. Bounded: at most <see cref="MaxEntries"/> paths and <see cref="MaxReportBytes"/> of reports (an
/// estimate of the strings they hold), least recently used dropped first.
/// </para>
/// </summary>
internal sealed class ModuleIdentityCache
{
    /// <summary>The cache every start of the process uses.</summary>
    public static ModuleIdentityCache Shared { get; } = new();

    private readonly object _gate = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _byPath = new(StringComparer.Ordinal);
    // Most recently used first.
    private readonly LinkedList<Entry> _order = new();
    private readonly ConditionalWeakTable<byte[], BytesEntry> _bytes = new();
    private long _reportBytes;

    public ModuleIdentityCache(int maxEntries = 256, long maxReportBytes = 16L * 1024 * 1024, TimeSpan? settleTime = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEntries);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxReportBytes);
        MaxEntries = maxEntries;
        MaxReportBytes = maxReportBytes;
        SettleTime = settleTime ?? TimeSpan.FromSeconds(2);
    }

    public int MaxEntries { get; }

    public long MaxReportBytes { get; }

    /// <summary>
    /// How long ago a file's last change must be for it to be remembered: longer than the coarsest timestamp
    /// granularity of the file systems it may be on (FAT's 2 s), so any later write gives it another ctime.
    /// </summary>
    public TimeSpan SettleTime { get; }

    /// <summary>How many paths are remembered.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byPath.Count;
            }
        }
    }

    /// <summary>The estimated size of the reports held.</summary>
    public long ReportBytes
    {
        get
        {
            lock (_gate)
            {
                return _reportBytes;
            }
        }
    }

    /// <summary>The SHA-256 and report remembered for <paramref name="path"/> when the file now there is the one that was read.</summary>
    public bool TryGet(string path, FileIdentity identity, ModuleInspectionKey key, out string sha256, out WasmModuleReport report)
    {
        lock (_gate)
        {
            if (_byPath.TryGetValue(path, out var node) && node.Value.Identity == identity
                && node.Value.Reports.TryGetValue(key, out report!))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                sha256 = node.Value.Sha256;
                return true;
            }
        }
        sha256 = null!;
        report = null!;
        return false;
    }

    /// <summary>
    /// Remembers that the file at <paramref name="path"/> with <paramref name="identity"/> holds the content of
    /// <paramref name="sha256"/>, runnable with <paramref name="report"/> under <paramref name="key"/>. Ignored unless
    /// the file was unchanged while read (<paramref name="after"/>, its identity once read, equals <paramref name="identity"/>) and
    /// settled (its ctime at least <see cref="SettleTime"/> before <paramref name="readStartedUtc"/>).
    /// </summary>
    public void Remember(string path, FileIdentity identity, FileIdentity? after, DateTime readStartedUtc, string sha256,
        ModuleInspectionKey key, WasmModuleReport report)
    {
        long settledBefore = (readStartedUtc - DateTime.UnixEpoch - SettleTime).Ticks * 100;
        if (after != identity || identity.ChangedNs >= settledBefore)
        {
            return;
        }
        long weight = Weigh(report);
        if (weight > MaxReportBytes / 4)
        {
            return; // one outsized report would push out everything else; it is inspected at each start instead
        }
        lock (_gate)
        {
            if (_byPath.TryGetValue(path, out var node) && (node.Value.Identity != identity || node.Value.Sha256 != sha256))
            {
                Drop(node);
                node = null;
            }
            if (node is null)
            {
                node = _order.AddFirst(new Entry(path, identity, sha256));
                _byPath[path] = node;
            }
            else
            {
                _order.Remove(node);
                _order.AddFirst(node);
            }
            if (node.Value.Reports.TryAdd(key, report))
            {
                node.Value.Weight += weight;
                _reportBytes += weight;
            }
            while (_byPath.Count > MaxEntries || _reportBytes > MaxReportBytes)
            {
                Drop(_order.Last!);
            }
        }
    }

    /// <summary>Forgets <paramref name="path"/>: what was remembered for it turned out not to be its content.</summary>
    public void Forget(string path)
    {
        lock (_gate)
        {
            if (_byPath.TryGetValue(path, out var node))
            {
                Drop(node);
            }
        }
    }

    /// <summary>
    /// The SHA-256 and report of a context's bytes under <paramref name="key"/>: <paramref name="check"/> (which returns
    /// the checked binary — the bytes themselves, or the binary converted from text — and the report) runs once per
    /// options, <paramref name="hash"/> once per byte array.
    /// </summary>
    public (byte[] Checked, string Sha256, WasmModuleReport Report) ForBytes(byte[] given, ModuleInspectionKey key,
        Func<(byte[] Checked, WasmModuleReport Report)> check, Func<byte[], string> hash)
    {
        var entry = _bytes.GetValue(given, static _ => new BytesEntry());
        lock (entry)
        {
            if (entry.Reports.TryGetValue(key, out var known))
            {
                return (entry.Checked!, entry.Sha256!, known);
            }
            // A refusal throws here and is not remembered: the next start judges again.
            var (checkedBytes, report) = check();
            if (entry.Sha256 is null)
            {
                entry.Sha256 = hash(checkedBytes);
                entry.Checked = checkedBytes;
            }
            entry.Reports[key] = report;
            return (entry.Checked!, entry.Sha256, report);
        }
    }

    private void Drop(LinkedListNode<Entry> node)
    {
        _order.Remove(node);
        _byPath.Remove(node.Value.Path);
        _reportBytes -= node.Value.Weight;
    }

    /// <summary>An estimate of the memory a report holds: its strings (two bytes a character) and a little per item.</summary>
    private static long Weigh(WasmModuleReport report)
    {
        const long item = 64;
        long weight = 256 + report.Path.Length * 2L;
        foreach (var import in report.Imports)
        {
            weight += item + (import.Module.Length + import.Name.Length + import.Type.Length) * 2L;
        }
        foreach (var export in report.Exports)
        {
            weight += item + (export.Name.Length + export.Type.Length) * 2L;
        }
        foreach (var problem in report.Problems)
        {
            weight += item + (problem.Code.Length + problem.Message.Length) * 2L;
        }
        return weight + report.Memories.Count * item;
    }

    private sealed class Entry(string path, FileIdentity identity, string sha256)
    {
        public string Path { get; } = path;

        public FileIdentity Identity { get; } = identity;

        public string Sha256 { get; } = sha256;

        public Dictionary<ModuleInspectionKey, WasmModuleReport> Reports { get; } = [];

        public long Weight { get; set; }
    }

    private sealed class BytesEntry
    {
        public byte[]? Checked { get; set; }

        public string? Sha256 { get; set; }

        public Dictionary<ModuleInspectionKey, WasmModuleReport> Reports { get; } = [];
    }
}
