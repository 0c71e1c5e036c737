using System.Globalization;
using Markdig.Syntax;
using WasmSandbox.HelpGen.Markdown;
using WasmSandbox.HelpGen.Model;

namespace WasmSandbox.HelpGen.Parsing;

/// <summary>
/// Reads the ```yaml block under a parameter heading. The keys are PlatyPS's fixed set of flat "Key: value" lines;
/// every one except "Accepted values" must be present so a forgotten field fails the build instead of showing blank.
/// </summary>
internal sealed class ParameterYaml
{
    private static readonly string[] s_requiredKeys =
    [
        "Type", "Parameter Sets", "Aliases", "Required", "Position", "Default value", "Accept pipeline input",
        "Accept wildcard characters",
    ];

    private static readonly HashSet<string> s_knownKeys = new(s_requiredKeys.Append("Accepted values"), StringComparer.OrdinalIgnoreCase);

    private ParameterYaml(string typeName, IReadOnlyList<string> aliases, IReadOnlyList<string> acceptedValues,
        string? defaultValue, bool acceptsWildcards, ParameterBinding binding)
    {
        TypeName = typeName;
        Aliases = aliases;
        AcceptedValues = acceptedValues;
        DefaultValue = defaultValue;
        AcceptsWildcards = acceptsWildcards;
        Binding = binding;
    }

    public string TypeName { get; }

    public IReadOnlyList<string> Aliases { get; }

    public IReadOnlyList<string> AcceptedValues { get; }

    /// <summary>Null when the page says "None".</summary>
    public string? DefaultValue { get; }

    public bool AcceptsWildcards { get; }

    public ParameterBinding Binding { get; }

    public static ParameterYaml Read(MarkdownSource source, string parameter, FencedCodeBlock block)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < block.Lines.Count; i++)
        {
            var line = block.Lines.Lines[i];
            string text = line.Slice.ToString();
            if (text.Trim().Length == 0)
            {
                continue;
            }
            int colon = text.IndexOf(':');
            string key = colon > 0 ? text[..colon].Trim() : "";
            if (!s_knownKeys.Contains(key))
            {
                throw new DocFormatException(source.DisplayPath, line.Line + 1, $"parameter -{parameter}: unknown yaml line '{text.Trim()}'");
            }
            if (!values.TryAdd(key, text[(colon + 1)..].Trim()))
            {
                throw new DocFormatException(source.DisplayPath, line.Line + 1, $"parameter -{parameter}: '{key}' is given twice");
            }
        }
        foreach (string key in s_requiredKeys)
        {
            if (!values.ContainsKey(key))
            {
                throw source.Error(block, $"parameter -{parameter}: yaml block has no '{key}'");
            }
        }

        string typeName = values["Type"];
        if (typeName.Length == 0)
        {
            throw source.Error(block, $"parameter -{parameter}: 'Type' is empty");
        }
        var sets = List(values["Parameter Sets"]);
        if (sets.Count == 0)
        {
            throw source.Error(block, $"parameter -{parameter}: 'Parameter Sets' is empty; write (All) for every set");
        }

        var binding = new ParameterBinding(
            sets,
            Boolean(source, block, parameter, "Required", values["Required"]),
            Position(source, block, parameter, values["Position"]),
            Pipeline(source, block, parameter, values["Accept pipeline input"]));

        return new ParameterYaml(
            typeName,
            List(values["Aliases"]),
            values.TryGetValue("Accepted values", out string? accepted) ? List(accepted) : [],
            IsNone(values["Default value"]) ? null : values["Default value"],
            Boolean(source, block, parameter, "Accept wildcard characters", values["Accept wildcard characters"]),
            binding);
    }

    /// <summary>A comma-separated list; "None" and empty mean no items.</summary>
    private static List<string> List(string value) =>
        IsNone(value) ? [] : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static bool IsNone(string value) => value.Length == 0 || value.Equals("None", StringComparison.OrdinalIgnoreCase);

    private static bool Boolean(MarkdownSource source, Block block, string parameter, string key, string value) =>
        bool.TryParse(value, out bool result)
            ? result
            : throw source.Error(block, $"parameter -{parameter}: '{key}' must be True or False, not '{value}'");

    /// <summary>"Named" or a zero-based position, as in the ParameterAttribute.</summary>
    private static int? Position(MarkdownSource source, Block block, string parameter, string value)
    {
        if (value.Equals("Named", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int position)
            ? position
            : throw source.Error(block, $"parameter -{parameter}: 'Position' must be Named or a number, not '{value}'");
    }

    /// <summary>"False", or "True (ByValue)", "True (ByPropertyName)", "True (ByPropertyName, ByValue)".</summary>
    private static PipelineInput Pipeline(MarkdownSource source, Block block, string parameter, string value)
    {
        if (value.Equals("False", StringComparison.OrdinalIgnoreCase))
        {
            return PipelineInput.None;
        }
        string problem = $"parameter -{parameter}: 'Accept pipeline input' must be False or True (ByValue, ByPropertyName), not '{value}'";
        int open = value.IndexOf('(');
        if (!value.StartsWith("True", StringComparison.OrdinalIgnoreCase) || open < 0 || !value.EndsWith(')'))
        {
            throw source.Error(block, problem);
        }
        var result = PipelineInput.None;
        foreach (string kind in List(value[(open + 1)..^1]))
        {
            if (!Enum.TryParse(kind, ignoreCase: true, out PipelineInput flag) || flag == PipelineInput.None || !Enum.IsDefined(flag))
            {
                throw source.Error(block, problem);
            }
            result |= flag;
        }
        return result != PipelineInput.None ? result : throw source.Error(block, problem);
    }
}
