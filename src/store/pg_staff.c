/*
 * pg_staff.c - the PostgreSQL side of stores, staff, sessions and the audit
 * log, op by op as sqlite_staff.c; the schema is pg_schema_staff, migrated
 * by pg.c in the place of sqlite.c's sqlite_schema_staff.
 *
 * Locks: a store's code and a staff login are unique by constraint (a
 * clash from two servers at once is FDL_EDUPLICATE naming the field, as on
 * SQLite); updates and revocations are single statements keyed by the row;
 * the audit log only appends. The one write decided on a row it read is a
 * staff account's change (PATCH, passwords): staff_get in a write
 * transaction reads the row FOR NO KEY UPDATE, so two servers changing one
 * account take turns and neither undoes the other's change.
 * `stores` and `staff` are small per-program tables (Citus reference
 * tables); `audit_log` is keyed by program and grows with the writes.
 */
#include "store/pg_internal.h"
#include "store/pg_staff.h"

#include <stdio.h>
#include <string.h>

#define CTEXT "TEXT COLLATE \"C\""

const char pg_schema_staff[] =
    "CREATE TABLE stores (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    code " CTEXT " NOT NULL,\n"
    "    name TEXT NOT NULL,\n"
    "    time_zone TEXT NOT NULL,\n"
    "    address TEXT NOT NULL DEFAULT '',\n"
    "    created_at BIGINT NOT NULL,\n"
    "    updated_at BIGINT NOT NULL,\n"
    "    CONSTRAINT stores_code PRIMARY KEY (program_id, code)\n"
    ");\n"
    "CREATE TABLE staff (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
    "    login " CTEXT " NOT NULL CONSTRAINT staff_login UNIQUE,\n"
    "    name TEXT NOT NULL,\n"
    "    role BIGINT NOT NULL,\n"
    "    store_code " CTEXT " NOT NULL DEFAULT '',\n"
    "    member_id BIGINT NOT NULL DEFAULT 0,\n"
    "    password_hash TEXT NOT NULL,\n"
    "    created_at BIGINT NOT NULL\n"
    ");\n"
    "CREATE INDEX staff_program ON staff (program_id, id);\n"
    "CREATE TABLE staff_sessions (\n"
    "    hash BYTEA PRIMARY KEY,\n"
    "    program_id BIGINT NOT NULL,\n"
    "    staff_id BIGINT NOT NULL REFERENCES staff (id),\n"
    "    created_at BIGINT NOT NULL,\n"
    "    expires_at BIGINT NOT NULL,\n"
    "    revoked_at BIGINT NOT NULL DEFAULT 0\n"
    ");\n"
    "CREATE TABLE audit_log (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    id BIGINT GENERATED ALWAYS AS IDENTITY,\n"
    "    at BIGINT NOT NULL,\n"
    "    actor " CTEXT " NOT NULL,\n"
    "    role TEXT NOT NULL,\n"
    "    store_code TEXT NOT NULL DEFAULT '',\n"
    "    client_ip TEXT NOT NULL DEFAULT '',\n"
    "    route " CTEXT " NOT NULL,\n"
    "    method TEXT NOT NULL,\n"
    "    path TEXT NOT NULL,\n"
    "    ref " CTEXT " NOT NULL DEFAULT '',\n"
    "    status BIGINT NOT NULL,\n"
    "    PRIMARY KEY (program_id, id)\n"
    ");\n"
    "CREATE INDEX audit_log_time ON audit_log (program_id, at);\n"
    "CREATE INDEX audit_log_actor ON audit_log (program_id, actor, route, at);\n"
    "CREATE INDEX entries_adjust_actor ON entries (program_id, actor, created_at)\n"
    "    WHERE kind = 6;\n";

/* Staff lifecycle: when an account was disabled (0: enabled), and an index
 * so that ending every session of one account reads only its own. */
const char pg_schema_staff_lifecycle[] =
    "ALTER TABLE staff ADD COLUMN disabled_at BIGINT NOT NULL DEFAULT 0;\n"
    "CREATE INDEX staff_sessions_staff ON staff_sessions (program_id, staff_id);\n";

#define SHOP_COLUMNS "program_id, code, name, time_zone, address, created_at, updated_at"
#define STAFF_COLUMNS                                                                    \
    "id, program_id, login, name, role, store_code, member_id, password_hash, "          \
    "created_at, partner, disabled_at"
