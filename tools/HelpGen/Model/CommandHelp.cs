namespace WasmSandbox.HelpGen.Model;

/// <summary>Everything one cmdlet's help page says, parsed from its markdown and ready to write as MAML.</summary>
internal sealed record CommandHelp(
    string Name,
    string Synopsis,
    IReadOnlyList<string> Description,
    IReadOnlyList<SyntaxHelp> Syntax,
    IReadOnlyList<ParameterHelp> Parameters,
    IReadOnlyList<ExampleHelp> Examples,
    IReadOnlyList<TypeHelp> Inputs,
    IReadOnlyList<TypeHelp> Outputs,
    IReadOnlyList<string> Notes,
    IReadOnlyList<RelatedLink> RelatedLinks,
    string? OnlineVersion)
{
    public string Verb => Name[..Name.IndexOf('-')];

    public string Noun => Name[(Name.IndexOf('-') + 1)..];
}

/// <summary>One parameter set as shown under SYNTAX: its parameters in the order the author wrote them.</summary>
internal sealed record SyntaxHelp(string SetName, bool IsDefault, IReadOnlyList<string> ParameterNames);

/// <summary>One example: a title, runnable code, and the remarks that explain it.</summary>
internal sealed record ExampleHelp(string Title, string Code, IReadOnlyList<string> Remarks);

/// <summary>An input or output type and what it means for this command.</summary>
internal sealed record TypeHelp(string TypeName, IReadOnlyList<string> Description);

/// <summary>An entry under RELATED LINKS; <see cref="Uri"/> is empty for links to other help topics.</summary>
internal sealed record RelatedLink(string Text, string Uri);
