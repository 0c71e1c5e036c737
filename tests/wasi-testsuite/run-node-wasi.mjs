// Runs a WASI preview 1 command under Node's node:wasi with the same command line as tools/WasiReference (and the
// wasmtime CLI): preopens and environment given explicitly, nothing inherited but stdio.
//
//   node run-node-wasi.mjs [--dir HOST::GUEST]... [--env NAME=VALUE]... <module.wasm> [args...]
//
// argv[0] is the module's file name. Exit code: the guest's status; 134 after a trap ("run-node-wasi: trap: ..." on
// stderr), 2 for a usage or load error. tests/guests/run-node.mjs is the project's everyday runner; this one differs
// only in taking the preopens and the environment as arguments, which the WASI test suite's cases need.

import { writeSync } from 'node:fs';
import { basename } from 'node:path';
import { runCommand } from '../guests/quiet-wasi.mjs';

const argv = process.argv.slice(2);
const preopens = {};
const env = {};
let i = 0;
for (; i < argv.length; i++) {
  if (argv[i] === '--dir' && i + 1 < argv.length) {
    const spec = argv[++i];
    const sep = spec.indexOf('::');
    if (sep < 0) preopens[spec] = spec; else preopens[spec.slice(sep + 2)] = spec.slice(0, sep);
  } else if (argv[i] === '--env' && i + 1 < argv.length) {
    const pair = argv[++i];
    const eq = pair.indexOf('=');
    if (eq <= 0) fail(`--env needs NAME=VALUE, got '${pair}'`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  } else if (argv[i] === '--') {
    i++;
    break;
  } else {
    break;
  }
}
const [modulePath, ...guestArgs] = argv.slice(i);
if (!modulePath) fail('no module given');

await runCommand(modulePath, { args: [basename(modulePath), ...guestArgs], env, preopens }, 'run-node-wasi', 2);

function fail(problem) {
  writeSync(2, `run-node-wasi: ${problem}\nusage: node run-node-wasi.mjs [--dir HOST::GUEST]... [--env NAME=VALUE]... <module.wasm> [args...]\n`);
  process.exit(2);
}
