namespace WasmSandbox;

/// <summary>Where a preopen came from.</summary>
public enum SandboxPreopenSource
{
    /// <summary>The execution's working directory, seen by the guest as <c>/</c>.</summary>
    WorkingDirectory,
    /// <summary>A <c>-Mount</c> entry.</summary>
    Mount,
}

/// <summary>
/// One host directory the guest sees, resolved once at start: <see cref="HostPath"/> is the real path (no symbolic
/// link in it), so nothing the guest plants later changes what it names.
/// </summary>
/// <param name="HostPath">The host directory, fully resolved.</param>
/// <param name="GuestPath">The absolute path the guest sees it at.</param>
/// <param name="Writable">Whether the guest may create, change and remove files in it.</param>
/// <param name="Source">The working directory or a mount.</param>
/// <param name="Spec">What the user wrote (the mount spec, or the working directory as given).</param>
public sealed record SandboxPreopen(string HostPath, string GuestPath, bool Writable, SandboxPreopenSource Source, string Spec)
{
    public override string ToString() => $"{GuestPath} <- {HostPath} ({(Writable ? "rw" : "ro")})";
}
