/*
 * sqlite_stored_value.c - the SQLite side of stored value and paid
 * membership: cards, the money ledger (sv_entries, sv_postings), till
 * redemptions, membership years, per-purchase cashback, and the audit of
 * all of it. The schema is migration schema_stored_value in sqlite.c.
 *
 * Invariants (checked by sqlite_sv_audit): every sv entry's postings sum to
 * zero; each card's cached balance is the sum of its card postings; each
 * member's cashback postings sum to the accrued-minus-paid of their
 * membership years.
 */
#include "store/sqlite_stored_value.h"

#include "store/sqlite_internal.h"

#include <stdio.h>

#include <assert.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(FDL_SV_ACCOUNT_CARD == 1 && FDL_SV_ACCOUNT_SOLD == 2 &&
                   FDL_SV_ACCOUNT_SPENT == 3 && FDL_SV_ACCOUNT_CASHBACK == 4,
               "account numbers are written into the SQL");

#define CARD_COLUMNS                                                                     \
    "id, program_id, number, kind, member_id, currency, balance_minor, status, "         \
    "issued_at, blocked_at, partner"

static struct sqlite_sql q_card_insert = {
    "INSERT INTO sv_cards (program_id, number, kind, member_id, currency, balance_minor, "
    "status, issued_at, blocked_at, partner) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
    "?10)",
    0};
static struct sqlite_sql q_card_get = {
    "SELECT " CARD_COLUMNS " FROM sv_cards WHERE program_id = ?1 AND number = ?2", 0};
static struct sqlite_sql q_card_get_id = {
    "SELECT " CARD_COLUMNS " FROM sv_cards WHERE program_id = ?1 AND id = ?2", 0};
static struct sqlite_sql q_card_update = {
    "UPDATE sv_cards SET balance_minor = ?3, status = ?4, blocked_at = ?5 "
    "WHERE program_id = ?1 AND id = ?2",
    0};
