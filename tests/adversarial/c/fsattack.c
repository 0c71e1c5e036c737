/*
 * fsattack - a hostile guest for the file-system grant: it calls the WASI path
 * functions directly (no libc path resolution in between), so a test controls
 * exactly which fd, lookup flags and path text reach the host.
 *
 *   fsattack [--fd N] OP ARGS [+ OP ARGS]...
 *
 * Paths are relative to fd N (default 3, the first preopen); a path written
 * "@M/rest" is "rest" relative to fd M instead (for link and rename across
 * preopens). Ops:
 *   symlink TARGET LINK        path_symlink(TARGET, fd, LINK)
 *   link FOLLOW OLD NEW        path_link(fd, FOLLOW ? symlink_follow : 0, OLD, fd, NEW)
 *   rename OLD NEW             path_rename(fd, OLD, fd, NEW)
 *   read PATH                  path_open (following links) and print the contents
 *   write PATH TEXT            create or truncate PATH and write TEXT
 *   mkdir PATH | rmdir PATH | unlink PATH
 *   readlink PATH              print the link's target
 *   stat PATH FOLLOW           path_filestat_get: print type, size and times
 *   fstat PATH                 open, then fd_filestat_get: print type, size and times
 *   open PATH                  path_open for reading and close (no read: for special files)
 *   closed PATH                open PATH, close it, then read from and open through the closed fd
 *   readloop PATH N            open and read PATH N times; print how many reads saw "OUTSIDE"
 *
 * Each op prints "<op> errno=<n>" (0 on success) after what it read; the exit
 * code is the errno of the last op. The numbers are WASI's (EACCES=2, EBADF=8,
 * ENOENT=44, ENXIO=60, EPERM=63), since tests assert on them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

static __wasi_fd_t dirfd = 3;

#define RIGHTS_READ (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_FILESTAT_GET)
#define RIGHTS_WRITE (__WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_FILESTAT_GET)

/* The fd a path argument names ("@M/rest" -> M) and the path relative to it. */
static const char *at(const char *path, __wasi_fd_t *fd)
{
    *fd = dirfd;
    if (path[0] != '@')
        return path;
    char *end;
    *fd = (__wasi_fd_t)strtoul(path + 1, &end, 10);
    return *end == '/' ? end + 1 : end;
}

static int report(const char *op, int err)
{
    printf("%s errno=%d\n", op, err);
    return err;
}

static int open_read(const char *path, __wasi_lookupflags_t flags, __wasi_fd_t *fd)
{
    return __wasi_path_open(dirfd, flags, path, 0, RIGHTS_READ, 0, 0, fd);
}

/* Reads all of fd into buf (at most cap-1 bytes, NUL-terminated). */
static int read_all(__wasi_fd_t fd, char *buf, size_t cap, size_t *len)
{
    *len = 0;
    while (*len < cap - 1) {
        __wasi_iovec_t iov = { (uint8_t *)buf + *len, cap - 1 - *len };
        __wasi_size_t n;
        int err = __wasi_fd_read(fd, &iov, 1, &n);
        if (err != 0)
            return err;
        if (n == 0)
            break;
        *len += n;
    }
    buf[*len] = '\0';
    return 0;
}

static void print_stat(const __wasi_filestat_t *st)
{
    printf("type=%u size=%llu atim=%llu mtim=%llu ctim=%llu\n", st->filetype, (unsigned long long)st->size,
           (unsigned long long)st->atim, (unsigned long long)st->mtim, (unsigned long long)st->ctim);
}

static int op_read(const char *path)
{
    static char buf[65536];
    __wasi_fd_t fd;
    int err = open_read(path, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, &fd);
    if (err == 0) {
        size_t len;
        err = read_all(fd, buf, sizeof buf, &len);
        if (err == 0)
            fwrite(buf, 1, len, stdout), putchar('\n');
        (void)__wasi_fd_close(fd);
    }
    return report("read", err);
}

static int op_write(const char *path, const char *text)
{
    __wasi_fd_t fd;
    int err = __wasi_path_open(dirfd, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path,
                               __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, RIGHTS_WRITE, 0, 0, &fd);
    if (err == 0) {
        __wasi_ciovec_t iov = { (const uint8_t *)text, strlen(text) };
        __wasi_size_t n;
        err = __wasi_fd_write(fd, &iov, 1, &n);
        (void)__wasi_fd_close(fd);
    }
    return report("write", err);
}

static int op_readlink(const char *path)
{
    char buf[4096];
    __wasi_size_t n;
    int err = __wasi_path_readlink(dirfd, path, (uint8_t *)buf, sizeof buf - 1, &n);
    if (err == 0) {
        buf[n] = '\0';
        printf("%s\n", buf);
    }
    return report("readlink", err);
}

static int op_stat(const char *path, int follow)
{
    __wasi_filestat_t st;
    int err = __wasi_path_filestat_get(dirfd, follow ? __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW : 0, path, &st);
    if (err == 0)
        print_stat(&st);
    return report("stat", err);
}

static int op_fstat(const char *path)
{
    __wasi_fd_t fd;
    __wasi_filestat_t st;
    int err = open_read(path, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, &fd);
    if (err == 0) {
        err = __wasi_fd_filestat_get(fd, &st);
        if (err == 0)
            print_stat(&st);
        (void)__wasi_fd_close(fd);
    }
    return report("fstat", err);
}

