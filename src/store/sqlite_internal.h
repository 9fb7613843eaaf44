/*
 * sqlite_internal.h - what the SQLite backend's files share: the connection
 * struct, error mapping, binding and column helpers, per-op savepoints, and
 * a statement cache for SQL that lives outside sqlite.c.
 *
 * Only src/store/sqlite*.c include this. The rules of sqlite.c hold for
 * every file: each statement is reset (stmt_reset/stmt_finish) before the
 * op returns, ops that write several rows run between op_begin and op_end,
 * and the schema changes only through sqlite.c's numbered migrations.
 */
#ifndef FDL_SQLITE_INTERNAL_H
#define FDL_SQLITE_INTERNAL_H

#include "store/store.h"

#include <sqlite3.h>

#define SQLITE_MAX_CORE_STMTS    128 /* sqlite.c's own statements (enum stmt_id) */
#define SQLITE_MAX_FEATURE_STMTS 256 /* statements of the other files */

struct sqlite_store {
    struct fdl_store_base base; /* first: the wrappers cast to it */
    sqlite3 *db;
    sqlite3_stmt *stmts[SQLITE_MAX_CORE_STMTS]; /* each prepared on first use */
    sqlite3_stmt *feature_stmts[SQLITE_MAX_FEATURE_STMTS];
};

/* The connection behind st (asserts it is an open SQLite store). */
struct sqlite_store *sqlite_of(struct fdl_store *st);

/*
 * A statement of a file other than sqlite.c: declare one per SQL text as
 *   static struct sqlite_sql q_find = {"SELECT ...", 0};
 * and get it prepared with sqlite_prepared(). The slot is handed out on
 * first use (process-wide, thread-safe); every connection prepares its own
 * copy once (SQLITE_PREPARE_PERSISTENT).
 */
struct sqlite_sql {
    const char *text;
    int slot; /* 0: not yet assigned; else slot + 1 */
};

/* The prepared statement for sql on s (reset, no bindings). */
int sqlite_prepared(struct sqlite_store *s, struct sqlite_sql *sql, sqlite3_stmt **out,
                    struct fdl_error *err);

/* Ops of sqlite_segments.c. */
int sqlite_member_segments_get(struct fdl_store *st, int64_t program_id,
                               int64_t member_id, char (*out)[FDL_SEGMENT_MAX + 1],
                               int max, int *count, struct fdl_error *err);
int sqlite_member_segments_set(struct fdl_store *st, int64_t program_id,
                               int64_t member_id, const char *const *segments, int n,
                               struct fdl_error *err);

/* A unique key whose clash is the caller's error, not the store's. */
struct unique_key {
    const char *column; /* as in SQLite's "UNIQUE constraint failed: t.c" */
    const char *field;  /* what err->field says */
};

/* SQLite result rc as an FDL_E* code: BUSY/LOCKED → FDL_EBUSY, a clash on
 * one of keys (NULL-terminated, or NULL) → FDL_EDUPLICATE naming its field,
 * anything else FDL_ESTORE with SQLite's message. */
int db_error(struct sqlite_store *s, int rc, const struct unique_key *keys,
             struct fdl_error *err);

/* For a step that returned no row: FDL_ENOT_FOUND if it simply ended. */
int no_row(struct sqlite_store *s, int rc, struct fdl_error *err);

/* Ends a use of q: resets it and clears its bindings. */
void stmt_reset(sqlite3_stmt *q);

/* Ends reading one row: rc is what sqlite3_step(q) returned (the caller
 * read the row if it was SQLITE_ROW). Resets q; 0 for a row, FDL_ENOT_FOUND
 * when there was none, or the mapped error. */
int sqlite_row_end(struct sqlite_store *s, sqlite3_stmt *q, int rc,
                   struct fdl_error *err);

/* Ends reading rows: rc is the last sqlite3_step(q) result after n rows
 * were read. Resets q; on success sets *count to n and returns 0. */
int sqlite_rows_end(struct sqlite_store *s, sqlite3_stmt *q, int rc, int n, int *count,
                    struct fdl_error *err);

/* A bind on q failed: maps SQLite's recorded error and resets q. */
int bind_failed(struct sqlite_store *s, sqlite3_stmt *q, struct fdl_error *err);

/* Runs bound q to its end (a write), maps a failure (keys as db_error), resets q. */
int stmt_finish(struct sqlite_store *s, sqlite3_stmt *q, const struct unique_key *keys,
                struct fdl_error *err);

int bind_int(sqlite3_stmt *q, int i, int64_t value);
/* 0 is bound as NULL ("none"). */
int bind_optional(sqlite3_stmt *q, int i, int64_t value);
/* text is not copied: it must outlive the statement's use; NULL binds NULL. */
int bind_text(sqlite3_stmt *q, int i, const char *text);
int64_t column_int(sqlite3_stmt *q, int i);
/* Copies a text column into buf (truncating); NULL reads as "". */
void column_text(sqlite3_stmt *q, int i, char *buf, size_t cap);
/* Copies a blob column of exactly cap bytes; -1 if it has another size. */
int column_blob(sqlite3_stmt *q, int i, unsigned char *buf, size_t cap);

/* An op that writes several rows: op_begin, work, then op_end(rc), which
 * keeps the op's writes if rc is 0 and undoes them otherwise. */
int op_begin(struct sqlite_store *s, struct fdl_error *err);
int op_end(struct sqlite_store *s, int rc, struct fdl_error *err);

/* -- migrate -- */
/* Ops of sqlite_migrate.c (store.h's contracts). */
int sqlite_table_names(struct fdl_store *st, char (*out)[FDL_TABLE_NAME_MAX + 1], int max,
                       int *count, struct fdl_error *err);
int sqlite_rows_read(struct fdl_store *st, const char *table, int64_t program_id,
                     fdl_rows_fn fn, void *ctx, struct fdl_error *err);
int sqlite_rows_insert(struct fdl_store *st, const struct fdl_rows *rows,
                       struct fdl_error *err);
int sqlite_copy_begin(struct fdl_store *st, struct fdl_error *err);
int sqlite_table_ids_sync(struct fdl_store *st, const char *table, struct fdl_error *err);

#endif
