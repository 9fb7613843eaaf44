/*
 * pg_referrals.c - the PostgreSQL side of referrals, op by op as
 * sqlite_referrals.c: one row per referred member, keyed (program_id,
 * referee_id), so a member is referred at most once. The schema is
 * pg_schema_referrals, migrated by pg.c in the place of sqlite.c's
 * schema_referrals.
 *
 * Locks in a write transaction (docs/architecture.md): referral_get locks
 * the referee's member row, then the referral's row, before the caller
 * decides on its status (qualify, pay, void); referral_counts locks the
 * referrer's member row, so the caps (pending referrals, rewards a year)
 * are counted and acted on by one process at a time; referral_contact_used
 * takes transaction-long advisory locks on the e-mail and phone keys, so
 * two joins with one contact cannot both pass the anti-farming check.
 * Members are always locked referee (newer) before referrer (older).
 */
#include "store/pg_internal.h"
#include "store/pg_referrals.h"

#include <stdio.h>
#include <string.h>

/* Keyed by the referee (a member), so it is distributed with its member. */
const char pg_schema_referrals[] =
    "CREATE TABLE referrals (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    referee_id BIGINT NOT NULL,\n"
    "    referrer_id BIGINT NOT NULL,\n"
    "    status BIGINT NOT NULL, -- 1 pending, 2 waiting, 3 rewarded, 4 void\n"
    "    created_at BIGINT NOT NULL,\n"
    "    lapse_at BIGINT NOT NULL DEFAULT 0, -- pending: void from then; 0 never\n"
    "    email_key TEXT COLLATE \"C\" NOT NULL DEFAULT '',\n"
    "    phone_key TEXT COLLATE \"C\" NOT NULL DEFAULT '',\n"
    "    purchase_id BIGINT NOT NULL DEFAULT 0,\n"
    "    txn_id TEXT COLLATE \"C\" NOT NULL DEFAULT '',\n"
    "    qualified_at BIGINT NOT NULL DEFAULT 0,\n"
    "    due_at BIGINT NOT NULL DEFAULT 0,\n"
    "    min_spend BIGINT NOT NULL DEFAULT 0,\n"
    "    referrer_points BIGINT NOT NULL DEFAULT 0,\n"
    "    referee_points BIGINT NOT NULL DEFAULT 0,\n"
    "    rewarded_at BIGINT NOT NULL DEFAULT 0,\n"
    "    note TEXT NOT NULL DEFAULT '',\n"
    "    CONSTRAINT referrals_referee PRIMARY KEY (program_id, referee_id),\n"
    "    FOREIGN KEY (program_id, referee_id) REFERENCES members (program_id, id),\n"
    "    FOREIGN KEY (program_id, referrer_id) REFERENCES members (program_id, id)\n"
    ");\n"
    "CREATE INDEX referrals_referrer ON referrals (program_id, referrer_id, status);\n"
    "CREATE INDEX referrals_due ON referrals (program_id, due_at) WHERE status = 2;\n"
    "CREATE INDEX referrals_lapse ON referrals (program_id, lapse_at)\n"
    "    WHERE status = 1 AND lapse_at > 0;\n"
    "CREATE INDEX referrals_email ON referrals (program_id, email_key)\n"
    "    WHERE email_key <> '';\n"
    "CREATE INDEX referrals_phone ON referrals (program_id, phone_key)\n"
    "    WHERE phone_key <> '';\n";

#define REFERRAL_COLUMNS                                                                 \
    "program_id, referee_id, referrer_id, status, created_at, email_key, phone_key, "    \
    "purchase_id, txn_id, qualified_at, due_at, min_spend, referrer_points, "            \
    "referee_points, rewarded_at, note, lapse_at"

static struct pg_sql q_insert = {
    "INSERT INTO referrals (" REFERRAL_COLUMNS ") "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    0};
static struct pg_sql q_get = {"SELECT " REFERRAL_COLUMNS
                              " FROM referrals WHERE program_id = $1 AND referee_id = $2",
                              0};
static struct pg_sql q_get_locked = {
    "SELECT " REFERRAL_COLUMNS " FROM referrals WHERE program_id = $1 AND referee_id = $2"
    " FOR UPDATE",
    0};
static struct pg_sql q_member_lock = {"SELECT 1 FROM members WHERE program_id = $1"
                                      " AND id = $2 FOR NO KEY UPDATE",
                                      0};
static struct pg_sql q_key_lock = {
    "SELECT pg_advisory_xact_lock(hashtextextended($2, $1))", 0};
static struct pg_sql q_update = {
    "UPDATE referrals SET status = $3, purchase_id = $4, txn_id = $5, qualified_at = $6, "
    "due_at = $7, min_spend = $8, referrer_points = $9, referee_points = $10, "
    "rewarded_at = $11, note = $12, lapse_at = $13 "
    "WHERE program_id = $1 AND referee_id = $2",
    0};
