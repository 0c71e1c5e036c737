namespace WasmSandbox;

/// <summary>What a guest may touch beyond its own memory. Each tier includes the one before it.</summary>
public enum WasmPermissionTier
{
    /// <summary>No files at all: no preopened directories.</summary>
    Isolated = 0,
    /// <summary>The working directory (and mounts) preopened read-only.</summary>
    ReadOnly = 1,
    /// <summary>The working directory (and mounts without <c>:ro</c>) preopened read-write.</summary>
    ReadWrite = 2,
    /// <summary>ReadWrite plus the <c>host_process</c> imports.</summary>
    Full = 3,
}
