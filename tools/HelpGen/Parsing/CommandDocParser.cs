using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using WasmSandbox.HelpGen.Markdown;
using WasmSandbox.HelpGen.Model;

namespace WasmSandbox.HelpGen.Parsing;

/// <summary>Reads one PlatyPS (schema 2.0.0) cmdlet page into a <see cref="CommandHelp"/>, or fails naming the problem.</summary>
internal static class CommandDocParser
{
    private const string Synopsis = "SYNOPSIS";
    private const string Syntax = "SYNTAX";
    private const string Description = "DESCRIPTION";
    private const string Examples = "EXAMPLES";
    private const string Parameters = "PARAMETERS";
    private const string Inputs = "INPUTS";
    private const string Outputs = "OUTPUTS";
    private const string Notes = "NOTES";
    private const string RelatedLinks = "RELATED LINKS";

    private static readonly string[] s_knownSections = [Synopsis, Syntax, Description, Examples, Parameters, Inputs, Outputs, Notes, RelatedLinks];

    private static readonly string[] s_requiredSections = [Synopsis, Syntax, Description, Examples, Parameters];

    /// <summary>Parses <paramref name="source"/>; <paramref name="helpFileName"/> is the MAML file its front matter must name.</summary>
    public static CommandHelp Parse(MarkdownSource source, string helpFileName)
    {
        RejectTemplatePlaceholders(source);
        var frontMatter = FrontMatter.Read(source);
        if (!frontMatter.ExternalHelpFile.Equals(helpFileName, StringComparison.OrdinalIgnoreCase))
        {
            throw source.Error($"front matter names external help file '{frontMatter.ExternalHelpFile}', but this build writes '{helpFileName}'");
        }

        var title = ReadTitle(source);
        string name = title.Title;
        string expected = Path.GetFileNameWithoutExtension(source.Path);
        if (!name.Equals(expected, StringComparison.OrdinalIgnoreCase))
        {
            throw source.Error(title.Heading, $"title '# {name}' does not match the file name {expected}");
        }
        int dash = name.IndexOf('-');
        if (dash <= 0 || dash == name.Length - 1 || name.IndexOf('-', dash + 1) >= 0)
        {
            throw source.Error(title.Heading, $"title '{name}' is not a Verb-Noun command name");
        }
        title.RejectLooseContent(source);

        var sections = new Dictionary<string, Section>(StringComparer.Ordinal);
        foreach (Section section in title.Children)
        {
            string key = section.Title.ToUpperInvariant();
            if (!s_knownSections.Contains(key))
            {
                throw source.Error(section.Heading, $"unknown section '## {section.Title}'; expected one of {string.Join(", ", s_knownSections)}");
            }
            if (!sections.TryAdd(key, section))
            {
                throw source.Error(section.Heading, $"section '## {section.Title}' appears twice");
            }
        }
        foreach (string required in s_requiredSections)
        {
            if (!sections.ContainsKey(required))
            {
                throw source.Error(title.Heading, $"missing section '## {required}'");
            }
        }

        var parameters = ParametersSection.Read(source, sections[Parameters]);
        return new CommandHelp(
            name,
            string.Join(" ", RequiredText(source, sections[Synopsis])),
            RequiredText(source, sections[Description]),
            SyntaxSection.Read(source, sections[Syntax], name, parameters),
            parameters,
            ExamplesSection.Read(source, sections[Examples]),
            sections.TryGetValue(Inputs, out var inputs) ? TypesSection.Read(source, inputs) : [],
            sections.TryGetValue(Outputs, out var outputs) ? TypesSection.Read(source, outputs) : [],
            sections.TryGetValue(Notes, out var notes) ? Text(source, notes) : [],
            sections.TryGetValue(RelatedLinks, out var links) ? RelatedLinksSection.Read(source, links) : [],
            frontMatter.OnlineVersion);
    }

    private static Section ReadTitle(MarkdownSource source)
    {
        var root = Section.BuildOutline(source.Document);
        if (root.ContentBlocks.FirstOrDefault(b => b is not Markdig.Extensions.Yaml.YamlFrontMatterBlock) is { } stray)
        {
            throw source.Error(stray, "text before the '# Command-Name' title");
        }
        if (root.Children.Count != 1 || root.Children[0].Level != 1)
        {
            throw source.Error(root.Children.Skip(1).FirstOrDefault()?.Heading ?? root.Children.FirstOrDefault()?.Heading,
                "a cmdlet page has exactly one '# Command-Name' title, with every section under it as '##'");
        }
        return root.Children[0];
    }

    private static List<string> Text(MarkdownSource source, Section section)
    {
        section.RejectSubsections(source);
        return ProseText.Paragraphs(source, section.ContentBlocks);
    }

    private static List<string> RequiredText(MarkdownSource source, Section section)
    {
        var text = Text(source, section);
        return text.Count > 0 ? text : throw source.Error(section.Heading, $"section '## {section.Title}' is empty");
    }

    /// <summary>PlatyPS's new-page templates say "{{ Fill ... }}"; shipping one unfilled would be a silent gap.</summary>
    private static void RejectTemplatePlaceholders(MarkdownSource source)
    {
        foreach (var node in source.Document.Descendants())
        {
            string? text = node switch
            {
                LiteralInline literal => literal.Content.ToString(),
                CodeBlock code => ProseText.CodeText(code),
                _ => null,
            };
            if (text is not null && text.Contains("{{ Fill", StringComparison.OrdinalIgnoreCase))
            {
                throw source.Error(node, "unfilled PlatyPS placeholder '{{ Fill ... }}'");
            }
        }
    }
}
