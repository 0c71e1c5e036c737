using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace WasmSandbox;

/// <summary>
/// The one way a module file is opened and read. Only a regular file is a module: the path is opened without
/// blocking through <see cref="UnixFile"/> (a FIFO with no writer would otherwise hang the open itself, beyond Ctrl+C),
/// the open handle is checked with fstat (so a rename between a check and the open cannot swap in a device), and
/// reading stops one byte past the size cap whatever the file claimed its size was.
/// </summary>
internal static partial class ModuleFile
{
    /// <summary>Opens <paramref name="path"/> for reading; refuses anything but a regular file, at once.</summary>
    /// <exception cref="ModuleNotRegularFileException">The path is a FIFO, socket, device or directory.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    /// <exception cref="IOException">The file could not be opened.</exception>
    public static SafeFileHandle Open(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return OpenWindows(path);
        }
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            // No flag values are known here; .NET's own open can block on a FIFO, but reads stay capped.
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        var handle = UnixFile.OpenRead(path, followLinks: true, out int errno);
        if (handle is null)
        {
            // open() fails on a socket (ENXIO on Linux, EOPNOTSUPP on macOS): name what the path is, not the errno.
            if (UnixFile.OfTarget(path) is { IsRegularFile: false } target)
            {
                throw new ModuleNotRegularFileException(path, Describe(target));
            }
            throw OpenFailed(path, errno);
        }
        // Unknown (the status cannot be had): the handle is non-blocking and every read is capped, so a device or FIFO
        // still cannot hang or flood the reader; it is then judged by what it yields.
        if (UnixFile.Of(handle) is { IsRegularFile: false } opened)
        {
            handle.Dispose();
            throw new ModuleNotRegularFileException(path, Describe(opened));
        }
        return handle;
    }

    private static string Describe(UnixFileStatus status) => status.Type switch
    {
        0x1000 => "FIFO (named pipe)",
        0x2000 => "character device",
        0x4000 => "directory",
        0x6000 => "block device",
        0xA000 => "symbolic link",
        0xC000 => "socket",
        _ => $"file of type 0x{status.Type:x4}",
    };

    /// <summary>Raised with the path each time a module file's content is read into memory (tests count reads by it).</summary>
    internal static event Action<string>? ContentRead;

    /// <summary>
    /// The whole file as one buffer (Wasmtime takes a module as contiguous memory), never more than
    /// <paramref name="cap"/> bytes: a file that grows while it is read, or whose size was not known in advance,
    /// is read to one byte past the cap and then refused with the cap in the message.
    /// </summary>
    /// <exception cref="WasmParserLimitException">The file is larger than <paramref name="cap"/>.</exception>
    public static byte[] ReadAll(SafeFileHandle file, string path, long cap)
    {
        ContentRead?.Invoke(path);
        long expected = RandomAccess.GetLength(file);
        if (expected > cap)
        {
            throw WasmParserLimitException.FileTooLarge(path, expected, cap);
        }
        var buffer = new byte[expected];
        long total = Fill(file, buffer, 0);
        if (total < buffer.Length)
        {
            return buffer[..(int)total]; // truncated meanwhile: what is there is what gets judged
        }
        Span<byte> probe = stackalloc byte[1];
        if (RandomAccess.Read(file, probe, total) == 0)
        {
            return buffer;
        }
        // Longer than its size said. Grow towards cap + 1 bytes: reaching that proves the file is over the cap.
        while (true)
        {
            var grown = new byte[Math.Min(cap + 1, Math.Max(64 * 1024, (long)buffer.Length * 2))];
            buffer.CopyTo(grown, 0);
            buffer = grown;
            long before = total;
            total = Fill(file, buffer, total);
            if (total > cap)
            {
                throw WasmParserLimitException.FileTooLarge(path, size: null, cap);
            }
            if (total < buffer.Length || total == before)
            {
                return buffer[..(int)total];
            }
        }
    }

    /// <summary>Reads into <paramref name="buffer"/> from <paramref name="offset"/> until it is full or the file ends.</summary>
    private static long Fill(SafeFileHandle file, byte[] buffer, long offset)
    {
        while (offset < buffer.Length)
        {
            int read = RandomAccess.Read(file, buffer.AsSpan((int)offset), offset);
            if (read == 0)
            {
                break;
            }
            offset += read;
        }
        return offset;
    }

    private static Exception OpenFailed(string path, int errno)
    {
        string reason = $"{path}: {Marshal.GetPInvokeErrorMessage(errno)}";
        return errno switch
        {
            // As .NET's own open reports it: a missing folder on the way is not a missing file.
            ENOENT when !Directory.Exists(System.IO.Path.GetDirectoryName(path)) => new DirectoryNotFoundException(reason),
            ENOENT => new FileNotFoundException(reason, path),
            ENOTDIR => new DirectoryNotFoundException(reason),
            EACCES or EPERM => new UnauthorizedAccessException(reason),
            _ => new IOException(reason),
        };
    }

    private static SafeFileHandle OpenWindows(string path)
    {
        // CreateFile does not block on a named pipe, so the check can follow the open.
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        uint type = GetFileType(handle);
        if (type != FileTypeDisk)
        {
            handle.Dispose();
            throw new ModuleNotRegularFileException(path, type switch
            {
                FileTypeChar => "character device",
                FileTypePipe => "pipe or socket",
                _ => $"file of type {type}",
            });
        }
        return handle;
    }

    private const uint FileTypeDisk = 1;
    private const uint FileTypeChar = 2;
    private const uint FileTypePipe = 3;

    [LibraryImport("kernel32", EntryPoint = "GetFileType")]
    private static partial uint GetFileType(SafeFileHandle handle);

    private const int EPERM = 1;
    private const int ENOENT = 2;
    private const int EACCES = 13;
    private const int ENOTDIR = 20;
}
