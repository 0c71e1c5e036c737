/*
 * sqlbench - SQL workloads on SQLite (the amalgamation, linked in; see
 * tools/Build-BenchGuests.ps1), for the benchmarks.
 *
 *   sqlbench [mix | recursive] <scale>
 *
 * Works in an in-memory database with in-memory temporary storage, so no
 * peer touches a file.
 *
 * "mix" (the default) runs several kinds of statement, so no single code path
 * of SQLite decides the result:
 *
 *   1. table generation with recursive CTEs (inserts, B-tree growth)
 *   2. an index build and an indexed join with grouping and sorting
 *   3. a window function over a sort
 *   4. a purely computational recursive CTE (Collatz chain lengths)
 *   5. text work: printf, LIKE and a string-keyed GROUP BY
 *
 * "recursive" runs one statement: a single recursive CTE that walks the
 * Collatz chains of 1..N one step per row, aggregated into one result row.
 * The whole run is one call of SQLite's bytecode interpreter, the shape of a
 * long analytical query, where a JIT that only tiers a function up between
 * calls (V8 for WebAssembly) keeps running that loop on its baseline code.
 *
 * All data comes from integer formulas, never random(), so every peer prints
 * the same lines; the run time grows about linearly with <scale> (mix: 1 takes
 * a few milliseconds, 50 about 0.6 s natively on a 2020s x86-64 core;
 * recursive: 50 walks 25,000 chains, 2.4 million rows, also about 0.6 s).
 *
 * Bad usage exits 2; an SQLite error exits 1 with its message on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite3.h"

/* Collatz starts walked per unit of scale by "recursive". */
#define RECURSIVE_STARTS_PER_SCALE 500

static int usage(void)
{
    fputs("usage: sqlbench [mix | recursive] <scale 1..100000>\n", stderr);
    return 2;
}

static int fail(sqlite3 *db, const char *sql)
{
    fprintf(stderr, "sqlbench: %s\n  in: %s\n", sqlite3_errmsg(db), sql);
    return 1;
}

/* Runs sql, binding ?1 to n when it has a parameter, and prints each result row
 * as "<label>: col|col|...". */
static int run(sqlite3 *db, const char *label, const char *sql, sqlite3_int64 n)
{
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        return fail(db, sql);
    if (sqlite3_bind_parameter_count(stmt) > 0 && sqlite3_bind_int64(stmt, 1, n) != SQLITE_OK) {
        sqlite3_finalize(stmt);
        return fail(db, sql);
    }
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        printf("%s:", label);
        int columns = sqlite3_column_count(stmt);
        for (int i = 0; i < columns; i++) {
            const unsigned char *text = sqlite3_column_text(stmt, i);
            printf("%s%s", i ? "|" : " ", text ? (const char *)text : "NULL");
        }
        putchar('\n');
    }
    if (rc != SQLITE_DONE) {
        sqlite3_finalize(stmt);
        return fail(db, sql);
    }
    sqlite3_finalize(stmt);
    return 0;
}

