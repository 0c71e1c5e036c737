using System.Text.Json;

namespace WasmSandbox;

/// <summary>
/// Takes a guest's in-band signal-state reports out of its stdout. A guest runtime that reports sigaction through
/// stdout writes one line per registration,
/// <c>__AGENT_OS_WASM_SIGNAL_STATE__:{"signal":2,"registration":{"action":"user","mask":[15],"flags":4660}}</c>
/// followed by '\n'. Each such line becomes one <see cref="SignalRegistration"/>; every other byte reaches stdout
/// unchanged and in order, and every registration is reported after the stdout bytes that preceded its line.
/// </summary>
/// <remarks>
/// <para>
/// A control line counts only at the start of a line (the start of the stream or right after '\n'); the marker in the
/// middle of a line is ordinary output, so text that merely mentions it is never swallowed. A line whose JSON is not
/// a valid registration, or that is longer than <see cref="MaxControlLineBytes"/>, is ordinary output too, byte for
/// byte. The JSON may carry whitespace (a '\r' before the '\n' included) and properties this filter does not know.
/// </para>
/// <para>
/// The filter holds bytes back only while they may still become a control line: a proper prefix of the marker at
/// the start of the last line of a write, or a line that began with the full marker and has not ended yet (bounded
/// by <see cref="MaxControlLineBytes"/>). Everything else is passed on within the write that brought it, one call
/// per contiguous run. <see cref="Flush"/> releases what is held when the stream ends.
/// </para>
/// <para>
/// One filter per execution, used only from the guest's thread. The span given to the stdout callback is valid only
/// during the call. If a callback throws, the rest of that write is dropped; held bytes already handed to a callback
/// are never handed out again.
/// </para>
/// </remarks>
internal sealed class SignalLineFilter
{
    /// <summary>The longest control line accepted, marker and '\n' included; a longer line is ordinary output.</summary>
    public const int MaxControlLineBytes = 64 * 1024;

    private const int InitialHoldBytes = 256;

    private readonly Action<ReadOnlySpan<byte>> _stdout;
    private readonly Action<SignalRegistration> _signal;
    private byte[] _held = [];
    private int _heldCount;
    private bool _atLineStart = true;

    public SignalLineFilter(Action<ReadOnlySpan<byte>> stdout, Action<SignalRegistration> signal)
    {
        _stdout = stdout;
        _signal = signal;
    }

    public static ReadOnlySpan<byte> Marker => "__AGENT_OS_WASM_SIGNAL_STATE__:"u8;

    // Searching for the newline and the marker together finds line-start markers with one vectorized IndexOf.
    private static ReadOnlySpan<byte> NewlineMarker => "\n__AGENT_OS_WASM_SIGNAL_STATE__:"u8;

    /// <summary>Filters the next bytes the guest wrote to stdout.</summary>
    public void Write(ReadOnlySpan<byte> chunk)
    {
        int pos = 0;
        int runStart = 0;
        if (_heldCount > 0 && !ContinueHeldLine(chunk, ref pos, ref runStart))
        {
            return;
        }
        Scan(chunk, pos, runStart);
    }

    /// <summary>Ends the stream: held bytes are not followed by the rest of a control line, so they are stdout.</summary>
    public void Flush()
    {
        if (_heldCount > 0)
        {
            // Held bytes never contain '\n' before the line ends, so what follows them continues their line.
            _atLineStart = false;
            ReleaseHeld();
        }
    }

