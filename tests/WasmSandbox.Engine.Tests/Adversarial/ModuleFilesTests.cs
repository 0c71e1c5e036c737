using System.Diagnostics;
using System.Net.Sockets;
using Xunit;

namespace WasmSandbox.Tests.Adversarial;

/// <summary>
/// Module paths that are not regular files are refused at once, by name, by every reader; reading is capped even
/// when a file's size says nothing about how much it holds.
/// </summary>
public sealed class ModuleFilesTests
{
    private static readonly WasmInspectionOptions Options = new() { RunWasmtimeValidation = false };

    /// <summary>The engine's three readers of a module path.</summary>
    private static readonly Action<string>[] Readers =
    [
        path => WasmModuleInspector.InspectFile(path, Options),
        path => ModuleSource.Inspect(path, Options),
        path => ModuleSource.ReadRunnable(path, Options),
    ];

    [Theory]
    [InlineData("zero.wasm")]
    [InlineData("zero.wat")]
    public void DevZeroBehindASymbolicLinkIsRefusedByName(string name)
    {
        if (!(File.Exists("/dev/zero")))
        {
            return; // needs /dev/zero
        }
        using var dir = new TempDir();
        var link = Path.Combine(dir.Path, name);
        File.CreateSymbolicLink(link, "/dev/zero");

        foreach (var read in Readers)
        {
            var ex = Assert.Throws<ModuleNotRegularFileException>(() => read(link));
            Assert.Equal($"{link}: the module path is a character device, not a regular file; only regular files are read as modules", ex.Message);
            Assert.Equal("ModuleNotRegularFile", ex.ErrorId);
            Assert.Equal(link, ex.TargetPath);
        }
    }

    [Fact]
    public async Task AFifoIsRefusedWithoutWaitingForAWriter()
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
        {
            return; // FIFOs are a Unix thing
        }
        using var dir = new TempDir();
        var fifo = Path.Combine(dir.Path, "x.wasm");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
        }

        foreach (var read in Readers)
        {
            var clock = Stopwatch.StartNew();
            // On a thread of its own (not the pool's, which a parallel test run may starve): the old behaviour
            // (blocking in open) must fail the test, not hang it. The bound leaves room for a loaded machine; a
            // blocked open never returns at all.
            var task = Task.Factory.StartNew(() => Assert.Throws<ModuleNotRegularFileException>(() => read(fifo)),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            if (await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(5))) != task)
            {
                using var writer = Process.Start("sh", ["-c", "exec 3<>\"$1\"", "sh", fifo]); // releases a blocked open
                writer.WaitForExit();
                Assert.Fail("opening the FIFO waited for a writer");
            }
            Assert.Contains("is a FIFO (named pipe), not a regular file", (await task).Message);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed.TotalMilliseconds} ms");
        }
    }

    [Fact]
    public void ASocketIsRefusedByName()
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
        {
            return; // needs Unix domain sockets on the file system
        }
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "x.wasm");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));

        foreach (var read in Readers)
        {
            Assert.Contains("is a socket, not a regular file", Assert.Throws<ModuleNotRegularFileException>(() => read(path)).Message);
        }
    }

    [Fact]
    public void ADirectoryIsRefusedByName()
    {
        using var dir = new TempDir();
        var path = Directory.CreateDirectory(Path.Combine(dir.Path, "x.wasm")).FullName;

        Assert.Contains("is a directory, not a regular file", Assert.Throws<ModuleNotRegularFileException>(() => ModuleSource.Inspect(path, Options)).Message);
    }

    [Fact]
    public void ReadingAFileLongerThanItsSizeSaidStopsAtTheCap()
    {
        // /proc files are regular files that report size 0 and hold more.
        const string proc = "/proc/self/maps";
        if (!(File.Exists(proc)))
        {
            return; // needs /proc
        }
        using var file = ModuleFile.Open(proc);
        Assert.Equal(0, RandomAccess.GetLength(file));

        var ex = Assert.Throws<WasmParserLimitException>(() => ModuleFile.ReadAll(file, proc, 100));
        Assert.Equal(WasmParserLimit.FileSize, ex.Limit);
        Assert.Equal($"{proc}: module file holds more than the configured parser cap of 100 bytes (it is longer than its size said; reading stopped at the cap)", ex.Message);
        Assert.True(ModuleFile.ReadAll(file, proc, 1 << 24).Length > 100);
    }

    [Fact]
    public void ARegularFileIsReadWhole()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "x.wasm");
        var bytes = new byte[300_000];
        Random.Shared.NextBytes(bytes);
        File.WriteAllBytes(path, bytes);

        using var file = ModuleFile.Open(path);
        Assert.Equal(bytes, ModuleFile.ReadAll(file, path, bytes.Length));
        Assert.Throws<WasmParserLimitException>(() => ModuleFile.ReadAll(file, path, bytes.Length - 1));
    }

    [Fact]
    public void AMissingFileIsStillNotFound()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "absent.wasm");

        Assert.Throws<FileNotFoundException>(() => ModuleSource.Inspect(path, Options));
        Assert.Throws<WasmModuleNotFoundException>(() => ModuleSource.ReadRunnable(path, Options));
    }
}
