/*
 * pg_coupons.c - the PostgreSQL side of coupons, op by op as
 * sqlite_coupons.c: single-use codes (their hashes only) and the uses of
 * codes on purchases. The schema is pg_schema_coupons, migrated by pg.c in
 * the place of sqlite.c's schema_coupons.
 *
 * Several processes may write at once, so what a use is decided on is
 * locked in a write transaction (docs/architecture.md): coupon_code_get
 * locks the code's row, so two purchases presenting one single-use code
 * run one after the other and the second sees the first's use (the
 * partial unique index coupon_uses_code stays as the backstop, mapped to
 * FDL_EDUPLICATE "coupons" as on SQLite); coupon_uses_count takes a
 * transaction-long advisory lock on the campaign (per member for a
 * per-member count), so two purchases cannot both take a campaign's last
 * use.
 */
#include "store/pg_coupons.h"
#include "store/pg_internal.h"

#include "engine/coupons.h"

#include <assert.h>
#include <stdio.h>

/*
 * Codes are looked up by hash and may be bound to no member, so
 * coupon_codes is keyed (program_id, hash); coupon_uses, the hot table,
 * is keyed by member. The coupon discount columns of purchases and lines
 * are added here, as on SQLite.
 */
const char pg_schema_coupons[] =
    "CREATE TABLE coupon_codes (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    hash BYTEA NOT NULL,\n"
    "    campaign TEXT COLLATE \"C\" NOT NULL,\n"
    "    member_id BIGINT, -- NULL: anyone\n"
    "    created_at BIGINT NOT NULL,\n"
    "    CONSTRAINT coupon_codes_hash PRIMARY KEY (program_id, hash),\n"
    "    FOREIGN KEY (program_id, member_id) REFERENCES members (program_id, id)\n"
    ");\n"
    "CREATE TABLE coupon_uses (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    member_id BIGINT NOT NULL,\n"
    "    purchase_id BIGINT NOT NULL,\n"
    "    seq BIGINT NOT NULL,\n"
    "    campaign TEXT COLLATE \"C\" NOT NULL,\n"
    "    code_hash BYTEA, -- single-use codes only\n"
    "    code_masked TEXT NOT NULL,\n"
    "    discount_minor BIGINT NOT NULL,\n"
    "    created_at BIGINT NOT NULL,\n"
    "    returned BIGINT NOT NULL DEFAULT 0,\n"
    "    PRIMARY KEY (program_id, member_id, purchase_id, seq),\n"
    "    FOREIGN KEY (program_id, member_id, purchase_id)\n"
    "        REFERENCES purchases (program_id, member_id, id)\n"
    ");\n"
    "CREATE UNIQUE INDEX coupon_uses_code ON coupon_uses (program_id, code_hash)\n"
    "    WHERE code_hash IS NOT NULL AND returned = 0;\n"
    "CREATE INDEX coupon_uses_campaign ON coupon_uses (program_id, campaign, "
    "member_id);\n"
    "ALTER TABLE purchases ADD COLUMN coupon_discount_minor BIGINT NOT NULL DEFAULT 0;\n"
    "ALTER TABLE purchase_lines ADD COLUMN coupon_discount_minor BIGINT NOT NULL "
    "DEFAULT 0;\n";

static struct pg_sql q_code_insert = {
    "INSERT INTO coupon_codes (program_id, hash, campaign, member_id, created_at)"
    " VALUES ($1, $2, $3, $4, $5)",
    0};
static struct pg_sql q_code_get = {"SELECT campaign, coalesce(member_id, 0)"
                                   " FROM coupon_codes"
                                   " WHERE program_id = $1 AND hash = $2",
                                   0};
static struct pg_sql q_code_get_locked = {"SELECT campaign, coalesce(member_id, 0)"
                                          " FROM coupon_codes"
                                          " WHERE program_id = $1 AND hash = $2"
                                          " FOR NO KEY UPDATE",
                                          0};
static struct pg_sql q_campaign_lock = {
    "SELECT pg_advisory_xact_lock(hashtextextended($2, $1))", 0};
static struct pg_sql q_uses_member = {
    "SELECT count(*) FROM coupon_uses WHERE program_id = $1 AND campaign = $2"
    " AND member_id = $3 AND returned = 0",
    0};
static struct pg_sql q_uses_all = {
    "SELECT count(*) FROM coupon_uses WHERE program_id = $1 AND campaign = $2"
    " AND returned = 0",
    0};
static struct pg_sql q_code_used = {
    "SELECT count(*) FROM coupon_uses WHERE program_id = $1 AND code_hash = $2"
    " AND returned = 0",
    0};
static struct pg_sql q_use_insert = {
    "INSERT INTO coupon_uses (program_id, member_id, purchase_id, seq, campaign,"
    " code_hash, code_masked, discount_minor, created_at) VALUES ($1, $2, $3,"
    " (SELECT coalesce(max(seq), 0) + 1 FROM coupon_uses WHERE program_id = $1"
    "  AND member_id = $2 AND purchase_id = $3), $4, $5, $6, $7, $8)",
    0};
static struct pg_sql q_uses_of_purchase = {
    "SELECT code_masked, campaign, (code_hash IS NOT NULL)::int, discount_minor"
    " FROM coupon_uses"
    " WHERE program_id = $1 AND member_id = $2 AND purchase_id = $3 ORDER BY seq",
    0};
static struct pg_sql q_uses_return = {
    "UPDATE coupon_uses SET returned = 1 WHERE program_id = $1 AND member_id = $2"
    " AND purchase_id = $3 AND returned = 0",
    0};

