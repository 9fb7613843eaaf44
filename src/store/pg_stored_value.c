/*
 * pg_stored_value.c - the PostgreSQL side of stored value and paid
 * membership: cards, the money ledger (sv_entries, sv_postings), till
 * redemptions, membership years, per-purchase cashback, and the audit of
 * all of it. Op by op as sqlite_stored_value.c; the schema is
 * pg_schema_stored_value, a migration in pg.c.
 *
 * Invariants (those of sqlite_stored_value.c, checked by pg_sv_audit), and:
 *  - Member tables (memberships, membership_cashback) are keyed by
 *    (program_id, member_id) first, so they can be distributed by member;
 *    the ops that find a row without its member (membership_get,
 *    cashback_get) go through an index on (program_id, id / purchase_id).
 *    Cards belong to no member (a gift card is bearer money), so the card
 *    ledger (sv_cards, sv_entries, sv_postings, sv_redemptions) is keyed by
 *    (program_id, card or entry id).
 *  - In a write transaction every read that a write then decides on locks
 *    its row (FOR NO KEY UPDATE) until the transaction ends: a card's
 *    balance and status before a load, spend, refund or block; a till
 *    redemption's refunded amount before a refund; a membership year's
 *    accrual before adding cashback, reversing it or paying it out; a
 *    purchase's cashback row before reversing it. So two processes that
 *    spend from one card, or close one year, do it one after the other, and
 *    the second decides on what the first committed. NO KEY UPDATE, not
 *    UPDATE: inserting a posting or cashback row that references a locked
 *    row (FOR KEY SHARE) must not wait for it.
 */
#include "store/pg_stored_value.h"

#include "store/pg_internal.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

_Static_assert(FDL_SV_ACCOUNT_CARD == 1 && FDL_SV_ACCOUNT_SOLD == 2 &&
                   FDL_SV_ACCOUNT_SPENT == 3 && FDL_SV_ACCOUNT_CASHBACK == 4,
               "account numbers are written into the SQL");
_Static_assert(FDL_MEMBERSHIP_OPEN == 1, "status numbers are written into the SQL");

/* Bytewise text, as SQLite compares it (pg.c's CTEXT). */
#define CTEXT "TEXT COLLATE \"C\""

