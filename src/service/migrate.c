/*
 * migrate.c - copying programs between stores, table by table in
 * fdl_store_tables' order, through the store's rows_read / rows_insert ops.
 *
 * Invariant: the target changes only in one write transaction, committed
 * after the copy's row counts, ledger totals and audits match the source;
 * any refusal or mismatch rolls it back.
 */
#include "service/migrate.h"
#include "service/service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define META_VALUE_MAX 4096 /* bytes of one meta value */

int fdl_migrate_check_schema(struct fdl_store *st, struct fdl_error *err)
{
    char(*names)[FDL_TABLE_NAME_MAX + 1] = calloc(FDL_MIGRATE_MAX_TABLES, sizeof(*names));
    if (!names)
        return fdl_error_set(err, FDL_ENOMEM, "tables", "out of memory");
    int n = 0;
    int rc = FDL_STORE_CALL(st, table_names, names, FDL_MIGRATE_MAX_TABLES, &n, err);
    for (int i = 0; rc == 0 && i < n; i++)
        if (!fdl_store_table_find(names[i]))
            rc = fdl_error_set(err, FDL_ESTORE, names[i],
                               "table of the schema missing from fdl_store_tables "
                               "(src/store/tables.c): a copy would leave it behind");
    for (size_t t = 0; rc == 0 && t < fdl_store_table_count; t++) {
        int found = 0;
        for (int i = 0; i < n && !found; i++)
            found = strcmp(names[i], fdl_store_tables[t].name) == 0;
        if (!found)
            rc = fdl_error_set(err, FDL_ESTORE, fdl_store_tables[t].name,
                               "listed in fdl_store_tables but not in the %s schema",
                               fdl_store_ops_of(st)->name);
    }
    free(names);
    return rc;
}

/* ---- callbacks ---- */

static int stop_at_first(void *ctx, const struct fdl_rows *rows, struct fdl_error *err)
{
    (void)ctx;
    return fdl_error_set(err, FDL_ECONFLICT, rows->table,
                         "the target already holds rows of this program in %s; "
                         "it must be empty",
                         rows->table);
}

static int count_rows(void *ctx, const struct fdl_rows *rows, struct fdl_error *err)
{
    (void)err;
    *(int64_t *)ctx += rows->n_rows;
    return 0;
}

struct copy_ctx {
    struct fdl_store *to;
    int64_t rows;
};

static int insert_rows(void *ctx, const struct fdl_rows *rows, struct fdl_error *err)
{
    struct copy_ctx *c = ctx;
    int rc = FDL_STORE_CALL(c->to, rows_insert, rows, err);
    if (rc == 0)
        c->rows += rows->n_rows;
    return rc;
}

struct program_ids {
    int n;
    int64_t ids[FDL_MAX_PROGRAMS];
};

static int collect_programs(void *ctx, const struct fdl_rows *rows, struct fdl_error *err)
{
    struct program_ids *p = ctx;
    int col = fdl_rows_column(rows, "id");
    if (col < 0)
        return fdl_error_set(err, FDL_ESTORE, "programs", "has no id column");
    for (int r = 0; r < rows->n_rows; r++) {
        if (p->n == FDL_MAX_PROGRAMS)
            return fdl_error_set(err, FDL_ESTORE, "programs", "too many programs");
        p->ids[p->n++] = rows->values[r * rows->n_columns + col].i;
    }
    return 0;
}

struct meta_ctx {
    struct fdl_store *to;
    int target_has_programs;
};

/* Copies the meta rows but the schema version; a value the target holds
 * otherwise is refused unless the target has no program yet. */
