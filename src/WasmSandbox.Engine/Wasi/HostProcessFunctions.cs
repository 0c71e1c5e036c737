using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// The <c>host_process</c> import module, linked only under <see cref="WasmPermissionTier.Full"/>. Its one function,
/// <c>proc_sigaction</c>, records a signal disposition the guest registers and reports it as an event; the sandbox
/// never delivers host signals to the guest.
/// </summary>
internal static class HostProcessFunctions
{
    public const int MaxSignal = 64;

    /// <summary><c>proc_sigaction(signal, action, mask_lo, mask_hi, flags) -> errno</c>.</summary>
    public static int ProcSigaction(Caller caller, int signal, int action, int maskLo, int maskHi, int flags)
    {
        var session = WasiHost.Session(caller);
        if (signal is < 1 or > MaxSignal || action is < 0 or > 2)
        {
            return WasiErrno.Inval;
        }
        session.Post(new WasmSignalStateEvent(signal, (WasmSignalAction)action, MaskToSignals(maskLo, maskHi), unchecked((uint)flags)));
        return WasiErrno.Success;
    }

    /// <summary>Bit n-1 of the 64-bit mask stands for signal n.</summary>
    public static int[] MaskToSignals(int maskLo, int maskHi)
    {
        ulong mask = (uint)maskLo | (ulong)(uint)maskHi << 32;
        var signals = new List<int>();
        for (int bit = 0; bit < 64; bit++)
        {
            if ((mask & (1UL << bit)) != 0)
            {
                signals.Add(bit + 1);
            }
        }
        return signals.ToArray();
    }
}