const char pg_schema_stored_value[] =
    "CREATE TABLE sv_cards (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    id BIGINT GENERATED ALWAYS AS IDENTITY,\n"
    "    number " CTEXT " NOT NULL,\n"
    "    kind BIGINT NOT NULL,\n"
    "    member_id BIGINT,\n"
    "    currency TEXT NOT NULL,\n"
    "    balance_minor BIGINT NOT NULL,\n"
    "    status BIGINT NOT NULL,\n"
    "    issued_at BIGINT NOT NULL,\n"
    "    blocked_at BIGINT,\n"
    "    PRIMARY KEY (program_id, id),\n"
    "    CONSTRAINT sv_cards_number UNIQUE (program_id, number),\n"
    "    FOREIGN KEY (program_id, member_id) REFERENCES members (program_id, id)\n"
    ");\n"
    "CREATE TABLE sv_entries (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    id BIGINT GENERATED ALWAYS AS IDENTITY,\n"
    "    kind BIGINT NOT NULL,\n"
    "    amount_minor BIGINT NOT NULL,\n"
    "    txn_id " CTEXT ",\n"
    "    actor TEXT,\n"
    "    created_at BIGINT NOT NULL,\n"
    "    PRIMARY KEY (program_id, id)\n"
    ");\n"
    "CREATE TABLE sv_postings (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    entry_id BIGINT NOT NULL,\n"
    "    seq BIGINT NOT NULL,\n"
    "    account BIGINT NOT NULL,\n"
    "    card_id BIGINT,\n"
    "    member_id BIGINT,\n"
    "    amount BIGINT NOT NULL,\n"
    "    PRIMARY KEY (program_id, entry_id, seq),\n"
    "    FOREIGN KEY (program_id, entry_id) REFERENCES sv_entries (program_id, id),\n"
    "    FOREIGN KEY (program_id, card_id) REFERENCES sv_cards (program_id, id)\n"
    ");\n"
    "CREATE INDEX sv_postings_card ON sv_postings (program_id, card_id, entry_id)\n"
    "    WHERE card_id IS NOT NULL;\n"
    "CREATE TABLE sv_redemptions (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    card_id BIGINT NOT NULL,\n"
    "    txn_id " CTEXT " NOT NULL,\n"
    "    amount_minor BIGINT NOT NULL,\n"
    "    refunded_minor BIGINT NOT NULL,\n"
    "    created_at BIGINT NOT NULL,\n"
    "    PRIMARY KEY (program_id, card_id, txn_id),\n"
    "    FOREIGN KEY (program_id, card_id) REFERENCES sv_cards (program_id, id)\n"
    ");\n"
    "CREATE TABLE memberships (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    member_id BIGINT NOT NULL,\n"
    "    id BIGINT GENERATED ALWAYS AS IDENTITY,\n"
    "    txn_id " CTEXT " NOT NULL,\n"
    "    fee_minor BIGINT NOT NULL,\n"
    "    starts_at BIGINT NOT NULL,\n"
    "    ends_at BIGINT NOT NULL,\n"
    "    accrued_minor BIGINT NOT NULL,\n"
    "    paid_minor BIGINT NOT NULL,\n"
    "    certificate_id BIGINT,\n"
    "    status BIGINT NOT NULL,\n"
    "    created_at BIGINT NOT NULL,\n"
    "    PRIMARY KEY (program_id, member_id, id),\n"
    "    CONSTRAINT memberships_txn UNIQUE (program_id, txn_id),\n"
    "    FOREIGN KEY (program_id, member_id) REFERENCES members (program_id, id),\n"
    "    FOREIGN KEY (program_id, certificate_id) REFERENCES sv_cards (program_id, id)\n"
    ");\n"
    "CREATE INDEX memberships_id ON memberships (program_id, id);\n"
    "CREATE INDEX memberships_member ON memberships (program_id, member_id, ends_at);\n"
    "CREATE INDEX memberships_due ON memberships (program_id, ends_at) WHERE status = "
    "1;\n"
    "CREATE TABLE membership_cashback (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    member_id BIGINT NOT NULL,\n"
    "    purchase_id BIGINT NOT NULL,\n"
    "    membership_id BIGINT NOT NULL,\n"
    "    cashback_minor BIGINT NOT NULL,\n"
    "    reversed_minor BIGINT NOT NULL,\n"
    "    PRIMARY KEY (program_id, member_id, purchase_id),\n"
    "    FOREIGN KEY (program_id, member_id, purchase_id)\n"
    "        REFERENCES purchases (program_id, member_id, id),\n"
    "    FOREIGN KEY (program_id, member_id, membership_id)\n"
    "        REFERENCES memberships (program_id, member_id, id)\n"
    ");\n"
    "CREATE INDEX membership_cashback_purchase ON membership_cashback\n"
    "    (program_id, purchase_id);\n";

static const struct pg_unique_key card_keys[] = {{"sv_cards_number", "number"},
                                                 {NULL, NULL}};
static const struct pg_unique_key membership_keys[] = {{"memberships_txn", "txn_id"},
                                                       {NULL, NULL}};

#define CARD_COLUMNS                                                                     \
    "id, program_id, number, kind, member_id, currency, balance_minor, status, "         \
    "issued_at, blocked_at, partner"
#define LOCKED " FOR NO KEY UPDATE"

static struct pg_sql q_card_insert = {
    "INSERT INTO sv_cards (program_id, number, kind, member_id, currency, balance_minor,"
    " status, issued_at, blocked_at, partner) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
    " $10)"
    " RETURNING id",
    0};
#define CARD_GET                                                                         \
    "SELECT " CARD_COLUMNS " FROM sv_cards WHERE program_id = $1 AND number = $2"
static struct pg_sql q_card_get = {CARD_GET, 0};
static struct pg_sql q_card_get_locked = {CARD_GET LOCKED, 0};
#define CARD_GET_ID                                                                      \
    "SELECT " CARD_COLUMNS " FROM sv_cards WHERE program_id = $1 AND id = $2"
static struct pg_sql q_card_get_id = {CARD_GET_ID, 0};
static struct pg_sql q_card_get_id_locked = {CARD_GET_ID LOCKED, 0};
static struct pg_sql q_card_update = {
    "UPDATE sv_cards SET balance_minor = $3, status = $4, blocked_at = $5"
    " WHERE program_id = $1 AND id = $2",
    0};
