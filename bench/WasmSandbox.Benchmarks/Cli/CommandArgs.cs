using System.Globalization;

namespace WasmSandbox.Benchmarks.Cli;

/// <summary>
/// <c>command --name value --flag ... -- guest arguments</c>. Everything after <c>--</c> is passed to the guest
/// untouched; before it, every <c>--name</c> takes the next token as its value unless that token is another option.
/// </summary>
internal sealed class CommandArgs
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    private CommandArgs(string command, IReadOnlyList<string> guestArguments)
    {
        Command = command;
        GuestArguments = guestArguments;
    }

    public string Command { get; }

    public IReadOnlyList<string> GuestArguments { get; }

    public static CommandArgs Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0].StartsWith('-'))
        {
            throw new UsageException("the first argument must be a command");
        }
        int separator = args.ToList().IndexOf("--");
        var guest = separator < 0 ? Array.Empty<string>() : args.Skip(separator + 1).ToArray();
        var line = new CommandArgs(args[0], guest);
        int end = separator < 0 ? args.Count : separator;
        for (int i = 1; i < end; i++)
        {
            string token = args[i];
            if (!token.StartsWith("--", StringComparison.Ordinal) || token.Length == 2)
            {
                throw new UsageException($"unexpected argument '{token}'");
            }
            string name = token[2..];
            string? value = i + 1 < end && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null;
            if (!line._options.TryAdd(name, value))
            {
                throw new UsageException($"--{name} is given twice");
            }
        }
        return line;
    }

    public string Require(string name) =>
        Get(name) ?? throw new UsageException($"{Command} needs --{name} <value>");

    public string? Get(string name)
    {
        _used.Add(name);
        if (_options.TryGetValue(name, out var value) && value is null)
        {
            throw new UsageException($"--{name} needs a value");
        }
        return value;
    }

    /// <summary>An existing file's full path.</summary>
    public string RequireFile(string name) => ExistingFile(name, Require(name));

    public string? GetFile(string name) => Get(name) is string path ? ExistingFile(name, path) : null;

    public int GetInt(string name, int defaultValue) => (int)GetLong(name, defaultValue);

    public long GetLong(string name, long defaultValue)
    {
        string? text = Get(name);
        if (text is null)
        {
            return defaultValue;
        }
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
        {
            throw new UsageException($"--{name} must be a non-negative whole number, not '{text}'");
        }
        return value;
    }

    public bool Flag(string name)
    {
        _used.Add(name);
        if (_options.TryGetValue(name, out var value))
        {
            return value is null ? true : throw new UsageException($"--{name} takes no value");
        }
        return false;
    }

    /// <summary>Refuses options the command never asked for, so a typo cannot silently change a measurement.</summary>
    public void EnsureAllUsed()
    {
        var unknown = _options.Keys.Where(k => !_used.Contains(k)).ToArray();
        if (unknown.Length > 0)
        {
            throw new UsageException($"{Command} does not take {string.Join(", ", unknown.Select(k => "--" + k))}");
        }
    }

    private static string ExistingFile(string name, string path)
    {
        string full = Path.GetFullPath(path);
        return File.Exists(full) ? full : throw new UsageException($"--{name}: no file '{full}'");
    }
}
