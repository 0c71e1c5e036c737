using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace WasmSandbox;

/// <summary>What <c>lstat</c>/<c>fstat</c> say about a file: its type and permission bits, owner and link count.</summary>
internal readonly record struct UnixFileStatus(uint Mode, uint Owner, uint LinkCount)
{
    private const uint TypeMask = 0xF000;
    private const uint DirectoryType = 0x4000;
    private const uint RegularType = 0x8000;
    private const uint LinkType = 0xA000;
    private const uint StickyBit = 0x200;

    public bool IsDirectory => (Mode & TypeMask) == DirectoryType;

    public bool IsRegularFile => (Mode & TypeMask) == RegularType;

    public bool IsSymbolicLink => (Mode & TypeMask) == LinkType;

    public bool IsSticky => (Mode & StickyBit) != 0;

    /// <summary>The S_IFMT bits: what kind of file it is.</summary>
    public uint Type => Mode & TypeMask;

    /// <summary>Whether a user other than the owner may write it (through its group or as anyone).</summary>
    public bool WritableByOthers => (Mode & 0b000_010_010) != 0;

    /// <summary>Whether a user other than the owner may read, write or run it.</summary>
    public bool AccessibleByOthers => (Mode & 0b000_111_111) != 0;

    /// <summary>The permission bits in octal, as <c>chmod</c> takes them (sticky, setuid and setgid included).</summary>
    public string Octal => Convert.ToString(Mode & 0xFFF, 8);

    /// <summary>What kind of file it is, in words, for a note.</summary>
    public string Kind => (Mode & TypeMask) switch
    {
        DirectoryType => "a folder",
        RegularType => "a regular file",
        LinkType => "a symbolic link",
        0x1000 => "a FIFO",
        0xC000 => "a socket",
        0x2000 or 0x6000 => "a device",
        _ => "a file of unknown type",
    };
}