static struct pg_sql q_entry_insert = {
    "INSERT INTO sv_entries (program_id, kind, amount_minor, txn_id, actor, created_at)"
    " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    0};
static struct pg_sql q_posting_insert = {
    "INSERT INTO sv_postings (entry_id, seq, program_id, account, card_id, member_id,"
    " amount) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    0};
static struct pg_sql q_history = {
    "SELECT e.id, e.kind, p.amount, e.txn_id, e.actor, e.created_at"
    " FROM sv_postings p JOIN sv_entries e"
    " ON e.program_id = p.program_id AND e.id = p.entry_id"
    " WHERE p.program_id = $1 AND p.card_id = $2 ORDER BY e.id DESC LIMIT $3",
    0};
#define REDEMPTION_GET                                                                   \
    "SELECT amount_minor, refunded_minor FROM sv_redemptions"                            \
    " WHERE program_id = $1 AND card_id = $2 AND txn_id = $3"
static struct pg_sql q_redemption_get = {REDEMPTION_GET, 0};
static struct pg_sql q_redemption_get_locked = {REDEMPTION_GET LOCKED, 0};
static struct pg_sql q_redemption_put = {
    "INSERT INTO sv_redemptions (program_id, card_id, txn_id, amount_minor,"
    " refunded_minor, created_at) VALUES ($1, $2, $3, $4, $5, $6)"
    " ON CONFLICT (program_id, card_id, txn_id) DO UPDATE SET"
    " refunded_minor = excluded.refunded_minor",
    0};

#define MEMBERSHIP_COLUMNS                                                               \
    "id, program_id, member_id, txn_id, fee_minor, starts_at, ends_at, accrued_minor, "  \
    "paid_minor, certificate_id, status, created_at"

static struct pg_sql q_membership_insert = {
    "INSERT INTO memberships (program_id, member_id, txn_id, fee_minor, starts_at,"
    " ends_at, accrued_minor, paid_minor, certificate_id, status, created_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    0};
#define MEMBERSHIP_AT                                                                    \
    "SELECT " MEMBERSHIP_COLUMNS " FROM memberships WHERE program_id = $1 AND"           \
    " member_id = $2 AND status = 1 AND starts_at <= $3 AND ends_at > $3"                \
    " ORDER BY starts_at LIMIT 1"
static struct pg_sql q_membership_at = {MEMBERSHIP_AT, 0};
static struct pg_sql q_membership_at_locked = {MEMBERSHIP_AT LOCKED, 0};
#define MEMBERSHIP_LATEST                                                                \
    "SELECT " MEMBERSHIP_COLUMNS " FROM memberships WHERE program_id = $1 AND"           \
    " member_id = $2 ORDER BY ends_at DESC, id DESC LIMIT 1"
static struct pg_sql q_membership_latest = {MEMBERSHIP_LATEST, 0};
static struct pg_sql q_membership_latest_locked = {MEMBERSHIP_LATEST LOCKED, 0};
#define MEMBERSHIP_GET                                                                   \
    "SELECT " MEMBERSHIP_COLUMNS " FROM memberships WHERE program_id = $1 AND id = $2"
static struct pg_sql q_membership_get = {MEMBERSHIP_GET, 0};
static struct pg_sql q_membership_get_locked = {MEMBERSHIP_GET LOCKED, 0};
static struct pg_sql q_membership_update = {
    "UPDATE memberships SET accrued_minor = $3, paid_minor = $4, certificate_id = $5,"
    " status = $6 WHERE program_id = $1 AND id = $2",
    0};
static struct pg_sql q_memberships_due = {
    "SELECT id FROM memberships WHERE program_id = $1 AND status = 1 AND ends_at <= $2"
    " ORDER BY ends_at, id LIMIT $3",
    0};
#define CASHBACK_GET                                                                     \
    "SELECT purchase_id, member_id, membership_id, cashback_minor, reversed_minor"       \
    " FROM membership_cashback WHERE program_id = $1 AND purchase_id = $2"
static struct pg_sql q_cashback_get = {CASHBACK_GET, 0};
static struct pg_sql q_cashback_get_locked = {CASHBACK_GET LOCKED, 0};
static struct pg_sql q_cashback_put = {
    "INSERT INTO membership_cashback (program_id, purchase_id, member_id, membership_id,"
    " cashback_minor, reversed_minor) VALUES ($1, $2, $3, $4, $5, $6)"
    " ON CONFLICT (program_id, member_id, purchase_id) DO UPDATE SET"
    " reversed_minor = excluded.reversed_minor",
    0};

/* Entries: how many, how many do not balance (or have fewer than two
 * postings, or a posting other than the entry's amount), the first of those. */
static struct pg_sql q_audit_entries = {
    "SELECT count(*), count(*) FILTER (WHERE bad),"
    " coalesce(min(id) FILTER (WHERE bad), 0)"
    " FROM (SELECT e.id AS id, coalesce(sum(p.amount), 0) <> 0 OR count(p.seq) < 2"
    "   OR coalesce(max(abs(p.amount)), 0) <> e.amount_minor AS bad"
    "   FROM sv_entries e LEFT JOIN sv_postings p"
    "   ON p.program_id = e.program_id AND p.entry_id = e.id"
    "   GROUP BY e.program_id, e.id, e.amount_minor) x",
    0};
#define CARD_BAD "c.balance_minor <> coalesce(t.total, 0)"
static struct pg_sql q_audit_cards = {
    "SELECT count(*), count(*) FILTER (WHERE " CARD_BAD "),"
    " coalesce(min(c.id) FILTER (WHERE " CARD_BAD "), 0),"
    " count(*) FILTER (WHERE c.balance_minor < 0), coalesce(sum(c.balance_minor), 0)"
    " FROM sv_cards c LEFT JOIN (SELECT program_id, card_id, sum(amount) AS total"
    "   FROM sv_postings WHERE account = 1 GROUP BY program_id, card_id) t"
    " ON t.program_id = c.program_id AND t.card_id = c.id",
    0};
static struct pg_sql q_audit_cashback = {
    "SELECT (SELECT count(*) FROM memberships), count(*), coalesce(min(member_id), 0)"
    " FROM (SELECT program_id, member_id FROM ("
    "   SELECT program_id, member_id, amount AS posted, 0 AS owed FROM sv_postings"
    "   WHERE account = 4"
    "   UNION ALL SELECT program_id, member_id, 0, accrued_minor - paid_minor"
    "   FROM memberships) u"
    " GROUP BY program_id, member_id HAVING sum(posted) <> sum(owed)) x",
    0};
static struct pg_sql q_audit_totals = {
    "SELECT (SELECT count(*) FROM sv_postings),"
    " coalesce((SELECT -sum(amount) FROM sv_postings WHERE account = 2), 0),"
    " coalesce((SELECT sum(amount) FROM sv_postings WHERE account = 3), 0)",
    0};

/* 1 inside a write transaction: reads that a write decides on lock their row. */
static int locking(struct pg_store *s)
{
    PGTransactionStatusType t = PQtransactionStatus(s->conn);
    return s->write && (t == PQTRANS_INTRANS || t == PQTRANS_ACTIVE);
}

/* Runs sql with p for its one row: FDL_ENOT_FOUND if there is none. */
static int run_row(struct pg_store *s, struct pg_sql *sql, const struct pg_params *p,
                   PGresult **out, struct fdl_error *err)
{
    PGresult *res;
    int rc = pg_run_sql(s, sql, p, NULL, &res, err);
    if (rc)
        return rc;
    if (PQntuples(res) < 1) {
        PQclear(res);
        return fdl_error_set(err, FDL_ENOT_FOUND, NULL, "not found");
    }
    *out = res;
    return 0;
}

/* Runs an INSERT ... RETURNING id and reads the id. */
static int run_insert(struct pg_store *s, struct pg_sql *sql, const struct pg_params *p,
                      const struct pg_unique_key *keys, int64_t *new_id,
                      struct fdl_error *err)
{
    PGresult *res;
    int rc = pg_run_sql(s, sql, p, keys, &res, err);
    if (rc)
        return rc;
    if (PQntuples(res) == 1)
        *new_id = pg_column_int(res, 0, 0);
    else
        rc = fdl_error_set(err, FDL_ESTORE, NULL, "an insert returned no id");
    PQclear(res);
    return rc;
}

/* ---- cards ---- */

int pg_sv_card_insert(struct fdl_store *st, struct fdl_sv_card *c, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(c);
    struct pg_params p = {0};
    pg_int(&p, c->program_id);
    pg_text(&p, c->number);
    pg_int(&p, c->kind);
    pg_optional(&p, c->member_id);
    pg_text(&p, c->currency);
    pg_int(&p, c->balance_minor);
    pg_int(&p, c->status);
    pg_int(&p, c->issued_at_s);
    pg_optional(&p, c->blocked_at_s);
    pg_text(&p, c->partner);
    return run_insert(s, &q_card_insert, &p, card_keys, &c->id, err);
}

/* Runs card query sql with p and reads its one row into out. */
static int card_fetch(struct pg_store *s, struct pg_sql *sql, const struct pg_params *p,
                      struct fdl_sv_card *out, struct fdl_error *err)
{
    PGresult *res;
    int rc = run_row(s, sql, p, &res, err);
    if (rc)
        return rc;
    struct fdl_sv_card c;
    memset(&c, 0, sizeof(c));
    c.id = pg_column_int(res, 0, 0);
    c.program_id = pg_column_int(res, 0, 1);
    pg_column_text(res, 0, 2, c.number, sizeof(c.number));
    c.kind = (enum fdl_sv_kind)pg_column_int(res, 0, 3);
    c.member_id = pg_column_int(res, 0, 4);
    pg_column_text(res, 0, 5, c.currency, sizeof(c.currency));
    c.balance_minor = pg_column_int(res, 0, 6);
    c.status = (enum fdl_sv_status)pg_column_int(res, 0, 7);
    c.issued_at_s = pg_column_int(res, 0, 8);
    c.blocked_at_s = pg_column_int(res, 0, 9);
    pg_column_text(res, 0, 10, c.partner, sizeof(c.partner));
    PQclear(res);
    *out = c;
    return 0;
}

/* In a write transaction the card's row is locked: its balance and status
 * are what the caller's load, spend, refund or block decides on. */
int pg_sv_card_get(struct fdl_store *st, int64_t program_id, const char *number,
                   struct fdl_sv_card *out, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(number && out);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_text(&p, number);
    return card_fetch(s, locking(s) ? &q_card_get_locked : &q_card_get, &p, out, err);
}

/* Locks as pg_sv_card_get does. */
int pg_sv_card_get_id(struct fdl_store *st, int64_t program_id, int64_t id,
                      struct fdl_sv_card *out, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(out);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, id);
    return card_fetch(s, locking(s) ? &q_card_get_id_locked : &q_card_get_id, &p, out,
                      err);
}

int pg_sv_card_update(struct fdl_store *st, const struct fdl_sv_card *c,
                      struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(c);
    struct pg_params p = {0};
    pg_int(&p, c->program_id);
    pg_int(&p, c->id);
    pg_int(&p, c->balance_minor);
    pg_int(&p, c->status);
    pg_optional(&p, c->blocked_at_s);
    return pg_run_sql(s, &q_card_update, &p, NULL, NULL, err);
}

/* ---- the money ledger ---- */

int pg_sv_entry_insert(struct fdl_store *st, int64_t program_id,
                       const struct fdl_sv_entry *e, const char *txn_id,
                       const char *actor, int64_t now_s, int64_t *entry_id,
                       struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(e && entry_id);
    if (e->postings[0].amount + e->postings[1].amount != 0)
        return fdl_error_set(err, FDL_EINTERNAL, NULL,
                             "refusing an entry that does not balance");
    int64_t id = 0;
    int rc = pg_op_begin(s, err);
    if (rc)
        return rc;
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, e->kind);
    pg_int(&p, e->amount_minor);
    pg_text(&p, txn_id && *txn_id ? txn_id : NULL);
    pg_text(&p, actor);
    pg_int(&p, now_s);
    rc = run_insert(s, &q_entry_insert, &p, NULL, &id, err);
    for (int i = 0; i < FDL_SV_ENTRY_POSTINGS && rc == 0; i++) {
        const struct fdl_sv_posting *post = &e->postings[i];
        struct pg_params q = {0};
        pg_int(&q, id);
        pg_int(&q, i);
        pg_int(&q, program_id);
        pg_int(&q, post->account);
        pg_optional(&q, post->card_id);
        pg_optional(&q, post->member_id);
        pg_int(&q, post->amount);
        rc = pg_run_sql(s, &q_posting_insert, &q, NULL, NULL, err);
    }
    if ((rc = pg_op_end(s, rc, err)) == 0)
        *entry_id = id;
    return rc;
}

int pg_sv_history(struct fdl_store *st, int64_t program_id, int64_t card_id,
                  struct fdl_sv_history_row *out, int max, int *count,
                  struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(count && (out || max <= 0));
    if (max <= 0) {
        *count = 0;
        return 0;
    }
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, card_id);
    pg_int(&p, max);
    PGresult *res;
    int rc = pg_run_sql(s, &q_history, &p, NULL, &res, err);
    if (rc)
        return rc;
    int n = 0;
    for (int rows = PQntuples(res); n < rows && n < max; n++) {
        struct fdl_sv_history_row *h = &out[n];
        memset(h, 0, sizeof(*h));
        h->entry_id = pg_column_int(res, n, 0);
        h->kind = (enum fdl_sv_entry_kind)pg_column_int(res, n, 1);
        h->amount_minor = pg_column_int(res, n, 2);
        pg_column_text(res, n, 3, h->txn_id, sizeof(h->txn_id));
        pg_column_text(res, n, 4, h->actor, sizeof(h->actor));
        h->created_at_s = pg_column_int(res, n, 5);
    }
    PQclear(res);
    *count = n;
    return 0;
}

