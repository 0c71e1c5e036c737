namespace WasmSandbox.HelpGen;

/// <summary>The command line: <c>--docs &lt;dir&gt; --out &lt;dir&gt; --assembly &lt;file.dll&gt;</c>.</summary>
internal sealed record HelpGenArguments(string DocsDirectory, string OutputDirectory, string AssemblyName)
{
    public const string Usage = "usage: HelpGen --docs <docs/en-US> --out <module/en-US> --assembly <Module.dll>";

    /// <summary>The MAML file name PowerShell looks for next to a binary module: "&lt;assembly file&gt;-Help.xml".</summary>
    public string HelpFileName => AssemblyName + "-Help.xml";

    /// <summary>Parses <paramref name="args"/>, or returns null and an explanation.</summary>
    public static HelpGenArguments? Parse(string[] args, out string? error)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < args.Length; i++)
        {
            string option = args[i];
            if (option is not ("--docs" or "--out" or "--assembly"))
            {
                error = $"unknown argument '{option}'";
                return null;
            }
            if (i + 1 >= args.Length)
            {
                error = $"{option} needs a value";
                return null;
            }
            values[option] = args[++i];
        }
        foreach (string required in new[] { "--docs", "--out", "--assembly" })
        {
            if (!values.ContainsKey(required))
            {
                error = $"missing {required}";
                return null;
            }
        }
        string assembly = values["--assembly"];
        if (assembly.IndexOfAny(['/', '\\']) >= 0 || !assembly.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            error = $"--assembly takes the module's file name, such as WasmSandbox.PowerShell.dll, not '{assembly}'";
            return null;
        }
        error = null;
        return new HelpGenArguments(values["--docs"], values["--out"], assembly);
    }
}
