/*
 * pg_rewards.c - the reward catalogue on PostgreSQL: sqlite_rewards.c op
 * by op. Members' redemptions (table reward_redemptions, keyed (program_id,
 * member_id, id)).
 *
 * Stock and per-member limits count reserved and committed rows, and a
 * reservation is inserted only if the count allows it. On SQLite the one
 * writer thread makes each count-then-insert atomic; here several processes
 * write at once, so inside a write transaction redemption_counts first
 * takes a transaction-level advisory lock on (program, reward): every
 * reservation of one reward counts and inserts one after the other, until
 * the batch that took the lock commits. The lock is taken by a statement of
 * its own, before the count, so that the count's snapshot (READ COMMITTED:
 * one per statement) sees every reservation committed before the lock was
 * granted. A redemption read in a write transaction (to commit, cancel or
 * expire it) is locked FOR UPDATE, so its status is decided on once.
 */
#include "store/pg_rewards.h"
#include "store/pg_internal.h"

#include <assert.h>
#include <string.h>

/* Migration schema_rewards (sqlite.c's schema_rewards). */
const char pg_schema_rewards[] =
    "CREATE TABLE reward_redemptions (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    member_id BIGINT NOT NULL,\n"
    "    id BIGINT GENERATED ALWAYS AS IDENTITY,\n"
    "    reward_id TEXT COLLATE \"C\" NOT NULL,\n"
    "    reward_name TEXT NOT NULL,\n"
    "    kind TEXT COLLATE \"C\" NOT NULL,\n"
    "    sku TEXT NOT NULL DEFAULT '',\n"
    "    value BIGINT NOT NULL DEFAULT 0,\n"
    "    launch TEXT COLLATE \"C\" NOT NULL DEFAULT '',\n"
    "    campaign TEXT COLLATE \"C\" NOT NULL DEFAULT '',\n"
    "    quantity BIGINT NOT NULL,\n"
    "    points BIGINT NOT NULL,\n"
    "    status BIGINT NOT NULL, -- 1 reserved, 2 committed, 3 cancelled, 4 expired\n"
    "    entry_id BIGINT NOT NULL,\n"
    "    restore_entry_id BIGINT,\n"
    "    txn_id TEXT NOT NULL DEFAULT '',\n"
    "    created_at BIGINT NOT NULL,\n"
    "    hold_expires_at BIGINT NOT NULL,\n"
    "    committed_at BIGINT,\n"
    "    cancelled_at BIGINT,\n"
    "    PRIMARY KEY (program_id, member_id, id),\n"
    "    FOREIGN KEY (program_id, member_id) REFERENCES members (program_id, id),\n"
    "    FOREIGN KEY (program_id, member_id, entry_id)\n"
    "        REFERENCES entries (program_id, member_id, id)\n"
    ");\n"
    "CREATE INDEX reward_redemptions_id ON reward_redemptions (program_id, id);\n"
    "CREATE INDEX reward_redemptions_reward ON reward_redemptions "
    "(program_id, reward_id, status);\n"
    "CREATE INDEX reward_redemptions_hold ON reward_redemptions "
    "(program_id, hold_expires_at) WHERE status = 1;\n";

#define REDEMPTION_COLUMNS                                                               \
    "id, program_id, member_id, reward_id, reward_name, kind, sku, value, launch, "      \
    "quantity, points, status, entry_id, coalesce(restore_entry_id, 0), txn_id, "        \
    "created_at, hold_expires_at, coalesce(committed_at, 0), coalesce(cancelled_at, "    \
    "0), campaign, partner"
#define REDEMPTION_GET                                                                   \
    "SELECT " REDEMPTION_COLUMNS " FROM reward_redemptions WHERE program_id = $1 AND "   \
    "id = $2"

static struct pg_sql q_insert = {
    "INSERT INTO reward_redemptions (program_id, member_id, reward_id, reward_name, "
    "kind, sku, value, launch, quantity, points, status, entry_id, txn_id, created_at, "
    "hold_expires_at, campaign, partner) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
    "$10, "
    "$11, $12, $13, $14, $15, $16, $17) RETURNING id",
    0};
static struct pg_sql q_get = {REDEMPTION_GET, 0};
static struct pg_sql q_get_locked = {REDEMPTION_GET " FOR UPDATE", 0};
static struct pg_sql q_update = {
    "UPDATE reward_redemptions SET status = $3, txn_id = $4, committed_at = $5, "
    "cancelled_at = $6, restore_entry_id = $7 WHERE program_id = $1 AND id = $2",
    0};
