using System.Runtime.InteropServices;
using System.Text;
using Wasmtime;
using Xunit;

namespace WasmSandbox.Tests.Adversarial;

/// <summary>
/// Hostile file-system guests in WebAssembly text: each makes one WASI path call with exactly the bytes a test gives
/// (no libc in between) and exits with its errno. Strings go at 1024, 2048 and 3072.
/// </summary>
internal static class FsWat
{
    public const int Follow = 1;

    private const string Imports = Wat.Imports + """
        (import "wasi_snapshot_preview1" "path_symlink" (func $path_symlink (param i32 i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "path_link" (func $path_link (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "path_rename" (func $path_rename (param i32 i32 i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "path_create_directory" (func $path_create_directory (param i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "path_remove_directory" (func $path_remove_directory (param i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "path_unlink_file" (func $path_unlink_file (param i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "path_filestat_set_times" (func $path_filestat_set_times (param i32 i32 i32 i32 i64 i64 i32) (result i32)))
        (import "wasi_snapshot_preview1" "path_filestat_get" (func $path_filestat_get (param i32 i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "path_readlink" (func $path_readlink (param i32 i32 i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
        """;

    /// <summary>A command whose _start exits with <paramref name="errnoExpr"/>; <paramref name="strings"/> go at 1024, 2048, 3072.</summary>
    public static string ExitWith(string errnoExpr, params string[] strings) =>
        Wat.Command($"(call $proc_exit {errnoExpr})", Strings(strings), Imports);

    public static string Symlink(string target, string link, int fd = 3) =>
        ExitWith($"(call $path_symlink (i32.const 1024) (i32.const {Len(target)}) (i32.const {fd}) (i32.const 2048) (i32.const {Len(link)}))", target, link);

    public static string Link(string from, string to, int flags = 0, int fromFd = 3, int toFd = 3) =>
        ExitWith($"(call $path_link (i32.const {fromFd}) (i32.const {flags}) (i32.const 1024) (i32.const {Len(from)}) (i32.const {toFd}) (i32.const 2048) (i32.const {Len(to)}))", from, to);

    public static string Rename(string from, string to, int fromFd = 3, int toFd = 3) =>
        ExitWith($"(call $path_rename (i32.const {fromFd}) (i32.const 1024) (i32.const {Len(from)}) (i32.const {toFd}) (i32.const 2048) (i32.const {Len(to)}))", from, to);

    public static string Mkdir(string path, int fd = 3) =>
        ExitWith($"(call $path_create_directory (i32.const {fd}) (i32.const 1024) (i32.const {Len(path)}))", path);

    public static string Rmdir(string path, int fd = 3) =>
        ExitWith($"(call $path_remove_directory (i32.const {fd}) (i32.const 1024) (i32.const {Len(path)}))", path);

    public static string Unlink(string path, int fd = 3) =>
        ExitWith($"(call $path_unlink_file (i32.const {fd}) (i32.const 1024) (i32.const {Len(path)}))", path);

    public static string SetTimes(string path, int flags, int fd = 3) =>
        ExitWith($"(call $path_filestat_set_times (i32.const {fd}) (i32.const {flags}) (i32.const 1024) (i32.const {Len(path)}) (i64.const 0) (i64.const 0) (i32.const 10))", path);

    /// <summary>path_open with the given flags, then exits with the errno (the fd is left open).</summary>
    public static string Open(string path, int oflags, long rights, int dirflags = Follow, int fd = 3) =>
        ExitWith($"(call $path_open (i32.const {fd}) (i32.const {dirflags}) (i32.const 1024) (i32.const {Len(path)}) (i32.const {oflags}) (i64.const {rights}) (i64.const 0) (i32.const 0) (i32.const 32))", path);

