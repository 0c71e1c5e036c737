/*
 * wordfreq - count word frequencies and print the most common words.
 *
 *   wordfreq [--top N] [FILE...]
 *
 * Reads FILEs (or standard input when none is given; "-" also means standard
 * input), counts words case-insensitively and prints the N most frequent ones
 * (default 10, 0 = all) as "count word" lines on stdout, most frequent first,
 * ties in byte order of the word. A summary line goes to stderr.
 *
 * Exit status: 0 success, 1 a file could not be opened or read, 2 bad usage.
 *
 * This is the WasmSandbox demo guest: built for wasm32-wasi, file arguments
 * are opened through the WASI preopens the host grants; a path outside them
 * fails with wasi-libc's ENOTCAPABLE ("Capabilities insufficient").
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TOP 10
#define INITIAL_CAPACITY 1024 /* slots; always a power of two */

struct entry {
    char *word;      /* NUL-terminated, lower-cased; NULL marks an empty slot */
    size_t len;
    uint32_t hash;
    uint64_t count;
};

/* Open-addressing hash table with linear probing. */
struct table {
    struct entry *slots;
    size_t capacity;
    size_t used;
};

static const char *progname = "wordfreq";

static void die_oom(void)
{
    fprintf(stderr, "%s: out of memory\n", progname);
    exit(1);
}

static void usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", progname);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nusage: %s [--top N] [FILE...]\n", progname);
    exit(2);
}

/* FNV-1a: simple, and good enough for short keys like words. */
static uint32_t hash_bytes(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

static void table_init(struct table *t)
{
    t->capacity = INITIAL_CAPACITY;
    t->used = 0;
    t->slots = calloc(t->capacity, sizeof *t->slots);
    if (t->slots == NULL)
        die_oom();
}

static void table_free(struct table *t)
{
    for (size_t i = 0; i < t->capacity; i++)
        free(t->slots[i].word);
    free(t->slots);
}

static struct entry *find_slot(struct entry *slots, size_t capacity,
                               const char *word, size_t len, uint32_t hash)
{
    size_t mask = capacity - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        struct entry *e = &slots[i];
        if (e->word == NULL)
            return e;
        if (e->hash == hash && e->len == len && memcmp(e->word, word, len) == 0)
            return e;
    }
}

static void table_grow(struct table *t)
{
    if (t->capacity > SIZE_MAX / 2 / sizeof *t->slots)
        die_oom();
    size_t capacity = t->capacity * 2;
    struct entry *slots = calloc(capacity, sizeof *slots);
    if (slots == NULL)
        die_oom();
    for (size_t i = 0; i < t->capacity; i++) {
        struct entry *old = &t->slots[i];
        if (old->word != NULL)
            *find_slot(slots, capacity, old->word, old->len, old->hash) = *old;
    }
    free(t->slots);
    t->slots = slots;
    t->capacity = capacity;
}

static void table_add(struct table *t, const char *word, size_t len)
{
    uint32_t hash = hash_bytes(word, len);
    struct entry *e = find_slot(t->slots, t->capacity, word, len, hash);
    if (e->word != NULL) {
        e->count++;
        return;
    }
    /* Keep the load factor at or below 3/4 so probe chains stay short. */
    if ((t->used + 1) * 4 > t->capacity * 3) {
        table_grow(t);
        e = find_slot(t->slots, t->capacity, word, len, hash);
    }
    e->word = malloc(len + 1);
    if (e->word == NULL)
        die_oom();
    memcpy(e->word, word, len);
    e->word[len] = '\0';
    e->len = len;
    e->hash = hash;
    e->count = 1;
    t->used++;
}

/*
 * Word scanner. A word is a run of ASCII letters and digits; bytes >= 0x80
 * also count as word bytes so UTF-8 words stay whole (only ASCII is case
 * folded). An apostrophe between two word bytes is kept ("don't"), any other
 * apostrophe separates words. State survives across buffer boundaries, so
 * input is streamed rather than loaded whole.
 */
struct scanner {
    char *buf;
    size_t len;
    size_t cap;
    int pending_apostrophe;
    uint64_t words;
};

static int is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c >= 0x80;
}

static void scanner_push(struct scanner *s, char c)
{
    if (s->len == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        char *buf = realloc(s->buf, cap);
        if (buf == NULL)
            die_oom();
        s->buf = buf;
        s->cap = cap;
    }
    s->buf[s->len++] = c;
}

static void scanner_end_word(struct scanner *s, struct table *t)
{
    if (s->len > 0) {
        table_add(t, s->buf, s->len);
        s->words++;
        s->len = 0;
    }
    s->pending_apostrophe = 0;
}

