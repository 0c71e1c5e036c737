/*
 * hello - prints one line. Built twice by tools/Build-Components.ps1: as a WASI preview 1 core module
 * (hello.core.wasm) and, adapted with jco's preview 1 command adapter, as a component (hello.component.wasm), so the
 * benchmarks compare the same program as both kinds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((export_name("cabi_realloc")))
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size)
{
    if (new_size == 0)
        return (void *)align;
    void *p;
    if (align <= 16) {
        /* malloc's alignment (16) covers these */
        p = realloc(old, new_size);
    } else {
        /* the adapter allocates its state with a larger alignment: realloc would not honour it */
        p = aligned_alloc(align, (new_size + align - 1) / align * align);
        if (p && old) {
            memcpy(p, old, old_size < new_size ? old_size : new_size);
            free(old);
        }
    }
    if (!p)
        abort();
    return p;
}

/* main takes argc and argv on purpose: with main(void), clang-14 + Debian's wasi-libc + jco 1.35's adapter lose the
 * buffered "hello, world" and print only the newline (seen under Wasmtime 50 and in a plain Wasmtime host alike). */
int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    puts("hello, world");
    return 0;
}
