/*
 * sqlite_coalition.c - the SQLite side of coalition settlement: items
 * written in the transaction of the redemption (or refund) that makes them,
 * summed per (issuer, redeemer) pair, and closed by settlements. The schema
 * is migration schema_coalition.
 */
#include "store/sqlite_coalition.h"
#include "store/sqlite_internal.h"

#include <assert.h>
#include <string.h>

const char sqlite_schema_coalition[] =
    "CREATE TABLE settlement_items (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    purchase_id INTEGER NOT NULL,\n"
    "    day INTEGER NOT NULL,\n"
    "    issuer TEXT NOT NULL,\n"
    "    redeemer TEXT NOT NULL,\n"
    "    points INTEGER NOT NULL,\n"
    "    amount_minor INTEGER NOT NULL,\n"
    "    created_at INTEGER NOT NULL,\n"
    "    settlement_id INTEGER NOT NULL DEFAULT 0,\n"
    "    redemption_id INTEGER NOT NULL DEFAULT 0\n"
    ");\n"
    "CREATE INDEX settlement_items_open ON settlement_items (program_id, settlement_id, "
    "day);\n"
    "CREATE TABLE settlements (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    until_day INTEGER NOT NULL,\n"
    "    points INTEGER NOT NULL DEFAULT 0,\n"
    "    amount_minor INTEGER NOT NULL DEFAULT 0,\n"
    "    items INTEGER NOT NULL DEFAULT 0,\n"
    "    created_at INTEGER NOT NULL\n"
    ");\n"
    "CREATE TABLE settlement_lines (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    settlement_id INTEGER NOT NULL,\n"
    "    issuer TEXT NOT NULL,\n"
    "    redeemer TEXT NOT NULL,\n"
    "    points INTEGER NOT NULL,\n"
    "    amount_minor INTEGER NOT NULL,\n"
    "    items INTEGER NOT NULL,\n"
    "    PRIMARY KEY (program_id, settlement_id, issuer, redeemer)\n"
    ") WITHOUT ROWID;\n";

/* Partner isolation: the partner each key, staff account, audit row, gift
 * card and reward redemption belongs to ("" the program's operator). */
const char sqlite_schema_partners[] =
    "ALTER TABLE api_keys ADD COLUMN partner TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE staff ADD COLUMN partner TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE audit_log ADD COLUMN partner TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE sv_cards ADD COLUMN partner TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE reward_redemptions ADD COLUMN partner TEXT NOT NULL DEFAULT '';\n"
    "CREATE INDEX audit_log_partner ON audit_log (program_id, partner, at);\n";

static struct sqlite_sql q_issuer = {
    "SELECT coalesce(p.store_code, '') FROM lots l"
    " LEFT JOIN purchases p ON p.id = l.purchase_id AND p.program_id = l.program_id"
    " WHERE l.program_id = ?1 AND l.member_id = ?2 AND l.id = ?3",
    0};