static struct pg_sql q_of = {"SELECT " REDEMPTION_COLUMNS
                             " FROM reward_redemptions WHERE program_id = $1 AND "
                             "member_id = $2 AND id < $3 ORDER BY id DESC LIMIT $4",
                             0};
/* Serialises the count-then-insert of one reward's reservations. */
static struct pg_sql q_counts_lock = {
    "SELECT pg_advisory_xact_lock(hashtextextended('reward:' || $1::bigint::text || ':' "
    "|| $2::text, 0))",
    0};
static struct pg_sql q_counts = {
    "SELECT coalesce(sum(quantity), 0), "
    "coalesce(sum(CASE WHEN member_id = $3 AND created_at >= $4 THEN quantity END), 0) "
    "FROM reward_redemptions WHERE program_id = $1 AND reward_id = $2 AND status IN "
    "(1, 2)",
    0};
static struct pg_sql q_hold_expired = {
    "SELECT id FROM reward_redemptions WHERE program_id = $1 AND status = 1 AND "
    "hold_expires_at <= $2 ORDER BY hold_expires_at, id LIMIT $3",
    0};
static struct pg_sql q_entitled = {
    "SELECT EXISTS (SELECT 1 FROM reward_redemptions WHERE program_id = $1 AND "
    "member_id = $2 AND launch = $3 AND kind = 'early_access' AND (status = 2 OR "
    "(status = 1 AND hold_expires_at > $4)))::int",
    0};

/* Whether reads lock what they decide on: inside a write transaction. */
static int locking(struct pg_store *s)
{
    PGTransactionStatusType t = PQtransactionStatus(s->conn);
    return s->write && (t == PQTRANS_INTRANS || t == PQTRANS_ACTIVE);
}

static void redemption_read(const PGresult *res, int row, struct fdl_redemption *r)
{
    memset(r, 0, sizeof(*r));
    r->id = pg_column_int(res, row, 0);
    r->program_id = pg_column_int(res, row, 1);
    r->member_id = pg_column_int(res, row, 2);
    pg_column_text(res, row, 3, r->reward_id, sizeof(r->reward_id));
    pg_column_text(res, row, 4, r->reward_name, sizeof(r->reward_name));
    pg_column_text(res, row, 5, r->kind, sizeof(r->kind));
    pg_column_text(res, row, 6, r->sku, sizeof(r->sku));
    r->value_minor = pg_column_int(res, row, 7);
    pg_column_text(res, row, 8, r->launch, sizeof(r->launch));
    r->quantity = pg_column_int(res, row, 9);
    r->points = pg_column_int(res, row, 10);
    r->status = (enum fdl_redemption_status)pg_column_int(res, row, 11);
    r->entry_id = pg_column_int(res, row, 12);
    r->restore_entry_id = pg_column_int(res, row, 13);
    pg_column_text(res, row, 14, r->txn_id, sizeof(r->txn_id));
    r->created_at_s = pg_column_int(res, row, 15);
    r->hold_expires_at_s = pg_column_int(res, row, 16);
    r->committed_at_s = pg_column_int(res, row, 17);
    r->cancelled_at_s = pg_column_int(res, row, 18);
    pg_column_text(res, row, 19, r->campaign, sizeof(r->campaign));
    pg_column_text(res, row, 20, r->partner, sizeof(r->partner));
}

int pg_redemption_insert(struct fdl_store *st, struct fdl_redemption *r,
                         struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(r);
    struct pg_params p = {0};
    pg_int(&p, r->program_id);
    pg_int(&p, r->member_id);
    pg_text(&p, r->reward_id);
    pg_text(&p, r->reward_name);
    pg_text(&p, r->kind);
    pg_text(&p, r->sku);
    pg_int(&p, r->value_minor);
    pg_text(&p, r->launch);
    pg_int(&p, r->quantity);
    pg_int(&p, r->points);
    pg_int(&p, r->status);
    pg_int(&p, r->entry_id);
    pg_text(&p, r->txn_id);
    pg_int(&p, r->created_at_s);
    pg_int(&p, r->hold_expires_at_s);
    pg_text(&p, r->campaign);
    pg_text(&p, r->partner);
    PGresult *res;
    int rc = pg_run_sql(s, &q_insert, &p, NULL, &res, err);
    if (rc)
        return rc;
    if (PQntuples(res) == 1)
        r->id = pg_column_int(res, 0, 0);
    else
        rc = fdl_error_set(err, FDL_ESTORE, NULL, "an insert returned no id");
    PQclear(res);
    return rc;
}