    /// <summary>
    /// Feeds the start of <paramref name="chunk"/> to the held line. Returns false when the whole chunk went into the
    /// hold; otherwise <paramref name="pos"/> is where scanning resumes and <paramref name="runStart"/> where the
    /// pending stdout run begins.
    /// </summary>
    private bool ContinueHeldLine(ReadOnlySpan<byte> chunk, ref int pos, ref int runStart)
    {
        var marker = Marker;
        if (_heldCount < marker.Length)
        {
            var expected = marker[_heldCount..];
            int n = Math.Min(expected.Length, chunk.Length);
            if (!chunk[..n].SequenceEqual(expected[..n]))
            {
                // Only resembled the marker: the held bytes start an ordinary line that this chunk continues.
                _atLineStart = false;
                ReleaseHeld();
                return true;
            }
            Hold(chunk[..n]);
            if (_heldCount < marker.Length)
            {
                return false;
            }
            pos = n;
        }

        int newline = chunk[pos..].IndexOf((byte)'\n');
        if (newline < 0)
        {
            if (_heldCount + (chunk.Length - pos) < MaxControlLineBytes)
            {
                Hold(chunk[pos..]);
                return false;
            }
            // Too long for a control line: ordinary output up to its newline, which is still to come.
            _atLineStart = false;
            ReleaseHeld();
            runStart = pos;
            pos = chunk.Length;
            return true;
        }

        int lineEnd = pos + newline + 1;
        _atLineStart = true;
        if (_heldCount + (lineEnd - pos) <= MaxControlLineBytes)
        {
            Hold(chunk[pos..lineEnd]);
            pos = lineEnd;
            if (TryParse(_held.AsSpan(marker.Length, _heldCount - marker.Length - 1), out var registration))
            {
                _heldCount = 0;
                _signal(registration);
            }
            else
            {
                ReleaseHeld();
            }
            runStart = lineEnd;
            return true;
        }
        ReleaseHeld();
        runStart = pos;
        pos = lineEnd;
        return true;
    }

    /// <summary>
    /// Passes <c>chunk[runStart..]</c> on, taking out the control lines that start at or after <paramref name="pos"/>
    /// and holding back a trailing line that may still become one.
    /// </summary>
    private void Scan(ReadOnlySpan<byte> chunk, int pos, int runStart)
    {
        var marker = Marker;
        while (pos < chunk.Length)
        {
            int lineStart;
            if (_atLineStart && chunk[pos..].StartsWith(marker))
            {
                lineStart = pos;
            }
            else
            {
                int found = chunk[pos..].IndexOf(NewlineMarker);
                if (found < 0)
                {
                    break;
                }
                lineStart = pos + found + 1;
            }

            int bodyStart = lineStart + marker.Length;
            int newline = chunk[bodyStart..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                if (chunk.Length - lineStart < MaxControlLineBytes)
                {
                    Emit(chunk[runStart..lineStart]);
                    Hold(chunk[lineStart..]);
                }
                else
                {
                    _atLineStart = false;
                    Emit(chunk[runStart..]);
                }
                return;
            }

            int lineEnd = bodyStart + newline + 1;
            _atLineStart = true;
            pos = lineEnd;
            if (lineEnd - lineStart <= MaxControlLineBytes
                && TryParse(chunk[bodyStart..(lineEnd - 1)], out var registration))
            {
                Emit(chunk[runStart..lineStart]);
                runStart = lineEnd;
                _signal(registration);
            }
            // Otherwise the line stays in the pending run as ordinary output.
        }

        if (pos < chunk.Length)
        {
            // chunk[pos..] holds no control line. Its last line may be a proper prefix of the marker, which the next
            // write can complete; that line starts within the last marker-length bytes.
            int from = Math.Max(pos, chunk.Length - marker.Length);
            int newline = chunk[from..].LastIndexOf((byte)'\n');
            int tailStart = newline >= 0 ? from + newline + 1
                : _atLineStart && chunk.Length - pos < marker.Length ? pos
                : -1;
            if (tailStart >= 0 && marker.StartsWith(chunk[tailStart..]))
            {
                Emit(chunk[runStart..tailStart]);
                Hold(chunk[tailStart..]);
                _atLineStart = true;
                return;
            }
            // The chunk does not end with '\n': that would have made an empty tail above.
            _atLineStart = false;
        }
        Emit(chunk[runStart..]);
    }

    private void Emit(ReadOnlySpan<byte> bytes)
    {
        if (!bytes.IsEmpty)
        {
            _stdout(bytes);
        }
    }

    private void Hold(ReadOnlySpan<byte> bytes)
    {
        int needed = _heldCount + bytes.Length;
        if (needed > _held.Length)
        {
            // Grow geometrically; callers keep a held line within MaxControlLineBytes.
            Array.Resize(ref _held, Math.Max(needed, Math.Max(InitialHoldBytes, Math.Min(_held.Length * 2, MaxControlLineBytes))));
        }
        bytes.CopyTo(_held.AsSpan(_heldCount));
        _heldCount = needed;
    }

