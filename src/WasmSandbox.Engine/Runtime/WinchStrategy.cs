using System.Reflection;
using System.Runtime.InteropServices;
using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// Selects Winch, Wasmtime's baseline compiler, for an engine configuration. The managed <see cref="CompilerStrategy"/>
/// names only Auto and Cranelift, but the native library in the Wasmtime package is built with Winch and exports
/// <c>wasmtime_config_strategy_set</c>; the configuration's native handle is internal to Wasmtime.Dotnet, so it is
/// read by reflection. Winch generates code for x86-64 only: elsewhere, or when either step is missing from the
/// installed package, <see cref="Unavailable"/> says why and every start runs on optimized code.
/// </summary>
internal static partial class WinchStrategy
{
    // wasmtime_strategy_t: WASMTIME_STRATEGY_AUTO = 0, WASMTIME_STRATEGY_CRANELIFT = 1, WASMTIME_STRATEGY_WINCH = 2.
    private const byte Winch = 2;

    private static readonly PropertyInfo? s_handle =
        typeof(Config).GetProperty("NativeHandle", BindingFlags.NonPublic | BindingFlags.Instance);

    private static readonly Lazy<string?> s_unavailable = new(FindUnavailable);

    /// <summary>Why the baseline tier cannot be used in this process, in words; null when it can.</summary>
    public static string? Unavailable => s_unavailable.Value;

    /// <summary>Makes <paramref name="config"/> compile with Winch. Call only when <see cref="Unavailable"/> is null.</summary>
    public static Config Apply(Config config)
    {
        var handle = (SafeHandle)s_handle!.GetValue(config)!;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            SetStrategy(handle.DangerousGetHandle(), Winch);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
        return config;
    }

    private static string? FindUnavailable()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return $"the baseline compiler (Winch) generates code for x86-64 only, not {RuntimeInformation.ProcessArchitecture}";
        }
        if (s_handle?.PropertyType is not { } type || !typeof(SafeHandle).IsAssignableFrom(type))
        {
            return "the baseline compiler (Winch) cannot be selected: this Wasmtime.Dotnet has no native configuration handle to set it on";
        }
        NativeLibraryResolver.Register();
        try
        {
            using var probe = Apply(new Config());
            return null;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return $"the baseline compiler (Winch) cannot be selected: the native Wasmtime library does not offer it ({e.Message})";
        }
    }

    [LibraryImport("wasmtime", EntryPoint = "wasmtime_config_strategy_set")]
    private static partial void SetStrategy(IntPtr config, byte strategy);
}
