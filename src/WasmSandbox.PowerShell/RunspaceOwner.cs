using System.Collections.Concurrent;
using System.Management.Automation.Runspaces;

namespace WasmSandbox.Commands;

/// <summary>
/// Maps runspaces onto the engine's owner keys, so contexts and executions belong to the runspace that made them, as
/// jobs do: the key is the runspace's <see cref="Runspace.Id"/> (what Get-Runspace shows, unique in the process).
/// The first time a runspace uses the module, this watches its state; when it closes or breaks, what it left
/// behind is released (its running guests stopped, its contexts removed), so a closed runspace leaves no guest running.
/// </summary>
internal static class RunspaceOwner
{
    private static readonly ConcurrentDictionary<int, Runspace> s_watched = new();

    /// <summary>The owner key of the runspace this thread runs in; null outside any runspace.</summary>
    public static object? Current
    {
        get
        {
            if (Runspace.DefaultRunspace is not { } runspace)
            {
                return null;
            }
            if (s_watched.TryAdd(runspace.Id, runspace))
            {
                runspace.StateChanged += OnStateChanged;
                // Closed between the lookup and the subscription: the event has already fired without us.
                if (IsGone(runspace.RunspaceStateInfo.State))
                {
                    Release(runspace);
                }
            }
            return runspace.Id;
        }
    }

    private static bool IsGone(RunspaceState state) =>
        state is RunspaceState.Closing or RunspaceState.Closed or RunspaceState.Broken;

    private static void OnStateChanged(object? sender, RunspaceStateEventArgs e)
    {
        if (sender is Runspace runspace && IsGone(e.RunspaceStateInfo.State))
        {
            Release(runspace);
        }
    }

    private static void Release(Runspace runspace)
    {
        if (s_watched.TryRemove(new KeyValuePair<int, Runspace>(runspace.Id, runspace)))
        {
            runspace.StateChanged -= OnStateChanged;
            WasmRegistry.Release(runspace.Id);
        }
    }
}
