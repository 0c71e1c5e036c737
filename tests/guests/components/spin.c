/*
 * spin - a wasi:cli/command component that loops forever without any host call (for -Timeout, -MaxFuel and Stop()).
 * Compiled by clang-14 to preview 1 and adapted with jco's preview 1 command adapter (tools/Build-Components.ps1).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cabi_realloc.h"

int main(void)
{
    volatile uint64_t x = 0;
    for (;;)
        x++;
}
