using System.Text;

namespace WasmSandbox;

/// <summary>A chunk the guest wrote to stdout or stderr, exactly as written.</summary>
public abstract class WasmOutputEvent : WasmEvent
{
    private string? _text;

    protected WasmOutputEvent(byte[] data) => Data = data;

    /// <summary>The bytes written.</summary>
    public byte[] Data { get; }

    /// <summary>The bytes decoded as UTF-8 (invalid sequences become U+FFFD).</summary>
    public string Text => _text ??= Encoding.UTF8.GetString(Data);

    internal override long BufferedBytes => Data.Length;

    public override string ToString() => Text;
}
