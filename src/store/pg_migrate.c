/*
 * pg_migrate.c - the PostgreSQL side of `fidelis migrate`: listing the
 * schema's tables, streaming a table's rows through a binary cursor,
 * inserting them as they are (ids kept, OVERRIDING SYSTEM VALUE) and moving
 * identity sequences past the copied ids.
 *
 * The SQL is built from table and column names, which come only from
 * fdl_store_tables and the database's own catalogue and are checked to be
 * plain identifiers. The cursor and the inserts run in the caller's
 * transaction. Migration schema_migrate makes every foreign key deferrable,
 * so copy_begin can defer them to the commit (purchases and entries point
 * at each other).
 */
#include "store/pg_internal.h"
#include "store/rows_internal.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SQL_MAX        (FDL_MIGRATE_MAX_COLUMNS * (FDL_TABLE_NAME_MAX + 16) + 256)
#define PG_COPY_LOCK   7302 /* advisory lock key held by a copy into the database */
#define PG_COPY_CURSOR "fdl_copy"
/* Parameters of one INSERT of a whole batch (PostgreSQL allows 65535). */
#define PG_COPY_PARAMS_MAX (FDL_MIGRATE_BATCH_ROWS * FDL_MIGRATE_MAX_COLUMNS)
_Static_assert(PG_COPY_PARAMS_MAX <= 65535,
               "a batch's INSERT exceeds PostgreSQL's limit");

/* Type OIDs (pg_type.h) of the columns the schema uses. */
#define OID_BOOL    16
#define OID_BYTEA   17
#define OID_INT8    20
#define OID_INT2    21
#define OID_INT4    23
#define OID_TEXT    25
#define OID_VARCHAR 1043

/* Migration schema_migrate: every foreign key deferrable (checked at the
 * statement's end as before, unless a transaction defers it). */
const char pg_schema_migrate[] =
    "DO $$\n"
    "DECLARE c record;\n"
    "BEGIN\n"
    "  FOR c IN SELECT conrelid::regclass AS t, conname FROM pg_constraint\n"
    "           WHERE contype = 'f' AND connamespace =\n"
    "             (SELECT oid FROM pg_namespace WHERE nspname = current_schema())\n"
    "  LOOP\n"
    "    EXECUTE format('ALTER TABLE %s ALTER CONSTRAINT %I"
    " DEFERRABLE INITIALLY IMMEDIATE', c.t, c.conname);\n"
    "  END LOOP;\n"
    "END $$;\n";

static int plain_identifier(const char *name)
{
    if (!*name || strlen(name) > FDL_TABLE_NAME_MAX)
        return 0;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
            return 0;
    return 1;
}

static const struct fdl_store_table *known_table(const char *table, struct fdl_error *err)
{
    const struct fdl_store_table *t = fdl_store_table_find(table);
    if (!t)
        fdl_error_set(err, FDL_ESTORE, table, "not a table of the schema list");
    return t;
}

/* Runs sql with text parameters; *out (TUPLES_OK or COMMAND_OK) for the caller. */
static int exec_params(struct pg_store *s, const char *sql, int n,
                       const char *const *values, int result_format, PGresult **out,
                       struct fdl_error *err)
{
    PGresult *res =
        PQexecParams(s->conn, sql, n, NULL, values, NULL, NULL, result_format);
    ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        int rc = pg_error(s, res, NULL, err);
        PQclear(res);
        return rc;
    }
    if (out)
        *out = res;
    else
        PQclear(res);
    return 0;
}

int pg_table_names(struct fdl_store *st, char (*out)[FDL_TABLE_NAME_MAX + 1], int max,
                   int *count, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    PGresult *res = NULL;
    int rc = exec_params(s,
                         "SELECT table_name FROM information_schema.tables"
                         " WHERE table_schema = current_schema()"
                         " AND table_type = 'BASE TABLE'"
                         " ORDER BY table_name COLLATE \"C\"",
                         0, NULL, 0, &res, err);
    if (rc)
        return rc;
    int n = PQntuples(res);
    if (n > max)
        rc = fdl_error_set(err, FDL_ESTORE, "tables", "more than %d tables", max);
    for (int i = 0; rc == 0 && i < n; i++)
        pg_column_text(res, i, 0, out[i], FDL_TABLE_NAME_MAX + 1);
    PQclear(res);
    if (rc == 0)
        *count = n;
    return rc;
}

