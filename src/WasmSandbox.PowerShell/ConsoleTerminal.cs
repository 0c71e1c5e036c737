using System.Management.Automation;
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
    public static bool IsInteractive(PSCmdlet cmdlet) =>
        !cmdlet.MyInvocation.ExpectingInput
        && cmdlet.Host.Name == "ConsoleHost"
        && !Console.IsInputRedirected && !Console.IsOutputRedirected
        && !NativeCommandBehavior.IsOutputRedirected(cmdlet);

    /// <summary>
    /// Feeds the console's keyboard to <paramref name="execution"/>'s stdin, a line at a time with echo and backspace
    /// (as a terminal in cooked mode would), until the guest ends or the user types Ctrl+D at the start of a line
    /// (end of input). It never blocks on the console: input is read only when some is waiting, so once the guest has
    /// ended nothing is left reading the keyboard that PowerShell's own prompt needs next.
    /// </summary>
    /// <remarks>
    /// On Unix the bytes are read from fd 0 after poll(2): .NET's key parser there drops some keys (';' among them)
    /// and PowerShell leaves the terminal in non-canonical mode while a command runs, so the line discipline is this
    /// class's. On Windows, Console.ReadKey.
    /// </remarks>
    public static Task PumpInput(WasmExecution execution, CancellationToken cancel) => Task.Run(() =>
    {
        var line = new LineDiscipline(execution, echo: OperatingSystem.IsWindows() || !UnixInput.TerminalEchoes());
        var typed = OperatingSystem.IsWindows() ? ReadKeys() : ReadUnixInput();
        while (!execution.Wait(TimeSpan.Zero) && !cancel.IsCancellationRequested)
        {
            if (typed() is not string text)
            {
                execution.CloseInput();
                return;
            }
            foreach (char c in text)
            {
                if (!line.Take(c))
                {
                    return;
                }
            }
        }
    }, CancellationToken.None);

    /// <summary>What was typed within about <see cref="PollMilliseconds"/> ("" for nothing), or null at end of input.</summary>
    private delegate string? TypedText();

    private const int PollMilliseconds = 20;

    private static TypedText ReadKeys() => () =>
    {
        if (!Console.KeyAvailable)
        {
            Thread.Sleep(PollMilliseconds);
            return "";
        }
        var key = Console.ReadKey(intercept: true);
        return key.Key == ConsoleKey.D && key.Modifiers.HasFlag(ConsoleModifiers.Control) ? "\x04" : key.KeyChar.ToString();
    };

    private static TypedText ReadUnixInput()
    {
        var bytes = new byte[256];
        var chars = new char[256];
        var decoder = Encoding.UTF8.GetDecoder();
        return () =>
        {
            int n = UnixInput.ReadIfReady(bytes, PollMilliseconds);
            return n < 0 ? null : new string(chars, 0, decoder.GetChars(bytes, 0, n, chars, 0));
        };
    }

    /// <summary>
    /// What a terminal in cooked mode does with typed characters: echo (unless the terminal echoes them itself), erase,
    /// a line at Enter, end at Ctrl+D.
    /// </summary>
    private sealed class LineDiscipline(WasmExecution execution, bool echo)
    {
        private readonly StringBuilder _line = new();
        private bool _escape;

        /// <summary>Takes one typed character; false once input has ended (Ctrl+D, or the guest is gone).</summary>
        public bool Take(char c)
        {
            if (_escape)
            {
                // An escape sequence (arrow keys and the like): skipped up to its final letter or '~'.
                _escape = !(char.IsLetter(c) || c == '~');
                return true;
            }
            switch (c)
            {
                case '\r' or '\n':
                    Echo("\r\n");
                    try
                    {
                        execution.WriteInput(_line.Append('\n').ToString());
                    }
                    catch (InvalidOperationException)
                    {
                        return false; // the guest ended meanwhile: the line has nowhere to go
                    }
                    _line.Clear();
                    return true;
                case '\x7f' or '\b':
                    if (_line.Length > 0)
                    {
                        _line.Length--;
                        Echo("\b \b");
                    }
                    return true;
                case '\x04':
                    if (_line.Length > 0)
                    {
                        return true;
                    }
                    execution.CloseInput();
                    return false;
                case '\x1b':
                    _escape = true;
                    return true;
                default:
                    if (!char.IsControl(c))
                    {
                        _line.Append(c);
                        Echo(c.ToString());
                    }
                    return true;
            }
        }

        private void Echo(string text)
        {
            if (echo)
            {
                Console.Write(text);
            }
        }
    }
}
