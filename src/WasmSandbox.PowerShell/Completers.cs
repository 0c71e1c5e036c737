using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace WasmSandbox.Commands;

/// <summary>
/// Tab completion for contexts, executions and event kinds: always the bare id (or kind), never an expression. The
/// parameters that take objects also take ids (<see cref="IdArgumentAttribute{T}"/>), so the id is enough, and a line
/// completed to the common prefix of several candidates (as Tab does in PSReadLine's Emacs mode) stays balanced.
/// </summary>
public abstract class IdCompleter : IArgumentCompleter
{
    private protected abstract IEnumerable<(string Id, string Tooltip)> Candidates();

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = WildcardPattern.Get(wordToComplete.Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        return Candidates().Where(c => pattern.IsMatch(c.Id))
            .Select(c => new CompletionResult(c.Id, c.Id, CompletionResultType.ParameterValue, c.Tooltip));
    }
}

/// <summary>This runspace's contexts, for -Context and -Id.</summary>
public sealed class ContextIdCompleter : IdCompleter
{
    private protected override IEnumerable<(string Id, string Tooltip)> Candidates() =>
        WasmRegistry.ContextsOf(RunspaceOwner.Current).Select(c => (c.ContextId, $"{c.ContextId}: {c.ModulePath} (vm {c.VmId})"));
}

/// <summary>This runspace's executions, running ones first, for -Execution and -Id.</summary>
public sealed class ExecutionIdCompleter : IdCompleter
{
    private protected override IEnumerable<(string Id, string Tooltip)> Candidates() =>
        WasmRegistry.ExecutionsOf(RunspaceOwner.Current).OrderBy(e => e.State == WasmExecutionState.Running ? 0 : 1)
            .Select(e => (e.ExecutionId, $"{e.ExecutionId}: {e.State} {e.ModulePath}"));
}

/// <summary>Event kinds, for -Kind.</summary>
public sealed class EventKindCompleter : IdCompleter
{
    private protected override IEnumerable<(string Id, string Tooltip)> Candidates() =>
        Enum.GetNames<WasmEventKind>().Select(k => (k, k));
}
