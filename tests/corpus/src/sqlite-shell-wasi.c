/*
 * The two POSIX calls SQLite's shell (shell.c) links against that wasi-libc does not define: system(), for the
 * .system/.shell/.edit commands, and chmod(), for the file-mode argument of the fileio extension's writefile().
 * WASI preview 1 has no processes and no file modes, so both fail with ENOSYS, which the shell reports as an error
 * of that command; nothing the corpus runs uses either.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

int system(const char *command)
{
    (void)command;
    errno = ENOSYS;
    return -1;
}

int chmod(const char *path, mode_t mode)
{
    (void)path;
    (void)mode;
    errno = ENOSYS;
    return -1;
}