static int copy_meta(void *ctx, const struct fdl_rows *rows, struct fdl_error *err)
{
    struct meta_ctx *m = ctx;
    int key = fdl_rows_column(rows, "key"), value = fdl_rows_column(rows, "value");
    if (key < 0 || value < 0)
        return fdl_error_set(err, FDL_ESTORE, "meta", "has no key or value column");
    for (int r = 0; r < rows->n_rows; r++) {
        const struct fdl_value *k = &rows->values[r * rows->n_columns + key];
        const struct fdl_value *v = &rows->values[r * rows->n_columns + value];
        if (k->type != FDL_VALUE_TEXT || v->type != FDL_VALUE_TEXT)
            return fdl_error_set(err, FDL_ESTORE, "meta", "a key or value is not text");
        if (strcmp(k->bytes, "schema_version") == 0)
            continue;
        char held[META_VALUE_MAX];
        int rc = FDL_STORE_CALL(m->to, meta_get, k->bytes, held, sizeof(held), err);
        if (rc == 0 && strcmp(held, v->bytes) == 0)
            continue;
        if (rc == 0 && m->target_has_programs)
            return fdl_error_set(err, FDL_ECONFLICT, k->bytes,
                                 "the target holds other programs under another %s; "
                                 "their card numbers would no longer verify",
                                 k->bytes);
        if (rc && rc != FDL_ENOT_FOUND)
            return rc;
        fdl_error_clear(err);
        if ((rc = FDL_STORE_CALL(m->to, meta_set, k->bytes, v->bytes, err)))
            return rc;
    }
    return 0;
}

/* ---- the copy ---- */

static int check_source_program(struct fdl_store *from, int64_t program_id,
                                struct program_ids *ids, struct fdl_error *err)
{
    int rc = FDL_STORE_CALL(from, rows_read, "programs", program_id, collect_programs,
                            ids, err);
    if (rc == 0 && program_id && ids->n == 0)
        rc = fdl_error_set(err, FDL_ENOT_FOUND, "program",
                           "program %lld is not in the source", (long long)program_id);
    return rc;
}

static int check_target_empty(struct fdl_store *to, int64_t program_id,
                              struct fdl_error *err)
{
    int rc = 0;
    for (size_t t = 0; rc == 0 && t < fdl_store_table_count; t++)
        if (fdl_store_tables[t].scope != FDL_TABLE_META)
            rc = FDL_STORE_CALL(to, rows_read, fdl_store_tables[t].name, program_id,
                                stop_at_first, NULL, err);
    return rc;
}

static void totals_add(struct fdl_totals *sum, const struct fdl_totals *t)
{
    sum->members += t->members;
    sum->cards += t->cards;
    sum->purchases += t->purchases;
    sum->issued += t->issued;
    sum->redeemed += t->redeemed;
    sum->expired += t->expired;
    sum->adjusted += t->adjusted;
    sum->outstanding += t->outstanding;
}

static int sum_totals(struct fdl_store *st, const struct program_ids *ids,
                      struct fdl_totals *out, struct fdl_error *err)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < ids->n; i++) {
        struct fdl_totals t;
        int rc = FDL_STORE_CALL(st, totals, ids->ids[i], &t, err);
        if (rc)
            return rc;
        totals_add(out, &t);
    }
    return 0;
}

static int audits(struct fdl_store *st, struct fdl_audit *a, struct fdl_sv_audit *sv,
                  struct fdl_error *err)
{
    int rc = FDL_STORE_CALL(st, audit, a, err);
    return rc ? rc : FDL_STORE_CALL(st, sv_audit, sv, err);
}

int fdl_migrate_audits_clean(const struct fdl_migrate_report *r)
{
    const struct fdl_audit *a[2] = {&r->source_audit, &r->target_audit};
    const struct fdl_sv_audit *sv[2] = {&r->source_sv_audit, &r->target_sv_audit};
    for (int i = 0; i < 2; i++)
        if (a[i]->unbalanced_entries || a[i]->balance_mismatches ||
            a[i]->lot_mismatches || a[i]->move_mismatches || sv[i]->unbalanced_entries ||
            sv[i]->card_mismatches || sv[i]->cashback_mismatches || sv[i]->negative_cards)
            return 0;
    return 1;
}

