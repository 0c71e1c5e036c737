/*
 * needscustom - a component that imports a custom interface (wasmsandbox:fixtures/custom), which no host provides:
 * starting it must fail with LinkFailed naming that interface and function (tools/Build-Components.ps1 builds it).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cabi_realloc.h"

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
