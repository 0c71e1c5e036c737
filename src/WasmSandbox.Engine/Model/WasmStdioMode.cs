namespace WasmSandbox;

/// <summary>How the guest's stdout, stderr and fd polling reach the host.</summary>
public enum WasmStdioMode
{
    /// <summary>Writes become stdout/stderr events; the sandbox answers polls itself.</summary>
    Events,
    /// <summary>Kernel mode: writes and fd polls become requests a script answers.</summary>
    SyncRpc,
}
