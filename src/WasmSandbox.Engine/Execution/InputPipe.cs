namespace WasmSandbox;

/// <summary>
/// The guest's stdin: the host writes chunks while the guest runs, the guest reads them in order, and a read waits
/// until data arrives or the host closes the pipe (end of file).
/// </summary>
internal sealed class InputPipe
{
    private readonly object _gate = new();
    private readonly Queue<byte[]> _chunks = new();
    private int _offset;
    private long _available;
    private long _consumed;
    private bool _closed;

    public void Write(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        lock (_gate)
        {
            if (_closed)
            {
                throw new InvalidOperationException("the guest's standard input is already closed");
            }
            if (data.Length == 0)
            {
                return;
            }
            _chunks.Enqueue(data);
            _available += data.Length;
            Monitor.PulseAll(_gate);
        }
    }

    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            Monitor.PulseAll(_gate);
        }
    }

    public bool IsClosed
    {
        get { lock (_gate) { return _closed; } }
    }

    /// <summary>Bytes readable without waiting, and whether a read would return end of file.</summary>
    public (long Available, bool AtEnd) Status
    {
        get { lock (_gate) { return (_available, _closed && _available == 0); } }
    }

    /// <summary>Bytes the guest has read so far: the one count behind the StdinBytes figure.</summary>
    public long Consumed
    {
        get { lock (_gate) { return _consumed; } }
    }

    /// <summary>Waits until a read would not block (data or end of file) or <paramref name="timeout"/> passes.</summary>
    public bool WaitReadable(TimeSpan timeout, CancellationToken cancel)
    {
        var deadline = timeout == Timeout.InfiniteTimeSpan ? DateTime.MaxValue : DateTime.UtcNow + timeout;
        lock (_gate)
        {
            using var wake = cancel.Register(() => { lock (_gate) { Monitor.PulseAll(_gate); } });
            while (_available == 0 && !_closed)
            {
                cancel.ThrowIfCancellationRequested();
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    return false;
                }
                Monitor.Wait(_gate, left > TimeSpan.FromDays(1) ? TimeSpan.FromDays(1) : left);
            }
            return true;
        }
    }

    /// <summary>
    /// Copies waiting bytes into <paramref name="destination"/>. Waits only while nothing is waiting and the pipe is
    /// open; returns 0 at end of file. Throws <see cref="OperationCanceledException"/> when the execution ends first.
    /// </summary>
    public int Read(Span<byte> destination, CancellationToken cancel)
    {
        if (destination.IsEmpty)
        {
            return 0;
        }
        lock (_gate)
        {
            if (_available == 0 && !_closed)
            {
                using var wake = cancel.Register(() => { lock (_gate) { Monitor.PulseAll(_gate); } });
                while (_available == 0 && !_closed)
                {
                    cancel.ThrowIfCancellationRequested();
                    Monitor.Wait(_gate);
                }
            }
            int copied = 0;
            while (copied < destination.Length && _chunks.Count > 0)
            {
                var chunk = _chunks.Peek();
                int n = Math.Min(chunk.Length - _offset, destination.Length - copied);
                chunk.AsSpan(_offset, n).CopyTo(destination[copied..]);
                copied += n;
                _offset += n;
                if (_offset == chunk.Length)
                {
                    _chunks.Dequeue();
                    _offset = 0;
                }
            }
            _available -= copied;
            _consumed += copied;
            return copied;
        }
    }
}
