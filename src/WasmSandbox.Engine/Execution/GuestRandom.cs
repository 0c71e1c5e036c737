using System.Security.Cryptography;

namespace WasmSandbox;

/// <summary>
/// random_get's source: the host's cryptographic generator (as Wasmtime's own random_get), or, with
/// <c>-RandomSeed</c>, a reproducible stream — the same seed gives the same bytes on every host and .NET version,
/// because the generator is this file's (xoshiro256**, seeded through SplitMix64), not a library's. Not for secrets:
/// a seeded guest's "random" bytes are known to whoever knows the seed. Used on the guest's thread only.
/// </summary>
internal sealed class GuestRandom
{
    private readonly bool _seeded;
    private ulong _s0, _s1, _s2, _s3;

    public GuestRandom(long? seed)
    {
        if (seed is not long value)
        {
            return;
        }
        _seeded = true;
        ulong x = (ulong)value;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    public void Fill(Span<byte> buffer)
    {
        if (!_seeded)
        {
            RandomNumberGenerator.Fill(buffer);
            return;
        }
        Span<byte> word = stackalloc byte[8];
        while (!buffer.IsEmpty)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(word, Next());
            int n = Math.Min(8, buffer.Length);
            word[..n].CopyTo(buffer);
            buffer = buffer[n..];
        }
    }

    private ulong Next()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
