/*
 * sqlite_referrals.c - the referrals table (schema_referrals in sqlite.c):
 * one row per referred member, keyed (program_id, referee_id), so a member
 * is referred at most once. Every statement is reset before an op returns.
 */
#include "store/sqlite_internal.h"
#include "store/sqlite_referrals.h"

#include <stdio.h>
#include <string.h>

#define REFERRAL_COLUMNS                                                                 \
    "program_id, referee_id, referrer_id, status, created_at, email_key, phone_key, "    \
    "purchase_id, txn_id, qualified_at, due_at, min_spend, referrer_points, "            \
    "referee_points, rewarded_at, note, lapse_at"

static struct sqlite_sql q_insert = {
    "INSERT INTO referrals (" REFERRAL_COLUMNS ") "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    0};
static struct sqlite_sql q_get = {
    "SELECT " REFERRAL_COLUMNS " FROM referrals WHERE program_id = ? AND referee_id = ?",
    0};
static struct sqlite_sql q_update = {
    "UPDATE referrals SET status = ?3, purchase_id = ?4, txn_id = ?5, qualified_at = ?6, "
    "due_at = ?7, min_spend = ?8, referrer_points = ?9, referee_points = ?10, "
    "rewarded_at = ?11, note = ?12, lapse_at = ?13 "
    "WHERE program_id = ?1 AND referee_id = ?2",
    0};
static struct sqlite_sql q_counts = {
    "SELECT coalesce(sum(status = 1), 0), coalesce(sum(status = 2), 0), "
    "coalesce(sum(status = 3 AND rewarded_at >= ?3 AND rewarded_at < ?4), 0) "
    "FROM referrals WHERE program_id = ?1 AND referrer_id = ?2",
    0};
static struct sqlite_sql q_email_used = {
    "SELECT 1 FROM referrals WHERE program_id = ? AND email_key = ? AND email_key <> '' "
    "LIMIT 1",
    0};
static struct sqlite_sql q_phone_used = {
    "SELECT 1 FROM referrals WHERE program_id = ? AND phone_key = ? AND phone_key <> '' "
    "LIMIT 1",
    0};
static struct sqlite_sql q_due = {
    "SELECT referee_id, due_at FROM referrals WHERE program_id = ?1 AND status = 2 "
    "AND due_at <= ?2 "
    "UNION ALL SELECT referee_id, lapse_at FROM referrals WHERE program_id = ?1 "
    "AND status = 1 AND lapse_at > 0 AND lapse_at <= ?2 ORDER BY 2, 1 LIMIT ?3",
    0};
static struct sqlite_sql q_of = {
    "SELECT " REFERRAL_COLUMNS " FROM referrals WHERE program_id = ? AND referrer_id = ? "
    "AND referee_id > ? ORDER BY referee_id LIMIT ?",
    0};

/* Reads the REFERRAL_COLUMNS of q's current row into r. */
static void referral_row(sqlite3_stmt *q, struct fdl_referral *r)
{
    memset(r, 0, sizeof(*r));
    r->program_id = column_int(q, 0);
    r->referee_id = column_int(q, 1);
    r->referrer_id = column_int(q, 2);
    r->status = (enum fdl_referral_status)column_int(q, 3);
    r->created_at_s = column_int(q, 4);
    column_text(q, 5, r->email_key, sizeof(r->email_key));
    column_text(q, 6, r->phone_key, sizeof(r->phone_key));
    r->purchase_id = column_int(q, 7);
    column_text(q, 8, r->txn_id, sizeof(r->txn_id));
    r->qualified_at_s = column_int(q, 9);
    r->due_at_s = column_int(q, 10);
    r->min_spend_minor = column_int(q, 11);
    r->referrer_points = column_int(q, 12);
    r->referee_points = column_int(q, 13);
    r->rewarded_at_s = column_int(q, 14);
    column_text(q, 15, r->note, sizeof(r->note));
    r->lapse_at_s = column_int(q, 16);
}

int sqlite_referral_insert(struct fdl_store *st, const struct fdl_referral *r,
                           struct fdl_error *err)
{
    static const struct unique_key keys[] = {{"referrals.referee_id", "referral_code"},
                                             {NULL, NULL}};
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_insert, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, r->program_id) || bind_int(q, 2, r->referee_id) ||
        bind_int(q, 3, r->referrer_id) || bind_int(q, 4, r->status) ||
        bind_int(q, 5, r->created_at_s) || bind_text(q, 6, r->email_key) ||
        bind_text(q, 7, r->phone_key) || bind_int(q, 8, r->purchase_id) ||
        bind_text(q, 9, r->txn_id) || bind_int(q, 10, r->qualified_at_s) ||
        bind_int(q, 11, r->due_at_s) || bind_int(q, 12, r->min_spend_minor) ||
        bind_int(q, 13, r->referrer_points) || bind_int(q, 14, r->referee_points) ||
        bind_int(q, 15, r->rewarded_at_s) || bind_text(q, 16, r->note) ||
        bind_int(q, 17, r->lapse_at_s))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, keys, err);
}

