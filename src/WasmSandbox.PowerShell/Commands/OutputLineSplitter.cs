using System.Text;

namespace WasmSandbox.Commands;

/// <summary>
/// Turns a byte stream into text lines as the bytes arrive, like PowerShell reads a native command's output: UTF-8
/// sequences split across chunks are joined, "\r\n" and "\n" end lines, and a last line without "\n" comes out at the end.
/// </summary>
internal sealed class OutputLineSplitter
{
    private readonly Decoder _decoder = new UTF8Encoding(false).GetDecoder();
    private readonly StringBuilder _pending = new();

    public IEnumerable<string> Push(byte[] data)
    {
        var chars = new char[_decoder.GetCharCount(data, 0, data.Length)];
        int n = _decoder.GetChars(data, 0, data.Length, chars, 0);
        _pending.Append(chars, 0, n);
        return TakeLines();
    }

    public IEnumerable<string> Flush()
    {
        var chars = new char[8];
        int n = _decoder.GetChars(Array.Empty<byte>(), 0, 0, chars, 0, flush: true);
        _pending.Append(chars, 0, n);
        var lines = TakeLines().ToList();
        if (_pending.Length > 0)
        {
            lines.Add(_pending.ToString());
            _pending.Clear();
        }
        return lines;
    }

    private IEnumerable<string> TakeLines()
    {
        var lines = new List<string>();
        int start = 0;
        for (int i = 0; i < _pending.Length; i++)
        {
            if (_pending[i] == '\n')
            {
                int end = i > start && _pending[i - 1] == '\r' ? i - 1 : i;
                lines.Add(_pending.ToString(start, end - start));
                start = i + 1;
            }
        }
        _pending.Remove(0, start);
        return lines;
    }
}