static int64_t be_int(const unsigned char *p, int len)
{
    uint64_t v = 0;
    for (int i = 0; i < len; i++)
        v = (v << 8) | p[i];
    if (len < 8 && len > 0 && (p[0] & 0x80)) /* sign-extend int2 / int4 */
        v |= ~(uint64_t)0 << (8 * len);
    return (int64_t)v;
}

static int read_value(struct fdl_rows_batch *b, const PGresult *res, int row, int c,
                      struct fdl_error *err)
{
    if (PQgetisnull(res, row, c))
        return fdl_rows_batch_set(b, c, FDL_VALUE_NULL, 0, NULL, 0, err);
    const unsigned char *p = (const unsigned char *)PQgetvalue(res, row, c);
    int len = PQgetlength(res, row, c);
    switch (PQftype(res, c)) {
    case OID_INT8:
    case OID_INT4:
    case OID_INT2:
    case OID_BOOL:
        if (len < 1 || len > 8)
            break;
        return fdl_rows_batch_set(b, c, FDL_VALUE_INT, be_int(p, len), NULL, 0, err);
    case OID_TEXT:
    case OID_VARCHAR:
        return fdl_rows_batch_set(b, c, FDL_VALUE_TEXT, 0, p, (size_t)len, err);
    case OID_BYTEA:
        return fdl_rows_batch_set(b, c, FDL_VALUE_BLOB, 0, p, (size_t)len, err);
    default:
        break;
    }
    return fdl_error_set(err, FDL_ESTORE, PQfname(res, c), "column of %s has type %u",
                         b->table, (unsigned)PQftype(res, c));
}

/* Hands every row of one FETCH to the batch. */
static int read_result(struct fdl_rows_batch *b, const PGresult *res, fdl_rows_fn fn,
                       void *ctx, struct fdl_error *err)
{
    int rc = 0;
    for (int r = 0; rc == 0 && r < PQntuples(res); r++) {
        for (int c = 0; rc == 0 && c < b->n_columns; c++)
            rc = read_value(b, res, r, c, err);
        if (rc == 0)
            rc = fdl_rows_batch_end_row(b, fn, ctx, err);
    }
    return rc;
}

int pg_rows_read(struct fdl_store *st, const char *table, int64_t program_id,
                 fdl_rows_fn fn, void *ctx, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    const struct fdl_store_table *t = known_table(table, err);
    if (!t)
        return err->code;
    if (PQtransactionStatus(s->conn) != PQTRANS_INTRANS)
        return fdl_error_set(err, FDL_EINTERNAL, table,
                             "rows_read outside a transaction");
    char sql[SQL_MAX], id[PG_INT_TEXT];
    snprintf(id, sizeof(id), "%" PRId64, program_id);
    const char *values[1] = {id};
    snprintf(sql, sizeof(sql),
             "DECLARE " PG_COPY_CURSOR " BINARY NO SCROLL CURSOR FOR"
             " SELECT * FROM %s%s",
             t->name,
             !program_id || t->scope == FDL_TABLE_META ? ""
             : t->scope == FDL_TABLE_PROGRAMS          ? " WHERE id = $1::bigint"
                                              : " WHERE program_id = $1::bigint");
    int use_param = program_id && t->scope != FDL_TABLE_META;
    int rc = exec_params(s, sql, use_param, values, 1, NULL, err);
    if (rc)
        return rc;
    struct fdl_rows_batch b = {0};
    int started = 0;
    for (;;) {
        PGresult *res = NULL;
        char fetch[64];
        snprintf(fetch, sizeof(fetch), "FETCH %d FROM " PG_COPY_CURSOR,
                 FDL_MIGRATE_BATCH_ROWS);
        if ((rc = exec_params(s, fetch, 0, NULL, 1, &res, err)))
            break;
        if (!started) {
            started = 1;
            rc = fdl_rows_batch_init(&b, t->name, PQnfields(res), err);
            for (int c = 0; rc == 0 && c < PQnfields(res); c++)
                rc = fdl_rows_batch_name(&b, c, PQfname(res, c), err);
        }
        int n = PQntuples(res);
        if (rc == 0)
            rc = read_result(&b, res, fn, ctx, err);
        PQclear(res);
        if (rc || n < FDL_MIGRATE_BATCH_ROWS)
            break;
    }
    if (rc == 0)
        rc = fdl_rows_batch_flush(&b, fn, ctx, err);
    fdl_rows_batch_release(&b);
    if (PQtransactionStatus(s->conn) == PQTRANS_INTRANS) {
        struct fdl_error ignored = {0};
        int closed = exec_params(s, "CLOSE " PG_COPY_CURSOR, 0, NULL, 0, NULL, &ignored);
        if (rc == 0)
            rc = closed ? fdl_error_set(err, closed, table, "%s", ignored.message) : 0;
    }
    return rc;
}

