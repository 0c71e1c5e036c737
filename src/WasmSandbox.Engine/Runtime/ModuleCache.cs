using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// Compiled modules shared by every context and execution of the process, keyed by the SHA-256 of the module bytes
/// and the engine profile: a changed file (or a symlink moved to another file) compiles afresh, an unchanged one
/// never does, and concurrent first starts of one module compile it once.
/// </summary>
internal sealed class ModuleCache
{
    private const int MaxEntries = 128;

    private readonly ConcurrentDictionary<string, Lazy<Module>> _modules = new();
    private readonly ConcurrentQueue<string> _order = new();

    public static string Hash(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public (Module Module, WasmWarmup Warmup) GetOrCompile(EngineProfile profile, byte[] wasm, string sha256, string modulePath, string displayName)
    {
        string key = $"{profile.Key}/{sha256}";
        bool compiledHere = false;
        var compileTime = TimeSpan.Zero;
        var lazy = _modules.GetOrAdd(key, _ => new Lazy<Module>(() =>
        {
            compiledHere = true;
            var clock = Stopwatch.StartNew();
            var module = Module.FromBytes(profile.Engine, displayName, wasm);
            compileTime = clock.Elapsed;
            return module;
        }, LazyThreadSafetyMode.ExecutionAndPublication));
        Module compiled;
        try
        {
            compiled = lazy.Value;
        }
        catch
        {
            // Do not keep a failed compile: the next start re-reads the file and tries again.
            _modules.TryRemove(new KeyValuePair<string, Lazy<Module>>(key, lazy));
            throw;
        }
        if (compiledHere)
        {
            _order.Enqueue(key);
            Trim();
        }
        return (compiled, new WasmWarmup(compiledHere, compiledHere ? "compiled" : "memory", modulePath, null, compileTime));
    }

    /// <summary>
    /// Drops the oldest entries past the bound. A dropped module is not disposed: executions may still hold it, and
    /// the finalizer of Wasmtime's handle frees it once they are gone.
    /// </summary>
    private void Trim()
    {
        while (_modules.Count > MaxEntries && _order.TryDequeue(out var oldest))
        {
            _modules.TryRemove(oldest, out _);
        }
    }
}
