using System.Diagnostics;
using WasmSandbox.Benchmarks.Measurement;

namespace WasmSandbox.Benchmarks.Peers;

/// <summary>
/// A workload as a fresh process — the native gcc build, or a one-shot <c>node run-node.mjs</c> — timed from
/// process start until it has exited and its stdout is read to the end. Stdin is fed from a file and stdout read
/// through pipes, so the bytes move much as they do through the sandbox.
/// </summary>
internal sealed class ProcessPeer : IWorkloadPeer
{
    private const int BufferBytes = 64 * 1024;

    private readonly string _fileName;
    private readonly IReadOnlyList<string> _arguments;
    private readonly string _workingDirectory;
    private readonly string? _stdinPath;

    public ProcessPeer(string name, string fileName, IReadOnlyList<string> arguments, string workingDirectory, string? stdinPath)
    {
        Name = name;
        _fileName = fileName;
        _arguments = arguments;
        _workingDirectory = workingDirectory;
        _stdinPath = stdinPath;
    }

    public string Name { get; }

    public PeerRun Run(bool verify)
    {
        var info = new ProcessStartInfo(_fileName)
        {
            WorkingDirectory = _workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in _arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var stdout = new OutputDigest(verify);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new BenchmarkFailedException($"{Name}: could not start {_fileName}");
        var feeding = Task.Run(() => Feed(process.StandardInput.BaseStream));
        var errors = process.StandardError.ReadToEndAsync();
        var buffer = new byte[BufferBytes];
        var output = process.StandardOutput.BaseStream;
        int n;
        while ((n = output.Read(buffer)) > 0)
        {
            stdout.Append(buffer.AsSpan(0, n));
        }
        process.WaitForExit();
        var elapsed = clock.Elapsed;
        feeding.GetAwaiter().GetResult();
        if (process.ExitCode != 0)
        {
            throw new BenchmarkFailedException($"{Name}: {_fileName} exited {process.ExitCode}: {errors.GetAwaiter().GetResult().Trim()}");
        }
        return new PeerRun(elapsed, stdout.Bytes, stdout.Finish());
    }

    private void Feed(Stream stdin)
    {
        try
        {
            if (_stdinPath is not null)
            {
                using var file = new FileStream(_stdinPath, FileMode.Open, FileAccess.Read, FileShare.Read, BufferBytes);
                file.CopyTo(stdin, BufferBytes);
            }
        }
        catch (IOException)
        {
            // The program stopped reading (it ended early); its exit code tells whether that was a failure.
        }
        finally
        {
            try
            {
                stdin.Dispose();
            }
            catch (IOException)
            {
                // Closing a pipe whose reader is gone: nothing left to report.
            }
        }
    }
}
