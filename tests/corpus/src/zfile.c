/*
 * zfile - zstd compression from one file to another, the file-to-file half of the corpus's compressor case (the
 * other half is bench/guests/zpipe.c, stdin to stdout). Built against the zstd library sources that
 * tools/Build-BenchGuests.ps1 fetches and compiles.
 *
 *   zfile -c <level> <input> <output>    compress <input> into <output> as one zstd frame
 *   zfile -d <input> <output>            decompress <input> into <output>
 *
 * Streams through stdio FILE*s in ZSTD_CStreamInSize()/ZSTD_DStreamInSize() chunks. Prints one line to stdout on
 * success: "<input> (<n> bytes) -> <output> (<m> bytes)". Bad usage exits 2; an I/O or zstd error exits 1 with a
 * message on stderr.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

static int usage(void)
{
    fprintf(stderr, "usage: zfile -c <level> <input> <output> | zfile -d <input> <output>\n");
    return 2;
}

static int io_error(const char *what, const char *path)
{
    fprintf(stderr, "zfile: %s %s: %s\n", what, path, strerror(errno));
    return 1;
}

static int zstd_error(const char *what, size_t code)
{
    fprintf(stderr, "zfile: %s: %s\n", what, ZSTD_getErrorName(code));
    return 1;
}

/* Compresses (level >= 0 given) or decompresses in to out; counts the bytes read and written. */
static int transform(FILE *in, FILE *out, int compress, int level, const char *in_path, const char *out_path,
                     unsigned long long *read_bytes, unsigned long long *written_bytes)
{
    size_t in_size = compress ? ZSTD_CStreamInSize() : ZSTD_DStreamInSize();
    size_t out_size = compress ? ZSTD_CStreamOutSize() : ZSTD_DStreamOutSize();
    char *in_buf = malloc(in_size);
    char *out_buf = malloc(out_size);
    ZSTD_CCtx *cctx = compress ? ZSTD_createCCtx() : NULL;
    ZSTD_DCtx *dctx = compress ? NULL : ZSTD_createDCtx();
    int status = 0;
    if (!in_buf || !out_buf || (compress ? !cctx : !dctx)) {
        fprintf(stderr, "zfile: out of memory\n");
        status = 1;
        goto done;
    }
    if (compress) {
        size_t rc = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
        if (ZSTD_isError(rc)) { status = zstd_error("level", rc); goto done; }
    }
    size_t last = 0;
    for (;;) {
        size_t got = fread(in_buf, 1, in_size, in);
        if (ferror(in)) { status = io_error("reading", in_path); goto done; }
        *read_bytes += got;
        int finished = got < in_size;
        ZSTD_inBuffer input = { in_buf, got, 0 };
        int more = 1;
        while (more) {
            ZSTD_outBuffer output = { out_buf, out_size, 0 };
            if (compress) {
                size_t left = ZSTD_compressStream2(cctx, &output, &input, finished ? ZSTD_e_end : ZSTD_e_continue);
                if (ZSTD_isError(left)) { status = zstd_error("compressing", left); goto done; }
                more = finished ? left != 0 : input.pos < input.size;
            } else {
                last = ZSTD_decompressStream(dctx, &output, &input);
                if (ZSTD_isError(last)) { status = zstd_error("decompressing", last); goto done; }
                more = input.pos < input.size || output.pos == output.size;
            }
            if (fwrite(out_buf, 1, output.pos, out) != output.pos) { status = io_error("writing", out_path); goto done; }
            *written_bytes += output.pos;
        }
        if (finished) break;
    }
    if (!compress && last != 0) {
        fprintf(stderr, "zfile: %s ends inside a zstd frame\n", in_path);
        status = 1;
    }
done:
    ZSTD_freeCCtx(cctx);
    ZSTD_freeDCtx(dctx);
    free(in_buf);
    free(out_buf);
    return status;
}

int main(int argc, char **argv)
{
    int compress;
    int level = 0;
    const char *in_path;
    const char *out_path;
    if (argc == 5 && strcmp(argv[1], "-c") == 0) {
        char *end;
        long value = strtol(argv[2], &end, 10);
        if (*argv[2] == '\0' || *end != '\0' || value < ZSTD_minCLevel() || value > ZSTD_maxCLevel()) return usage();
        compress = 1;
        level = (int)value;
        in_path = argv[3];
        out_path = argv[4];
    } else if (argc == 4 && strcmp(argv[1], "-d") == 0) {
        compress = 0;
        in_path = argv[2];
        out_path = argv[3];
    } else {
        return usage();
    }
    FILE *in = fopen(in_path, "rb");
    if (!in) return io_error("opening", in_path);
    FILE *out = fopen(out_path, "wb");
    if (!out) { fclose(in); return io_error("creating", out_path); }
    unsigned long long read_bytes = 0, written_bytes = 0;
    int status = transform(in, out, compress, level, in_path, out_path, &read_bytes, &written_bytes);
    fclose(in);
    if (fclose(out) != 0 && status == 0) status = io_error("closing", out_path);
    if (status == 0) printf("%s (%llu bytes) -> %s (%llu bytes)\n", in_path, read_bytes, out_path, written_bytes);
    return status;
}
