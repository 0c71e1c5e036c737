using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>Selects objects by id with wildcards; a literal id that matches nothing is reported, like Get-Job -Id.</summary>
internal static class IdFilter
{
    /// <summary>The items whose id matches <paramref name="id"/>, which may hold wildcards; case does not matter.</summary>
    public static IEnumerable<T> Matches<T>(IReadOnlyList<T> all, string id, Func<T, string> idOf)
    {
        var pattern = WildcardPattern.Get(id, WildcardOptions.IgnoreCase);
        return all.Where(i => pattern.IsMatch(idOf(i)));
    }

    public static IEnumerable<T> Select<T>(PSCmdlet cmdlet, IReadOnlyList<T> all, string[]? ids, Func<T, string> idOf, string what)
    {
        if (ids is null || ids.Length == 0)
        {
            foreach (var item in all)
            {
                yield return item;
            }
            yield break;
        }
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var id in ids)
        {
            bool any = false;
            foreach (var item in Matches(all, id, idOf))
            {
                any = true;
                if (seen.Add(idOf(item)))
                {
                    yield return item;
                }
            }
            if (!any && !WildcardPattern.ContainsWildcardCharacters(id))
            {
                cmdlet.WriteError(new ErrorRecord(new ItemNotFoundException($"no {what} with id '{id}' exists in this runspace"),
                    $"{char.ToUpperInvariant(what[0])}{what[1..]}NotFound", ErrorCategory.ObjectNotFound, id));
            }
        }
    }
}
