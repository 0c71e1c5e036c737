using System.Runtime.InteropServices;

namespace WasmSandbox;

/// <summary>
/// Hands the memory a compile used back to the operating system. Wasmtime's compilers allocate through the C heap,
/// and a big module needs a lot of scratch memory: compiling a 75 MB module (clang) with Winch peaks at 2.4 GB and,
/// once it is done and its code is in its own mapping, glibc still holds 1.7 GB of freed heap in its arenas, which
/// the PowerShell process would keep resident for the rest of its life (a runbook host that ran clang once). After a
/// compile of a module of <see cref="Threshold"/> bytes or more, a thread-pool thread calls glibc's
/// <c>malloc_trim</c>, which returns free arena pages (the same process measured 248 MB after it; the call took
/// 125 ms, off the run's path). Elsewhere (Windows, macOS, a C library without <c>malloc_trim</c>) nothing is done.
/// </summary>
internal static unsafe class NativeHeap
{
    /// <summary>Modules smaller than this leave little scratch memory behind; glibc's own trimming suffices.</summary>
    public const long Threshold = 4L << 20;

    private static readonly delegate* unmanaged<nuint, int> s_trim = FindTrim();
    private static int s_scheduled;
    private static int s_trims;

    /// <summary>Whether this process's C library can be asked to return freed memory.</summary>
    public static bool Supported => s_trim != null;

    /// <summary>How many trims have run in this process (for tests).</summary>
    public static int Trims => Volatile.Read(ref s_trims);

    /// <summary>
    /// Call after compiling a module or component of <paramref name="moduleBytes"/> bytes, once the compiler has
    /// returned and its code has been stored (serializing a big module's code takes hundreds of MB too). Compiles that
    /// end while a trim is still queued share it.
    /// </summary>
    public static void ReleaseAfterCompile(long moduleBytes)
    {
        if (moduleBytes < Threshold || !Supported || Interlocked.Exchange(ref s_scheduled, 1) == 1)
        {
            return;
        }
        ThreadPool.UnsafeQueueUserWorkItem(static _ =>
        {
            // Cleared before the trim: a compile that ends during it queues another, which frees what it left.
            Volatile.Write(ref s_scheduled, 0);
            s_trim(0);
            Interlocked.Increment(ref s_trims);
        }, null);
    }

    private static delegate* unmanaged<nuint, int> FindTrim()
    {
        if (!OperatingSystem.IsLinux()
            || !NativeLibrary.TryLoad("libc.so.6", out var libc)
            || !NativeLibrary.TryGetExport(libc, "malloc_trim", out var trim))
        {
            return null;
        }
        return (delegate* unmanaged<nuint, int>)trim;
    }
}
