using System.Diagnostics;
using System.Text;
using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// Runs one guest on its own thread, in its own store, and turns however it ends into exactly one exited event.
/// Nothing the guest does — trap, stack overflow, bad import, runaway loop — escapes this class as an exception.
/// </summary>
internal sealed class ExecutionRunner
{
    public const int LimitExitCode = 124;
    public const int LinkFailedExitCode = 127;
    public const int StoppedExitCode = 130;
    public const int TrapExitCode = 134;

    private readonly WasmExecution _execution;
    private readonly Module _module;
    private readonly string? _linkProblem;
    private readonly EngineProfile _profile;
    private readonly InstancePool.Lease? _lease;
    private readonly Func<(EngineProfile Profile, Module Module)>? _onDemand;
    private readonly WasmExecutionOptions _options;
    private readonly SandboxPolicy _policy;
    private readonly EpochTicker _ticker;

    // linkProblem: the first import the sandbox does not provide at this tier, as the start-time inspection
    // described it; the run then ends as LinkFailed before instantiation. lease: the pool slot the run holds (when
    // the profile is pooled), given back once the store and its instances are gone. onDemand: the module for the
    // on-demand engine, for a pooled run that finds the pool out of the memory or table slots its module needs.
    public ExecutionRunner(WasmExecution execution, Module module, string? linkProblem, EngineProfile profile, InstancePool.Lease? lease,
        Func<(EngineProfile Profile, Module Module)>? onDemand, WasmExecutionOptions options, SandboxPolicy policy,
        EpochTicker ticker)
    {
        _onDemand = onDemand;
        _execution = execution;
        _module = module;
        _linkProblem = linkProblem;
        _profile = profile;
        _lease = lease;
        _options = options;
        _policy = policy;
        _ticker = ticker;
    }

    public void Start()
    {
        _ticker.Enter();
        _execution.CancelAfter(_policy.Limits.Timeout);
        GuestThreads.Run(Run);
    }