static int op_open(const char *path)
{
    __wasi_fd_t fd;
    int err = open_read(path, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, &fd);
    if (err == 0)
        (void)__wasi_fd_close(fd);
    return report("open", err);
}

static int op_closed(const char *path)
{
    __wasi_fd_t fd, inner;
    int err = open_read(path, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, &fd);
    if (err != 0)
        return report("closed-open", err);
    if ((err = __wasi_fd_close(fd)) != 0)
        return report("closed-close", err);
    char byte;
    __wasi_iovec_t iov = { (uint8_t *)&byte, 1 };
    __wasi_size_t n;
    report("closed-read", __wasi_fd_read(fd, &iov, 1, &n));
    return report("closed-open-at", __wasi_path_open(fd, 0, "x", 0, RIGHTS_READ, 0, 0, &inner));
}

/* Opens and reads PATH n times. A read that sees "OUTSIDE" came from outside the grant: the count must stay 0. */
static int op_readloop(const char *path, long n)
{
    static char buf[4096];
    long inside = 0, outside = 0, failed = 0, other = 0;
    for (long i = 0; i < n; i++) {
        __wasi_fd_t fd;
        if (open_read(path, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, &fd) != 0) {
            failed++;
            continue;
        }
        size_t len;
        if (read_all(fd, buf, sizeof buf, &len) != 0)
            failed++;
        else if (strstr(buf, "OUTSIDE") != NULL)
            outside++;
        else if (strstr(buf, "INSIDE") != NULL)
            inside++;
        else
            other++;
        (void)__wasi_fd_close(fd);
    }
    printf("opens=%ld inside=%ld outside=%ld failed=%ld other=%ld\n", n, inside, outside, failed, other);
    return report("readloop", outside ? 1 : 0);
}

static int usage(void)
{
    fputs("usage: fsattack [--fd N] OP ARGS [+ OP ARGS]... (see the source for the ops)\n", stderr);
    return 120;
}

/* Runs the op at argv[0]; sets *used to the number of arguments it took. */
static int run_op(int argc, char **argv, int *used)
{
    const char *op = argv[0];
#define NEED(k)              \
    do {                     \
        if (argc < (k) + 1)  \
            return usage();  \
        *used = (k) + 1;     \
    } while (0)
    if (strcmp(op, "symlink") == 0) {
        NEED(2);
        return report("symlink", __wasi_path_symlink(argv[1], dirfd, argv[2]));
    }
    if (strcmp(op, "link") == 0) {
        NEED(3);
        __wasi_lookupflags_t flags = atoi(argv[1]) ? __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW : 0;
        __wasi_fd_t from, to;
        const char *old = at(argv[2], &from), *new = at(argv[3], &to);
        return report("link", __wasi_path_link(from, flags, old, to, new));
    }
    if (strcmp(op, "rename") == 0) {
        NEED(2);
        __wasi_fd_t from, to;
        const char *old = at(argv[1], &from), *new = at(argv[2], &to);
        return report("rename", __wasi_path_rename(from, old, to, new));
    }
    if (strcmp(op, "read") == 0) {
        NEED(1);
        return op_read(argv[1]);
    }
    if (strcmp(op, "write") == 0) {
        NEED(2);
        return op_write(argv[1], argv[2]);
    }
    if (strcmp(op, "mkdir") == 0) {
        NEED(1);
        return report("mkdir", __wasi_path_create_directory(dirfd, argv[1]));
    }
    if (strcmp(op, "rmdir") == 0) {
        NEED(1);
        return report("rmdir", __wasi_path_remove_directory(dirfd, argv[1]));
    }
    if (strcmp(op, "unlink") == 0) {
        NEED(1);
        return report("unlink", __wasi_path_unlink_file(dirfd, argv[1]));
    }
    if (strcmp(op, "readlink") == 0) {
        NEED(1);
        return op_readlink(argv[1]);
    }
    if (strcmp(op, "stat") == 0) {
        NEED(2);
        return op_stat(argv[1], atoi(argv[2]));
    }
    if (strcmp(op, "fstat") == 0) {
        NEED(1);
        return op_fstat(argv[1]);
    }
    if (strcmp(op, "open") == 0) {
        NEED(1);
        return op_open(argv[1]);
    }
    if (strcmp(op, "closed") == 0) {
        NEED(1);
        return op_closed(argv[1]);
    }
    if (strcmp(op, "readloop") == 0) {
        NEED(2);
        return op_readloop(argv[1], atol(argv[2]));
    }
#undef NEED
    return usage();
}

int main(int argc, char **argv)
{
    int i = 1;
    if (argc > 2 && strcmp(argv[1], "--fd") == 0) {
        dirfd = (__wasi_fd_t)atoi(argv[2]);
        i = 3;
    }
    if (i >= argc)
        return usage();
    int rc = 0;
    while (i < argc) {
        int used = 0;
        rc = run_op(argc - i, argv + i, &used);
        if (used == 0)
            return rc;
        i += used;
        if (i < argc) {
            if (strcmp(argv[i], "+") != 0)
                return usage();
            i++;
        }
    }
    fflush(stdout);
    return rc;
}
