namespace WasmSandbox;

/// <summary>The disposition a guest registered for a signal.</summary>
public enum WasmSignalAction
{
    Default = 0,
    Ignore = 1,
    User = 2,
}
