using System.Text;
using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// The per-store state the sandbox's host functions work with: the execution's event queue and stdin, its clock and
/// random source, which descriptors are its stdio, the route to Wasmtime's native WASI, and the output accounting. Used only on the guest's thread.
/// </summary>
internal sealed class GuestSession
{
    private readonly long? _maxOutputBytes;
    private readonly SignalLineFilter _stdout;
    private byte[]? _chunk;
    private bool _finishing;
    private long _stdoutBytes;
    private long _stderrBytes;
    private long _lastRpcId;

    public GuestSession(WasmExecution execution, SandboxPolicy policy, WasmStdioMode mode)
    {
        Execution = execution;
        Policy = policy;
        Mode = mode;
        Clock = new GuestClock(policy, execution.StartTime);
        Random = new GuestRandom(policy.RandomSeed);
        _maxOutputBytes = policy.Limits.MaxOutputBytes;
        _stdout = new SignalLineFilter(OnStdout, registration => Post(registration.ToEvent()));
        OpenFiles = new OpenFileAccount(policy.Limits.MaxOpenFiles);
    }

    /// <summary>The host descriptors the guest holds open (files and directories it opened), bounded by the policy.</summary>
    public OpenFileAccount OpenFiles { get; }

    public WasmExecution Execution { get; }

    /// <summary>What the execution was granted; the host functions decide nothing else.</summary>
    public SandboxPolicy Policy { get; }

    public WasmStdioMode Mode { get; }

    /// <summary>What clock_time_get reads and poll_oneoff's clock subscriptions wait on.</summary>
    public GuestClock Clock { get; }

    /// <summary>What random_get fills guest memory from.</summary>
    public GuestRandom Random { get; }

    /// <summary>Which descriptor numbers are the sandbox's stdin, stdout and stderr now.</summary>
    public StdioDescriptors Stdio { get; } = new();

    /// <summary>
    /// Makes the route to Wasmtime's own WASI over the guest's memory. Set by the runner; used on the first call that
    /// needs it, so a guest that only touches stdio (most short runs) never pays for it.
    /// </summary>
    public Func<Memory, WasiNative>? NativeFactory { get; set; }

    private WasiNative? _native;

    public InputPipe Input => Execution.Input;

    public CancellationToken Cancel => Execution.CancelToken;

    public WasiNative RequireNative(Caller caller)
    {
        if (_native is null)
        {
            var memory = caller.GetMemory("memory")
                ?? throw new GuestFaultException("WASI file functions need the guest to export its memory as 'memory'");
            _native = (NativeFactory ?? throw new InvalidOperationException("the session has no route to Wasmtime's WASI"))(memory);
        }
        return _native;
    }

    /// <summary>Ends the guest promptly if the host asked it to end (timeout, stop, output limit).</summary>
    public void ThrowIfInterrupted()
    {
        var reason = Execution.Interrupt;
        if (reason != InterruptReason.None)
        {
            throw new SandboxInterruptException(reason);
        }
    }

    /// <summary>
    /// Delivers what the guest wrote to its stdout or stderr stream. Waits while the reader is behind (back-pressure); ends the guest
    /// when it exceeds its output limit, after delivering exactly the bytes that fit — including any the control-line
    /// filter still held — so nothing within the limit is lost.
    /// </summary>
    public void WriteOutput(StdioStream stream, byte[] data)
    {
        int fits = AdmitOutput(stream, data.Length);
        if (fits < data.Length)
        {
            if (fits > 0)
            {
                Deliver(stream, data.AsSpan(0, fits).ToArray());
            }
            EndAtOutputLimit();
        }
        Deliver(stream, data);
    }

