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
}