/* Compares the target, inside the copy's transaction, with what was copied. */
static int verify(struct fdl_store *to, int64_t program_id, const struct program_ids *ids,
                  struct fdl_migrate_report *r, struct fdl_error *err)
{
    int rc = 0;
    for (size_t t = 0; rc == 0 && t < fdl_store_table_count; t++) {
        if (fdl_store_tables[t].scope == FDL_TABLE_META)
            continue;
        int64_t n = 0;
        rc = FDL_STORE_CALL(to, rows_read, fdl_store_tables[t].name, program_id,
                            count_rows, &n, err);
        if (rc == 0 && n != r->rows[t])
            rc = fdl_error_set(err, FDL_ECONFLICT, fdl_store_tables[t].name,
                               "the target holds %lld rows after copying %lld",
                               (long long)n, (long long)r->rows[t]);
    }
    if (rc == 0)
        rc = sum_totals(to, ids, &r->target, err);
    if (rc == 0 && memcmp(&r->source, &r->target, sizeof(r->source)) != 0)
        rc = fdl_error_set(err, FDL_ECONFLICT, "totals",
                           "the target's ledger totals differ from the source's");
    if (rc == 0)
        rc = audits(to, &r->target_audit, &r->target_sv_audit, err);
    if (rc == 0 && !fdl_migrate_audits_clean(r))
        rc = fdl_error_set(err, FDL_ECONFLICT, "audit",
                           "an audit failed; the target is left unchanged");
    return rc;
}

static int copy_tables(struct fdl_store *from, struct fdl_store *to, int64_t program_id,
                       struct fdl_migrate_report *r, struct fdl_error *err)
{
    int rc = 0;
    for (size_t t = 0; rc == 0 && t < fdl_store_table_count; t++) {
        const struct fdl_store_table *table = &fdl_store_tables[t];
        if (table->scope == FDL_TABLE_META)
            continue;
        struct copy_ctx c = {to, 0};
        rc = FDL_STORE_CALL(from, rows_read, table->name, program_id, insert_rows, &c,
                            err);
        if (rc == 0)
            rc = FDL_STORE_CALL(to, table_ids_sync, table->name, err);
        r->rows[t] = c.rows;
        r->total_rows += c.rows;
    }
    return rc;
}

static int migrate_in_transactions(struct fdl_store *from, struct fdl_store *to,
                                   int64_t program_id, struct fdl_migrate_report *r,
                                   struct fdl_error *err)
{
    struct program_ids ids = {0}, target_programs = {0};
    int rc = check_source_program(from, program_id, &ids, err);
    if (rc == 0)
        rc = sum_totals(from, &ids, &r->source, err);
    if (rc == 0)
        rc = audits(from, &r->source_audit, &r->source_sv_audit, err);
    if (rc == 0)
        rc = FDL_STORE_CALL(to, copy_begin, err);
    if (rc == 0)
        rc = check_target_empty(to, program_id, err);
    if (rc == 0)
        rc = FDL_STORE_CALL(to, rows_read, "programs", 0, collect_programs,
                            &target_programs, err);
    struct meta_ctx m = {to, target_programs.n > 0};
    if (rc == 0)
        rc = FDL_STORE_CALL(from, rows_read, "meta", 0, copy_meta, &m, err);
    if (rc == 0)
        rc = copy_tables(from, to, program_id, r, err);
    if (rc == 0)
        rc = verify(to, program_id, &ids, r, err);
    r->programs = ids.n;
    return rc;
}

int fdl_migrate_source_check(struct fdl_store *from, int64_t program_id,
                             struct fdl_error *err)
{
    struct program_ids ids = {0};
    int rc = FDL_STORE_CALL(from, begin, 0, err);
    if (rc)
        return rc;
    rc = check_source_program(from, program_id, &ids, err);
    FDL_STORE_CALL0(from, rollback);
    return rc;
}

int fdl_migrate(struct fdl_store *from, struct fdl_store *to, int64_t program_id,
                struct fdl_migrate_report *out, struct fdl_error *err)
{
    struct fdl_migrate_report *r = calloc(1, sizeof(*r));
    if (!r)
        return fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    int rc = fdl_migrate_check_schema(from, err);
    if (rc == 0)
        rc = fdl_migrate_check_schema(to, err);
    if (rc == 0)
        rc = FDL_STORE_CALL(from, begin, 0, err);
    if (rc) {
        free(r);
        return rc;
    }
    rc = FDL_STORE_CALL(to, begin, 1, err);
    if (rc == 0) {
        rc = migrate_in_transactions(from, to, program_id, r, err);
        if (rc == 0)
            rc = FDL_STORE_CALL(to, commit, err);
        if (rc && FDL_STORE_CALL0(to, in_transaction))
            FDL_STORE_CALL0(to, rollback);
    }
    FDL_STORE_CALL0(from, rollback); /* a read: nothing to keep */
    if (rc == 0)
        *out = *r;
    free(r);
    return rc;
}