    /// <summary>Reads the file's first byte: exits 100 + 1 for 'I' (inside), 2 for 'O' (outside), 3 for another byte, or the errno.</summary>
    public static string FirstByte(string path) => Wat.Command($$"""
        (local $r i32)
        (local.set $r (call $path_open (i32.const 3) (i32.const 1) (i32.const 1024) (i32.const {{Len(path)}}) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 32)))
        (if (local.get $r) (then (call $proc_exit (local.get $r))))
        {{ReadByteInto(512)}}
        (call $proc_exit (call $classify (i32.load8_u (i32.const 512))))
        """, Strings(path) + Classify, Imports);

    /// <summary>
    /// Opens and reads the first byte of <paramref name="path"/> <paramref name="times"/> times, then writes three
    /// little-endian i32 to stdout: reads that saw 'I', reads that saw 'O' (outside), reads that saw anything else, and
    /// opens that failed.
    /// </summary>
    public static string ReadLoop(string path, int times) => Wat.Command($$"""
        (local $i i32) (local $r i32)
        (block $done (loop $next
          (br_if $done (i32.ge_u (local.get $i) (i32.const {{times}})))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (i32.store8 (i32.const 512) (i32.const 0))
          (local.set $r (call $path_open (i32.const 3) (i32.const 1) (i32.const 1024) (i32.const {{Len(path)}}) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 32)))
          (if (local.get $r) (then (call $count (i32.const 612)) (br $next)))
          {{ReadByteInto(512)}}
          (drop (call $fd_close (i32.load (i32.const 32))))
          (call $count (i32.add (i32.const 196) (i32.shl (call $classify (i32.load8_u (i32.const 512))) (i32.const 2))))
          (br $next)))
        (call $print (i32.const 600) (i32.const 16) (i32.const 1))
        (call $proc_exit (i32.const 0))
        """, Strings(path) + Classify + """
        (func $count (param $at i32) (i32.store (local.get $at) (i32.add (i32.load (local.get $at)) (i32.const 1))))
        """, Imports);

    // fd_read of one byte from the fd stored at 32 into $at; a failed read leaves the byte 0 ("another byte").
    private static string ReadByteInto(int at) => $"""
        (i32.store (i32.const 48) (i32.const {at})) (i32.store (i32.const 52) (i32.const 1))
        (drop (call $fd_read (i32.load (i32.const 32)) (i32.const 48) (i32.const 1) (i32.const 56)))
        """;

    // 'I' -> 101, 'O' -> 102, anything else -> 103 (ReadLoop maps these to counters at 600, 604, 608: 196 + 4 * c).
    private const string Classify = """
        (func $classify (param $b i32) (result i32)
          (if (result i32) (i32.eq (local.get $b) (i32.const 73)) (then (i32.const 101))
            (else (if (result i32) (i32.eq (local.get $b) (i32.const 79)) (then (i32.const 102)) (else (i32.const 103))))))
        """;

    public static int Len(string s) => Encoding.UTF8.GetByteCount(s);

    private static string Strings(params string[] strings) =>
        string.Concat(strings.Select((s, i) => $"(data (i32.const {1024 * (i + 1)}) \"{Escape(s)}\")"));

    // Every byte as a \hh escape, so quotes, backslashes and NUL reach the guest exactly.
    private static string Escape(string s) => string.Concat(Encoding.UTF8.GetBytes(s).Select(b => $"\\{b:x2}"));

    /// <summary>ReadLoop's three counters.</summary>
    public static (int Inside, int Outside, int Other, int Failed) Counts(Run run)
    {
        var bytes = run.Events.OfType<WasmStdoutEvent>().SelectMany(e => e.Data).ToArray();
        Assert.Equal(16, bytes.Length);
        return (BitConverter.ToInt32(bytes, 0), BitConverter.ToInt32(bytes, 4), BitConverter.ToInt32(bytes, 8), BitConverter.ToInt32(bytes, 12));
    }
}

/// <summary>
/// Runs a guest on Wasmtime's own, unmodified WASI (the linker the sandbox's trampoline delegates to): the reference
/// for what a legitimate program's file calls should do.
/// </summary>
internal static class NativeWasi
{
    private static readonly Engine s_engine = new();

