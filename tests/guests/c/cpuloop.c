/*
 * cpuloop - deterministic CPU-bound work, for timeout, stop and benchmark runs.
 *
 *   cpuloop <iterations>   run that many steps, then print
 *                          "<iterations> iterations, checksum <16 hex digits>"
 *   cpuloop                run until stopped from outside (never exits)
 *
 * Each step mixes a 64-bit state with one word of a 64 KiB table and with the
 * step number, and writes the result back to the table, so the loop exercises
 * linear-memory loads and stores as well as arithmetic. The checksum depends
 * only on the iteration count, so a wasm run and a native build of this file
 * must print the same line.
 *
 * Bad usage exits 2.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define TABLE_WORDS 8192 /* 64 KiB of uint64_t; a power of two */

static uint64_t table[TABLE_WORDS];

/* The splitmix64 finaliser: a cheap, well-mixing bijection on 64 bits. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

static uint64_t step(uint64_t state, uint64_t n)
{
    uint64_t *slot = &table[state & (TABLE_WORDS - 1)];
    /* Folding in the step number (a Weyl sequence) matters: without it, once a
     * state meets its own value in the table the chain collapses to the fixed
     * point mix(0) == 0 and stays there. */
    state = mix(state ^ *slot ^ (n * UINT64_C(0x9e3779b97f4a7c15)));
    *slot = state;
    return state;
}

int main(int argc, char **argv)
{
    for (size_t i = 0; i < TABLE_WORDS; i++)
        table[i] = mix(i + 1);
    uint64_t state = UINT64_C(0x243f6a8885a308d3);

    if (argc == 1) {
        /* Say so on stderr, so a test can wait until the guest is really
         * running before it stops it. */
        fputs("cpuloop: running until stopped\n", stderr);
        /* A loop with a constant controlling expression may not be assumed
         * to terminate (C11 6.8.5p6), so the compiler has to keep it. */
        for (uint64_t n = 0;; n++)
            state = step(state, n);
    }

    const char *arg = argv[1];
    char *end;
    errno = 0;
    unsigned long long iterations = strtoull(arg, &end, 10);
    if (argc != 2 || arg[0] < '0' || arg[0] > '9' || errno != 0 || *end != '\0') {
        fputs("usage: cpuloop [iterations]\n", stderr);
        return 2;
    }

    for (uint64_t n = 0; n < iterations; n++)
        state = step(state, n);

    printf("%llu iterations, checksum %016" PRIx64 "\n", iterations, state);
    return 0;
}
