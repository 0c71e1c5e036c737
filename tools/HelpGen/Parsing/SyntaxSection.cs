using Markdig.Syntax;
using WasmSandbox.HelpGen.Markdown;
using WasmSandbox.HelpGen.Model;

namespace WasmSandbox.HelpGen.Parsing;

/// <summary>
/// Reads "## SYNTAX": a single code block for a command with one parameter set, or one "### SetName" (optionally
/// "(Default)") heading with a code block per set. Each block is checked against the documented parameters, because
/// MAML builds syntax from parameter records and a mismatch would silently show different syntax than the page.
/// </summary>
internal static class SyntaxSection
{
    /// <summary>The name PowerShell gives the only parameter set of a command that names none.</summary>
    public const string AllParameterSets = "__AllParameterSets";

    private const string DefaultMarker = "(Default)";

    public static List<SyntaxHelp> Read(MarkdownSource source, Section section, string command, IReadOnlyList<ParameterHelp> parameters)
    {
        var sets = new List<SyntaxHelp>();
        if (section.Children.Count == 0)
        {
            sets.Add(ReadSet(source, section, AllParameterSets, false, command, parameters));
        }
        else
        {
            section.RejectLooseContent(source);
            foreach (Section child in section.Children)
            {
                child.RejectSubsections(source);
                bool isDefault = child.Title.EndsWith(DefaultMarker, StringComparison.OrdinalIgnoreCase);
                string name = isDefault ? child.Title[..^DefaultMarker.Length].Trim() : child.Title;
                if (sets.Any(s => s.SetName.Equals(name, StringComparison.OrdinalIgnoreCase)))
                {
                    throw source.Error(child.Heading, $"SYNTAX: parameter set '{name}' appears twice");
                }
                sets.Add(ReadSet(source, child, name, isDefault, command, parameters));
            }
            if (sets.Count(s => s.IsDefault) > 1)
            {
                throw source.Error(section.Heading, "SYNTAX: more than one parameter set is marked (Default)");
            }
        }
        CheckEveryParameterShown(source, section, sets, parameters);
        return sets;
    }

    private static SyntaxHelp ReadSet(MarkdownSource source, Section section, string setName, bool isDefault, string command,
        IReadOnlyList<ParameterHelp> parameters)
    {
        var blocks = section.ContentBlocks.ToList();
        if (blocks.Count != 1 || blocks[0] is not FencedCodeBlock code)
        {
            throw source.Error(section.Heading, $"SYNTAX: '{section.Title}' must hold exactly one ``` code block");
        }
        string text = ProseText.CodeText(code);
        string[] words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0 || !words[0].Equals(command, StringComparison.OrdinalIgnoreCase))
        {
            throw source.Error(code, $"SYNTAX: '{section.Title}' must start with the command name {command}");
        }

        var names = new List<string>();
        foreach (string written in ParameterNamesIn(text))
        {
            var parameter = parameters.FirstOrDefault(p => p.Name.Equals(written, StringComparison.OrdinalIgnoreCase))
                ?? throw source.Error(code, $"SYNTAX: -{written} is not documented under PARAMETERS");
            if (names.Contains(parameter.Name))
            {
                throw source.Error(code, $"SYNTAX: -{parameter.Name} appears twice in one parameter set");
            }
            if (parameter.BindingFor(setName) is null)
            {
                throw source.Error(code, $"SYNTAX: -{parameter.Name} is shown in {Describe(setName)} but its yaml 'Parameter Sets' does not list it");
            }
            names.Add(parameter.Name);
        }
        return new SyntaxHelp(setName, isDefault, names);
    }

    /// <summary>How a set is named in messages; the implicit single set has no name on the page.</summary>
    private static string Describe(string setName) =>
        setName == AllParameterSets ? "the syntax block" : $"parameter set '{setName}'";

    /// <summary>
    /// The parameter names in a syntax line: a '-' that starts a word (after a space or '[') and is followed by a
    /// letter. The hyphen inside Verb-Noun is preceded by a letter and so never matches.
    /// </summary>
    private static IEnumerable<string> ParameterNamesIn(string syntax)
    {
        for (int i = 0; i < syntax.Length - 1; i++)
        {
            if (syntax[i] == '-' && (i == 0 || char.IsWhiteSpace(syntax[i - 1]) || syntax[i - 1] == '[') && char.IsLetter(syntax[i + 1]))
            {
                int end = i + 1;
                while (end < syntax.Length && (char.IsLetterOrDigit(syntax[end]) || syntax[end] == '_'))
                {
                    end++;
                }
                yield return syntax[(i + 1)..end];
                i = end;
            }
        }
    }

    /// <summary>Every parameter must show up in each set its yaml names, and yaml must name no set SYNTAX lacks.</summary>
    private static void CheckEveryParameterShown(MarkdownSource source, Section section, List<SyntaxHelp> sets,
        IReadOnlyList<ParameterHelp> parameters)
    {
        foreach (var parameter in parameters)
        {
            foreach (string setName in parameter.Bindings.SelectMany(b => b.SetNames))
            {
                if (setName == ParameterHelp.AllSets)
                {
                    continue;
                }
                if (!sets.Any(s => s.SetName.Equals(setName, StringComparison.OrdinalIgnoreCase)))
                {
                    throw source.Error(section.Heading, $"parameter -{parameter.Name} names parameter set '{setName}', which SYNTAX does not show");
                }
            }
            foreach (var set in sets)
            {
                if (parameter.BindingFor(set.SetName) is not null && !set.ParameterNames.Contains(parameter.Name))
                {
                    throw source.Error(section.Heading, $"SYNTAX: {Describe(set.SetName)} does not show -{parameter.Name}, though its yaml 'Parameter Sets' includes it");
                }
            }
        }
    }
}
