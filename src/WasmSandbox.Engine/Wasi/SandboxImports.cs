namespace WasmSandbox;

/// <summary>
/// The import modules and functions the sandbox provides to guests, per permission tier. Used both to refuse a module
/// before linking (naming the exact import) and by module inspection to report unsatisfied imports.
/// </summary>
public static class SandboxImports
{
    public const string WasiPreview1 = "wasi_snapshot_preview1";
    public const string HostProcess = "host_process";

    /// <summary>Every function of WASI preview 1 that Wasmtime links.</summary>
    public static readonly IReadOnlySet<string> WasiFunctions = new HashSet<string>(StringComparer.Ordinal)
    {
        "args_get", "args_sizes_get", "environ_get", "environ_sizes_get", "clock_res_get", "clock_time_get",
        "fd_advise", "fd_allocate", "fd_close", "fd_datasync", "fd_fdstat_get", "fd_fdstat_set_flags",
        "fd_fdstat_set_rights", "fd_filestat_get", "fd_filestat_set_size", "fd_filestat_set_times", "fd_pread",
        "fd_prestat_get", "fd_prestat_dir_name", "fd_pwrite", "fd_read", "fd_readdir", "fd_renumber", "fd_seek",
        "fd_sync", "fd_tell", "fd_write", "path_create_directory", "path_filestat_get", "path_filestat_set_times",
        "path_link", "path_open", "path_readlink", "path_remove_directory", "path_rename", "path_symlink",
        "path_unlink_file", "poll_oneoff", "proc_exit", "proc_raise", "sched_yield", "random_get", "sock_accept",
        "sock_recv", "sock_send", "sock_shutdown",
    };

    /// <summary>Functions of the <c>host_process</c> module, linked only under <see cref="WasmPermissionTier.Full"/>.</summary>
    public static readonly IReadOnlySet<string> HostProcessFunctions = new HashSet<string>(StringComparer.Ordinal)
    {
        "proc_sigaction",
    };

    private static readonly string[] s_wasiOnly = { WasiPreview1 };
    private static readonly string[] s_wasiAndHostProcess = { WasiPreview1, HostProcess };

    /// <summary>
    /// The import modules linked at <paramref name="tier"/>: the one decision the policy, the linker choice and module
    /// inspection all read.
    /// </summary>
    public static IReadOnlyList<string> ModulesFor(WasmPermissionTier tier) =>
        tier == WasmPermissionTier.Full ? s_wasiAndHostProcess : s_wasiOnly;

    /// <summary>Whether a function import <paramref name="module"/>.<paramref name="name"/> is satisfied at <paramref name="tier"/>.</summary>
    public static bool IsProvided(string module, string name, WasmPermissionTier tier) =>
        ModulesFor(tier).Contains(module) && module switch
        {
            WasiPreview1 => WasiFunctions.Contains(name),
            HostProcess => HostProcessFunctions.Contains(name),
            _ => false,
        };

    /// <summary>
    /// Why an import is not satisfied at <paramref name="tier"/>, in the words used both by start-time link failures
    /// and by Test-WasmModule; null when it is provided.
    /// </summary>
    public static string? DescribeMissing(string module, string name, WasmPermissionTier tier)
    {
        if (IsProvided(module, name, tier))
        {
            return null;
        }
        if (module == HostProcess && HostProcessFunctions.Contains(name))
        {
            return $"import {module}.{name} is only linked under -PermissionTier Full (this run uses {tier})";
        }
        if (module == WasiPreview1)
        {
            return $"import {module}.{name} is not a WASI preview 1 function";
        }
        return $"import {module}.{name} is not provided by the sandbox (module '{module}' is not a WASI or host_process module; the guest was built for another host)";
    }

    /// <summary>
    /// The WASI preview 2 interfaces a component is linked with (Wasmtime's <c>AddWasiPreview2</c>), by package. The
    /// same at every tier: the tier decides which directories are preopened (none under Isolated, so a component that
    /// imports <c>wasi:filesystem</c> finds no files), and <c>wasi:sockets</c> is linked but every connection is
    /// refused. <c>host_process</c> is a core-module interface; no tier links anything else for a component.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlySet<string>> WasiPreview2Interfaces =
        new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal)
        {
            ["wasi:cli"] = new HashSet<string>(StringComparer.Ordinal)
            {
                "environment", "exit", "stdin", "stdout", "stderr", "terminal-input", "terminal-output",
                "terminal-stdin", "terminal-stdout", "terminal-stderr",
            },
            ["wasi:io"] = new HashSet<string>(StringComparer.Ordinal) { "error", "poll", "streams" },
            ["wasi:clocks"] = new HashSet<string>(StringComparer.Ordinal) { "monotonic-clock", "wall-clock" },
            ["wasi:random"] = new HashSet<string>(StringComparer.Ordinal) { "random", "insecure", "insecure-seed" },
            ["wasi:filesystem"] = new HashSet<string>(StringComparer.Ordinal) { "types", "preopens" },
            ["wasi:sockets"] = new HashSet<string>(StringComparer.Ordinal)
            {
                "network", "instance-network", "tcp", "tcp-create-socket", "udp", "udp-create-socket", "ip-name-lookup",
            },
        };

    /// <summary>The interface a WASI command component exports for the sandbox to call (<c>wasi:cli/run@0.2.x</c>).</summary>
    public const string WasiRunInterface = "wasi:cli/run";

    /// <summary>
    /// Why a component's import is not satisfied, in the words Test-WasmModule reports; null when the sandbox links it.
    /// Interfaces are matched by name and by a 0.2.x version (Wasmtime links any 0.2 version to its own); the
    /// functions inside an interface are checked when the component is linked.
    /// </summary>
    public static string? DescribeMissingComponentImport(WasmComponentExternInfo import)
    {
        ArgumentNullException.ThrowIfNull(import);
        var provided = string.Join(", ", WasiPreview2Interfaces.Keys);
        if (import.Kind != "instance" || !import.IsInterface)
        {
            var what = import.Kind == "instance" ? "" : $" ({import.Kind})";
            return $"import {import.Name}{what} is not provided by the sandbox (it links only the WASI preview 2 interfaces of {provided}; the component was built for another host)";
        }
        var package = $"{import.Namespace}:{import.Package}";
        if (!WasiPreview2Interfaces.TryGetValue(package, out var interfaces))
        {
            return $"import {import.Name} is not provided by the sandbox ('{package}' is not among the WASI preview 2 packages it links: {provided}; the component was built for another host)";
        }
        if (!interfaces.Contains(import.Interface!))
        {
            return $"import {import.Name} is not a WASI preview 2 interface the sandbox links";
        }
        if (!IsPreview2Version(import.Version))
        {
            return import.Version is null
                ? $"import {import.Name} names no version; the sandbox links WASI 0.2 interfaces (0.2.x)"
                : $"import {import.Name} asks for WASI {import.Version}; the sandbox links WASI 0.2 interfaces (0.2.x)";
        }
        return null;
    }

    /// <summary>
    /// Whether <paramref name="version"/> is a released WASI 0.2 version (<c>0.2.0</c>, <c>0.2.3</c>): Wasmtime links
    /// any of them to its own 0.2 interfaces, but a pre-release such as <c>0.2.0-rc-2023-11-10</c> only to itself,
    /// and it links none.
    /// </summary>
    internal static bool IsPreview2Version(string? version) =>
        version is not null && version.StartsWith("0.2.", StringComparison.Ordinal) && version.Length > 4
        && version.AsSpan(4).ContainsAnyExceptInRange('0', '9') is false;
}