/* In a write transaction the redemption's row is locked: a refund decides
 * from what it already gave back. */
int pg_sv_redemption_get(struct fdl_store *st, int64_t program_id, int64_t card_id,
                         const char *txn_id, struct fdl_sv_redemption *out,
                         struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(txn_id && out);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, card_id);
    pg_text(&p, txn_id);
    PGresult *res;
    int rc = run_row(s, locking(s) ? &q_redemption_get_locked : &q_redemption_get, &p,
                     &res, err);
    if (rc)
        return rc;
    memset(out, 0, sizeof(*out));
    out->card_id = card_id;
    snprintf(out->txn_id, sizeof(out->txn_id), "%s", txn_id);
    out->amount_minor = pg_column_int(res, 0, 0);
    out->refunded_minor = pg_column_int(res, 0, 1);
    PQclear(res);
    return 0;
}

int pg_sv_redemption_put(struct fdl_store *st, int64_t program_id,
                         const struct fdl_sv_redemption *r, int64_t now_s,
                         struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(r);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, r->card_id);
    pg_text(&p, r->txn_id);
    pg_int(&p, r->amount_minor);
    pg_int(&p, r->refunded_minor);
    pg_int(&p, now_s);
    return pg_run_sql(s, &q_redemption_put, &p, NULL, NULL, err);
}

