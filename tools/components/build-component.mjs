// Builds one WebAssembly component with jco / componentize-js, called by tools/Build-Components.ps1 (which installs
// the pinned packages and passes their node_modules folder). Two commands:
//
//   node build-component.mjs <node_modules> adapt <core.wasm> <wit-dir> <world> <out.component.wasm>
//       embeds <world>'s types (for the core module's own preview 2 imports) and wraps the core module with the
//       preview 1 command adapter that ships inside jco (lib/wasi_snapshot_preview1.command.wasm)
//   node build-component.mjs <node_modules> componentize <source.js> <wit-dir> <world> <out.component.wasm>
//       makes a JavaScript module a component of <world> with componentize-js
//
// The WIT folder's deps/ holds the WASI packages (copied from jco's lib/wit/builtin by the caller). jco's bundled
// wasm-tools runs under its preview 2 shim, which starts with no preopens: its file reads fail with errno 44 unless
// the shim is given one, so this script grants it the folders it reads.
import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const [modules, command, input, witDir, world, output] = process.argv.slice(2);
if (!modules || !command || !input || !witDir || !world || !output) {
    console.error('usage: build-component.mjs <node_modules> adapt|componentize <input> <wit-dir> <world> <output>');
    process.exit(2);
}
// By file rather than by package name: these packages export ES modules only, which createRequire cannot resolve.
const load = (file) => import(pathToFileURL(file).href);
const packageDir = (name, from = modules) =>
    [path.join(from, name), path.join(modules, name)].find((dir) => existsSync(path.join(dir, 'package.json')));
const jcoDir = path.join(modules, '@bytecodealliance/jco');

if (command === 'adapt') {
    // The shim instance jco's wasm-tools imports: the one nearest to jco-transpile.
    const transpile = packageDir('@bytecodealliance/jco-transpile', path.join(jcoDir, 'node_modules'));
    const shimDir = packageDir('@bytecodealliance/preview2-shim', path.join(transpile, 'node_modules'));
    const shim = await load(path.join(shimDir, 'dist/nodejs/filesystem.js'));
    shim._setPreopens({ '/': '/' });
    const jco = await load(path.join(jcoDir, 'dist/api.js'));
    const core = await readFile(input);
    const embedded = await jco.componentEmbed({ binary: core, witPath: path.resolve(witDir), world });
    const adapter = await readFile(path.join(jcoDir, 'lib/wasi_snapshot_preview1.command.wasm'));
    const component = await jco.componentNew(embedded, [['wasi_snapshot_preview1', adapter]]);
    await writeFile(output, component);
} else if (command === 'componentize') {
    const { componentize } = await load(path.join(modules, '@bytecodealliance/componentize-js/src/componentize.js'));
    const { component } = await componentize({
        sourcePath: path.resolve(input),
        witPath: path.resolve(witDir),
        worldName: world,
        // No fetch() or HTTP handler: the fixture is a plain wasi:cli/command.
        disableFeatures: ['http', 'fetch-event'],
    });
    await writeFile(output, component);
} else {
    console.error(`unknown command '${command}'`);
    process.exit(2);
}
