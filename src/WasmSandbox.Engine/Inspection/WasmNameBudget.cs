namespace WasmSandbox;

/// <summary>
/// The bytes of import and export names one inspection may read (<see cref="WasmInspectionOptions.MaxNameBytes"/>):
/// the report holds every name it keeps as a string, and a component shares one budget among itself and every core
/// module and component nested in it, so nesting cannot multiply it.
/// </summary>
internal sealed class WasmNameBudget(string path, long cap)
{
    private long _used;

    /// <summary>Counts a name of <paramref name="length"/> bytes (its length prefix included) read at <paramref name="offset"/>.</summary>
    /// <exception cref="WasmParserLimitException">The names read so far exceed the cap.</exception>
    public void Add(long offset, long length)
    {
        _used += length;
        if (_used > cap)
        {
            throw WasmParserLimitException.NamesTooLarge(path, offset, _used, cap);
        }
    }
}