/// <summary>
/// The few libc calls .NET does not expose: <c>lstat</c>/<c>stat</c>/<c>fstat</c> with type, owner and link count, a
/// non-blocking <c>open</c> (with <c>O_NOFOLLOW</c> when asked), and the effective user. The compile cache and the
/// module reader both use them. They come from libc — <c>statx</c> on Linux, whose struct has one layout on
/// every architecture, <c>lstat</c>/<c>fstat</c> on macOS — found among the symbols the process has loaded already, so
/// no libc file name (glibc, musl and macOS differ) is hard-coded. Every call answers null where the function is
/// missing or fails; callers then refuse what they could not check.
/// </summary>
internal static unsafe class UnixFile
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;

    // STATX_TYPE | STATX_MODE | STATX_NLINK | STATX_UID
    private const uint StatxWanted = 0x1 | 0x2 | 0x4 | 0x8;

    // struct statx: u32 stx_mask @0, u32 stx_blksize, u64 stx_attributes, u32 stx_nlink @16, u32 stx_uid @20,
    // u32 stx_gid, u16 stx_mode @28.
    private const int StatxLinksAt = 16;
    private const int StatxUidAt = 20;
    private const int StatxModeAt = 28;

    // STATX_TYPE | STATX_MODE | STATX_MTIME | STATX_CTIME | STATX_INO | STATX_SIZE (the device is always filled in).
    private const uint StatxIdentityWanted = 0x1 | 0x2 | 0x40 | 0x80 | 0x100 | 0x200;

    // ... u64 stx_ino @32, u64 stx_size @40, statx_timestamp stx_ctime @96, stx_mtime @112, u32 stx_dev_major @136,
    // u32 stx_dev_minor @140.
    private const int StatxInodeAt = 32;
    private const int StatxSizeAt = 40;
    private const int StatxCtimeAt = 96;
    private const int StatxMtimeAt = 112;
    private const int StatxDevMajorAt = 136;
    private const int StatxDevMinorAt = 140;

    // struct stat with 64-bit inodes (the only one on arm64, "$INODE64" on x64): i32 st_dev, u16 st_mode @4,
    // u16 st_nlink @6, u64 st_ino, u32 st_uid @16.
    private const int DarwinModeAt = 4;
    private const int DarwinLinksAt = 6;
    private const int DarwinUidAt = 16;

    // Larger than struct statx (256 bytes) and macOS's struct stat (144 bytes).
    private const int BufferLength = 512;

    private static readonly bool s_x64 = RuntimeInformation.ProcessArchitecture == Architecture.X64;
    private static readonly IntPtr s_geteuid = Export("geteuid");
    private static readonly IntPtr s_open = Export("open");
    private static readonly IntPtr s_statx = OperatingSystem.IsLinux() ? Export("statx") : IntPtr.Zero;
    private static readonly IntPtr s_lstat = OperatingSystem.IsMacOS() ? Export(s_x64 ? "lstat$INODE64" : "lstat") : IntPtr.Zero;
    private static readonly IntPtr s_fstat = OperatingSystem.IsMacOS() ? Export(s_x64 ? "fstat$INODE64" : "fstat") : IntPtr.Zero;

    private static readonly IntPtr s_stat = OperatingSystem.IsMacOS() ? Export(s_x64 ? "stat$INODE64" : "stat") : IntPtr.Zero;

    /// <summary>
    /// O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC; 0 where unknown, and then nothing is opened. O_NONBLOCK keeps a FIFO
    /// from blocking the open itself (regular files ignore it); O_NOCTTY keeps a terminal device named by mistake from
    /// becoming the process's controlling terminal in the instant before it is refused.
    /// </summary>
    private static readonly int s_read = OperatingSystem.IsMacOS() ? 0x4 | 0x20000 | 0x1000000
        : OperatingSystem.IsLinux() ? 0x800 | 0x100 | 0x80000
        : 0;

    /// <summary>O_NOFOLLOW, whose value differs between systems and between Linux architectures (arm and powerpc have
    /// their own); 0 where unknown.</summary>
    private static readonly int s_noFollow = OperatingSystem.IsMacOS() ? 0x100
        : !OperatingSystem.IsLinux() ? 0
        : RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.Arm or Architecture.Arm64 or Architecture.Armv6 or Architecture.Ppc64le => 0x8000,
            Architecture.X64 or Architecture.X86 or Architecture.RiscV64 or Architecture.LoongArch64 or Architecture.S390x => 0x20000,
            _ => 0,
        };

    public static uint? EffectiveUserId => s_geteuid == IntPtr.Zero ? null : ((delegate* unmanaged<uint>)s_geteuid)();

    /// <summary>The status of <paramref name="path"/> itself: a symbolic link is reported, not followed (<c>lstat</c>).</summary>
    public static UnixFileStatus? OfLink(string path)
    {
        byte[] name = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = name)
        {
            return Stat(AtFdCwd, p, AtSymlinkNoFollow);
        }
    }

    /// <summary>The status of the file <paramref name="path"/> leads to, symbolic links followed (<c>stat</c>).</summary>
    public static UnixFileStatus? OfTarget(string path)
    {
        byte[] name = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = name)
        {
            return Stat(AtFdCwd, p, 0);
        }
    }

    /// <summary>The status of the open file, which no rename can swap between the check and the read.</summary>
    public static UnixFileStatus? Of(SafeFileHandle handle)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return Stat((int)handle.DangerousGetHandle(), null, AtEmptyPath);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Which file the handle is open on and the state of its content, for <see cref="ModuleIdentityCache"/>: device,
    /// inode, size, and modification and status-change times in nanoseconds, from <c>statx</c> on the open file. Linux
    /// only (null elsewhere, or when the kernel does not report every field): the callers then treat the file as
    /// never seen before.
    /// </summary>
    public static FileIdentity? IdentityOf(SafeFileHandle handle)
    {
        if (s_statx == IntPtr.Zero)
        {
            return null;
        }
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            byte* buffer = stackalloc byte[BufferLength];
            byte empty = 0;
            int result = ((delegate* unmanaged<int, byte*, int, uint, byte*, int>)s_statx)(
                (int)handle.DangerousGetHandle(), &empty, AtEmptyPath, StatxIdentityWanted, buffer);
            if (result != 0 || (*(uint*)buffer & StatxIdentityWanted) != StatxIdentityWanted)
            {
                return null;
            }
            ulong device = ((ulong)*(uint*)(buffer + StatxDevMajorAt) << 32) | *(uint*)(buffer + StatxDevMinorAt);
            return new FileIdentity(device, *(ulong*)(buffer + StatxInodeAt), *(long*)(buffer + StatxSizeAt),
                Nanoseconds(buffer + StatxMtimeAt), Nanoseconds(buffer + StatxCtimeAt));
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    // struct statx_timestamp: i64 tv_sec, u32 tv_nsec.
    private static long Nanoseconds(byte* timestamp) => *(long*)timestamp * 1_000_000_000L + *(uint*)(timestamp + 8);

    /// <summary>
    /// Opens <paramref name="path"/> for reading without following a symbolic link in its last component (the caller
    /// has checked the folders above it). Null with the system's reason when it cannot be opened.
    /// </summary>
    public static SafeFileHandle? OpenNoFollow(string path, out string? error)
    {
        if (s_noFollow == 0)
        {
            error = $"this system ({RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}) has no known O_NOFOLLOW";
            return null;
        }
        var handle = OpenRead(path, followLinks: false, out int errno);
        error = handle is null ? Marshal.GetPInvokeErrorMessage(errno) : null;
        return handle;
    }

    /// <summary>
    /// Opens <paramref name="path"/> for reading without blocking (see <see cref="s_read"/>); with
    /// <paramref name="followLinks"/> false, a symbolic link in the last component is refused (ELOOP). Null with the
    /// errno when it cannot be opened, or when this system's flag values are unknown (errno 0).
    /// </summary>
    public static SafeFileHandle? OpenRead(string path, bool followLinks, out int errno)
    {
        int flags = s_read | (followLinks ? 0 : s_noFollow);
        if (s_open == IntPtr.Zero || s_read == 0 || !followLinks && s_noFollow == 0)
        {
            errno = 0;
            return null;
        }
        byte[] name = Encoding.UTF8.GetBytes(path + "\0");
        int fd;
        fixed (byte* p = name)
        {
            // open is variadic; without O_CREAT the mode is never read, so passing it as a plain int is safe everywhere.
            fd = ((delegate* unmanaged<byte*, int, int, int>)s_open)(p, flags, 0);
        }
        if (fd < 0)
        {
            errno = Marshal.GetLastSystemError();
            return null;
        }
        errno = 0;
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>statx(fd, path, flags) on Linux; lstat(path), stat(path) or fstat(fd) on macOS.</summary>
    private static UnixFileStatus? Stat(int fd, byte* path, int flags)
    {
        byte* buffer = stackalloc byte[BufferLength];
        if (s_statx != IntPtr.Zero)
        {
            byte empty = 0;
            int result = ((delegate* unmanaged<int, byte*, int, uint, byte*, int>)s_statx)(fd, path == null ? &empty : path, flags, StatxWanted, buffer);
            return result == 0 && (*(uint*)buffer & StatxWanted) == StatxWanted
                ? new UnixFileStatus(*(ushort*)(buffer + StatxModeAt), *(uint*)(buffer + StatxUidAt), *(uint*)(buffer + StatxLinksAt))
                : null;
        }
        var pathStat = (flags & AtSymlinkNoFollow) != 0 ? s_lstat : s_stat;
        int status = path != null && pathStat != IntPtr.Zero ? ((delegate* unmanaged<byte*, byte*, int>)pathStat)(path, buffer)
            : path == null && s_fstat != IntPtr.Zero ? ((delegate* unmanaged<int, byte*, int>)s_fstat)(fd, buffer)
            : -1;
        return status == 0
            ? new UnixFileStatus(*(ushort*)(buffer + DarwinModeAt), *(uint*)(buffer + DarwinUidAt), *(ushort*)(buffer + DarwinLinksAt))
            : null;
    }

    private static IntPtr Export(string name)
    {
        if (NativeLibrary.TryGetExport(NativeLibrary.GetMainProgramHandle(), name, out var address))
        {
            return address;
        }
        // macOS resolves a main-program lookup within the executable's own dependencies; libSystem holds libc.
        if (OperatingSystem.IsMacOS() && NativeLibrary.TryLoad("/usr/lib/libSystem.B.dylib", out var system)
            && NativeLibrary.TryGetExport(system, name, out address))
        {
            return address;
        }
        return IntPtr.Zero;
    }
}
