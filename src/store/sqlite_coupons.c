/*
 * sqlite_coupons.c - the SQLite side of coupons: single-use codes (their
 * hashes only) and the uses of codes on purchases. The schema is
 * sqlite.c's migration schema_coupons; a single-use code has at most one
 * live use, which a partial unique index enforces even if two writers
 * raced (there is one writer, so the service's own check sees it first).
 */
#include "store/sqlite_internal.h"

#include "engine/coupons.h"

#include <assert.h>

int sqlite_coupon_code_insert(struct fdl_store *st, int64_t program_id,
                              const unsigned char *hash, const char *campaign,
                              int64_t member_id, int64_t now_s, struct fdl_error *err);
int sqlite_coupon_code_get(struct fdl_store *st, int64_t program_id,
                           const unsigned char *hash, char *campaign, size_t cap,
                           int64_t *member_id, struct fdl_error *err);
int sqlite_coupon_uses_count(struct fdl_store *st, int64_t program_id,
                             const char *campaign, int64_t member_id, int64_t *count,
                             struct fdl_error *err);
int sqlite_coupon_code_used(struct fdl_store *st, int64_t program_id,
                            const unsigned char *hash, int *used, struct fdl_error *err);
int sqlite_coupon_use_insert(struct fdl_store *st, int64_t program_id, int64_t member_id,
                             int64_t purchase_id, const char *campaign,
                             const unsigned char *hash, const char *masked,
                             int64_t discount_minor, int64_t now_s,
                             struct fdl_error *err);
int sqlite_coupon_uses_of_purchase(struct fdl_store *st, int64_t program_id,
                                   int64_t member_id, int64_t purchase_id,
                                   struct fdl_coupon_applied *out, int max, int *count,
                                   struct fdl_error *err);
int sqlite_coupon_uses_return(struct fdl_store *st, int64_t program_id, int64_t member_id,
                              int64_t purchase_id, struct fdl_error *err);

static struct sqlite_sql q_code_insert = {
    "INSERT INTO coupon_codes (program_id, hash, campaign, member_id, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5)",
    0};
static struct sqlite_sql q_code_get = {"SELECT campaign, coalesce(member_id, 0)"
                                       " FROM coupon_codes"
                                       " WHERE program_id = ?1 AND hash = ?2",
                                       0};
static struct sqlite_sql q_uses_member = {
    "SELECT count(*) FROM coupon_uses WHERE program_id = ?1 AND campaign = ?2"
    " AND member_id = ?3 AND returned = 0",
    0};
static struct sqlite_sql q_uses_all = {
    "SELECT count(*) FROM coupon_uses WHERE program_id = ?1 AND campaign = ?2"
    " AND returned = 0",
    0};
static struct sqlite_sql q_code_used = {
    "SELECT count(*) FROM coupon_uses WHERE program_id = ?1 AND code_hash = ?2"
    " AND returned = 0",
    0};
static struct sqlite_sql q_use_insert = {
    "INSERT INTO coupon_uses (program_id, member_id, purchase_id, seq, campaign,"
    " code_hash, code_masked, discount_minor, created_at) VALUES (?1, ?2, ?3,"
    " (SELECT coalesce(max(seq), 0) + 1 FROM coupon_uses WHERE program_id = ?1"
    "  AND member_id = ?2 AND purchase_id = ?3), ?4, ?5, ?6, ?7, ?8)",
    0};
static struct sqlite_sql q_uses_of_purchase = {
    "SELECT code_masked, campaign, code_hash IS NOT NULL, discount_minor FROM coupon_uses"
    " WHERE program_id = ?1 AND member_id = ?2 AND purchase_id = ?3 ORDER BY seq",
    0};
static struct sqlite_sql q_uses_return = {
    "UPDATE coupon_uses SET returned = 1 WHERE program_id = ?1 AND member_id = ?2"
    " AND purchase_id = ?3 AND returned = 0",
    0};

static const struct unique_key code_keys[] = {{"coupon_codes.hash", "code"},
                                              {NULL, NULL}};
static const struct unique_key use_keys[] = {{"coupon_uses.code_hash", "coupons"},
                                             {NULL, NULL}};

