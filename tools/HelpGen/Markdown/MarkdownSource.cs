using Markdig;
using Markdig.Syntax;

namespace WasmSandbox.HelpGen.Markdown;

/// <summary>A help markdown file parsed into Markdig's syntax tree, with the path used in error messages.</summary>
internal sealed class MarkdownSource
{
    // CommonMark plus YAML front matter is exactly what PlatyPS writes; other extensions would change how ordinary
    // text (pipes, tildes, braces) parses and are deliberately left out.
    private static readonly MarkdownPipeline s_pipeline = new MarkdownPipelineBuilder().UseYamlFrontMatter().Build();

    private MarkdownSource(string path, string displayPath, MarkdownDocument document)
    {
        Path = path;
        DisplayPath = displayPath;
        Document = document;
    }

    public string Path { get; }

    /// <summary>The path as the user gave it, so messages point where they are looking.</summary>
    public string DisplayPath { get; }

    public MarkdownDocument Document { get; }

    public static MarkdownSource Load(string path, string displayPath)
    {
        return new MarkdownSource(path, displayPath, Markdig.Markdown.Parse(File.ReadAllText(path), s_pipeline));
    }

    public DocFormatException Error(MarkdownObject? at, string problem) => new(DisplayPath, at, problem);

    public DocFormatException Error(string problem) => new(DisplayPath, (int?)null, problem);
}