/* ---- memberships and cashback ---- */

int pg_membership_insert(struct fdl_store *st, struct fdl_membership *m,
                         struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(m);
    struct pg_params p = {0};
    pg_int(&p, m->program_id);
    pg_int(&p, m->member_id);
    pg_text(&p, m->txn_id);
    pg_int(&p, m->fee_minor);
    pg_int(&p, m->starts_at_s);
    pg_int(&p, m->ends_at_s);
    pg_int(&p, m->accrued_minor);
    pg_int(&p, m->paid_minor);
    pg_optional(&p, m->certificate_id);
    pg_int(&p, m->status);
    pg_int(&p, m->created_at_s);
    return run_insert(s, &q_membership_insert, &p, membership_keys, &m->id, err);
}

/* Runs membership query sql with p and reads its one row into out. */
static int membership_fetch(struct pg_store *s, struct pg_sql *sql,
                            const struct pg_params *p, struct fdl_membership *out,
                            struct fdl_error *err)
{
    PGresult *res;
    int rc = run_row(s, sql, p, &res, err);
    if (rc)
        return rc;
    struct fdl_membership m;
    memset(&m, 0, sizeof(m));
    m.id = pg_column_int(res, 0, 0);
    m.program_id = pg_column_int(res, 0, 1);
    m.member_id = pg_column_int(res, 0, 2);
    pg_column_text(res, 0, 3, m.txn_id, sizeof(m.txn_id));
    m.fee_minor = pg_column_int(res, 0, 4);
    m.starts_at_s = pg_column_int(res, 0, 5);
    m.ends_at_s = pg_column_int(res, 0, 6);
    m.accrued_minor = pg_column_int(res, 0, 7);
    m.paid_minor = pg_column_int(res, 0, 8);
    m.certificate_id = pg_column_int(res, 0, 9);
    m.status = (enum fdl_membership_status)pg_column_int(res, 0, 10);
    m.created_at_s = pg_column_int(res, 0, 11);
    PQclear(res);
    *out = m;
    return 0;
}

