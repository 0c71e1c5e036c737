using Markdig.Syntax;
using WasmSandbox.HelpGen.Markdown;
using WasmSandbox.HelpGen.Model;

namespace WasmSandbox.HelpGen.Parsing;

/// <summary>
/// Reads "## EXAMPLES": each "### Example N: title" holds exactly one ```powershell block (the code Get-Help shows
/// and a test can run) and remarks; other blocks, such as sample output, belong to the remarks.
/// </summary>
internal static class ExamplesSection
{
    public static List<ExampleHelp> Read(MarkdownSource source, Section section)
    {
        section.RejectLooseContent(source);
        if (section.Children.Count == 0)
        {
            throw source.Error(section.Heading, "EXAMPLES has no '### Example 1: ...' entry");
        }
        var examples = new List<ExampleHelp>();
        foreach (Section example in section.Children)
        {
            example.RejectSubsections(source);
            var code = example.ContentBlocks.OfType<FencedCodeBlock>().Where(IsPowerShell).ToList();
            if (code.Count == 0)
            {
                throw source.Error(example.Heading, $"example '{example.Title}' has no ```powershell code block");
            }
            if (code.Count > 1)
            {
                throw source.Error(code[1], $"example '{example.Title}' has more than one ```powershell code block; split it into two examples");
            }
            string text = ProseText.CodeText(code[0]);
            if (text.Trim().Length == 0)
            {
                throw source.Error(code[0], $"example '{example.Title}' has an empty code block");
            }
            var remarks = ProseText.Paragraphs(source, example.ContentBlocks.Where(b => b != code[0]));
            if (remarks.Count == 0)
            {
                throw source.Error(example.Heading, $"example '{example.Title}' has no remarks explaining it");
            }
            examples.Add(new ExampleHelp(example.Title, text, remarks));
        }
        return examples;
    }

    private static bool IsPowerShell(FencedCodeBlock block) =>
        string.Equals(block.Info, "powershell", StringComparison.OrdinalIgnoreCase)
        || string.Equals(block.Info, "pwsh", StringComparison.OrdinalIgnoreCase);
}
