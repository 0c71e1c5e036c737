using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Wasmtime;
using Module = Wasmtime.Module;

namespace WasmSandbox;

/// <summary>
/// Compiled modules kept on disk, so a new process need not compile them again. An artifact is native code that
/// Wasmtime runs without checking it, so one is loaded only from a folder that no other user can write, only from a
/// file of ours that no other user can write (checked on the open handle), and only when its header's checksums match
/// its body and the module asked for. Anything else is ignored with a note; the caller then compiles and stores the
/// module afresh, replacing the bad file.
/// </summary>
/// <remarks>
/// Artifact file: the body from <see cref="Module.Serialize"/> — an ELF image, which Wasmtime maps straight from the
/// file — then a trailer, which ELF readers never reach: the module's SHA-256, the SHA-256 of the engine key (Wasmtime
/// version and profile), the body length (64-bit little-endian), the body's XXH64 (little-endian) and the 8-byte magic.
/// The checksum is against corruption; against tampering stand the owner and mode checks, which a checksum kept in the
/// same file could not replace. Windows has no mode bits; there the folder's protection is the profile's ACL.
/// </remarks>
internal sealed class DiskCompileCache
{
    private const string Extension = ".cwasm";
    private const string TempExtension = ".tmp";
    private const int HashLength = 32;
    private const int ModuleHashAt = 0;
    private const int KeyHashAt = ModuleHashAt + HashLength;
    private const int LengthAt = KeyHashAt + HashLength;
    private const int ChecksumAt = LengthAt + sizeof(long);
    private const int MagicAt = ChecksumAt + sizeof(ulong);
    internal const int TrailerLength = MagicAt + 8;
    private const int ChunkLength = 64 * 1024;
    private const UnixFileMode OthersWrite = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    // The format's version is part of the magic: a new layout simply stops matching old files.
    private static ReadOnlySpan<byte> Magic => "WSBXCW02"u8;

    // A writer that died leaves its temp file behind; one this old belongs to no writer still running.
    private static readonly TimeSpan StaleTempAge = TimeSpan.FromHours(1);

    private static readonly string s_wasmtimeVersion =
        typeof(Engine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(Engine).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    private readonly uint? _owner;

    public DiskCompileCache(string directory, long maxBytes)
        : this(directory, maxBytes, OperatingSystem.IsWindows() ? null : FileOwner.EffectiveUserId)
    {
    }

    /// <summary>A cache whose folder and artifacts must belong to <paramref name="owner"/> (tests pass another user).</summary>
    internal DiskCompileCache(string directory, long maxBytes, uint? owner)
    {
        Directory = directory;
        MaxBytes = maxBytes;
        _owner = owner;
    }

    public string Directory { get; }

    public long MaxBytes { get; }

    /// <summary>The artifact's path: the module's hash, the engine profile and the Wasmtime version name it.</summary>
    public string ArtifactPath(string profileKey, string sha256) =>
        Path.Combine(Directory, $"{sha256}.{Sanitize(profileKey)}.wasmtime-{Sanitize(s_wasmtimeVersion)}{Extension}");

    /// <summary>
    /// The stored module, or null with a note saying why none was usable (null too for a plain miss). Never throws
    /// for anything on disk.
    /// </summary>
    public (Module? Module, string? Note) TryLoad(Engine engine, string profileKey, string sha256, string name)
    {
        if (CheckFolder() is { } refused)
        {
            return (null, refused);
        }
        string path = ArtifactPath(profileKey, sha256);
        SafeFileHandle handle;
        try
        {
            // On Windows shared for reading only: until the handle closes, nobody can write, replace or delete the file.
            var share = OperatingSystem.IsWindows() ? FileShare.Read : FileShare.Read | FileShare.Delete;
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, share);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return (null, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, Ignored(path, $"it could not be read ({e.Message})"));
        }

        Module module;
        using (handle)
        {
            try
            {
                if ((CheckArtifact(handle) ?? Verify(handle, profileKey, sha256)) is { } why)
                {
                    return (null, Ignored(path, why));
                }
                // Mapped by Wasmtime rather than read here: only the pages the guest runs are ever touched.
                module = Module.DeserializeFile(engine, name, VerifiedPath(handle, path));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return (null, Ignored(path, $"it could not be read ({e.Message})"));
            }
            catch (WasmtimeException e)
            {
                // The checksum matched, so this is Wasmtime refusing an artifact of another configuration or build.
                return (null, Ignored(path, $"Wasmtime refused it ({e.Message})"));
            }
        }
        Touch(path);
        return (module, null);
    }

