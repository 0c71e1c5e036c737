namespace WasmSandbox.Tests;

/// <summary>
/// Small WASI guests written as WebAssembly text. Results travel as exit codes (an errno, a count) so each program
/// stays a few lines; output goes through fd_write like any real guest.
/// </summary>
internal static class Wat
{
    public const string Imports = """
        (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
        """;

    /// <summary>A command module: <paramref name="body"/> is the body of _start; memory 0..1023 is free scratch, data goes at 1024+.</summary>
    public static string Command(string body, string extra = "", string imports = Imports, string memory = "(memory (export \"memory\") 1)") => $"""
        (module
          {imports}
          {memory}
          {extra}
          (func $print (param $ptr i32) (param $len i32) (param $fd i32)
            (i32.store (i32.const 0) (local.get $ptr))
            (i32.store (i32.const 4) (local.get $len))
            (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
          (func (export "_start") {body}))
        """;

    /// <summary>Prints <paramref name="length"/> bytes of data placed at <paramref name="at"/> to <paramref name="fd"/>.</summary>
    public static string Print(int at, int length, int fd = 1) =>
        $"(call $print (i32.const {at}) (i32.const {length}) (i32.const {fd}))";

    public static string Data(string text, int at = 1024) => $"(data (i32.const {at}) \"{text}\")";

    /// <summary>Prints "hello\n" and exits 0.</summary>
    public static string Hello => Command(Print(1024, 6), Data("hello\\0a"));

    /// <summary>Copies stdin to stdout until end of file, then exits with the number of bytes copied (mod 256).</summary>
    public static string Echo => Command("""
        (local $n i32) (local $total i32)
        (block $done (loop $again
          (i32.store (i32.const 16) (i32.const 4096)) (i32.store (i32.const 20) (i32.const 4096))
          (drop (call $fd_read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 24)))
          (local.set $n (i32.load (i32.const 24)))
          (br_if $done (i32.eqz (local.get $n)))
          (local.set $total (i32.add (local.get $total) (local.get $n)))
          (call $print (i32.const 4096) (local.get $n) (i32.const 1))
          (br $again)))
        (call $proc_exit (i32.and (local.get $total) (i32.const 255)))
        """);

    /// <summary>path_open(fd 3, path, oflags, rights) and exit with the errno.</summary>
    public static string Open(string path, int oflags, long rights, int fd = 3) => Command($$"""
        (call $proc_exit (call $path_open (i32.const {{fd}}) (i32.const 1) (i32.const 1024) (i32.const {{path.Length}})
          (i32.const {{oflags}}) (i64.const {{rights}}) (i64.const 0) (i32.const 0) (i32.const 32)))
        """, Data(path), Imports + """
        (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
        """);

    public const int OflagsCreat = 1;
    public const long RightRead = 1L << 1;
    public const long RightWrite = 1L << 6;
}
