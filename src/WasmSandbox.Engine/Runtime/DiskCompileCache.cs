using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Wasmtime;
using Module = Wasmtime.Module;

namespace WasmSandbox;

/// <summary>
/// Compiled modules kept on disk, so a new process need not compile them again. An artifact is native code that
/// Wasmtime runs without checking it, so one is loaded only from a folder that <see cref="CacheTrust"/> accepts (no
/// symbolic link or foreign-writable folder on its path, never a folder a guest of this process could write), only from
/// a file of ours that no other user can write and that has no other name (checked on a handle opened without following
/// links), and only when its MAC proves that this user's cache wrote it for the module asked for. Anything else is
/// ignored with a note; the caller then compiles and stores the module afresh, replacing the bad file.
/// </summary>
/// <remarks>
/// <para>Artifact file: the body from <see cref="Module.Serialize"/> — an ELF image, which Wasmtime maps straight from
/// the file — then a trailer, which ELF readers never reach: the module's SHA-256, the SHA-256 of the engine key
/// (Wasmtime version and profile), the body length (64-bit little-endian), the body's SHA-256, the MAC and the 8-byte
/// magic. The MAC is HMAC-SHA256, under the key in <see cref="CompileCacheKey"/>, of the trailer's fields before it
/// followed by the magic: so it binds the body (through its digest) to the module and engine it was compiled for, and
/// a copy of another module's artifact, with its trailer rewritten or not, fails it.</para>
/// <para>The body digest is SHA-256 rather than a fast checksum because the MAC is only as strong as the digest it
/// covers: with a non-cryptographic one, anyone able to read one good artifact could build another body with the same
/// checksum and reuse its MAC. SHA-256 costs about 0.6 ms per MB of artifact on a CPU with SHA instructions, where the
/// XXH64 it replaced cost 0.1 ms; Wasmtime still maps the file rather than copying it.</para>
/// <para>Windows has no mode bits or <c>O_NOFOLLOW</c>; there the folder's protection is the profile's ACL, and only the
/// grant rule and the MAC apply.</para>
/// </remarks>
internal sealed class DiskCompileCache
{
    private const string Extension = ".cwasm";
    private const string TempExtension = ".tmp";
    private const int HashLength = 32;
    private const int ModuleHashAt = 0;
    private const int KeyHashAt = ModuleHashAt + HashLength;
    private const int LengthAt = KeyHashAt + HashLength;
    private const int DigestAt = LengthAt + sizeof(long);
    private const int MacAt = DigestAt + HashLength;
    private const int MagicAt = MacAt + HashLength;
    internal const int TrailerLength = MagicAt + 8;
    private const int ChunkLength = 256 * 1024;

    // The format's version is part of the magic: a new layout simply stops matching old files.
    private static ReadOnlySpan<byte> Magic => "WSBXCW03"u8;

    // A writer that died leaves its temp file behind; one this old belongs to no writer still running.
    private static readonly TimeSpan StaleTempAge = TimeSpan.FromHours(1);

    private static readonly string s_wasmtimeVersion =
        typeof(Engine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(Engine).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    private readonly uint? _owner;

    // The folder as a full path without a trailing separator: what the trust checks and the grants compare.
    private readonly string _folder;

    // The grant check's last answer and the GrantedFolders.Version it was computed at; grants are only ever added, so
    // an unchanged version means an unchanged answer.
    private GrantCheck _grants = new(-1, null);

    public DiskCompileCache(string directory, long maxBytes)
        : this(directory, maxBytes, OperatingSystem.IsWindows() ? null : UnixFile.EffectiveUserId)
    {
    }

    /// <summary>A cache whose folder and artifacts must belong to <paramref name="owner"/> (tests pass another user).</summary>
    internal DiskCompileCache(string directory, long maxBytes, uint? owner)
    {
        Directory = directory;
        MaxBytes = maxBytes;
        _owner = owner;
        _folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
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
    public (Module? Module, string? Note) TryLoad(Engine engine, string profileKey, string sha256, string name) =>
        TryLoad(profileKey, sha256, path => Module.DeserializeFile(engine, name, path));

    /// <summary>
    /// The stored artifact, made by <paramref name="deserialize"/> from the verified file's path (a module's or a
    /// component's), or null with a note saying why none was usable (null too for a plain miss). The trust checks are
    /// the same for every kind of artifact. Never throws for anything on disk.
    /// </summary>
    public (T? Artifact, string? Note) TryLoad<T>(string profileKey, string sha256, Func<string, T> deserialize)
        where T : class
    {
        if (CheckFolder() is { } refused)
        {
            return (null, refused);
        }
        string path = ArtifactPath(profileKey, sha256);
        var (handle, problem) = OpenArtifact(path);
        if (handle is null)
        {
            return (null, problem is null ? null : Ignored(path, problem));
        }

        T module;
        using (handle)
        {
            try
            {
                var (key, keyProblem) = CompileCacheKey.Get(_folder, _owner, create: false);
                if (keyProblem is not null)
                {
                    return (null, keyProblem);
                }
                if (key is null)
                {
                    return (null, Ignored(path, $"there is no key file {Path.Combine(_folder, CompileCacheKey.FileName)} to verify it with"));
                }
                if (Verify(handle, key, profileKey, sha256) is { } why)
                {
                    return (null, Ignored(path, why));
                }
                // Mapped by Wasmtime rather than read here: only the pages the guest runs are ever touched.
                module = deserialize(VerifiedPath(handle, path));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return (null, Ignored(path, $"it could not be read ({e.Message})"));
            }
            catch (WasmtimeException e)
            {
                // The MAC matched, so this is Wasmtime refusing an artifact of another configuration or build.
                return (null, Ignored(path, $"Wasmtime refused it ({e.Message})"));
            }
            Touch(handle, path);
        }
        return (module, null);
    }

    /// <summary>
    /// Opens the artifact for reading: on Unix without following a link and checked on the handle
    /// (<see cref="CacheTrust.FileProblem"/>); (null, null) when there is none.
    /// </summary>
    private (SafeFileHandle? Handle, string? Problem) OpenArtifact(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            return CacheTrust.OpenFile(path, _owner!.Value, secret: false);
        }
        try
        {
            // Shared for reading only: until the handle closes, nobody can write, replace or delete the file.
            return (File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read), null);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return (null, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"it could not be read ({e.Message})");
        }
    }

