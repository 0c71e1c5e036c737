using Markdig.Syntax;
using WasmSandbox.HelpGen.Markdown;
using WasmSandbox.HelpGen.Model;

namespace WasmSandbox.HelpGen.Parsing;

/// <summary>Reads "## PARAMETERS": one "### -Name" per parameter with its description and yaml blocks.</summary>
internal static class ParametersSection
{
    public const string CommonParameters = "CommonParameters";

    public static List<ParameterHelp> Read(MarkdownSource source, Section section)
    {
        section.RejectLooseContent(source);
        var parameters = new List<ParameterHelp>();
        foreach (Section child in section.Children)
        {
            if (child.Title.Equals(CommonParameters, StringComparison.OrdinalIgnoreCase))
            {
                // Get-Help adds the common parameters itself; the section is there for markdown readers.
                continue;
            }
            if (!child.Title.StartsWith('-') || !IsIdentifier(child.Title[1..]))
            {
                throw source.Error(child.Heading, $"PARAMETERS: heading '{child.Title}' is not '### -ParameterName' or '### CommonParameters'");
            }
            var parameter = ReadParameter(source, child, child.Title[1..]);
            if (parameters.Any(p => p.Name.Equals(parameter.Name, StringComparison.OrdinalIgnoreCase)))
            {
                throw source.Error(child.Heading, $"parameter -{parameter.Name} is documented twice");
            }
            parameters.Add(parameter);
        }
        return parameters;
    }

    private static ParameterHelp ReadParameter(MarkdownSource source, Section section, string name)
    {
        section.RejectSubsections(source);
        var yamlBlocks = section.ContentBlocks.OfType<FencedCodeBlock>().Where(IsYaml).ToList();
        if (yamlBlocks.Count == 0)
        {
            throw source.Error(section.Heading, $"parameter -{name} has no ```yaml block (Type, Parameter Sets, Required, Position, ...)");
        }
        var description = ProseText.Paragraphs(source, section.ContentBlocks.Where(b => !(b is FencedCodeBlock f && IsYaml(f))));
        if (description.Count == 0)
        {
            throw source.Error(section.Heading, $"parameter -{name} has no description");
        }

        var yamls = yamlBlocks.Select(block => ParameterYaml.Read(source, name, block)).ToList();
        var first = yamls[0];
        // Several blocks only describe different bindings per set; the parameter itself must read the same in each.
        for (int i = 1; i < yamls.Count; i++)
        {
            var other = yamls[i];
            if (other.TypeName != first.TypeName || other.DefaultValue != first.DefaultValue
                || other.AcceptsWildcards != first.AcceptsWildcards || !other.Aliases.SequenceEqual(first.Aliases)
                || !other.AcceptedValues.SequenceEqual(first.AcceptedValues))
            {
                throw source.Error(yamlBlocks[i], $"parameter -{name}: yaml blocks disagree on Type, Aliases, Accepted values, Default value or wildcards; only the binding may differ per set");
            }
        }
        var seenSets = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < yamls.Count; i++)
        {
            foreach (string set in yamls[i].Binding.SetNames)
            {
                if (!seenSets.Add(set) || (set == ParameterHelp.AllSets && yamls.Count > 1))
                {
                    throw source.Error(yamlBlocks[i], $"parameter -{name}: parameter set '{set}' is described by more than one yaml block");
                }
            }
        }

        return new ParameterHelp(name, description, first.TypeName, first.Aliases, first.AcceptedValues, first.DefaultValue,
            first.AcceptsWildcards, yamls.Select(y => y.Binding).ToList());
    }

    private static bool IsYaml(FencedCodeBlock block) => string.Equals(block.Info, "yaml", StringComparison.OrdinalIgnoreCase);

    private static bool IsIdentifier(string name) =>
        name.Length > 0 && char.IsLetter(name[0]) && name.All(c => char.IsLetterOrDigit(c) || c == '_');
}