#define STAFF_COLUMN_COUNT 11 /* the report's counts follow */
#define AUDIT_COLUMNS                                                                    \
    "id, program_id, at, actor, role, store_code, client_ip, route, method, path, ref, " \
    "status, partner"

static struct pg_sql q_shop_insert = {
    "INSERT INTO stores (" SHOP_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7)", 0};
static struct pg_sql q_shop_update = {
    "UPDATE stores SET name = $3, time_zone = $4, address = $5, updated_at = $6 "
    "WHERE program_id = $1 AND code = $2",
    0};
static struct pg_sql q_shop_get = {
    "SELECT " SHOP_COLUMNS " FROM stores WHERE program_id = $1 AND code = $2", 0};
static struct pg_sql q_shops_list = {"SELECT " SHOP_COLUMNS
                                     " FROM stores WHERE program_id = $1 AND code > $2 "
                                     "ORDER BY code LIMIT $3",
                                     0};
static struct pg_sql q_shops_any = {
    "SELECT EXISTS (SELECT 1 FROM stores WHERE program_id = $1)::int", 0};
static struct pg_sql q_staff_insert = {
    "INSERT INTO staff (program_id, login, name, role, store_code, member_id, "
    "password_hash, created_at, partner) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
    "RETURNING id",
    0};
static struct pg_sql q_staff_by_login = {
    "SELECT " STAFF_COLUMNS " FROM staff WHERE login = $1", 0};
static struct pg_sql q_staff_get = {
    "SELECT " STAFF_COLUMNS " FROM staff WHERE program_id = $1 AND id = $2", 0};
static struct pg_sql q_staff_get_locked = {
    "SELECT " STAFF_COLUMNS
    " FROM staff WHERE program_id = $1 AND id = $2 FOR NO KEY UPDATE",
    0};
static struct pg_sql q_staff_list = {"SELECT " STAFF_COLUMNS
                                     " FROM staff WHERE program_id = $1 AND id > $2 "
                                     "AND ($4 = '' OR partner = $4) ORDER BY id LIMIT $3",
                                     0};
static struct pg_sql q_staff_set_member = {
    "UPDATE staff SET member_id = $3 WHERE program_id = $1 AND id = $2", 0};
static struct pg_sql q_staff_update = {
    "UPDATE staff SET name = $3, role = $4, store_code = $5, password_hash = $6, "
    "disabled_at = $7 WHERE program_id = $1 AND id = $2",
    0};
static struct pg_sql q_sessions_revoke_staff = {
    "UPDATE staff_sessions SET revoked_at = $4 WHERE program_id = $1 AND staff_id = $2 "
    "AND revoked_at = 0 AND ($3::bytea IS NULL OR hash <> $3::bytea)",
    0};
static struct pg_sql q_session_insert = {
    "INSERT INTO staff_sessions (hash, program_id, staff_id, created_at, expires_at) "
    "VALUES ($1, $2, $3, $4, $5)",
    0};
static struct pg_sql q_session_get = {
    "SELECT hash, program_id, staff_id, created_at, expires_at, revoked_at "
    "FROM staff_sessions WHERE hash = $1",
    0};
static struct pg_sql q_session_revoke = {
    "UPDATE staff_sessions SET revoked_at = $2 WHERE hash = $1 AND revoked_at = 0", 0};
static struct pg_sql q_audit_insert = {
    "INSERT INTO audit_log (program_id, at, actor, role, store_code, client_ip, route, "
    "method, path, ref, status, partner) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
    "$10, "
    "$11, $12) RETURNING id",
    0};
static struct pg_sql q_audit_list = {
    "SELECT " AUDIT_COLUMNS " FROM audit_log WHERE program_id = $1 "
    "AND ($2 = '' OR actor = $2) AND ($3 = '' OR route = $3) AND at >= $4 "
    "AND ($5 = 0 OR at < $5) AND ($6 = 0 OR id < $6) AND ($8 = '' OR partner = $8) "
    "ORDER BY id DESC LIMIT $7",
    0};

#define ACTIVITY_PURCHASES(what, which)                                                  \
    "(SELECT " what " FROM audit_log a JOIN purchases p ON p.program_id = a.program_id " \
    "AND p.txn_id = substr(a.ref, 5) WHERE a.program_id = $1 AND a.actor = 'staff:' || " \
    "s.login AND a.route = 'purchase_create' AND a.at >= $3 AND a.at < $4 "              \
    "AND p.points_earned > 0 AND " which ")"
