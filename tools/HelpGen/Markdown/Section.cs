using Markdig.Syntax;

namespace WasmSandbox.HelpGen.Markdown;

/// <summary>
/// A heading and what lies under it: the blocks before the next heading, and the deeper headings as children.
/// Help markdown is a fixed outline, so every reader walks this tree instead of scanning the flat block list.
/// </summary>
internal sealed class Section
{
    private Section(HeadingBlock? heading, int level, string title)
    {
        Heading = heading;
        Level = level;
        Title = title;
    }

    /// <summary>The heading; null for the document root.</summary>
    public HeadingBlock? Heading { get; }

    /// <summary>1 for '#', 2 for '##', ...; 0 for the root.</summary>
    public int Level { get; }

    /// <summary>The heading text with emphasis removed and surrounding space trimmed.</summary>
    public string Title { get; }

    /// <summary>Blocks between the heading and the next heading of any level.</summary>
    public List<Block> Body { get; } = new();

    public List<Section> Children { get; } = new();

    public static Section BuildOutline(MarkdownDocument document)
    {
        var root = new Section(null, 0, "");
        var open = new Stack<Section>();
        open.Push(root);
        foreach (Block block in document)
        {
            if (block is HeadingBlock heading)
            {
                while (open.Peek().Level >= heading.Level)
                {
                    open.Pop();
                }
                var section = new Section(heading, heading.Level, InlineText.Render(heading.Inline).Trim());
                open.Peek().Children.Add(section);
                open.Push(section);
            }
            else
            {
                open.Peek().Body.Add(block);
            }
        }
        return root;
    }

    /// <summary>Body blocks that carry content; link reference definitions and HTML comments are not content.</summary>
    public IEnumerable<Block> ContentBlocks => Body.Where(IsContent);

    /// <summary>
    /// Fails when a section whose entries are all "###" headings (examples, parameters, types) has text of its own,
    /// which no output element could hold.
    /// </summary>
    public void RejectLooseContent(MarkdownSource source)
    {
        if (ContentBlocks.FirstOrDefault() is { } stray)
        {
            throw source.Error(stray, $"{Title}: text before the first ### heading belongs to no entry");
        }
    }

    /// <summary>Fails when a section that holds only text has headings under it.</summary>
    public void RejectSubsections(MarkdownSource source)
    {
        if (Children.FirstOrDefault() is { } child)
        {
            throw source.Error(child.Heading, $"{Title}: unexpected heading '{child.Title}'");
        }
    }

    private static bool IsContent(Block block) => block switch
    {
        LinkReferenceDefinitionGroup => false,
        HtmlBlock html => html.Type != HtmlBlockType.Comment,
        _ => true,
    };
}
