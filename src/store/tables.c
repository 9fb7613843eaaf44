/*
 * tables.c - the list of every table of the schema, in dependency order,
 * and the row batches the backends' rows_read ops build (`fidelis migrate`).
 *
 * Invariant: fdl_store_tables names every table both backends create, each
 * after every table it references (so a copy can insert them in this
 * order); tests/unit/test_store.c and `fidelis migrate` check it against
 * the schema each backend reports.
 */
#include "store/rows_internal.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

const struct fdl_store_table fdl_store_tables[] = {
    {"meta", FDL_TABLE_META},
    {"programs", FDL_TABLE_PROGRAMS},
    {"program_versions", FDL_TABLE_BY_PROGRAM},
    {"api_keys", FDL_TABLE_BY_PROGRAM},
    {"idempotency", FDL_TABLE_BY_PROGRAM},
    {"members", FDL_TABLE_BY_PROGRAM},
    {"member_names", FDL_TABLE_BY_PROGRAM},
    {"member_segments", FDL_TABLE_BY_PROGRAM},
    {"cards", FDL_TABLE_BY_PROGRAM},
    /* purchases and entries point at each other: copy_begin defers the check */
    {"purchases", FDL_TABLE_BY_PROGRAM},
    {"purchase_lines", FDL_TABLE_BY_PROGRAM},
    {"purchase_points", FDL_TABLE_BY_PROGRAM},
    {"entries", FDL_TABLE_BY_PROGRAM},
    {"postings", FDL_TABLE_BY_PROGRAM},
    {"refunds", FDL_TABLE_BY_PROGRAM},
    {"lots", FDL_TABLE_BY_PROGRAM},
    {"lot_moves", FDL_TABLE_BY_PROGRAM},
    /* -- coupons -- */
    {"coupon_codes", FDL_TABLE_BY_PROGRAM},
    {"coupon_uses", FDL_TABLE_BY_PROGRAM},
    /* -- punch cards -- */
    {"stamp_cards", FDL_TABLE_BY_PROGRAM},
    {"stamp_vouchers", FDL_TABLE_BY_PROGRAM},
    {"stamp_grants", FDL_TABLE_BY_PROGRAM},
    /* -- rewards -- */
    {"reward_redemptions", FDL_TABLE_BY_PROGRAM},
    /* -- stored value and membership -- */
    {"sv_cards", FDL_TABLE_BY_PROGRAM},
    {"sv_entries", FDL_TABLE_BY_PROGRAM},
    {"sv_postings", FDL_TABLE_BY_PROGRAM},
    {"sv_redemptions", FDL_TABLE_BY_PROGRAM},
    {"memberships", FDL_TABLE_BY_PROGRAM},
    {"membership_cashback", FDL_TABLE_BY_PROGRAM},
    /* -- referrals -- */
    {"referrals", FDL_TABLE_BY_PROGRAM},
    /* -- currencies -- */
    {"currency_rates", FDL_TABLE_BY_PROGRAM},
    /* -- stores, staff and the audit log -- */
    {"stores", FDL_TABLE_BY_PROGRAM},
    {"staff", FDL_TABLE_BY_PROGRAM},
    {"staff_sessions", FDL_TABLE_BY_PROGRAM},
    {"audit_log", FDL_TABLE_BY_PROGRAM},
    /* -- coalitions -- */
    {"settlement_items", FDL_TABLE_BY_PROGRAM},
    {"settlements", FDL_TABLE_BY_PROGRAM},
    {"settlement_lines", FDL_TABLE_BY_PROGRAM},
};
const size_t fdl_store_table_count =
    sizeof(fdl_store_tables) / sizeof(fdl_store_tables[0]);

const struct fdl_store_table *fdl_store_table_find(const char *name)
{
    for (size_t i = 0; i < fdl_store_table_count; i++)
        if (strcmp(fdl_store_tables[i].name, name) == 0)
            return &fdl_store_tables[i];
    return NULL;
}

int fdl_rows_batch_init(struct fdl_rows_batch *b, const char *table, int n_columns,
                        struct fdl_error *err)
{
    memset(b, 0, sizeof(*b));
    if (n_columns < 1 || n_columns > FDL_MIGRATE_MAX_COLUMNS)
        return fdl_error_set(err, FDL_ESTORE, table, "table has %d columns (at most %d)",
                             n_columns, FDL_MIGRATE_MAX_COLUMNS);
    b->values =
        calloc((size_t)FDL_MIGRATE_BATCH_ROWS * (size_t)n_columns, sizeof(*b->values));
    if (!b->values)
        return fdl_error_set(err, FDL_ENOMEM, table, "out of memory");
    b->table = table;
    b->n_columns = n_columns;
    return 0;
}

int fdl_rows_batch_name(struct fdl_rows_batch *b, int column, const char *name,
                        struct fdl_error *err)
{
    assert(column >= 0 && column < b->n_columns);
    size_t len = strlen(name);
    if (len > FDL_TABLE_NAME_MAX)
        return fdl_error_set(err, FDL_ESTORE, b->table, "column name too long");
    memcpy(b->names[column], name, len + 1);
    b->name_ptrs[column] = b->names[column];
    return 0;
}

int fdl_rows_batch_set(struct fdl_rows_batch *b, int column, enum fdl_value_type type,
                       int64_t i, const void *bytes, size_t len, struct fdl_error *err)
{
    assert(column >= 0 && column < b->n_columns && b->n_rows < FDL_MIGRATE_BATCH_ROWS);
    struct fdl_value *v = &b->values[b->n_rows * b->n_columns + column];
    memset(v, 0, sizeof(*v));
    v->type = type;
    v->i = i;
    if (type == FDL_VALUE_TEXT || type == FDL_VALUE_BLOB) {
        char *copy = malloc(len + 1);
        if (!copy)
            return fdl_error_set(err, FDL_ENOMEM, b->table, "out of memory");
        if (len)
            memcpy(copy, bytes, len);
        copy[len] = '\0';
        v->bytes = copy;
        v->len = len;
    }
    return 0;
}

static void batch_clear(struct fdl_rows_batch *b)
{
    for (int k = 0; k < b->n_rows * b->n_columns; k++) {
        free((char *)b->values[k].bytes);
        b->values[k].bytes = NULL;
    }
    b->n_rows = 0;
}

int fdl_rows_batch_flush(struct fdl_rows_batch *b, fdl_rows_fn fn, void *ctx,
                         struct fdl_error *err)
{
    if (b->n_rows == 0)
        return 0;
    struct fdl_rows rows = {b->table, b->n_columns, (const char *const *)b->name_ptrs,
                            b->n_rows, b->values};
    int rc = fn(ctx, &rows, err);
    batch_clear(b);
    return rc;
}

int fdl_rows_batch_end_row(struct fdl_rows_batch *b, fdl_rows_fn fn, void *ctx,
                           struct fdl_error *err)
{
    b->n_rows++;
    return b->n_rows == FDL_MIGRATE_BATCH_ROWS ? fdl_rows_batch_flush(b, fn, ctx, err)
                                               : 0;
}

void fdl_rows_batch_release(struct fdl_rows_batch *b)
{
    if (b->values) {
        batch_clear(b);
        free(b->values);
    }
    b->values = NULL;
}

int fdl_rows_column(const struct fdl_rows *rows, const char *name)
{
    for (int c = 0; c < rows->n_columns; c++)
        if (strcmp(rows->columns[c], name) == 0)
            return c;
    return -1;
}
