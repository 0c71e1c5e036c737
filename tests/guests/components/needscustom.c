/*
 * needscustom - a component that imports a custom interface (wasmsandbox:fixtures/custom), which no host provides:
 * starting it must fail with LinkFailed naming that interface and function (tools/Build-Components.ps1 builds it).
 */
#include <stdint.h>
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

/* ping: func(x: u32) -> u32 */
__attribute__((import_module("wasmsandbox:fixtures/custom"), import_name("ping")))
int32_t custom_ping(int32_t x);

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "call")) {
        printf("ping returned %d\n", custom_ping(7));
        return 0;
    }
    puts("needscustom ran without calling its custom import");
    return 0;
}