static void scanner_feed(struct scanner *s, struct table *t,
                         const unsigned char *data, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = data[i];
        if (is_word_byte(c)) {
            if (s->pending_apostrophe) {
                scanner_push(s, '\'');
                s->pending_apostrophe = 0;
            }
            if (c >= 'A' && c <= 'Z')
                c = (unsigned char)(c - 'A' + 'a');
            scanner_push(s, (char)c);
        } else if (c == '\'' && s->len > 0 && !s->pending_apostrophe) {
            s->pending_apostrophe = 1;
        } else {
            scanner_end_word(s, t);
        }
    }
}

/* Returns 0 on success, -1 (errno set) on a read error. */
static int count_stream(FILE *f, struct scanner *s, struct table *t)
{
    static unsigned char chunk[16384];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        scanner_feed(s, t, chunk, n);
    scanner_end_word(s, t); /* a word never spans two files */
    return ferror(f) ? -1 : 0;
}

static int count_file(const char *path, struct scanner *s, struct table *t)
{
    if (strcmp(path, "-") == 0) {
        if (count_stream(stdin, s, t) != 0) {
            fprintf(stderr, "%s: standard input: %s\n", progname, strerror(errno));
            return -1;
        }
        return 0;
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "%s: %s: %s\n", progname, path, strerror(errno));
        return -1;
    }
    int rc = count_stream(f, s, t);
    if (rc != 0)
        fprintf(stderr, "%s: %s: %s\n", progname, path, strerror(errno));
    fclose(f);
    return rc;
}

/* Most frequent first; equal counts in byte order so output is deterministic. */
static int compare_entries(const void *a, const void *b)
{
    const struct entry *x = a;
    const struct entry *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->word, y->word);
}

static size_t parse_top(const char *arg)
{
    char *end;
    errno = 0;
    /* strtoul accepts a sign and leading blanks; insist on plain digits. */
    if (arg[0] < '0' || arg[0] > '9')
        usage_error("--top needs a non-negative number, got '%s'", arg);
    unsigned long n = strtoul(arg, &end, 10);
    if (errno != 0 || *end != '\0')
        usage_error("--top needs a non-negative number, got '%s'", arg);
    return (size_t)n;
}

int main(int argc, char **argv)
{
    size_t top = DEFAULT_TOP;
    int nfiles = 0;
    int only_files = 0;

    /* File operands are compacted in place into argv[1..nfiles]; options may
     * appear anywhere, and "--" ends them. */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_files && strcmp(a, "--") == 0) {
            only_files = 1;
        } else if (!only_files && strcmp(a, "--top") == 0) {
            if (i + 1 >= argc)
                usage_error("%s needs a value", a);
            top = parse_top(argv[++i]);
        } else if (!only_files && strncmp(a, "--top=", 6) == 0) {
            top = parse_top(a + 6);
        } else if (!only_files && a[0] == '-' && a[1] != '\0') {
            usage_error("unknown option '%s'", a);
        } else {
            argv[1 + nfiles++] = argv[i];
        }
    }

    struct table t;
    struct scanner s = {0};
    table_init(&t);

    int failed = 0;
    if (nfiles == 0) {
        failed |= count_file("-", &s, &t) != 0;
    } else {
        for (int i = 1; i <= nfiles; i++)
            failed |= count_file(argv[i], &s, &t) != 0;
    }
    free(s.buf);
    if (failed) {
        table_free(&t);
        return 1;
    }

    /* Compact the table into a dense array and sort it. */
    struct entry *all = t.slots;
    size_t n = 0;
    for (size_t i = 0; i < t.capacity; i++)
        if (t.slots[i].word != NULL)
            all[n++] = t.slots[i];
    qsort(all, n, sizeof *all, compare_entries);

    size_t shown = (top == 0 || top > n) ? n : top;
    for (size_t i = 0; i < shown; i++) {
        printf("%llu %s\n", (unsigned long long)all[i].count, all[i].word);
        /* Flush per line so a host that streams output sees each line as it is made. */
        fflush(stdout);
    }

    fprintf(stderr, "%s: %llu words, %zu distinct\n", progname,
            (unsigned long long)s.words, n);

    /* The table's slots were reused for the sorted array; free through that. */
    for (size_t i = 0; i < n; i++)
        free(all[i].word);
    free(all);

    if (ferror(stdout)) {
        fprintf(stderr, "%s: write error: %s\n", progname, strerror(errno));
        return 1;
    }
    return 0;
}
