namespace WasmSandbox;

/// <summary>
/// One import or export of a component, by its name in the component model: an interface name such as
/// <c>wasi:cli/stdout@0.2.3</c> (namespace <c>wasi</c>, package <c>cli</c>, interface <c>stdout</c>, version
/// <c>0.2.3</c>), or a plain kebab-case name such as <c>run</c>.
/// </summary>
public sealed class WasmComponentExternInfo
{
    public WasmComponentExternInfo(string name, string kind)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(kind);
        Name = name;
        Kind = kind;
        // ns:pkg/iface@version. Only the shape is read here; whether the name is well formed is Wasmtime's to judge.
        var colon = name.IndexOf(':', StringComparison.Ordinal);
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        if (colon > 0 && slash > colon + 1)
        {
            var at = name.IndexOf('@', slash);
            Namespace = name[..colon];
            Package = name[(colon + 1)..slash];
            Interface = at < 0 ? name[(slash + 1)..] : name[(slash + 1)..at];
            Version = at < 0 ? null : name[(at + 1)..];
        }
    }

    /// <summary>The full name, e.g. <c>wasi:cli/stdout@0.2.3</c>.</summary>
    public string Name { get; }

    /// <summary>
    /// What is imported or exported: <c>instance</c> (an interface), <c>func</c>, <c>value</c>, <c>type</c>,
    /// <c>component</c>, <c>core module</c>, or for an export of a core item <c>core func</c>, <c>core memory</c> and
    /// the like.
    /// </summary>
    public string Kind { get; }

    /// <summary>The namespace of an interface name (<c>wasi</c>); null for a plain name.</summary>
    public string? Namespace { get; }

    /// <summary>The package of an interface name (<c>cli</c>); null for a plain name.</summary>
    public string? Package { get; }

    /// <summary>The interface of an interface name (<c>stdout</c>); null for a plain name.</summary>
    public string? Interface { get; }

    /// <summary>The version of an interface name (<c>0.2.3</c>); null for a plain name or an unversioned interface.</summary>
    public string? Version { get; }

    /// <summary>Whether the name is an interface name (<c>namespace:package/interface</c>, with or without a version).</summary>
    public bool IsInterface => Interface is not null;

    public override string ToString() => $"{Name} ({Kind})";
}
