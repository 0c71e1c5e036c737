using Xunit;

namespace WasmSandbox.Tests;

/// <summary>Tests that assert how soon something happens; xunit runs this collection with nothing else in parallel.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "Timing";
}
