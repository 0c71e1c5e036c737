/*
 * cprobe - a C program compiled by clang-14 to WASI preview 1 and made a wasi:cli/command component with the
 * preview 1 command adapter that ships inside jco (tools/Build-Components.ps1). One mode per run:
 *
 *   cprobe hello            print "hello from a component" to stdout
 *   cprobe stderr <text>    print <text> and a newline to stderr
 *   cprobe exit <code>      exit with <code> (0-255) through wasi:cli/exit's exit-with-code, which keeps the code
 *                           (through the adapter, exit(<code>) would collapse to 0 or 1)
 *   cprobe cexit <code>     exit(<code>) through the adapter (0 stays 0, anything else arrives as 1)
 *   cprobe echo             copy stdin to stdout until end of input
 *   cprobe args             print argc and every argv[i], one per line
 *   cprobe env              print the environment, one NAME=value per line, then "env: <count>"
 *   cprobe ls <dir>         list <dir>'s entries (sorted), one per line
 *   cprobe cat <file>       print <file>
 *   cprobe write <file> <text>  create or truncate <file> and write <text>; prints "wrote <n>" or "error: <errno>"
 *   cprobe spin             loop forever without any host call (for timeout, fuel and stop)
 *   cprobe grow <mib>       grow the heap by <mib> MiB, touching every page; prints "grew <mib>" (or traps)
 *   cprobe trap             execute an unreachable instruction
 *   cprobe connect <port>   try a TCP connect to 127.0.0.1:<port> through wasi:sockets (preview 2, not the adapter);
 *                           prints "connect refused: <error-code>" or "connected"
 *   cprobe flood <bytes>    write <bytes> bytes of 'x' to stdout in 4 KiB writes
 *
 * Bad usage exits 2. Debian's wasi-libc (2022) has no cabi_realloc, which the adapter calls to allocate for the
 * component's lists and strings; the export below provides it over realloc.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

#include "cabi_realloc.h"

/* wasi:cli/exit@0.2.12 exit-with-code: func(status-code: u8) */
__attribute__((import_module("wasi:cli/exit@0.2.12"), import_name("exit-with-code")))
_Noreturn void wasi_exit_with_code(int32_t code);

/* wasi:sockets, canonical ABI: handles are i32; results come back through a return pointer. */
__attribute__((import_module("wasi:sockets/instance-network@0.2.12"), import_name("instance-network")))
int32_t wasi_instance_network(void);
__attribute__((import_module("wasi:sockets/tcp-create-socket@0.2.12"), import_name("create-tcp-socket")))
void wasi_create_tcp_socket(int32_t family, uint8_t *ret);
__attribute__((import_module("wasi:sockets/tcp@0.2.12"), import_name("[method]tcp-socket.start-connect")))
void wasi_start_connect(int32_t self, int32_t network, int32_t tag, int32_t port, int32_t a0, int32_t a1, int32_t a2,
                        int32_t a3, int32_t p6, int32_t p7, int32_t p8, int32_t p9, int32_t p10, int32_t p11,
                        uint8_t *ret);
__attribute__((import_module("wasi:sockets/tcp@0.2.12"), import_name("[method]tcp-socket.finish-connect")))
void wasi_finish_connect(int32_t self, uint8_t *ret);
__attribute__((import_module("wasi:sockets/tcp@0.2.12"), import_name("[method]tcp-socket.subscribe")))
int32_t wasi_tcp_subscribe(int32_t self);
__attribute__((import_module("wasi:io/poll@0.2.12"), import_name("[method]pollable.block")))
void wasi_pollable_block(int32_t self);

/* wasi:sockets/network error-code, in declaration order. */
static const char *const socket_errors[] = {
    "unknown", "access-denied", "not-supported", "invalid-argument", "out-of-memory", "timeout",
    "concurrency-conflict", "not-in-progress", "would-block", "invalid-state", "new-socket-limit",
    "address-not-bindable", "address-in-use", "remote-unreachable", "connection-refused", "connection-reset",
    "connection-aborted", "datagram-too-large", "name-unresolvable", "temporary-resolver-failure",
    "permanent-resolver-failure",
};

