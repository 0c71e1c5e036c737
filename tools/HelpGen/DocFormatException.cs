using Markdig.Syntax;

namespace WasmSandbox.HelpGen;

/// <summary>A help document that does not follow the schema; the message names the file, the line and the problem.</summary>
internal sealed class DocFormatException : Exception
{
    public DocFormatException(string file, int? line, string problem)
        : base(line is null ? $"{file}: {problem}" : $"{file}:{line}: {problem}")
    {
        File = file;
        Line = line;
        Problem = problem;
    }

    /// <summary>Builds the exception from a markdown node, whose <see cref="MarkdownObject.Line"/> is zero-based.</summary>
    public DocFormatException(string file, MarkdownObject? at, string problem)
        : this(file, at is null ? null : at.Line + 1, problem)
    {
    }

    public string File { get; }

    /// <summary>One-based line number, when the problem has a place.</summary>
    public int? Line { get; }

    public string Problem { get; }
}
