using System.Diagnostics;
using Microsoft.Win32.SafeHandles;

namespace WasmSandbox;

/// <summary>
/// The bytes of a module under inspection: either a buffer the caller already holds, or an open file read only where
/// the parser asks, so that inspecting a file needs the parser's window, not the file's size, in memory.
/// </summary>
internal readonly ref struct ModuleBytes
{
    private readonly ReadOnlySpan<byte> _memory;
    private readonly SafeFileHandle? _file;

    public ModuleBytes(ReadOnlySpan<byte> memory)
    {
        _memory = memory;
        Length = memory.Length;
    }

    public ModuleBytes(SafeFileHandle file, long length)
    {
        _file = file;
        Length = length;
    }

    public long Length { get; }

    /// <summary>Whether the bytes are read from a file on demand (rather than held in memory).</summary>
    public bool IsFile => _file is not null;

    /// <summary>Reads up to <paramref name="buffer"/>.Length bytes at <paramref name="offset"/>; shorter only at the end.</summary>
    public ReadOnlySpan<byte> Peek(long offset, Span<byte> buffer)
    {
        Debug.Assert(offset >= 0 && offset <= Length);
        var count = (int)Math.Min(buffer.Length, Length - offset);
        if (_file is null)
        {
            return _memory.Slice((int)offset, count);
        }
        var destination = buffer[..count];
        ReadFile(offset, destination);
        return destination;
    }

    /// <summary>A range of a module held in memory, which the caller has checked lies inside it (see <see cref="IsFile"/>).</summary>
    public ReadOnlySpan<byte> Slice(long offset, int count)
    {
        Debug.Assert(_file is null && offset >= 0 && count >= 0 && offset + count <= Length);
        return _memory.Slice((int)offset, count);
    }

    /// <summary>The whole module as one buffer (Wasmtime validates from contiguous memory).</summary>
    public ReadOnlySpan<byte> ReadAll()
    {
        if (_file is null)
        {
            return _memory;
        }
        // Length is at most WasmInspectionOptions.MaxFileBytes, which is capped at Array.MaxLength.
        var all = new byte[Length];
        ReadFile(0, all);
        return all;
    }

    private void ReadFile(long offset, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            var read = RandomAccess.Read(_file!, destination, offset);
            if (read == 0)
            {
                // Length came from the same handle; a short read means someone truncated the file meanwhile.
                throw new IOException("the module file was truncated while it was being inspected");
            }
            destination = destination[read..];
            offset += read;
        }
    }
}
