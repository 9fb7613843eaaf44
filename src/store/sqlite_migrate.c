/*
 * sqlite_migrate.c - the SQLite side of `fidelis migrate`: listing the
 * schema's tables, streaming a table's rows and inserting them as they are.
 *
 * The SQL is built from table and column names, which come only from
 * fdl_store_tables and the database's own catalogue and are checked to be
 * plain identifiers. purchase_lines has no program_id or member_id here (the
 * purchase has them): it is read through a join to the canonical columns,
 * and those two are skipped on insert.
 */
#include "store/rows_internal.h"
#include "store/sqlite_internal.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#define SQL_MAX (FDL_MIGRATE_MAX_COLUMNS * (FDL_TABLE_NAME_MAX + 8) + 256)

/* Columns the canonical rows carry that this backend's table derives. */
static const struct {
    const char *table, *column;
} derived[] = {
    {"purchase_lines", "program_id"},
    {"purchase_lines", "member_id"},
};

static int is_derived(const char *table, const char *column)
{
    for (size_t i = 0; i < sizeof(derived) / sizeof(derived[0]); i++)
        if (strcmp(derived[i].table, table) == 0 &&
            strcmp(derived[i].column, column) == 0)
            return 1;
    return 0;
}

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

static int prepare(struct sqlite_store *s, const char *sql, sqlite3_stmt **q,
                   struct fdl_error *err)
{
    int rc = sqlite3_prepare_v2(s->db, sql, -1, q, NULL);
    return rc == SQLITE_OK ? 0 : db_error(s, rc, NULL, err);
}

