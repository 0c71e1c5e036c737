namespace WasmSandbox.Benchmarks.Cli;

/// <summary>The command line is wrong; the message says how. Exits 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
