using System.Buffers.Binary;
using System.Text;
using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// Bounds-checked access to the calling guest's exported linear memory. Every guest pointer is untrusted: an access
/// outside the memory yields <see cref="GuestFaultException"/>, which host functions turn into WASI EFAULT.
/// </summary>
internal readonly struct GuestMemory
{
    private readonly Memory _memory;

    private GuestMemory(Memory memory) => _memory = memory;

    public static GuestMemory Of(Caller caller) =>
        new(caller.GetMemory("memory") ?? throw new GuestFaultException("the guest exports no memory named 'memory'"));

    public Memory Memory => _memory;

    public Span<byte> Span(long address, long length)
    {
        long size = _memory.GetLength();
        if (address < 0 || length < 0 || length > int.MaxValue || address > size - length)
        {
            throw new GuestFaultException($"guest range {address}+{length} is outside its {size}-byte memory");
        }
        return length == 0 ? Span<byte>.Empty : _memory.GetSpan(address, (int)length);
    }

    public uint ReadU32(long address) => BinaryPrimitives.ReadUInt32LittleEndian(Span(address, 4));

    public ulong ReadU64(long address) => BinaryPrimitives.ReadUInt64LittleEndian(Span(address, 8));

    public void WriteU16(long address, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Span(address, 2), value);

    public void WriteU32(long address, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Span(address, 4), value);

    public void WriteU64(long address, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Span(address, 8), value);

    public string ReadUtf8(long address, long length) => Encoding.UTF8.GetString(Span(address, length));

    /// <summary>Total length of an iovec array, checking every entry lies inside memory.</summary>
    public long IovecTotal(long iovs, long count)
    {
        long total = 0;
        for (long i = 0; i < count; i++)
        {
            uint len = ReadU32(iovs + i * 8 + 4);
            Span(ReadU32(iovs + i * 8), len);
            total += len;
        }
        return total;
    }
}

/// <summary>A guest pointer or length fell outside its memory.</summary>
internal sealed class GuestFaultException : Exception
{
    public GuestFaultException(string message) : base(message) { }
}
