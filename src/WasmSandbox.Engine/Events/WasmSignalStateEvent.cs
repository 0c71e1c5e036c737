namespace WasmSandbox;

/// <summary>A signal disposition the guest registered (through <c>host_process.proc_sigaction</c> or a stdout control line).</summary>
public sealed class WasmSignalStateEvent : WasmEvent
{
    public WasmSignalStateEvent(int signal, WasmSignalAction action, int[] mask, uint flags)
    {
        Signal = signal;
        Action = action;
        Mask = mask;
        Flags = flags;
    }

    public override WasmEventKind Kind => WasmEventKind.SignalState;

    /// <summary>The signal number, 1..64.</summary>
    public int Signal { get; }

    public WasmSignalAction Action { get; }

    /// <summary>The signals blocked while the handler runs, ascending.</summary>
    public int[] Mask { get; }

    /// <summary>The sigaction flags, unsigned.</summary>
    public uint Flags { get; }

    public override string ToString() => $"signal {Signal}: {Action} mask [{string.Join(",", Mask)}] flags 0x{Flags:x}";
}
