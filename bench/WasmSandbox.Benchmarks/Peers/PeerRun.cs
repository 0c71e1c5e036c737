namespace WasmSandbox.Benchmarks.Peers;

/// <summary>One run of a workload by one peer: wall time, stdout size, and stdout's SHA-256 on verification runs.</summary>
internal readonly record struct PeerRun(TimeSpan Elapsed, long StdoutBytes, string? StdoutSha256);
