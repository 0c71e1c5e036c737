using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// clock_time_get: the guest's clock is frozen at the start of the execution, so one run sees one instant — runs are
/// reproducible and a guest cannot time the host (a side channel) through it.
/// </summary>
internal static class WasiClockFunctions
{
    private const int ClockThreadCputime = 3;

    public static int ClockTimeGet(Caller caller, int clockId, long precision, int timePtr)
    {
        var session = WasiHost.Session(caller);
        FaultInjection.Run(FaultInjection.InHostCall, session.Execution);
        if (clockId is < 0 or > ClockThreadCputime)
        {
            return WasiErrno.Inval;
        }
        GuestMemory.Of(caller).WriteU64((uint)timePtr, session.FrozenClockNanos);
        return WasiErrno.Success;
    }
}
