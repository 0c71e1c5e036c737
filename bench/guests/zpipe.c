/*
 * zpipe - zstd compression of stdin to stdout, the benchmarks' compressor
 * workload. Built against the zstd library sources (see
 * tools/Build-BenchGuests.ps1), the same way for WebAssembly and natively.
 *
 *   zpipe <level>      compress stdin to stdout as one zstd frame
 *   zpipe -d           decompress a zstd stream from stdin to stdout
 *
 * Streams in ZSTD_CStreamInSize()/ZSTD_CStreamOutSize() chunks (128 KiB),
 * with plain read(2) and write(2), so every peer moves the same bytes
 * through its stdin and stdout. Single-threaded: WebAssembly here has no
 * threads, so the native build must not have them either.
 *
 * Bad usage exits 2; an I/O or zstd error exits 1 with a message on stderr.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

static int usage(void)
{
    fprintf(stderr, "usage: zpipe <level %d..%d> | -d\n", ZSTD_minCLevel(), ZSTD_maxCLevel());
    return 2;
}

static int io_error(const char *what)
{
    fprintf(stderr, "zpipe: %s: errno=%d (%s)\n", what, errno, strerror(errno));
    return 1;
}

static int zstd_error(const char *what, size_t code)
{
    fprintf(stderr, "zpipe: %s: %s\n", what, ZSTD_getErrorName(code));
    return 1;
}

/* Fills buf as far as the input allows: a pipe hands out short reads, and a
 * short chunk would only change how zstd's work is split, not the result. */
static ssize_t read_full(char *buf, size_t cap)
{
    size_t got = 0;
    while (got < cap) {
        ssize_t n = read(STDIN_FILENO, buf + got, cap - got);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        got += (size_t)n;
    }
    return (ssize_t)got;
}

static int write_all(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDOUT_FILENO, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static int compress(int level)
{
    size_t in_cap = ZSTD_CStreamInSize();
    size_t out_cap = ZSTD_CStreamOutSize();
    char *in = malloc(in_cap);
    char *out = malloc(out_cap);
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    if (in == NULL || out == NULL || cctx == NULL) {
        fputs("zpipe: out of memory\n", stderr);
        return 1;
    }
    size_t rc = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
    if (ZSTD_isError(rc))
        return zstd_error("set level", rc);
    /* A checksum makes -d verify the round trip byte for byte. */
    rc = ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
    if (ZSTD_isError(rc))
        return zstd_error("set checksum", rc);

    int status = 0;
    for (;;) {
        ssize_t n = read_full(in, in_cap);
        if (n < 0) {
            status = io_error("read stdin");
            break;
        }
        int last = (size_t)n < in_cap;
        ZSTD_EndDirective mode = last ? ZSTD_e_end : ZSTD_e_continue;
        ZSTD_inBuffer input = {in, (size_t)n, 0};
        int finished;
        do {
            ZSTD_outBuffer output = {out, out_cap, 0};
            size_t remaining = ZSTD_compressStream2(cctx, &output, &input, mode);
            if (ZSTD_isError(remaining)) {
                status = zstd_error("compress", remaining);
                goto done;
            }
            if (write_all(out, output.pos) != 0) {
                status = io_error("write stdout");
                goto done;
            }
            finished = last ? (remaining == 0) : (input.pos == input.size);
        } while (!finished);
        if (last)
            break;
    }
done:
    ZSTD_freeCCtx(cctx);
    free(out);
    free(in);
    return status;
}

static int decompress(void)
{
    size_t in_cap = ZSTD_DStreamInSize();
    size_t out_cap = ZSTD_DStreamOutSize();
    char *in = malloc(in_cap);
    char *out = malloc(out_cap);
    ZSTD_DCtx *dctx = ZSTD_createDCtx();
    if (in == NULL || out == NULL || dctx == NULL) {
        fputs("zpipe: out of memory\n", stderr);
        return 1;
    }
    int status = 0;
    size_t pending = 0; /* non-zero while a frame is incomplete */
    for (;;) {
        ssize_t n = read_full(in, in_cap);
        if (n < 0) {
            status = io_error("read stdin");
            break;
        }
        if (n == 0)
            break;
        ZSTD_inBuffer input = {in, (size_t)n, 0};
        while (input.pos < input.size) {
            ZSTD_outBuffer output = {out, out_cap, 0};
            pending = ZSTD_decompressStream(dctx, &output, &input);
            if (ZSTD_isError(pending)) {
                status = zstd_error("decompress", pending);
                goto done;
            }
            if (write_all(out, output.pos) != 0) {
                status = io_error("write stdout");
                goto done;
            }
        }
    }
    if (status == 0 && pending != 0) {
        fputs("zpipe: input ends inside a frame\n", stderr);
        status = 1;
    }
done:
    ZSTD_freeDCtx(dctx);
    free(out);
    free(in);
    return status;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return usage();
    if (strcmp(argv[1], "-d") == 0)
        return decompress();
    char *end;
    errno = 0;
    long level = strtol(argv[1], &end, 10);
    if (errno != 0 || *end != '\0' || end == argv[1] || level < ZSTD_minCLevel() || level > ZSTD_maxCLevel())
        return usage();
    return compress((int)level);
}
