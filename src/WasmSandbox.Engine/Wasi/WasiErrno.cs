namespace WasmSandbox;

/// <summary>
/// The WASI preview 1 errno values the sandbox returns itself, and the one table that decides which errno a refused
/// file-system call gets. Every path override answers through the members below, so the same situation gets the same
/// errno whichever function the guest used.
/// <list type="table">
///   <listheader><term>Situation</term><description>errno</description></listheader>
///   <item><term>A path that names something outside the grant: absolute, <c>..</c> above the directory it is
///   resolved in, or through a symlink that leads out — for reads and for changes (a write through a link that leads
///   outside, in a read-only or a writable preopen alike)</term><description><see cref="OutsideGrant"/> = ENOENT (44):
///   as if the outside did not exist</description></item>
///   <item><term>A change (create, write, truncate, remove, rename, link, set times) inside a read-only
///   preopen</term><description><see cref="ReadOnlyGrant"/> = EACCES (2)</description></item>
///   <item><term>A closed or never-opened fd</term><description><see cref="ClosedFd"/> = EBADF (8), Wasmtime's own
///   answer passed through</description></item>
///   <item><term>A symlink whose target breaks the link rule, a hard link whose source is neither a regular file nor a confined symlink, a rename
///   of a symlink whose target breaks the rule (see <see cref="PathGuard.IsConfinedLinkTarget"/>)</term>
///   <description><see cref="LinkRefused"/> = EPERM (63); nothing is created</description></item>
///   <item><term>Opening anything but a regular file or a directory (FIFO, socket, character or block
///   device)</term><description><see cref="SpecialFile"/> = ENXIO (60), at once, without blocking</description></item>
///   <item><term>A guest pointer or length outside the guest's memory</term><description>EFAULT (21)</description></item>
///   <item><term>Anything else</term><description>Wasmtime's own errno, unchanged</description></item>
/// </list>
/// Where two rows apply, the one higher in the table wins, except that the link rule is checked before the preopen's
/// permission (a refused link target is EPERM in a read-only preopen too). Wasmtime itself answers a refusal — a write
/// in a read-only preopen and a path that escapes through a symlink alike — with EPERM or ENOTCAPABLE; the sandbox
/// tells the two apart by resolving the same path read-only (<see cref="IsRefusal"/>).
/// </summary>
internal static class WasiErrno
{
    public const int Success = 0;
    public const int Acces = 2;
    public const int Badf = 8;
    public const int Fault = 21;
    public const int Inval = 28;
    public const int Io = 29;
    public const int Mfile = 33;
    public const int Nametoolong = 37;
    public const int Nfile = 41;
    public const int Noent = 44;
    public const int Nosys = 52;
    public const int Nxio = 60;
    public const int Perm = 63;
    public const int Spipe = 70;
    public const int Notcapable = 76;

    /// <summary>Anything outside the grant, read or written.</summary>
    public const int OutsideGrant = Noent;

    /// <summary>A change inside a read-only preopen.</summary>
    public const int ReadOnlyGrant = Acces;

    /// <summary>A closed fd (Wasmtime answers this itself; named here so the table is complete).</summary>
    public const int ClosedFd = Badf;

    /// <summary>A link the link rule refuses.</summary>
    public const int LinkRefused = Perm;

    /// <summary>A FIFO, socket or device.</summary>
    public const int SpecialFile = Nxio;

    /// <summary>Whether Wasmtime's answer is a refusal of the grant (read-only preopen, or a path that escapes it).</summary>
    public static bool IsRefusal(int nativeErrno) => nativeErrno is Perm or Notcapable;

    /// <summary>A refused change: outside the grant if the same path cannot even be resolved read-only, else read-only.</summary>
    public static int ForRefusedChange(bool pathLeavesGrant) => pathLeavesGrant ? OutsideGrant : ReadOnlyGrant;

    /// <summary>Wasmtime's answer to a read, with a refusal (only a path that escapes can be refused) made ENOENT.</summary>
    public static int ForRead(int nativeErrno) => IsRefusal(nativeErrno) ? OutsideGrant : nativeErrno;
}
