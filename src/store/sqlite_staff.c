/*
 * sqlite_staff.c - stores (table `stores`), staff accounts, their sessions
 * and the audit log on SQLite (migration sqlite_schema_staff). Staff and
 * audit rows are keyed by program; a session is found by the hash of its
 * token only. Every statement is reset before an op returns.
 */
#include "store/sqlite_internal.h"
#include "store/sqlite_staff.h"

#include <stdio.h>
#include <string.h>

/* The audit log is append-only and read by time or by actor; the partial
 * index on entries serves the staff-activity report's manual adjustments
 * without slowing the inserts of any other kind of entry. */
const char sqlite_schema_staff[] =
    "CREATE TABLE stores (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    code TEXT NOT NULL,\n"
    "    name TEXT NOT NULL,\n"
    "    time_zone TEXT NOT NULL,\n"
    "    address TEXT NOT NULL DEFAULT '',\n"
    "    created_at INTEGER NOT NULL,\n"
    "    updated_at INTEGER NOT NULL,\n"
    "    PRIMARY KEY (program_id, code)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE staff (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "    login TEXT NOT NULL UNIQUE,\n"
    "    name TEXT NOT NULL,\n"
    "    role INTEGER NOT NULL,\n"
    "    store_code TEXT NOT NULL DEFAULT '',\n"
    "    member_id INTEGER NOT NULL DEFAULT 0,\n"
    "    password_hash TEXT NOT NULL,\n"
    "    created_at INTEGER NOT NULL\n"
    ");\n"
    "CREATE INDEX staff_program ON staff (program_id, id);\n"
    "CREATE TABLE staff_sessions (\n"
    "    hash BLOB PRIMARY KEY,\n"
    "    program_id INTEGER NOT NULL,\n"
    "    staff_id INTEGER NOT NULL REFERENCES staff (id),\n"
    "    created_at INTEGER NOT NULL,\n"
    "    expires_at INTEGER NOT NULL,\n"
    "    revoked_at INTEGER NOT NULL DEFAULT 0\n"
    ");\n"
    "CREATE TABLE audit_log (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    at INTEGER NOT NULL,\n"
    "    actor TEXT NOT NULL,\n"
    "    role TEXT NOT NULL,\n"
    "    store_code TEXT NOT NULL DEFAULT '',\n"
    "    client_ip TEXT NOT NULL DEFAULT '',\n"
    "    route TEXT NOT NULL,\n"
    "    method TEXT NOT NULL,\n"
    "    path TEXT NOT NULL,\n"
    "    ref TEXT NOT NULL DEFAULT '',\n"
    "    status INTEGER NOT NULL\n"
    ");\n"
    "CREATE INDEX audit_log_time ON audit_log (program_id, at);\n"
    "CREATE INDEX audit_log_actor ON audit_log (program_id, actor, route, at);\n"
    "CREATE INDEX entries_adjust_actor ON entries (program_id, actor, created_at)\n"
    "    WHERE kind = 6;\n";

/* Staff lifecycle: when an account was disabled (0: enabled), and an index
 * so that ending every session of one account reads only its own. */
const char sqlite_schema_staff_lifecycle[] =
    "ALTER TABLE staff ADD COLUMN disabled_at INTEGER NOT NULL DEFAULT 0;\n"
    "CREATE INDEX staff_sessions_staff ON staff_sessions (program_id, staff_id);\n";

#define SHOP_COLUMNS "program_id, code, name, time_zone, address, created_at, updated_at"
#define STAFF_COLUMNS                                                                    \
    "id, program_id, login, name, role, store_code, member_id, password_hash, "          \
    "created_at, partner, disabled_at"
#define STAFF_COLUMN_COUNT 11 /* the report's counts follow */
#define AUDIT_COLUMNS                                                                    \
    "id, program_id, at, actor, role, store_code, client_ip, route, method, path, ref, " \
    "status, partner"

static struct sqlite_sql q_shop_insert = {
    "INSERT INTO stores (" SHOP_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?)", 0};
