using System.Runtime.CompilerServices;
using Wasmtime;

namespace WasmSandbox;

/// <summary>How an execution ended: what the exited event and the execution report.</summary>
internal readonly record struct ExitDecision(int ExitCode, WasmExitReason Reason, string? Message);

/// <summary>
/// The one record of why an execution ends, and the one place that maps an ending to its reason and exit code.
/// Two steps, each settled once, first come first served:
/// <list type="number">
/// <item>A request: the host asks the guest to end (<see cref="InterruptReason.TimedOut"/> from the deadline timer,
/// <see cref="InterruptReason.Stopped"/>, <see cref="InterruptReason.OutputLimitExceeded"/>). It cancels
/// <see cref="Token"/>, which every host call that can wait watches, and the epoch callback sees it within a tick.</item>
/// <item>A decision: the end itself. The guest thread decides when the guest returns, exits, traps or unwinds; the
/// deadline watchdog decides when a requested end has not happened within <see cref="Grace"/> (a host call stuck in
/// the kernel), so no host call can keep an execution alive past its deadline. Whoever decides second changes nothing.</item>
/// </list>
/// </summary>
internal sealed class ExecutionOutcome : IDisposable
{
    public const int InternalErrorExitCode = 70; // EX_SOFTWARE: the sandbox failed, not the guest
    public const int LimitExitCode = 124;
    public const int LinkFailedExitCode = 127;
    public const int StoppedExitCode = 130;
    public const int TrapExitCode = 134;

    /// <summary>How long a requested end may take before the watchdog ends the execution without the guest thread.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(100);

    private readonly SandboxLimits _limits;
    private readonly CancellationTokenSource _cancel = new();
    private DeadlineThread.Entry? _deadline;
    private DeadlineThread.Entry? _watchdog;
    private int _requested;
    private StrongBox<ExitDecision>? _decision;
    private Action<ExitDecision>? _abandon;

    public ExecutionOutcome(SandboxLimits limits) => _limits = limits;

    /// <summary>Cancelled when the host requests the end.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>The first end the host requested, or None.</summary>
    public InterruptReason Requested => (InterruptReason)Volatile.Read(ref _requested);

    /// <summary>The decided end, once there is one.</summary>
    public ExitDecision? Decision => Volatile.Read(ref _decision)?.Value;

    /// <summary>
    /// Arms the deadline and the watchdog. <paramref name="abandon"/> ends the execution without the guest thread
    /// (reports the decision); it runs only if the watchdog decides.
    /// </summary>
    public void Arm(Action<ExitDecision> abandon)
    {
        _abandon = abandon;
        if (_limits.Timeout != Timeout.InfiniteTimeSpan)
        {
            _deadline = DeadlineThread.Schedule(_limits.Timeout, () => Request(InterruptReason.TimedOut));
        }
    }

    /// <summary>Requests the end; false when an end was already requested or decided (the first cause stands).</summary>
    public bool Request(InterruptReason reason)
    {
        if (Decision is not null || Interlocked.CompareExchange(ref _requested, (int)reason, (int)InterruptReason.None) != (int)InterruptReason.None)
        {
            return false;
        }
        try
        {
            _cancel.Cancel();
            _watchdog = DeadlineThread.Schedule(Grace, OnGraceExpired);
        }
        catch (ObjectDisposedException)
        {
            // Decided and disposed meanwhile.
        }
        return true;
    }

    private void OnGraceExpired()
    {
        var decision = ForRequest(Requested);
        if (TryDecide(decision))
        {
            GuestThreads.Abandoned();
            Volatile.Read(ref _abandon)?.Invoke(decision with { Message = decision.Message + " (the guest thread was stuck in a host call; it is reclaimed when the call returns)" });
        }
    }

    /// <summary>Records <paramref name="decision"/> if nothing was decided yet; true for the one caller that decides.</summary>
    public bool TryDecide(ExitDecision decision)
    {
        if (Interlocked.CompareExchange(ref _decision, new StrongBox<ExitDecision>(decision), null) is not null)
        {
            return false;
        }
        _deadline?.Cancel();
        _watchdog?.Cancel();
        return true;
    }

    /// <summary>The guest returned from <c>_start</c>.</summary>
    public static ExitDecision Returned => new(0, WasmExitReason.Exited, null);

    /// <summary>
    /// How a component's run ended, given what the runner saw (<paramref name="seen"/>). A component's output limit is
    /// reached inside Wasmtime's output callback, which cannot unwind the guest the way a core module's fd_write does:
    /// the guest may still return or exit before the epoch ends it, and the limit stands over that end.
    /// </summary>
    public ExitDecision ForComponent(ExitDecision seen) =>
        Requested == InterruptReason.OutputLimitExceeded ? ForRequest(InterruptReason.OutputLimitExceeded) : seen;

