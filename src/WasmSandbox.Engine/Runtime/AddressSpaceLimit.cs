namespace WasmSandbox;

/// <summary>
/// The process's limit on virtual address space (<c>ulimit -v</c>, RLIMIT_AS). Wasmtime aborts the process when it
/// cannot reserve an engine's instance pool, so the pool is only created when no such limit is set.
/// </summary>
internal static class AddressSpaceLimit
{
    /// <summary>Whether the process may reserve address space without a limit (always so on Windows).</summary>
    public static bool IsUnlimited() =>
        OperatingSystem.IsWindows()
        // RLIM_INFINITY is all ones on Linux and 2^63-1 on macOS; anything that large is no limit in practice.
        || ProcessResourceLimit.TryGetSoft(ProcessResourceLimit.AddressSpace, out ulong limit) && limit >= 1UL << 62;
}
