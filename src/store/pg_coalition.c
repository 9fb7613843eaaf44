/*
 * pg_coalition.c - the PostgreSQL side of coalition settlement; the
 * counterpart of sqlite_coalition.c, with the same schema version
 * (migration schema_coalition).
 *
 * Locking: items are inserted by a redemption or refund under its member's
 * lock and never updated except by a close. A close takes a
 * transaction-long advisory lock on the program's settlement, so two closes
 * run one after the other; it marks the items with one UPDATE (which
 * re-checks settlement_id = 0 on each row it locks) and builds the lines
 * from the items it marked, so an item committed meanwhile is either in
 * this settlement, whole, or left open for the next.
 */
#include "store/pg_coalition.h"
#include "store/pg_internal.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* All three tables are keyed by program (not member): under Citus they are
 * distributed by program_id or kept as reference tables (docs/operations.md). */
const char pg_schema_coalition[] =
    "CREATE TABLE settlement_items (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    id BIGINT GENERATED ALWAYS AS IDENTITY,\n"
    "    purchase_id BIGINT NOT NULL,\n"
    "    day BIGINT NOT NULL,\n"
    "    issuer TEXT COLLATE \"C\" NOT NULL,\n"
    "    redeemer TEXT COLLATE \"C\" NOT NULL,\n"
    "    points BIGINT NOT NULL,\n"
    "    amount_minor BIGINT NOT NULL,\n"
    "    created_at BIGINT NOT NULL,\n"
    "    settlement_id BIGINT NOT NULL DEFAULT 0,\n"
    "    redemption_id BIGINT NOT NULL DEFAULT 0,\n"
    "    PRIMARY KEY (program_id, id)\n"
    ");\n"
    "CREATE INDEX settlement_items_open ON settlement_items (program_id, settlement_id, "
    "day);\n"
    "CREATE TABLE settlements (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    id BIGINT GENERATED ALWAYS AS IDENTITY,\n"
    "    until_day BIGINT NOT NULL,\n"
    "    points BIGINT NOT NULL DEFAULT 0,\n"
    "    amount_minor BIGINT NOT NULL DEFAULT 0,\n"
    "    items BIGINT NOT NULL DEFAULT 0,\n"
    "    created_at BIGINT NOT NULL,\n"
    "    PRIMARY KEY (program_id, id)\n"
    ");\n"
    "CREATE TABLE settlement_lines (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    settlement_id BIGINT NOT NULL,\n"
    "    issuer TEXT COLLATE \"C\" NOT NULL,\n"
    "    redeemer TEXT COLLATE \"C\" NOT NULL,\n"
    "    points BIGINT NOT NULL,\n"
    "    amount_minor BIGINT NOT NULL,\n"
    "    items BIGINT NOT NULL,\n"
    "    PRIMARY KEY (program_id, settlement_id, issuer, redeemer)\n"
    ");\n";

/* Partner isolation: the partner each key, staff account, audit row, gift
 * card and reward redemption belongs to ("" the program's operator). */
const char pg_schema_partners[] =
    "ALTER TABLE api_keys ADD COLUMN partner TEXT COLLATE \"C\" NOT NULL DEFAULT '';\n"
    "ALTER TABLE staff ADD COLUMN partner TEXT COLLATE \"C\" NOT NULL DEFAULT '';\n"
    "ALTER TABLE audit_log ADD COLUMN partner TEXT COLLATE \"C\" NOT NULL DEFAULT '';\n"
    "ALTER TABLE sv_cards ADD COLUMN partner TEXT COLLATE \"C\" NOT NULL DEFAULT '';\n"
    "ALTER TABLE reward_redemptions ADD COLUMN partner TEXT COLLATE \"C\" NOT NULL "
    "DEFAULT '';\n"
    "CREATE INDEX audit_log_partner ON audit_log (program_id, partner, at);\n";

static struct pg_sql q_lock = {
    "SELECT pg_advisory_xact_lock(hashtextextended('fdl.settlements', $1))", 0};
static struct pg_sql q_issuer = {
    "SELECT coalesce(p.store_code, '') FROM lots l"
    " LEFT JOIN purchases p ON p.id = l.purchase_id AND p.program_id = l.program_id"
    " AND p.member_id = l.member_id"
    " WHERE l.program_id = $1 AND l.member_id = $2 AND l.id = $3",
    0};