static struct sqlite_sql q_entry_insert = {
    "INSERT INTO sv_entries (program_id, kind, amount_minor, txn_id, actor, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    0};
static struct sqlite_sql q_posting_insert = {
    "INSERT INTO sv_postings (entry_id, seq, program_id, account, card_id, member_id, "
    "amount) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    0};
static struct sqlite_sql q_history = {
    "SELECT e.id, e.kind, p.amount, e.txn_id, e.actor, e.created_at "
    "FROM sv_postings p JOIN sv_entries e ON e.id = p.entry_id "
    "WHERE p.program_id = ?1 AND p.card_id = ?2 ORDER BY e.id DESC LIMIT ?3",
    0};
static struct sqlite_sql q_redemption_get = {
    "SELECT amount_minor, refunded_minor FROM sv_redemptions "
    "WHERE program_id = ?1 AND card_id = ?2 AND txn_id = ?3",
    0};
static struct sqlite_sql q_redemption_put = {
    "INSERT INTO sv_redemptions (program_id, card_id, txn_id, amount_minor, "
    "refunded_minor, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
    "ON CONFLICT (program_id, card_id, txn_id) DO UPDATE SET "
    "refunded_minor = excluded.refunded_minor",
    0};

#define MEMBERSHIP_COLUMNS                                                               \
    "id, program_id, member_id, txn_id, fee_minor, starts_at, ends_at, accrued_minor, "  \
    "paid_minor, certificate_id, status, created_at"

static struct sqlite_sql q_membership_insert = {
    "INSERT INTO memberships (program_id, member_id, txn_id, fee_minor, starts_at, "
    "ends_at, accrued_minor, paid_minor, certificate_id, status, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    0};
static struct sqlite_sql q_membership_at = {
    "SELECT " MEMBERSHIP_COLUMNS " FROM memberships WHERE program_id = ?1 AND "
    "member_id = ?2 AND status = 1 AND starts_at <= ?3 AND ends_at > ?3 "
    "ORDER BY starts_at LIMIT 1",
    0};
static struct sqlite_sql q_membership_latest = {
    "SELECT " MEMBERSHIP_COLUMNS " FROM memberships WHERE program_id = ?1 AND "
    "member_id = ?2 ORDER BY ends_at DESC, id DESC LIMIT 1",
    0};
static struct sqlite_sql q_membership_get = {
    "SELECT " MEMBERSHIP_COLUMNS " FROM memberships WHERE program_id = ?1 AND id = ?2",
    0};
static struct sqlite_sql q_membership_update = {
    "UPDATE memberships SET accrued_minor = ?3, paid_minor = ?4, certificate_id = ?5, "
    "status = ?6 WHERE program_id = ?1 AND id = ?2",
    0};
static struct sqlite_sql q_memberships_due = {
    "SELECT id FROM memberships WHERE program_id = ?1 AND status = 1 AND ends_at <= ?2 "
    "ORDER BY ends_at, id LIMIT ?3",
    0};
static struct sqlite_sql q_cashback_get = {
    "SELECT purchase_id, member_id, membership_id, cashback_minor, reversed_minor "
    "FROM membership_cashback WHERE program_id = ?1 AND purchase_id = ?2",
    0};
static struct sqlite_sql q_cashback_put = {
    "INSERT INTO membership_cashback (program_id, purchase_id, member_id, membership_id, "
    "cashback_minor, reversed_minor) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
    "ON CONFLICT (program_id, purchase_id) DO UPDATE SET "
    "reversed_minor = excluded.reversed_minor",
    0};

/* Entries: how many, how many do not balance (or have fewer than two
 * postings), the first of those. */
static struct sqlite_sql q_audit_entries = {
    "SELECT count(*), coalesce(sum(bad), 0), coalesce(min(CASE WHEN bad THEN id END), 0) "
    "FROM (SELECT e.id AS id, (coalesce(sum(p.amount), 0) != 0 OR count(p.seq) < 2 OR "
    "coalesce(max(abs(p.amount)), 0) != e.amount_minor) AS bad "
    "FROM sv_entries e LEFT JOIN sv_postings p ON p.entry_id = e.id GROUP BY e.id)",
    0};
static struct sqlite_sql q_audit_cards = {
    "SELECT count(*), coalesce(sum(c.balance_minor != coalesce(t.total, 0)), 0), "
    "coalesce(min(CASE WHEN c.balance_minor != coalesce(t.total, 0) THEN c.id END), 0), "
    "coalesce(sum(c.balance_minor < 0), 0), coalesce(sum(c.balance_minor), 0) "
    "FROM sv_cards c LEFT JOIN (SELECT card_id, sum(amount) AS total FROM sv_postings "
    "WHERE account = 1 GROUP BY card_id) t ON t.card_id = c.id",
    0};
static struct sqlite_sql q_audit_cashback = {
    "SELECT (SELECT count(*) FROM memberships), count(*), coalesce(min(member_id), 0) "
    "FROM (SELECT member_id FROM ("
    "  SELECT member_id, amount AS posted, 0 AS owed FROM sv_postings WHERE account = 4"
    "  UNION ALL SELECT member_id, 0, accrued_minor - paid_minor FROM memberships"
    ") GROUP BY member_id HAVING sum(posted) != sum(owed))",
    0};
static struct sqlite_sql q_audit_totals = {
    "SELECT (SELECT count(*) FROM sv_postings), "
    "coalesce((SELECT -sum(amount) FROM sv_postings WHERE account = 2), 0), "
    "coalesce((SELECT sum(amount) FROM sv_postings WHERE account = 3), 0)",
    0};

/* ---- cards ---- */

int sqlite_sv_card_insert(struct fdl_store *st, struct fdl_sv_card *c,
                          struct fdl_error *err)
{
    static const struct unique_key keys[] = {{"sv_cards.number", "number"}, {NULL, NULL}};
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_card_insert, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, c->program_id) || bind_text(q, 2, c->number) ||
        bind_int(q, 3, c->kind) || bind_optional(q, 4, c->member_id) ||
        bind_text(q, 5, c->currency) || bind_int(q, 6, c->balance_minor) ||
        bind_int(q, 7, c->status) || bind_int(q, 8, c->issued_at_s) ||
        bind_optional(q, 9, c->blocked_at_s) || bind_text(q, 10, c->partner))
        return bind_failed(s, q, err);
    rc = stmt_finish(s, q, keys, err);
    if (rc == 0)
        c->id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

static void card_read(sqlite3_stmt *q, struct fdl_sv_card *c)
{
    memset(c, 0, sizeof(*c));
    c->id = column_int(q, 0);
    c->program_id = column_int(q, 1);
    column_text(q, 2, c->number, sizeof(c->number));
    c->kind = (enum fdl_sv_kind)column_int(q, 3);
    c->member_id = column_int(q, 4);
    column_text(q, 5, c->currency, sizeof(c->currency));
    c->balance_minor = column_int(q, 6);
    c->status = (enum fdl_sv_status)column_int(q, 7);
    c->issued_at_s = column_int(q, 8);
    c->blocked_at_s = column_int(q, 9);
    column_text(q, 10, c->partner, sizeof(c->partner));
}

/* Steps bound q for one card row into out. */
static int card_step(struct sqlite_store *s, sqlite3_stmt *q, struct fdl_sv_card *out,
                     struct fdl_error *err)
{
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        card_read(q, out);
        rc = 0;
    } else {
        rc = no_row(s, rc, err);
    }
    stmt_reset(q);
    return rc;
}

int sqlite_sv_card_get(struct fdl_store *st, int64_t program_id, const char *number,
                       struct fdl_sv_card *out, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_card_get, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_text(q, 2, number))
        return bind_failed(s, q, err);
    return card_step(s, q, out, err);
}

