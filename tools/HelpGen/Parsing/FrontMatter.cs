using Markdig.Extensions.Yaml;
using WasmSandbox.HelpGen.Markdown;

namespace WasmSandbox.HelpGen.Parsing;

/// <summary>
/// The YAML front matter of a PlatyPS cmdlet page. PlatyPS writes flat "key: value" lines only, so a line reader is
/// enough and keeps a YAML library out of the build.
/// </summary>
internal sealed class FrontMatter
{
    public const string SchemaVersion = "2.0.0";

    private readonly Dictionary<string, string> _values;

    private FrontMatter(Dictionary<string, string> values) => _values = values;

    public string ExternalHelpFile => _values["external help file"];

    /// <summary>The URL Get-Help -Online opens, or null when the page has none.</summary>
    public string? OnlineVersion => _values.TryGetValue("online version", out string? url) && url.Length > 0 ? url : null;

    public static FrontMatter Read(MarkdownSource source)
    {
        var block = source.Document.OfType<YamlFrontMatterBlock>().FirstOrDefault()
            ?? throw source.Error("missing YAML front matter (external help file, Module Name, online version, schema)");

        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in block.Lines.Lines.Take(block.Lines.Count))
        {
            string text = line.Slice.ToString();
            if (text.Trim() is "" or "---" or "...")
            {
                continue;
            }
            int colon = text.IndexOf(':');
            if (colon <= 0)
            {
                throw new DocFormatException(source.DisplayPath, line.Line + 1, $"front matter line '{text}' is not 'key: value'");
            }
            values[text[..colon].Trim()] = text[(colon + 1)..].Trim();
        }

        foreach (string key in new[] { "external help file", "Module Name", "schema" })
        {
            if (!values.TryGetValue(key, out string? value) || value.Length == 0)
            {
                throw source.Error(block, $"front matter has no '{key}'");
            }
        }
        if (values["schema"] != SchemaVersion)
        {
            throw source.Error(block, $"front matter schema is '{values["schema"]}'; only PlatyPS schema {SchemaVersion} is supported");
        }
        return new FrontMatter(values);
    }
}