static struct sqlite_sql q_item = {
    "INSERT INTO settlement_items (program_id, purchase_id, day, issuer, redeemer,"
    " points, amount_minor, created_at, redemption_id)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    0};
static struct sqlite_sql q_reverse = {
    "INSERT INTO settlement_items (program_id, purchase_id, day, issuer, redeemer,"
    " points, amount_minor, created_at, redemption_id)"
    " SELECT program_id, purchase_id, ?3, issuer, redeemer, -points, -amount_minor, ?4,"
    " redemption_id FROM settlement_items"
    " WHERE program_id = ?1 AND redemption_id = ?2 AND points > 0",
    0};
static struct sqlite_sql q_pairs = {
    "SELECT issuer, redeemer, sum(points), sum(amount_minor), count(*)"
    " FROM settlement_items WHERE program_id = ?1 AND day >= ?2 AND day <= ?3"
    " AND (?4 = 0 OR settlement_id = 0) GROUP BY issuer, redeemer"
    " HAVING sum(points) <> 0 ORDER BY issuer, redeemer LIMIT ?5",
    0};
static struct sqlite_sql q_open = {"SELECT count(*) FROM settlement_items"
                                   " WHERE program_id = ?1 AND settlement_id = 0"
                                   " AND day <= ?2",
                                   0};
static struct sqlite_sql q_new = {"INSERT INTO settlements (program_id, until_day,"
                                  " created_at) VALUES (?1, ?2, ?3)",
                                  0};
static struct sqlite_sql q_mark = {"UPDATE settlement_items SET settlement_id = ?3"
                                   " WHERE program_id = ?1 AND settlement_id = 0"
                                   " AND day <= ?2",
                                   0};
static struct sqlite_sql q_lines = {
    "INSERT INTO settlement_lines (program_id, settlement_id, issuer, redeemer, points,"
    " amount_minor, items) SELECT ?1, ?2, issuer, redeemer, sum(points),"
    " sum(amount_minor), count(*) FROM settlement_items"
    " WHERE program_id = ?1 AND settlement_id = ?2 GROUP BY issuer, redeemer"
    " HAVING sum(points) <> 0",
    0};
static struct sqlite_sql q_totals = {
    "UPDATE settlements SET"
    " points = (SELECT coalesce(sum(points), 0) FROM settlement_lines"
    "  WHERE program_id = ?1 AND settlement_id = ?2),"
    " amount_minor = (SELECT coalesce(sum(amount_minor), 0) FROM settlement_lines"
    "  WHERE program_id = ?1 AND settlement_id = ?2),"
    " items = (SELECT count(*) FROM settlement_items"
    "  WHERE program_id = ?1 AND settlement_id = ?2)"
    " WHERE program_id = ?1 AND id = ?2",
    0};
static struct sqlite_sql q_get = {
    "SELECT id, program_id, until_day, points, amount_minor, items, created_at"
    " FROM settlements WHERE program_id = ?1 AND id = ?2",
    0};
static struct sqlite_sql q_get_lines = {
    "SELECT issuer, redeemer, points, amount_minor, items FROM settlement_lines"
    " WHERE program_id = ?1 AND settlement_id = ?2 ORDER BY issuer, redeemer LIMIT ?3",
    0};

int sqlite_lot_issuer_store(struct fdl_store *st, int64_t program_id, int64_t member_id,
                            int64_t lot_id, char out[FDL_MAX_ID_LEN + 1],
                            struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_issuer, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id) || bind_int(q, 3, lot_id))
        return bind_failed(s, q, err);
    out[0] = 0;
    if ((rc = sqlite3_step(q)) == SQLITE_ROW)
        column_text(q, 0, out, FDL_MAX_ID_LEN + 1);
    return sqlite_row_end(s, q, rc, err);
}

int sqlite_settlement_item_insert(struct fdl_store *st,
                                  const struct fdl_settlement_item *it,
                                  struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_item, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, it->program_id) || bind_int(q, 2, it->purchase_id) ||
        bind_int(q, 3, it->day) || bind_text(q, 4, it->issuer) ||
        bind_text(q, 5, it->redeemer) || bind_int(q, 6, it->points) ||
        bind_int(q, 7, it->amount_minor) || bind_int(q, 8, it->created_at_s) ||
        bind_int(q, 9, it->redemption_id))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, NULL, err);
}

static void read_pair(sqlite3_stmt *q, struct fdl_settlement_pair *p)
{
    memset(p, 0, sizeof(*p));
    column_text(q, 0, p->issuer, sizeof(p->issuer));
    column_text(q, 1, p->redeemer, sizeof(p->redeemer));
    p->points = column_int(q, 2);
    p->amount_minor = column_int(q, 3);
    p->items = column_int(q, 4);
}

