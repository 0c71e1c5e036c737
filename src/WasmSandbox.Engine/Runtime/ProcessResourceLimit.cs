using System.Runtime.InteropServices;

namespace WasmSandbox;

/// <summary>The process's own resource limits (getrlimit), on the Unix systems that have them.</summary>
internal static partial class ProcessResourceLimit
{
    /// <summary>RLIMIT_NOFILE: how many descriptors the process may hold open.</summary>
    public static int? OpenFiles => OperatingSystem.IsLinux() ? 7 : OperatingSystem.IsMacOS() ? 8 : null;

    /// <summary>RLIMIT_AS: how much virtual address space the process may reserve.</summary>
    public static int? AddressSpace => OperatingSystem.IsLinux() ? 9 : OperatingSystem.IsMacOS() ? 5 : null;

    /// <summary>The soft (current) limit of <paramref name="resource"/>; false where it cannot be read.</summary>
    public static bool TryGetSoft(int? resource, out ulong limit)
    {
        limit = 0;
        if (resource is not int r || OperatingSystem.IsWindows() || GetRLimit(r, out var value) != 0)
        {
            return false;
        }
        limit = value.Current;
        return true;
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
