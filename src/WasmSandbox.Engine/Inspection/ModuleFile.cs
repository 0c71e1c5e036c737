using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace WasmSandbox;

/// <summary>
/// The one way a module file is opened and read. Only a regular file is a module: the path is opened without
/// blocking (a FIFO with no writer would otherwise hang the open itself, beyond Ctrl+C), the open handle is checked
/// with fstat (so a rename between a check and the open cannot swap in a device), and reading stops one byte past
/// the size cap whatever the file claimed its size was.
/// </summary>
internal static unsafe partial class ModuleFile
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
        int fd = Unix.Open(path, Unix.OpenFlags);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            // open() fails on a socket (ENXIO on Linux, EOPNOTSUPP on macOS): name what the path is, not the errno.
            if (Unix.TypeOf(-1, path) is { } type && type != Unix.Regular)
            {
                throw new ModuleNotRegularFileException(path, Unix.Describe(type));
            }
            throw OpenFailed(path, errno);
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            // Unknown (no statx or fstat here): the handle is non-blocking and every read is capped, so a device or
            // FIFO still cannot hang or flood the reader; it is then judged by what it yields.
            if (Unix.TypeOf(fd, null) is { } type && type != Unix.Regular)
            {
                throw new ModuleNotRegularFileException(path, Unix.Describe(type));
            }
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The whole file as one buffer (Wasmtime takes a module as contiguous memory), never more than
    /// <paramref name="cap"/> bytes: a file that grows while it is read, or whose size was not known in advance,
    /// is read to one byte past the cap and then refused with the cap in the message.
    /// </summary>
    /// <exception cref="WasmParserLimitException">The file is larger than <paramref name="cap"/>.</exception>
    public static byte[] ReadAll(SafeFileHandle file, string path, long cap)
    {
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
            Unix.ENOENT when !Directory.Exists(System.IO.Path.GetDirectoryName(path)) => new DirectoryNotFoundException(reason),
            Unix.ENOENT => new FileNotFoundException(reason, path),
            Unix.ENOTDIR => new DirectoryNotFoundException(reason),
            Unix.EACCES or Unix.EPERM => new UnauthorizedAccessException(reason),
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

    /// <summary>open(2) and the file type from statx(2) on Linux (one struct layout on every architecture) or stat(2) on macOS.</summary>
    private static partial class Unix
    {
        public const int EPERM = 1;
        public const int ENOENT = 2;
        public const int EACCES = 13;
        public const int ENOTDIR = 20;

        public const int Regular = 0x8000;
        private const int TypeMask = 0xF000;

        // O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC: O_NOCTTY so that a terminal device named as a module cannot
        // become the process's controlling terminal in the instant before it is refused.
        public static readonly int OpenFlags = OperatingSystem.IsLinux() ? 0x800 | 0x100 | 0x80000 : 0x4 | 0x20000 | 0x1000000;

        private const int AtFdCwd = -100;
        private const int AtEmptyPath = 0x1000;
        private const uint StatxType = 0x1;
        private const int StatxModeOffset = 28; // u32 mask, u32 blksize, u64 attributes, u32 nlink, u32 uid, u32 gid, u16 mode
        private const int DarwinModeOffset = 4;  // i32 st_dev, u16 st_mode
        private const int BufferLength = 512;    // more than struct statx (256) and macOS's struct stat (144)

        private static readonly bool s_darwinX64 = OperatingSystem.IsMacOS() && RuntimeInformation.ProcessArchitecture == Architecture.X64;
        private static bool s_noStat;

        /// <summary>The S_IFMT bits of <paramref name="fd"/> (when <paramref name="path"/> is null) or of the file <paramref name="path"/> leads to; null when they cannot be had.</summary>
        public static int? TypeOf(int fd, string? path)
        {
            if (s_noStat)
            {
                return null;
            }
            byte* buffer = stackalloc byte[BufferLength];
            try
            {
                if (OperatingSystem.IsLinux())
                {
                    int result = path is null ? Statx(fd, "", AtEmptyPath, StatxType, buffer) : Statx(AtFdCwd, path, 0, StatxType, buffer);
                    return result == 0 && (*(uint*)buffer & StatxType) != 0 ? *(ushort*)(buffer + StatxModeOffset) & TypeMask : null;
                }
                int status = (path, s_darwinX64) switch
                {
                    (null, true) => FStatInode64(fd, buffer),
                    (null, false) => FStat(fd, buffer),
                    (_, true) => StatInode64(path, buffer),
                    (_, false) => Stat(path, buffer),
                };
                return status == 0 ? *(ushort*)(buffer + DarwinModeOffset) & TypeMask : null;
            }
            catch (EntryPointNotFoundException)
            {
                s_noStat = true; // an old libc without statx
                return null;
            }
        }

        public static string Describe(int type) => type switch
        {
            0x1000 => "FIFO (named pipe)",
            0x2000 => "character device",
            0x4000 => "directory",
            0x6000 => "block device",
            0xA000 => "symbolic link",
            0xC000 => "socket",
            _ => $"file of type 0x{type:x4}",
        };

        [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
        private static partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

        [LibraryImport("libc", EntryPoint = "fstat")]
        private static partial int FStat(int fd, byte* buffer);

        [LibraryImport("libc", EntryPoint = "fstat$INODE64")]
        private static partial int FStatInode64(int fd, byte* buffer);

        [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
        private static partial int Stat(string path, byte* buffer);

        [LibraryImport("libc", EntryPoint = "stat$INODE64", StringMarshalling = StringMarshalling.Utf8)]
        private static partial int StatInode64(string path, byte* buffer);
    }
}
