using System.Runtime.InteropServices;

namespace WasmSandbox;

/// <summary>
/// The process's limit on virtual address space (<c>ulimit -v</c>, RLIMIT_AS). Wasmtime aborts the process when it
/// cannot reserve an engine's instance pool, so the pool is only created when no such limit is set.
/// </summary>
internal static partial class AddressSpaceLimit
{
    /// <summary>Whether the process may reserve address space without a limit (always so on Windows).</summary>
    public static bool IsUnlimited()
    {
        if (OperatingSystem.IsWindows())
        {
            return true;
        }
        int resource = OperatingSystem.IsLinux() ? 9 : OperatingSystem.IsMacOS() ? 5 : -1;
        if (resource < 0 || GetRLimit(resource, out var limit) != 0)
        {
            return false;
        }
        // RLIM_INFINITY is all ones on Linux and 2^63-1 on macOS; anything that large is no limit in practice.
        return limit.Current >= 1UL << 62;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, out RLimit limit);
}