int pg_redemption_get(struct fdl_store *st, int64_t program_id, int64_t id,
                      struct fdl_redemption *out, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(out);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, id);
    PGresult *res;
    int rc = pg_run_sql(s, locking(s) ? &q_get_locked : &q_get, &p, NULL, &res, err);
    if (rc)
        return rc;
    if (PQntuples(res) < 1)
        rc = fdl_error_set(err, FDL_ENOT_FOUND, NULL, "not found");
    else
        redemption_read(res, 0, out);
    PQclear(res);
    return rc;
}

int pg_redemption_update(struct fdl_store *st, const struct fdl_redemption *r,
                         struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(r);
    struct pg_params p = {0};
    pg_int(&p, r->program_id);
    pg_int(&p, r->id);
    pg_int(&p, r->status);
    pg_text(&p, r->txn_id);
    pg_optional(&p, r->committed_at_s);
    pg_optional(&p, r->cancelled_at_s);
    pg_optional(&p, r->restore_entry_id);
    return pg_run_sql(s, &q_update, &p, NULL, NULL, err);
}

int pg_redemptions_of(struct fdl_store *st, int64_t program_id, int64_t member_id,
                      int64_t before_id, int limit, struct fdl_redemption *out,
                      int *count, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(out && count && limit > 0);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    pg_int(&p, before_id > 0 ? before_id : INT64_MAX);
    pg_int(&p, limit);
    PGresult *res;
    int rc = pg_run_sql(s, &q_of, &p, NULL, &res, err);
    if (rc)
        return rc;
    int n = PQntuples(res);
    if (n > limit)
        n = limit;
    for (int i = 0; i < n; i++)
        redemption_read(res, i, &out[i]);
    PQclear(res);
    *count = n;
    return 0;
}

int pg_redemption_counts(struct fdl_store *st, int64_t program_id, const char *reward_id,
                         int64_t member_id, int64_t since_s, int64_t *stock_used,
                         int64_t *member_used, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_text(&p, reward_id);
    int rc = locking(s) ? pg_run_sql(s, &q_counts_lock, &p, NULL, NULL, err) : 0;
    if (rc)
        return rc;
    pg_int(&p, member_id);
    pg_int(&p, since_s);
    PGresult *res;
    if ((rc = pg_run_sql(s, &q_counts, &p, NULL, &res, err)) != 0)
        return rc;
    if (PQntuples(res) == 1) {
        *stock_used = pg_column_int(res, 0, 0);
        *member_used = pg_column_int(res, 0, 1);
    } else {
        rc = fdl_error_set(err, FDL_ESTORE, NULL, "a count returned no row");
    }
    PQclear(res);
    return rc;
}

int pg_redemptions_hold_expired(struct fdl_store *st, int64_t program_id, int64_t now_s,
                                int limit, int64_t *ids, int *count,
                                struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(ids && count && limit > 0);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, now_s);
    pg_int(&p, limit);
    PGresult *res;
    int rc = pg_run_sql(s, &q_hold_expired, &p, NULL, &res, err);
    if (rc)
        return rc;
    int n = PQntuples(res);
    if (n > limit)
        n = limit;
    for (int i = 0; i < n; i++)
        ids[i] = pg_column_int(res, i, 0);
    PQclear(res);
    *count = n;
    return 0;
}

int pg_redemption_entitled(struct fdl_store *st, int64_t program_id, int64_t member_id,
                           const char *launch, int64_t now_s, int *entitled,
                           struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    pg_text(&p, launch);
    pg_int(&p, now_s);
    PGresult *res;
    int rc = pg_run_sql(s, &q_entitled, &p, NULL, &res, err);
    if (rc)
        return rc;
    if (PQntuples(res) == 1)
        *entitled = pg_column_int(res, 0, 0) != 0;
    else
        rc = fdl_error_set(err, FDL_ESTORE, NULL, "a query returned no row");
    PQclear(res);
    return rc;
}