static const char *socket_error(unsigned code)
{
    return code < sizeof socket_errors / sizeof *socket_errors ? socket_errors[code] : "?";
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

static int mode_connect(const char *arg)
{
    long port;
    if (!parse_int(arg, 1, 65535, &port))
        return 2;
    /* result<own<tcp-socket>, error-code>: the tag byte, then the payload at offset 4 (a handle's alignment). */
    _Alignas(4) uint8_t created[8] = {0};
    wasi_create_tcp_socket(0 /* ipv4 */, created);
    if (created[0] != 0) {
        printf("connect refused: %s (create)\n", socket_error(created[4]));
        return 0;
    }
    int32_t socket;
    memcpy(&socket, created + 4, sizeof socket);
    int32_t network = wasi_instance_network();
    _Alignas(4) uint8_t result[8] = {0};
    wasi_start_connect(socket, network, 0 /* ipv4 */, (int32_t)port, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, result);
    if (result[0] != 0) {
        printf("connect refused: %s\n", socket_error(result[1]));
        return 0;
    }
    for (;;) {
        memset(result, 0, sizeof result);
        wasi_finish_connect(socket, result);
        if (result[0] == 0) {
            puts("connected");
            return 0;
        }
        /* The result<tuple<input-stream, output-stream>, error-code>'s error sits after the tag, at offset 4. */
        unsigned code = result[4];
        if (code != 8 /* would-block */) {
            printf("connect refused: %s (finish)\n", socket_error(code));
            return 0;
        }
        int32_t pollable = wasi_tcp_subscribe(socket);
        wasi_pollable_block(pollable);
    }
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int mode_ls(const char *path)
{
    DIR *dir = opendir(path);
    if (!dir) {
        printf("error: %d\n", errno);
        return 1;
    }
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dir)) && n < 256) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            names[n++] = strdup(e->d_name);
    }
    closedir(dir);
    qsort(names, n, sizeof *names, cmp);
    for (size_t i = 0; i < n; i++)
        puts(names[i]);
    return 0;
}

static int mode_cat(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("error: %d\n", errno);
        return 1;
    }
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, stdout);
    fclose(f);
    return 0;
}

static int mode_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        printf("error: %d\n", errno);
        return 1;
    }
    size_t n = fwrite(text, 1, strlen(text), f);
    if (fclose(f) != 0) {
        printf("error: %d\n", errno);
        return 1;
    }
    printf("wrote %zu\n", n);
    return 0;
}

static int mode_echo(void)
{
    char buf[4096];
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0) {
        if (write(1, buf, (size_t)n) != n)
            return 1;
    }
    return n < 0 ? 1 : 0;
}

static int mode_grow(const char *arg)
{
    long mib;
    if (!parse_int(arg, 1, 4096, &mib))
        return 2;
    for (long i = 0; i < mib; i++) {
        volatile char *p = malloc(1024 * 1024);
        if (!p) {
            printf("malloc failed after %ld MiB\n", i);
            return 1;
        }
        for (long j = 0; j < 1024 * 1024; j += 4096)
            p[j] = (char)j;
    }
    printf("grew %ld\n", mib);
    return 0;
}

static int mode_flood(const char *arg)
{
    long total;
    if (!parse_int(arg, 0, 1L << 30, &total))
        return 2;
    static char chunk[4096];
    memset(chunk, 'x', sizeof chunk);
    while (total > 0) {
        size_t n = total < (long)sizeof chunk ? (size_t)total : sizeof chunk;
        if (write(1, chunk, n) != (ssize_t)n)
            return 1;
        total -= (long)n;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    const char *mode = argv[1];
    long v;
    if (!strcmp(mode, "hello") && argc == 2) {
        puts("hello from a component");
        return 0;
    }
    if (!strcmp(mode, "stderr") && argc == 3) {
        fprintf(stderr, "%s\n", argv[2]);
        return 0;
    }
    if (!strcmp(mode, "exit") && argc == 3 && parse_int(argv[2], 0, 255, &v)) {
        fflush(stdout);
        wasi_exit_with_code((int32_t)v);
    }
    if (!strcmp(mode, "cexit") && argc == 3 && parse_int(argv[2], 0, 255, &v))
        exit((int)v);
    if (!strcmp(mode, "echo") && argc == 2)
        return mode_echo();
    if (!strcmp(mode, "args")) {
        printf("argc %d\n", argc);
        for (int i = 0; i < argc; i++)
            printf("%s\n", argv[i]);
        return 0;
    }
    if (!strcmp(mode, "env") && argc == 2) {
        int n = 0;
        for (char **e = environ; *e; e++, n++)
            puts(*e);
        printf("env: %d\n", n);
        return 0;
    }
    if (!strcmp(mode, "ls") && argc == 3)
        return mode_ls(argv[2]);
    if (!strcmp(mode, "cat") && argc == 3)
        return mode_cat(argv[2]);
    if (!strcmp(mode, "write") && argc == 4)
        return mode_write(argv[2], argv[3]);
    if (!strcmp(mode, "spin") && argc == 2) {
        volatile uint64_t x = 0;
        for (;;)
            x++;
    }
    if (!strcmp(mode, "grow") && argc == 3)
        return mode_grow(argv[2]);
    if (!strcmp(mode, "trap") && argc == 2)
        __builtin_trap();
    if (!strcmp(mode, "connect") && argc == 3)
        return mode_connect(argv[2]);
    if (!strcmp(mode, "flood") && argc == 3)
        return mode_flood(argv[2]);
    return 2;
}