#define ANY_STAFF_CARD                                                                   \
    "p.member_id IN (SELECT t.member_id FROM staff t WHERE t.program_id = $1 "           \
    "AND t.member_id <> 0)"
#define OWN_CARD "s.member_id <> 0 AND p.member_id = s.member_id"
#define ACTIVITY_ROUTE(route)                                                            \
    "(SELECT count(*) FROM audit_log a WHERE a.program_id = $1 AND a.actor = 'staff:' "  \
    "|| s.login AND a.route = '" route "' AND a.at >= $3 AND a.at < $4)"

#define SUM_POINTS "coalesce(sum(p.points_earned), 0)"
/* Manual adjustments by the staff account in the period (entries of kind
 * adjust, 6), and the points they added. */
#define ACTIVITY_ADJUSTMENTS                                                             \
    "(SELECT count(*) FROM entries e WHERE e.program_id = $1 AND e.kind = 6 "            \
    "AND e.actor = 'staff:' || s.login AND e.created_at >= $3 AND e.created_at < $4)"
#define ACTIVITY_ADJUSTED_POINTS                                                         \
    "(SELECT coalesce(sum(po.amount), 0) FROM entries e JOIN postings po ON "            \
    "po.program_id = e.program_id AND po.member_id = e.member_id AND "                   \
    "po.entry_id = e.id AND po.account = 1 WHERE e.program_id = $1 AND e.kind = 6 "      \
    "AND e.actor = 'staff:' || s.login AND e.created_at >= $3 AND e.created_at < $4 "    \
    "AND po.amount > 0)"

/* The report: one column a line. */
/* clang-format off */
static struct pg_sql q_activity = {
    "SELECT " STAFF_COLUMNS ", "
    ACTIVITY_ROUTE("purchase_create") ", "
    ACTIVITY_PURCHASES("count(*)", ANY_STAFF_CARD) ", "
    ACTIVITY_PURCHASES(SUM_POINTS, ANY_STAFF_CARD) ", "
    ACTIVITY_PURCHASES("count(*)", OWN_CARD) ", "
    ACTIVITY_PURCHASES(SUM_POINTS, OWN_CARD) ", "
    ACTIVITY_ADJUSTMENTS ", "
    ACTIVITY_ADJUSTED_POINTS ", "
    ACTIVITY_ROUTE("refund_create")
    " FROM staff s WHERE s.program_id = $1 AND ($2 = '' OR s.store_code = $2)"
    " AND ($6 = '' OR s.partner = $6) ORDER BY s.id LIMIT $5",
    0};
/* clang-format on */

static void shop_row(const PGresult *res, int row, struct fdl_shop *out)
{
    memset(out, 0, sizeof(*out));
    out->program_id = pg_column_int(res, row, 0);
    pg_column_text(res, row, 1, out->code, sizeof(out->code));
    pg_column_text(res, row, 2, out->name, sizeof(out->name));
    pg_column_text(res, row, 3, out->time_zone, sizeof(out->time_zone));
    pg_column_text(res, row, 4, out->address, sizeof(out->address));
    out->created_at_s = pg_column_int(res, row, 5);
    out->updated_at_s = pg_column_int(res, row, 6);
}

static void staff_row(const PGresult *res, int row, struct fdl_staff *out)
{
    memset(out, 0, sizeof(*out));
    out->id = pg_column_int(res, row, 0);
    out->program_id = pg_column_int(res, row, 1);
    pg_column_text(res, row, 2, out->login, sizeof(out->login));
    pg_column_text(res, row, 3, out->name, sizeof(out->name));
    out->role = (unsigned)pg_column_int(res, row, 4);
    pg_column_text(res, row, 5, out->store_code, sizeof(out->store_code));
    out->member_id = pg_column_int(res, row, 6);
    pg_column_text(res, row, 7, out->password_hash, sizeof(out->password_hash));
    out->created_at_s = pg_column_int(res, row, 8);
    pg_column_text(res, row, 9, out->partner, sizeof(out->partner));
    out->disabled_at_s = pg_column_int(res, row, 10);
}

/* Runs a statement expected to change exactly one row; FDL_ENOT_FOUND naming
 * field otherwise. */
static int change_one(struct pg_store *s, struct pg_sql *sql, const struct pg_params *p,
                      const char *field, const char *what, struct fdl_error *err)
{
    PGresult *res;
    int rc = pg_run_sql(s, sql, p, NULL, &res, err);
    if (rc)
        return rc;
    int64_t changed = pg_changes(res);
    PQclear(res);
    return changed == 1 ? 0
                        : fdl_error_set(err, FDL_ENOT_FOUND, field, "no such %s", what);
}

