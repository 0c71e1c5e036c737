using System.Diagnostics;
using System.Text;
using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// Runs one guest on its own thread, in its own store, and turns however it ends into exactly one exited event.
/// Nothing the guest does — trap, stack overflow, bad import, runaway loop — escapes this class as an exception. Why
/// it ended is decided by the execution's <see cref="ExecutionOutcome"/>; this class only reports what it saw.
/// </summary>
internal sealed class ExecutionRunner
{
    private readonly WasmExecution _execution;
    private readonly Module? _module;
    private readonly ComponentGuest? _component;
    private readonly string? _linkProblem;
    private readonly EngineProfile _profile;
    private readonly InstancePool.Lease? _lease;
    private readonly WasmExecutionOptions _options;
    private readonly SandboxPolicy _policy;
    private readonly Action? _afterStore;
    private readonly EpochTicker _ticker;
    private GuestSession? _session;
    private long? _peakMemoryBytes;

    // linkProblem: the first import the sandbox does not provide at this tier, as the start-time inspection
    // described it; the run then ends as LinkFailed before instantiation. lease: the pool slot the run holds (when
    // the profile is pooled), given back once the store and its instances are gone. (A leased store never finds the
    // pool out of slots: the pool has its lease's share of every slot kind that the store limits allow.) afterStore:
    // runs on the guest thread once the store is gone and the guest can touch nothing more (the compile cache's key
    // revocation, for a guest that could reach its folder).
    // component: runs a component instead of a module (module is then null), in a store set up alike: the same
    // limits (with room for a component's core instances), fuel, epoch deadline and outcome.
    public ExecutionRunner(WasmExecution execution, Module? module, string? linkProblem, EngineProfile profile, InstancePool.Lease? lease,
        WasmExecutionOptions options, SandboxPolicy policy, EpochTicker ticker, Action? afterStore, ComponentGuest? component = null)
    {
        if ((module is null) == (component is null))
        {
            throw new ArgumentException("a runner runs exactly one module or one component");
        }
        _component = component;
        _afterStore = afterStore;
        _execution = execution;
        _module = module;
        _linkProblem = linkProblem;
        _profile = profile;
        _lease = lease;
        _options = options;
        _policy = policy;
        _ticker = ticker;
    }

    /// <summary>
    /// Arms the deadline and hands the guest to a thread. A refusal (too many guests running) is thrown to the caller
    /// with nothing left behind: no timer, no ticker count.
    /// </summary>
    public void Start()
    {
        _ticker.Enter();
        try
        {
            _execution.Outcome.Arm(Abandon);
            GuestThreads.Run(Run);
        }
        catch
        {
            _execution.Outcome.Dispose();
            _ticker.Exit();
            throw;
        }
    }

    /// <summary>The watchdog decided: report the end now; the guest thread reclaims its resources when it returns.</summary>
    private void Abandon(ExitDecision decision) =>
        Report(null, decision, DateTime.Now - _execution.StartTime, null, Usage(Volatile.Read(ref _session), peakMemory: null, cpu: null));

    /// <summary>The run's figures, read from their accounting points (memory and CPU can only be read on the guest's own thread).</summary>
    private ResourceUsage Usage(GuestSession? session, long? peakMemory, TimeSpan? cpu) =>
        new(peakMemory, _execution.Input.Consumed, session?.StdoutBytes ?? 0, session?.StderrBytes ?? 0, cpu);