int sqlite_referral_get(struct fdl_store *st, int64_t program_id, int64_t referee_id,
                        struct fdl_referral *out, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_get, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, referee_id))
        return bind_failed(s, q, err);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        referral_row(q, out);
    return sqlite_row_end(s, q, rc, err);
}

int sqlite_referral_update(struct fdl_store *st, const struct fdl_referral *r,
                           struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_update, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, r->program_id) || bind_int(q, 2, r->referee_id) ||
        bind_int(q, 3, r->status) || bind_int(q, 4, r->purchase_id) ||
        bind_text(q, 5, r->txn_id) || bind_int(q, 6, r->qualified_at_s) ||
        bind_int(q, 7, r->due_at_s) || bind_int(q, 8, r->min_spend_minor) ||
        bind_int(q, 9, r->referrer_points) || bind_int(q, 10, r->referee_points) ||
        bind_int(q, 11, r->rewarded_at_s) || bind_text(q, 12, r->note) ||
        bind_int(q, 13, r->lapse_at_s))
        return bind_failed(s, q, err);
    rc = stmt_finish(s, q, NULL, err);
    if (rc == 0 && sqlite3_changes(s->db) != 1)
        rc = fdl_error_set(err, FDL_ENOT_FOUND, "member_id", "no referral of member %lld",
                           (long long)r->referee_id);
    return rc;
}

int sqlite_referral_counts(struct fdl_store *st, int64_t program_id, int64_t referrer_id,
                           int64_t from_s, int64_t to_s, int64_t *pending,
                           int64_t *waiting, int64_t *rewarded, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_counts, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, referrer_id) ||
        bind_int(q, 3, from_s) || bind_int(q, 4, to_s))
        return bind_failed(s, q, err);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *pending = column_int(q, 0);
        *waiting = column_int(q, 1);
        *rewarded = column_int(q, 2);
    }
    return sqlite_row_end(s, q, rc, err);
}

/* Whether sql (program id, key) finds a row; an empty key finds none. */
static int key_used(struct sqlite_store *s, struct sqlite_sql *sql, int64_t program_id,
                    const char *key, int *used, struct fdl_error *err)
{
    *used = 0;
    if (!key || !*key)
        return 0;
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, sql, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_text(q, 2, key))
        return bind_failed(s, q, err);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *used = 1;
    rc = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : no_row(s, rc, err);
    stmt_reset(q);
    return rc;
}

int sqlite_referral_contact_used(struct fdl_store *st, int64_t program_id,
                                 const char *email_key, const char *phone_key,
                                 int *email_used, int *phone_used, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    int rc = key_used(s, &q_email_used, program_id, email_key, email_used, err);
    if (rc == 0)
        rc = key_used(s, &q_phone_used, program_id, phone_key, phone_used, err);
    return rc;
}

int sqlite_referrals_due(struct fdl_store *st, int64_t program_id, int64_t now_s,
                         int limit, int64_t *referee_ids, int *count,
                         struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_due, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, now_s) || bind_int(q, 3, limit))
        return bind_failed(s, q, err);
    int n = 0;
    while (n < limit && (rc = sqlite3_step(q)) == SQLITE_ROW)
        referee_ids[n++] = column_int(q, 0);
    rc = (n == limit || rc == SQLITE_DONE) ? 0 : no_row(s, rc, err);
    stmt_reset(q);
    if (rc == 0)
        *count = n;
    return rc;
}

int sqlite_referrals_of(struct fdl_store *st, int64_t program_id, int64_t referrer_id,
                        int64_t after_id, int limit, struct fdl_referral *out, int *count,
                        struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_of, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, referrer_id) ||
        bind_int(q, 3, after_id) || bind_int(q, 4, limit))
        return bind_failed(s, q, err);
    int n = 0;
    while (n < limit && (rc = sqlite3_step(q)) == SQLITE_ROW)
        referral_row(q, &out[n++]);
    rc = (n == limit || rc == SQLITE_DONE) ? 0 : no_row(s, rc, err);
    stmt_reset(q);
    if (rc == 0)
        *count = n;
    return rc;
}