int pg_shop_insert(struct fdl_store *st, const struct fdl_shop *shop,
                   struct fdl_error *err)
{
    static const struct pg_unique_key keys[] = {{"stores_code", "code"}, {NULL, NULL}};
    struct pg_params p = {0};
    pg_int(&p, shop->program_id);
    pg_text(&p, shop->code);
    pg_text(&p, shop->name);
    pg_text(&p, shop->time_zone);
    pg_text(&p, shop->address);
    pg_int(&p, shop->created_at_s);
    pg_int(&p, shop->updated_at_s);
    return pg_run_sql(pg_of(st), &q_shop_insert, &p, keys, NULL, err);
}

int pg_shop_update(struct fdl_store *st, const struct fdl_shop *shop,
                   struct fdl_error *err)
{
    struct pg_params p = {0};
    pg_int(&p, shop->program_id);
    pg_text(&p, shop->code);
    pg_text(&p, shop->name);
    pg_text(&p, shop->time_zone);
    pg_text(&p, shop->address);
    pg_int(&p, shop->updated_at_s);
    return change_one(pg_of(st), &q_shop_update, &p, "code", "store", err);
}

int pg_shop_get(struct fdl_store *st, int64_t program_id, const char *code,
                struct fdl_shop *out, struct fdl_error *err)
{
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_text(&p, code);
    PGresult *res;
    int rc = pg_run_sql(pg_of(st), &q_shop_get, &p, NULL, &res, err);
    if (rc)
        return rc;
    if (PQntuples(res) < 1) {
        PQclear(res);
        return fdl_error_set(err, FDL_ENOT_FOUND, NULL, "not found");
    }
    shop_row(res, 0, out);
    PQclear(res);
    return 0;
}

int pg_shops_list(struct fdl_store *st, int64_t program_id, const char *after, int limit,
                  struct fdl_shop *out, int *count, int *any, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    PGresult *res;
    int rc = pg_run_sql(s, &q_shops_any, &p, NULL, &res, err);
    if (rc)
        return rc;
    int found = PQntuples(res) > 0 ? (int)pg_column_int(res, 0, 0) : 0;
    PQclear(res);
    struct pg_params q = {0};
    pg_int(&q, program_id);
    pg_text(&q, after ? after : "");
    pg_limit(&q, limit);
    if ((rc = pg_run_sql(s, &q_shops_list, &q, NULL, &res, err)))
        return rc;
    int n = 0, rows = PQntuples(res);
    for (; n < rows && n < limit; n++)
        shop_row(res, n, &out[n]);
    PQclear(res);
    *count = n;
    *any = found;
    return 0;
}

int pg_staff_insert(struct fdl_store *st, struct fdl_staff *a, struct fdl_error *err)
{
    static const struct pg_unique_key keys[] = {{"staff_login", "login"}, {NULL, NULL}};
    struct pg_params p = {0};
    pg_int(&p, a->program_id);
    pg_text(&p, a->login);
    pg_text(&p, a->name);
    pg_int(&p, a->role);
    pg_text(&p, a->store_code);
    pg_int(&p, a->member_id);
    pg_text(&p, a->password_hash);
    pg_int(&p, a->created_at_s);
    pg_text(&p, a->partner);
    PGresult *res;
    int rc = pg_run_sql(pg_of(st), &q_staff_insert, &p, keys, &res, err);
    if (rc)
        return rc;
    a->id = pg_column_int(res, 0, 0);
    PQclear(res);
    return 0;
}

static int staff_one(struct pg_store *s, struct pg_sql *sql, const struct pg_params *p,
                     struct fdl_staff *out, struct fdl_error *err)
{
    PGresult *res;
    int rc = pg_run_sql(s, sql, p, NULL, &res, err);
    if (rc)
        return rc;
    if (PQntuples(res) < 1) {
        PQclear(res);
        return fdl_error_set(err, FDL_ENOT_FOUND, "staff", "no such staff account");
    }
    staff_row(res, 0, out);
    PQclear(res);
    return 0;
}

int pg_staff_by_login(struct fdl_store *st, const char *login, struct fdl_staff *out,
                      struct fdl_error *err)
{
    struct pg_params p = {0};
    pg_text(&p, login);
    return staff_one(pg_of(st), &q_staff_by_login, &p, out, err);
}

