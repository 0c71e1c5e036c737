using System.Text;

namespace WasmSandbox.Commands;

/// <summary>
/// Turns a byte stream into text lines as the bytes arrive, like PowerShell reads a native command's output: UTF-8
/// sequences split across chunks are joined, "\r\n" and "\n" end lines, and a last line without "\n" comes out at the
/// end. Each character is looked at once, and a line longer than <see cref="MaxLineChars"/> comes out in pieces of
/// that length, so neither time nor the memory held for an unfinished line grows with what a guest writes without a
/// newline.
/// </summary>
internal sealed class OutputLineSplitter
{
    /// <summary>The longest piece of a line returned at once (64 Ki characters); longer lines come out in pieces.</summary>
    public const int MaxLineChars = 64 * 1024;

    private readonly Decoder _decoder = new UTF8Encoding(false).GetDecoder();
    private readonly int _maxLineChars;
    private char[] _decoded = Array.Empty<char>();
    // The unfinished line: at most _maxLineChars characters, plus one '\r' that may yet turn out to end the line.
    private readonly char[] _line;
    private int _lineLength;

    public OutputLineSplitter(int maxLineChars = MaxLineChars)
    {
        if (maxLineChars < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(maxLineChars), maxLineChars, "a piece must hold at least two characters (a surrogate pair)");
        }
        _maxLineChars = maxLineChars;
        _line = new char[maxLineChars + 1];
    }

    /// <summary>The lines (and pieces of over-long lines) that <paramref name="data"/> completes, in order.</summary>
    public List<string> Push(byte[] data)
    {
        int needed = _decoder.GetCharCount(data, 0, data.Length);
        if (_decoded.Length < needed)
        {
            _decoded = new char[Math.Max(needed, 2 * _decoded.Length)];
        }
        int n = _decoder.GetChars(data, 0, data.Length, _decoded, 0);
        var lines = new List<string>();
        Feed(_decoded.AsSpan(0, n), lines);
        return lines;
    }

    /// <summary>Ends the stream: the rest of an unfinished line (an incomplete UTF-8 sequence becomes U+FFFD).</summary>
    public List<string> Flush()
    {
        var tail = new char[8];
        int n = _decoder.GetChars(Array.Empty<byte>(), 0, 0, tail, 0, flush: true);
        var lines = new List<string>();
        Feed(tail.AsSpan(0, n), lines);
        if (_lineLength > 0)
        {
            lines.Add(new string(_line, 0, _lineLength));
            _lineLength = 0;
        }
        return lines;
    }

    private void Feed(ReadOnlySpan<char> text, List<string> lines)
    {
        while (!text.IsEmpty)
        {
            int newline = text.IndexOf('\n');
            Append(newline < 0 ? text : text[..newline], lines);
            if (newline < 0)
            {
                return;
            }
            int length = _lineLength > 0 && _line[_lineLength - 1] == '\r' ? _lineLength - 1 : _lineLength;
            lines.Add(new string(_line, 0, length));
            _lineLength = 0;
            text = text[(newline + 1)..];
        }
    }

    /// <summary>Adds text without a newline to the unfinished line, handing out a piece each time it passes the cap.</summary>
    private void Append(ReadOnlySpan<char> text, List<string> lines)
    {
        while (!text.IsEmpty)
        {
            int take = Math.Min(text.Length, _line.Length - _lineLength);
            text[..take].CopyTo(_line.AsSpan(_lineLength));
            _lineLength += take;
            text = text[take..];
            // Full past the cap: a piece goes out, unless the one extra character is a '\r' whose '\n' may come next
            // (then the line ends exactly at the cap and no empty piece follows).
            if (_lineLength > _maxLineChars && (_line[_lineLength - 1] != '\r' || !text.IsEmpty))
            {
                // Never split a surrogate pair between two pieces.
                int piece = char.IsHighSurrogate(_line[_maxLineChars - 1]) ? _maxLineChars - 1 : _maxLineChars;
                lines.Add(new string(_line, 0, piece));
                _lineLength -= piece;
                Array.Copy(_line, piece, _line, 0, _lineLength);
            }
        }
    }
}
