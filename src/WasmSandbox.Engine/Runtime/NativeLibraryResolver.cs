using System.Reflection;
using System.Runtime.InteropServices;

namespace WasmSandbox;

/// <summary>
/// Finds libwasmtime for Wasmtime.Dotnet. A test host or app reads the deps.json and finds it under
/// runtimes/&lt;rid&gt;/native; PowerShell loads binary modules without reading their deps.json, so the module
/// must point the runtime at the library in its own folder. Registered once, before any Wasmtime call.
/// </summary>
internal static class NativeLibraryResolver
{
    private static int s_registered;

    public static void Register()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 1)
        {
            return;
        }
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(Wasmtime.Engine).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // The host registered a resolver for Wasmtime.Dotnet already; it knows where the library is.
        }
        try
        {
            // The engine calls a few functions of the same library that Wasmtime.Dotnet does not wrap (WinchStrategy).
            NativeLibrary.SetDllImportResolver(typeof(NativeLibraryResolver).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != "wasmtime")
        {
            return IntPtr.Zero;
        }
        foreach (var candidate in Candidates(assembly))
        {
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var handle))
            {
                return handle;
            }
        }
        return IntPtr.Zero; // fall back to the runtime's own probing (deps.json, system paths)
    }

    private static IEnumerable<string> Candidates(Assembly assembly)
    {
        string file = OperatingSystem.IsWindows() ? "wasmtime.dll" : OperatingSystem.IsMacOS() ? "libwasmtime.dylib" : "libwasmtime.so";
        foreach (var dir in new[] { Path.GetDirectoryName(assembly.Location), Path.GetDirectoryName(typeof(NativeLibraryResolver).Assembly.Location) }.Distinct())
        {
            if (string.IsNullOrEmpty(dir))
            {
                continue;
            }
            yield return Path.Combine(dir, "runtimes", RuntimeId(), "native", file);
            yield return Path.Combine(dir, file);
        }
    }

    private static string RuntimeId()
    {
        string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        string arch = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.Arm64 => "arm64",
            Architecture.X64 => "x64",
            var other => other.ToString().ToLowerInvariant(),
        };
        return $"{os}-{arch}";
    }
}