int pg_staff_get(struct fdl_store *st, int64_t program_id, int64_t id,
                 struct fdl_staff *out, struct fdl_error *err)
{
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, id);
    struct pg_store *s = pg_of(st);
    return staff_one(s, s->write && s->txn_open ? &q_staff_get_locked : &q_staff_get, &p,
                     out, err);
}

int pg_staff_list(struct fdl_store *st, int64_t program_id, const char *partner,
                  int64_t after_id, int limit, struct fdl_staff *out, int *count,
                  struct fdl_error *err)
{
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, after_id);
    pg_limit(&p, limit);
    pg_text(&p, partner ? partner : "");
    PGresult *res;
    int rc = pg_run_sql(pg_of(st), &q_staff_list, &p, NULL, &res, err);
    if (rc)
        return rc;
    int n = 0, rows = PQntuples(res);
    for (; n < rows && n < limit; n++)
        staff_row(res, n, &out[n]);
    PQclear(res);
    *count = n;
    return 0;
}

int pg_staff_set_member(struct fdl_store *st, int64_t program_id, int64_t id,
                        int64_t member_id, struct fdl_error *err)
{
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, id);
    pg_int(&p, member_id);
    return change_one(pg_of(st), &q_staff_set_member, &p, "staff_id", "staff account",
                      err);
}

int pg_staff_update(struct fdl_store *st, const struct fdl_staff *a,
                    struct fdl_error *err)
{
    struct pg_params p = {0};
    pg_int(&p, a->program_id);
    pg_int(&p, a->id);
    pg_text(&p, a->name);
    pg_int(&p, a->role);
    pg_text(&p, a->store_code);
    pg_text(&p, a->password_hash);
    pg_int(&p, a->disabled_at_s);
    return change_one(pg_of(st), &q_staff_update, &p, "staff_id", "staff account", err);
}

int pg_sessions_revoke_staff(struct fdl_store *st, int64_t program_id, int64_t staff_id,
                             const unsigned char *keep, int64_t now_s, int64_t *ended,
                             struct fdl_error *err)
{
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, staff_id);
    if (keep)
        pg_bytes(&p, keep, FDL_SESSION_HASH_BYTES);
    else
        pg_text(&p, NULL);
    pg_int(&p, now_s);
    PGresult *res;
    int rc = pg_run_sql(pg_of(st), &q_sessions_revoke_staff, &p, NULL, &res, err);
    if (rc)
        return rc;
    *ended = pg_changes(res);
    PQclear(res);
    return 0;
}

int pg_session_insert(struct fdl_store *st, const struct fdl_session *x,
                      struct fdl_error *err)
{
    struct pg_params p = {0};
    pg_bytes(&p, x->hash, FDL_SESSION_HASH_BYTES);
    pg_int(&p, x->program_id);
    pg_int(&p, x->staff_id);
    pg_int(&p, x->created_at_s);
    pg_int(&p, x->expires_at_s);
    return pg_run_sql(pg_of(st), &q_session_insert, &p, NULL, NULL, err);
}

int pg_session_get(struct fdl_store *st, const unsigned char *hash,
                   struct fdl_session *out, struct fdl_error *err)
{
    struct pg_params p = {0};
    pg_bytes(&p, hash, FDL_SESSION_HASH_BYTES);
    PGresult *res;
    int rc = pg_run_sql(pg_of(st), &q_session_get, &p, NULL, &res, err);
    if (rc)
        return rc;
    if (PQntuples(res) < 1) {
        PQclear(res);
        return fdl_error_set(err, FDL_ENOT_FOUND, NULL, "not found");
    }
    memset(out, 0, sizeof(*out));
    pg_column_bytes(res, 0, 0, out->hash, sizeof(out->hash));
    out->program_id = pg_column_int(res, 0, 1);
    out->staff_id = pg_column_int(res, 0, 2);
    out->created_at_s = pg_column_int(res, 0, 3);
    out->expires_at_s = pg_column_int(res, 0, 4);
    out->revoked_at_s = pg_column_int(res, 0, 5);
    PQclear(res);
    return 0;
}

int pg_session_revoke(struct fdl_store *st, const unsigned char *hash, int64_t now_s,
                      struct fdl_error *err)
{
    struct pg_params p = {0};
    pg_bytes(&p, hash, FDL_SESSION_HASH_BYTES);
    pg_int(&p, now_s);
    return pg_run_sql(pg_of(st), &q_session_revoke, &p, NULL, NULL, err);
}