static struct pg_sql q_item = {
    "INSERT INTO settlement_items (program_id, purchase_id, day, issuer, redeemer,"
    " points, amount_minor, created_at, redemption_id)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    0};
static struct pg_sql q_reverse = {
    "INSERT INTO settlement_items (program_id, purchase_id, day, issuer, redeemer,"
    " points, amount_minor, created_at, redemption_id)"
    " SELECT program_id, purchase_id, $3, issuer, redeemer, -points, -amount_minor, $4,"
    " redemption_id FROM settlement_items"
    " WHERE program_id = $1 AND redemption_id = $2 AND points > 0",
    0};
static struct pg_sql q_pairs = {
    "SELECT issuer, redeemer, sum(points), sum(amount_minor), count(*)"
    " FROM settlement_items WHERE program_id = $1 AND day >= $2 AND day <= $3"
    " AND ($4 = 0 OR settlement_id = 0) GROUP BY issuer, redeemer"
    " HAVING sum(points) <> 0 ORDER BY issuer, redeemer LIMIT $5",
    0};
static struct pg_sql q_new = {"INSERT INTO settlements (program_id, until_day,"
                              " created_at) VALUES ($1, $2, $3) RETURNING id",
                              0};
static struct pg_sql q_mark = {"UPDATE settlement_items SET settlement_id = $3"
                               " WHERE program_id = $1 AND settlement_id = 0"
                               " AND day <= $2",
                               0};
static struct pg_sql q_drop = {
    "DELETE FROM settlements WHERE program_id = $1 AND id = $2", 0};
static struct pg_sql q_lines = {
    "INSERT INTO settlement_lines (program_id, settlement_id, issuer, redeemer, points,"
    " amount_minor, items) SELECT $1, $2, issuer, redeemer, sum(points),"
    " sum(amount_minor), count(*) FROM settlement_items"
    " WHERE program_id = $1 AND settlement_id = $2 GROUP BY issuer, redeemer"
    " HAVING sum(points) <> 0",
    0};
static struct pg_sql q_totals = {
    "UPDATE settlements SET"
    " points = (SELECT coalesce(sum(points), 0) FROM settlement_lines"
    "  WHERE program_id = $1 AND settlement_id = $2),"
    " amount_minor = (SELECT coalesce(sum(amount_minor), 0) FROM settlement_lines"
    "  WHERE program_id = $1 AND settlement_id = $2),"
    " items = (SELECT count(*) FROM settlement_items"
    "  WHERE program_id = $1 AND settlement_id = $2)"
    " WHERE program_id = $1 AND id = $2",
    0};
static struct pg_sql q_get = {
    "SELECT id, program_id, until_day, points, amount_minor, items, created_at"
    " FROM settlements WHERE program_id = $1 AND id = $2",
    0};
static struct pg_sql q_get_lines = {
    "SELECT issuer, redeemer, points, amount_minor, items FROM settlement_lines"
    " WHERE program_id = $1 AND settlement_id = $2 ORDER BY issuer, redeemer LIMIT $3",
    0};

int pg_lot_issuer_store(struct fdl_store *st, int64_t program_id, int64_t member_id,
                        int64_t lot_id, char out[FDL_MAX_ID_LEN + 1],
                        struct fdl_error *err)
{
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    pg_int(&p, lot_id);
    PGresult *res;
    int rc = pg_run_sql(pg_of(st), &q_issuer, &p, NULL, &res, err);
    if (rc)
        return rc;
    out[0] = 0;
    if (PQntuples(res) < 1) {
        PQclear(res);
        return fdl_error_set(err, FDL_ENOT_FOUND, NULL, "no such lot");
    }
    pg_column_text(res, 0, 0, out, FDL_MAX_ID_LEN + 1);
    PQclear(res);
    return 0;
}

int pg_settlement_item_insert(struct fdl_store *st, const struct fdl_settlement_item *it,
                              struct fdl_error *err)
{
    struct pg_params p = {0};
    pg_int(&p, it->program_id);
    pg_int(&p, it->purchase_id);
    pg_int(&p, it->day);
    pg_text(&p, it->issuer);
    pg_text(&p, it->redeemer);
    pg_int(&p, it->points);
    pg_int(&p, it->amount_minor);
    pg_int(&p, it->created_at_s);
    pg_int(&p, it->redemption_id);
    return pg_run_sql(pg_of(st), &q_item, &p, NULL, NULL, err);
}

static void read_pair(const PGresult *res, int row, struct fdl_settlement_pair *p)
{
    memset(p, 0, sizeof(*p));
    pg_column_text(res, row, 0, p->issuer, sizeof(p->issuer));
    pg_column_text(res, row, 1, p->redeemer, sizeof(p->redeemer));
    p->points = pg_column_int(res, row, 2);
    p->amount_minor = pg_column_int(res, row, 3);
    p->items = pg_column_int(res, row, 4);
}

int pg_settlement_pairs(struct fdl_store *st, int64_t program_id, int64_t from_day,
                        int64_t to_day, int open_only, struct fdl_settlement_pair *out,
                        int max, int *count, struct fdl_error *err)
{
    assert(out && count && max > 0);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, from_day);
    pg_int(&p, to_day);
    pg_int(&p, open_only);
    pg_int(&p, max);
    PGresult *res;
    int rc = pg_run_sql(pg_of(st), &q_pairs, &p, NULL, &res, err);
    if (rc)
        return rc;
    int n = PQntuples(res) < max ? PQntuples(res) : max;
    for (int i = 0; i < n; i++)
        read_pair(res, i, &out[i]);
    PQclear(res);
    *count = n;
    return 0;
}

