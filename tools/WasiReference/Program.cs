// Runs a WASI preview 1 command on Wasmtime's own WASI, as the wasmtime CLI would with
//   wasmtime run [--dir HOST::GUEST] [--env NAME=VALUE] module.wasm [args...]
// and nothing of the sandbox: the same Wasmtime (the NuGet package the engine uses) and the same linker call as
// WasiHost.CreateNativeLinker (Linker.DefineWasi), with no function shadowed. stdin, stdout and stderr are this
// process's own, so a caller that captures them through pipes sees what a guest of the wasmtime CLI would.
//
//   WasiReference [--dir HOST::GUEST]... [--env NAME=VALUE]... <module.wasm> [args...]
//
// Exit code: the guest's proc_exit status, 0 when _start returns; like the wasmtime CLI, 134 after a trap (with
// "WasiReference: trap: <message>" on stderr) and 2 for a usage or load error.
using Wasmtime;

var dirs = new List<(string Host, string Guest)>();
var env = new List<(string, string)>();
int i = 0;
for (; i < args.Length; i++)
{
    if (args[i] == "--dir" && i + 1 < args.Length)
    {
        var spec = args[++i];
        int sep = spec.IndexOf("::", StringComparison.Ordinal);
        dirs.Add(sep < 0 ? (spec, spec) : (spec[..sep], spec[(sep + 2)..]));
    }
    else if (args[i] == "--env" && i + 1 < args.Length)
    {
        var pair = args[++i];
        int eq = pair.IndexOf('=');
        if (eq <= 0)
        {
            return Usage($"--env needs NAME=VALUE, got '{pair}'");
        }
        env.Add((pair[..eq], pair[(eq + 1)..]));
    }
    else if (args[i] == "--")
    {
        i++;
        break;
    }
    else
    {
        break;
    }
}
if (i >= args.Length)
{
    return Usage("no module given");
}
string modulePath = args[i];
var guestArgs = new List<string> { Path.GetFileName(modulePath) };
guestArgs.AddRange(args[(i + 1)..]);

using var engine = new Engine();
Module module;
try
{
    module = Module.FromFile(engine, modulePath);
}
catch (WasmtimeException e)
{
    return Usage($"cannot load {modulePath}: {e.Message}");
}
using var linker = new Linker(engine);
linker.DefineWasi();
using var store = new Store(engine);
var wasi = new WasiConfiguration()
    .WithArgs(guestArgs)
    .WithEnvironmentVariables(env)
    .WithInheritedStandardInput()
    .WithInheritedStandardOutput()
    .WithInheritedStandardError();
foreach (var (host, guest) in dirs)
{
    wasi.WithPreopenedDirectory(host, guest, mutable: true);
}
store.SetWasiConfiguration(wasi);
try
{
    var instance = linker.Instantiate(store, module);
    var start = instance.GetAction("_start") ?? throw new InvalidOperationException("the module exports no _start");
    start();
    return 0;
}
catch (WasmtimeException e) when (e.ExitCode is int code)
{
    return code;
}
catch (Exception e) when (e is WasmtimeException or InvalidOperationException)
{
    Console.Error.WriteLine($"WasiReference: trap: {e.Message}");
    return 134;
}

static int Usage(string problem)
{
    Console.Error.WriteLine($"WasiReference: {problem}");
    Console.Error.WriteLine("usage: WasiReference [--dir HOST::GUEST]... [--env NAME=VALUE]... <module.wasm> [args...]");
    return 2;
}
