/*
 * hello - prints one line. Built twice by tools/Build-Components.ps1: as a WASI preview 1 core module
 * (hello.core.wasm) and, adapted with jco's preview 1 command adapter, as a component (hello.component.wasm), so the
 * benchmarks compare the same program as both kinds.
 */
#include <stdio.h>
#include <stdlib.h>

__attribute__((export_name("cabi_realloc")))
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size)
{
    (void)old_size;
    if (new_size == 0)
        return (void *)align;
    void *p = realloc(old, new_size);
    if (!p)
        abort();
    return p;
}

int main(void)
{
    puts("hello, world");
    return 0;
}