static struct pg_sql q_counts = {
    "SELECT count(*) FILTER (WHERE status = 1), count(*) FILTER (WHERE status = 2), "
    "count(*) FILTER (WHERE status = 3 AND rewarded_at >= $3 AND rewarded_at < $4) "
    "FROM referrals WHERE program_id = $1 AND referrer_id = $2",
    0};
static struct pg_sql q_email_used = {"SELECT 1 FROM referrals WHERE program_id = $1 AND "
                                     "email_key = $2 AND email_key <> '' "
                                     "LIMIT 1",
                                     0};
static struct pg_sql q_phone_used = {"SELECT 1 FROM referrals WHERE program_id = $1 AND "
                                     "phone_key = $2 AND phone_key <> '' "
                                     "LIMIT 1",
                                     0};
static struct pg_sql q_due = {
    "SELECT referee_id, due_at FROM referrals WHERE program_id = $1 AND status = 2 "
    "AND due_at <= $2 "
    "UNION ALL SELECT referee_id, lapse_at FROM referrals WHERE program_id = $1 "
    "AND status = 1 AND lapse_at > 0 AND lapse_at <= $2 ORDER BY 2, 1 LIMIT $3",
    0};
static struct pg_sql q_of = {"SELECT " REFERRAL_COLUMNS
                             " FROM referrals WHERE program_id = $1 AND referrer_id = $2 "
                             "AND referee_id > $3 ORDER BY referee_id LIMIT $4",
                             0};

/* Whether s is inside a write transaction: then reads that decide are locked. */
static int in_write(struct pg_store *s)
{
    PGTransactionStatusType t = PQtransactionStatus(s->conn);
    return s->write && (t == PQTRANS_INTRANS || t == PQTRANS_ACTIVE);
}

/* Locks member_id's row until the transaction ends (in a write transaction). */
static int member_lock(struct pg_store *s, int64_t program_id, int64_t member_id,
                       struct fdl_error *err)
{
    if (!in_write(s))
        return 0;
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    return pg_run_sql(s, &q_member_lock, &p, NULL, NULL, err);
}

/* Reads row `row` of REFERRAL_COLUMNS into r. */
static void referral_row(const PGresult *res, int row, struct fdl_referral *r)
{
    memset(r, 0, sizeof(*r));
    r->program_id = pg_column_int(res, row, 0);
    r->referee_id = pg_column_int(res, row, 1);
    r->referrer_id = pg_column_int(res, row, 2);
    r->status = (enum fdl_referral_status)pg_column_int(res, row, 3);
    r->created_at_s = pg_column_int(res, row, 4);
    pg_column_text(res, row, 5, r->email_key, sizeof(r->email_key));
    pg_column_text(res, row, 6, r->phone_key, sizeof(r->phone_key));
    r->purchase_id = pg_column_int(res, row, 7);
    pg_column_text(res, row, 8, r->txn_id, sizeof(r->txn_id));
    r->qualified_at_s = pg_column_int(res, row, 9);
    r->due_at_s = pg_column_int(res, row, 10);
    r->min_spend_minor = pg_column_int(res, row, 11);
    r->referrer_points = pg_column_int(res, row, 12);
    r->referee_points = pg_column_int(res, row, 13);
    r->rewarded_at_s = pg_column_int(res, row, 14);
    pg_column_text(res, row, 15, r->note, sizeof(r->note));
    r->lapse_at_s = pg_column_int(res, row, 16);
}

int pg_referral_insert(struct fdl_store *st, const struct fdl_referral *r,
                       struct fdl_error *err)
{
    static const struct pg_unique_key keys[] = {{"referrals_referee", "referral_code"},
                                                {NULL, NULL}};
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, r->program_id);
    pg_int(&p, r->referee_id);
    pg_int(&p, r->referrer_id);
    pg_int(&p, r->status);
    pg_int(&p, r->created_at_s);
    pg_text(&p, r->email_key);
    pg_text(&p, r->phone_key);
    pg_int(&p, r->purchase_id);
    pg_text(&p, r->txn_id);
    pg_int(&p, r->qualified_at_s);
    pg_int(&p, r->due_at_s);
    pg_int(&p, r->min_spend_minor);
    pg_int(&p, r->referrer_points);
    pg_int(&p, r->referee_points);
    pg_int(&p, r->rewarded_at_s);
    pg_text(&p, r->note);
    pg_int(&p, r->lapse_at_s);
    return pg_run_sql(s, &q_insert, &p, keys, NULL, err);
}

/*
 * In a write transaction the referee's member row and then the referral's
 * row are locked until it ends: the caller decides on the status (to
 * qualify, pay or void it), and the member lock first keeps the order of
 * a purchase (member, then referral) so the two never deadlock.
 */
int pg_referral_get(struct fdl_store *st, int64_t program_id, int64_t referee_id,
                    struct fdl_referral *out, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    int locked = in_write(s);
    int rc = member_lock(s, program_id, referee_id, err);
    if (rc)
        return rc;
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, referee_id);
    PGresult *res;
    if ((rc = pg_run_sql(s, locked ? &q_get_locked : &q_get, &p, NULL, &res, err)))
        return rc;
    if (PQntuples(res) < 1) {
        PQclear(res);
        return fdl_error_set(err, FDL_ENOT_FOUND, NULL, "no referral of member %lld",
                             (long long)referee_id);
    }
    referral_row(res, 0, out);
    PQclear(res);
    return 0;
}

