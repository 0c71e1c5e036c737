namespace WasmSandbox;

/// <summary>
/// A module checked for one start (<see cref="ModuleLoader.Read"/>): where it is, the SHA-256 of its binary, the
/// inspection's report on that binary, and the binary itself — held since the read, or, when the start took the hash
/// and report from <see cref="ModuleIdentityCache"/> without reading the file, read on demand by
/// <see cref="BytesOf"/> when a compile needs it (a start whose module is compiled in memory or on disk never reads it).
/// <para>
/// Reading on demand re-reads the file and verifies its SHA-256. When the content is not the remembered one (changed
/// in place without changing its identity, or changed since the start looked), the new content is inspected like any
/// read — a refusal is thrown as at any start — and becomes this start's content: <see cref="Sha256"/>,
/// <see cref="Report"/> and <see cref="LinkProblem"/> then describe it, and a compile asked for the old hash gets a
/// <see cref="ContentChangedException"/> so it never stores one content under the other's hash. Bytes that were not
/// inspected under this start's options are never handed out.
/// </para>
/// </summary>
internal sealed class ReadModule
{
    private readonly object _gate = new();
    // Given the content remembered for the file, its content now: the same with the bytes read, or new content that
    // has been judged. Null when the bytes were read with the check.
    private readonly Func<Content, Content>? _reread;
    private volatile Content _content;

    private ReadModule(string modulePath, string resolvedPath, string displayName, Content content, Func<Content, Content>? reread)
    {
        ModulePath = modulePath;
        ResolvedPath = resolvedPath;
        DisplayName = displayName;
        _content = content;
        _reread = reread;
    }

    /// <summary>A module whose binary was read (or given) and checked now.</summary>
    public static ReadModule Checked(string modulePath, string resolvedPath, string displayName, byte[] bytes, string sha256, WasmModuleReport report) =>
        new(modulePath, resolvedPath, displayName, new Content(sha256, report, bytes), reread: null);

    /// <summary>
    /// A module whose hash and report were remembered for the identity of the file now at its path; <paramref name="reread"/>
    /// reads the file when the binary is needed (see the class remarks).
    /// </summary>
    public static ReadModule Remembered(string modulePath, string resolvedPath, string displayName, string sha256, WasmModuleReport report,
        Func<Content, Content> reread) =>
        new(modulePath, resolvedPath, displayName, new Content(sha256, report, null), reread);

    /// <summary>The path as the context gave it.</summary>
    public string ModulePath { get; }

    /// <summary>The full path that was read (for a context made from bytes, <c>bytes:</c> and its name).</summary>
    public string ResolvedPath { get; }

    /// <summary>The name Wasmtime gives the module.</summary>
    public string DisplayName { get; }

    public string Sha256 => _content.Sha256;

    public WasmModuleReport Report => _content.Report;

    /// <summary>The first import the sandbox will not link at the inspected tier, null when all link.</summary>
    public string? LinkProblem => Report.Problems.FirstOrDefault(p => p.Code == WasmModuleProblemCode.UnsatisfiedImport)?.Message;

    /// <summary>Whether the binary is in memory (read with the check, or read since by <see cref="BytesOf"/>).</summary>
    public bool HoldsBytes => _content.Bytes is not null;

    /// <summary>
    /// The binary whose SHA-256 is <paramref name="sha256"/>, read now if it was not yet.
    /// </summary>
    /// <exception cref="ContentChangedException">This start's content is no longer that of <paramref name="sha256"/>
    /// (it was read and found changed): compile again with <see cref="Sha256"/>.</exception>
    public byte[] BytesOf(string sha256)
    {
        var content = Verify();
        if (content.Sha256 != sha256)
        {
            throw new ContentChangedException(ResolvedPath);
        }
        return content.Bytes!;
    }

    /// <summary>
    /// Reads the binary if it is not in memory yet, adopting (judged) new content when it is not the remembered one;
    /// once per start, so every compile of the start gets the same bytes.
    /// </summary>
    public Content Verify()
    {
        var content = _content;
        if (content.Bytes is not null)
        {
            return content;
        }
        lock (_gate)
        {
            content = _content;
            if (content.Bytes is null)
            {
                content = _reread!(content);
                _content = content;
            }
            return content;
        }
    }

    /// <summary>A content: the SHA-256 of the binary, the report on it under the start's options, and (once read) the binary.</summary>
    public sealed record Content(string Sha256, WasmModuleReport Report, byte[]? Bytes);

    /// <summary>
    /// A compile asked for content the file no longer has. Thrown through the compile cache, which drops the entry
    /// (so nothing is stored under the old hash); <see cref="ModuleLoader"/> then compiles the start's new content.
    /// </summary>
    internal sealed class ContentChangedException(string path)
        : Exception($"module '{path}' changed after it was checked; its new content was checked and is compiled instead");
}
