namespace WasmSandbox;

/// <summary>
/// The lexical half of the preopen boundary: a path that is absolute, or whose <c>..</c> components climb above the
/// directory it is resolved in, never reaches the file system. Symlinks that lead outside are caught by Wasmtime's
/// capability-based resolution; <see cref="WasiPathFunctions"/> maps that refusal to the same errno.
/// </summary>
internal static class PathGuard
{
    public static bool Escapes(ReadOnlySpan<char> path)
    {
        if (path.Length > 0 && (path[0] == '/' || path[0] == '\\'))
        {
            return true;
        }
        int depth = 0;
        foreach (var range in path.Split('/'))
        {
            var part = path[range];
            if (part.Length == 0 || part.SequenceEqual("."))
            {
                continue;
            }
            if (part.SequenceEqual(".."))
            {
                if (--depth < 0)
                {
                    return true;
                }
            }
            else
            {
                depth++;
            }
        }
        return false;
    }
}