/* The target table's columns: name, type (udt_name) and whether identity. */
struct target_column {
    char name[FDL_TABLE_NAME_MAX + 1];
    char type[FDL_TABLE_NAME_MAX + 1];
    int identity;
};

static int table_columns(struct pg_store *s, const char *table, struct target_column *out,
                         int *count, struct fdl_error *err)
{
    PGresult *res = NULL;
    const char *values[1] = {table};
    int rc = exec_params(s,
                         "SELECT column_name, udt_name, is_identity = 'YES'"
                         " FROM information_schema.columns"
                         " WHERE table_schema = current_schema() AND table_name = $1"
                         " ORDER BY ordinal_position",
                         1, values, 0, &res, err);
    if (rc)
        return rc;
    int n = PQntuples(res);
    if (n == 0)
        rc = fdl_error_set(err, FDL_ESTORE, table, "no such table in the target");
    else if (n > FDL_MIGRATE_MAX_COLUMNS)
        rc = fdl_error_set(err, FDL_ESTORE, table, "too many columns");
    for (int i = 0; rc == 0 && i < n; i++) {
        pg_column_text(res, i, 0, out[i].name, sizeof(out[i].name));
        pg_column_text(res, i, 1, out[i].type, sizeof(out[i].type));
        out[i].identity = strcmp(PQgetvalue(res, i, 2), "t") == 0;
        if (!plain_identifier(out[i].name) || !plain_identifier(out[i].type))
            rc = fdl_error_set(err, FDL_ESTORE, table, "unexpected column name or type");
    }
    PQclear(res);
    if (rc == 0)
        *count = n;
    return rc;
}

/* map[k]: the rows column of target column k; checks both ways. */
static int match_columns(const struct fdl_rows *rows, const struct target_column *cols,
                         int n_cols, int *map, struct fdl_error *err)
{
    for (int k = 0; k < n_cols; k++)
        if ((map[k] = fdl_rows_column(rows, cols[k].name)) < 0)
            return fdl_error_set(err, FDL_ESTORE, cols[k].name,
                                 "column of %s missing from the source", rows->table);
    for (int c = 0; c < rows->n_columns; c++) {
        int found = 0;
        for (int k = 0; k < n_cols && !found; k++)
            found = map[k] == c;
        if (!found)
            return fdl_error_set(err, FDL_ESTORE, rows->columns[c],
                                 "column of %s not in the target", rows->table);
    }
    return 0;
}

static int insert_sql(const struct fdl_rows *rows, const struct target_column *cols,
                      int n_cols, char **out, struct fdl_error *err)
{
    int identity = 0;
    for (int k = 0; k < n_cols; k++)
        identity |= cols[k].identity;
    size_t cap =
        SQL_MAX + (size_t)rows->n_rows * (size_t)n_cols * (FDL_TABLE_NAME_MAX + 12);
    char *sql = malloc(cap);
    if (!sql)
        return fdl_error_set(err, FDL_ENOMEM, rows->table, "out of memory");
    size_t used = (size_t)snprintf(sql, cap, "INSERT INTO %s (", rows->table);
    for (int k = 0; k < n_cols; k++)
        used +=
            (size_t)snprintf(sql + used, cap - used, "%s%s", k ? ", " : "", cols[k].name);
    used += (size_t)snprintf(sql + used, cap - used, ")%s VALUES ",
                             identity ? " OVERRIDING SYSTEM VALUE" : "");
    int param = 1;
    for (int r = 0; r < rows->n_rows; r++) {
        used += (size_t)snprintf(sql + used, cap - used, "%s(", r ? ", " : "");
        for (int k = 0; k < n_cols; k++)
            used += (size_t)snprintf(sql + used, cap - used, "%s$%d::%s", k ? ", " : "",
                                     param++, cols[k].type);
        used += (size_t)snprintf(sql + used, cap - used, ")");
    }
    assert(used < cap);
    *out = sql;
    return 0;
}

