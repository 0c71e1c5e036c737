/*
 * drip - write output without a newline, one byte per write(2), the way a
 * progress meter or a hostile guest does, to attack a host that buffers or
 * re-scans pending text per chunk.
 *
 *   drip <count>   write <count> bytes of 'a'..'z' repeated to stdout, one
 *                  byte per write; 0 writes forever
 *
 * Bad usage exits 2; a write error exits 1.
 */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] < '0' || argv[1][0] > '9')
        return 2;
    char *end;
    unsigned long long count = strtoull(argv[1], &end, 10);
    if (*end != '\0')
        return 2;
    for (uint64_t i = 0; count == 0 || i < count; i++) {
        char c = (char)('a' + i % 26);
        if (write(STDOUT_FILENO, &c, 1) != 1)
            return 1;
    }
    return 0;
}
