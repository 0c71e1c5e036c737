using System.Globalization;

namespace WasmSandbox;

/// <summary>
/// Where compiled modules are kept on disk and how much room they may take. Production reads the host's environment
/// (<see cref="FromEnvironment"/>); tests build their own, so tests running in parallel never change process-wide
/// variables.
/// </summary>
internal sealed record CompileCacheSettings
{
    /// <summary>A folder for the disk cache instead of the user's cache directory, or <c>off</c>.</summary>
    public const string DirectoryVariable = "WASMSANDBOX_CACHE_DIR";

    /// <summary>The bound on the disk cache's total size, in bytes.</summary>
    public const string MaxBytesVariable = "WASMSANDBOX_CACHE_MAX_BYTES";

    public const long DefaultMaxBytes = 1L << 30;

    private const string FolderName = "wasmsandbox";

    /// <summary>The artifact folder (a full path), or null when the disk cache is off.</summary>
    public string? Directory { get; init; }

    /// <summary>The bound on the artifacts' total size; past it the least recently used are deleted.</summary>
    public long MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>Why the disk cache is off or a setting was ignored; null when everything is as asked.</summary>
    public string? Note { get; init; }

    public static CompileCacheSettings FromEnvironment() => FromVariables(Environment.GetEnvironmentVariable);

    /// <summary>The settings that the variables <paramref name="variable"/> returns ask for.</summary>
    internal static CompileCacheSettings FromVariables(Func<string, string?> variable)
    {
        var notes = new List<string>();
        long maxBytes = DefaultMaxBytes;
        string? max = variable(MaxBytesVariable);
        if (!string.IsNullOrWhiteSpace(max))
        {
            if (long.TryParse(max.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long parsed) && parsed > 0)
            {
                maxBytes = parsed;
            }
            else
            {
                notes.Add($"{MaxBytesVariable}='{max}' is not a positive number of bytes; the compile cache keeps up to 1 GiB");
            }
        }

        string? directory = variable(DirectoryVariable)?.Trim();
        if (string.Equals(directory, "off", StringComparison.OrdinalIgnoreCase))
        {
            directory = null;
            notes.Add($"the disk compile cache is off ({DirectoryVariable}={variable(DirectoryVariable)})");
        }
        else if (!string.IsNullOrEmpty(directory))
        {
            try
            {
                directory = Path.GetFullPath(directory);
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
            {
                notes.Add($"the disk compile cache is off: {DirectoryVariable}='{directory}' is not a usable path ({e.Message})");
                directory = null;
            }
        }
        else
        {
            directory = DefaultDirectory(variable);
            if (directory is null)
            {
                notes.Add($"the disk compile cache is off: there is no user cache directory; set {DirectoryVariable} to a folder");
            }
        }
        return new CompileCacheSettings
        {
            Directory = directory,
            MaxBytes = maxBytes,
            Note = notes.Count == 0 ? null : string.Join("; ", notes),
        };
    }

    /// <summary>
    /// The user's cache directory: per the XDG Base Directory specification on Linux (which says to ignore a relative
    /// XDG_CACHE_HOME), the local application data folder elsewhere.
    /// </summary>
    private static string? DefaultDirectory(Func<string, string?> variable)
    {
        if (OperatingSystem.IsLinux())
        {
            string? xdg = variable("XDG_CACHE_HOME");
            if (!string.IsNullOrEmpty(xdg) && Path.IsPathFullyQualified(xdg))
            {
                return Path.Combine(xdg, FolderName);
            }
            string? home = variable("HOME");
            if (string.IsNullOrEmpty(home) || !Path.IsPathFullyQualified(home))
            {
                // Without HOME .NET asks the password database.
                home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            }
            return string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".cache", FolderName);
        }
        string local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        return string.IsNullOrEmpty(local) ? null : Path.Combine(local, FolderName);
    }
}
