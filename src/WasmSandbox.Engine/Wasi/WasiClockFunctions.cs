using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// clock_time_get and random_get: the guest reads the execution's <see cref="GuestClock"/> (virtual by default, so
/// runs are reproducible and a guest cannot time the host or its own computation through it) and its
/// <see cref="GuestRandom"/> (seeded on request, for byte-identical runs).
/// </summary>
internal static class WasiClockFunctions
{
    public static int ClockTimeGet(Caller caller, int clockId, long precision, int timePtr)
    {
        var session = WasiHost.Session(caller);
        FaultInjection.Run(FaultInjection.InHostCall, session.Execution);
        if (!GuestClock.IsReadable(clockId))
        {
            return WasiErrno.Inval;
        }
        GuestMemory.Of(caller).WriteU64((uint)timePtr, session.Clock.Now(clockId));
        return WasiErrno.Success;
    }

    /// <summary>
    /// clock_res_get, answered for the same clocks clock_time_get reads: 1 ns for each (Wasmtime's answer for
    /// realtime and monotonic), EINVAL for an unknown id. Wasmtime's own traps the guest for an unknown id and refuses
    /// the CPU-time clocks that the sandbox's clock_time_get reads.
    /// </summary>
    public static int ClockResGet(Caller caller, int clockId, int resolutionPtr)
    {
        if (!GuestClock.IsReadable(clockId))
        {
            return WasiErrno.Inval;
        }
        GuestMemory.Of(caller).WriteU64((uint)resolutionPtr, 1);
        return WasiErrno.Success;
    }

    public static int RandomGet(Caller caller, int buf, int bufLen)
    {
        var session = WasiHost.Session(caller);
        // Straight into guest memory, which bounds the length: the host allocates nothing for it.
        session.Random.Fill(GuestMemory.Of(caller).Span((uint)buf, (uint)bufLen));
        return WasiErrno.Success;
    }
}