static struct sqlite_sql q_shop_update = {
    "UPDATE stores SET name = ?3, time_zone = ?4, address = ?5, updated_at = ?6 "
    "WHERE program_id = ?1 AND code = ?2",
    0};
static struct sqlite_sql q_shop_get = {
    "SELECT " SHOP_COLUMNS " FROM stores WHERE program_id = ? AND code = ?", 0};
static struct sqlite_sql q_shops_list = {"SELECT " SHOP_COLUMNS
                                         " FROM stores WHERE program_id = ? AND code > ? "
                                         "ORDER BY code LIMIT ?",
                                         0};
static struct sqlite_sql q_shops_any = {
    "SELECT EXISTS (SELECT 1 FROM stores WHERE program_id = ?)", 0};
static struct sqlite_sql q_staff_insert = {
    "INSERT INTO staff (program_id, login, name, role, store_code, member_id, "
    "password_hash, created_at, partner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    0};
static struct sqlite_sql q_staff_by_login = {
    "SELECT " STAFF_COLUMNS " FROM staff WHERE login = ?", 0};
static struct sqlite_sql q_staff_get = {
    "SELECT " STAFF_COLUMNS " FROM staff WHERE program_id = ? AND id = ?", 0};
static struct sqlite_sql q_staff_list = {
    "SELECT " STAFF_COLUMNS " FROM staff WHERE program_id = ?1 AND id > ?2 "
    "AND (?4 = '' OR partner = ?4) ORDER BY id LIMIT ?3",
    0};
static struct sqlite_sql q_staff_set_member = {
    "UPDATE staff SET member_id = ?3 WHERE program_id = ?1 AND id = ?2", 0};
static struct sqlite_sql q_staff_update = {
    "UPDATE staff SET name = ?3, role = ?4, store_code = ?5, password_hash = ?6, "
    "disabled_at = ?7 WHERE program_id = ?1 AND id = ?2",
    0};
static struct sqlite_sql q_sessions_revoke_staff = {
    "UPDATE staff_sessions SET revoked_at = ?4 WHERE program_id = ?1 AND staff_id = ?2 "
    "AND revoked_at = 0 AND (?3 IS NULL OR hash <> ?3)",
    0};
static struct sqlite_sql q_session_insert = {
    "INSERT INTO staff_sessions (hash, program_id, staff_id, created_at, expires_at) "
    "VALUES (?, ?, ?, ?, ?)",
    0};
static struct sqlite_sql q_session_get = {
    "SELECT hash, program_id, staff_id, created_at, expires_at, revoked_at "
    "FROM staff_sessions WHERE hash = ?",
    0};
static struct sqlite_sql q_session_revoke = {
    "UPDATE staff_sessions SET revoked_at = ?2 WHERE hash = ?1 AND revoked_at = 0", 0};
static struct sqlite_sql q_audit_insert = {
    "INSERT INTO audit_log (program_id, at, actor, role, store_code, client_ip, route, "
    "method, path, ref, status, partner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    0};
static struct sqlite_sql q_audit_list = {
    "SELECT " AUDIT_COLUMNS " FROM audit_log WHERE program_id = ?1 "
    "AND (?2 = '' OR actor = ?2) AND (?3 = '' OR route = ?3) AND at >= ?4 "
    "AND (?5 = 0 OR at < ?5) AND (?6 = 0 OR id < ?6) AND (?8 = '' OR partner = ?8) "
    "ORDER BY id DESC LIMIT ?7",
    0};

/* Purchases a staff account rang up in the period that earned on a card of
 * `which` members (a scalar subquery over the audit log joined to the
 * purchase by its txn_id: the audit row's ref is "txn:<txn_id>"). */
#define ACTIVITY_PURCHASES(what, which)                                                  \
    "(SELECT " what " FROM audit_log a JOIN purchases p ON p.program_id = a.program_id " \
    "AND p.txn_id = substr(a.ref, 5) WHERE a.program_id = ?1 AND a.actor = 'staff:' || " \
    "s.login AND a.route = 'purchase_create' AND a.at >= ?3 AND a.at < ?4 "              \
    "AND p.points_earned > 0 AND " which ")"
#define ANY_STAFF_CARD                                                                   \
    "p.member_id IN (SELECT t.member_id FROM staff t WHERE t.program_id = ?1 "           \
    "AND t.member_id <> 0)"
#define OWN_CARD "s.member_id <> 0 AND p.member_id = s.member_id"
#define ACTIVITY_ROUTE(route)                                                            \
    "(SELECT count(*) FROM audit_log a WHERE a.program_id = ?1 AND a.actor = 'staff:' "  \
    "|| s.login AND a.route = '" route "' AND a.at >= ?3 AND a.at < ?4)"

#define SUM_POINTS "coalesce(sum(p.points_earned), 0)"
/* Manual adjustments by the staff account in the period (entries of kind
 * adjust, 6), and the points they added. */
#define ACTIVITY_ADJUSTMENTS                                                             \
    "(SELECT count(*) FROM entries e WHERE e.program_id = ?1 AND e.kind = 6 "            \
    "AND e.actor = 'staff:' || s.login AND e.created_at >= ?3 AND e.created_at < ?4)"
#define ACTIVITY_ADJUSTED_POINTS                                                         \
    "(SELECT coalesce(sum(po.amount), 0) FROM entries e JOIN postings po ON "            \
    "po.program_id = e.program_id AND po.member_id = e.member_id AND "                   \
    "po.entry_id = e.id AND po.account = 1 WHERE e.program_id = ?1 AND e.kind = 6 "      \
    "AND e.actor = 'staff:' || s.login AND e.created_at >= ?3 AND e.created_at < ?4 "    \
    "AND po.amount > 0)"

/* The report: one column a line. */
/* clang-format off */
static struct sqlite_sql q_activity = {
    "SELECT " STAFF_COLUMNS ", "
    ACTIVITY_ROUTE("purchase_create") ", "
    ACTIVITY_PURCHASES("count(*)", ANY_STAFF_CARD) ", "
    ACTIVITY_PURCHASES(SUM_POINTS, ANY_STAFF_CARD) ", "
    ACTIVITY_PURCHASES("count(*)", OWN_CARD) ", "
    ACTIVITY_PURCHASES(SUM_POINTS, OWN_CARD) ", "
    ACTIVITY_ADJUSTMENTS ", "
    ACTIVITY_ADJUSTED_POINTS ", "
    ACTIVITY_ROUTE("refund_create")
    " FROM staff s WHERE s.program_id = ?1 AND (?2 = '' OR s.store_code = ?2)"
    " AND (?6 = '' OR s.partner = ?6) ORDER BY s.id LIMIT ?5",
    0};
/* clang-format on */

static void shop_row(sqlite3_stmt *q, struct fdl_shop *out)
{
    memset(out, 0, sizeof(*out));
    out->program_id = column_int(q, 0);
    column_text(q, 1, out->code, sizeof(out->code));
    column_text(q, 2, out->name, sizeof(out->name));
    column_text(q, 3, out->time_zone, sizeof(out->time_zone));
    column_text(q, 4, out->address, sizeof(out->address));
    out->created_at_s = column_int(q, 5);
    out->updated_at_s = column_int(q, 6);
}

static void staff_row(sqlite3_stmt *q, struct fdl_staff *out)
{
    memset(out, 0, sizeof(*out));
    out->id = column_int(q, 0);
    out->program_id = column_int(q, 1);
    column_text(q, 2, out->login, sizeof(out->login));
    column_text(q, 3, out->name, sizeof(out->name));
    out->role = (unsigned)column_int(q, 4);
    column_text(q, 5, out->store_code, sizeof(out->store_code));
    out->member_id = column_int(q, 6);
    column_text(q, 7, out->password_hash, sizeof(out->password_hash));
    out->created_at_s = column_int(q, 8);
    column_text(q, 9, out->partner, sizeof(out->partner));
    out->disabled_at_s = column_int(q, 10);
}

int sqlite_shop_insert(struct fdl_store *st, const struct fdl_shop *shop,
                       struct fdl_error *err)
{
    static const struct unique_key keys[] = {{"stores.code", "code"}, {NULL, NULL}};
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_shop_insert, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, shop->program_id) || bind_text(q, 2, shop->code) ||
        bind_text(q, 3, shop->name) || bind_text(q, 4, shop->time_zone) ||
        bind_text(q, 5, shop->address) || bind_int(q, 6, shop->created_at_s) ||
        bind_int(q, 7, shop->updated_at_s))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, keys, err);
}