    /// <summary>
    /// The path Wasmtime opens the verified artifact by. On Unix it names the open handle (/proc/self/fd on Linux,
    /// /dev/fd on macOS), so a file renamed over the artifact after the checks is not what loads. Writing into the
    /// verified file in place stays possible only for its owner (the checks refused any other writer and any second
    /// name), and this cache never does it: it replaces files by rename, and the mapping keeps the old file. On Windows
    /// the path itself is safe: the handle's share mode keeps the file from being written or replaced until Wasmtime
    /// has mapped it, and a mapped file cannot be written or replaced at all.
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
    public string? Store(string profileKey, string sha256, Module module) => Store(profileKey, sha256, module.Serialize);

    /// <summary>Writes the artifact <paramref name="serialize"/> makes (a module's or a component's); a note if not written.</summary>
    public string? Store(string profileKey, string sha256, Func<byte[]> serialize)
    {
        if (CheckFolder() is { } refused)
        {
            return refused;
        }
        string path = ArtifactPath(profileKey, sha256);
        byte[] body;
        try
        {
            body = serialize();
        }
        catch (WasmtimeException e)
        {
            return $"the compiled module was not stored on disk: Wasmtime could not serialize it ({e.Message})";
        }
        if (TrailerLength + (long)body.Length > MaxBytes)
        {
            return $"the compiled module was not stored on disk: its {TrailerLength + body.Length} bytes exceed the compile cache bound of {MaxBytes} bytes";
        }
        var (key, keyProblem) = CompileCacheKey.Get(_folder, _owner, create: true);
        if (key is null)
        {
            return keyProblem;
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
                stream.Write(Trailer(key, profileKey, sha256, body.Length, SHA256.HashData(body)));
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

    /// <summary>
    /// Deletes the module's artifact for <paramref name="profileKey"/>, if there is one (code superseded by another
    /// tier's). Best effort: a file that cannot be deleted is left to eviction.
    /// </summary>
    public void Delete(string profileKey, string sha256)
    {
        if (CheckFolder() is null)
        {
            TryDelete(ArtifactPath(profileKey, sha256));
        }
    }

    /// <summary>
    /// Stores the module unless a trusted-looking artifact is there already (then counts that as a use). Its MAC is not
    /// checked here: the next load does, and replaces it if it fails.
    /// </summary>
    public string? EnsureStored(string profileKey, string sha256, Module module) => EnsureStored(profileKey, sha256, module.Serialize);

    /// <summary>As <see cref="EnsureStored(string, string, Module)"/>, for any artifact <paramref name="serialize"/> makes.</summary>
    public string? EnsureStored(string profileKey, string sha256, Func<byte[]> serialize)
    {
        if (CheckFolder() is null)
        {
            string path = ArtifactPath(profileKey, sha256);
            var (handle, _) = OpenArtifact(path);
            if (handle is not null)
            {
                using (handle)
                {
                    Touch(handle, path);
                }
                return null;
            }
        }
        return Store(profileKey, sha256, serialize);
    }

    /// <summary>
    /// Says why the folder must not be used (<see cref="CacheTrust"/>), creating it private to the user when missing.
    /// Asked at every load and store, so a grant made since the last one takes effect at once.
    /// </summary>
    private string? CheckFolder()
    {
        const string Skipped = "the disk compile cache was skipped: ";
        if (GrantProblem() is { } granted)
        {
            return $"{Skipped}its folder {_folder} {granted}";
        }
        if (OperatingSystem.IsWindows())
        {
            try
            {
                System.IO.Directory.CreateDirectory(Directory);
                return null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return $"{Skipped}its folder {Directory} could not be created or read ({e.Message})";
            }
        }
        if (_owner is null)
        {
            return $"{Skipped}the current user cannot be determined on this system, so no owner can be verified";
        }
        return CacheTrust.FolderProblem(_folder, _owner.Value) is { } problem ? Skipped + problem : null;
    }

    /// <summary>Whether a guest with <paramref name="policy"/>'s grants could read or write this cache's folder.</summary>
    public bool IsReachableBy(SandboxPolicy policy) =>
        policy.Preopens.Any(p => GrantedFolders.IsWithin(_folder, p.HostPath) || GrantedFolders.IsWithin(p.HostPath, _folder));

    /// <summary>
    /// Deletes the signing key (never following a link), once the store of an execution that could reach the folder is gone: the
    /// guest may have read the key, or written artifacts signed with it, so no later process may trust what it signed.
    /// The next store creates a new key; every artifact signed before is compiled again.
    /// </summary>
    public void RevokeKey()
    {
        try
        {
            File.Delete(Path.Combine(_folder, CompileCacheKey.FileName));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A key that cannot be deleted (a folder of that name, say) is refused when read, which has the same effect.
        }
    }

    private string? GrantProblem()
    {
        long version = GrantedFolders.Version;
        var last = Volatile.Read(ref _grants);
        if (last.Version != version)
        {
            last = new GrantCheck(version, CacheTrust.GrantProblem(_folder));
            Volatile.Write(ref _grants, last);
        }
        return last.Problem;
    }

    /// <summary>Why the opened artifact is not an intact one of the module asked for, made by this cache, or null.</summary>
    private string? Verify(SafeFileHandle handle, byte[] key, string profileKey, string sha256)
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
        var expected = Fields(profileKey, sha256, bodyLength);
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
        // Before the body is hashed, so a forged trailer costs no read of the body.
        if (!CryptographicOperations.FixedTimeEquals(Mac(key, trailer), trailer.Slice(MacAt, HashLength)))
        {
            return "its MAC does not match: this cache's key did not sign it for this module (it was copied or renamed from another module, forged, or made before the key was replaced)";
        }
        Span<byte> digest = stackalloc byte[HashLength];
        if (!Digest(handle, bodyLength, digest))
        {
            return "it changed while being read";
        }
        return digest.SequenceEqual(trailer.Slice(DigestAt, HashLength)) ? null : "its checksum does not match its contents";
    }

    /// <summary>
    /// The SHA-256 of the file's first <paramref name="length"/> bytes, read through the handle a chunk at a time; false
    /// when the file ends early.
    /// </summary>
    private static bool Digest(SafeFileHandle handle, long length, Span<byte> digest)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkLength);
        try
        {
            for (long offset = 0; offset < length;)
            {
                int n = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - offset)), offset);
                if (n == 0)
                {
                    return false;
                }
                hash.AppendData(buffer.AsSpan(0, n));
                offset += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return hash.TryGetHashAndReset(digest, out _);
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

    /// <summary>A trailer with the fields that name the module, the engine and the length filled in (digest, MAC and magic zero).</summary>
    private static byte[] Fields(string profileKey, string sha256, long bodyLength)
    {
        var trailer = new byte[TrailerLength];
        if (Convert.FromHexString(sha256, trailer.AsSpan(ModuleHashAt, HashLength), out _, out int written) != OperationStatus.Done
            || written != HashLength)
        {
            throw new ArgumentException($"'{sha256}' is not a SHA-256 in hex", nameof(sha256));
        }
        SHA256.HashData(Encoding.UTF8.GetBytes($"wasmtime {s_wasmtimeVersion}\nprofile {profileKey}"), trailer.AsSpan(KeyHashAt, HashLength));
        BinaryPrimitives.WriteInt64LittleEndian(trailer.AsSpan(LengthAt), bodyLength);
        return trailer;
    }

    private static byte[] Trailer(byte[] key, string profileKey, string sha256, long bodyLength, byte[] digest)
    {
        var trailer = Fields(profileKey, sha256, bodyLength);
        digest.CopyTo(trailer.AsSpan(DigestAt, HashLength));
        Magic.CopyTo(trailer.AsSpan(MagicAt));
        Mac(key, trailer).CopyTo(trailer.AsSpan(MacAt, HashLength));
        return trailer;
    }

    /// <summary>HMAC-SHA256 of the fields before the MAC (module, engine key, length, body digest) and the magic.</summary>
    private static byte[] Mac(byte[] key, ReadOnlySpan<byte> trailer)
    {
        Span<byte> signed = stackalloc byte[MacAt + Magic.Length];
        trailer[..MacAt].CopyTo(signed);
        Magic.CopyTo(signed[MacAt..]);
        return HMACSHA256.HashData(key, signed);
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
    /// rarely) record reads. Through the checked handle on Unix, so a link swapped in under the name is not what is
    /// touched; by name on Windows, where the read-only handle may not set times.
    /// </summary>
    private static void Touch(SafeFileHandle handle, string path)
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                File.SetLastAccessTimeUtc(path, DateTime.UtcNow);
            }
            else
            {
                File.SetLastAccessTimeUtc(handle, DateTime.UtcNow);
            }
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

    private sealed record GrantCheck(long Version, string? Problem);
}
