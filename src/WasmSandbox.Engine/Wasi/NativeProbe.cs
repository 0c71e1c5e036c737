using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace WasmSandbox;

/// <summary>
/// The sandbox's own questions to Wasmtime's WASI (what type is this name, where does this link point), asked through
/// the same capability-based resolution the guest's call will get, so the answer cannot differ from what the call
/// would reach. Wasmtime's functions read and write only the guest's memory, so each question borrows a region at the
/// start of that memory and puts its bytes back before returning: the guest waits inside the host call meanwhile
/// (a store runs one guest thread), so it never sees the region borrowed.
/// </summary>
internal static class NativeProbe
{
    /// <summary>WASI filetype values.</summary>
    public const byte Unknown = 0, BlockDevice = 1, CharacterDevice = 2, Directory = 3, RegularFile = 4,
        SocketDgram = 5, SocketStream = 6, SymbolicLink = 7;

    /// <summary>__WASI_LOOKUPFLAGS_SYMLINK_FOLLOW.</summary>
    public const int FollowLinks = 1;

    /// <summary>Longest link target read back (Linux's PATH_MAX); a longer one cannot be resolved anyway.</summary>
    private const int MaxTargetBytes = 4096;

    private const int FilestatBytes = 64;
    private const int FiletypeOffset = 16;

    /// <summary>Whether a guest may be handed an fd of this type: only regular files and directories.</summary>
    public static bool IsOrdinary(byte filetype) => filetype is RegularFile or Directory;

    /// <summary>path_filestat_get of <paramref name="path"/> under <paramref name="fd"/>: its filetype, or Wasmtime's errno.</summary>
    public static int PathFiletype(WasiNative native, GuestMemory memory, int fd, int lookupFlags, ReadOnlySpan<byte> path, out byte filetype)
    {
        filetype = Unknown;
        using var scratch = new Scratch(memory, FilestatBytes + path.Length);
        path.CopyTo(scratch.Span[FilestatBytes..]);
        int errno = native.PathFilestatGet(fd, lookupFlags, FilestatBytes, path.Length, 0);
        if (errno == WasiErrno.Success)
        {
            filetype = scratch.Span[FiletypeOffset];
        }
        return errno;
    }

    /// <summary>fd_filestat_get of an fd: its filetype, or Wasmtime's errno.</summary>
    public static int FdFiletype(WasiNative native, GuestMemory memory, int fd, out byte filetype)
    {
        filetype = Unknown;
        using var scratch = new Scratch(memory, FilestatBytes);
        int errno = native.FdFilestatGet(fd, 0);
        if (errno == WasiErrno.Success)
        {
            filetype = scratch.Span[FiletypeOffset];
        }
        return errno;
    }

    /// <summary>path_readlink of <paramref name="path"/>: the link's target, or Wasmtime's errno (it refuses absolute targets).</summary>
    public static int ReadLink(WasiNative native, GuestMemory memory, int fd, ReadOnlySpan<byte> path, out string target)
    {
        target = "";
        // Wasmtime insists on an aligned size pointer: it goes first, then the target buffer, then the path.
        const int usedAt = 0, bufAt = 8, pathAt = bufAt + MaxTargetBytes;
        using var scratch = new Scratch(memory, pathAt + path.Length);
        path.CopyTo(scratch.Span[pathAt..]);
        int errno = native.PathReadlink(fd, pathAt, path.Length, bufAt, MaxTargetBytes, usedAt);
        if (errno == WasiErrno.Success)
        {
            int used = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(scratch.Span[usedAt..]), MaxTargetBytes);
            target = Encoding.UTF8.GetString(scratch.Span.Slice(bufAt, used));
        }
        return errno;
    }

    /// <summary>path_unlink_file of <paramref name="path"/> (undoing a link a race turned into a forbidden one).</summary>
    public static int Unlink(WasiNative native, GuestMemory memory, int fd, ReadOnlySpan<byte> path)
    {
        using var scratch = new Scratch(memory, path.Length);
        path.CopyTo(scratch.Span);
        return native.PathUnlinkFile(fd, 0, path.Length);
    }

    /// <summary>
    /// The first <c>length</c> bytes of guest memory, lent to a native call and restored on dispose (also when the
    /// call is cut short by an interrupt). A memory too small to lend them is a fault of the guest's call.
    /// </summary>
    private readonly ref struct Scratch
    {
        private readonly GuestMemory _memory;
        private readonly byte[] _saved;
        private readonly int _length;

        public Scratch(GuestMemory memory, int length)
        {
            _memory = memory;
            _length = length;
            var span = memory.Span(0, length);
            _saved = ArrayPool<byte>.Shared.Rent(length);
            span.CopyTo(_saved);
        }

        /// <summary>The lent bytes, looked up afresh (a native call cannot move memory, but this costs nothing).</summary>
        public Span<byte> Span => _memory.Span(0, _length);

        public void Dispose()
        {
            _saved.AsSpan(0, _length).CopyTo(_memory.Span(0, _length));
            ArrayPool<byte>.Shared.Return(_saved);
        }
    }
}