/* In a write transaction the year's row is locked: cashback is added to
 * its accrual, against its cap. */
int pg_membership_at(struct fdl_store *st, int64_t program_id, int64_t member_id,
                     int64_t t_s, struct fdl_membership *out, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(out);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    pg_int(&p, t_s);
    return membership_fetch(s, locking(s) ? &q_membership_at_locked : &q_membership_at,
                            &p, out, err);
}

/* Locks as pg_membership_at does (a purchase of the next year decides from
 * it; the member's row, locked first, already keeps two purchases apart). */
int pg_membership_latest(struct fdl_store *st, int64_t program_id, int64_t member_id,
                         struct fdl_membership *out, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(out);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    return membership_fetch(
        s, locking(s) ? &q_membership_latest_locked : &q_membership_latest, &p, out, err);
}

/* Locks as pg_membership_at does: a reversal or the year's payout decides
 * from its accrued and paid amounts, so a year is paid out once. */
int pg_membership_get(struct fdl_store *st, int64_t program_id, int64_t id,
                      struct fdl_membership *out, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(out);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, id);
    return membership_fetch(s, locking(s) ? &q_membership_get_locked : &q_membership_get,
                            &p, out, err);
}

int pg_membership_update(struct fdl_store *st, const struct fdl_membership *m,
                         struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(m);
    struct pg_params p = {0};
    pg_int(&p, m->program_id);
    pg_int(&p, m->id);
    pg_int(&p, m->accrued_minor);
    pg_int(&p, m->paid_minor);
    pg_optional(&p, m->certificate_id);
    pg_int(&p, m->status);
    return pg_run_sql(s, &q_membership_update, &p, NULL, NULL, err);
}

