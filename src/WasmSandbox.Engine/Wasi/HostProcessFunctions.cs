using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// The <c>host_process</c> import module, linked only under <see cref="WasmPermissionTier.Full"/>. Its one function,
/// <c>proc_sigaction</c>, records a signal disposition the guest registers and reports it as an event; the sandbox
/// never delivers host signals to the guest.
/// </summary>
internal static class HostProcessFunctions
{
    /// <summary><c>proc_sigaction(signal, action, mask_lo, mask_hi, flags) -> errno</c>.</summary>
    public static int ProcSigaction(Caller caller, int signal, int action, int maskLo, int maskHi, int flags)
    {
        var session = WasiHost.Session(caller);
        if (!SignalRegistration.IsValidSignal(signal) || action is < 0 or > 2)
        {
            return WasiErrno.Inval;
        }
        // Bit n-1 of the 64-bit mask stands for signal n.
        var mask = SignalRegistration.MaskOf((uint)maskLo | (ulong)(uint)maskHi << 32);
        session.Post(new SignalRegistration(signal, (WasmSignalAction)action, mask, unchecked((uint)flags)).ToEvent());
        return WasiErrno.Success;
    }
}
