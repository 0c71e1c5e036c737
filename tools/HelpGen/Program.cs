using WasmSandbox.HelpGen;
using WasmSandbox.HelpGen.Markdown;
using WasmSandbox.HelpGen.Model;
using WasmSandbox.HelpGen.Output;
using WasmSandbox.HelpGen.Parsing;

// Compiles docs/en-US into what Get-Help reads: <assembly>-Help.xml for the cmdlets and about_*.help.txt topics.
// Every malformed page is reported (file:line: problem) and the exit code is non-zero, so the build stops.

var arguments = HelpGenArguments.Parse(args, out string? usageError);
if (arguments is null)
{
    Console.Error.WriteLine($"HelpGen: {usageError}");
    Console.Error.WriteLine(HelpGenArguments.Usage);
    return 2;
}
if (!Directory.Exists(arguments.DocsDirectory))
{
    Console.Error.WriteLine($"HelpGen: docs directory '{arguments.DocsDirectory}' does not exist");
    return 2;
}

var pages = Directory.GetFiles(arguments.DocsDirectory, "*.md").Order(StringComparer.Ordinal).ToList();
var commands = new List<CommandHelp>();
var aboutTopics = new List<(string Name, string Text)>();
var problems = new List<DocFormatException>();
foreach (string page in pages)
{
    string fileName = Path.GetFileName(page);
    string display = Path.Combine(arguments.DocsDirectory, fileName);
    try
    {
        var source = MarkdownSource.Load(page, display);
        if (fileName.StartsWith("about_", StringComparison.OrdinalIgnoreCase))
        {
            aboutTopics.Add((Path.GetFileNameWithoutExtension(fileName), AboutTopicConverter.Convert(source)));
        }
        else
        {
            commands.Add(CommandDocParser.Parse(source, arguments.HelpFileName));
        }
    }
    catch (DocFormatException problem)
    {
        problems.Add(problem);
    }
}

if (commands.Count == 0 && problems.Count == 0)
{
    problems.Add(new DocFormatException(arguments.DocsDirectory, (int?)null, "no cmdlet pages (<Verb-Noun>.md) found"));
}
if (problems.Count > 0)
{
    foreach (var problem in problems)
    {
        Console.Error.WriteLine($"HelpGen: error: {problem.Message}");
    }
    Console.Error.WriteLine($"HelpGen: {problems.Count} help page problem(s); no help was written");
    return 1;
}

Directory.CreateDirectory(arguments.OutputDirectory);
string mamlPath = Path.Combine(arguments.OutputDirectory, arguments.HelpFileName);
MamlWriter.Write(commands, mamlPath);
foreach (var (name, text) in aboutTopics)
{
    File.WriteAllText(Path.Combine(arguments.OutputDirectory, name + ".help.txt"), text);
}
Console.WriteLine($"HelpGen: {commands.Count} command(s) -> {mamlPath}; {aboutTopics.Count} about topic(s)");
return 0;