int pg_memberships_due(struct fdl_store *st, int64_t program_id, int64_t now_s, int limit,
                       int64_t *ids, int *count, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(count && (ids || limit <= 0));
    if (limit <= 0) {
        *count = 0;
        return 0;
    }
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, now_s);
    pg_int(&p, limit);
    PGresult *res;
    int rc = pg_run_sql(s, &q_memberships_due, &p, NULL, &res, err);
    if (rc)
        return rc;
    int n = 0;
    for (int rows = PQntuples(res); n < rows && n < limit; n++)
        ids[n] = pg_column_int(res, n, 0);
    PQclear(res);
    *count = n;
    return 0;
}

/* In a write transaction the row is locked: a refund reverses from what
 * earlier refunds already reversed. */
int pg_cashback_get(struct fdl_store *st, int64_t program_id, int64_t purchase_id,
                    struct fdl_cashback_row *out, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(out);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, purchase_id);
    PGresult *res;
    int rc =
        run_row(s, locking(s) ? &q_cashback_get_locked : &q_cashback_get, &p, &res, err);
    if (rc)
        return rc;
    out->purchase_id = pg_column_int(res, 0, 0);
    out->member_id = pg_column_int(res, 0, 1);
    out->membership_id = pg_column_int(res, 0, 2);
    out->cashback_minor = pg_column_int(res, 0, 3);
    out->reversed_minor = pg_column_int(res, 0, 4);
    PQclear(res);
    return 0;
}

int pg_cashback_put(struct fdl_store *st, int64_t program_id,
                    const struct fdl_cashback_row *row, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(row);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, row->purchase_id);
    pg_int(&p, row->member_id);
    pg_int(&p, row->membership_id);
    pg_int(&p, row->cashback_minor);
    pg_int(&p, row->reversed_minor);
    return pg_run_sql(s, &q_cashback_put, &p, NULL, NULL, err);
}

/* ---- audit ---- */

/* Runs sql for its one row and reads its n integer columns into values. */
static int audit_row(struct pg_store *s, struct pg_sql *sql, int64_t *values, int n,
                     struct fdl_error *err)
{
    PGresult *res;
    int rc = run_row(s, sql, NULL, &res, err);
    if (rc)
        return rc;
    for (int i = 0; i < n; i++)
        values[i] = pg_column_int(res, 0, i);
    PQclear(res);
    return 0;
}

static int sv_audit_run(struct pg_store *s, struct fdl_sv_audit *a, struct fdl_error *err)
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

/* Runs in one REPEATABLE READ transaction (or the caller's), so every check
 * sees one snapshot. */
int pg_sv_audit(struct fdl_store *st, struct fdl_sv_audit *out, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(out);
    int own = PQtransactionStatus(s->conn) == PQTRANS_IDLE;
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
