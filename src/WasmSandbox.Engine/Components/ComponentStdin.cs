using System.Globalization;
using System.IO.Pipes;

namespace WasmSandbox;

/// <summary>
/// A component's stdin: Wasmtime's WASI preview 2 reads stdin only from a file it opens by path, so the execution's
/// input (<see cref="InputPipe"/>: pipeline input, and later writes while <c>-KeepInputOpen</c> holds it open) is
/// pumped into an anonymous pipe whose read end Wasmtime opens as <c>/proc/self/fd/N</c> (<c>/dev/fd/N</c> on macOS).
/// The guest's reads then stream and block like any pipe's; end of input closes the write end, which the guest reads
/// as end of file. One thread per execution pumps, and it ends with the execution: when the input closes, when the
/// host ends the execution (the write end is closed, so a guest blocked on stdin wakes with end of file and the epoch
/// ends it), or when the guest's store is gone (the write fails).
/// </summary>
/// <remarks>
/// The StdinBytes figure counts what was pumped into the pipe, which may run up to the pipe's buffer (64 KiB on
/// Linux) ahead of what the guest read. Windows has no path for an anonymous pipe's handle: there a component's stdin
/// is empty, and input written to it is refused when the execution starts (<see cref="IsSupported"/>).
/// </remarks>
internal sealed class ComponentStdin : IDisposable
{
    private readonly InputPipe _input;
    private readonly CancellationToken _cancel;
    private readonly AnonymousPipeServerStream _writer;
    private int _readEndReleased;
    private bool _started;

    /// <summary>Whether this platform can hand a pipe to Wasmtime by path.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS();

    public ComponentStdin(InputPipe input, CancellationToken cancel)
    {
        _input = input;
        _cancel = cancel;
        _writer = new AnonymousPipeServerStream(PipeDirection.Out, HandleInheritability.None);
        string folder = OperatingSystem.IsLinux() ? "/proc/self/fd/" : "/dev/fd/";
        Path = folder + _writer.ClientSafePipeHandle.DangerousGetHandle().ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The path Wasmtime opens the read end by.</summary>
    public string Path { get; }

    /// <summary>
    /// Closes this process's own read end once Wasmtime has opened its own (after the store took the WASI
    /// configuration), so that the pipe's only reader is the guest's store: when the store goes, a blocked write fails.
    /// </summary>
    public void ReleaseReadEnd()
    {
        if (Interlocked.Exchange(ref _readEndReleased, 1) == 0)
        {
            _writer.DisposeLocalCopyOfClientHandle();
        }
    }

    /// <summary>Starts the pump thread.</summary>
    public void Start()
    {
        var thread = new Thread(Pump, maxStackSize: 256 * 1024) { IsBackground = true, Name = "wasmsandbox component stdin" };
        thread.Start();
        _started = true;
    }

    private void Pump()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                int n = _input.Read(buffer, _cancel);
                if (n == 0)
                {
                    break;
                }
                _writer.Write(buffer, 0, n);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Ended by the host, or the guest's store (the only reader) is gone.
        }
        finally
        {
            _writer.Dispose();
        }
    }

    /// <summary>
    /// Releases the read end if the store never took it, and the write end if the pump never started (the start
    /// failed on the way); a running pump closes the write end itself.
    /// </summary>
    public void Dispose()
    {
        ReleaseReadEnd();
        if (!_started)
        {
            _writer.Dispose();
        }
    }
}
