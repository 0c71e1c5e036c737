using System.Text;

namespace WasmSandbox.HelpGen.Output;

/// <summary>Word-wraps plain text into indented lines, the way about_ help files are laid out.</summary>
internal static class TextWrap
{
    /// <summary>The width of PowerShell's own about_ files, which read well in an 80-column console.</summary>
    public const int Width = 80;

    /// <summary>
    /// Wraps <paramref name="text"/> so the first line starts with <paramref name="firstPrefix"/> and the others with
    /// <paramref name="restIndent"/> spaces. Explicit newlines (markdown hard breaks) are kept.
    /// </summary>
    public static void Append(StringBuilder output, string text, string firstPrefix, int restIndent)
    {
        string prefix = firstPrefix;
        string rest = new(' ', restIndent);
        foreach (string line in text.Split('\n'))
        {
            var current = new StringBuilder(prefix);
            bool empty = true;
            foreach (string word in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!empty && current.Length + 1 + word.Length > Width)
                {
                    output.Append(current).Append('\n');
                    current.Clear().Append(rest);
                    empty = true;
                }
                if (!empty)
                {
                    current.Append(' ');
                }
                current.Append(word);
                empty = false;
            }
            output.Append(current.ToString().TrimEnd()).Append('\n');
            prefix = rest;
        }
    }
}
