/*
 * sqlite_rewards.c - the SQLite side of the reward catalogue: members'
 * redemptions (table reward_redemptions, sqlite.c's schema_rewards).
 * Stock and per-member limits count reserved and committed rows; the
 * writer's one thread makes each count-then-insert atomic.
 */
#include "store/sqlite_rewards.h"
#include "store/sqlite_internal.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#define REDEMPTION_COLUMNS                                                               \
    "id, program_id, member_id, reward_id, reward_name, kind, sku, value, launch, "      \
    "quantity, points, status, entry_id, coalesce(restore_entry_id, 0), txn_id, "        \
    "created_at, hold_expires_at, coalesce(committed_at, 0), coalesce(cancelled_at, "    \
    "0), "                                                                               \
    "campaign, partner"

static struct sqlite_sql q_insert = {
    "INSERT INTO reward_redemptions (program_id, member_id, reward_id, reward_name, "
    "kind, sku, value, launch, quantity, points, status, entry_id, txn_id, created_at, "
    "hold_expires_at, campaign, partner) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
    "?10, "
    "?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    0};
static struct sqlite_sql q_get = {"SELECT " REDEMPTION_COLUMNS
                                  " FROM reward_redemptions WHERE program_id = ?1 AND "
                                  "id = ?2",
                                  0};
static struct sqlite_sql q_update = {
    "UPDATE reward_redemptions SET status = ?3, txn_id = ?4, committed_at = ?5, "
    "cancelled_at = ?6, restore_entry_id = ?7 WHERE program_id = ?1 AND id = ?2",
    0};
static struct sqlite_sql q_of = {"SELECT " REDEMPTION_COLUMNS
                                 " FROM reward_redemptions WHERE program_id = ?1 AND "
                                 "member_id = ?2 AND id < ?3 ORDER BY id DESC LIMIT ?4",
                                 0};
static struct sqlite_sql q_counts = {
    "SELECT coalesce(sum(quantity), 0), "
    "coalesce(sum(CASE WHEN member_id = ?3 AND created_at >= ?4 THEN quantity END), 0) "
    "FROM reward_redemptions WHERE program_id = ?1 AND reward_id = ?2 AND status IN "
    "(1, 2)",
    0};
static struct sqlite_sql q_hold_expired = {
    "SELECT id FROM reward_redemptions WHERE program_id = ?1 AND status = 1 AND "
    "hold_expires_at <= ?2 ORDER BY hold_expires_at, id LIMIT ?3",
    0};
static struct sqlite_sql q_entitled = {
    "SELECT EXISTS (SELECT 1 FROM reward_redemptions WHERE program_id = ?1 AND "
    "member_id = ?2 AND launch = ?3 AND kind = 'early_access' AND (status = 2 OR "
    "(status = 1 AND hold_expires_at > ?4)))",
    0};

static void redemption_read(sqlite3_stmt *q, struct fdl_redemption *r)
{
    memset(r, 0, sizeof(*r));
    r->id = column_int(q, 0);
    r->program_id = column_int(q, 1);
    r->member_id = column_int(q, 2);
    column_text(q, 3, r->reward_id, sizeof(r->reward_id));
    column_text(q, 4, r->reward_name, sizeof(r->reward_name));
    column_text(q, 5, r->kind, sizeof(r->kind));
    column_text(q, 6, r->sku, sizeof(r->sku));
    r->value_minor = column_int(q, 7);
    column_text(q, 8, r->launch, sizeof(r->launch));
    r->quantity = column_int(q, 9);
    r->points = column_int(q, 10);
    r->status = (enum fdl_redemption_status)column_int(q, 11);
    r->entry_id = column_int(q, 12);
    r->restore_entry_id = column_int(q, 13);
    column_text(q, 14, r->txn_id, sizeof(r->txn_id));
    r->created_at_s = column_int(q, 15);
    r->hold_expires_at_s = column_int(q, 16);
    r->committed_at_s = column_int(q, 17);
    r->cancelled_at_s = column_int(q, 18);
    column_text(q, 19, r->campaign, sizeof(r->campaign));
    column_text(q, 20, r->partner, sizeof(r->partner));
}

int sqlite_redemption_insert(struct fdl_store *st, struct fdl_redemption *r,
                             struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(r);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_insert, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, r->program_id) || bind_int(q, 2, r->member_id) ||
        bind_text(q, 3, r->reward_id) || bind_text(q, 4, r->reward_name) ||
        bind_text(q, 5, r->kind) || bind_text(q, 6, r->sku) ||
        bind_int(q, 7, r->value_minor) || bind_text(q, 8, r->launch) ||
        bind_int(q, 9, r->quantity) || bind_int(q, 10, r->points) ||
        bind_int(q, 11, r->status) || bind_int(q, 12, r->entry_id) ||
        bind_text(q, 13, r->txn_id) || bind_int(q, 14, r->created_at_s) ||
        bind_int(q, 15, r->hold_expires_at_s) || bind_text(q, 16, r->campaign) ||
        bind_text(q, 17, r->partner))
        return bind_failed(s, q, err);
    if ((rc = stmt_finish(s, q, NULL, err)) == 0)
        r->id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