    private void ReleaseHeld()
    {
        int count = _heldCount;
        // Cleared first so that a throwing callback cannot make Flush deliver these bytes a second time.
        _heldCount = 0;
        Emit(_held.AsSpan(0, count));
    }

    /// <summary>
    /// Reads <c>{"signal":N,"registration":{"action":A,"mask":[...],"flags":F}}</c>. Property names are exact and may
    /// appear once each; unknown properties are ignored so that a newer guest runtime can add some.
    /// </summary>
    private static bool TryParse(ReadOnlySpan<byte> json, out SignalRegistration registration)
    {
        registration = default;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }
            int signal = 0;
            bool haveSignal = false;
            bool haveRegistration = false;
            var action = WasmSignalAction.Default;
            ulong maskBits = 0;
            uint flags = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("signal"u8))
                {
                    if (haveSignal || !reader.Read() || !TryReadInt32(ref reader, out signal)
                        || !SignalRegistration.IsValidSignal(signal))
                    {
                        return false;
                    }
                    haveSignal = true;
                }
                else if (reader.ValueTextEquals("registration"u8))
                {
                    if (haveRegistration || !reader.Read()
                        || !TryReadRegistration(ref reader, out action, out maskBits, out flags))
                    {
                        return false;
                    }
                    haveRegistration = true;
                }
                else
                {
                    reader.Skip();
                }
            }
            // The object must have ended and nothing but whitespace may follow it (Read throws on anything else).
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read() || !haveSignal || !haveRegistration)
            {
                return false;
            }
            registration = new SignalRegistration(signal, action, SignalRegistration.MaskOf(maskBits), flags);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            // A string that is not valid UTF-8.
            return false;
        }
    }

    private static bool TryReadRegistration(ref Utf8JsonReader reader, out WasmSignalAction action, out ulong maskBits, out uint flags)
    {
        action = WasmSignalAction.Default;
        maskBits = 0;
        flags = 0;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }
        bool haveAction = false;
        bool haveMask = false;
        bool haveFlags = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("action"u8))
            {
                if (haveAction || !reader.Read() || !TryReadAction(ref reader, out action))
                {
                    return false;
                }
                haveAction = true;
            }
            else if (reader.ValueTextEquals("mask"u8))
            {
                if (haveMask || !reader.Read() || !TryReadMask(ref reader, out maskBits))
                {
                    return false;
                }
                haveMask = true;
            }
            else if (reader.ValueTextEquals("flags"u8))
            {
                if (haveFlags || !reader.Read() || reader.TokenType != JsonTokenType.Number
                    || !reader.TryGetUInt32(out flags))
                {
                    return false;
                }
                haveFlags = true;
            }
            else
            {
                reader.Skip();
            }
        }
        return reader.TokenType == JsonTokenType.EndObject && haveAction;
    }

    private static bool TryReadAction(ref Utf8JsonReader reader, out WasmSignalAction action)
    {
        action = WasmSignalAction.Default;
        if (reader.TokenType != JsonTokenType.String)
        {
            return false;
        }
        string? name = reader.GetString();
        if (string.Equals(name, "default", StringComparison.OrdinalIgnoreCase))
        {
            action = WasmSignalAction.Default;
        }
        else if (string.Equals(name, "ignore", StringComparison.OrdinalIgnoreCase))
        {
            action = WasmSignalAction.Ignore;
        }
        else if (string.Equals(name, "user", StringComparison.OrdinalIgnoreCase))
        {
            action = WasmSignalAction.User;
        }
        else
        {
            return false;
        }
        return true;
    }

    private static bool TryReadMask(ref Utf8JsonReader reader, out ulong bits)
    {
        bits = 0;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (!TryReadInt32(ref reader, out int signal) || !SignalRegistration.IsValidSignal(signal))
            {
                return false;
            }
            bits |= 1UL << (signal - 1);
        }
        return reader.TokenType == JsonTokenType.EndArray;
    }

    private static bool TryReadInt32(ref Utf8JsonReader reader, out int value)
    {
        value = 0;
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out value);
    }
}