int sqlite_sv_card_get_id(struct fdl_store *st, int64_t program_id, int64_t id,
                          struct fdl_sv_card *out, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_card_get_id, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, id))
        return bind_failed(s, q, err);
    return card_step(s, q, out, err);
}

int sqlite_sv_card_update(struct fdl_store *st, const struct fdl_sv_card *c,
                          struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_card_update, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, c->program_id) || bind_int(q, 2, c->id) ||
        bind_int(q, 3, c->balance_minor) || bind_int(q, 4, c->status) ||
        bind_optional(q, 5, c->blocked_at_s))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, NULL, err);
}

/* ---- the money ledger ---- */

int sqlite_sv_entry_insert(struct fdl_store *st, int64_t program_id,
                           const struct fdl_sv_entry *e, const char *txn_id,
                           const char *actor, int64_t now_s, int64_t *entry_id,
                           struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(e && entry_id);
    if (e->postings[0].amount + e->postings[1].amount != 0)
        return fdl_error_set(err, FDL_EINTERNAL, NULL,
                             "refusing an entry that does not balance");
    sqlite3_stmt *q;
    int64_t id = 0;
    int rc = op_begin(s, err);
    if (rc)
        return rc;
    if ((rc = sqlite_prepared(s, &q_entry_insert, &q, err)) == 0) {
        if (bind_int(q, 1, program_id) || bind_int(q, 2, e->kind) ||
            bind_int(q, 3, e->amount_minor) ||
            bind_text(q, 4, txn_id && *txn_id ? txn_id : NULL) ||
            bind_text(q, 5, actor) || bind_int(q, 6, now_s))
            rc = bind_failed(s, q, err);
        else
            rc = stmt_finish(s, q, NULL, err);
        id = sqlite3_last_insert_rowid(s->db);
    }
    if (rc == 0)
        rc = sqlite_prepared(s, &q_posting_insert, &q, err);
    for (int i = 0; i < FDL_SV_ENTRY_POSTINGS && rc == 0; i++) {
        const struct fdl_sv_posting *p = &e->postings[i];
        if (bind_int(q, 1, id) || bind_int(q, 2, i) || bind_int(q, 3, program_id) ||
            bind_int(q, 4, p->account) || bind_optional(q, 5, p->card_id) ||
            bind_optional(q, 6, p->member_id) || bind_int(q, 7, p->amount))
            rc = bind_failed(s, q, err);
        else
            rc = stmt_finish(s, q, NULL, err);
    }
    if ((rc = op_end(s, rc, err)) == 0)
        *entry_id = id;
    return rc;
}

