using System.Text;
using Markdig.Syntax;
using WasmSandbox.HelpGen.Markdown;

namespace WasmSandbox.HelpGen.Output;

/// <summary>
/// Turns an about_*.md page into the plain-text about_*.help.txt Get-Help shows: "TOPIC" with the name, each "##"
/// section as an upper-case heading, "###" as an indented heading, body text wrapped and indented four spaces,
/// code eight, and markdown emphasis removed.
/// </summary>
internal static class AboutTopicConverter
{
    private const int BodyIndent = 4;
    private const int CodeIndent = 8;

    private static readonly string[] s_requiredSections = ["SHORT DESCRIPTION", "LONG DESCRIPTION"];

    public static string Convert(MarkdownSource source)
    {
        var root = Section.BuildOutline(source.Document);
        string expected = Path.GetFileNameWithoutExtension(source.Path);
        if (root.ContentBlocks.FirstOrDefault() is { } stray)
        {
            throw source.Error(stray, $"text before the '# {expected}' title");
        }
        if (root.Children.Count != 1 || root.Children[0].Level != 1 || root.Children[0].Title != expected)
        {
            throw source.Error(root.Children.FirstOrDefault()?.Heading,
                $"an about topic has exactly one title, '# {expected}', with every section under it as '##'");
        }
        var topic = root.Children[0];
        topic.RejectLooseContent(source);
        foreach (string required in s_requiredSections)
        {
            var section = topic.Children.FirstOrDefault(s => s.Title.Equals(required, StringComparison.OrdinalIgnoreCase));
            if (section is null || (!section.ContentBlocks.Any() && section.Children.Count == 0))
            {
                throw source.Error(topic.Heading, $"about topic has no '## {required}' text");
            }
        }

        var output = new StringBuilder();
        output.Append("TOPIC\n").Append(' ', BodyIndent).Append(expected).Append('\n');
        foreach (Section section in topic.Children)
        {
            AppendSection(source, section, output);
        }
        return output.ToString();
    }

    private static void AppendSection(MarkdownSource source, Section section, StringBuilder output)
    {
        output.Append('\n');
        // Level 2 headings are the upper-case titles of the about_ layout; deeper ones step in two columns each.
        string heading = section.Level == 2 ? section.Title.ToUpperInvariant() : section.Title;
        output.Append(' ', Math.Max(0, section.Level - 2) * 2).Append(heading).Append('\n');
        bool first = true;
        foreach (Block block in section.ContentBlocks)
        {
            AppendBlock(source, block, BodyIndent, output, separate: !first);
            first = false;
        }
        foreach (Section child in section.Children)
        {
            AppendSection(source, child, output);
        }
    }

    private static void AppendBlock(MarkdownSource source, Block block, int indent, StringBuilder output, bool separate)
    {
        if (block is ThematicBreakBlock or LinkReferenceDefinitionGroup or BlankLineBlock or HtmlBlock { Type: HtmlBlockType.Comment })
        {
            return;
        }
        // A code block is always set off by a blank line, even right under its heading, so it reads as a listing.
        if (separate || block is CodeBlock)
        {
            output.Append('\n');
        }
        switch (block)
        {
            case ParagraphBlock paragraph:
                TextWrap.Append(output, InlineText.Render(paragraph.Inline).Trim(), new string(' ', indent), indent);
                break;
            case CodeBlock code:
                foreach (string line in ProseText.CodeText(code).Split('\n'))
                {
                    output.Append(line.Length == 0 ? "" : new string(' ', indent + CodeIndent - BodyIndent) + line).Append('\n');
                }
                break;
            case ListBlock list:
                AppendList(source, list, indent, output);
                break;
            case QuoteBlock quote:
                AppendBlocks(source, quote, indent + BodyIndent, output);
                break;
            default:
                throw source.Error(block, $"{block.GetType().Name} is not supported in an about topic; use paragraphs, lists and code blocks");
        }
    }

    private static void AppendList(MarkdownSource source, ListBlock list, int indent, StringBuilder output)
    {
        int number = int.TryParse(list.OrderedStart, out int start) ? start : 1;
        bool first = true;
        foreach (ListItemBlock item in list.OfType<ListItemBlock>())
        {
            // Loose lists (blank lines between items) keep a blank line in the text too.
            if (!first && list.IsLoose)
            {
                output.Append('\n');
            }
            first = false;
            string marker = list.IsOrdered ? $"{number++}. " : "- ";
            var blocks = item.ToList();
            if (blocks.FirstOrDefault() is ParagraphBlock lead)
            {
                TextWrap.Append(output, InlineText.Render(lead.Inline).Trim(), new string(' ', indent) + marker, indent + marker.Length);
                blocks.RemoveAt(0);
            }
            else
            {
                output.Append(' ', indent).Append(marker.TrimEnd()).Append('\n');
            }
            foreach (Block block in blocks)
            {
                AppendBlock(source, block, indent + marker.Length, output, separate: list.IsLoose || block is not ListBlock);
            }
        }
    }

    private static void AppendBlocks(MarkdownSource source, ContainerBlock container, int indent, StringBuilder output)
    {
        bool first = true;
        foreach (Block block in container)
        {
            AppendBlock(source, block, indent, output, separate: !first);
            first = false;
        }
    }
}