static int bind_hash(sqlite3_stmt *q, int i, const unsigned char *hash)
{
    if (!hash)
        return sqlite3_bind_null(q, i);
    return sqlite3_bind_blob(q, i, hash, FDL_COUPON_HASH_BYTES, SQLITE_STATIC);
}

int sqlite_coupon_code_insert(struct fdl_store *st, int64_t program_id,
                              const unsigned char *hash, const char *campaign,
                              int64_t member_id, int64_t now_s, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(hash && campaign);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_code_insert, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_hash(q, 2, hash) ||
        bind_text(q, 3, campaign) || bind_optional(q, 4, member_id) ||
        bind_int(q, 5, now_s))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, code_keys, err);
}

int sqlite_coupon_code_get(struct fdl_store *st, int64_t program_id,
                           const unsigned char *hash, char *campaign, size_t cap,
                           int64_t *member_id, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(hash && campaign && cap > 0 && member_id);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_code_get, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_hash(q, 2, hash))
        return bind_failed(s, q, err);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        column_text(q, 0, campaign, cap);
        *member_id = column_int(q, 1);
    }
    return sqlite_row_end(s, q, rc, err);
}

/* Runs a bound single-row count query. */
static int count_of(struct sqlite_store *s, sqlite3_stmt *q, int64_t *out,
                    struct fdl_error *err)
{
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *out = column_int(q, 0);
        rc = 0;
    } else {
        rc = db_error(s, rc, NULL, err);
    }
    stmt_reset(q);
    return rc;
}

int sqlite_coupon_uses_count(struct fdl_store *st, int64_t program_id,
                             const char *campaign, int64_t member_id, int64_t *count,
                             struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(campaign && count);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, member_id ? &q_uses_member : &q_uses_all, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_text(q, 2, campaign) ||
        (member_id && bind_int(q, 3, member_id)))
        return bind_failed(s, q, err);
    return count_of(s, q, count, err);
}

int sqlite_coupon_code_used(struct fdl_store *st, int64_t program_id,
                            const unsigned char *hash, int *used, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(hash && used);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_code_used, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_hash(q, 2, hash))
        return bind_failed(s, q, err);
    int64_t n = 0;
    if ((rc = count_of(s, q, &n, err)) == 0)
        *used = n > 0;
    return rc;
}

int sqlite_coupon_use_insert(struct fdl_store *st, int64_t program_id, int64_t member_id,
                             int64_t purchase_id, const char *campaign,
                             const unsigned char *hash, const char *masked,
                             int64_t discount_minor, int64_t now_s, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(campaign && masked);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_use_insert, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id) ||
        bind_int(q, 3, purchase_id) || bind_text(q, 4, campaign) ||
        bind_hash(q, 5, hash) || bind_text(q, 6, masked) ||
        bind_int(q, 7, discount_minor) || bind_int(q, 8, now_s))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, use_keys, err);
}

int sqlite_coupon_uses_of_purchase(struct fdl_store *st, int64_t program_id,
                                   int64_t member_id, int64_t purchase_id,
                                   struct fdl_coupon_applied *out, int max, int *count,
                                   struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(out && count && max >= 0);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_uses_of_purchase, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id) ||
        bind_int(q, 3, purchase_id))
        return bind_failed(s, q, err);
    int n = 0;
    while (n < max && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct fdl_coupon_applied *c = &out[n++];
        column_text(q, 0, c->code, sizeof(c->code));
        column_text(q, 1, c->campaign, sizeof(c->campaign));
        c->single_use = (int)column_int(q, 2);
        c->discount_minor = column_int(q, 3);
    }
    rc = n == max || rc == SQLITE_DONE ? 0 : db_error(s, rc, NULL, err);
    stmt_reset(q);
    if (rc == 0)
        *count = n;
    return rc;
}

int sqlite_coupon_uses_return(struct fdl_store *st, int64_t program_id, int64_t member_id,
                              int64_t purchase_id, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_uses_return, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id) ||
        bind_int(q, 3, purchase_id))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, NULL, err);
}
