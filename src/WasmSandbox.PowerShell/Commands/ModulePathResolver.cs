using System.Collections.ObjectModel;
using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>
/// Turns a module path a user gave into a file-system path through the PowerShell provider (drives such as
/// TestDrive:, '~', provider-qualified PSPath values from Get-Item), and reports the ways that can fail with the
/// engine's own exception types, so every cmdlet reports a missing module, a directory or a non-file path alike.
/// </summary>
internal static class ModulePathResolver
{
    /// <summary>
    /// The file-system path of one literal path (not checked for existence). A path of another provider
    /// (Env:, Variable:, ...) is refused: it can never be a module file.
    /// </summary>
    public static string ResolveLiteral(PSCmdlet cmdlet, string path)
    {
        string full = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out var provider, out _);
        if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
        {
            throw new WasmConfigurationException("ModulePathNotFileSystem",
                $"'{path}' is a path of the {provider.Name} provider, not a file-system path; a module must be a file", path);
        }
        return full;
    }

    /// <summary>
    /// Whether a path is kept as given and resolved later against each execution's working directory: a plain relative
    /// path is; one with a home ('~'), a drive or a provider prefix means something only PowerShell can resolve.
    /// </summary>
    public static bool IsPlainRelative(PSCmdlet cmdlet, string path) =>
        !path.StartsWith('~') && !cmdlet.SessionState.Path.IsPSAbsolute(path, out _);

    /// <summary>Refuses a path that exists but is a directory, now rather than at the first start.</summary>
    public static void ThrowIfDirectory(string fullPath)
    {
        if (Directory.Exists(fullPath))
        {
            throw new ModuleNotRegularFileException(fullPath, "directory");
        }
    }

    /// <summary>
    /// The module files a -Path (wildcards expanded) or -LiteralPath names. Each path that names no file is reported
    /// on <paramref name="cmdlet"/>'s error stream and skipped; a directory a wildcard happens to match is skipped
    /// quietly, as Get-ChildItem -File would.
    /// </summary>
    public static IEnumerable<string> ResolveFiles(PSCmdlet cmdlet, string path, bool literal)
    {
        var files = new List<string>();
        try
        {
            if (literal || !WildcardPattern.ContainsWildcardCharacters(path))
            {
                string full = ResolveLiteral(cmdlet, path);
                ThrowIfDirectory(full);
                if (!File.Exists(full))
                {
                    throw new WasmModuleNotFoundException(full, path);
                }
                files.Add(full);
            }
            else
            {
                ResolveLiteral(cmdlet, path); // the provider check
                Collection<string> matches;
                try
                {
                    matches = cmdlet.GetResolvedProviderPathFromPSPath(path, out _);
                }
                catch (ItemNotFoundException)
                {
                    matches = new Collection<string>();
                }
                files.AddRange(matches.Where(File.Exists));
                if (files.Count == 0)
                {
                    throw new WasmModuleNotFoundException(cmdlet.GetUnresolvedProviderPathFromPSPath(path), path);
                }
            }
        }
        catch (WasmSandboxException e)
        {
            cmdlet.WriteError(ErrorRecords.From(e, path));
        }
        return files;
    }
}
