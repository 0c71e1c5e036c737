using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using WasmSandbox.HelpGen.Model;

namespace WasmSandbox.HelpGen.Output;

/// <summary>
/// Writes commands as the MAML document PowerShell's Get-Help reads from &lt;assembly&gt;-Help.xml, using the same
/// elements and attribute spellings PlatyPS emits so every Get-Help view (-Full, -Examples, -Parameter) finds its data.
/// </summary>
internal static class MamlWriter
{
    private static readonly XNamespace s_msh = "http://msh";
    private static readonly XNamespace s_maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace s_command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace s_dev = "http://schemas.microsoft.com/maml/dev/2004/10";
    private static readonly XNamespace s_msHelp = "http://msdn.microsoft.com/mshelp";

    /// <summary>The dashes around an example title, as in PowerShell's own help.</summary>
    private const string TitleRule = "--------------------------";

    public static void Write(IEnumerable<CommandHelp> commands, string path)
    {
        var document = new XDocument(
            new XDeclaration("1.0", "utf-8", null),
            new XElement(s_msh + "helpItems",
                new XAttribute("schema", "maml"),
                commands.Select(Command)));

        var settings = new XmlWriterSettings
        {
            Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            Indent = true,
            IndentChars = "  ",
            NewLineChars = "\n",
        };
        using var writer = XmlWriter.Create(path, settings);
        document.Save(writer);
    }

    private static XElement Command(CommandHelp command) =>
        new(s_command + "command",
            new XAttribute(XNamespace.Xmlns + "maml", s_maml),
            new XAttribute(XNamespace.Xmlns + "command", s_command),
            new XAttribute(XNamespace.Xmlns + "dev", s_dev),
            new XAttribute(XNamespace.Xmlns + "MSHelp", s_msHelp),
            new XElement(s_command + "details",
                new XElement(s_command + "name", command.Name),
                new XElement(s_command + "verb", command.Verb),
                new XElement(s_command + "noun", command.Noun),
                Description([command.Synopsis])),
            Description(command.Description),
            new XElement(s_command + "syntax", command.Syntax.Select(set => SyntaxItem(command, set))),
            new XElement(s_command + "parameters", command.Parameters.Select(p => Parameter(p, p.PrimaryBinding, inSyntax: false))),
            new XElement(s_command + "inputTypes", command.Inputs.Select(t => TypeEntry("inputType", t))),
            new XElement(s_command + "returnValues", command.Outputs.Select(t => TypeEntry("returnValue", t))),
            new XElement(s_maml + "alertSet",
                new XElement(s_maml + "alert", Paragraphs(command.Notes))),
            new XElement(s_command + "examples", command.Examples.Select(Example)),
            new XElement(s_command + "relatedLinks", RelatedLinks(command)));

    private static XElement SyntaxItem(CommandHelp command, SyntaxHelp set) =>
        new(s_command + "syntaxItem",
            new XElement(s_maml + "name", command.Name),
            set.ParameterNames.Select(name =>
            {
                var parameter = command.Parameters.First(p => p.Name == name);
                // The syntax parser guarantees the parameter has a binding for every set it is shown in.
                return Parameter(parameter, parameter.BindingFor(set.SetName)!, inSyntax: true);
            }));

    private static XElement Parameter(ParameterHelp parameter, ParameterBinding binding, bool inSyntax)
    {
        var element = new XElement(s_command + "parameter",
            new XAttribute("required", Bool(binding.Required)),
            new XAttribute("variableLength", Bool(parameter.IsArray)),
            new XAttribute("globbing", Bool(parameter.AcceptsWildcards)),
            new XAttribute("pipelineInput", PipelineText(binding.PipelineInput)),
            new XAttribute("position", binding.Position?.ToString(CultureInfo.InvariantCulture) ?? "named"),
            new XAttribute("aliases", parameter.Aliases.Count == 0 ? "none" : string.Join(", ", parameter.Aliases)),
            new XElement(s_maml + "name", parameter.Name),
            Description(parameter.Description));

        if (parameter.AcceptedValues.Count > 0)
        {
            element.Add(new XElement(s_command + "parameterValueGroup",
                parameter.AcceptedValues.Select(value => new XElement(s_command + "parameterValue",
                    new XAttribute("required", "false"),
                    new XAttribute(s_command + "variableLength", "false"),
                    value))));
        }
        // In syntax a switch is shown bare ([-Wait]); under PARAMETERS its type is still worth stating.
        if (!(inSyntax && parameter.IsSwitch))
        {
            element.Add(new XElement(s_command + "parameterValue",
                new XAttribute("required", Bool(!parameter.IsSwitch)),
                new XAttribute("variableLength", Bool(parameter.IsArray)),
                parameter.TypeName));
        }
        element.Add(
            new XElement(s_dev + "type",
                new XElement(s_maml + "name", parameter.TypeName),
                new XElement(s_maml + "uri")),
            new XElement(s_dev + "defaultValue", parameter.DefaultValue ?? "None"));
        return element;
    }

    private static XElement TypeEntry(string elementName, TypeHelp type) =>
        new(s_command + elementName,
            new XElement(s_dev + "type",
                new XElement(s_maml + "name", type.TypeName)),
            Description(type.Description));

    private static XElement Example(ExampleHelp example) =>
        new(s_command + "example",
            new XElement(s_maml + "title", $"{TitleRule} {example.Title} {TitleRule}"),
            new XElement(s_dev + "code", example.Code),
            // The trailing empty paragraph makes Get-Help leave a blank line before the next example's title.
            new XElement(s_dev + "remarks", Paragraphs(example.Remarks.Append(""))));

    private static IEnumerable<XElement> RelatedLinks(CommandHelp command)
    {
        // Get-Help -Online opens the first link's uri, so the online version goes first.
        if (command.OnlineVersion is not null)
        {
            yield return NavigationLink("Online Version:", command.OnlineVersion);
        }
        foreach (var link in command.RelatedLinks)
        {
            yield return NavigationLink(link.Text, link.Uri);
        }
    }

    private static XElement NavigationLink(string text, string uri) =>
        new(s_maml + "navigationLink",
            new XElement(s_maml + "linkText", text),
            new XElement(s_maml + "uri", uri));

    private static XElement Description(IEnumerable<string> paragraphs) => new(s_maml + "description", Paragraphs(paragraphs));

    private static IEnumerable<XElement> Paragraphs(IEnumerable<string> paragraphs) =>
        paragraphs.Select(text => new XElement(s_maml + "para", text));

    private static string Bool(bool value) => value ? "true" : "false";

    private static string PipelineText(PipelineInput input) => input switch
    {
        PipelineInput.None => "False",
        PipelineInput.ByValue => "True (ByValue)",
        PipelineInput.ByPropertyName => "True (ByPropertyName)",
        _ => "True (ByPropertyName, ByValue)",
    };
}
