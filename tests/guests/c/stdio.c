/*
 * stdio - probe the standard streams, arguments, environment, clocks and exit
 * status a sandbox gives a guest. One mode per run:
 *
 *   stdio echo          copy stdin to stdout in 4 KiB reads until EOF, then
 *                       print "EOF after <n> bytes" to stderr
 *   stdio lines         print each stdin line as "<n>: <line>" as soon as it
 *                       arrives (flushed per line, for streaming tests)
 *   stdio flood <bytes> write <bytes> bytes of 'a'..'z' repeated to stdout in
 *                       64 KiB writes (for back-pressure tests)
 *   stdio env           print the environment, one NAME=value per line, sorted
 *   stdio args          print argv one per line, argv[0] included
 *   stdio clock         print "realtime <s>.<ns>" and "monotonic <s>.<ns>",
 *                       busy-wait, then print both again
 *   stdio exit <n>      exit with status n (0..255)
 *   stdio sleep <ms>    sleep with nanosleep (a WASI poll_oneoff clock
 *                       subscription), then print "slept"
 *   stdio sleepclock <ms>  read the monotonic clock, nanosleep, read it
 *                       again, and print "slept <ms> ms: monotonic moved <ns> ns"
 *   stdio tty           print "isatty <0|1> <0|1> <0|1>" for fds 0, 1 and 2
 *
 * Bad usage exits 2; an I/O error exits 1 with a message on stderr.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int usage(void)
{
    fputs("usage: stdio echo | lines | flood <bytes> | env | args | clock\n"
          "       stdio exit <n> | sleep <ms>\n",
          stderr);
    return 2;
}

static int io_error(const char *what)
{
    fprintf(stderr, "stdio: %s: errno=%d (%s)\n", what, errno, strerror(errno));
    return 1;
}

/* Parses a whole decimal string into *out; rejects signs, blanks and overflow. */
static int parse_u64(const char *s, uint64_t *out)
{
    if (s[0] < '0' || s[0] > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* Writes all of buf with write(2), so chunk sizes reach the host unchanged. */
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

static int mode_echo(void)
{
    /* Raw read/write rather than stdio so each host read is exactly one
     * 4 KiB request. Static: the default wasm stack is only 64 KiB. */
    static char buf[4096];
    unsigned long long total = 0;
    for (;;) {
        ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return io_error("read stdin");
        }
        if (write_all(buf, (size_t)n) != 0)
            return io_error("write stdout");
        total += (unsigned long long)n;
    }
    fprintf(stderr, "EOF after %llu bytes\n", total);
    return 0;
}

static int mode_lines(void)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long long number = 0;
    while ((len = getline(&line, &cap, stdin)) >= 0) {
        /* A last line without a newline still gets one, so output is whole lines. */
        const char *nl = (len > 0 && line[len - 1] == '\n') ? "" : "\n";
        printf("%llu: %s%s", ++number, line, nl);
        if (fflush(stdout) != 0) {
            free(line);
            return io_error("write stdout");
        }
    }
    int failed = ferror(stdin);
    free(line);
    return failed ? io_error("read stdin") : 0;
}