    /// <summary>
    /// Counts <paramref name="length"/> bytes the guest writes to <paramref name="stream"/> (stdout or stderr) against
    /// <c>-MaxOutputBytes</c> (stdout and stderr together, in every stdio mode) and returns how many of them are within
    /// it. When that is fewer than asked, deliver those and then call <see cref="EndAtOutputLimit"/>. This is the one
    /// place output is counted: the limit and the StdoutBytes/StderrBytes figures of the exited event read the same counts.
    /// </summary>
    public int AdmitOutput(StdioStream stream, int length)
    {
        long used = _stdoutBytes + _stderrBytes;
        int fits = _maxOutputBytes is not long max || used + length <= max ? length : (int)Math.Max(0, max - used);
        if (stream == StdioStream.Stderr)
        {
            Volatile.Write(ref _stderrBytes, _stderrBytes + fits);
        }
        else
        {
            Volatile.Write(ref _stdoutBytes, _stdoutBytes + fits);
        }
        return fits;
    }

    /// <summary>Bytes of stdout admitted so far (what the host received or is about to).</summary>
    public long StdoutBytes => Volatile.Read(ref _stdoutBytes);

    /// <summary>Bytes of stderr admitted so far; the sandbox's own note is not counted.</summary>
    public long StderrBytes => Volatile.Read(ref _stderrBytes);

    /// <summary>
    /// Ends the guest at its output limit. Stdout the control-line filter still holds was counted within the limit
    /// when it was written, so it is delivered first (without waiting for the reader: these are the guest's last
    /// words). The sandbox's note follows from the outcome, as for every end.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public void EndAtOutputLimit()
    {
        _finishing = true;
        _stdout.Flush();
        Execution.RequestInterrupt(InterruptReason.OutputLimitExceeded);
        throw new SandboxInterruptException(InterruptReason.OutputLimitExceeded);
    }

    private void Deliver(StdioStream stream, byte[] data)
    {
        if (stream == StdioStream.Stderr)
        {
            Post(new WasmStderrEvent(data));
            return;
        }
        _chunk = data;
        try
        {
            _stdout.Write(data);
        }
        finally
        {
            _chunk = null;
        }
    }

    private void OnStdout(ReadOnlySpan<byte> run)
    {
        // Most writes hold no control line and pass through whole: reuse the copy already made of guest memory.
        var bytes = _chunk is not null && run.Length == _chunk.Length && run.Overlaps(_chunk) ? _chunk : run.ToArray();
        Post(new WasmStdoutEvent(bytes));
    }

    /// <summary>
    /// At the guest's end: releases stdout the control-line filter still holds (a partial marker), without waiting
    /// for the reader — the exited event must follow whether or not anyone reads.
    /// </summary>
    public void Finish()
    {
        _finishing = true;
        _stdout.Flush();
    }

    /// <summary>Posts an event, turning a wait cut short by timeout or stop into the guest's end.</summary>
    public void Post(WasmEvent e)
    {
        if (!_finishing && Execution.Outcome.Decision is not null)
        {
            // The execution was ended without this thread (stuck in a host call): nothing more is delivered.
            throw new SandboxInterruptException(Execution.Interrupt);
        }
        if (_finishing)
        {
            Execution.Queue.Post(e, CancellationToken.None, ignoreCapacity: true);
            return;
        }
        try
        {
            Execution.Queue.Post(e, Cancel);
        }
        catch (OperationCanceledException)
        {
            throw new SandboxInterruptException(Execution.Interrupt);
        }
    }

    /// <summary>A line on the guest's stderr stream written by the sandbox itself, prefixed so it cannot be mistaken for the guest's.</summary>
    public static void PostNote(WasmExecution execution, string message) =>
        execution.Queue.Post(new WasmStderrEvent(Encoding.UTF8.GetBytes($"wasmsandbox: {message}\n"), fromSandbox: true), CancellationToken.None, ignoreCapacity: true);

    /// <summary>Kernel mode: posts a request and blocks the guest until the host answers it (or the execution ends).</summary>
    public SyncRpcAnswer CallHost(string method, object[] args)
    {
        var call = new SyncRpcCall();
        Execution.TrackRpc(call);
        Post(new WasmSyncRpcRequestEvent(++_lastRpcId, method, args, call));
        try
        {
            return call.Wait(Cancel);
        }
        catch (OperationCanceledException)
        {
            throw new SandboxInterruptException(Execution.Interrupt);
        }
    }
}
