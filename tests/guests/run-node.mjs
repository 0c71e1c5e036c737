// Runs a WASI preview 1 command module under Node's node:wasi, as a reference
// runtime for checking the guests and as the peer runtime in benchmarks.
//
//   node tests/guests/run-node.mjs <module.wasm> [args...]
//
// The guest gets the current directory preopened as "/", an empty environment,
// this process's stdin/stdout/stderr, and argv[0] = the module's file name
// without ".wasm". This process exits with the guest's exit status. As with
// the wasmtime CLI, a trap prints "run-node: trap: <message>" and exits 134,
// and a module that cannot be loaded or linked exits 1.

import { writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { WASI } from './quiet-wasi.mjs';

const [modulePath, ...guestArgs] = process.argv.slice(2);
if (!modulePath) {
  writeSync(2, 'usage: node run-node.mjs <module.wasm> [args...]\n');
  process.exit(2);
}

const wasi = new WASI({
  version: 'preview1',
  args: [basename(modulePath, '.wasm'), ...guestArgs],
  env: {},
  preopens: { '/': process.cwd() },
  // The guest writes straight to file descriptors 0-2. process.stdout and
  // friends are never touched here: opening them would switch pipes to
  // non-blocking mode and the guest's synchronous writes could fail with EAGAIN.
  returnOnExit: true,
});

let status;
try {
  const module = await WebAssembly.compile(await readFile(modulePath));
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  status = wasi.start(instance);
} catch (error) {
  const kind = error instanceof WebAssembly.RuntimeError ? 'trap' : 'error';
  writeSync(2, `run-node: ${kind}: ${error.message}\n`);
  process.exit(kind === 'trap' ? 134 : 1);
}
process.exitCode = status;