static int run2(struct pg_store *s, struct pg_sql *sql, int64_t a, int64_t b,
                struct fdl_error *err)
{
    struct pg_params p = {0};
    pg_int(&p, a);
    pg_int(&p, b);
    return pg_run_sql(s, sql, &p, NULL, NULL, err);
}

static int close_in_op(struct fdl_store *st, int64_t program_id, int64_t until_day,
                       int64_t now_s, struct fdl_settlement *out, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    int rc = pg_run_sql(s, &q_lock, &p, NULL, NULL, err);
    if (rc)
        return rc;
    struct pg_params n = {0};
    pg_int(&n, program_id);
    pg_int(&n, until_day);
    pg_int(&n, now_s);
    PGresult *res;
    if ((rc = pg_run_sql(s, &q_new, &n, NULL, &res, err)))
        return rc;
    int64_t id = pg_column_int(res, 0, 0);
    PQclear(res);
    struct pg_params m = {0};
    pg_int(&m, program_id);
    pg_int(&m, until_day);
    pg_int(&m, id);
    if ((rc = pg_run_sql(s, &q_mark, &m, NULL, &res, err)))
        return rc;
    long marked = strtol(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    if (marked == 0) /* nothing open: the settlement is not recorded */
        return run2(s, &q_drop, program_id, id, err);
    if ((rc = run2(s, &q_lines, program_id, id, err)) ||
        (rc = run2(s, &q_totals, program_id, id, err)))
        return rc;
    struct fdl_settlement_pair none;
    int count;
    return pg_settlement_get(st, program_id, id, out, &none, 1, &count, err);
}

int pg_settlement_close(struct fdl_store *st, int64_t program_id, int64_t until_day,
                        int64_t now_s, struct fdl_settlement *out, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    memset(out, 0, sizeof(*out));
    int rc = pg_op_begin(s, err);
    if (rc == 0)
        rc = close_in_op(st, program_id, until_day, now_s, out, err);
    return pg_op_end(s, rc, err);
}

int pg_settlement_get(struct fdl_store *st, int64_t program_id, int64_t id,
                      struct fdl_settlement *out, struct fdl_settlement_pair *lines,
                      int max, int *count, struct fdl_error *err)
{
    assert(out && lines && count && max > 0);
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, id);
    PGresult *res;
    int rc = pg_run_sql(s, &q_get, &p, NULL, &res, err);
    if (rc)
        return rc;
    if (PQntuples(res) < 1) {
        PQclear(res);
        return fdl_error_set(err, FDL_ENOT_FOUND, NULL, "no such settlement");
    }
    memset(out, 0, sizeof(*out));
    out->id = pg_column_int(res, 0, 0);
    out->program_id = pg_column_int(res, 0, 1);
    out->until_day = pg_column_int(res, 0, 2);
    out->points = pg_column_int(res, 0, 3);
    out->amount_minor = pg_column_int(res, 0, 4);
    out->items = pg_column_int(res, 0, 5);
    out->created_at_s = pg_column_int(res, 0, 6);
    PQclear(res);
    struct pg_params l = {0};
    pg_int(&l, program_id);
    pg_int(&l, id);
    pg_int(&l, max);
    if ((rc = pg_run_sql(s, &q_get_lines, &l, NULL, &res, err)))
        return rc;
    int n = PQntuples(res) < max ? PQntuples(res) : max;
    for (int i = 0; i < n; i++)
        read_pair(res, i, &lines[i]);
    PQclear(res);
    *count = n;
    return 0;
}

int pg_settlement_items_reverse(struct fdl_store *st, int64_t program_id,
                                int64_t redemption_id, int64_t day, int64_t now_s,
                                struct fdl_error *err)
{
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, redemption_id);
    pg_int(&p, day);
    pg_int(&p, now_s);
    return pg_run_sql(pg_of(st), &q_reverse, &p, NULL, NULL, err);
}
