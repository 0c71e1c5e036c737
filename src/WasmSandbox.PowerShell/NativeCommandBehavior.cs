using System.Management.Automation;
using System.Reflection;

namespace WasmSandbox.Commands;

/// <summary>
/// What PowerShell 7.6 does for a native executable that a cmdlet has no public API for, done through the engine's
/// internal members (read once, by name). NativeCommandProcessor (1) decides stderr is "redirected" unless it is
/// neither merged (2&gt;&amp;1) nor going anywhere but the default outputter (Out-Default, not a transcript's); when
/// it is not redirected the process writes to the console's stderr itself; (2) writes each redirected stderr line
/// as an error record that bypasses $ErrorActionPreference, $? and $Error (MshCommandRuntime._WriteErrorSkipAllowCheck
/// with isFromNativeStdError); (3) sets the pipeline's ExecutionFailed after a non-zero exit, which is what makes
/// $? false and drives &amp;&amp; and ||. A cmdlet's WriteError does none of these. If a later PowerShell renames a
/// member, <see cref="IsAvailable"/> is false and Invoke-WasmModule falls back to public behaviour (stderr as
/// ordinary error records, $? left alone), which the module's tests detect.
/// </summary>
internal static class NativeCommandBehavior
{
    private const BindingFlags Members = BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public;

    private static readonly Assembly s_engine = typeof(PSCmdlet).Assembly;
    private static readonly Type? s_runtime = s_engine.GetType("System.Management.Automation.MshCommandRuntime");
    private static readonly Type? s_pipe = s_engine.GetType("System.Management.Automation.Internal.Pipe");
    private static readonly Type? s_processorBase = s_engine.GetType("System.Management.Automation.CommandProcessorBase");
    private static readonly Type? s_pipeline = s_engine.GetType("System.Management.Automation.Internal.PipelineProcessor");
    private static readonly PropertyInfo? s_errorMergeTo = s_runtime?.GetProperty("ErrorMergeTo", Members);
    private static readonly PropertyInfo? s_errorPipe = s_runtime?.GetProperty("ErrorOutputPipe", Members);
    private static readonly PropertyInfo? s_outputPipe = s_runtime?.GetProperty("OutputPipe", Members);
    private static readonly PropertyInfo? s_pipelineOfRuntime = s_runtime?.GetProperty("PipelineProcessor", Members);
    private static readonly PropertyInfo? s_downstream = s_pipe?.GetProperty("DownstreamCmdlet", Members);
    private static readonly PropertyInfo? s_commandInfo = s_processorBase?.GetProperty("CommandInfo", Members);
    private static readonly PropertyInfo? s_command = s_processorBase?.GetProperty("Command", Members);
    private static readonly PropertyInfo? s_runtimeOfProcessor = s_processorBase?.GetProperty("CommandRuntime", Members);
    private static readonly PropertyInfo? s_executionFailed = s_pipeline?.GetProperty("ExecutionFailed", Members);
    private static readonly FieldInfo? s_contextOfIntrinsics = typeof(EngineIntrinsics).GetField("_context", Members);
    private static readonly MethodInfo? s_writeNativeError = s_runtime?.GetMethod("_WriteErrorSkipAllowCheck", Members,
        new[] { typeof(ErrorRecord), typeof(ActionPreference?), typeof(bool) });
    private static readonly MethodInfo? s_setInvocationInfo = typeof(ErrorRecord).GetMethod("SetInvocationInfo", Members, new[] { typeof(InvocationInfo) });

    /// <summary>True when every member this class needs was found in the running PowerShell.</summary>
    public static bool IsAvailable { get; } =
        s_errorMergeTo is not null && s_errorPipe is not null && s_pipelineOfRuntime is not null && s_downstream is not null &&
        s_commandInfo is not null && s_command is not null && s_runtimeOfProcessor is not null && s_executionFailed is not null &&
        s_writeNativeError is not null && s_setInvocationInfo is not null && s_contextOfIntrinsics is not null;

