namespace WasmSandbox;

/// <summary>
/// Resolves a host directory the user grants (working directory or mount) to its real path, once, at start. Symbolic
/// links on the way are the user's own choice and are followed — except a link that lies inside a folder this process
/// has granted writable to a guest: a guest may have planted it, so the sandbox refuses to follow it rather than grant
/// whatever it points to.
/// </summary>
internal static class HostDirectoryResolver
{
    private const int MaxLinks = 40; // as Linux's MAXSYMLINKS

    /// <param name="path">An absolute host path.</param>
    /// <param name="what">How the path is named in errors, e.g. "mount '/a:/b'" or "working directory".</param>
    public static string Resolve(string path, string what)
    {
        string full = Path.GetFullPath(path);
        if (OperatingSystem.IsWindows())
        {
            return Directory.Exists(full) ? full
                : throw new WasmConfigurationException("NotADirectory", $"{what}: '{full}' is not a directory", full);
        }
        var pending = new Stack<string>(Components(full).Reverse());
        string current = "/";
        int links = 0;
        while (pending.Count > 0)
        {
            string part = pending.Pop();
            if (part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? "/";
                continue;
            }
            string next = Path.Join(current, part);
            var info = new FileInfo(next);
            if (!info.Exists && !Directory.Exists(next) && info.LinkTarget is null)
            {
                throw new WasmConfigurationException(what.StartsWith("mount", StringComparison.Ordinal) ? "MountSourceNotFound" : "WorkingDirectoryNotFound",
                    next == full ? $"{what}: host directory '{full}' does not exist" : $"{what}: host directory '{full}' does not exist ('{next}' is missing)", full);
            }
            if (info.LinkTarget is string target)
            {
                if (GrantedFolders.WritableContaining(current) is string granted)
                {
                    throw new WasmConfigurationException("UntrustedLink",
                        $"{what}: '{next}' is a symbolic link inside '{granted}', a folder a guest was granted write access to in this process; " +
                        "the sandbox does not follow links a guest may have planted. Name the real directory instead.", full);
                }
                if (++links > MaxLinks)
                {
                    throw new WasmConfigurationException("InvalidDirectory", $"{what}: too many symbolic links while resolving '{full}'", full);
                }
                if (target.StartsWith('/'))
                {
                    current = "/";
                }
                foreach (var p in Components(target).Reverse())
                {
                    pending.Push(p);
                }
                continue;
            }
            current = next;
        }
        if (!Directory.Exists(current))
        {
            throw new WasmConfigurationException("NotADirectory", $"{what}: '{full}' is not a directory", full);
        }
        return current;
    }

    private static IEnumerable<string> Components(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries);
}
