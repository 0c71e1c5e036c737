using System.Collections.Concurrent;
using Wasmtime.Components;

namespace WasmSandbox;

/// <summary>
/// One component linker per engine profile, with Wasmtime's WASI preview 2 and nothing else: every import outside it
/// (wasi:http, a custom interface) fails instantiation, which the runner reports as LinkFailed. Built on first use, so
/// a process that runs only core modules never pays for it.
/// </summary>
/// <remarks>
/// A linker with WASI may only instantiate in a store that was given a WASI configuration: without one, Wasmtime
/// panics and aborts the process. <see cref="ComponentGuest.Run"/> is the only caller of Instantiate, and it sets the
/// configuration first.
/// </remarks>
internal sealed class ComponentLinkers
{
    private readonly ConcurrentDictionary<EngineProfile, Lazy<ComponentLinker>> _linkers = new();

    public ComponentLinker For(EngineProfile profile) =>
        _linkers.GetOrAdd(profile, p => new Lazy<ComponentLinker>(() =>
        {
            var linker = new ComponentLinker(p.Engine);
            linker.AddWasiPreview2();
            return linker;
        }, LazyThreadSafetyMode.ExecutionAndPublication)).Value;
}
