// node:wasi without its "experimental" warning, for the scripts that run guests
// under Node (run-node.mjs, bench/node/wasi-bench.mjs), so the guest's stderr
// is all that reaches theirs.
//
//   import { WASI, runCommand } from './quiet-wasi.mjs';
//
// The filter must be in place before node:wasi loads, hence the dynamic import.

import { writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) => {
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  if (type === 'ExperimentalWarning' && String(warning).includes('WASI')) return;
  emitWarning.call(process, warning, ...rest);
};

export const { WASI } = await import('node:wasi');

// Runs the WASI preview 1 command at modulePath with node:wasi's options (args, env, preopens), and makes the guest's
// status this process's exit code. The guest writes straight to fds 0-2: process.stdout and friends are never
// touched, since opening them would switch pipes to non-blocking mode and the guest's synchronous writes could fail
// with EAGAIN. A trap prints "<label>: trap: <message>" and exits 134, as the wasmtime CLI does; a module that cannot
// be loaded or linked prints "<label>: error: ..." and exits loadErrorCode.
export async function runCommand(modulePath, options, label, loadErrorCode) {
  const wasi = new WASI({ version: 'preview1', ...options, returnOnExit: true });
  try {
    const module = await WebAssembly.compile(await readFile(modulePath));
    const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
    process.exitCode = wasi.start(instance);
  } catch (error) {
    const trap = error instanceof WebAssembly.RuntimeError;
    writeSync(2, `${label}: ${trap ? 'trap' : 'error'}: ${error.message}\n`);
    process.exit(trap ? 134 : loadErrorCode);
  }
}
