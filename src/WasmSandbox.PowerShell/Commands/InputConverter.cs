using System.Management.Automation;
using System.Text;

namespace WasmSandbox.Commands;

/// <summary>How pipeline objects become stdin bytes: a string is a line, bytes are raw.</summary>
internal static class InputConverter
{
    public static byte[] ToStdin(object? input)
    {
        object? value = input is PSObject ps ? ps.BaseObject : input;
        return value switch
        {
            null => Array.Empty<byte>(),
            byte[] bytes => bytes,
            // Get-Content -AsByteStream streams single bytes: they are data, not numbers to print.
            byte b => new[] { b },
            string s => Encoding.UTF8.GetBytes(s + "\n"),
            _ => Encoding.UTF8.GetBytes(LanguagePrimitives.ConvertTo<string>(value) + "\n"),
        };
    }
}