int sqlite_shop_update(struct fdl_store *st, const struct fdl_shop *shop,
                       struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_shop_update, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, shop->program_id) || bind_text(q, 2, shop->code) ||
        bind_text(q, 3, shop->name) || bind_text(q, 4, shop->time_zone) ||
        bind_text(q, 5, shop->address) || bind_int(q, 6, shop->updated_at_s))
        return bind_failed(s, q, err);
    rc = stmt_finish(s, q, NULL, err);
    if (rc == 0 && sqlite3_changes(s->db) != 1)
        rc = fdl_error_set(err, FDL_ENOT_FOUND, "code", "no such store");
    return rc;
}

int sqlite_shop_get(struct fdl_store *st, int64_t program_id, const char *code,
                    struct fdl_shop *out, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_shop_get, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_text(q, 2, code))
        return bind_failed(s, q, err);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        shop_row(q, out);
    return sqlite_row_end(s, q, rc, err);
}

int sqlite_shops_list(struct fdl_store *st, int64_t program_id, const char *after,
                      int limit, struct fdl_shop *out, int *count, int *any,
                      struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_shops_any, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id))
        return bind_failed(s, q, err);
    rc = sqlite3_step(q);
    int found = rc == SQLITE_ROW ? (int)column_int(q, 0) : 0;
    if ((rc = sqlite_row_end(s, q, rc, err)))
        return rc;
    if ((rc = sqlite_prepared(s, &q_shops_list, &q, err)))
        return rc;
    if (bind_int(q, 1, program_id) || bind_text(q, 2, after ? after : "") ||
        bind_int(q, 3, limit))
        return bind_failed(s, q, err);
    int n = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && n < limit)
        shop_row(q, &out[n++]);
    rc = sqlite_rows_end(s, q, rc, n, count, err);
    if (rc == 0)
        *any = found;
    return rc;
}

