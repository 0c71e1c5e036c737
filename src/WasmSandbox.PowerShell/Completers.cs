using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace WasmSandbox.Commands;

/// <summary>
/// Tab completion for contexts, executions and event kinds. Parameters that take objects complete to an expression
/// that fetches the object, e.g. <c>(Get-WasmContext -Id wasm-ctx-1)</c>; -Id parameters complete to the id itself.
/// </summary>
public abstract class IdCompleter : IArgumentCompleter
{
    private protected abstract IEnumerable<(string Id, string Tooltip)> Candidates();

    private protected virtual string? Getter => null;

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = WildcardPattern.Get(wordToComplete.Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        return Candidates().Where(c => pattern.IsMatch(c.Id)).Select(c => new CompletionResult(
            Getter is null ? c.Id : $"({Getter} -Id {c.Id})", c.Id, CompletionResultType.ParameterValue, c.Tooltip));
    }
}

/// <summary>Context ids, for -Id.</summary>
public class ContextIdNameCompleter : IdCompleter
{
    private protected override IEnumerable<(string Id, string Tooltip)> Candidates() =>
        WasmRegistry.ContextsOf(RunspaceOwner.Current).Select(c => (c.ContextId, $"{c.ContextId}: {c.ModulePath} (vm {c.VmId})"));
}

/// <summary>Contexts, for -Context.</summary>
public sealed class ContextIdCompleter : ContextIdNameCompleter
{
    private protected override string Getter => "Get-WasmContext";
}

/// <summary>Execution ids, running ones first, for -Id.</summary>
public class ExecutionIdCompleter : IdCompleter
{
    private protected override IEnumerable<(string Id, string Tooltip)> Candidates() =>
        WasmRegistry.ExecutionsOf(RunspaceOwner.Current).OrderBy(e => e.State == WasmExecutionState.Running ? 0 : 1)
            .Select(e => (e.ExecutionId, $"{e.ExecutionId}: {e.State} {e.ModulePath}"));
}

/// <summary>Executions, for -Execution.</summary>
public sealed class ExecutionCompleter : ExecutionIdCompleter
{
    private protected override string Getter => "Get-WasmExecution";
}

/// <summary>Event kinds, for -Kind.</summary>
public sealed class EventKindCompleter : IdCompleter
{
    private protected override IEnumerable<(string Id, string Tooltip)> Candidates() =>
        Enum.GetNames<WasmEventKind>().Select(k => (k, k));
}
