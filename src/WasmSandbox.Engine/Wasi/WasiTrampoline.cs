using System.Text;
using Wasmtime;

namespace WasmSandbox;

/// <summary>
/// Lets the sandbox's own WASI functions hand a call on to Wasmtime's implementation. Wasmtime's WASI functions find
/// guest memory through their caller's "memory" export, so they only work when called from WebAssembly: a host
/// function cannot call them directly. This tiny module imports the guest's memory and the native functions, exports
/// the memory again, and wraps each native function in a WebAssembly function the host can call.
/// </summary>
internal static class WasiTrampoline
{
    /// <summary>Native functions the overrides delegate to, with their WASI signatures (i = i32, I = i64; all return i32).</summary>
    public static readonly (string Name, string Params)[] Functions =
    {
        ("fd_read", "iiii"),
        ("fd_write", "iiii"),
        ("fd_close", "i"),
        ("fd_renumber", "ii"),
        ("fd_fdstat_get", "ii"),
        ("path_open", "iiiiiIIii"),
        ("path_filestat_get", "iiiii"),
        ("path_filestat_set_times", "iiiiIIi"),
        ("path_create_directory", "iii"),
        ("path_remove_directory", "iii"),
        ("path_unlink_file", "iii"),
        ("path_rename", "iiiiii"),
        ("path_link", "iiiiiii"),
        ("path_symlink", "iiiii"),
        ("path_readlink", "iiiiii"),
        ("fd_filestat_get", "ii"),
    };

    private static readonly Lazy<byte[]> s_binary = new(() => Module.ConvertText(BuildWat()));

    /// <summary>The trampoline in binary form (the same for every engine; compiled per engine profile).</summary>
    public static byte[] Binary => s_binary.Value;

    private static string BuildWat()
    {
        var wat = new StringBuilder("(module\n  (import \"env\" \"memory\" (memory 0))\n");
        foreach (var (name, ps) in Functions)
        {
            wat.Append($"  (import \"{SandboxImports.WasiPreview1}\" \"{name}\" (func ${name} (param {Types(ps)}) (result i32)))\n");
        }
        wat.Append("  (export \"memory\" (memory 0))\n");
        foreach (var (name, ps) in Functions)
        {
            wat.Append($"  (func (export \"{name}\") (param {Types(ps)}) (result i32)");
            for (int i = 0; i < ps.Length; i++)
            {
                wat.Append($" local.get {i}");
            }
            wat.Append($" call ${name})\n");
        }
        return wat.Append(')').ToString();
    }

    private static string Types(string ps) => string.Join(' ', ps.Select(c => c == 'I' ? "i64" : "i32"));

    /// <summary>Instantiates the trampoline in <paramref name="store"/> over the guest's <paramref name="memory"/>.</summary>
    public static WasiNative Instantiate(Store store, Module trampoline, Linker wasiLinker, Memory memory)
    {
        var imports = new object[Functions.Length + 1];
        imports[0] = memory;
        for (int i = 0; i < Functions.Length; i++)
        {
            imports[i + 1] = wasiLinker.GetFunction(store, SandboxImports.WasiPreview1, Functions[i].Name)
                ?? throw new InvalidOperationException($"Wasmtime's WASI does not define {Functions[i].Name}");
        }
        var instance = new Instance(store, trampoline, imports);
        return new WasiNative(instance);
    }
}

/// <summary>Typed calls into Wasmtime's own WASI functions for one store (see <see cref="WasiTrampoline"/>).</summary>
internal sealed class WasiNative
{
    public WasiNative(Instance instance)
    {
        FdRead = instance.GetFunction<int, int, int, int, int>("fd_read")!;
        FdWrite = instance.GetFunction<int, int, int, int, int>("fd_write")!;
        FdClose = instance.GetFunction<int, int>("fd_close")!;
        FdRenumber = instance.GetFunction<int, int, int>("fd_renumber")!;
        FdFdstatGet = instance.GetFunction<int, int, int>("fd_fdstat_get")!;
        PathOpen = instance.GetFunction<int, int, int, int, int, long, long, int, int, int>("path_open")!;
        PathFilestatGet = instance.GetFunction<int, int, int, int, int, int>("path_filestat_get")!;
        PathFilestatSetTimes = instance.GetFunction<int, int, int, int, long, long, int, int>("path_filestat_set_times")!;
        PathCreateDirectory = instance.GetFunction<int, int, int, int>("path_create_directory")!;
        PathRemoveDirectory = instance.GetFunction<int, int, int, int>("path_remove_directory")!;
        PathUnlinkFile = instance.GetFunction<int, int, int, int>("path_unlink_file")!;
        PathRename = instance.GetFunction<int, int, int, int, int, int, int>("path_rename")!;
        PathLink = instance.GetFunction<int, int, int, int, int, int, int, int>("path_link")!;
        PathSymlink = instance.GetFunction<int, int, int, int, int, int>("path_symlink")!;
        PathReadlink = instance.GetFunction<int, int, int, int, int, int, int>("path_readlink")!;
        FdFilestatGet = instance.GetFunction<int, int, int>("fd_filestat_get")!;
    }

    public Func<int, int, int, int, int> FdRead { get; }
    public Func<int, int, int, int, int> FdWrite { get; }
    public Func<int, int> FdClose { get; }
    public Func<int, int, int> FdRenumber { get; }
    public Func<int, int, int> FdFdstatGet { get; }
    public Func<int, int, int, int, int, long, long, int, int, int> PathOpen { get; }
    public Func<int, int, int, int, int, int> PathFilestatGet { get; }
    public Func<int, int, int, int, long, long, int, int> PathFilestatSetTimes { get; }
    public Func<int, int, int, int> PathCreateDirectory { get; }
    public Func<int, int, int, int> PathRemoveDirectory { get; }
    public Func<int, int, int, int> PathUnlinkFile { get; }
    public Func<int, int, int, int, int, int, int> PathRename { get; }
    public Func<int, int, int, int, int, int, int, int> PathLink { get; }
    public Func<int, int, int, int, int, int> PathSymlink { get; }
    public Func<int, int, int, int, int, int, int> PathReadlink { get; }
    public Func<int, int, int> FdFilestatGet { get; }
}
