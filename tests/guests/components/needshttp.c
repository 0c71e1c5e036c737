/*
 * needshttp - a component that imports wasi:http/outgoing-handler, which the sandbox does not provide: starting it
 * must fail with LinkFailed naming that interface and function (tools/Build-Components.ps1 builds it; needshttp.wit).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cabi_realloc.h"

/* handle: func(request: own<outgoing-request>, options: option<own<request-options>>)
 *   -> result<own<future-incoming-response>, error-code>: flat parameters, the result through a return pointer. */
__attribute__((import_module("wasi:http/outgoing-handler@0.2.12"), import_name("handle")))
void wasi_http_handle(int32_t request, int32_t has_options, int32_t options, uint8_t *ret);

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "call")) {
        _Alignas(8) uint8_t ret[64] = {0};
        wasi_http_handle(0, 0, 0, ret);
        printf("handle returned %d\n", ret[0]);
        return 0;
    }
    puts("needshttp ran without calling wasi:http");
    return 0;
}
