// jsprobe - a JavaScript program made a wasi:cli/command component with componentize-js (tools/Build-Components.ps1).
// One mode per run, from its arguments (argv[0] is the program name):
//
//   hello                 print "hello from javascript"
//   args                  print every argument, one per line, after "argc <n>"
//   env                   print the environment, NAME=value per line, then "env: <count>"
//   stdin                 read stdin to its end and print "stdin <bytes>: <text>"
//   ls <guest-dir>        list a preopened directory (sorted), one name per line; "no preopen <dir>" when not granted
//   write <guest-dir> <name> <text>   create <name> in the preopen and write <text>; "wrote <n>" or "error: <code>"
//   stderr <text>         print <text> to stderr
//   exit <code>           exit with <code> (wasi:cli/exit exit-with-code)
//   fail                  exit with an error (wasi:cli/exit exit(err): code 1)
//   throw                 throw an exception (a trap in the component)
//   spin                  loop forever
import { getArguments, getEnvironment } from 'wasi:cli/environment@0.2.12';
import { exit, exitWithCode } from 'wasi:cli/exit@0.2.12';
import { getStdin } from 'wasi:cli/stdin@0.2.12';
import { getStdout } from 'wasi:cli/stdout@0.2.12';
import { getStderr } from 'wasi:cli/stderr@0.2.12';
import { getDirectories } from 'wasi:filesystem/preopens@0.2.12';

const encoder = new TextEncoder();

function write(stream, text) {
    const bytes = encoder.encode(text);
    for (let at = 0; at < bytes.length; at += 4096) {
        stream.blockingWriteAndFlush(bytes.subarray(at, at + 4096));
    }
}

const out = (text) => write(getStdout(), text + '\n');

function preopen(guestPath) {
    const found = getDirectories().find(([, path]) => path === guestPath);
    return found ? found[0] : null;
}

function readStdin() {
    const stdin = getStdin();
    const chunks = [];
    for (;;) {
        try {
            chunks.push(stdin.blockingRead(65536n));
        } catch (e) {
            if (e && e.payload && e.payload.tag === 'closed') break;
            throw e;
        }
    }
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const all = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) { all.set(c, at); at += c.length; }
    return all;
}

function main(args) {
    const [mode, ...rest] = args.slice(1);
    switch (mode) {
        case 'hello':
            out('hello from javascript');
            return 0;
        case 'args':
            out(`argc ${args.length}`);
            for (const a of args) out(a);
            return 0;
        case 'env': {
            const env = getEnvironment();
            for (const [k, v] of env) out(`${k}=${v}`);
            out(`env: ${env.length}`);
            return 0;
        }
        case 'stdin': {
            const bytes = readStdin();
            out(`stdin ${bytes.length}: ${new TextDecoder().decode(bytes)}`);
            return 0;
        }
        case 'ls': {
            const dir = preopen(rest[0]);
            if (!dir) { out(`no preopen ${rest[0]}`); return 1; }
            const names = [];
            const entries = dir.readDirectory();
            for (let e = entries.readDirectoryEntry(); e; e = entries.readDirectoryEntry()) names.push(e.name);
            names.sort();
            for (const n of names) out(n);
            return 0;
        }
        case 'write': {
            const dir = preopen(rest[0]);
            if (!dir) { out(`no preopen ${rest[0]}`); return 1; }
            try {
                const file = dir.openAt({}, rest[1], { create: true, truncate: true }, { write: true });
                const bytes = encoder.encode(rest[2]);
                const n = file.write(bytes, 0n);
                out(`wrote ${n}`);
                return 0;
            } catch (e) {
                out(`error: ${e && e.payload !== undefined ? e.payload : e}`);
                return 1;
            }
        }
        case 'stderr':
            write(getStderr(), rest[0] + '\n');
            return 0;
        case 'exit':
            exitWithCode(Number(rest[0]));
            return 0;
        case 'fail':
            exit({ tag: 'err', val: undefined });
            return 0;
        case 'throw':
            throw new Error('jsprobe was asked to throw');
        case 'spin': {
            let x = 0;
            for (;;) x = (x + 1) | 0;
        }
        default:
            out(`usage: jsprobe hello|args|env|stdin|ls|write|stderr|exit|fail|throw|spin (got ${mode})`);
            return 2;
    }
}

export const run = {
    run() {
        const code = main(getArguments());
        if (code !== 0) exitWithCode(code);
    },
};