int sqlite_settlement_pairs(struct fdl_store *st, int64_t program_id, int64_t from_day,
                            int64_t to_day, int open_only,
                            struct fdl_settlement_pair *out, int max, int *count,
                            struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(out && count && max > 0);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_pairs, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, from_day) ||
        bind_int(q, 3, to_day) || bind_int(q, 4, open_only) || bind_int(q, 5, max))
        return bind_failed(s, q, err);
    int n = 0;
    while (n < max && (rc = sqlite3_step(q)) == SQLITE_ROW)
        read_pair(q, &out[n++]);
    return sqlite_rows_end(s, q, rc, n, count, err);
}

/* Runs a statement of two or three integer parameters that returns no row. */
static int run3(struct sqlite_store *s, struct sqlite_sql *sql, int64_t a, int64_t b,
                int64_t c, int n_params, struct fdl_error *err)
{
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, sql, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, a) || bind_int(q, 2, b) || (n_params > 2 && bind_int(q, 3, c)))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, NULL, err);
}

int sqlite_settlement_close(struct fdl_store *st, int64_t program_id, int64_t until_day,
                            int64_t now_s, struct fdl_settlement *out,
                            struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    memset(out, 0, sizeof(*out));
    int rc = op_begin(s, err);
    sqlite3_stmt *q;
    int64_t open = 0;
    if (rc == 0 && (rc = sqlite_prepared(s, &q_open, &q, err)) == 0) {
        if (bind_int(q, 1, program_id) || bind_int(q, 2, until_day))
            rc = bind_failed(s, q, err);
        else {
            if ((rc = sqlite3_step(q)) == SQLITE_ROW)
                open = column_int(q, 0);
            rc = sqlite_row_end(s, q, rc, err);
        }
    }
    if (rc == 0 && open == 0)
        return op_end(s, 0, err);
    int64_t id = 0;
    if (rc == 0 && (rc = run3(s, &q_new, program_id, until_day, now_s, 3, err)) == 0)
        id = sqlite3_last_insert_rowid(s->db);
    if (rc == 0)
        rc = run3(s, &q_mark, program_id, until_day, id, 3, err);
    if (rc == 0)
        rc = run3(s, &q_lines, program_id, id, 0, 2, err);
    if (rc == 0)
        rc = run3(s, &q_totals, program_id, id, 0, 2, err);
    rc = op_end(s, rc, err);
    if (rc == 0) {
        struct fdl_settlement_pair none;
        int n;
        rc = sqlite_settlement_get(st, program_id, id, out, &none, 1, &n, err);
    }
    return rc;
}

int sqlite_settlement_get(struct fdl_store *st, int64_t program_id, int64_t id,
                          struct fdl_settlement *out, struct fdl_settlement_pair *lines,
                          int max, int *count, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(out && lines && count && max > 0);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_get, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, id))
        return bind_failed(s, q, err);
    memset(out, 0, sizeof(*out));
    if ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        out->id = column_int(q, 0);
        out->program_id = column_int(q, 1);
        out->until_day = column_int(q, 2);
        out->points = column_int(q, 3);
        out->amount_minor = column_int(q, 4);
        out->items = column_int(q, 5);
        out->created_at_s = column_int(q, 6);
    }
    if ((rc = sqlite_row_end(s, q, rc, err)))
        return rc;
    if ((rc = sqlite_prepared(s, &q_get_lines, &q, err)))
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, id) || bind_int(q, 3, max))
        return bind_failed(s, q, err);
    int n = 0;
    while (n < max && (rc = sqlite3_step(q)) == SQLITE_ROW)
        read_pair(q, &lines[n++]);
    return sqlite_rows_end(s, q, rc, n, count, err);
}

int sqlite_settlement_items_reverse(struct fdl_store *st, int64_t program_id,
                                    int64_t redemption_id, int64_t day, int64_t now_s,
                                    struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_reverse, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, redemption_id) ||
        bind_int(q, 3, day) || bind_int(q, 4, now_s))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, NULL, err);
}