int pg_rows_insert(struct fdl_store *st, const struct fdl_rows *rows,
                   struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    if (!known_table(rows->table, err))
        return err->code;
    if (rows->n_rows == 0)
        return 0;
    struct target_column cols[FDL_MIGRATE_MAX_COLUMNS];
    int n_cols = 0, map[FDL_MIGRATE_MAX_COLUMNS];
    int rc = table_columns(s, rows->table, cols, &n_cols, err);
    if (rc == 0)
        rc = match_columns(rows, cols, n_cols, map, err);
    char *sql = NULL;
    if (rc == 0)
        rc = insert_sql(rows, cols, n_cols, &sql, err);
    if (rc)
        return rc;
    int n = rows->n_rows * n_cols;
    const char **values = calloc((size_t)n, sizeof(*values));
    int *lengths = calloc((size_t)n, sizeof(*lengths));
    int *formats = calloc((size_t)n, sizeof(*formats));
    char(*ints)[PG_INT_TEXT] = calloc((size_t)n, sizeof(*ints));
    if (!values || !lengths || !formats || !ints)
        rc = fdl_error_set(err, FDL_ENOMEM, rows->table, "out of memory");
    for (int r = 0; rc == 0 && r < rows->n_rows; r++)
        for (int k = 0; rc == 0 && k < n_cols; k++) {
            const struct fdl_value *v = &rows->values[r * rows->n_columns + map[k]];
            int i = r * n_cols + k;
            int raw =
                strcmp(cols[k].type, "text") == 0 || strcmp(cols[k].type, "bytea") == 0;
            if (v->type == FDL_VALUE_INT) {
                snprintf(ints[i], PG_INT_TEXT, "%" PRId64, v->i);
                values[i] = ints[i];
            } else if (v->type != FDL_VALUE_NULL && raw) {
                values[i] = v->bytes; /* binary: text as its bytes, bytea raw */
                lengths[i] = (int)v->len;
                formats[i] = 1;
            } else if (v->type == FDL_VALUE_TEXT) {
                values[i] = v->bytes; /* NUL-terminated by the batch */
            } else if (v->type == FDL_VALUE_BLOB) {
                rc = fdl_error_set(err, FDL_ESTORE, cols[k].name,
                                   "a byte string for a %s column of %s", cols[k].type,
                                   rows->table);
            }
        }
    if (rc == 0) {
        PGresult *res = PQexecParams(s->conn, sql, n, NULL, values, lengths, formats, 0);
        if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
            rc = pg_error(s, res, NULL, err);
        PQclear(res);
    }
    free(values);
    free(lengths);
    free(formats);
    free(ints);
    free(sql);
    return rc;
}

int pg_copy_begin(struct fdl_store *st, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    if (PQtransactionStatus(s->conn) != PQTRANS_INTRANS)
        return fdl_error_set(err, FDL_EINTERNAL, NULL,
                             "copy_begin outside a transaction");
    char lock[64];
    snprintf(lock, sizeof(lock), "SELECT pg_advisory_xact_lock(%d)", PG_COPY_LOCK);
    int rc = exec_params(s, lock, 0, NULL, 0, NULL, err);
    if (rc == 0)
        rc = exec_params(s, "SET CONSTRAINTS ALL DEFERRED", 0, NULL, 0, NULL, err);
    return rc;
}

int pg_table_ids_sync(struct fdl_store *st, const char *table, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    if (!known_table(table, err))
        return err->code;
    struct target_column cols[FDL_MIGRATE_MAX_COLUMNS];
    int n_cols = 0;
    int rc = table_columns(s, table, cols, &n_cols, err);
    assert(strlen(table) <= FDL_TABLE_NAME_MAX);
    for (int k = 0; rc == 0 && k < n_cols; k++) {
        if (!cols[k].identity)
            continue;
        /* nextval never goes back: ids another process takes meanwhile stay unique */
        char sql[16 * (FDL_TABLE_NAME_MAX + 1) + 256];
        int len = snprintf(sql, sizeof(sql),
                           "SELECT setval(pg_get_serial_sequence('%s', '%s'),"
                           " GREATEST((SELECT coalesce(max(%s), 0) FROM %s),"
                           " nextval(pg_get_serial_sequence('%s', '%s'))))",
                           table, cols[k].name, cols[k].name, table, table, cols[k].name);
        rc = len > 0 && (size_t)len < sizeof(sql)
                 ? exec_params(s, sql, 0, NULL, 0, NULL, err)
                 : fdl_error_set(err, FDL_ESTORE, table, "statement too long");
    }
    return rc;
}
