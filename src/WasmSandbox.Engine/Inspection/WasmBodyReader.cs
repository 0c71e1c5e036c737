using System.Text;
using System.Text.Unicode;

namespace WasmSandbox;

/// <summary>
/// Reads the primitive encodings of the binary format (bytes, LEB128 integers, names) from one bounded range of the
/// module, checking every bound explicitly and reporting problems as <see cref="WasmModuleFormatException"/> or
/// <see cref="WasmParserLimitException"/> with the file offset and the section they occur in. A range of a file is
/// read through a fixed window, refilled as the reader moves on, so a section of any size costs the window only.
/// </summary>
internal ref struct WasmBodyReader
{
    /// <summary>ceil(64 / 7): the longest LEB128 encoding a 64-bit value can need.</summary>
    public const int MaxLebBytes = 10;

    /// <summary>The file window: a whole name (at most <see cref="WasmInspectionOptions.MaxNameLength"/>) with its length fits.</summary>
    public const int WindowBytes = 256 * 1024;

    private readonly ModuleBytes _source;
    private readonly byte[]? _window;
    private readonly long _start;
    private readonly long _end;
    private readonly string _path;
    private readonly string _section;
    private readonly string _endName;
    private ReadOnlySpan<byte> _bytes;
    private long _bytesOffset;
    private int _position;

    /// <param name="bytes">The bytes to read.</param>
    /// <param name="baseOffset">The file offset of <paramref name="bytes"/>[0], for messages.</param>
    /// <param name="path">The module path, for messages.</param>
    /// <param name="section">What is being read, e.g. <c>import section</c>, for messages.</param>
    /// <param name="endName">What running out of bytes means, <c>section</c> or <c>file</c>, for messages.</param>
    public WasmBodyReader(ReadOnlySpan<byte> bytes, long baseOffset, string path, string section, string endName)
    {
        _bytes = bytes;
        _bytesOffset = _start = baseOffset;
        _end = baseOffset + bytes.Length;
        _path = path;
        _section = section;
        _endName = endName;
    }

    /// <summary>
    /// A reader of <paramref name="length"/> bytes of <paramref name="source"/> at <paramref name="start"/>: the
    /// span itself for a module in memory, or read through <paramref name="window"/> (<see cref="WindowBytes"/>
    /// long, allocated on first use and shared by the caller's readers) for a file.
    /// </summary>
    public WasmBodyReader(ModuleBytes source, long start, long length, ref byte[]? window, string path, string section)
    {
        _start = _bytesOffset = start;
        _end = start + length;
        _path = path;
        _section = section;
        _endName = "section";
        if (source.IsFile)
        {
            _source = source;
            _window = window ??= new byte[WindowBytes];
        }
        else
        {
            // length <= the module's length, which is an in-memory span's, so it fits in an int.
            _bytes = source.Slice(start, (int)length);
        }
    }

    /// <summary>The file offset of the next byte.</summary>
    public readonly long Offset => _bytesOffset + _position;

    /// <summary>How many bytes have been read.</summary>
    public readonly long Position => Offset - _start;

    public readonly long Remaining => _end - Offset;

    /// <summary>What is being read, e.g. <c>import section</c>.</summary>
    public readonly string Section => _section;

    public byte ReadByte()
    {
        if (_position >= _bytes.Length && !Fill(1))
        {
            throw Malformed(Offset, $"unexpected end of {_endName}");
        }
        return _bytes[_position++];
    }

    /// <summary>An unsigned LEB128 integer of at most <see cref="MaxLebBytes"/> bytes.</summary>
    public ulong ReadVarU64()
    {
        var start = Offset;
        ulong result = 0;
        for (var i = 0; i < MaxLebBytes; i++)
        {
            var b = ReadByte();
            if (i == MaxLebBytes - 1)
            {
                if ((b & 0x80) != 0)
                {
                    throw WasmParserLimitException.VarUintTooLong(_path, start);
                }
                // The tenth byte carries bit 63 only.
                if (b > 0x01)
                {
                    throw Malformed(start, "LEB128 integer does not fit in 64 bits");
                }
            }
            result |= (ulong)(b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0)
            {
                break;
            }
        }
        return result;
    }

    /// <summary>An unsigned LEB128 integer that must fit in 32 bits (indices, 32-bit limits).</summary>
    public uint ReadVarU32()
    {
        var start = Offset;
        var value = ReadVarU64();
        if (value > uint.MaxValue)
        {
            throw Malformed(start, $"integer {value} does not fit in 32 bits");
        }
        return (uint)value;
    }

    /// <summary>A signed LEB128 integer of at most <see cref="MaxLebBytes"/> bytes (heap types are s33).</summary>
    public long ReadVarS64()
    {
        var start = Offset;
        long result = 0;
        var shift = 0;
        byte b;
        do
        {
            if (shift == 7 * MaxLebBytes)
            {
                throw WasmParserLimitException.VarUintTooLong(_path, start);
            }
            b = ReadByte();
            if (shift < 64)
            {
                result |= (long)(b & 0x7f) << shift;
            }
            shift += 7;
        }
        while ((b & 0x80) != 0);
        if (shift < 64 && (b & 0x40) != 0)
        {
            result |= -1L << shift;
        }
        return result;
    }

    /// <summary>A length-prefixed UTF-8 name.</summary>
    public string ReadName()
    {
        var start = Offset;
        var bytes = ReadNameBytes();
        if (!Utf8.IsValid(bytes))
        {
            throw Malformed(start, "name is not valid UTF-8");
        }
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Skips a length-prefixed name without decoding it.</summary>
    public void SkipName() => ReadNameBytes();

    /// <summary>Skips a value type, including the two-part <c>(ref null? ht)</c> forms of typed references.</summary>
    public void SkipValueType()
    {
        var b = ReadByte();
        // 0x63 (ref null ht) and 0x64 (ref ht) are followed by a heap type: an s33 that is either a negative
        // abstract heap type or a type index. Every other value type is one byte, which Wasmtime validates.
        if (b is 0x63 or 0x64)
        {
            ReadVarS64();
        }
    }

    /// <summary>Limits of a memory or table: flags, minimum, optional maximum.</summary>
    public (ulong Minimum, ulong? Maximum, bool Shared, bool Is64) ReadLimits()
    {
        var start = Offset;
        var flags = ReadByte();
        // Bit 0: has maximum; bit 1: shared; bit 2: 64-bit. Higher bits belong to proposals the sandbox does not enable.
        if (flags > 0x07)
        {
            throw Malformed(start, $"limits flags 0x{flags:x2} are not one of 0x00 to 0x07");
        }
        var is64 = (flags & 0x04) != 0;
        var minimum = is64 ? ReadVarU64() : ReadVarU32();
        ulong? maximum = (flags & 0x01) != 0 ? (is64 ? ReadVarU64() : ReadVarU32()) : null;
        return (minimum, maximum, (flags & 0x02) != 0, is64);
    }

    /// <summary>Throws unless every byte has been read (a section's content must end exactly at its size).</summary>
    public readonly void ExpectEnd()
    {
        if (Remaining != 0)
        {
            throw Malformed(Offset, $"{Remaining} bytes left over after the last entry (the content does not end at the declared size)");
        }
    }

    public readonly WasmModuleFormatException Malformed(long offset, string detail) => new(_path, _section, offset, detail);

    /// <summary>Moves past <paramref name="count"/> bytes, which must lie inside the range.</summary>
    public void Skip(long count, string what)
    {
        var start = Offset;
        if (count > Remaining)
        {
            throw Malformed(start, $"{what} of {count} bytes runs past the end of the {_endName}");
        }
        if (count <= _bytes.Length - _position)
        {
            _position += (int)count;
            return;
        }
        // Past the window: the next read refills from the new offset.
        _bytesOffset = start + count;
        _bytes = default;
        _position = 0;
    }

    private ReadOnlySpan<byte> ReadNameBytes()
    {
        var start = Offset;
        var length = ReadVarU64();
        if (length > (ulong)Remaining)
        {
            throw Malformed(start, $"name length {length} runs past the end of the {_endName}");
        }
        if (length > WasmInspectionOptions.MaxNameLength)
        {
            throw WasmParserLimitException.NameTooLong(_path, start, length, WasmInspectionOptions.MaxNameLength);
        }
        if (_bytes.Length - _position < (int)length)
        {
            Fill((int)length);
        }
        var bytes = _bytes.Slice(_position, (int)length);
        _position += (int)length;
        return bytes;
    }

    /// <summary>
    /// Refills the window from the file at <see cref="Offset"/> so that at least <paramref name="count"/> bytes are
    /// ahead, or all that is left of the range; false when fewer than <paramref name="count"/> remain.
    /// </summary>
    private bool Fill(int count)
    {
        if (_window is null || Remaining < count)
        {
            return false;
        }
        var offset = Offset;
        var length = (int)Math.Min(_window.Length, _end - offset);
        _bytes = _source.Peek(offset, _window.AsSpan(0, length));
        _bytesOffset = offset;
        _position = 0;
        return _bytes.Length >= count;
    }
}
