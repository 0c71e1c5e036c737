using System.Management.Automation;
using System.Reflection;
using System.Text;

namespace WasmSandbox.Commands;

/// <summary>
/// When a guest runs at an interactive console, as a native command would: no pipeline input, the console's input
/// and output not redirected, and the cmdlet's output going straight to Out-Default (not assigned, piped or
/// captured). Only then is the guest told its stdio is a terminal and given the console's keyboard as stdin, so a
/// REPL (sqlite3, lua) works; anywhere else its stdio is captured and never a terminal.
/// </summary>
internal static class ConsoleTerminal
{
    private const BindingFlags Internal = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;

    public static bool IsInteractive(PSCmdlet cmdlet) =>
        !cmdlet.MyInvocation.ExpectingInput
        && cmdlet.Host.Name == "ConsoleHost"
        && !Console.IsInputRedirected && !Console.IsOutputRedirected
        && OutputGoesToOutDefault(cmdlet);

    /// <summary>
    /// Whether the next command in the pipeline is Out-Default, which is how PowerShell's own native-command processor
    /// decides that a native program's output is not captured. PowerShell exposes this only internally; when its shape
    /// is not as expected (another PowerShell version), the answer is "captured", which never claims a terminal.
    /// </summary>
    private static bool OutputGoesToOutDefault(PSCmdlet cmdlet)
    {
        try
        {
            var runtime = cmdlet.CommandRuntime;
            var pipe = runtime.GetType().GetProperty("OutputPipe", Internal)?.GetValue(runtime);
            var downstream = pipe?.GetType().GetProperty("DownstreamCmdlet", Internal)?.GetValue(pipe);
            var command = downstream?.GetType().GetProperty("Command", Internal)?.GetValue(downstream);
            return command?.GetType().FullName == "Microsoft.PowerShell.Commands.OutDefaultCommand";
        }
        catch (Exception e) when (e is TargetInvocationException or MemberAccessException or InvalidCastException)
        {
            return false;
        }
    }

    /// <summary>
    /// Feeds the console's keyboard to <paramref name="execution"/>'s stdin, a line at a time with echo and backspace
    /// (as a terminal in cooked mode would), until the guest ends or the user types Ctrl+D at the start of a line
    /// (end of input). It never blocks on the console: keys are read only when one is waiting, so once the guest has
    /// ended nothing is left reading the keyboard that PowerShell's own prompt needs next.
    /// </summary>
    public static Task PumpInput(WasmExecution execution, CancellationToken cancel) => Task.Run(() =>
    {
        var line = new StringBuilder();
        while (!execution.Wait(TimeSpan.Zero) && !cancel.IsCancellationRequested)
        {
            if (!Console.KeyAvailable)
            {
                execution.Wait(TimeSpan.FromMilliseconds(20));
                continue;
            }
            var key = Console.ReadKey(intercept: true);
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    Console.WriteLine();
                    try
                    {
                        execution.WriteInput(line.Append('\n').ToString());
                    }
                    catch (InvalidOperationException)
                    {
                        return; // the guest ended meanwhile: the line has nowhere to go
                    }
                    line.Clear();
                    break;
                case ConsoleKey.Backspace when line.Length > 0:
                    line.Length--;
                    Console.Write("\b \b");
                    break;
                case ConsoleKey.D when key.Modifiers.HasFlag(ConsoleModifiers.Control):
                    if (line.Length == 0)
                    {
                        execution.CloseInput();
                        return;
                    }
                    break;
                default:
                    if (!char.IsControl(key.KeyChar))
                    {
                        line.Append(key.KeyChar);
                        Console.Write(key.KeyChar);
                    }
                    break;
            }
        }
    }, CancellationToken.None);
}
