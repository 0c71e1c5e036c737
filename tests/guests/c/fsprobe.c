/*
 * fsprobe - exercise the file system a sandbox grants, one operation per run.
 *
 *   fsprobe read <path>          print the file to stdout
 *   fsprobe write <path> <text>  create or truncate <path> and write <text>
 *                                (no newline added; parent directories are not
 *                                created)
 *   fsprobe mkdirs <path>        create <path> and any missing parents (mkdir -p)
 *   fsprobe ls <dir>             print the entry names of <dir>, sorted, one per
 *                                line ("." and ".." left out)
 *
 * On failure prints "fsprobe: <op> <path>: errno=<n> (<strerror>)" to stderr
 * and exits 1; bad usage exits 2. The errno number is printed raw because
 * tests assert on it: under wasi-libc the values are WASI's (EACCES=2,
 * ENOENT=44, ENOTCAPABLE=76, ...), not Linux's.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *op, const char *path)
{
    int err = errno;
    fprintf(stderr, "fsprobe: %s %s: errno=%d (%s)\n", op, path, err, strerror(err));
    return 1;
}

static int usage(void)
{
    fputs("usage: fsprobe read <path>\n"
          "       fsprobe write <path> <text>\n"
          "       fsprobe mkdirs <path>\n"
          "       fsprobe ls <dir>\n",
          stderr);
    return 2;
}

/* Writes all of buf, retrying short writes. Returns 0, or -1 with errno set. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
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

static int do_read(const char *path)
{
    static char buf[65536];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return fail("read", path);
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int rc = fail("read", path);
            close(fd);
            return rc;
        }
        if (write_all(STDOUT_FILENO, buf, (size_t)n) != 0) {
            int rc = fail("read", "<stdout>");
            close(fd);
            return rc;
        }
    }
    close(fd);
    return 0;
}

static int do_write(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return fail("write", path);
    if (write_all(fd, text, strlen(text)) != 0) {
        int rc = fail("write", path);
        close(fd);
        return rc;
    }
    /* close can report a deferred write error; do not lose it. */
    if (close(fd) != 0)
        return fail("write", path);
    return 0;
}

/* mkdir that treats an existing directory as success, like mkdir -p. A
 * non-directory in the way keeps mkdir's EEXIST. */
static int mkdir_one(const char *dir)
{
    if (mkdir(dir, 0755) == 0)
        return 0;
    int err = errno;
    struct stat st;
    if (err == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    errno = err;
    return -1;
}

static int do_mkdirs(const char *path)
{
    char *copy = strdup(path);
    if (copy == NULL)
        return fail("mkdirs", path);
    /* Walk the path, creating each prefix that ends just before a '/'. A
     * leading '/' is skipped: the root always exists (or is not ours). */
    for (char *p = copy + 1; *p != '\0'; p++) {
        if (*p != '/' || p[-1] == '/')
            continue;
        *p = '\0';
        int rc = mkdir_one(copy);
        *p = '/';
        if (rc != 0) {
            rc = fail("mkdirs", path);
            free(copy);
            return rc;
        }
    }
    int rc = mkdir_one(copy) == 0 ? 0 : fail("mkdirs", path);
    free(copy);
    return rc;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int do_ls(const char *path)
{
    DIR *dir = opendir(path);
    if (dir == NULL)
        return fail("ls", path);

    char **names = NULL;
    size_t count = 0, cap = 0;
    int rc = 0;
    struct dirent *ent;
    /* readdir returns NULL both at the end and on error; errno tells them apart. */
    for (errno = 0; (ent = readdir(dir)) != NULL; errno = 0) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            char **grown = realloc(names, ncap * sizeof *names);
            if (grown == NULL)
                break;
            names = grown;
            cap = ncap;
        }
        if ((names[count] = strdup(ent->d_name)) == NULL)
            break;
        count++;
    }
    if (errno != 0)
        rc = fail("ls", path);
    closedir(dir);

    if (rc == 0) {
        qsort(names, count, sizeof *names, compare_names);
        for (size_t i = 0; i < count; i++)
            puts(names[i]);
    }
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    const char *op = argv[1];
    const char *path = argv[2];
    int rc;
    if (strcmp(op, "read") == 0 && argc == 3)
        rc = do_read(path);
    else if (strcmp(op, "write") == 0 && argc == 4)
        rc = do_write(path, argv[3]);
    else if (strcmp(op, "mkdirs") == 0 && argc == 3)
        rc = do_mkdirs(path);
    else if (strcmp(op, "ls") == 0 && argc == 3)
        rc = do_ls(path);
    else
        return usage();
    if (fflush(stdout) != 0)
        return fail(op, "<stdout>");
    return rc;
}