int pg_audit_insert(struct fdl_store *st, struct fdl_audit_row *row,
                    struct fdl_error *err)
{
    struct pg_params p = {0};
    pg_int(&p, row->program_id);
    pg_int(&p, row->at_s);
    pg_text(&p, row->actor);
    pg_text(&p, row->role);
    pg_text(&p, row->store_code);
    pg_text(&p, row->client_ip);
    pg_text(&p, row->route);
    pg_text(&p, row->method);
    pg_text(&p, row->path);
    pg_text(&p, row->ref);
    pg_int(&p, row->status);
    pg_text(&p, row->partner);
    PGresult *res;
    int rc = pg_run_sql(pg_of(st), &q_audit_insert, &p, NULL, &res, err);
    if (rc)
        return rc;
    row->id = pg_column_int(res, 0, 0);
    PQclear(res);
    return 0;
}

int pg_audit_list(struct fdl_store *st, int64_t program_id,
                  const struct fdl_audit_filter *f, int limit, struct fdl_audit_row *out,
                  int *count, struct fdl_error *err)
{
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_text(&p, f->actor ? f->actor : "");
    pg_text(&p, f->route ? f->route : "");
    pg_int(&p, f->from_s);
    pg_int(&p, f->to_s);
    pg_int(&p, f->before_id);
    pg_limit(&p, limit);
    pg_text(&p, f->partner ? f->partner : "");
    PGresult *res;
    int rc = pg_run_sql(pg_of(st), &q_audit_list, &p, NULL, &res, err);
    if (rc)
        return rc;
    int n = 0, rows = PQntuples(res);
    for (; n < rows && n < limit; n++) {
        struct fdl_audit_row *a = &out[n];
        memset(a, 0, sizeof(*a));
        a->id = pg_column_int(res, n, 0);
        a->program_id = pg_column_int(res, n, 1);
        a->at_s = pg_column_int(res, n, 2);
        pg_column_text(res, n, 3, a->actor, sizeof(a->actor));
        pg_column_text(res, n, 4, a->role, sizeof(a->role));
        pg_column_text(res, n, 5, a->store_code, sizeof(a->store_code));
        pg_column_text(res, n, 6, a->client_ip, sizeof(a->client_ip));
        pg_column_text(res, n, 7, a->route, sizeof(a->route));
        pg_column_text(res, n, 8, a->method, sizeof(a->method));
        pg_column_text(res, n, 9, a->path, sizeof(a->path));
        pg_column_text(res, n, 10, a->ref, sizeof(a->ref));
        a->status = (int)pg_column_int(res, n, 11);
        pg_column_text(res, n, 12, a->partner, sizeof(a->partner));
    }
    PQclear(res);
    *count = n;
    return 0;
}

int pg_staff_activity(struct fdl_store *st, int64_t program_id, const char *partner,
                      const char *store_code, int64_t from_s, int64_t to_s,
                      struct fdl_staff_activity *out, int max, int *count,
                      struct fdl_error *err)
{
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_text(&p, store_code ? store_code : "");
    pg_int(&p, from_s);
    pg_int(&p, to_s);
    pg_limit(&p, max);
    pg_text(&p, partner ? partner : "");
    PGresult *res;
    int rc = pg_run_sql(pg_of(st), &q_activity, &p, NULL, &res, err);
    if (rc)
        return rc;
    int n = 0, rows = PQntuples(res);
    for (; n < rows && n < max; n++) {
        struct fdl_staff_activity *a = &out[n];
        memset(a, 0, sizeof(*a));
        staff_row(res, n, &a->staff);
        a->staff.password_hash[0] = '\0';
        a->purchases = pg_column_int(res, n, STAFF_COLUMN_COUNT + 0);
        a->staff_card_purchases = pg_column_int(res, n, STAFF_COLUMN_COUNT + 1);
        a->staff_card_points = pg_column_int(res, n, STAFF_COLUMN_COUNT + 2);
        a->own_card_purchases = pg_column_int(res, n, STAFF_COLUMN_COUNT + 3);
        a->own_card_points = pg_column_int(res, n, STAFF_COLUMN_COUNT + 4);
        a->adjustments = pg_column_int(res, n, STAFF_COLUMN_COUNT + 5);
        a->adjustment_points_added = pg_column_int(res, n, STAFF_COLUMN_COUNT + 6);
        a->refunds = pg_column_int(res, n, STAFF_COLUMN_COUNT + 7);
    }
    PQclear(res);
    *count = n;
    return 0;
}
