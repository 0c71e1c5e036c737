using WasmSandbox.HelpGen.Markdown;
using WasmSandbox.HelpGen.Model;

namespace WasmSandbox.HelpGen.Parsing;

/// <summary>Reads "## INPUTS" or "## OUTPUTS": one "### TypeName" per type, with what it carries.</summary>
internal static class TypesSection
{
    public static List<TypeHelp> Read(MarkdownSource source, Section section)
    {
        section.RejectLooseContent(source);
        var types = new List<TypeHelp>();
        foreach (Section type in section.Children)
        {
            type.RejectSubsections(source);
            types.Add(new TypeHelp(type.Title, ProseText.Paragraphs(source, type.ContentBlocks)));
        }
        return types;
    }
}