    private void Run()
    {
        var clock = Stopwatch.StartNew();
        ulong frozenNow = (ulong)(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) * 1_000_000UL;
        var session = new GuestSession(_execution, _policy, _options.StdioMode, frozenNow);
        Outcome outcome;
        ulong? fuelUsed = null;
        try
        {
            var (profile, module) = (_profile, _module);
            while (true)
            {
                bool poolFull;
                using (var store = new Store(profile.Engine, session))
                {
                    try
                    {
                        outcome = RunInStore(store, session, profile, module, out poolFull);
                    }
                    finally
                    {
                        if (_policy.Limits.MaxFuel is ulong budget)
                        {
                            fuelUsed = budget - Math.Min(budget, store.Fuel);
                        }
                    }
                }
                if (!poolFull)
                {
                    break;
                }
                // Nothing of the guest ran: instantiation failed before any of its code. Start over on the on-demand
                // engine, with the slot given back.
                _lease?.Dispose();
                (profile, module) = _onDemand!();
            }
        }
        catch (Exception e)
        {
            // A failure of the sandbox itself (not the guest): report it as the guest's end, never crash the host.
            outcome = new Outcome(TrapExitCode, WasmExitReason.Trapped, $"internal sandbox error: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            _lease?.Dispose();
            _ticker.Exit();
        }
        // After an output-limit end nothing more is delivered: its note was already posted where the limit was hit.
        if (outcome.Reason != WasmExitReason.OutputLimitExceeded)
        {
            session.Finish();
            if (outcome.Message is not null)
            {
                session.PostNote(outcome.Message);
            }
        }
        _execution.Finish(new WasmExitedEvent(outcome.ExitCode, outcome.Reason, clock.Elapsed, fuelUsed, outcome.Message));
    }

    private readonly record struct Outcome(int ExitCode, WasmExitReason Reason, string? Message);

    private Outcome RunInStore(Store store, GuestSession session, EngineProfile profile, Module module, out bool poolFull)
    {
        poolFull = false;
        store.SetLimits(memorySize: _policy.Limits.MaxMemoryBytes, instances: 4);
        if (_policy.Limits.MaxFuel is ulong fuel)
        {
            store.Fuel = fuel;
        }
        store.SetEpochDeadlineCallback(OnEpochDeadline);
        store.SetEpochDeadline(1);
        store.SetWasiConfiguration(CreateWasiConfiguration());

        if (_linkProblem is not null)
        {
            return new Outcome(LinkFailedExitCode, WasmExitReason.LinkFailed, _linkProblem);
        }
        Instance instance;
        try
        {
            instance = profile.LinkerFor(_policy).Instantiate(store, module);
        }
        catch (WasmtimeException e) when (profile.Pool is not null && _onDemand is not null && InstancePool.OutOfSlots(e))
        {
            // The lease held a slot, but the module needs more memories or tables than the pool has left (a few
            // modules define several).
            poolFull = true;
            return default;
        }
        catch (Exception e) when (e is WasmtimeException && e is not TrapException)
        {
            return new Outcome(LinkFailedExitCode, WasmExitReason.LinkFailed, $"the module could not be linked: {FirstLine(e.Message)}");
        }
        catch (Exception e)
        {
            return Ended(e, store);
        }
        session.NativeFactory = memory => WasiTrampoline.Instantiate(store, profile.Trampoline, profile.NativeLinker, memory);
        var start = instance.GetAction("_start");
        if (start is null)
        {
            return new Outcome(LinkFailedExitCode, WasmExitReason.LinkFailed, "the module exports no _start function; it cannot run as a WASI command");
        }
        try
        {
            session.ThrowIfInterrupted();
            start();
            return new Outcome(0, WasmExitReason.Exited, null);
        }
        catch (Exception e)
        {
            return Ended(e, store);
        }
    }

    private Outcome Ended(Exception e, Store store)
    {
        if (e is WasmtimeException { ExitCode: int code })
        {
            return new Outcome(code, WasmExitReason.Exited, null);
        }
        switch (_execution.Interrupt)
        {
            case InterruptReason.TimedOut:
                return new Outcome(LimitExitCode, WasmExitReason.TimedOut, $"timeout of {_policy.Limits.Timeout} expired; the guest was ended");
            case InterruptReason.Stopped:
                return new Outcome(StoppedExitCode, WasmExitReason.Stopped, "the guest was stopped by the host");
            case InterruptReason.OutputLimitExceeded:
                return new Outcome(LimitExitCode, WasmExitReason.OutputLimitExceeded, $"output limit of {_policy.Limits.MaxOutputBytes} bytes exceeded");
        }
        if (e is TrapException { Type: TrapCode.OutOfFuel })
        {
            return new Outcome(LimitExitCode, WasmExitReason.FuelExhausted, $"fuel budget exhausted ({_policy.Limits.MaxFuel} units)");
        }
        string message = e is WasmtimeException ? TrapSummary(e.Message) : $"{e.GetType().Name}: {e.Message}";
        return new Outcome(TrapExitCode, WasmExitReason.Trapped, $"wasm trap: {message}");
    }

    /// <summary>Wasmtime's trap text ends with the cause ("wasm trap: ..."); keep that and the first frames.</summary>
    private static string TrapSummary(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        string cause = lines.LastOrDefault(l => l.StartsWith("wasm trap:", StringComparison.Ordinal)) is string t
            ? t["wasm trap:".Length..].Trim()
            : lines.LastOrDefault() ?? message;
        return cause;
    }

    private static string FirstLine(string message) =>
        message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? message;

    private ulong OnEpochDeadline(Store store)
    {
        var reason = _execution.Interrupt;
        if (reason != InterruptReason.None)
        {
            throw new SandboxInterruptException(reason);
        }
        return 1;
    }

    private WasiConfiguration CreateWasiConfiguration()
    {
        var args = new List<string> { Path.GetFileName(_execution.ResolvedModulePath) };
        args.AddRange(_options.Arguments);
        var wasi = new WasiConfiguration()
            .WithArgs(args)
            .WithEnvironmentVariables(_options.Environment.Select(kv => (kv.Key, kv.Value)));
        foreach (var preopen in _policy.Preopens)
        {
            wasi.WithPreopenedDirectory(preopen.HostPath, preopen.GuestPath, preopen.Writable);
        }
        return wasi;
    }
}
