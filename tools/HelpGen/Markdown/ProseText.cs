using System.Text;
using Markdig.Syntax;

namespace WasmSandbox.HelpGen.Markdown;

/// <summary>
/// Turns the blocks of a help section into paragraphs of plain text, one per markdown paragraph, list item or code
/// block, which is the granularity of MAML's maml:para.
/// </summary>
internal static class ProseText
{
    public static List<string> Paragraphs(MarkdownSource source, IEnumerable<Block> blocks)
    {
        var paragraphs = new List<string>();
        foreach (Block block in blocks)
        {
            AddParagraphs(source, block, paragraphs);
        }
        return paragraphs;
    }

    private static void AddParagraphs(MarkdownSource source, Block block, List<string> paragraphs)
    {
        switch (block)
        {
            case ParagraphBlock paragraph:
                paragraphs.Add(InlineText.Render(paragraph.Inline).Trim());
                break;
            case CodeBlock code:
                paragraphs.Add(CodeText(code));
                break;
            case ListBlock list:
                int number = int.TryParse(list.OrderedStart, out int start) ? start : 1;
                foreach (ListItemBlock item in list.OfType<ListItemBlock>())
                {
                    string marker = list.IsOrdered ? $"{number++}. " : "- ";
                    paragraphs.Add(marker + string.Join(" ", Paragraphs(source, item)));
                }
                break;
            case QuoteBlock quote:
                paragraphs.AddRange(Paragraphs(source, quote));
                break;
            case ThematicBreakBlock or LinkReferenceDefinitionGroup or BlankLineBlock:
                break;
            case HtmlBlock html when html.Type == HtmlBlockType.Comment:
                break;
            default:
                throw source.Error(block, $"{block.GetType().Name} is not supported in help text; use paragraphs, lists and code blocks");
        }
    }

    /// <summary>The verbatim lines of a code block, without the fences.</summary>
    public static string CodeText(LeafBlock code)
    {
        var text = new StringBuilder();
        var lines = code.Lines;
        for (int i = 0; i < lines.Count; i++)
        {
            if (i > 0)
            {
                text.Append('\n');
            }
            text.Append(lines.Lines[i].Slice.AsSpan());
        }
        return text.ToString().TrimEnd();
    }
}
