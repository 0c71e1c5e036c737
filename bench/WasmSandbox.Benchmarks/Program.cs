using System.Text.Json;
using WasmSandbox;
using WasmSandbox.Benchmarks.Cli;
using WasmSandbox.Benchmarks.Measurement;
using WasmSandbox.Benchmarks.Scenarios;

// Each command prints one JSON document on stdout (progress goes to stderr); bench/Invoke-Benchmarks.ps1 runs them
// all and turns the documents into the results table. Exit codes: 0 done, 1 a peer failed, 2 bad usage.
const string Usage = """
    usage: WasmSandbox.Benchmarks <command> [--option value ...] [-- guest arguments]
      workload  --name N --module M.wasm --native EXE --run-node run-node.mjs --node-bench wasi-bench.mjs [--stdin F] [--runs 5]
      hello     --module hello.wasm [--runs 2000] [--milliseconds 3000]
      micro     --module hello.wasm [--artifacts DIR] [--quick]
      stdout    --module stdio.wasm --native EXE --run-node run-node.mjs [--bytes 1073741824] [--runs 3]
      idle      --module stdio.wasm [--count 100]
      coldstart --module M.wasm --native EXE --run-node run-node.mjs [--runs 5]
    """;

try
{
    var line = CommandArgs.Parse(args);
    if (line.Command == "coldstart-child")
    {
        return ColdStartScenario.RunChild(line);
    }
    object result = line.Command switch
    {
        "workload" => WorkloadScenario.Run(line),
        "hello" => HelloScenario.Run(line),
        "micro" => MicroScenario.Run(line),
        "stdout" => StdoutScenario.Run(line),
        "idle" => IdleMemoryScenario.Run(line),
        "coldstart" => ColdStartScenario.Run(line),
        _ => throw new UsageException($"unknown command '{line.Command}'"),
    };
    Console.Out.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
    return 0;
}
catch (UsageException e)
{
    Console.Error.WriteLine($"WasmSandbox.Benchmarks: {e.Message}");
    Console.Error.WriteLine(Usage);
    return 2;
}
catch (Exception e) when (e is BenchmarkFailedException or WasmSandboxException)
{
    Console.Error.WriteLine($"WasmSandbox.Benchmarks: {e.Message}");
    return 1;
}