    /// <summary>The end a host request causes.</summary>
    public ExitDecision ForRequest(InterruptReason reason) => reason switch
    {
        InterruptReason.TimedOut => new(LimitExitCode, WasmExitReason.TimedOut, _limits.TimeoutNote),
        InterruptReason.Stopped => new(StoppedExitCode, WasmExitReason.Stopped, "the guest was stopped by the host"),
        InterruptReason.OutputLimitExceeded => new(LimitExitCode, WasmExitReason.OutputLimitExceeded,
            $"output limit of {_limits.MaxOutputBytes} bytes exceeded (stdout and stderr together); the guest was ended"),
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "not a request"),
    };

    /// <summary>A failure of the sandbox itself.</summary>
    public static ExitDecision InternalError(Exception e) =>
        new(InternalErrorExitCode, WasmExitReason.InternalError, $"internal sandbox error (not the guest's doing): {e.GetType().Name}: {e.Message}");

    /// <summary>
    /// Why the guest's code stopped with <paramref name="e"/>: an exit, a requested end, fuel, a sandbox failure in a
    /// host function, a link failure (only while <paramref name="linking"/>), or a trap. Order matters: an exit the
    /// guest made is its own, whatever else happened; a request explains any unwinding after it.
    /// </summary>
    public ExitDecision Classify(Exception e, bool linking)
    {
        if (e.InnerException is GuestExitException exit)
        {
            // A POSIX host sees the low 8 bits of an exit status; say so when the guest gave more.
            int code = (int)(exit.Status & 0xff);
            return new(code, WasmExitReason.Exited, exit.Status > 0xff ? $"the guest exited with status {exit.Status}, which a POSIX host sees as {code}" : null);
        }
        if (e is WasmtimeException { ExitCode: int wasiCode })
        {
            return new(wasiCode, WasmExitReason.Exited, null);
        }
        if (Requested != InterruptReason.None)
        {
            return ForRequest(Requested);
        }
        if (IsOutOfFuel(e))
        {
            return new(LimitExitCode, WasmExitReason.FuelExhausted, $"fuel budget exhausted ({_limits.MaxFuel} units)");
        }
        if (e is not WasmtimeException || e.InnerException is { } inner && inner is not SandboxInterruptException and not WasmtimeException)
        {
            // A .NET exception from the sandbox's own code (directly, or from a host function through Wasmtime).
            return InternalError(e.InnerException ?? e);
        }
        if (linking && !IsTrap(e))
        {
            return new(LinkFailedExitCode, WasmExitReason.LinkFailed, ComponentImport(e.Message) is { } missing
                ? $"the component could not be linked: {missing}"
                : $"the module could not be linked: {FirstLine(e.Message)}");
        }
        return new(TrapExitCode, WasmExitReason.Trapped, $"wasm trap: {TrapCause(e.Message)}");
    }

    // Wasmtime's text for a fuel trap. A component's traps arrive as plain WasmtimeException (the component API
    // gives no trap code), so for them the text is all there is; this is the one place it is read
    // (ExecutionOutcomeTests pins it, and a fuel-limited component run checks it against Wasmtime itself).
    internal const string FuelTrapCause = "all fuel consumed by WebAssembly";

    /// <summary>The guest ran out of fuel: by trap code for a core module, by Wasmtime's text for a component.</summary>
    internal static bool IsOutOfFuel(Exception e) =>
        e is TrapException { Type: TrapCode.OutOfFuel }
        || e is WasmtimeException and not TrapException && TrapLine(e.Message) is { } cause && cause == FuelTrapCause;

    /// <summary>A trap (not a link failure): a core module's <see cref="TrapException"/>, or a component's "wasm trap:" text.</summary>
    internal static bool IsTrap(Exception e) => e is TrapException || e is WasmtimeException && TrapLine(e.Message) is not null;

    /// <summary>The cause after Wasmtime's "wasm trap:" line marker, or null when the text has none.</summary>
    private static string? TrapLine(string message) =>
        message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .LastOrDefault(l => l.StartsWith("wasm trap:", StringComparison.Ordinal)) is string t ? t["wasm trap:".Length..].Trim() : null;

    /// <summary>
    /// The interface and function a component imports that the linker does not provide, in words, from Wasmtime's
    /// instantiation error ("component imports instance `wasi:http/types@0.2.12`, ... instance export `fields` has the
    /// wrong type"); null when the text is not that error. The component API reports it only as text.
    /// </summary>
    internal static string? ComponentImport(string message)
    {
        var import = System.Text.RegularExpressions.Regex.Match(message, @"component imports (instance|function|resource|module|type) `([^`]+)`");
        if (!import.Success)
        {
            return null;
        }
        var export = System.Text.RegularExpressions.Regex.Match(message, @"instance export `([^`]+)`");
        string what = import.Groups[1].Value == "instance"
            ? export.Success ? $"interface {import.Groups[2].Value} (its function or type {export.Groups[1].Value})" : $"interface {import.Groups[2].Value}"
            : $"{import.Groups[1].Value} {import.Groups[2].Value}";
        return $"it imports {what}, which the sandbox does not provide (it links WASI preview 2's wasi:cli, wasi:io, wasi:clocks, wasi:random, wasi:filesystem and wasi:sockets, nothing else)";
    }

    /// <summary>Wasmtime's trap text ends with the cause ("wasm trap: ..."); keep that.</summary>
    private static string TrapCause(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return lines.LastOrDefault(l => l.StartsWith("wasm trap:", StringComparison.Ordinal)) is string t
            ? t["wasm trap:".Length..].Trim()
            : lines.LastOrDefault() ?? message;
    }

    private static string FirstLine(string message) =>
        message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? message;

    /// <summary>
    /// Cancels the deadline and the watchdog, and lets go of the runner they could have called back (so a finished
    /// execution the registry keeps does not keep its runner and guest session alive). The token source stays usable:
    /// a stuck guest thread may still watch it.
    /// </summary>
    public void Dispose()
    {
        _deadline?.Cancel();
        _watchdog?.Cancel();
        Volatile.Write(ref _abandon, null);
    }
}
