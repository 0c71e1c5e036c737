using Xunit;

namespace WasmSandbox.Tests;

/// <summary>Components run under the same sandbox as core modules: output, exit codes, files, arguments, environment.</summary>
public class ComponentRunTests
{
    [Fact]
    public void AdaptedCProgramPrintsAndExitsZero()
    {
        using var sandbox = new Sandbox();
        var run = ComponentFixtures.RunToEnd(sandbox, "cprobe", arguments: "hello");
        Assert.Equal("hello from a component\n", run.Stdout);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(WasmExitReason.Exited, run.Exited.Reason);
        Assert.Equal(WasmExecutionState.Completed, run.Execution.State);
    }

    [Fact]
    public void StderrArrivesAsStderrEvents()
    {
        using var sandbox = new Sandbox();
        var run = ComponentFixtures.RunToEnd(sandbox, "cprobe", arguments: ["stderr", "oops"]);
        Assert.Equal("oops\n", run.Stderr);
        Assert.Equal("", run.Stdout);
        Assert.Equal(5, run.Exited.StderrBytes);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(42)]
    [InlineData(255)]
    public void ExitWithCodeKeepsTheCode(int code)
    {
        using var sandbox = new Sandbox();
        var run = ComponentFixtures.RunToEnd(sandbox, "cprobe", arguments: ["exit", code.ToString()]);
        Assert.Equal(code, run.ExitCode);
        Assert.Equal(WasmExitReason.Exited, run.Exited.Reason);
    }

    [Fact]
    public void AdaptedExitCollapsesToOneAsTheAdapterDefines()
    {
        using var sandbox = new Sandbox();
        var run = ComponentFixtures.RunToEnd(sandbox, "cprobe", arguments: ["cexit", "3"]);
        Assert.Equal(1, run.ExitCode);
        Assert.Equal(WasmExitReason.Exited, run.Exited.Reason);
    }

    [Fact]
    public void ArgumentsStartWithTheFileNameAsForACoreModule()
    {
        using var sandbox = new Sandbox();
        var run = ComponentFixtures.RunToEnd(sandbox, "cprobe", arguments: ["args", "a b", "ü"]);
        Assert.Equal("argc 4\ncprobe.component.wasm\nargs\na b\nü\n", run.Stdout);
    }

    [Fact]
    public void EnvironmentIsOnlyWhatWasGiven()
    {
        using var sandbox = new Sandbox();
        Environment.SetEnvironmentVariable("WASMSANDBOX_COMPONENT_LEAK", "host");
        var none = ComponentFixtures.RunToEnd(sandbox, "cprobe", arguments: "env");
        Assert.Equal("env: 0\n", none.Stdout);
        var given = ComponentFixtures.RunToEnd(sandbox, "cprobe",
            new WasmExecutionOptions { Environment = [new("GREETING", "hi")] }, null, "env");
        Assert.Equal("GREETING=hi\nenv: 1\n", given.Stdout);
    }

    [Fact]
    public void IsolatedTierSeesNoFiles()
    {
        using var sandbox = new Sandbox();
        sandbox.Write("secret.txt", "secret");
        var run = ComponentFixtures.RunToEnd(sandbox, "cprobe", arguments: ["cat", "/secret.txt"]);
        Assert.DoesNotContain("secret", run.Stdout.Replace("/secret.txt", ""));
        Assert.StartsWith("error:", run.Stdout);
        Assert.Equal(1, run.ExitCode);
    }

    [Fact]
    public void ReadOnlyTierReadsButCannotWrite()
    {
        using var sandbox = new Sandbox();
        sandbox.Write("data.txt", "alpha");
        var options = new WasmExecutionOptions { PermissionTier = WasmPermissionTier.ReadOnly };
        Assert.Equal("alpha", ComponentFixtures.RunToEnd(sandbox, "cprobe", options, null, "cat", "/data.txt").Stdout);
        Assert.Equal("data.txt\n", ComponentFixtures.RunToEnd(sandbox, "cprobe", options, null, "ls", "/").Stdout);
        var write = ComponentFixtures.RunToEnd(sandbox, "cprobe", options, null, "write", "/new.txt", "x");
        Assert.StartsWith("error:", write.Stdout);
        Assert.False(File.Exists(Path.Combine(sandbox.Directory, "new.txt")));
    }

