/*
 * spin - a wasi:cli/command component that loops forever without any host call (for -Timeout, -MaxFuel and Stop()).
 * Compiled by clang-14 to preview 1 and adapted with jco's preview 1 command adapter (tools/Build-Components.ps1).
 */
#include <stdint.h>
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

int main(void)
{
    volatile uint64_t x = 0;
    for (;;)
        x++;
}