static int run_mix(sqlite3 *db, long scale)
{
    const sqlite3_int64 customers = 500 * (sqlite3_int64)scale;
    const sqlite3_int64 orders = 2000 * (sqlite3_int64)scale;
    const sqlite3_int64 collatz = 150 * (sqlite3_int64)scale;

    const struct {
        const char *label;
        const char *sql;
        sqlite3_int64 n; /* bound to ?1 when the statement has it */
    } steps[] = {
        {"schema", "CREATE TABLE customer(id INTEGER PRIMARY KEY, region INTEGER, name TEXT)", 0},
        {"schema", "CREATE TABLE orders(id INTEGER PRIMARY KEY, customer INTEGER, amount INTEGER, day INTEGER)", 0},
        {"customers",
         "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ?1) "
         "INSERT INTO customer SELECT i, (i * 7919) % 23, printf('cust-%06d-%s', i, substr('abcdefghij', i % 10 + 1, 3)) FROM c",
         customers},
        {"orders",
         "WITH RECURSIVE o(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM o WHERE i < ?1) "
         "INSERT INTO orders SELECT i, (i * 2654435761) % (SELECT count(*) FROM customer) + 1, "
         "(i * 40503) % 10007, (i * 131) % 365 FROM o",
         orders},
        {"index", "CREATE INDEX orders_by_customer ON orders(customer, day)", 0},
        {"join",
         "SELECT c.region, count(*), sum(o.amount), min(o.day), max(o.day) "
         "FROM orders o JOIN customer c ON c.id = o.customer "
         "GROUP BY c.region ORDER BY sum(o.amount) DESC LIMIT 5",
         0},
        {"window",
         "SELECT customer, day, running FROM ("
         "  SELECT customer, day, amount, id,"
         "         sum(amount) OVER (PARTITION BY customer ORDER BY day, id) AS running,"
         "         row_number() OVER (ORDER BY amount DESC, id) AS rank FROM orders"
         ") WHERE rank <= 3 ORDER BY rank",
         0},
        {"collatz",
         "WITH RECURSIVE walk(n) AS ("
         "  SELECT 1 UNION ALL SELECT n + 1 FROM walk WHERE n < ?1"
         "), chain(start, n, steps) AS ("
         "  SELECT n, n, 0 FROM walk"
         "  UNION ALL SELECT start, CASE WHEN n % 2 = 0 THEN n / 2 ELSE 3 * n + 1 END, steps + 1"
         "  FROM chain WHERE n > 1"
         ") SELECT count(*), max(steps), sum(steps) FROM chain WHERE n = 1",
         collatz},
        {"text",
         "SELECT substr(c.name, 13, 3) AS tag, count(*), sum(length(printf('%s:%d:%d', c.name, o.amount, o.day))) "
         "FROM orders o JOIN customer c ON c.id = o.customer "
         "WHERE c.name LIKE '%-b%' OR c.name LIKE '%def' GROUP BY tag ORDER BY tag",
         0},
    };

    int status = 0;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0] && status == 0; i++)
        status = run(db, steps[i].label, steps[i].sql, steps[i].n);
    return status;
}

static int run_recursive(sqlite3 *db, long scale)
{
    /* One row in flight: each row is the next step of the current chain, or the first of the next start once the
     * chain reached 1, so the queue never grows and the time is all in the interpreter loop. */
    return run(db, "recursive",
        "WITH RECURSIVE walk(start, n, steps) AS ("
        "  SELECT 1, 1, 0"
        "  UNION ALL SELECT"
        "    CASE WHEN n = 1 THEN start + 1 ELSE start END,"
        "    CASE WHEN n = 1 THEN start + 1 WHEN n % 2 = 0 THEN n / 2 ELSE 3 * n + 1 END,"
        "    CASE WHEN n = 1 THEN 0 ELSE steps + 1 END"
        "  FROM walk WHERE n > 1 OR start < ?1"
        ") SELECT count(*), sum(n = 1), max(steps), sum(steps), sum(n % 1000) FROM walk",
        RECURSIVE_STARTS_PER_SCALE * (sqlite3_int64)scale);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3)
        return usage();
    int recursive = 0;
    if (argc == 3) {
        if (strcmp(argv[1], "recursive") == 0)
            recursive = 1;
        else if (strcmp(argv[1], "mix") != 0)
            return usage();
    }
    const char *text = argv[argc - 1];
    char *end;
    errno = 0;
    long scale = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || end == text || scale < 1 || scale > 100000)
        return usage();

    sqlite3 *db;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
        fprintf(stderr, "sqlbench: cannot open an in-memory database\n");
        return 1;
    }
    /* Sorts and indexes that outgrow the page cache would otherwise spill to temporary files. */
    int status = run(db, "pragma", "PRAGMA temp_store = MEMORY", 0);
    if (status == 0)
        status = recursive ? run_recursive(db, scale) : run_mix(db, scale);
    sqlite3_close(db);
    return status;
}
