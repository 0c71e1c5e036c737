namespace WasmSandbox.Benchmarks.Measurement;

/// <summary>Progress lines on stderr; stdout carries only the command's JSON result.</summary>
internal static class Progress
{
    public static void Write(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}