int sqlite_staff_insert(struct fdl_store *st, struct fdl_staff *a, struct fdl_error *err)
{
    static const struct unique_key keys[] = {{"staff.login", "login"}, {NULL, NULL}};
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_staff_insert, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, a->program_id) || bind_text(q, 2, a->login) ||
        bind_text(q, 3, a->name) || bind_int(q, 4, a->role) ||
        bind_text(q, 5, a->store_code) || bind_int(q, 6, a->member_id) ||
        bind_text(q, 7, a->password_hash) || bind_int(q, 8, a->created_at_s) ||
        bind_text(q, 9, a->partner))
        return bind_failed(s, q, err);
    rc = stmt_finish(s, q, keys, err);
    if (rc == 0)
        a->id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

static int staff_one(struct sqlite_store *s, sqlite3_stmt *q, struct fdl_staff *out,
                     struct fdl_error *err)
{
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        staff_row(q, out);
    rc = sqlite_row_end(s, q, rc, err);
    if (rc == FDL_ENOT_FOUND)
        fdl_error_set(err, FDL_ENOT_FOUND, "staff", "no such staff account");
    return rc;
}

int sqlite_staff_by_login(struct fdl_store *st, const char *login, struct fdl_staff *out,
                          struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_staff_by_login, &q, err);
    if (rc)
        return rc;
    if (bind_text(q, 1, login))
        return bind_failed(s, q, err);
    return staff_one(s, q, out, err);
}

