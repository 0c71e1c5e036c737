/*
 * hello - prints one line. Built twice by tools/Build-Components.ps1: as a WASI preview 1 core module
 * (hello.core.wasm) and, adapted with jco's preview 1 command adapter, as a component (hello.component.wasm), so the
 * benchmarks compare the same program as both kinds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cabi_realloc.h"

/* main takes argc and argv on purpose: with main(void), clang-14 + Debian's wasi-libc + jco 1.35's adapter lose the
 * buffered "hello, world" and print only the newline (seen under Wasmtime 50 and in a plain Wasmtime host alike). */
int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    puts("hello, world");
    return 0;
}
