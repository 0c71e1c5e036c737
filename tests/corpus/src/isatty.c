/*
 * isatty - what a C program sees of its stdio: for fds 0, 1 and 2, wasi-libc's isatty() and the WASI file type
 * fd_fdstat_get reports.
 *
 *   isatty 0 0 0
 *   fd 0: filetype 6
 *   ...
 *
 * The first line is what programs decide on (prompts, colours, "refusing to write to a terminal"): it must read
 * "isatty 0 0 0" whenever the host captures the streams, as Node and wasmtime report for pipes and files. The
 * file-type lines differ between correct hosts (a pipe is SOCKET_STREAM (6) under Node and UNKNOWN (0) under
 * wasmtime) and are printed for the record; only CHARACTER_DEVICE (2), a terminal, would be wrong when captured.
 * A failing fd_fdstat_get prints "error <errno>" and makes the exit code 1.
 */
#include <stdio.h>
#include <unistd.h>
#include <wasi/api.h>

int main(void)
{
    int status = 0;
    printf("isatty %d %d %d\n", isatty(0), isatty(1), isatty(2));
    for (int fd = 0; fd <= 2; fd++) {
        __wasi_fdstat_t stat;
        __wasi_errno_t error = __wasi_fd_fdstat_get((__wasi_fd_t)fd, &stat);
        if (error != 0) {
            printf("fd %d: error %d\n", fd, error);
            status = 1;
        } else {
            printf("fd %d: filetype %d\n", fd, stat.fs_filetype);
        }
    }
    return status;
}
