using System.Text;
using Microsoft.Win32.SafeHandles;
using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// Reads a module file into the binary bytes that are inspected and compiled — the same bytes for both, so what was
/// checked is what runs. Only a regular file is read (<see cref="ModuleFile"/>); a <c>.wat</c> text file is converted;
/// a file that is too large is refused from its length before anything is read, and reading never goes more than
/// one byte past the cap.
/// </summary>
public static class ModuleSource
{
    /// <summary>Inspects a module file (converting WebAssembly text first), for Test-WasmModule.</summary>
    /// <exception cref="ModuleNotRegularFileException">The path is a FIFO, socket, device or directory.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled.</exception>
    public static WasmModuleReport Inspect(string fullPath, WasmInspectionOptions options, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var file = ModuleFile.Open(fullPath);
        if (!IsText(fullPath) || RandomAccess.GetLength(file) > options.MaxFileBytes)
        {
            return WasmModuleInspector.InspectOpen(fullPath, file, options, cancellation);
        }
        return WasmModuleInspector.Inspect(fullPath, ReadBinary(file, fullPath, options.MaxFileBytes, cancellation), options, cancellation);
    }

    /// <summary>
    /// The checked binary of a module about to run: throws the typed refusal for anything that is not a runnable
    /// core module within <paramref name="options"/>' caps and memory limit.
    /// </summary>
    internal static (byte[] Bytes, WasmModuleReport Report) ReadRunnable(string fullPath, WasmInspectionOptions options, CancellationToken cancellation = default)
    {
        byte[] bytes = WithFile(fullPath, file => ReadChecked(file, fullPath, options, cancellation));
        // The bytes read are what runs; the file may have changed since it was walked, so they are judged again.
        return Judge(fullPath, bytes, options, cancellation);
    }

    /// <summary>
    /// Opens the module file (<see cref="ModuleFile.Open"/>) and runs <paramref name="use"/> on the handle, with the
    /// failures of opening and reading reported as a start reports them: a missing file by name, any other I/O
    /// failure as a module that could not be read.
    /// </summary>
    internal static T WithFile<T>(string fullPath, Func<SafeFileHandle, T> use)
    {
        try
        {
            using var file = ModuleFile.Open(fullPath);
            return use(file);
        }
        catch (FileNotFoundException)
        {
            throw new WasmModuleNotFoundException(fullPath, fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WasmCompileException(fullPath, $"the file could not be read: {e.Message}", e);
        }
    }

    /// <summary>
    /// The binary of the open module file, still to be judged (<see cref="Judge"/>): a large file is walked on disk
    /// first, and refused if it breaks a cap, before it costs its size in memory.
    /// </summary>
    internal static byte[] ReadChecked(SafeFileHandle file, string fullPath, WasmInspectionOptions options, CancellationToken cancellation = default)
    {
        long length = RandomAccess.GetLength(file);
        if (length > WalkFirstBytes && (!IsText(fullPath) || length > options.MaxFileBytes))
        {
            // The caps are checked on the file first, through the parser's window, so a hostile file (85 million
            // exports, say) is refused before it costs its size in memory. A small file costs less to read than
            // to walk twice (the window alone is 256 KiB): it is judged once, below.
            WasmModuleInspector.EnsureRunnable(WasmModuleInspector.InspectOpen(fullPath, file, options, cancellation));
        }
        return ReadBinary(file, fullPath, options.MaxFileBytes, cancellation);
    }

    /// <summary>
    /// The checked binary of a module given as bytes (a context made from bytes): the size cap, the text conversion
    /// (by <paramref name="name"/>'s extension, as for a file) and the refusals of <see cref="ReadRunnable"/>, so a
    /// module that travelled in an argument is held to the rules of one read from disk.
    /// </summary>
    internal static (byte[] Bytes, WasmModuleReport Report) CheckRunnable(string name, byte[] given, WasmInspectionOptions options, CancellationToken cancellation = default)
    {
        if (given.LongLength > options.MaxFileBytes)
        {
            throw WasmParserLimitException.FileTooLarge(name, given.LongLength, options.MaxFileBytes);
        }
        return Judge(name, ConvertText(given, name, cancellation), options, cancellation);
    }

    /// <summary>Inspects the binary that will run and throws the typed refusal when it may not.</summary>
    internal static (byte[] Bytes, WasmModuleReport Report) Judge(string name, byte[] bytes, WasmInspectionOptions options, CancellationToken cancellation)
    {
        var report = WasmModuleInspector.Inspect(name, bytes, options, cancellation);
        WasmModuleInspector.EnsureRunnable(report);
        return (bytes, report);
    }

    /// <summary>Files up to this size are read and judged once; larger ones are walked on disk before they are read.</summary>
    private const long WalkFirstBytes = 1024 * 1024;

    private static bool IsText(string path) => path.EndsWith(".wat", StringComparison.OrdinalIgnoreCase);

    /// <summary>The open file's binary, at most <paramref name="cap"/> bytes read, text converted; not judged.</summary>
    internal static byte[] ReadBinary(SafeFileHandle file, string fullPath, long cap, CancellationToken cancellation = default) =>
        ConvertText(ModuleFile.ReadAll(file, fullPath, cap), fullPath, cancellation);

    private static byte[] ConvertText(byte[] bytes, string fullPath, CancellationToken cancellation)
    {
        // Only text is converted: a .wat name on a binary, native executable or shell script is judged as what it is.
        if (!IsText(fullPath) || WasmBinaryClassifier.Classify(bytes.AsSpan(0, Math.Min(bytes.Length, WasmBinaryClassifier.HeaderLength))).Kind != WasmModuleKind.NotWasm)
        {
            return bytes;
        }
        // Conversion cannot be interrupted; the size cap bounds it.
        cancellation.ThrowIfCancellationRequested();
        try
        {
            return Module.ConvertText(Encoding.UTF8.GetString(bytes));
        }
        catch (WasmtimeException e)
        {
            throw new WasmCompileException(fullPath, $"invalid WebAssembly text: {e.Message}", e);
        }
    }
}
