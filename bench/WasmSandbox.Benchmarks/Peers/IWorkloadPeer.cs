namespace WasmSandbox.Benchmarks.Peers;

/// <summary>A way of running one workload (a module with arguments and stdin): the sandbox, raw Wasmtime, Node, native.</summary>
internal interface IWorkloadPeer
{
    /// <summary>Short name used as the JSON key and in the results table.</summary>
    string Name { get; }

    /// <summary>Runs the workload once; throws when it fails. <paramref name="verify"/> also hashes stdout.</summary>
    PeerRun Run(bool verify);
}
