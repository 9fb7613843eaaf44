/*
 * pg_internal.h - what the PostgreSQL backend's files share: the connection
 * struct, parameter building, running prepared statements, error mapping,
 * column readers and per-op savepoints. The counterpart of sqlite_internal.h.
 *
 * Only src/store/pg*.c include this. The rules of pg.c hold for every file:
 * each statement is prepared once per connection (pg_run / pg_run_sql),
 * every PGresult is PQclear'ed before the op returns, ops that write several
 * rows run between pg_op_begin and pg_op_end, and the schema changes only
 * through pg.c's numbered migrations.
 */
#ifndef FDL_PG_INTERNAL_H
#define FDL_PG_INTERNAL_H

#include "store/store.h"

#include <libpq-fe.h>

#define PG_MAX_CORE_STMTS    128 /* pg.c's own statements (enum stmt_id) */
#define PG_MAX_FEATURE_STMTS 256 /* statements of the other files (struct pg_sql) */
#define PG_MAX_PARAMS        24  /* parameters of one statement */
#define PG_INT_TEXT          24  /* bytes of an int64 in decimal, with sign and NUL */

struct pg_store {
    struct fdl_store_base base; /* first: the wrappers cast to it */
    PGconn *conn;
    int write;        /* 1 while a write transaction (begin(st, 1)) is open */
    int txn_open;     /* 1 from begin to commit or rollback */
    int op_depth;     /* > 0 inside pg_op_begin .. pg_op_end */
    unsigned op_owns; /* bit d: the op at depth d opened the transaction */
    unsigned char prepared[PG_MAX_CORE_STMTS]; /* 1 once prepared on conn */
    unsigned char feature_prepared[PG_MAX_FEATURE_STMTS];
};

/* The connection behind st (asserts it is an open PostgreSQL store). */
struct pg_store *pg_of(struct fdl_store *st);

/*
 * The parameters of one execution, sent as text (integers in decimal) or,
 * for byte strings, in binary. Strings are not copied: they must outlive
 * the pg_run call. Adding more than PG_MAX_PARAMS is a programming error.
 */
struct pg_params {
    int n;
    const char *values[PG_MAX_PARAMS];
    int lengths[PG_MAX_PARAMS];
    int formats[PG_MAX_PARAMS];
    char ints[PG_MAX_PARAMS][PG_INT_TEXT];
};
void pg_int(struct pg_params *p, int64_t value);
/* 0 is sent as NULL ("none"), as sqlite.c's bind_optional. */
void pg_optional(struct pg_params *p, int64_t value);
/* NULL sends NULL. */
void pg_text(struct pg_params *p, const char *text);
/* len bytes of text (not NUL-terminated), sent in binary format. */
void pg_text_n(struct pg_params *p, const char *text, size_t len);
void pg_bytes(struct pg_params *p, const void *bytes, size_t len);
/* A LIMIT: negative means "no limit" (as in SQLite) and is sent as NULL. */
void pg_limit(struct pg_params *p, int64_t value);

/* A unique constraint whose clash is the caller's error, not the store's. */
struct pg_unique_key {
    const char *constraint; /* PostgreSQL's constraint (or unique index) name */
    const char *field;      /* what err->field says */
};

/*
 * A statement of a file other than pg.c: declare one per SQL text as
 *   static struct pg_sql q_find = {"SELECT ... $1 ...", 0};
 * and run it with pg_run_sql(). The slot is handed out on first use
 * (process-wide, thread-safe); each connection prepares it once.
 */
struct pg_sql {
    const char *text;
    int slot; /* 0: not yet assigned; else slot + 1 */
};

/*
 * Runs sql with params p (NULL: none). On success *out (if out is not NULL)
 * holds the result, which the caller PQclear's; on failure nothing needs
 * freeing and the error is mapped as pg_error does with keys. A statement
 * with keys, run inside a transaction but outside an op, runs under its own
 * savepoint, so that an expected clash leaves the transaction usable (as a
 * failed statement does in SQLite).
 */
int pg_run_sql(struct pg_store *s, struct pg_sql *sql, const struct pg_params *p,
               const struct pg_unique_key *keys, PGresult **out, struct fdl_error *err);

/*
 * res's error (or, for NULL, the connection's) as an FDL_E* code: SQLSTATE
 * 40001 (serialization failure), 40P01 (deadlock), 55P03 (lock timeout),
 * 57014 (statement timeout), a lost connection (class 08, 57P01..57P03, or
 * the connection is gone: the next statement reconnects) → FDL_EBUSY; 23505 on one of
 * keys (NULL-ended, or NULL) → FDL_EDUPLICATE naming its field; else FDL_ESTORE with the
 * server's message.
 */
int pg_error(struct pg_store *s, const PGresult *res, const struct pg_unique_key *keys,
             struct fdl_error *err);

/* Column readers; NULL reads as 0 or "". */
int64_t pg_column_int(const PGresult *res, int row, int col);
void pg_column_text(const PGresult *res, int row, int col, char *buf, size_t cap);
/* Copies a bytea column of exactly cap bytes; -1 if it has another size. */
int pg_column_bytes(const PGresult *res, int row, int col, unsigned char *buf,
                    size_t cap);
/* The number of rows an INSERT/UPDATE/DELETE touched. */
int64_t pg_changes(const PGresult *res);

/*
 * The features' DDL, each a migration in pg.c's migrations[] (in sqlite.c's
 * order) and defined in the feature's pg_<feature>.c.
 */
extern const char pg_schema_stored_value[];

/* An op that writes several rows: pg_op_begin, work, then pg_op_end(rc),
 * which keeps the op's writes if rc is 0 and undoes them otherwise. */
int pg_op_begin(struct pg_store *s, struct fdl_error *err);
int pg_op_end(struct pg_store *s, int rc, struct fdl_error *err);

/* -- punch cards -- */
/* Migration schema_stamps (pg_stamps.c). */
extern const char pg_schema_stamps[];
/* -- rewards -- */
/* Migration schema_rewards (pg_rewards.c). */
extern const char pg_schema_rewards[];
/* The features' migrations (DDL), placed in pg.c's migrations[] as
 * sqlite.c places its schema_<feature>. */
extern const char pg_schema_coupons[];   /* pg_coupons.c */
extern const char pg_schema_referrals[]; /* pg_referrals.c */

/* -- migrate -- */
/* Migration schema_migrate and the ops of pg_migrate.c (store.h's contracts). */
extern const char pg_schema_migrate[];
int pg_table_names(struct fdl_store *st, char (*out)[FDL_TABLE_NAME_MAX + 1], int max,
                   int *count, struct fdl_error *err);
int pg_rows_read(struct fdl_store *st, const char *table, int64_t program_id,
                 fdl_rows_fn fn, void *ctx, struct fdl_error *err);
int pg_rows_insert(struct fdl_store *st, const struct fdl_rows *rows,
                   struct fdl_error *err);
int pg_copy_begin(struct fdl_store *st, struct fdl_error *err);
int pg_table_ids_sync(struct fdl_store *st, const char *table, struct fdl_error *err);

#endif
