/*
 * sqlite_currency.c - the SQLite side of exchange rates: one row per
 * (program, currency, effective time), never updated, and the conversion
 * columns of purchases. The schema is migration schema_currency.
 */
#include "store/sqlite_currency.h"
#include "store/sqlite_internal.h"

#include <assert.h>
#include <string.h>

const char sqlite_schema_currency[] =
    "CREATE TABLE currency_rates (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    currency TEXT NOT NULL,\n"
    "    effective_from INTEGER NOT NULL,\n"
    "    rate INTEGER NOT NULL CHECK (rate > 0),\n"
    "    created_at INTEGER NOT NULL,\n"
    "    PRIMARY KEY (program_id, currency, effective_from)\n"
    ") WITHOUT ROWID;\n"
    "ALTER TABLE purchases ADD COLUMN original_currency TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE purchases ADD COLUMN original_total_minor INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE purchases ADD COLUMN rate INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE purchases ADD COLUMN converted_total_minor INTEGER NOT NULL DEFAULT "
    "0;\n";

static struct sqlite_sql q_insert = {
    "INSERT INTO currency_rates (program_id, currency, effective_from, rate, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5)",
    0};
static struct sqlite_sql q_at = {
    "SELECT currency, effective_from, rate, created_at FROM currency_rates"
    " WHERE program_id = ?1 AND currency = ?2 AND effective_from <= ?3"
    " ORDER BY effective_from DESC LIMIT 1",
    0};
static struct sqlite_sql q_of = {
    "SELECT currency, effective_from, rate, created_at FROM currency_rates"
    " WHERE program_id = ?1 AND currency = ?2 AND (?3 = 0 OR effective_from < ?3)"
    " ORDER BY effective_from DESC LIMIT ?4",
    0};
static struct sqlite_sql q_list = {
    "SELECT c.currency, count(*),"
    " (SELECT rate FROM currency_rates r WHERE r.program_id = ?1"
    "  AND r.currency = c.currency AND r.effective_from <= ?2"
    "  ORDER BY r.effective_from DESC LIMIT 1),"
    " (SELECT effective_from FROM currency_rates r WHERE r.program_id = ?1"
    "  AND r.currency = c.currency AND r.effective_from <= ?2"
    "  ORDER BY r.effective_from DESC LIMIT 1),"
    " (SELECT rate FROM currency_rates r WHERE r.program_id = ?1"
    "  AND r.currency = c.currency AND r.effective_from > ?2"
    "  ORDER BY r.effective_from LIMIT 1),"
    " (SELECT effective_from FROM currency_rates r WHERE r.program_id = ?1"
    "  AND r.currency = c.currency AND r.effective_from > ?2"
    "  ORDER BY r.effective_from LIMIT 1)"
    " FROM currency_rates c WHERE c.program_id = ?1 GROUP BY c.currency"
    " ORDER BY c.currency LIMIT ?3",
    0};
static struct sqlite_sql q_conv_set = {
    "UPDATE purchases SET original_currency = ?4, original_total_minor = ?5, rate = ?6,"
    " converted_total_minor = ?7 WHERE program_id = ?1 AND member_id = ?2 AND id = ?3",
    0};
static struct sqlite_sql q_conv_get = {
    "SELECT original_currency, original_total_minor, rate, converted_total_minor"
    " FROM purchases WHERE program_id = ?1 AND member_id = ?2 AND id = ?3",
    0};

static const struct unique_key rate_keys[] = {
    {"currency_rates.effective_from", "effective_from"}, {NULL, NULL}};

int sqlite_currency_rate_insert(struct fdl_store *st, int64_t program_id,
                                const struct fdl_currency_rate *r, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(r && r->rate > 0);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_insert, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_text(q, 2, r->currency) ||
        bind_int(q, 3, r->effective_from_s) || bind_int(q, 4, r->rate) ||
        bind_int(q, 5, r->created_at_s))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, rate_keys, err);
}

static void read_rate(sqlite3_stmt *q, struct fdl_currency_rate *out)
{
    memset(out, 0, sizeof(*out));
    column_text(q, 0, out->currency, sizeof(out->currency));
    out->effective_from_s = column_int(q, 1);
    out->rate = column_int(q, 2);
    out->created_at_s = column_int(q, 3);
}

int sqlite_currency_rate_at(struct fdl_store *st, int64_t program_id,
                            const char *currency, int64_t t_s,
                            struct fdl_currency_rate *out, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(currency && out);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_at, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_text(q, 2, currency) || bind_int(q, 3, t_s))
        return bind_failed(s, q, err);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        read_rate(q, out);
    return sqlite_row_end(s, q, rc, err);
}

int sqlite_currency_rates_of(struct fdl_store *st, int64_t program_id,
                             const char *currency, int64_t before_s, int limit,
                             struct fdl_currency_rate *out, int *count,
                             struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(currency && out && count && limit > 0);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_of, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_text(q, 2, currency) ||
        bind_int(q, 3, before_s) || bind_int(q, 4, limit))
        return bind_failed(s, q, err);
    int n = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && n < limit)
        read_rate(q, &out[n++]);
    return sqlite_rows_end(s, q, rc, n, count, err);
}

int sqlite_currencies_list(struct fdl_store *st, int64_t program_id, int64_t now_s,
                           struct fdl_currency_summary *out, int max, int *count,
                           struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(out && count && max > 0);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_list, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, now_s) || bind_int(q, 3, max))
        return bind_failed(s, q, err);
    int n = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && n < max) {
        struct fdl_currency_summary *c = &out[n++];
        memset(c, 0, sizeof(*c));
        column_text(q, 0, c->currency, sizeof(c->currency));
        c->rates = column_int(q, 1);
        c->current_rate = column_int(q, 2);
        c->current_from_s = column_int(q, 3);
        c->next_rate = column_int(q, 4);
        c->next_from_s = column_int(q, 5);
    }
    return sqlite_rows_end(s, q, rc, n, count, err);
}

int sqlite_purchase_conversion_set(struct fdl_store *st, int64_t program_id,
                                   int64_t member_id, int64_t purchase_id,
                                   const struct fdl_purchase_conversion *c,
                                   struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(c && c->rate > 0);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_conv_set, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id) ||
        bind_int(q, 3, purchase_id) || bind_text(q, 4, c->currency) ||
        bind_int(q, 5, c->original_total_minor) || bind_int(q, 6, c->rate) ||
        bind_int(q, 7, c->converted_total_minor))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, NULL, err);
}

int sqlite_purchase_conversion_get(struct fdl_store *st, int64_t program_id,
                                   int64_t member_id, int64_t purchase_id,
                                   struct fdl_purchase_conversion *out,
                                   struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(out);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_conv_get, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id) ||
        bind_int(q, 3, purchase_id))
        return bind_failed(s, q, err);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof(*out));
        column_text(q, 0, out->currency, sizeof(out->currency));
        out->original_total_minor = column_int(q, 1);
        out->rate = column_int(q, 2);
        out->converted_total_minor = column_int(q, 3);
    }
    return sqlite_row_end(s, q, rc, err);
}