    /// <summary>
    /// The path Wasmtime opens the verified artifact by. On Unix it names the open handle (/proc/self/fd on Linux,
    /// /dev/fd on macOS), so a file renamed over the artifact after the checks is not what loads. Writing into the
    /// verified file in place stays possible only for its owner (the checks refused any other writer), and this cache
    /// never does it: it replaces files by rename, and the mapping keeps the old file. On Windows the path itself is
    /// safe: the handle's share mode keeps the file from being written or replaced until Wasmtime has mapped it, and
    /// a mapped file cannot be written or replaced at all.
    /// </summary>
    private static string VerifiedPath(SafeFileHandle handle, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return path;
        }
        string folder = OperatingSystem.IsLinux() ? "/proc/self/fd/" : "/dev/fd/";
        return folder + handle.DangerousGetHandle().ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Writes <paramref name="module"/>'s artifact, then trims the folder to its bound; a note if not written.</summary>
    public string? Store(string profileKey, string sha256, Module module)
    {
        if (CheckFolder() is { } refused)
        {
            return refused;
        }
        string path = ArtifactPath(profileKey, sha256);
        byte[] body;
        try
        {
            body = module.Serialize();
        }
        catch (WasmtimeException e)
        {
            return $"the compiled module was not stored on disk: Wasmtime could not serialize it ({e.Message})";
        }
        if (TrailerLength + (long)body.Length > MaxBytes)
        {
            return $"the compiled module was not stored on disk: its {TrailerLength + body.Length} bytes exceed the compile cache bound of {MaxBytes} bytes";
        }

        // Written whole under a temporary name and renamed over the old file, so a reader sees the old artifact,
        // the new one or none, never half of one.
        string temp = $"{path}.{Guid.NewGuid():N}{TempExtension}";
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(body);
                stream.Write(Trailer(profileKey, sha256, body.Length, XxHash64.HashToUInt64(body)));
            }
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            return $"the compiled module was not stored on disk: {e.Message}";
        }
        Evict(keep: path);
        return null;
    }

    /// <summary>Stores the module unless its artifact is there already (then counts that as a use).</summary>
    public string? EnsureStored(string profileKey, string sha256, Module module)
    {
        string path = ArtifactPath(profileKey, sha256);
        if (CheckFolder() is null && File.Exists(path))
        {
            Touch(path);
            return null;
        }
        return Store(profileKey, sha256, module);
    }

    /// <summary>Creates the folder private to the user, or says why an existing one must not be used.</summary>
    private string? CheckFolder()
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                System.IO.Directory.CreateDirectory(Directory);
                return null;
            }
            // A folder created here is private (a umask can only take bits away); one already there is checked.
            System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var mode = File.GetUnixFileMode(Directory);
            if ((mode & OthersWrite) != 0)
            {
                return $"the disk compile cache was skipped: its folder {Directory} is writable by group or others (mode {Octal(mode)}); make it private with chmod 700";
            }
            if (OwnerProblem(FileOwner.Of(Directory)) is { } owner)
            {
                return $"the disk compile cache was skipped: its folder {Directory} {owner}";
            }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"the disk compile cache was skipped: its folder {Directory} could not be created or read ({e.Message})";
        }
    }

    /// <summary>Why the opened artifact must not be loaded, or null when only its owner can have written it.</summary>
    private string? CheckArtifact(SafeFileHandle handle)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }
        var mode = File.GetUnixFileMode(handle);
        if ((mode & OthersWrite) != 0)
        {
            return $"it is writable by group or others (mode {Octal(mode)})";
        }
        return OwnerProblem(FileOwner.Of(handle)) is { } owner ? $"it {owner}" : null;
    }

    private string? OwnerProblem(uint? actual)
    {
        if (_owner is null || actual is null)
        {
            return "has an owner that cannot be verified on this system";
        }
        return actual == _owner ? null : $"is owned by user {actual}, not by user {_owner}";
    }

    /// <summary>Why the opened artifact is not an intact one of the module asked for, or null when it is.</summary>
    private string? Verify(SafeFileHandle handle, string profileKey, string sha256)
    {
        long length = RandomAccess.GetLength(handle);
        if (length < TrailerLength)
        {
            return $"it is truncated ({length} bytes)";
        }
        if (length > MaxBytes)
        {
            // Never written by this cache's bound, so not read either.
            return $"it is larger than the compile cache bound ({length} bytes)";
        }
        long bodyLength = length - TrailerLength;
        Span<byte> trailer = stackalloc byte[TrailerLength];
        if (!ReadExactly(handle, trailer, bodyLength))
        {
            return "it changed while being read";
        }
        if (!trailer[MagicAt..].SequenceEqual(Magic))
        {
            // The trailer is found from the end, so a cut or extended file ends up here too.
            return "it is not a WasmSandbox compile cache artifact of this format, or it was truncated or extended";
        }
        var expected = Trailer(profileKey, sha256, bodyLength, checksum: 0);
        if (!trailer.Slice(ModuleHashAt, HashLength).SequenceEqual(expected.AsSpan(ModuleHashAt, HashLength)))
        {
            return "its trailer names another module";
        }
        if (!trailer.Slice(KeyHashAt, HashLength).SequenceEqual(expected.AsSpan(KeyHashAt, HashLength)))
        {
            return "its trailer names another Wasmtime version or engine profile";
        }
        long stated = BinaryPrimitives.ReadInt64LittleEndian(trailer[LengthAt..]);
        if (stated != bodyLength)
        {
            return $"it is truncated or extended (its trailer says {stated} body bytes, there are {bodyLength})";
        }
        ulong? checksum = Checksum(handle, bodyLength);
        if (checksum is null)
        {
            return "it changed while being read";
        }
        return checksum == BinaryPrimitives.ReadUInt64LittleEndian(trailer[ChecksumAt..]) ? null : "its checksum does not match its contents";
    }

    /// <summary>
    /// The XXH64 of the file's first <paramref name="length"/> bytes, read through the handle a chunk at a time; null
    /// when the file ends early. A fast non-cryptographic hash is enough against corruption, where SHA-256 took longer
    /// than the rest of a load.
    /// </summary>
    private static ulong? Checksum(SafeFileHandle handle, long length)
    {
        var hash = new XxHash64();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkLength);
        try
        {
            for (long offset = 0; offset < length;)
            {
                int n = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - offset)), offset);
                if (n == 0)
                {
                    return null;
                }
                hash.Append(buffer.AsSpan(0, n));
                offset += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return hash.GetCurrentHashAsUInt64();
    }

    private static bool ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        while (buffer.Length > 0)
        {
            int n = RandomAccess.Read(handle, buffer, offset);
            if (n == 0)
            {
                return false;
            }
            buffer = buffer[n..];
            offset += n;
        }
        return true;
    }

    private static byte[] Trailer(string profileKey, string sha256, long bodyLength, ulong checksum)
    {
        var trailer = new byte[TrailerLength];
        if (Convert.FromHexString(sha256, trailer.AsSpan(ModuleHashAt, HashLength), out _, out int written) != OperationStatus.Done
            || written != HashLength)
        {
            throw new ArgumentException($"'{sha256}' is not a SHA-256 in hex", nameof(sha256));
        }
        SHA256.HashData(Encoding.UTF8.GetBytes($"wasmtime {s_wasmtimeVersion}\nprofile {profileKey}"), trailer.AsSpan(KeyHashAt, HashLength));
        BinaryPrimitives.WriteInt64LittleEndian(trailer.AsSpan(LengthAt), bodyLength);
        BinaryPrimitives.WriteUInt64LittleEndian(trailer.AsSpan(ChecksumAt), checksum);
        Magic.CopyTo(trailer.AsSpan(MagicAt));
        return trailer;
    }

    /// <summary>
    /// Deletes the least recently used artifacts until the folder is within its bound, never the one just written,
    /// and temp files that writers left behind. Only files named like ours are touched.
    /// </summary>
    private void Evict(string keep)
    {
        var artifacts = new List<FileInfo>();
        long total = 0;
        try
        {
            foreach (var file in new DirectoryInfo(Directory).EnumerateFiles())
            {
                if (file.Name.EndsWith(TempExtension, StringComparison.Ordinal) && file.Name.Contains(Extension + ".", StringComparison.Ordinal))
                {
                    if (DateTime.UtcNow - file.LastWriteTimeUtc > StaleTempAge)
                    {
                        TryDelete(file.FullName);
                    }
                }
                else if (file.Name.EndsWith(Extension, StringComparison.Ordinal))
                {
                    artifacts.Add(file);
                    total += file.Length;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return; // Best effort: the next write tries again.
        }
        foreach (var file in artifacts.OrderBy(f => f.LastAccessTimeUtc).ThenBy(f => f.Name, StringComparer.Ordinal))
        {
            if (total <= MaxBytes)
            {
                break;
            }
            if (file.FullName != keep && TryDelete(file.FullName))
            {
                total -= file.Length;
            }
        }
    }

    /// <summary>
    /// Marks a use for eviction. Set explicitly because file systems mounted noatime or relatime do not (or only
    /// rarely) record reads.
    /// </summary>
    private static void Touch(string path)
    {
        try
        {
            File.SetLastAccessTimeUtc(path, DateTime.UtcNow);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Another process evicted it meanwhile, or the folder is read-only: the artifact merely ages.
        }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string Ignored(string path, string why) => $"the compiled artifact {path} was ignored: {why}";

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode & 0xFFF, 8);

    /// <summary>Keeps letters, digits, '.', '-' and '_' so a key part can go into a file name on every system.</summary>
    private static string Sanitize(string part) =>
        string.Create(part.Length, part, (span, s) =>
        {
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                span[i] = char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_';
            }
        });

    /// <summary>
    /// The owner of a file and the process's effective user, which .NET does not expose. They come from libc — statx
    /// on Linux, whose struct has one layout on every architecture, and stat on macOS — found among the symbols the
    /// process has loaded already, so no libc file name (glibc, musl and macOS differ) is hard-coded. Null where the
    /// function is missing or fails; the disk cache is then skipped, since no owner can be verified.
    /// </summary>
    internal static unsafe class FileOwner
    {
        private const int AtFdCwd = -100;
        private const int AtEmptyPath = 0x1000;
        private const uint StatxUid = 0x8;

        // struct statx: u32 stx_mask, u32 stx_blksize, u64 stx_attributes, u32 stx_nlink, u32 stx_uid.
        private const int StatxUidOffset = 20;

        // struct stat with 64-bit inodes (the only one on arm64, "$INODE64" on x64): i32 st_dev, u16 st_mode,
        // u16 st_nlink, u64 st_ino, u32 st_uid.
        private const int DarwinUidOffset = 16;

        // Larger than struct statx (256 bytes) and macOS's struct stat (144 bytes).
        private const int BufferLength = 512;

        private static readonly bool s_x64 = RuntimeInformation.ProcessArchitecture == Architecture.X64;
        private static readonly IntPtr s_geteuid = Export("geteuid");
        private static readonly IntPtr s_statx = OperatingSystem.IsLinux() ? Export("statx") : IntPtr.Zero;
        private static readonly IntPtr s_stat = OperatingSystem.IsMacOS() ? Export(s_x64 ? "stat$INODE64" : "stat") : IntPtr.Zero;
        private static readonly IntPtr s_fstat = OperatingSystem.IsMacOS() ? Export(s_x64 ? "fstat$INODE64" : "fstat") : IntPtr.Zero;

        public static uint? EffectiveUserId => s_geteuid == IntPtr.Zero ? null : ((delegate* unmanaged<uint>)s_geteuid)();

        /// <summary>The owner of the file <paramref name="path"/> leads to (a symbolic link is followed).</summary>
        public static uint? Of(string path)
        {
            byte[] name = Encoding.UTF8.GetBytes(path + "\0");
            fixed (byte* p = name)
            {
                return Stat(AtFdCwd, p, 0);
            }
        }

        /// <summary>The owner of the open file, which a rename cannot swap between check and read.</summary>
        public static uint? Of(SafeFileHandle handle)
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

        /// <summary>statx(fd, path, flags) on Linux; stat(path) or fstat(fd) on macOS.</summary>
        private static uint? Stat(int fd, byte* path, int flags)
        {
            byte* buffer = stackalloc byte[BufferLength];
            if (s_statx != IntPtr.Zero)
            {
                byte empty = 0;
                int result = ((delegate* unmanaged<int, byte*, int, uint, byte*, int>)s_statx)(fd, path == null ? &empty : path, flags, StatxUid, buffer);
                return result == 0 && (*(uint*)buffer & StatxUid) != 0 ? *(uint*)(buffer + StatxUidOffset) : null;
            }
            if (path != null && s_stat != IntPtr.Zero)
            {
                return ((delegate* unmanaged<byte*, byte*, int>)s_stat)(path, buffer) == 0 ? *(uint*)(buffer + DarwinUidOffset) : null;
            }
            if (path == null && s_fstat != IntPtr.Zero)
            {
                return ((delegate* unmanaged<int, byte*, int>)s_fstat)(fd, buffer) == 0 ? *(uint*)(buffer + DarwinUidOffset) : null;
            }
            return null;
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
}
