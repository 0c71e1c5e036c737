namespace WasmSandbox;

/// <summary>Method names of kernel-mode (<see cref="WasmStdioMode.SyncRpc"/>) requests.</summary>
public static class KernelMethods
{
    /// <summary>Args: fd (int), data (byte[]). Answer: bytes written (int) or an errno.</summary>
    public const string StdioWrite = "__kernel_stdio_write";

    /// <summary>Args: subscriptions (array of @{fd; events}), timeoutMs (int, -1 for none). Answer: @{ readyCount; fds = @(@{fd; events; revents}) }.</summary>
    public const string Poll = "__kernel_poll";
}
