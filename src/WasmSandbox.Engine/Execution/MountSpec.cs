namespace WasmSandbox;

/// <summary>A parsed <c>hostDir:guestDir[:ro]</c> mount.</summary>
internal sealed record MountSpec(string HostPath, string GuestPath, bool ReadOnly)
{
    /// <summary>
    /// Parses from the right, so Windows host paths with a drive letter (<c>C:\data:/data</c>) work: the guest part is
    /// the last <c>:</c>-separated piece that starts with <c>/</c>.
    /// </summary>
    public static MountSpec Parse(string spec, string workingDirectory)
    {
        string rest = spec;
        bool readOnly = false;
        if (rest.EndsWith(":ro", StringComparison.Ordinal))
        {
            readOnly = true;
            rest = rest[..^3];
        }
        else if (rest.EndsWith(":rw", StringComparison.Ordinal))
        {
            rest = rest[..^3];
        }
        int split = rest.LastIndexOf(":/", StringComparison.Ordinal);
        if (split <= 0)
        {
            throw new WasmConfigurationException("InvalidMount",
                $"mount '{spec}' is not of the form hostDir:guestDir[:ro] (the guest directory must be absolute, e.g. /data)");
        }
        string host = Path.GetFullPath(rest[..split], workingDirectory);
        string guest = rest[(split + 1)..];
        if (!Directory.Exists(host))
        {
            throw new WasmConfigurationException("MountSourceNotFound", $"mount '{spec}': host directory '{host}' does not exist", host);
        }
        if (guest.Split('/').Any(p => p == ".."))
        {
            throw new WasmConfigurationException("InvalidMount", $"mount '{spec}': the guest directory may not contain '..'");
        }
        return new MountSpec(host, guest, readOnly);
    }
}
