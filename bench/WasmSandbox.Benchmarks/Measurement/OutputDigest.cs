using System.Security.Cryptography;

namespace WasmSandbox.Benchmarks.Measurement;

/// <summary>
/// Counts a guest's stdout and, on verification runs only, hashes it: peers must print the same bytes for their
/// times to be comparable, but hashing inside timed runs would add work that the slowest sink did not do.
/// </summary>
internal sealed class OutputDigest : IDisposable
{
    private readonly IncrementalHash? _hash;

    public OutputDigest(bool hash) => _hash = hash ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;

    public long Bytes { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        Bytes += data.Length;
        _hash?.AppendData(data);
    }

    /// <summary>Lower-case hex SHA-256 of everything appended; null when not hashing.</summary>
    public string? Finish() => _hash is null ? null : Convert.ToHexStringLower(_hash.GetHashAndReset());

    public void Dispose() => _hash?.Dispose();
}
