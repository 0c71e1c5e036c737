namespace WasmSandbox.HelpGen.Model;

/// <summary>A documented parameter: its description, type, and how it binds in each parameter set.</summary>
internal sealed record ParameterHelp(
    string Name,
    IReadOnlyList<string> Description,
    string TypeName,
    IReadOnlyList<string> Aliases,
    IReadOnlyList<string> AcceptedValues,
    string? DefaultValue,
    bool AcceptsWildcards,
    IReadOnlyList<ParameterBinding> Bindings)
{
    /// <summary>The set name PlatyPS writes as "(All)": the parameter belongs to every parameter set.</summary>
    public const string AllSets = "(All)";

    public bool IsSwitch => TypeName is "SwitchParameter" or "System.Management.Automation.SwitchParameter";

    public bool IsArray => TypeName.EndsWith("[]", StringComparison.Ordinal);

    /// <summary>How the parameter binds in <paramref name="setName"/>, or null when it is not part of that set.</summary>
    public ParameterBinding? BindingFor(string setName) =>
        Bindings.FirstOrDefault(b => b.SetNames.Contains(setName, StringComparer.OrdinalIgnoreCase))
        ?? Bindings.FirstOrDefault(b => b.SetNames.Contains(AllSets, StringComparer.Ordinal));

    /// <summary>The binding shown under PARAMETERS, where PlatyPS shows one even for multi-set parameters.</summary>
    public ParameterBinding PrimaryBinding => Bindings[0];
}

/// <summary>
/// One yaml block of a parameter: the sets it applies to and how the parameter binds there. A parameter that is
/// mandatory in one set and optional in another has one block per behaviour.
/// </summary>
internal sealed record ParameterBinding(
    IReadOnlyList<string> SetNames,
    bool Required,
    int? Position,
    PipelineInput PipelineInput);

/// <summary>Which pipeline binding a parameter accepts.</summary>
[Flags]
internal enum PipelineInput
{
    None = 0,
    ByValue = 1,
    ByPropertyName = 2,
}
