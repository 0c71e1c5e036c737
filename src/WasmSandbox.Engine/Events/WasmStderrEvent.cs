namespace WasmSandbox;

/// <summary>Bytes the guest wrote to stderr (fd 2), or a note the sandbox added about how the guest ended.</summary>
public sealed class WasmStderrEvent : WasmOutputEvent
{
    public WasmStderrEvent(byte[] data) : base(data) { }

    public override WasmEventKind Kind => WasmEventKind.Stderr;
}