    /// <summary>
    /// Whether the cmdlet's error stream goes anywhere but straight to the host's default display: merged into output
    /// (2&gt;&amp;1), discarded (2&gt;$null), into a file, a variable, a job or any other consumer. NativeCommandProcessor's rule.
    /// </summary>
    public static bool IsErrorStreamRedirected(PSCmdlet cmdlet)
    {
        if (!IsAvailable)
        {
            return true;
        }
        var runtime = cmdlet.CommandRuntime;
        if (!s_runtime!.IsInstanceOfType(runtime) || s_errorMergeTo!.GetValue(runtime)?.ToString() == "Output")
        {
            return true;
        }
        return !GoesToDefaultDisplay(s_errorPipe!.GetValue(runtime));
    }

    /// <summary>
    /// Whether the cmdlet's output goes anywhere but straight to the host's default display (assigned, piped,
    /// captured): NativeCommandProcessor's rule for whether a native program's stdout is a terminal or a pipe.
    /// </summary>
    public static bool IsOutputRedirected(PSCmdlet cmdlet)
    {
        var runtime = cmdlet.CommandRuntime;
        return !IsAvailable || s_outputPipe is null || !s_runtime!.IsInstanceOfType(runtime) || !GoesToDefaultDisplay(s_outputPipe.GetValue(runtime));
    }

    /// <summary>Whether <paramref name="pipe"/> leads to the default display: an Out-Default that no transcript added.</summary>
    private static bool GoesToDefaultDisplay(object? pipe)
    {
        var downstream = pipe is null ? null : s_downstream!.GetValue(pipe);
        if (downstream is null || s_commandInfo!.GetValue(downstream) is not CommandInfo { Name: var name } ||
            !string.Equals(name, "Out-Default", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        // An Out-Default that a transcript added records what passes; native output is redirected to reach it too.
        return !(s_command!.GetValue(downstream) is PSCmdlet { MyInvocation.BoundParameters: var bound } && bound.ContainsKey("Transcript"));
    }

    /// <summary>Writes one redirected stderr line as a native command does: an error record outside the preference system.</summary>
    public static void WriteStderrRecord(PSCmdlet cmdlet, ErrorRecord record)
    {
        if (!IsAvailable || !s_runtime!.IsInstanceOfType(cmdlet.CommandRuntime))
        {
            cmdlet.WriteError(record);
            return;
        }
        s_setInvocationInfo!.Invoke(record, new object[] { cmdlet.MyInvocation });
        Invoke(s_writeNativeError!, cmdlet.CommandRuntime, record, null, true);
    }

    /// <summary>Makes $? false after this command (and lets || run), as a native command's non-zero exit does.</summary>
    public static void MarkFailed(PSCmdlet cmdlet) => MarkFailed(cmdlet.CommandRuntime);

    /// <summary>
    /// Makes $? false after the command that is running the caller's current statement: for a function a wasm
    /// command's script calls this from its last statement, which is an expression, so that command is the function.
    /// </summary>
    public static void MarkCurrentCommandFailed(EngineIntrinsics intrinsics)
    {
        if (!IsAvailable || s_contextOfIntrinsics!.GetValue(intrinsics) is not { } context)
        {
            return;
        }
        var processor = context.GetType().GetProperty("CurrentCommandProcessor", Members)?.GetValue(context);
        if (processor is not null && s_processorBase!.IsInstanceOfType(processor))
        {
            MarkFailed(s_runtimeOfProcessor!.GetValue(processor));
        }
    }

    private static void MarkFailed(object? runtime)
    {
        if (IsAvailable && runtime is not null && s_runtime!.IsInstanceOfType(runtime) && s_pipelineOfRuntime!.GetValue(runtime) is { } pipeline)
        {
            s_executionFailed!.SetValue(pipeline, true);
        }
    }

    private static void Invoke(MethodInfo method, object target, params object?[] arguments)
    {
        try
        {
            method.Invoke(target, arguments);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            // The engine's own exception (e.g. PipelineStoppedException on Ctrl+C) must surface as itself.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
        }
    }
}
