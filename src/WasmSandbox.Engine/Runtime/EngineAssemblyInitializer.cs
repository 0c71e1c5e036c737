using System.Runtime.CompilerServices;

namespace WasmSandbox;

/// <summary>
/// Points Wasmtime.Dotnet at the native library before any code of this assembly can call it — module inspection,
/// text conversion and validation reach Wasmtime without going through <see cref="WasmRuntime"/>.
/// </summary>
internal static class EngineAssemblyInitializer
{
#pragma warning disable CA2255 // A library initializer is the point: no caller can be relied on to register first.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize() => NativeLibraryResolver.Register();
}