int sqlite_redemption_get(struct fdl_store *st, int64_t program_id, int64_t id,
                          struct fdl_redemption *out, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(out);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_get, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, id))
        return bind_failed(s, q, err);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        redemption_read(q, out);
    return sqlite_row_end(s, q, rc, err);
}

int sqlite_redemption_update(struct fdl_store *st, const struct fdl_redemption *r,
                             struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(r);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_update, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, r->program_id) || bind_int(q, 2, r->id) ||
        bind_int(q, 3, r->status) || bind_text(q, 4, r->txn_id) ||
        bind_optional(q, 5, r->committed_at_s) ||
        bind_optional(q, 6, r->cancelled_at_s) ||
        bind_optional(q, 7, r->restore_entry_id))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, NULL, err);
}

int sqlite_redemptions_of(struct fdl_store *st, int64_t program_id, int64_t member_id,
                          int64_t before_id, int limit, struct fdl_redemption *out,
                          int *count, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(out && count && limit > 0);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_of, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id) ||
        bind_int(q, 3, before_id > 0 ? before_id : INT64_MAX) || bind_int(q, 4, limit))
        return bind_failed(s, q, err);
    int n = 0;
    while (n < limit && (rc = sqlite3_step(q)) == SQLITE_ROW)
        redemption_read(q, &out[n++]);
    rc = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : db_error(s, rc, NULL, err);
    stmt_reset(q);
    if (rc == 0)
        *count = n;
    return rc;
}

int sqlite_redemption_counts(struct fdl_store *st, int64_t program_id,
                             const char *reward_id, int64_t member_id, int64_t since_s,
                             int64_t *stock_used, int64_t *member_used,
                             struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_counts, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_text(q, 2, reward_id) ||
        bind_int(q, 3, member_id) || bind_int(q, 4, since_s))
        return bind_failed(s, q, err);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *stock_used = column_int(q, 0);
        *member_used = column_int(q, 1);
        rc = 0;
    } else {
        rc = db_error(s, rc, NULL, err);
    }
    stmt_reset(q);
    return rc;
}

int sqlite_redemptions_hold_expired(struct fdl_store *st, int64_t program_id,
                                    int64_t now_s, int limit, int64_t *ids, int *count,
                                    struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(ids && count && limit > 0);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_hold_expired, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, now_s) || bind_int(q, 3, limit))
        return bind_failed(s, q, err);
    int n = 0;
    while (n < limit && (rc = sqlite3_step(q)) == SQLITE_ROW)
        ids[n++] = column_int(q, 0);
    rc = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : db_error(s, rc, NULL, err);
    stmt_reset(q);
    if (rc == 0)
        *count = n;
    return rc;
}

int sqlite_redemption_entitled(struct fdl_store *st, int64_t program_id,
                               int64_t member_id, const char *launch, int64_t now_s,
                               int *entitled, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_entitled, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id) ||
        bind_text(q, 3, launch) || bind_int(q, 4, now_s))
        return bind_failed(s, q, err);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *entitled = column_int(q, 0) != 0;
        rc = 0;
    } else {
        rc = db_error(s, rc, NULL, err);
    }
    stmt_reset(q);
    return rc;
}