int sqlite_staff_get(struct fdl_store *st, int64_t program_id, int64_t id,
                     struct fdl_staff *out, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_staff_get, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, id))
        return bind_failed(s, q, err);
    return staff_one(s, q, out, err);
}

int sqlite_staff_list(struct fdl_store *st, int64_t program_id, const char *partner,
                      int64_t after_id, int limit, struct fdl_staff *out, int *count,
                      struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_staff_list, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, after_id) || bind_int(q, 3, limit) ||
        bind_text(q, 4, partner ? partner : ""))
        return bind_failed(s, q, err);
    int n = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && n < limit)
        staff_row(q, &out[n++]);
    return sqlite_rows_end(s, q, rc, n, count, err);
}

int sqlite_staff_set_member(struct fdl_store *st, int64_t program_id, int64_t id,
                            int64_t member_id, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_staff_set_member, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, id) || bind_int(q, 3, member_id))
        return bind_failed(s, q, err);
    rc = stmt_finish(s, q, NULL, err);
    if (rc == 0 && sqlite3_changes(s->db) != 1)
        rc = fdl_error_set(err, FDL_ENOT_FOUND, "staff_id", "no such staff account");
    return rc;
}

int sqlite_staff_update(struct fdl_store *st, const struct fdl_staff *a,
                        struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_staff_update, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, a->program_id) || bind_int(q, 2, a->id) ||
        bind_text(q, 3, a->name) || bind_int(q, 4, a->role) ||
        bind_text(q, 5, a->store_code) || bind_text(q, 6, a->password_hash) ||
        bind_int(q, 7, a->disabled_at_s))
        return bind_failed(s, q, err);
    rc = stmt_finish(s, q, NULL, err);
    if (rc == 0 && sqlite3_changes(s->db) != 1)
        rc = fdl_error_set(err, FDL_ENOT_FOUND, "staff_id", "no such staff account");
    return rc;
}

int sqlite_sessions_revoke_staff(struct fdl_store *st, int64_t program_id,
                                 int64_t staff_id, const unsigned char *keep,
                                 int64_t now_s, int64_t *ended, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_sessions_revoke_staff, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, staff_id) ||
        (keep ? sqlite3_bind_blob(q, 3, keep, FDL_SESSION_HASH_BYTES, SQLITE_STATIC)
              : sqlite3_bind_null(q, 3)) ||
        bind_int(q, 4, now_s))
        return bind_failed(s, q, err);
    rc = stmt_finish(s, q, NULL, err);
    if (rc == 0)
        *ended = sqlite3_changes(s->db);
    return rc;
}

int sqlite_session_insert(struct fdl_store *st, const struct fdl_session *x,
                          struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_session_insert, &q, err);
    if (rc)
        return rc;
    if (sqlite3_bind_blob(q, 1, x->hash, FDL_SESSION_HASH_BYTES, SQLITE_STATIC) ||
        bind_int(q, 2, x->program_id) || bind_int(q, 3, x->staff_id) ||
        bind_int(q, 4, x->created_at_s) || bind_int(q, 5, x->expires_at_s))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, NULL, err);
}

int sqlite_session_get(struct fdl_store *st, const unsigned char *hash,
                       struct fdl_session *out, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_session_get, &q, err);
    if (rc)
        return rc;
    if (sqlite3_bind_blob(q, 1, hash, FDL_SESSION_HASH_BYTES, SQLITE_STATIC))
        return bind_failed(s, q, err);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof(*out));
        column_blob(q, 0, out->hash, sizeof(out->hash));
        out->program_id = column_int(q, 1);
        out->staff_id = column_int(q, 2);
        out->created_at_s = column_int(q, 3);
        out->expires_at_s = column_int(q, 4);
        out->revoked_at_s = column_int(q, 5);
    }
    return sqlite_row_end(s, q, rc, err);
}

int sqlite_session_revoke(struct fdl_store *st, const unsigned char *hash, int64_t now_s,
                          struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_session_revoke, &q, err);
    if (rc)
        return rc;
    if (sqlite3_bind_blob(q, 1, hash, FDL_SESSION_HASH_BYTES, SQLITE_STATIC) ||
        bind_int(q, 2, now_s))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, NULL, err);
}