int sqlite_sv_history(struct fdl_store *st, int64_t program_id, int64_t card_id,
                      struct fdl_sv_history_row *out, int max, int *count,
                      struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_history, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, card_id) || bind_int(q, 3, max))
        return bind_failed(s, q, err);
    int n = 0;
    while (n < max && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct fdl_sv_history_row *h = &out[n++];
        memset(h, 0, sizeof(*h));
        h->entry_id = column_int(q, 0);
        h->kind = (enum fdl_sv_entry_kind)column_int(q, 1);
        h->amount_minor = column_int(q, 2);
        column_text(q, 3, h->txn_id, sizeof(h->txn_id));
        column_text(q, 4, h->actor, sizeof(h->actor));
        h->created_at_s = column_int(q, 5);
    }
    return sqlite_rows_end(s, q, rc, n, count, err);
}

int sqlite_sv_redemption_get(struct fdl_store *st, int64_t program_id, int64_t card_id,
                             const char *txn_id, struct fdl_sv_redemption *out,
                             struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_redemption_get, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, card_id) || bind_text(q, 3, txn_id))
        return bind_failed(s, q, err);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof(*out));
        out->card_id = card_id;
        snprintf(out->txn_id, sizeof(out->txn_id), "%s", txn_id);
        out->amount_minor = column_int(q, 0);
        out->refunded_minor = column_int(q, 1);
    }
    return sqlite_row_end(s, q, rc, err);
}

int sqlite_sv_redemption_put(struct fdl_store *st, int64_t program_id,
                             const struct fdl_sv_redemption *r, int64_t now_s,
                             struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_redemption_put, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, r->card_id) ||
        bind_text(q, 3, r->txn_id) || bind_int(q, 4, r->amount_minor) ||
        bind_int(q, 5, r->refunded_minor) || bind_int(q, 6, now_s))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, NULL, err);
}

/* ---- memberships and cashback ---- */

int sqlite_membership_insert(struct fdl_store *st, struct fdl_membership *m,
                             struct fdl_error *err)
{
    static const struct unique_key keys[] = {{"memberships.txn_id", "txn_id"},
                                             {NULL, NULL}};
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_membership_insert, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, m->program_id) || bind_int(q, 2, m->member_id) ||
        bind_text(q, 3, m->txn_id) || bind_int(q, 4, m->fee_minor) ||
        bind_int(q, 5, m->starts_at_s) || bind_int(q, 6, m->ends_at_s) ||
        bind_int(q, 7, m->accrued_minor) || bind_int(q, 8, m->paid_minor) ||
        bind_optional(q, 9, m->certificate_id) || bind_int(q, 10, m->status) ||
        bind_int(q, 11, m->created_at_s))
        return bind_failed(s, q, err);
    rc = stmt_finish(s, q, keys, err);
    if (rc == 0)
        m->id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

/* Steps bound q for one membership row into out. */
static int membership_step(struct sqlite_store *s, sqlite3_stmt *q,
                           struct fdl_membership *out, struct fdl_error *err)
{
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        struct fdl_membership *m = out;
        memset(m, 0, sizeof(*m));
        m->id = column_int(q, 0);
        m->program_id = column_int(q, 1);
        m->member_id = column_int(q, 2);
        column_text(q, 3, m->txn_id, sizeof(m->txn_id));
        m->fee_minor = column_int(q, 4);
        m->starts_at_s = column_int(q, 5);
        m->ends_at_s = column_int(q, 6);
        m->accrued_minor = column_int(q, 7);
        m->paid_minor = column_int(q, 8);
        m->certificate_id = column_int(q, 9);
        m->status = (enum fdl_membership_status)column_int(q, 10);
        m->created_at_s = column_int(q, 11);
        rc = 0;
    } else {
        rc = no_row(s, rc, err);
    }
    stmt_reset(q);
    return rc;
}

int sqlite_membership_at(struct fdl_store *st, int64_t program_id, int64_t member_id,
                         int64_t t_s, struct fdl_membership *out, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_membership_at, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id) || bind_int(q, 3, t_s))
        return bind_failed(s, q, err);
    return membership_step(s, q, out, err);
}

int sqlite_membership_latest(struct fdl_store *st, int64_t program_id, int64_t member_id,
                             struct fdl_membership *out, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_membership_latest, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id))
        return bind_failed(s, q, err);
    return membership_step(s, q, out, err);
}

int sqlite_membership_get(struct fdl_store *st, int64_t program_id, int64_t id,
                          struct fdl_membership *out, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_membership_get, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, id))
        return bind_failed(s, q, err);
    return membership_step(s, q, out, err);
}

