/*
 * cacheforge - a hostile guest that forges a compile cache artifact inside a folder it was granted writable.
 *
 *   cacheforge <from> <to> <from-hash> <to-hash>
 *
 * Copies the file <from> to <to> (created or truncated) and, in the copy's last 4096 bytes, replaces every
 * occurrence of the 32 bytes <from-hash> (64 hex digits) with <to-hash>: an artifact compiled from one module, its
 * trailer rewritten to name another. Whatever the trailer's layout, a cache that trusts the name or the trailer's module
 * hash then runs the first module's code for the second. Prints "forged <n>" (the number of hashes replaced) and exits
 * 0; on failure prints "cacheforge: <what>: errno=<n>" to stderr and exits 1; bad usage exits 2.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HASH_LENGTH 32
#define TAIL 4096

static int fail(const char *what)
{
    fprintf(stderr, "cacheforge: %s: errno=%d\n", what, errno);
    return 1;
}

static int parse_hash(const char *hex, unsigned char *out)
{
    if (strlen(hex) != 2 * HASH_LENGTH)
        return -1;
    for (int i = 0; i < HASH_LENGTH; i++) {
        unsigned int byte;
        if (sscanf(hex + 2 * i, "%2x", &byte) != 1)
            return -1;
        out[i] = (unsigned char)byte;
    }
    return 0;
}

int main(int argc, char **argv)
{
    unsigned char from_hash[HASH_LENGTH], to_hash[HASH_LENGTH];
    if (argc != 5 || parse_hash(argv[3], from_hash) != 0 || parse_hash(argv[4], to_hash) != 0) {
        fputs("usage: cacheforge <from> <to> <from-hash> <to-hash>\n", stderr);
        return 2;
    }

    FILE *in = fopen(argv[1], "rb");
    if (in == NULL)
        return fail(argv[1]);
    size_t capacity = 1 << 20, length = 0;
    unsigned char *data = malloc(capacity);
    for (;;) {
        if (data == NULL)
            return fail("malloc");
        length += fread(data + length, 1, capacity - length, in);
        if (length < capacity)
            break;
        capacity *= 2;
        data = realloc(data, capacity);
    }
    if (ferror(in))
        return fail(argv[1]);
    fclose(in);

    int replaced = 0;
    size_t start = length > TAIL ? length - TAIL : 0;
    for (size_t at = start; at + HASH_LENGTH <= length; at++) {
        if (memcmp(data + at, from_hash, HASH_LENGTH) == 0) {
            memcpy(data + at, to_hash, HASH_LENGTH);
            replaced++;
        }
    }

    FILE *out = fopen(argv[2], "wb");
    if (out == NULL)
        return fail(argv[2]);
    if (fwrite(data, 1, length, out) != length || fclose(out) != 0)
        return fail(argv[2]);
    free(data);
    printf("forged %d\n", replaced);
    return 0;
}