    private void Run()
    {
        var clock = Stopwatch.StartNew();
        var cpuAtStart = ThreadCpuClock.Now();
        var session = new GuestSession(_execution, _policy, _options.StdioMode);
        Volatile.Write(ref _session, session);
        ExitDecision decision;
        ulong? fuelUsed = null;
        try
        {
            using var store = new Store(_profile.Engine, session);
            try
            {
                decision = RunInStore(store, session);
            }
            finally
            {
                if (_policy.Limits.MaxFuel is ulong budget)
                {
                    fuelUsed = budget - Math.Min(budget, store.Fuel);
                }
            }
        }
        catch (Exception e)
        {
            // A failure of the sandbox itself (not the guest): reported as such, never a crash of the host.
            decision = ExecutionOutcome.InternalError(e);
        }
        finally
        {
            // The store is gone: its descriptors and its pool slot with it.
            session.OpenFiles.ReleaseAll();
            _afterStore?.Invoke();
            _lease?.Dispose();
            _ticker.Exit();
        }
        if (_execution.Outcome.TryDecide(decision))
        {
            var cpu = ThreadCpuClock.Now() - cpuAtStart;
            Report(session, decision, clock.Elapsed, fuelUsed, Usage(session, _peakMemoryBytes, cpu));
        }
        else
        {
            // The watchdog ended the execution while this thread was stuck in a host call; its store is gone now.
            GuestThreads.Reclaimed();
        }
    }

    /// <summary>Delivers what the guest still had in flight, the sandbox's note, and the exited event.</summary>
    private void Report(GuestSession? session, ExitDecision decision, TimeSpan duration, ulong? fuelUsed, ResourceUsage usage)
    {
        session?.Finish();
        if (decision.Message is not null)
        {
            GuestSession.PostNote(_execution, decision.Message);
        }
        _execution.Finish(new WasmExitedEvent(decision.ExitCode, decision.Reason, duration, fuelUsed, decision.Message, usage));
    }

    private ExitDecision RunInStore(Store store, GuestSession session)
    {
        var limits = StoreLimits.For(_policy.Limits);
        (_component is null ? limits : ComponentGuest.Limits(limits)).ApplyTo(store);
        if (_policy.Limits.MaxFuel is ulong fuel)
        {
            store.Fuel = fuel;
        }
        store.SetEpochDeadlineCallback(OnEpochDeadline);
        store.SetEpochDeadline(1);
        if (_component is not null)
        {
            // The component sets the WASI configuration itself (its stdio is Wasmtime's), before it instantiates.
            return _component.Run(store, session, _execution.Outcome, GuestWasiConfiguration.Create(_execution, _options, _policy));
        }
        store.SetWasiConfiguration(GuestWasiConfiguration.Create(_execution, _options, _policy));

        if (_linkProblem is not null)
        {
            return new(ExecutionOutcome.LinkFailedExitCode, WasmExitReason.LinkFailed, _linkProblem);
        }
        var outcome = _execution.Outcome;
        Instance instance;
        try
        {
            FaultInjection.Run(FaultInjection.BeforeInstantiate, _execution);
            // Instantiation runs the module's start function, if it has one: guest code, ended like any other.
            instance = _profile.LinkerFor(_policy).Instantiate(store, _module!);
        }
        catch (Exception e)
        {
            return outcome.Classify(e, linking: true);
        }
        session.NativeFactory = memory => WasiTrampoline.Instantiate(store, _profile.Trampoline, _profile.NativeLinker, memory);
        var start = instance.GetAction("_start");
        if (start is null)
        {
            return new(ExecutionOutcome.LinkFailedExitCode, WasmExitReason.LinkFailed, "the module exports no _start function; it cannot run as a WASI command");
        }
        try
        {
            session.ThrowIfInterrupted();
            start();
            return ExecutionOutcome.Returned;
        }
        catch (Exception e)
        {
            return outcome.Classify(e, linking: false);
        }
        finally
        {
            // The one accounting point of memory: a linear memory only grows, so its size now is its peak.
            _peakMemoryBytes = instance.GetMemory("memory")?.GetLength();
        }
    }

    private ulong OnEpochDeadline(Store store)
    {
        var reason = _execution.Interrupt;
        if (reason != InterruptReason.None)
        {
            throw new SandboxInterruptException(reason);
        }
        return 1;
    }
}
