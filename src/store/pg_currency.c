/*
 * pg_currency.c - the PostgreSQL side of exchange rates and converted
 * purchases; the counterpart of sqlite_currency.c, with the same schema
 * version (migration schema_currency).
 *
 * Locking: a rate is inserted after a transaction-long advisory lock on
 * (program, currency), and in a write transaction currency_rate_at takes
 * the same lock shared before it reads, so a purchase converting at a rate
 * and a new rate for that currency run one after the other across
 * processes (purchases do not wait for each other). The conversion columns
 * of a purchase are written by the purchase itself, under its member lock.
 */
#include "store/pg_currency.h"
#include "store/pg_internal.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

/* currency_rates is keyed by program, not member: under Citus it is a
 * reference table (small, read by every purchase in another currency). */
const char pg_schema_currency[] =
    "CREATE TABLE currency_rates (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    currency TEXT COLLATE \"C\" NOT NULL,\n"
    "    effective_from BIGINT NOT NULL,\n"
    "    rate BIGINT NOT NULL CHECK (rate > 0),\n"
    "    created_at BIGINT NOT NULL,\n"
    "    CONSTRAINT currency_rates_from PRIMARY KEY (program_id, currency, "
    "effective_from)\n"
    ");\n"
    "ALTER TABLE purchases ADD COLUMN original_currency TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE purchases ADD COLUMN original_total_minor BIGINT NOT NULL DEFAULT 0;\n"
    "ALTER TABLE purchases ADD COLUMN rate BIGINT NOT NULL DEFAULT 0;\n"
    "ALTER TABLE purchases ADD COLUMN converted_total_minor BIGINT NOT NULL DEFAULT 0;\n";

static struct pg_sql q_lock = {"SELECT pg_advisory_xact_lock(hashtextextended($2, $1))",
                               0};
static struct pg_sql q_lock_shared = {
    "SELECT pg_advisory_xact_lock_shared(hashtextextended($2, $1))", 0};
static struct pg_sql q_insert = {
    "INSERT INTO currency_rates (program_id, currency, effective_from, rate, created_at)"
    " VALUES ($1, $2, $3, $4, $5)",
    0};
static struct pg_sql q_at = {
    "SELECT currency, effective_from, rate, created_at FROM currency_rates"
    " WHERE program_id = $1 AND currency = $2 AND effective_from <= $3"
    " ORDER BY effective_from DESC LIMIT 1",
    0};
static struct pg_sql q_of = {
    "SELECT currency, effective_from, rate, created_at FROM currency_rates"
    " WHERE program_id = $1 AND currency = $2 AND ($3 = 0 OR effective_from < $3)"
    " ORDER BY effective_from DESC LIMIT $4",
    0};
static struct pg_sql q_list = {
    "SELECT c.currency, count(*),"
    " (SELECT rate FROM currency_rates r WHERE r.program_id = $1"
    "  AND r.currency = c.currency AND r.effective_from <= $2"
    "  ORDER BY r.effective_from DESC LIMIT 1),"
    " (SELECT effective_from FROM currency_rates r WHERE r.program_id = $1"
    "  AND r.currency = c.currency AND r.effective_from <= $2"
    "  ORDER BY r.effective_from DESC LIMIT 1),"
    " (SELECT rate FROM currency_rates r WHERE r.program_id = $1"
    "  AND r.currency = c.currency AND r.effective_from > $2"
    "  ORDER BY r.effective_from LIMIT 1),"
    " (SELECT effective_from FROM currency_rates r WHERE r.program_id = $1"
    "  AND r.currency = c.currency AND r.effective_from > $2"
    "  ORDER BY r.effective_from LIMIT 1)"
    " FROM currency_rates c WHERE c.program_id = $1 GROUP BY c.currency"
    " ORDER BY c.currency LIMIT $3",
    0};
static struct pg_sql q_conv_set = {
    "UPDATE purchases SET original_currency = $4, original_total_minor = $5, rate = $6,"
    " converted_total_minor = $7 WHERE program_id = $1 AND member_id = $2 AND id = $3",
    0};
static struct pg_sql q_conv_get = {
    "SELECT original_currency, original_total_minor, rate, converted_total_minor"
    " FROM purchases WHERE program_id = $1 AND member_id = $2 AND id = $3",
    0};

static const struct pg_unique_key rate_keys[] = {
    {"currency_rates_from", "effective_from"}, {NULL, NULL}};

/* Whether s is inside a write transaction: then reads that decide are locked. */
static int in_write(struct pg_store *s)
{
    PGTransactionStatusType t = PQtransactionStatus(s->conn);
    return s->write && (t == PQTRANS_INTRANS || t == PQTRANS_ACTIVE);
}

static int lock_currency(struct pg_store *s, int64_t program_id, const char *currency,
                         int shared, struct fdl_error *err)
{
    char key[64];
    snprintf(key, sizeof(key), "fdl.currency_rates:%s", currency);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_text(&p, key);
    return pg_run_sql(s, shared ? &q_lock_shared : &q_lock, &p, NULL, NULL, err);
}

