namespace WasmSandbox;

/// <summary>
/// Counts guest threads whose execution was ended without them (stuck in a host call past the deadline grace). Such a
/// thread still holds its store until the call returns; the count lets the runtime refuse new work when too many are
/// stuck, instead of piling up threads and stores, and is visible to a user as <see cref="WasmRuntime.StuckGuestThreads"/>.
/// </summary>
internal static class GuestThreadAccounting
{
    /// <summary>Past this many stuck threads, new executions are refused with a clear error.</summary>
    public const int MaxStuck = 64;

    private static int s_stuck;

    public static int Stuck => Volatile.Read(ref s_stuck);

    public static void Abandoned() => Interlocked.Increment(ref s_stuck);

    public static void Reclaimed() => Interlocked.Decrement(ref s_stuck);
}
