// Node's node:wasi as a benchmark peer, timed inside this process: compiles a
// WASI command module once, then runs it repeatedly, each run in a fresh WASI
// instance and a fresh WebAssembly instance. Compile plus the first run is
// what the wasm costs a user who runs the tool once with Node ("cold"); the
// runs after the warm-up are what the sandbox does per execution with its
// compiled-module cache warm ("warm").
//
//   node --expose-gc bench/node/wasi-bench.mjs [--runs N] [--warmup N]
//        [--stdin FILE] <module.wasm> [guest args...]
//
// Prints one JSON object: compile time, the first run (V8 starts on its
// baseline compiler and tiers hot functions up while it runs), the timed runs
// after the warm-up, and the size and SHA-256 of the guest's stdout on the
// first run. Each timed run covers instantiation and _start, with stdin read
// from FILE (or /dev/null) and stdout written to a scratch file. Settings
// mirror tests/guests/run-node.mjs: argv[0] is the module's name, the
// environment is empty and the current directory is preopened as "/".
// Exits 1 when the guest fails.

import { createHash } from 'node:crypto';
import { openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { WASI } from '../../tests/guests/quiet-wasi.mjs';

function parse(argv) {
  const options = { runs: 5, warmup: 1, stdin: '/dev/null' };
  let i = 0;
  for (; i < argv.length && argv[i].startsWith('--'); i += 2) {
    const name = argv[i].slice(2);
    if (!(name in options) || i + 1 >= argv.length) {
      throw new Error(`unknown option or missing value: ${argv[i]}`);
    }
    options[name] = name === 'stdin' ? argv[i + 1] : Number.parseInt(argv[i + 1], 10);
  }
  if (i >= argv.length || !(options.runs > 0) || !(options.warmup >= 1)) {
    throw new Error('usage: wasi-bench.mjs [--runs N>0] [--warmup N>0] [--stdin FILE] <module.wasm> [args...]');
  }
  return { ...options, module: argv[i], args: argv.slice(i + 1) };
}

const options = parse(process.argv.slice(2));
const scratch = join(tmpdir(), `wasmsandbox-node-bench-${process.pid}.out`);

// A full collection after every run, outside the timing: Node 20 aborts (uv_mutex_destroy in uvwasi_destroy)
// when a garbage collection triggered inside a later run's fd_write destroys an earlier, finished WASI instance.
// The descriptors are left to the WASI instance (a handful per process), so no number is closed twice.
if (typeof globalThis.gc !== 'function') {
  throw new Error('run node with --expose-gc');
}

function runOnce(module) {
  const stdin = openSync(options.stdin, 'r');
  const stdout = openSync(scratch, 'w');
  const started = performance.now();
  const wasi = new WASI({
    version: 'preview1',
    args: [basename(options.module, '.wasm'), ...options.args],
    env: {},
    preopens: { '/': process.cwd() },
    stdin,
    stdout,
    stderr: 2,
    returnOnExit: true,
  });
  const instance = new WebAssembly.Instance(module, wasi.getImportObject());
  const status = wasi.start(instance);
  const elapsed = performance.now() - started;
  if (status !== 0) {
    throw new Error(`the guest exited with status ${status}`);
  }
  globalThis.gc();
  return elapsed;
}

try {
  const bytes = await readFile(options.module);
  const compileStarted = performance.now();
  const module = await WebAssembly.compile(bytes);
  const compileMs = performance.now() - compileStarted;

  const firstRunMs = runOnce(module);
  const output = readFileSync(scratch);
  for (let i = 1; i < options.warmup; i++) runOnce(module);
  const samples = [];
  for (let i = 0; i < options.runs; i++) samples.push(runOnce(module));

  writeSync(1, JSON.stringify({
    node: process.version,
    compileMs,
    firstRunMs,
    samples,
    stdoutBytes: output.length,
    stdoutSha256: createHash('sha256').update(output).digest('hex'),
  }) + '\n');
} catch (error) {
  writeSync(2, `wasi-bench: ${error.message}\n`);
  process.exitCode = 1;
} finally {
  rmSync(scratch, { force: true });
}
