using Wasmtime;
using Xunit;

namespace WasmSandbox.Tests;

/// <summary>
/// Pins the Wasmtime 50 texts the outcome reads for components, whose API gives neither trap codes nor which import
/// failed: if an upgrade changes them, these fail (the fuel and link-failure runs in ComponentLimitTests and
/// ComponentStartTests check the same texts against Wasmtime itself).
/// </summary>
public class ComponentOutcomeTests
{
    private const string FuelText = "error while executing at wasm backtrace:\n    0:   0x1e1c - <unknown>!main\n\nCaused by:\n    wasm trap: all fuel consumed by WebAssembly\n";

    [Fact]
    public void FuelTrapTextIsRecognised()
    {
        Assert.True(ExecutionOutcome.IsOutOfFuel(new WasmtimeException(FuelText)));
        Assert.False(ExecutionOutcome.IsOutOfFuel(new WasmtimeException(FuelText.Replace("all fuel consumed by WebAssembly", "wasm `unreachable` instruction executed"))));
        // A guest cannot fake it by printing: only the "wasm trap:" line of Wasmtime's own error counts.
        Assert.False(ExecutionOutcome.IsOutOfFuel(new WasmtimeException("all fuel consumed by WebAssembly")));
    }

    [Fact]
    public void ComponentTrapTextIsATrapNotALinkFailure()
    {
        Assert.True(ExecutionOutcome.IsTrap(new WasmtimeException("Caused by:\n    wasm trap: integer divide by zero")));
        Assert.False(ExecutionOutcome.IsTrap(new WasmtimeException("component imports instance `a:b/c`, but a matching implementation was not found in the linker")));
    }

    [Theory]
    [InlineData("component imports instance `wasi:http/types@0.2.12`, but a matching implementation was not found in the linker\n\nCaused by:\n    0: instance export `fields` has the wrong type",
        "interface wasi:http/types@0.2.12 (its function or type fields)")]
    [InlineData("component imports instance `my:pkg/api`, but a matching implementation was not found in the linker", "interface my:pkg/api,")]
    [InlineData("component imports function `run-it`, but a matching implementation was not found in the linker", "function run-it,")]
    public void LinkFailureNamesTheImport(string text, string expected)
    {
        Assert.Contains(expected, ExecutionOutcome.ComponentImport(text));
    }

    [Fact]
    public void OtherLinkErrorsAreNotReadAsComponentImports()
    {
        Assert.Null(ExecutionOutcome.ComponentImport("unknown import: `env::foo` has not been defined"));
    }
}