static int mode_flood(const char *arg)
{
    enum { CHUNK = 65536, PERIOD = 26 };
    /* One chunk plus a period of slack: a chunk starting at pattern offset k
     * is pattern + k, so every write is a full 64 KiB without copying. */
    static char pattern[CHUNK + PERIOD];
    uint64_t remaining;
    if (parse_u64(arg, &remaining) != 0)
        return usage();
    for (size_t i = 0; i < sizeof pattern; i++)
        pattern[i] = (char)('a' + i % PERIOD);

    uint64_t offset = 0;
    while (remaining > 0) {
        size_t n = remaining < CHUNK ? (size_t)remaining : CHUNK;
        if (write_all(pattern + offset % PERIOD, n) != 0)
            return io_error("write stdout");
        offset += n;
        remaining -= n;
    }
    return 0;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int mode_env(void)
{
    size_t count = 0;
    while (environ != NULL && environ[count] != NULL)
        count++;
    char **sorted = malloc((count ? count : 1) * sizeof *sorted);
    if (sorted == NULL)
        return io_error("malloc");
    memcpy(sorted, environ, count * sizeof *sorted);
    qsort(sorted, count, sizeof *sorted, compare_strings);
    for (size_t i = 0; i < count; i++)
        puts(sorted[i]);
    free(sorted);
    return 0;
}

static int mode_args(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        puts(argv[i]);
    return 0;
}

static int print_clock(const char *name, clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return io_error(name);
    printf("%s %lld.%09ld\n", name, (long long)ts.tv_sec, (long)ts.tv_nsec);
    return 0;
}

static int mode_clock(void)
{
    if (print_clock("realtime", CLOCK_REALTIME) || print_clock("monotonic", CLOCK_MONOTONIC))
        return 1;
    /* A fixed amount of work rather than "until the clock moves": a host may
     * give a coarse or frozen clock, and this must still terminate. volatile
     * keeps the optimiser from deleting the loop. */
    volatile uint32_t sink = 0;
    for (uint32_t i = 0; i < 20000000u; i++)
        sink += i;
    (void)sink;
    if (print_clock("realtime", CLOCK_REALTIME) || print_clock("monotonic", CLOCK_MONOTONIC))
        return 1;
    return 0;
}

static int mode_exit(const char *arg)
{
    uint64_t code;
    if (parse_u64(arg, &code) != 0 || code > 255)
        return usage();
    fflush(stdout);
    exit((int)code);
}

static int mode_sleep(const char *arg)
{
    uint64_t ms;
    if (parse_u64(arg, &ms) != 0 || ms > UINT64_C(1000) * 86400 * 365)
        return usage();
    struct timespec req = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
    struct timespec rem;
    /* nanosleep may be cut short by a signal on a native build; finish the wait. */
    while (nanosleep(&req, &rem) != 0) {
        if (errno != EINTR)
            return io_error("nanosleep");
        req = rem;
    }
    puts("slept");
    return 0;
}

static int mode_sleepclock(const char *arg)
{
    uint64_t ms;
    if (parse_u64(arg, &ms) != 0 || ms > 86400000u)
        return usage();
    struct timespec before, after;
    struct timespec req = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
    if (clock_gettime(CLOCK_MONOTONIC, &before) != 0 || nanosleep(&req, NULL) != 0 ||
        clock_gettime(CLOCK_MONOTONIC, &after) != 0)
        return io_error("sleepclock");
    long long ns = (long long)(after.tv_sec - before.tv_sec) * 1000000000LL + (after.tv_nsec - before.tv_nsec);
    printf("slept %llu ms: monotonic moved %lld ns\n", (unsigned long long)ms, ns);
    return 0;
}

static int mode_tty(void)
{
    printf("isatty %d %d %d\n", isatty(0), isatty(1), isatty(2));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    const char *mode = argv[1];
    int rc;
    if (strcmp(mode, "echo") == 0 && argc == 2)
        rc = mode_echo();
    else if (strcmp(mode, "lines") == 0 && argc == 2)
        rc = mode_lines();
    else if (strcmp(mode, "flood") == 0 && argc == 3)
        rc = mode_flood(argv[2]);
    else if (strcmp(mode, "env") == 0 && argc == 2)
        rc = mode_env();
    else if (strcmp(mode, "args") == 0)
        rc = mode_args(argc, argv);
    else if (strcmp(mode, "clock") == 0 && argc == 2)
        rc = mode_clock();
    else if (strcmp(mode, "exit") == 0 && argc == 3)
        rc = mode_exit(argv[2]);
    else if (strcmp(mode, "sleep") == 0 && argc == 3)
        rc = mode_sleep(argv[2]);
    else if (strcmp(mode, "sleepclock") == 0 && argc == 3)
        rc = mode_sleepclock(argv[2]);
    else if (strcmp(mode, "tty") == 0 && argc == 2)
        rc = mode_tty();
    else
        return usage();
    if (fflush(stdout) != 0 && rc == 0)
        rc = io_error("write stdout");
    return rc;
}
