namespace WasmSandbox;

/// <summary>
/// The lexical half of the preopen boundary. A path that is absolute, or whose <c>..</c> components climb above the
/// directory it is resolved in, never reaches the file system; symlinks that lead outside are caught by Wasmtime's
/// capability-based resolution (cap-std), and <see cref="WasiPathFunctions"/> maps that refusal to the same errno.
/// The link rule (<see cref="IsConfinedLinkTarget"/>) keeps every link a guest makes from ever leading outside.
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

    /// <summary>
    /// The link rule: whether a guest may create (or move) a symbolic link with this target. The target must be
    /// non-empty, relative (no leading <c>/</c> or <c>\</c>, no drive prefix such as <c>C:</c>), free of NUL, and have
    /// no <c>..</c> component at all (components split at <c>/</c> and at <c>\</c>, so a Windows host reads the same
    /// components).
    /// </summary>
    /// <remarks>
    /// Why this is enough, whatever happens later: a target without <c>..</c> only descends from the link's own
    /// directory D. Each component it passes is a directory below D, or a link the guest made — which by the same rule
    /// only descends from its own directory, itself below D — so the whole resolution stays in D's subtree, and D lies
    /// inside the preopen. The argument does not depend on where D is, so renaming the link, or any folder above or
    /// below it, cannot make it escape; it does not depend on what exists yet, so links made in any order cannot
    /// combine into an escape. The only links outside this argument are ones the host itself put in the grant.
    /// <para>Why <c>..</c> is refused even where it does not climb above D: after a component that is a link, <c>..</c>
    /// is the parent of the link's <em>target</em>, not of D. With <c>dot -> .</c> the target <c>dot/..</c> never
    /// climbs lexically, yet names D's parent — outside the grant when D is the preopen itself (Wasmtime's own WASI
    /// creates both links).</para>
    /// </remarks>
    public static bool IsConfinedLinkTarget(ReadOnlySpan<char> target)
    {
        if (target.Length == 0 || target[0] == '/' || target[0] == '\\' || (target.Length > 1 && target[1] == ':')
            || target.Contains('\0'))
        {
            return false;
        }
        foreach (var range in target.SplitAny('/', '\\'))
        {
            if (target[range].SequenceEqual(".."))
            {
                return false;
            }
        }
        return true;
    }
}
