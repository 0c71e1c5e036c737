namespace WasmSandbox;

/// <summary>
/// A <c>-Mount</c> entry as the user wrote it: <c>hostDir:guestDir[:ro|:rw]</c>. Parsing is strict: the suffix is
/// <c>ro</c> or <c>rw</c> in any case and nothing else (no spaces, no synonyms), and the guest directory is an absolute
/// path without <c>..</c>, <c>:</c>, <c>\</c> or NUL. Anything else is an error before the guest starts, so a typo
/// can never silently grant write access or mount at an unintended path.
/// </summary>
/// <param name="HostPath">The host directory as written (resolved later, by the caller's rules).</param>
/// <param name="GuestPath">The guest directory, normalised: absolute, single slashes, no <c>.</c> parts, no trailing slash.</param>
/// <param name="ReadOnly">Whether the spec ends in <c>:ro</c>.</param>
public sealed record MountSpec(string HostPath, string GuestPath, bool ReadOnly)
{
    /// <summary>
    /// Splits <paramref name="spec"/>. The guest directory is the text after the last <c>:/</c>, so a host path may
    /// itself contain <c>:</c> (a Windows drive letter such as <c>C:\data:/data</c>).
    /// </summary>
    public static MountSpec Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Contains('\0'))
        {
            throw Invalid(spec, "it contains a NUL character");
        }
        string rest = spec;
        bool readOnly = false;
        int lastColon = rest.LastIndexOf(':');
        if (lastColon >= 0 && !rest.AsSpan(lastColon + 1).StartsWith("/"))
        {
            string suffix = rest[(lastColon + 1)..];
            if (suffix.Equals("ro", StringComparison.OrdinalIgnoreCase))
            {
                readOnly = true;
            }
            else if (!suffix.Equals("rw", StringComparison.OrdinalIgnoreCase))
            {
                throw Invalid(spec, rest[..lastColon].Contains(":/", StringComparison.Ordinal)
                    ? $"'{suffix}' is not a mount option (use ':ro' for read-only or ':rw' for read-write, in any case, with nothing after it)"
                    : $"the guest directory '{suffix}' is not absolute (write it as /{suffix.TrimStart('/')}), and it is not a mount option (':ro' or ':rw') either");
            }
            rest = rest[..lastColon];
        }
        int split = rest.LastIndexOf(":/", StringComparison.Ordinal);
        if (split < 0)
        {
            throw Invalid(spec, "it has no ':/guest' part (the guest directory must be absolute, e.g. /data)");
        }
        if (split == 0)
        {
            throw Invalid(spec, "the host directory is empty");
        }
        string host = rest[..split];
        string guest = NormaliseGuest(spec, rest[(split + 1)..]);
        return new MountSpec(host, guest, readOnly);
    }

    private static string NormaliseGuest(string spec, string guest)
    {
        if (guest.Contains(':'))
        {
            throw Invalid(spec, $"the guest directory '{guest}' contains ':'");
        }
        if (guest.Contains('\\'))
        {
            throw Invalid(spec, $"the guest directory '{guest}' contains '\\' (guest paths use '/')");
        }
        var parts = new List<string>();
        foreach (var part in guest.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                throw Invalid(spec, $"the guest directory '{guest}' contains '..'");
            }
            if (part.Any(c => char.IsControl(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format))
            {
                throw Invalid(spec, $"the guest directory '{guest}' contains a control or invisible formatting character");
            }
            parts.Add(part);
        }
        return "/" + string.Join('/', parts);
    }

    private static WasmConfigurationException Invalid(string spec, string reason) =>
        new("InvalidMount", $"mount '{spec}' is invalid: {reason}. The form is hostDir:guestDir[:ro|:rw]");
}
