using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using WasmSandbox.HelpGen.Markdown;
using WasmSandbox.HelpGen.Model;

namespace WasmSandbox.HelpGen.Parsing;

/// <summary>
/// Reads "## RELATED LINKS": a list whose items are "[Text](url)" for web pages, "[Text]()" or plain text for other
/// help topics. PlatyPS also writes them as bare paragraphs, so those are accepted too.
/// </summary>
internal static class RelatedLinksSection
{
    public static List<RelatedLink> Read(MarkdownSource source, Section section)
    {
        section.RejectSubsections(source);
        var links = new List<RelatedLink>();
        foreach (Block block in section.ContentBlocks)
        {
            switch (block)
            {
                case ListBlock list:
                    foreach (var paragraph in list.OfType<ListItemBlock>().SelectMany(item => item.OfType<ParagraphBlock>()))
                    {
                        links.Add(ToLink(paragraph));
                    }
                    break;
                case ParagraphBlock paragraph:
                    links.Add(ToLink(paragraph));
                    break;
                default:
                    throw source.Error(block, "RELATED LINKS may hold only links, one per list item or paragraph");
            }
        }
        return links;
    }

    private static RelatedLink ToLink(ParagraphBlock paragraph)
    {
        var link = paragraph.Inline?.Descendants<LinkInline>().FirstOrDefault(l => !l.IsImage);
        string text = InlineText.Render(paragraph.Inline).Trim();
        return link is null ? new RelatedLink(text, "") : new RelatedLink(InlineText.Render(link).Trim(), link.Url ?? "");
    }
}
