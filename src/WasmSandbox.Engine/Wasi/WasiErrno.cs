namespace WasmSandbox;

/// <summary>The WASI preview 1 errno values the sandbox returns itself.</summary>
internal static class WasiErrno
{
    public const int Success = 0;
    public const int Acces = 2;
    public const int Badf = 8;
    public const int Fault = 21;
    public const int Inval = 28;
    public const int Io = 29;
    public const int Mfile = 33;
    public const int Nfile = 41;
    public const int Noent = 44;
    public const int Nosys = 52;
    public const int Perm = 63;
    public const int Spipe = 70;
    public const int Notcapable = 76;
}
