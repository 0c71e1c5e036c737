namespace WasmSandbox;

/// <summary>Bytes the guest wrote to stderr (fd 2), or a note the sandbox added about how the guest ended.</summary>
public sealed class WasmStderrEvent : WasmOutputEvent
{
    public WasmStderrEvent(byte[] data) : base(data) { }

    internal WasmStderrEvent(byte[] data, bool fromSandbox) : base(data) => FromSandbox = fromSandbox;

    public override WasmEventKind Kind => WasmEventKind.Stderr;

    /// <summary>
    /// True for a note the sandbox wrote itself (how the guest ended); false for bytes the guest wrote. Only the sandbox
    /// can set it, so a script tells a real timeout note from a guest that printed the same words by this property
    /// (or, better, by the exited event's <see cref="WasmExitedEvent.Reason"/>).
    /// </summary>
    public bool FromSandbox { get; }
}
