namespace WasmSandbox.Benchmarks.Measurement;

/// <summary>A peer failed or disagreed with the others, so its numbers would mean nothing. Exits 1.</summary>
internal sealed class BenchmarkFailedException(string message) : Exception(message);
