using System.Text;
using Markdig.Syntax.Inlines;

namespace WasmSandbox.HelpGen.Markdown;

/// <summary>Renders inline markdown as the plain text a console shows: emphasis and code marks removed, links as their text.</summary>
internal static class InlineText
{
    public static string Render(ContainerInline? inlines)
    {
        var text = new StringBuilder();
        Append(text, inlines);
        return text.ToString();
    }

    private static void Append(StringBuilder text, Inline? inline)
    {
        switch (inline)
        {
            case null:
                break;
            case LiteralInline literal:
                text.Append(literal.Content.AsSpan());
                break;
            case CodeInline code:
                text.Append(code.Content);
                break;
            case AutolinkInline autolink:
                text.Append(autolink.Url);
                break;
            case LineBreakInline lineBreak:
                text.Append(lineBreak.IsHard ? '\n' : ' ');
                break;
            case HtmlEntityInline entity:
                text.Append(entity.Transcoded.AsSpan());
                break;
            // Help prose mentions things like <CommonParameters> or <path> without backticks; CommonMark reads those
            // as inline HTML, but to a console reader they are text.
            case HtmlInline html:
                text.Append(html.Tag);
                break;
            // Links, emphasis and any other container: their visible text is their children's text.
            case ContainerInline container:
                foreach (Inline child in container)
                {
                    Append(text, child);
                }
                break;
            default:
                text.Append(inline.ToString());
                break;
        }
    }
}