int pg_currency_rate_insert(struct fdl_store *st, int64_t program_id,
                            const struct fdl_currency_rate *r, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(r && r->rate > 0);
    int rc = lock_currency(s, program_id, r->currency, 0, err);
    if (rc)
        return rc;
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_text(&p, r->currency);
    pg_int(&p, r->effective_from_s);
    pg_int(&p, r->rate);
    pg_int(&p, r->created_at_s);
    return pg_run_sql(s, &q_insert, &p, rate_keys, NULL, err);
}

static void read_rate(const PGresult *res, int row, struct fdl_currency_rate *out)
{
    memset(out, 0, sizeof(*out));
    pg_column_text(res, row, 0, out->currency, sizeof(out->currency));
    out->effective_from_s = pg_column_int(res, row, 1);
    out->rate = pg_column_int(res, row, 2);
    out->created_at_s = pg_column_int(res, row, 3);
}

int pg_currency_rate_at(struct fdl_store *st, int64_t program_id, const char *currency,
                        int64_t t_s, struct fdl_currency_rate *out, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(currency && out);
    int rc = 0;
    if (in_write(s) && (rc = lock_currency(s, program_id, currency, 1, err)))
        return rc;
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_text(&p, currency);
    pg_int(&p, t_s);
    PGresult *res;
    if ((rc = pg_run_sql(s, &q_at, &p, NULL, &res, err)))
        return rc;
    if (PQntuples(res) < 1) {
        PQclear(res);
        return fdl_error_set(err, FDL_ENOT_FOUND, NULL, "no rate in force");
    }
    read_rate(res, 0, out);
    PQclear(res);
    return 0;
}

int pg_currency_rates_of(struct fdl_store *st, int64_t program_id, const char *currency,
                         int64_t before_s, int limit, struct fdl_currency_rate *out,
                         int *count, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(currency && out && count && limit > 0);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_text(&p, currency);
    pg_int(&p, before_s);
    pg_int(&p, limit);
    PGresult *res;
    int rc = pg_run_sql(s, &q_of, &p, NULL, &res, err);
    if (rc)
        return rc;
    int n = PQntuples(res) < limit ? PQntuples(res) : limit;
    for (int i = 0; i < n; i++)
        read_rate(res, i, &out[i]);
    PQclear(res);
    *count = n;
    return 0;
}

int pg_currencies_list(struct fdl_store *st, int64_t program_id, int64_t now_s,
                       struct fdl_currency_summary *out, int max, int *count,
                       struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(out && count && max > 0);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, now_s);
    pg_int(&p, max);
    PGresult *res;
    int rc = pg_run_sql(s, &q_list, &p, NULL, &res, err);
    if (rc)
        return rc;
    int n = PQntuples(res) < max ? PQntuples(res) : max;
    for (int i = 0; i < n; i++) {
        struct fdl_currency_summary *c = &out[i];
        memset(c, 0, sizeof(*c));
        pg_column_text(res, i, 0, c->currency, sizeof(c->currency));
        c->rates = pg_column_int(res, i, 1);
        c->current_rate = pg_column_int(res, i, 2);
        c->current_from_s = pg_column_int(res, i, 3);
        c->next_rate = pg_column_int(res, i, 4);
        c->next_from_s = pg_column_int(res, i, 5);
    }
    PQclear(res);
    *count = n;
    return 0;
}

int pg_purchase_conversion_set(struct fdl_store *st, int64_t program_id,
                               int64_t member_id, int64_t purchase_id,
                               const struct fdl_purchase_conversion *c,
                               struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(c && c->rate > 0);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    pg_int(&p, purchase_id);
    pg_text(&p, c->currency);
    pg_int(&p, c->original_total_minor);
    pg_int(&p, c->rate);
    pg_int(&p, c->converted_total_minor);
    return pg_run_sql(s, &q_conv_set, &p, NULL, NULL, err);
}

int pg_purchase_conversion_get(struct fdl_store *st, int64_t program_id,
                               int64_t member_id, int64_t purchase_id,
                               struct fdl_purchase_conversion *out, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(out);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    pg_int(&p, purchase_id);
    PGresult *res;
    int rc = pg_run_sql(s, &q_conv_get, &p, NULL, &res, err);
    if (rc)
        return rc;
    if (PQntuples(res) < 1) {
        PQclear(res);
        return fdl_error_set(err, FDL_ENOT_FOUND, NULL, "no such purchase");
    }
    memset(out, 0, sizeof(*out));
    pg_column_text(res, 0, 0, out->currency, sizeof(out->currency));
    out->original_total_minor = pg_column_int(res, 0, 1);
    out->rate = pg_column_int(res, 0, 2);
    out->converted_total_minor = pg_column_int(res, 0, 3);
    PQclear(res);
    return 0;
}
