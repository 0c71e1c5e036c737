// node:wasi without its "experimental" warning, for the scripts that run guests
// under Node (run-node.mjs, bench/node/wasi-bench.mjs), so the guest's stderr
// is all that reaches theirs.
//
//   import { WASI } from './quiet-wasi.mjs';
//
// The filter must be in place before node:wasi loads, hence the dynamic import.

const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) => {
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  if (type === 'ExperimentalWarning' && String(warning).includes('WASI')) return;
  emitWarning.call(process, warning, ...rest);
};

export const { WASI } = await import('node:wasi');
