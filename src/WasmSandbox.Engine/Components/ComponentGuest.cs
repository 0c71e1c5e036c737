using Wasmtime;
using Wasmtime.Components;

namespace WasmSandbox;

/// <summary>
/// Runs one component (a <c>wasi:cli/command</c>) in a store that <see cref="ExecutionRunner"/> has set up as for a
/// core module (limits, fuel, epoch deadline): gives the store its WASI configuration — always before
/// instantiating, since a component that reaches WASI in a store without one makes Wasmtime abort the process —
/// with the policy's preopens, arguments and environment, stdout and stderr streamed to the execution as events
/// (<see cref="GuestSession.WriteOutput"/>: the same output limit, back-pressure and control lines as a core module),
/// and stdin through <see cref="ComponentStdin"/>; then instantiates and calls <c>wasi:cli/run</c>'s <c>run</c>.
/// How it ended is decided by the execution's <see cref="ExecutionOutcome"/>, as for a core module.
/// </summary>
internal sealed class ComponentGuest
{
    /// <summary>
    /// Core instances a component's store may create. A command component holds several (its program, the preview 1
    /// adapter, and the shim and fixup modules the component model adds: 4 to 6 for the fixtures), where a core module
    /// run needs two. Instances own no memory beyond the memories and tables the limits already bound.
    /// </summary>
    public const int MaxInstances = 32;

    // Semver-compatible: Wasmtime finds wasi:cli/run@0.2.x for any x by this name.
    private const string RunInterface = "wasi:cli/run@0.2.0";

    private readonly Component _component;
    private readonly ComponentLinker _linker;

    public ComponentGuest(Component component, ComponentLinker linker)
    {
        _component = component;
        _linker = linker;
    }

    /// <summary>
    /// A component's store limits: the core module's rule for memories and tables (so all the memories and tables of
    /// all the core instances inside the component together stay within -MaxMemory: one memory, two tables), with room
    /// for its core instances.
    /// </summary>
    public static StoreLimits Limits(StoreLimits core) => core with { Instances = MaxInstances };

    public ExitDecision Run(Store store, GuestSession session, ExecutionOutcome outcome, WasiConfiguration wasi)
    {
        using var stdin = ComponentStdin.IsSupported ? new ComponentStdin(session.Input, session.Cancel) : null;
        if (stdin is not null)
        {
            wasi.WithStandardInput(stdin.Path);
        }
        wasi.WithStandardOutputCallback(data => Output(session, StdioStream.Stdout, data))
            .WithStandardErrorCallback(data => Output(session, StdioStream.Stderr, data));
        store.SetWasiConfiguration(wasi);
        if (stdin is not null)
        {
            stdin.ReleaseReadEnd();
            stdin.Start();
        }

        ComponentInstance instance;
        try
        {
            FaultInjection.Run(FaultInjection.BeforeInstantiate, session.Execution);
            instance = _linker.Instantiate(store, _component);
        }
        catch (Exception e)
        {
            return outcome.Classify(e, linking: true);
        }
        var run = instance.GetFunction(RunInterface, "run");
        // wasi:cli/run's run takes nothing; a component exporting another 'run' under that name is not a command.
        if (run is null || run.ParameterCount != 0)
        {
            return new(ExecutionOutcome.LinkFailedExitCode, WasmExitReason.LinkFailed,
                "the component exports no wasi:cli/run@0.2 'run' function; it is not a wasi:cli/command");
        }
        try
        {
            session.ThrowIfInterrupted();
            var result = run.Call();
            // run returns result: an err is the command's failure, exit code 1 (as wasmtime run reports it).
            return outcome.ForComponent(result is { Kind: ComponentValueKind.Result, IsOk: false }
                ? new(1, WasmExitReason.Exited, null)
                : ExecutionOutcome.Returned);
        }
        catch (Exception e)
        {
            return outcome.ForComponent(outcome.Classify(e, linking: false));
        }
    }

    /// <summary>
    /// Wasmtime's output callback: runs on a Wasmtime thread while the guest's thread waits, so the session is used
    /// by one thread at a time. An exception would close the stream for the rest of the run; an end the host asked
    /// for (stop, timeout, output limit) is the only one expected here, and the epoch ends the guest within a tick.
    /// </summary>
    private static void Output(GuestSession session, StdioStream stream, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }
        try
        {
            session.WriteOutput(stream, data.ToArray());
        }
        catch (SandboxInterruptException)
        {
            // Ending: nothing more is delivered.
        }
    }
}