int sqlite_membership_update(struct fdl_store *st, const struct fdl_membership *m,
                             struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_membership_update, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, m->program_id) || bind_int(q, 2, m->id) ||
        bind_int(q, 3, m->accrued_minor) || bind_int(q, 4, m->paid_minor) ||
        bind_optional(q, 5, m->certificate_id) || bind_int(q, 6, m->status))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, NULL, err);
}

int sqlite_memberships_due(struct fdl_store *st, int64_t program_id, int64_t now_s,
                           int limit, int64_t *ids, int *count, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_memberships_due, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, now_s) || bind_int(q, 3, limit))
        return bind_failed(s, q, err);
    int n = 0;
    while (n < limit && (rc = sqlite3_step(q)) == SQLITE_ROW)
        ids[n++] = column_int(q, 0);
    return sqlite_rows_end(s, q, rc, n, count, err);
}

int sqlite_cashback_get(struct fdl_store *st, int64_t program_id, int64_t purchase_id,
                        struct fdl_cashback_row *out, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_cashback_get, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, purchase_id))
        return bind_failed(s, q, err);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        out->purchase_id = column_int(q, 0);
        out->member_id = column_int(q, 1);
        out->membership_id = column_int(q, 2);
        out->cashback_minor = column_int(q, 3);
        out->reversed_minor = column_int(q, 4);
    }
    return sqlite_row_end(s, q, rc, err);
}

int sqlite_cashback_put(struct fdl_store *st, int64_t program_id,
                        const struct fdl_cashback_row *row, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_cashback_put, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, row->purchase_id) ||
        bind_int(q, 3, row->member_id) || bind_int(q, 4, row->membership_id) ||
        bind_int(q, 5, row->cashback_minor) || bind_int(q, 6, row->reversed_minor))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, NULL, err);
}

/* ---- audit ---- */

/* Runs sql and reads its n integer columns into values. */
static int audit_row(struct sqlite_store *s, struct sqlite_sql *sql, int64_t *values,
                     int n, struct fdl_error *err)
{
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, sql, &q, err);
    if (rc)
        return rc;
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        for (int i = 0; i < n; i++)
            values[i] = column_int(q, i);
        rc = 0;
    } else {
        rc = db_error(s, rc, NULL, err);
    }
    stmt_reset(q);
    return rc;
}

static int sv_audit_run(struct sqlite_store *s, struct fdl_sv_audit *a,
                        struct fdl_error *err)
{
    int64_t entries[3], cards[5], cashback[3], totals[3];
    int rc = audit_row(s, &q_audit_entries, entries, 3, err);
    if (rc == 0)
        rc = audit_row(s, &q_audit_cards, cards, 5, err);
    if (rc == 0)
        rc = audit_row(s, &q_audit_cashback, cashback, 3, err);
    if (rc == 0)
        rc = audit_row(s, &q_audit_totals, totals, 3, err);
    if (rc)
        return rc;
    memset(a, 0, sizeof(*a));
    a->entries = entries[0];
    a->unbalanced_entries = entries[1];
    a->first_bad_entry = entries[2];
    a->cards = cards[0];
    a->card_mismatches = cards[1];
    a->first_bad_card = cards[2];
    a->negative_cards = cards[3];
    a->outstanding_minor = cards[4];
    a->memberships = cashback[0];
    a->cashback_mismatches = cashback[1];
    a->first_bad_member = cashback[2];
    a->postings = totals[0];
    a->sold_minor = totals[1];
    a->spent_minor = totals[2];
    return 0;
}

/* Runs in one read transaction (or the caller's), so every check sees one
 * snapshot. */
int sqlite_sv_audit(struct fdl_store *st, struct fdl_sv_audit *out, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    int own = sqlite3_get_autocommit(s->db);
    int rc = own ? FDL_STORE_CALL(st, begin, 0, err) : 0;
    struct fdl_sv_audit a;
    if (rc == 0)
        rc = sv_audit_run(s, &a, err);
    if (own)
        FDL_STORE_CALL0(st, rollback); /* read only: nothing to keep */
    if (rc == 0)
        *out = a;
    return rc;
}