int pg_referral_update(struct fdl_store *st, const struct fdl_referral *r,
                       struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, r->program_id);
    pg_int(&p, r->referee_id);
    pg_int(&p, r->status);
    pg_int(&p, r->purchase_id);
    pg_text(&p, r->txn_id);
    pg_int(&p, r->qualified_at_s);
    pg_int(&p, r->due_at_s);
    pg_int(&p, r->min_spend_minor);
    pg_int(&p, r->referrer_points);
    pg_int(&p, r->referee_points);
    pg_int(&p, r->rewarded_at_s);
    pg_text(&p, r->note);
    pg_int(&p, r->lapse_at_s);
    PGresult *res;
    int rc = pg_run_sql(s, &q_update, &p, NULL, &res, err);
    if (rc)
        return rc;
    if (pg_changes(res) != 1)
        rc = fdl_error_set(err, FDL_ENOT_FOUND, "member_id", "no referral of member %lld",
                           (long long)r->referee_id);
    PQclear(res);
    return rc;
}

/*
 * In a write transaction the referrer's member row is locked first: the
 * counts decide whether another referral may be recorded or paid, and a
 * second process deciding for the same referrer waits for this one.
 */
int pg_referral_counts(struct fdl_store *st, int64_t program_id, int64_t referrer_id,
                       int64_t from_s, int64_t to_s, int64_t *pending, int64_t *waiting,
                       int64_t *rewarded, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    int rc = member_lock(s, program_id, referrer_id, err);
    if (rc)
        return rc;
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, referrer_id);
    pg_int(&p, from_s);
    pg_int(&p, to_s);
    PGresult *res;
    if ((rc = pg_run_sql(s, &q_counts, &p, NULL, &res, err)))
        return rc;
    if (PQntuples(res) < 1) {
        PQclear(res);
        return fdl_error_set(err, FDL_ENOT_FOUND, NULL, "no counts");
    }
    *pending = pg_column_int(res, 0, 0);
    *waiting = pg_column_int(res, 0, 1);
    *rewarded = pg_column_int(res, 0, 2);
    PQclear(res);
    return 0;
}

/*
 * Whether sql (program id, key) finds a row; an empty key finds none. In a
 * write transaction the key is first locked (advisory, until the
 * transaction ends) under the name `kind`: the answer decides an insert.
 */
static int key_used(struct pg_store *s, struct pg_sql *sql, const char *kind,
                    int64_t program_id, const char *key, int *used, struct fdl_error *err)
{
    *used = 0;
    if (!key || !*key)
        return 0;
    int rc = 0;
    if (in_write(s)) {
        char name[FDL_MAX_EMAIL_LEN + 64];
        snprintf(name, sizeof(name), "fdl.referrals.%s:%s", kind, key);
        struct pg_params l = {0};
        pg_int(&l, program_id);
        pg_text(&l, name);
        if ((rc = pg_run_sql(s, &q_key_lock, &l, NULL, NULL, err)))
            return rc;
    }
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_text(&p, key);
    PGresult *res;
    if ((rc = pg_run_sql(s, sql, &p, NULL, &res, err)))
        return rc;
    *used = PQntuples(res) > 0;
    PQclear(res);
    return 0;
}

int pg_referral_contact_used(struct fdl_store *st, int64_t program_id,
                             const char *email_key, const char *phone_key,
                             int *email_used, int *phone_used, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    int rc = key_used(s, &q_email_used, "email", program_id, email_key, email_used, err);
    if (rc == 0)
        rc = key_used(s, &q_phone_used, "phone", program_id, phone_key, phone_used, err);
    return rc;
}

int pg_referrals_due(struct fdl_store *st, int64_t program_id, int64_t now_s, int limit,
                     int64_t *referee_ids, int *count, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, now_s);
    pg_int(&p, limit);
    PGresult *res;
    int rc = pg_run_sql(s, &q_due, &p, NULL, &res, err);
    if (rc)
        return rc;
    int n = 0, rows = PQntuples(res);
    for (; n < limit && n < rows; n++)
        referee_ids[n] = pg_column_int(res, n, 0);
    PQclear(res);
    *count = n;
    return 0;
}

int pg_referrals_of(struct fdl_store *st, int64_t program_id, int64_t referrer_id,
                    int64_t after_id, int limit, struct fdl_referral *out, int *count,
                    struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, referrer_id);
    pg_int(&p, after_id);
    pg_int(&p, limit);
    PGresult *res;
    int rc = pg_run_sql(s, &q_of, &p, NULL, &res, err);
    if (rc)
        return rc;
    int n = 0, rows = PQntuples(res);
    for (; n < limit && n < rows; n++)
        referral_row(res, n, &out[n]);
    PQclear(res);
    *count = n;
    return 0;
}