int sqlite_audit_insert(struct fdl_store *st, struct fdl_audit_row *row,
                        struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_audit_insert, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, row->program_id) || bind_int(q, 2, row->at_s) ||
        bind_text(q, 3, row->actor) || bind_text(q, 4, row->role) ||
        bind_text(q, 5, row->store_code) || bind_text(q, 6, row->client_ip) ||
        bind_text(q, 7, row->route) || bind_text(q, 8, row->method) ||
        bind_text(q, 9, row->path) || bind_text(q, 10, row->ref) ||
        bind_int(q, 11, row->status) || bind_text(q, 12, row->partner))
        return bind_failed(s, q, err);
    rc = stmt_finish(s, q, NULL, err);
    if (rc == 0)
        row->id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

int sqlite_audit_list(struct fdl_store *st, int64_t program_id,
                      const struct fdl_audit_filter *f, int limit,
                      struct fdl_audit_row *out, int *count, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_audit_list, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_text(q, 2, f->actor ? f->actor : "") ||
        bind_text(q, 3, f->route ? f->route : "") || bind_int(q, 4, f->from_s) ||
        bind_int(q, 5, f->to_s) || bind_int(q, 6, f->before_id) ||
        bind_int(q, 7, limit) || bind_text(q, 8, f->partner ? f->partner : ""))
        return bind_failed(s, q, err);
    int n = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && n < limit) {
        struct fdl_audit_row *a = &out[n++];
        memset(a, 0, sizeof(*a));
        a->id = column_int(q, 0);
        a->program_id = column_int(q, 1);
        a->at_s = column_int(q, 2);
        column_text(q, 3, a->actor, sizeof(a->actor));
        column_text(q, 4, a->role, sizeof(a->role));
        column_text(q, 5, a->store_code, sizeof(a->store_code));
        column_text(q, 6, a->client_ip, sizeof(a->client_ip));
        column_text(q, 7, a->route, sizeof(a->route));
        column_text(q, 8, a->method, sizeof(a->method));
        column_text(q, 9, a->path, sizeof(a->path));
        column_text(q, 10, a->ref, sizeof(a->ref));
        a->status = (int)column_int(q, 11);
        column_text(q, 12, a->partner, sizeof(a->partner));
    }
    return sqlite_rows_end(s, q, rc, n, count, err);
}

int sqlite_staff_activity(struct fdl_store *st, int64_t program_id, const char *partner,
                          const char *store_code, int64_t from_s, int64_t to_s,
                          struct fdl_staff_activity *out, int max, int *count,
                          struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_activity, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_text(q, 2, store_code ? store_code : "") ||
        bind_int(q, 3, from_s) || bind_int(q, 4, to_s) || bind_int(q, 5, max) ||
        bind_text(q, 6, partner ? partner : ""))
        return bind_failed(s, q, err);
    int n = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && n < max) {
        struct fdl_staff_activity *a = &out[n++];
        memset(a, 0, sizeof(*a));
        staff_row(q, &a->staff);
        a->staff.password_hash[0] = '\0';
        a->purchases = column_int(q, STAFF_COLUMN_COUNT + 0);
        a->staff_card_purchases = column_int(q, STAFF_COLUMN_COUNT + 1);
        a->staff_card_points = column_int(q, STAFF_COLUMN_COUNT + 2);
        a->own_card_purchases = column_int(q, STAFF_COLUMN_COUNT + 3);
        a->own_card_points = column_int(q, STAFF_COLUMN_COUNT + 4);
        a->adjustments = column_int(q, STAFF_COLUMN_COUNT + 5);
        a->adjustment_points_added = column_int(q, STAFF_COLUMN_COUNT + 6);
        a->refunds = column_int(q, STAFF_COLUMN_COUNT + 7);
    }
    return sqlite_rows_end(s, q, rc, n, count, err);
}
