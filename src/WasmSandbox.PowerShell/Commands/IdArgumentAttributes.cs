using System.Collections;
using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>
/// Lets a parameter that takes contexts or executions also take their ids, typed or piped (<c>Stop-WasmExecution
/// exec-1</c>, <c>'wasm-ctx-2' | Remove-WasmContext</c>): a string is looked up among the current runspace's objects,
/// with wildcards; objects pass through unchanged. Tab completion can then offer the bare id, which keeps the command
/// line balanced where an inserted <c>(Get-WasmContext -Id …)</c> expression could be cut short.
/// </summary>
public abstract class IdArgumentAttribute<T> : ArgumentTransformationAttribute where T : class
{
    private protected abstract string What { get; }

    private protected abstract IReadOnlyList<T> Candidates();

    private protected abstract string IdOf(T item);

    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        object? value = inputData is PSObject ps ? ps.BaseObject : inputData;
        return value switch
        {
            string id => Single(Lookup(id)),
            IEnumerable items and not T => items.Cast<object?>().SelectMany(Expand).ToArray(),
            _ => inputData,
        };
    }

    private IEnumerable<object?> Expand(object? item) =>
        (item is PSObject ps ? ps.BaseObject : item) is string id ? Lookup(id) : new[] { item };

    private T[] Lookup(string id)
    {
        var found = IdFilter.Matches(Candidates(), id, IdOf).ToArray();
        if (found.Length == 0)
        {
            throw new ArgumentTransformationMetadataException(WildcardPattern.ContainsWildcardCharacters(id)
                ? $"No {What} of this runspace matches '{id}'"
                : $"No {What} with id '{id}' exists in this runspace");
        }
        return found;
    }

    /// <summary>One object for one id (a single-object parameter takes it); an array when a wildcard matched several.</summary>
    private static object Single(T[] found) => found.Length == 1 ? found[0] : found;
}

/// <summary>Contexts by id, for -Context.</summary>
public sealed class ContextArgumentAttribute : IdArgumentAttribute<WasmContext>
{
    private protected override string What => "context";

    private protected override IReadOnlyList<WasmContext> Candidates() => WasmRegistry.ContextsOf(RunspaceOwner.Current);

    private protected override string IdOf(WasmContext item) => item.ContextId;
}

/// <summary>Executions by id, for -Execution.</summary>
public sealed class ExecutionArgumentAttribute : IdArgumentAttribute<WasmExecution>
{
    private protected override string What => "execution";

    private protected override IReadOnlyList<WasmExecution> Candidates() => WasmRegistry.ExecutionsOf(RunspaceOwner.Current);

    private protected override string IdOf(WasmExecution item) => item.ExecutionId;
}
