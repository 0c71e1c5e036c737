/*
 * cabi_realloc for the component fixtures built from C (tools/Build-Components.ps1): the allocator the canonical ABI
 * and the preview 1 command adapter call. Debian's wasi-libc (2022) does not define it, so without this an adapted C
 * program traps on its first heap growth through the adapter. Included by each fixture's .c, once.
 */
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
