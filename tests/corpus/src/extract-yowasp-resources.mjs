// Writes the data files an @yowasp package bundles into its resources-<name>.js (the `filesystem` tree its
// JavaScript runner lays out beside the user's files in the folder it preopens as '/') into a folder, so the
// package's WASI module can be run by any WASI host with the same layout: yosys reads its techmap and cell libraries
// from /share.
//
//   node extract-yowasp-resources.mjs <resources-*.js> <output folder>
//
// A file's content is a string (text) or a Uint8Array (binary); a nested object is a folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [resources, output] = process.argv.slice(2);
if (!resources || !output) {
  process.stderr.write('usage: node extract-yowasp-resources.mjs <resources-*.js> <output folder>\n');
  process.exit(2);
}
const { filesystem } = await import(pathToFileURL(resolve(resources)).href);
if (!filesystem || typeof filesystem !== 'object') {
  process.stderr.write(`${resources} exports no filesystem tree\n`);
  process.exit(1);
}
let files = 0;
function write(tree, dir) {
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(tree)) {
    if (name.includes('/') || name === '..' || name === '.') throw new Error(`unsafe entry name '${name}' in ${dir}`);
    const path = join(dir, name);
    if (typeof content === 'string' || content instanceof Uint8Array) {
      writeFileSync(path, content);
      files++;
    } else if (content && typeof content === 'object') {
      write(content, path);
    } else {
      throw new Error(`entry ${path} is neither a file nor a folder`);
    }
  }
}
write(filesystem, output);
process.stdout.write(`${files} files\n`);
