using System.Collections;
using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>Answers a kernel-mode request (-StdioMode SyncRpc) once, with a result or a WASI errno.</summary>
[Cmdlet(VerbsCommunications.Send, "WasmRpcResponse", DefaultParameterSetName = ResultSet)]
[OutputType(typeof(void))]
public sealed class SendWasmRpcResponseCommand : PSCmdlet
{
    private const string ResultSet = "Result";
    private const string ErrorSet = "ErrorCode";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public WasmSyncRpcRequestEvent Request { get; set; } = null!;

    /// <summary>The answer: bytes written for __kernel_stdio_write, @{ readyCount; fds } for __kernel_poll.</summary>
    [Parameter(ParameterSetName = ResultSet)]
    [AllowNull]
    public object? Result { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ErrorSet)]
    public int ErrorCode { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            Request.Respond(ParameterSetName == ErrorSet ? null : Unwrap(Result), ParameterSetName == ErrorSet ? ErrorCode : null);
        }
        catch (WasmRpcException e)
        {
            WriteError(ErrorRecords.From(e, Request));
        }
    }

    /// <summary>Script values arrive wrapped in PSObject; the engine reads plain dictionaries, lists and numbers.</summary>
    private static object? Unwrap(object? value) => (value is PSObject ps ? ps.BaseObject : value) switch
    {
        IDictionary d => d.Keys.Cast<object>().ToDictionary(k => (object)(Unwrap(k) ?? ""), k => Unwrap(d[k])) is var map
            ? new Hashtable(map, StringComparer.OrdinalIgnoreCase)
            : null,
        string s => s,
        IEnumerable e => e.Cast<object?>().Select(Unwrap).ToArray(),
        var other => other,
    };
}