    /// <summary>Runs <paramref name="wat"/> with <paramref name="directory"/> preopened as "/" and returns its exit code.</summary>
    public static int Run(string wat, string directory, bool writable = true)
    {
        using var module = Module.FromText(s_engine, "reference", wat);
        using var linker = WasiHost.CreateNativeLinker(s_engine);
        using var store = new Store(s_engine);
        store.SetWasiConfiguration(new WasiConfiguration().WithPreopenedDirectory(directory, "/", writable));
        var start = linker.Instantiate(store, module).GetAction("_start")!;
        try
        {
            start();
            return 0;
        }
        catch (WasmtimeException e) when (e.ExitCode is int code)
        {
            return code;
        }
    }
}

/// <summary>The host side of the attacks: libc calls .NET has no API for.</summary>
internal static class HostFiles
{
    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    [DllImport("libc", SetLastError = true)]
    private static extern int mknod([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode, ulong dev);

    [DllImport("libc", SetLastError = true)]
    private static extern int link([MarshalAs(UnmanagedType.LPUTF8Str)] string from, [MarshalAs(UnmanagedType.LPUTF8Str)] string to);

    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int rename([MarshalAs(UnmanagedType.LPUTF8Str)] string from, [MarshalAs(UnmanagedType.LPUTF8Str)] string to);

    public static void MakeFifo(string path) => Check(mkfifo(path, 0x1b6 /* 0666 */), "mkfifo", path);

    /// <summary>Makes a character device like /dev/null (1, 3); false when this process may not (not root, no CAP_MKNOD).</summary>
    public static bool TryMakeNullDevice(string path) => mknod(path, 0x2000 /* S_IFCHR */ | 0x1b6, (1UL << 8) | 3) == 0;

    /// <summary>rename(2): atomic, and works on a symlink itself (File.Move would not replace a directory by a link).</summary>
    public static void Rename(string from, string to) => Check(rename(from, to), "rename", from);

    /// <summary>link(2): a second name for the same inode (here: one FIFO swapped in again and again).</summary>
    public static void HardLink(string from, string to) => Check(link(from, to), "link", from);

    /// <summary>
    /// Opens a FIFO's write end without blocking and closes it again. It succeeds only while someone waits to read, so
    /// it both tells that a reader is stuck in open and lets that open return.
    /// </summary>
    public static bool ReleaseFifoReader(string fifo)
    {
        int fd = open(fifo, 0x1 /* O_WRONLY */ | 0x800 /* O_NONBLOCK */);
        if (fd < 0)
        {
            return false;
        }
        close(fd);
        return true;
    }

    private static void Check(int rc, string call, string path)
    {
        if (rc != 0)
        {
            throw new IOException($"{call} {path}: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>A listening unix socket at <paramref name="path"/>, the kind a host service leaves in a folder.</summary>
    public static System.Net.Sockets.Socket BindUnixSocket(string path)
    {
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        return socket;
    }

    /// <summary>Every entry under <paramref name="root"/>, without descending into links (a guest's "dot -> ." would loop).</summary>
    public static IEnumerable<FileSystemInfo> Walk(string root)
    {
        foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0 }))
        {
            yield return entry;
            if (entry is DirectoryInfo && entry.LinkTarget is null)
            {
                foreach (var inner in Walk(entry.FullName))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>Every entry under <paramref name="root"/> with its kind, size, write time and link target: compare two to prove nothing changed.</summary>
    public static string[] Snapshot(string root) =>
        Walk(root)
            .OrderBy(i => i.FullName, StringComparer.Ordinal)
            .Select(i => $"{Path.GetRelativePath(root, i.FullName)}|{(i is FileInfo f ? f.Length : -1)}|{i.LastWriteTimeUtc:o}|{i.LinkTarget}")
            .ToArray();
}
