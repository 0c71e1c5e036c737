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
import { basename } from 'node:path';
import { runCommand } from './quiet-wasi.mjs';

const [modulePath, ...guestArgs] = process.argv.slice(2);
if (!modulePath) {
  writeSync(2, 'usage: node run-node.mjs <module.wasm> [args...]\n');
  process.exit(2);
}

await runCommand(modulePath, {
  args: [basename(modulePath, '.wasm'), ...guestArgs],
  env: {},
  preopens: { '/': process.cwd() },
}, 'run-node', 1);
