namespace WasmSandbox;

/// <summary>Bytes the guest wrote to stdout (fd 1).</summary>
public sealed class WasmStdoutEvent : WasmOutputEvent
{
    public WasmStdoutEvent(byte[] data) : base(data) { }

    public override WasmEventKind Kind => WasmEventKind.Stdout;
}
