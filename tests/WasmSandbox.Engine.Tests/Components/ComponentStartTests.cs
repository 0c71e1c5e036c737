using Xunit;

namespace WasmSandbox.Tests;

/// <summary>
/// How a component start fails: imports the sandbox does not provide end as LinkFailed naming them (the process
/// survives: no store ever instantiates without its WASI configuration), and what only core modules have is a
/// parameter error before anything starts.
/// </summary>
public class ComponentStartTests
{
    [Theory]
    [InlineData("needshttp", "wasi:http/types@0.2.12")]
    [InlineData("needscustom", "wasmsandbox:fixtures/custom")]
    public void UnprovidedImportFailsWithLinkFailedNamingIt(string fixture, string missing)
    {
        using var sandbox = new Sandbox();
        var run = ComponentFixtures.RunToEnd(sandbox, fixture);
        Assert.Equal((127, WasmExitReason.LinkFailed), (run.ExitCode, run.Exited.Reason));
        Assert.Contains($"imports interface {missing}", run.Exited.Message);
        Assert.Equal("", run.Stdout);
        // The process is alive and runs the next component as ever.
        Assert.Equal(0, ComponentFixtures.RunToEnd(sandbox, "cprobe", arguments: "hello").ExitCode);
    }

    [Fact]
    public void CustomImportNamesTheFunction()
    {
        using var sandbox = new Sandbox();
        var run = ComponentFixtures.RunToEnd(sandbox, "needscustom");
        Assert.Contains("ping", run.Exited.Message);
    }

    [Theory]
    [InlineData("SyncRpc", "ComponentStdioMode")]
    [InlineData("Full", "ComponentHostProcess")]
    [InlineData("ClockStart", "ComponentClock")]
    [InlineData("RandomSeed", "ComponentRandomSeed")]
    public void CoreModuleOnlyOptionsAreParameterErrors(string option, string errorId)
    {
        using var sandbox = new Sandbox();
        var options = option switch
        {
            "SyncRpc" => new WasmExecutionOptions { StdioMode = WasmStdioMode.SyncRpc },
            "Full" => new WasmExecutionOptions { PermissionTier = WasmPermissionTier.Full },
            "ClockStart" => new WasmExecutionOptions { ClockStart = DateTimeOffset.UnixEpoch },
            _ => new WasmExecutionOptions { RandomSeed = 7 },
        };
        var e = Assert.Throws<WasmConfigurationException>(() => ComponentFixtures.Start(sandbox, "cprobe", options, "hello"));
        Assert.Equal(errorId, e.ErrorId);
    }

    [Fact]
    public void ComponentFromBytesRunsAsFromAFile()
    {
        using var sandbox = new Sandbox();
        var context = WasmContext.FromBytes(File.ReadAllBytes(ComponentFixtures.Path("cprobe")), "tool.component.wasm");
        var exec = WasmRuntime.Shared.Start(context, sandbox.WithDirectory(new WasmExecutionOptions { Arguments = ["args"] }));
        exec.CloseInput();
        var run = Sandbox.Collect(exec);
        Assert.Equal("argc 2\ntool.component.wasm\nargs\n", run.Stdout);
    }

    [Fact]
    public void PrecompileWarmsTheFirstStart()
    {
        using var sandbox = new Sandbox();
        var context = new WasmContext(ComponentFixtures.Path("hello"));
        var warm = WasmRuntime.Shared.Precompile(context, sandbox.WithDirectory(new WasmExecutionOptions()));
        Assert.Contains(warm.Source, new[] { "compiled", "disk", "memory" });
        var exec = WasmRuntime.Shared.Start(context, sandbox.WithDirectory(new WasmExecutionOptions()));
        exec.CloseInput();
        var run = Sandbox.Collect(exec);
        Assert.Equal("memory", run.Execution.Warmup.Source);
        Assert.Equal("hello, world\n", run.Stdout);
    }

    [Fact]
    public void TruncatedComponentIsRefusedAsMalformedNotACrash()
    {
        using var sandbox = new Sandbox();
        var bytes = File.ReadAllBytes(ComponentFixtures.Path("hello"));
        var path = Path.Combine(sandbox.Directory, "cut.component.wasm");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        // The inspector refuses it before Wasmtime sees it, with the refusal a truncated core module gets.
        var e = Assert.Throws<WasmModuleFormatException>(() => WasmRuntime.Shared.Start(new WasmContext(path), sandbox.WithDirectory(new WasmExecutionOptions())));
        Assert.Contains("cut.component.wasm", e.Message);
        Assert.Contains("runs past the end of the file", e.Message);
    }

    [Fact]
    public void AComponentPastTheInspectorsCapsIsRefusedBeforeWasmtimeSeesIt()
    {
        // 300 000 nested components: Wasmtime's own parser would recurse through them; the start refuses the file
        // with the nesting cap, as Test-WasmModule reports it, and the process carries on.
        using var sandbox = new Sandbox();
        var path = Path.Combine(sandbox.Directory, "deep.component.wasm");
        File.WriteAllBytes(path, WasmSandbox.Tests.Inspection.WasmComponentBuilder.Nested(300_000, WasmSandbox.Tests.Inspection.WasmComponentBuilder.Command().Build()));
        var e = Assert.Throws<WasmParserLimitException>(() => WasmRuntime.Shared.Start(new WasmContext(path), sandbox.WithDirectory(new WasmExecutionOptions())));
        Assert.Equal(WasmParserLimit.ComponentNesting, e.Limit);
        Assert.Contains("nested more than the configured parser cap of 100 components deep", e.Message);
    }
}