static const struct pg_unique_key code_keys[] = {{"coupon_codes_hash", "code"},
                                                 {NULL, NULL}};
static const struct pg_unique_key use_keys[] = {{"coupon_uses_code", "coupons"},
                                                {NULL, NULL}};

/* Whether s is inside a write transaction: then reads that decide are locked. */
static int in_write(struct pg_store *s)
{
    PGTransactionStatusType t = PQtransactionStatus(s->conn);
    return s->write && (t == PQTRANS_INTRANS || t == PQTRANS_ACTIVE);
}

static void hash_param(struct pg_params *p, const unsigned char *hash)
{
    if (hash)
        pg_bytes(p, hash, FDL_COUPON_HASH_BYTES);
    else
        pg_text(p, NULL);
}

/* Runs a single-row count query. */
static int count_of(struct pg_store *s, struct pg_sql *sql, const struct pg_params *p,
                    int64_t *out, struct fdl_error *err)
{
    PGresult *res;
    int rc = pg_run_sql(s, sql, p, NULL, &res, err);
    if (rc)
        return rc;
    *out = PQntuples(res) > 0 ? pg_column_int(res, 0, 0) : 0;
    PQclear(res);
    return 0;
}

int pg_coupon_code_insert(struct fdl_store *st, int64_t program_id,
                          const unsigned char *hash, const char *campaign,
                          int64_t member_id, int64_t now_s, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(hash && campaign);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    hash_param(&p, hash);
    pg_text(&p, campaign);
    pg_optional(&p, member_id);
    pg_int(&p, now_s);
    return pg_run_sql(s, &q_code_insert, &p, code_keys, NULL, err);
}

/*
 * In a write transaction the code's row is locked until it ends: the
 * caller is about to decide whether the code is still unused.
 */
int pg_coupon_code_get(struct fdl_store *st, int64_t program_id,
                       const unsigned char *hash, char *campaign, size_t cap,
                       int64_t *member_id, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(hash && campaign && cap > 0 && member_id);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    hash_param(&p, hash);
    PGresult *res;
    int rc = pg_run_sql(s, in_write(s) ? &q_code_get_locked : &q_code_get, &p, NULL, &res,
                        err);
    if (rc)
        return rc;
    if (PQntuples(res) < 1) {
        PQclear(res);
        return fdl_error_set(err, FDL_ENOT_FOUND, NULL, "no such coupon code");
    }
    pg_column_text(res, 0, 0, campaign, cap);
    *member_id = pg_column_int(res, 0, 1);
    PQclear(res);
    return 0;
}

/*
 * In a write transaction, first takes a transaction-long advisory lock on
 * the campaign (and member, for a member's count): the count decides
 * whether one more use may be inserted, so two processes must not both
 * count before either inserts.
 */
int pg_coupon_uses_count(struct fdl_store *st, int64_t program_id, const char *campaign,
                         int64_t member_id, int64_t *count, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(campaign && count);
    int rc = 0;
    if (in_write(s)) {
        char key[FDL_MAX_ID_LEN * 2 + 64];
        snprintf(key, sizeof(key), "fdl.coupon_uses:%s:%lld", campaign,
                 (long long)member_id);
        struct pg_params l = {0};
        pg_int(&l, program_id);
        pg_text(&l, key);
        if ((rc = pg_run_sql(s, &q_campaign_lock, &l, NULL, NULL, err)))
            return rc;
    }
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_text(&p, campaign);
    if (member_id)
        pg_int(&p, member_id);
    return count_of(s, member_id ? &q_uses_member : &q_uses_all, &p, count, err);
}

int pg_coupon_code_used(struct fdl_store *st, int64_t program_id,
                        const unsigned char *hash, int *used, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(hash && used);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    hash_param(&p, hash);
    int64_t n = 0;
    int rc = count_of(s, &q_code_used, &p, &n, err);
    if (rc == 0)
        *used = n > 0;
    return rc;
}

int pg_coupon_use_insert(struct fdl_store *st, int64_t program_id, int64_t member_id,
                         int64_t purchase_id, const char *campaign,
                         const unsigned char *hash, const char *masked,
                         int64_t discount_minor, int64_t now_s, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(campaign && masked);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    pg_int(&p, purchase_id);
    pg_text(&p, campaign);
    hash_param(&p, hash);
    pg_text(&p, masked);
    pg_int(&p, discount_minor);
    pg_int(&p, now_s);
    return pg_run_sql(s, &q_use_insert, &p, use_keys, NULL, err);
}

int pg_coupon_uses_of_purchase(struct fdl_store *st, int64_t program_id,
                               int64_t member_id, int64_t purchase_id,
                               struct fdl_coupon_applied *out, int max, int *count,
                               struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(out && count && max >= 0);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    pg_int(&p, purchase_id);
    PGresult *res;
    int rc = pg_run_sql(s, &q_uses_of_purchase, &p, NULL, &res, err);
    if (rc)
        return rc;
    int n = 0, rows = PQntuples(res);
    for (; n < max && n < rows; n++) {
        struct fdl_coupon_applied *c = &out[n];
        pg_column_text(res, n, 0, c->code, sizeof(c->code));
        pg_column_text(res, n, 1, c->campaign, sizeof(c->campaign));
        c->single_use = (int)pg_column_int(res, n, 2);
        c->discount_minor = pg_column_int(res, n, 3);
    }
    PQclear(res);
    *count = n;
    return 0;
}

int pg_coupon_uses_return(struct fdl_store *st, int64_t program_id, int64_t member_id,
                          int64_t purchase_id, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    pg_int(&p, purchase_id);
    return pg_run_sql(s, &q_uses_return, &p, NULL, NULL, err);
}