int sqlite_table_names(struct fdl_store *st, char (*out)[FDL_TABLE_NAME_MAX + 1], int max,
                       int *count, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q = NULL;
    int rc = prepare(s,
                     "SELECT name FROM sqlite_master WHERE type = 'table'"
                     " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                     &q, err);
    int n = 0;
    while (rc == 0 && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (n == max) {
            rc = fdl_error_set(err, FDL_ESTORE, "tables", "more than %d tables", max);
            break;
        }
        column_text(q, 0, out[n++], FDL_TABLE_NAME_MAX + 1);
        rc = 0;
    }
    if (rc == SQLITE_DONE) {
        *count = n;
        rc = 0;
    } else if (rc > 0) {
        rc = db_error(s, rc, NULL, err);
    }
    sqlite3_finalize(q);
    return rc;
}

static int read_sql(const struct fdl_store_table *t, int64_t program_id, char *sql,
                    size_t cap)
{
    int n;
    if (strcmp(t->name, "purchase_lines") == 0)
        n = snprintf(sql, cap,
                     "SELECT l.*, p.program_id AS program_id,"
                     " p.member_id AS member_id FROM purchase_lines l"
                     " JOIN purchases p ON p.id = l.purchase_id%s",
                     program_id ? " WHERE p.program_id = ?1" : "");
    else if (t->scope == FDL_TABLE_META)
        n = snprintf(sql, cap, "SELECT * FROM meta");
    else
        n = snprintf(sql, cap, "SELECT * FROM %s%s", t->name,
                     !program_id                      ? ""
                     : t->scope == FDL_TABLE_PROGRAMS ? " WHERE id = ?1"
                                                      : " WHERE program_id = ?1");
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

static int read_value(struct fdl_rows_batch *b, sqlite3_stmt *q, int c,
                      struct fdl_error *err)
{
    switch (sqlite3_column_type(q, c)) {
    case SQLITE_NULL:
        return fdl_rows_batch_set(b, c, FDL_VALUE_NULL, 0, NULL, 0, err);
    case SQLITE_INTEGER:
        return fdl_rows_batch_set(b, c, FDL_VALUE_INT, sqlite3_column_int64(q, c), NULL,
                                  0, err);
    case SQLITE_TEXT: {
        const unsigned char *text = sqlite3_column_text(q, c);
        return fdl_rows_batch_set(b, c, FDL_VALUE_TEXT, 0, text,
                                  (size_t)sqlite3_column_bytes(q, c), err);
    }
    case SQLITE_BLOB: {
        const void *blob = sqlite3_column_blob(q, c);
        return fdl_rows_batch_set(b, c, FDL_VALUE_BLOB, 0, blob,
                                  (size_t)sqlite3_column_bytes(q, c), err);
    }
    default:
        return fdl_error_set(err, FDL_ESTORE, sqlite3_column_name(q, c),
                             "a floating-point value in %s", b->table);
    }
}

int sqlite_rows_read(struct fdl_store *st, const char *table, int64_t program_id,
                     fdl_rows_fn fn, void *ctx, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const struct fdl_store_table *t = known_table(table, err);
    if (!t)
        return err->code;
    char sql[SQL_MAX];
    if (read_sql(t, program_id, sql, sizeof(sql)))
        return fdl_error_set(err, FDL_ESTORE, table, "statement too long");
    sqlite3_stmt *q = NULL;
    struct fdl_rows_batch b = {0};
    int rc = prepare(s, sql, &q, err);
    if (rc == 0 && sqlite3_bind_parameter_count(q) > 0 &&
        sqlite3_bind_int64(q, 1, program_id) != SQLITE_OK)
        rc = db_error(s, sqlite3_errcode(s->db), NULL, err);
    int n_columns = rc == 0 ? sqlite3_column_count(q) : 0;
    if (rc == 0)
        rc = fdl_rows_batch_init(&b, t->name, n_columns, err);
    for (int c = 0; rc == 0 && c < n_columns; c++)
        rc = fdl_rows_batch_name(&b, c, sqlite3_column_name(q, c), err);
    int step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
        for (int c = 0; rc == 0 && c < n_columns; c++)
            rc = read_value(&b, q, c, err);
        if (rc == 0)
            rc = fdl_rows_batch_end_row(&b, fn, ctx, err);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = db_error(s, step, NULL, err);
    if (rc == 0)
        rc = fdl_rows_batch_flush(&b, fn, ctx, err);
    fdl_rows_batch_release(&b);
    sqlite3_finalize(q);
    return rc;
}

/* The target table's columns, in order; *count how many. */
static int table_columns(struct sqlite_store *s, const char *table,
                         char (*out)[FDL_TABLE_NAME_MAX + 1], int *count,
                         struct fdl_error *err)
{
    sqlite3_stmt *q = NULL;
    int rc = prepare(s, "SELECT name FROM pragma_table_info(?1) ORDER BY cid", &q, err);
    if (rc == 0 && sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC) != SQLITE_OK)
        rc = db_error(s, sqlite3_errcode(s->db), NULL, err);
    int n = 0, step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
        if (n == FDL_MIGRATE_MAX_COLUMNS) {
            rc = fdl_error_set(err, FDL_ESTORE, table, "too many columns");
            break;
        }
        column_text(q, 0, out[n++], FDL_TABLE_NAME_MAX + 1);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = db_error(s, step, NULL, err);
    sqlite3_finalize(q);
    if (rc == 0 && n == 0)
        rc = fdl_error_set(err, FDL_ESTORE, table, "no such table in the target");
    if (rc == 0)
        *count = n;
    return rc;
}

/* Builds the INSERT of rows' columns that the table has; map[k] is the
 * rows column bound as parameter k + 1. */
static int insert_sql(const struct fdl_rows *rows, char (*cols)[FDL_TABLE_NAME_MAX + 1],
                      int n_cols, char *sql, size_t cap, int *map, int *n_params,
                      struct fdl_error *err)
{
    for (int k = 0; k < n_cols; k++)
        if (fdl_rows_column(rows, cols[k]) < 0)
            return fdl_error_set(err, FDL_ESTORE, cols[k],
                                 "column of %s missing from the source", rows->table);
    size_t used = (size_t)snprintf(sql, cap, "INSERT INTO %s (", rows->table);
    int n = 0;
    for (int c = 0; c < rows->n_columns; c++) {
        const char *name = rows->columns[c];
        int found = 0;
        for (int k = 0; k < n_cols && !found; k++)
            found = strcmp(cols[k], name) == 0;
        if (!found && is_derived(rows->table, name))
            continue;
        if (!found || !plain_identifier(name))
            return fdl_error_set(err, FDL_ESTORE, name, "column of %s not in the target",
                                 rows->table);
        used += (size_t)snprintf(sql + used, cap - used, "%s%s", n ? ", " : "", name);
        map[n++] = c;
        if (used >= cap)
            return fdl_error_set(err, FDL_ESTORE, rows->table, "statement too long");
    }
    used += (size_t)snprintf(sql + used, cap - used, ") VALUES (");
    for (int k = 0; k < n && used < cap; k++)
        used += (size_t)snprintf(sql + used, cap - used, "%s?%d", k ? ", " : "", k + 1);
    used += (size_t)snprintf(sql + used, used < cap ? cap - used : 0, ")");
    if (used >= cap)
        return fdl_error_set(err, FDL_ESTORE, rows->table, "statement too long");
    *n_params = n;
    return 0;
}

static int bind_value(sqlite3_stmt *q, int param, const struct fdl_value *v)
{
    switch (v->type) {
    case FDL_VALUE_INT:
        return sqlite3_bind_int64(q, param, v->i);
    case FDL_VALUE_TEXT:
        return sqlite3_bind_text(q, param, v->bytes, (int)v->len, SQLITE_STATIC);
    case FDL_VALUE_BLOB:
        return sqlite3_bind_blob(q, param, v->bytes, (int)v->len, SQLITE_STATIC);
    default:
        return sqlite3_bind_null(q, param);
    }
}

int sqlite_rows_insert(struct fdl_store *st, const struct fdl_rows *rows,
                       struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    if (!known_table(rows->table, err))
        return err->code;
    char cols[FDL_MIGRATE_MAX_COLUMNS][FDL_TABLE_NAME_MAX + 1];
    int n_cols = 0, map[FDL_MIGRATE_MAX_COLUMNS], n_params = 0;
    char sql[SQL_MAX];
    int rc = table_columns(s, rows->table, cols, &n_cols, err);
    if (rc == 0)
        rc = insert_sql(rows, cols, n_cols, sql, sizeof(sql), map, &n_params, err);
    sqlite3_stmt *q = NULL;
    if (rc == 0)
        rc = prepare(s, sql, &q, err);
    if (rc)
        return rc;
    if ((rc = op_begin(s, err))) {
        sqlite3_finalize(q);
        return rc;
    }
    for (int r = 0; rc == 0 && r < rows->n_rows; r++) {
        const struct fdl_value *row = &rows->values[r * rows->n_columns];
        for (int k = 0; rc == 0 && k < n_params; k++)
            if (bind_value(q, k + 1, &row[map[k]]) != SQLITE_OK)
                rc = db_error(s, sqlite3_errcode(s->db), NULL, err);
        int step = rc == 0 ? sqlite3_step(q) : SQLITE_DONE;
        if (rc == 0 && step != SQLITE_DONE)
            rc = db_error(s, step, NULL, err);
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
    }
    sqlite3_finalize(q);
    return op_end(s, rc, err);
}

int sqlite_copy_begin(struct fdl_store *st, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(!sqlite3_get_autocommit(s->db));
    /* Reset by SQLite when the transaction ends. */
    int rc = sqlite3_exec(s->db, "PRAGMA defer_foreign_keys = ON", NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : db_error(s, rc, NULL, err);
}

int sqlite_table_ids_sync(struct fdl_store *st, const char *table, struct fdl_error *err)
{
    (void)st; /* AUTOINCREMENT and rowid tables go past the largest id by themselves */
    return known_table(table, err) ? 0 : err->code;
}
