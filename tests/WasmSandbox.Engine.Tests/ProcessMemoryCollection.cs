using Xunit;

namespace WasmSandbox.Tests;

/// <summary>
/// Tests that measure this process's working set, or fill hundreds of MiB of it on purpose: run with nothing else in
/// parallel, so one's memory is never counted against another's bound.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessMemoryCollection
{
    public const string Name = "Process memory";
}
