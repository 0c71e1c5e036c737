using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace WasmSandbox.Commands;

/// <summary>Completes -Context with the contexts of this process, as an expression that fetches the object.</summary>
public sealed class ContextIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = WildcardPattern.Get(wordToComplete.Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        foreach (var c in WasmRegistry.Contexts.Where(c => pattern.IsMatch(c.ContextId)))
        {
            yield return new CompletionResult($"(Get-WasmContext -Id {c.ContextId})", c.ContextId, CompletionResultType.ParameterValue,
                $"{c.ContextId}: {c.ModulePath} (vm {c.VmId})");
        }
    }
}

/// <summary>Completes context ids (for -Id of the context cmdlets).</summary>
public sealed class ContextIdNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = WildcardPattern.Get(wordToComplete.Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        return WasmRegistry.Contexts.Where(c => pattern.IsMatch(c.ContextId))
            .Select(c => new CompletionResult(c.ContextId, c.ContextId, CompletionResultType.ParameterValue, $"{c.ContextId}: {c.ModulePath}"));
    }
}

/// <summary>Completes execution ids (for -Id) — running ones first.</summary>
public sealed class ExecutionIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = WildcardPattern.Get(wordToComplete.Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        return WasmRegistry.Executions.Where(e => pattern.IsMatch(e.ExecutionId))
            .OrderBy(e => e.State == WasmExecutionState.Running ? 0 : 1)
            .Select(e => new CompletionResult(e.ExecutionId, e.ExecutionId, CompletionResultType.ParameterValue,
                $"{e.ExecutionId}: {e.State} {e.ModulePath}"));
    }
}

/// <summary>Completes -Execution with executions of this process, as an expression that fetches the object.</summary>
public sealed class ExecutionCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = WildcardPattern.Get(wordToComplete.Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        return WasmRegistry.Executions.Where(e => pattern.IsMatch(e.ExecutionId))
            .OrderBy(e => e.State == WasmExecutionState.Running ? 0 : 1)
            .Select(e => new CompletionResult($"(Get-WasmExecution -Id {e.ExecutionId})", e.ExecutionId, CompletionResultType.ParameterValue,
                $"{e.ExecutionId}: {e.State} {e.ModulePath}"));
    }
}

/// <summary>Completes -Kind with the event kinds.</summary>
public sealed class EventKindCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = WildcardPattern.Get(wordToComplete.Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        return Enum.GetNames<WasmEventKind>().Where(pattern.IsMatch)
            .Select(k => new CompletionResult(k, k, CompletionResultType.ParameterValue, k));
    }
}
