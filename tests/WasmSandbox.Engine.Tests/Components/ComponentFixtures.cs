using Xunit;

namespace WasmSandbox.Tests;

/// <summary>
/// The component fixtures tools/Build-Components.ps1 builds into out/guests/components (build.ps1 builds them before
/// the tests run). A missing fixture fails the test with the command that builds it, never skips it.
/// </summary>
internal static class ComponentFixtures
{
    private static readonly Lazy<string> s_folder = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "build.ps1")))
            {
                return System.IO.Path.Combine(dir.FullName, "out", "guests", "components");
            }
        }
        throw new InvalidOperationException($"no build.ps1 above {AppContext.BaseDirectory}: cannot find out/guests/components");
    });

    /// <summary>The full path of a fixture, e.g. <c>cprobe</c> for out/guests/components/cprobe.component.wasm.</summary>
    public static string Path(string name, string suffix = ".component.wasm")
    {
        string path = System.IO.Path.Combine(s_folder.Value, name + suffix);
        Assert.True(File.Exists(path), $"{path} is missing: build it with 'dotnet pwsh ./build.ps1 -Task Build' (tools/Build-Components.ps1)");
        return path;
    }

    /// <summary>Starts a fixture in <paramref name="sandbox"/>'s folder with <paramref name="arguments"/>.</summary>
    public static WasmExecution Start(Sandbox sandbox, string name, WasmExecutionOptions? options = null, params string[] arguments)
    {
        var o = options ?? new WasmExecutionOptions();
        var withArgs = sandbox.WithDirectory(o);
        var started = new WasmExecutionOptions
        {
            Arguments = arguments.Length > 0 ? arguments : o.Arguments,
            Environment = withArgs.Environment,
            WorkingDirectory = withArgs.WorkingDirectory,
            PermissionTier = withArgs.PermissionTier,
            Mounts = withArgs.Mounts,
            MaxFuel = withArgs.MaxFuel,
            MaxMemoryBytes = withArgs.MaxMemoryBytes,
            Timeout = withArgs.Timeout,
            MaxOutputBytes = withArgs.MaxOutputBytes,
            StdioMode = withArgs.StdioMode,
            OutputBufferBytes = withArgs.OutputBufferBytes,
            Clock = withArgs.Clock,
            ClockStart = withArgs.ClockStart,
            RandomSeed = withArgs.RandomSeed,
        };
        return WasmRuntime.Shared.Start(new WasmContext(Path(name)), started);
    }

    /// <summary>Runs a fixture to its end (stdin closed at once unless <paramref name="stdin"/> is given) and collects its events.</summary>
    public static Run RunToEnd(Sandbox sandbox, string name, WasmExecutionOptions? options = null, string? stdin = null, params string[] arguments)
    {
        var exec = Start(sandbox, name, options, arguments);
        if (stdin is not null)
        {
            exec.WriteInput(stdin);
        }
        exec.CloseInput();
        return Sandbox.Collect(exec, TimeSpan.FromMinutes(2));
    }
}