    [Fact]
    public void ReadWriteTierWritesAndReadOnlyMountStaysReadOnly()
    {
        using var sandbox = new Sandbox();
        var mounted = Directory.CreateTempSubdirectory("wasmsandbox-mount-").FullName;
        try
        {
            var options = new WasmExecutionOptions { PermissionTier = WasmPermissionTier.ReadWrite, Mounts = [$"{mounted}:/ro:ro"] };
            var write = ComponentFixtures.RunToEnd(sandbox, "cprobe", options, null, "write", "/out.txt", "written");
            Assert.Equal("wrote 7\n", write.Stdout);
            Assert.Equal("written", File.ReadAllText(Path.Combine(sandbox.Directory, "out.txt")));
            var refused = ComponentFixtures.RunToEnd(sandbox, "cprobe", options, null, "write", "/ro/out.txt", "x");
            Assert.StartsWith("error:", refused.Stdout);
            Assert.Empty(Directory.GetFiles(mounted));
        }
        finally
        {
            Directory.Delete(mounted, recursive: true);
        }
    }

    [Fact]
    public void PipelineInputReachesStdin()
    {
        using var sandbox = new Sandbox();
        var run = ComponentFixtures.RunToEnd(sandbox, "cprobe", stdin: "line one\nline two\n", arguments: "echo");
        Assert.Equal("line one\nline two\n", run.Stdout);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(18, run.Exited.StdinBytes);
    }

    [Fact]
    public void InputWrittenWhileRunningStreamsUntilClosed()
    {
        using var sandbox = new Sandbox();
        var exec = ComponentFixtures.Start(sandbox, "cprobe", null, "echo");
        exec.WriteInput("first\n");
        var first = new List<WasmEvent>();
        // The first line comes back before the input is closed: stdin streams (as -KeepInputOpen needs).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        string seen = "";
        while (!seen.Contains("first\n") && DateTime.UtcNow < deadline)
        {
            WasmEventReceiver.Receive([exec], null, wait: true, TimeSpan.FromMilliseconds(200), CancellationToken.None, first.Add);
            seen = string.Concat(first.OfType<WasmStdoutEvent>().Select(e => e.Text));
        }
        Assert.Equal("first\n", seen);
        Assert.Equal(WasmExecutionState.Running, exec.State);
        exec.WriteInput("second\n");
        exec.CloseInput();
        var rest = Sandbox.Collect(exec);
        Assert.Equal("second\n", rest.Stdout);
        Assert.Equal(0, rest.ExitCode);
    }

    [Fact]
    public void JavaScriptComponentReadsArgsStdinAndFiles()
    {
        using var sandbox = new Sandbox();
        sandbox.Write("b.txt", "b");
        sandbox.Write("a.txt", "a");
        var rw = new WasmExecutionOptions { PermissionTier = WasmPermissionTier.ReadWrite };
        Assert.Equal("hello from javascript\n", ComponentFixtures.RunToEnd(sandbox, "jsprobe", arguments: "hello").Stdout);
        Assert.Equal("argc 3\njsprobe.component.wasm\nargs\nx y\n", ComponentFixtures.RunToEnd(sandbox, "jsprobe", arguments: ["args", "x y"]).Stdout);
        Assert.Equal("stdin 5: piped\n", ComponentFixtures.RunToEnd(sandbox, "jsprobe", stdin: "piped", arguments: "stdin").Stdout);
        Assert.Equal("a.txt\nb.txt\n", ComponentFixtures.RunToEnd(sandbox, "jsprobe", rw, null, "ls", "/").Stdout);
        Assert.Equal("wrote 5\n", ComponentFixtures.RunToEnd(sandbox, "jsprobe", rw, null, "write", "/", "c.txt", "hello").Stdout);
        Assert.Equal("hello", File.ReadAllText(Path.Combine(sandbox.Directory, "c.txt")));
        Assert.Equal("no preopen /\n", ComponentFixtures.RunToEnd(sandbox, "jsprobe", arguments: ["ls", "/"]).Stdout);
        Assert.Equal(7, ComponentFixtures.RunToEnd(sandbox, "jsprobe", arguments: ["exit", "7"]).ExitCode);
        var failed = ComponentFixtures.RunToEnd(sandbox, "jsprobe", arguments: "fail");
        Assert.Equal((1, WasmExitReason.Exited), (failed.ExitCode, failed.Exited.Reason));
    }

    [Fact]
    public void PolicySaysTheComponentReadsTheHostClock()
    {
        using var sandbox = new Sandbox();
        var run = ComponentFixtures.RunToEnd(sandbox, "cprobe", arguments: "hello");
        Assert.Equal(SandboxClockMode.Real, run.Execution.Policy.Clock);
        Assert.Null(run.Execution.Policy.RandomSeed);
    }
}
