/*
 * routes_staff.c - the handlers of stores, staff accounts, sessions, the
 * audit log and the staff-activity report (service/staff.h). Each decodes,
 * calls the service, encodes.
 */
#include "http/internal.h"

#include "base/clock.h"
#include "base/limits.h"
#include "service/staff.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An RFC 3339 query argument; required or optional (then *out untouched). */
static int query_time(struct http_request *r, const char *name, int required,
                      int64_t *out)
{
    const char *v = http_query(r, name);
    if (!v && required)
        return http_failf(r, FDL_EMISSING_FIELD, name, "give an RFC 3339 time");
    if (v && fdl_time_parse(v, out) != 0)
        return http_failf(r, FDL_EFIELD_TYPE, name,
                          "must be an RFC 3339 time like 2026-01-31T00:00:00Z");
    return 0;
}

static json_t *shop_json(const struct fdl_shop *s)
{
    return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "code", s->code, "name", s->name,
                     "time_zone", s->time_zone, "address", http_opt_string(s->address),
                     "created_at", http_time_json(s->created_at_s), "updated_at",
                     http_time_json(s->updated_at_s));
}

static json_t *staff_json(const struct fdl_staff *s)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:b, s:o}", "id",
                     (json_int_t)s->id, "login", s->login, "name", s->name, "role",
                     fdl_role_name(s->role), "store", http_opt_string(s->store_code),
                     "member_id", s->member_id ? json_integer(s->member_id) : json_null(),
                     "created_at", http_time_json(s->created_at_s), "partner",
                     http_opt_string(s->partner), "disabled", s->disabled_at_s != 0,
                     "disabled_at",
                     s->disabled_at_s ? http_time_json(s->disabled_at_s) : json_null());
}

/* Sets r->hash_body to body without its password fields, so that the
 * idempotency record keeps no fast hash of a password; *redacted owns the
 * text (free it after the write). */
static int redact_passwords(struct http_request *r, json_t *body, char **redacted)
{
    static const char *const secret[] = {"password", "current_password", "new_password"};
    json_t *copy = json_deep_copy(body);
    for (size_t i = 0; copy && i < sizeof(secret) / sizeof(*secret); i++)
        json_object_del(copy, secret[i]);
    *redacted = copy ? json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(copy);
    if (!*redacted)
        return fdl_error_set(&r->err, FDL_ENOMEM, NULL, "out of memory");
    r->hash_body = *redacted;
    r->hash_body_len = strlen(*redacted);
    return 0;
}

/* ---- stores ---- */

struct shop_arg {
    struct http_request *r;
    int create;
    const char *code, *name, *time_zone, *address;
    struct fdl_shop shop;
};

#define SA(f) offsetof(struct shop_arg, f)
static const struct fdl_json_field shop_fields[] = {
    {"code", FDL_JSON_STRING, 1, 1, FDL_MAX_ID_LEN, SA(code)},
    {"name", FDL_JSON_STRING, 1, 1, FDL_MAX_NAME_LEN, SA(name)},
    {"time_zone", FDL_JSON_STRING, 1, 1, FDL_MAX_TIME_ZONE_LEN, SA(time_zone)},
    {"address", FDL_JSON_STRING, 0, 0, FDL_MAX_ADDRESS_LEN, SA(address)},
};
#undef SA

static int run_shop_put(struct fdl_store *st, struct fdl_job *job)
{
    struct shop_arg *a = job->arg;
    int rc = fdl_svc_shop_put(&a->r->srv->svc, st, &a->r->actor, a->create, &a->shop,
                              fdl_clock_now_s(), &job->err);
    return rc ? rc : http_job_answer(job, a->create ? 201 : 200, shop_json(&a->shop));
}

/* POST /v1/stores (create) and PUT /v1/stores/{code} (update: the body has
 * no code). */
static int shop_put(struct http_request *r, int create)
{
    json_t *body;
    if (http_body_json(r, &body))
        return r->err.code;
    struct shop_arg a;
    memset(&a, 0, sizeof(a));
    a.r = r;
    a.create = create;
    const struct fdl_json_field *fields = create ? shop_fields : shop_fields + 1;
    size_t n = sizeof(shop_fields) / sizeof(*shop_fields) - (create ? 0 : 1);
    int rc = fdl_json_decode(body, fields, n, &a, "", &r->err);
    if (rc == 0) {
        const char *code = create ? a.code : r->params[0];
        size_t len = strnlen(code, sizeof(a.shop.code) - 1);
        memcpy(a.shop.code, code, len); /* update: checked to fit by http_store_update */
        a.shop.code[len] = '\0';
        snprintf(a.shop.name, sizeof(a.shop.name), "%s", a.name);
        snprintf(a.shop.time_zone, sizeof(a.shop.time_zone), "%s", a.time_zone);
        snprintf(a.shop.address, sizeof(a.shop.address), "%s",
                 a.address ? a.address : "");
    }
    rc = rc ? http_fail(r, &r->err) : http_write(r, NULL, NULL, run_shop_put, &a);
    json_decref(body);
    return rc;
}

int http_stores_create(struct http_request *r)
{
    return shop_put(r, 1);
}

int http_store_update(struct http_request *r)
{
    if (strlen(r->params[0]) > FDL_MAX_ID_LEN)
        return http_failf(r, FDL_ENOT_FOUND, "code", "no such store");
    return shop_put(r, 0);
}

int http_stores_list(struct http_request *r)
{
    int64_t limit = FDL_DEFAULT_PAGE_SIZE;
    const char *after = http_query(r, "after");
    if (http_query_int(r, "limit", 1, FDL_MAX_PAGE_SIZE, &limit))
        return r->err.code;
    if (after && strlen(after) > FDL_MAX_ID_LEN)
        return http_failf(r, FDL_ERANGE, "after", "at most %d bytes", FDL_MAX_ID_LEN);
    struct fdl_shop shops[FDL_MAX_PAGE_SIZE];
    int count = 0;
    char next[FDL_MAX_ID_LEN + 1];
    WITH_READER(r, st,
                fdl_svc_shops_list(&r->srv->svc, st, &r->actor, after ? after : "",
                                   (int)limit, shops, &count, next, &r->err));
    json_t *items = json_array();
    for (int i = 0; i < count; i++)
        json_array_append_new(items, shop_json(&shops[i]));
    json_t *page = json_pack("{s:o}", "stores", items);
    if (next[0])
        json_object_set_new(page, "next_after", json_string(next));
    return http_reply(r, 200, page);
}

/* ---- staff ---- */

struct staff_arg {
    struct http_request *r;
    const char *login, *name, *role, *store, *password, *partner;
    int64_t member_id;
    struct fdl_staff staff;
};

#define TA(f) offsetof(struct staff_arg, f)
static const struct fdl_json_field staff_fields[] = {
    {"login", FDL_JSON_STRING, 1, 1, FDL_MAX_LOGIN_LEN, TA(login)},
    {"name", FDL_JSON_STRING, 1, 1, FDL_MAX_NAME_LEN, TA(name)},
    {"role", FDL_JSON_STRING, 1, 1, FDL_MAX_ROLE_NAME_LEN, TA(role)},
    {"store", FDL_JSON_STRING, 0, 1, FDL_MAX_ID_LEN, TA(store)},
    {"member_id", FDL_JSON_INT, 0, 1, INT64_MAX, TA(member_id)},
    {"password", FDL_JSON_STRING, 1, 1, FDL_MAX_PASSWORD_LEN, TA(password)},
    {"partner", FDL_JSON_STRING, 0, 1, FDL_PARTNER_ID_MAX, TA(partner)},
};
#undef TA

static int run_staff_create(struct fdl_store *st, struct fdl_job *job)
{
    struct staff_arg *a = job->arg;
    int rc = fdl_svc_staff_create(&a->r->srv->svc, st, &a->r->actor, a->partner,
                                  &a->staff, fdl_clock_now_s(), &job->err);
    return rc ? rc : http_job_answer(job, 201, staff_json(&a->staff));
}

int http_staff_create(struct http_request *r)
{
    json_t *body;
    if (http_body_json(r, &body))
        return r->err.code;
    struct staff_arg a;
    memset(&a, 0, sizeof(a));
    a.r = r;
    int rc =
        fdl_json_decode(body, staff_fields, sizeof(staff_fields) / sizeof(*staff_fields),
                        &a, "", &r->err);
    if (rc == 0 && !(a.staff.role = fdl_role_parse(a.role)))
        rc = fdl_error_set(&r->err, FDL_EINVALID, "role",
                           "must be cashier, manager, admin or auditor");
    /* Hashed here, on the request's thread: Argon2id takes its time and
     * memory, and the writer must not wait for it. */
    if (rc == 0)
        rc = fdl_password_hash(a.password, a.login, a.staff.password_hash, &r->err);
    char *redacted = NULL;
    if (rc == 0) {
        snprintf(a.staff.login, sizeof(a.staff.login), "%s", a.login);
        snprintf(a.staff.name, sizeof(a.staff.name), "%s", a.name);
        snprintf(a.staff.store_code, sizeof(a.staff.store_code), "%s",
                 a.store ? a.store : "");
        a.staff.member_id = a.member_id;
        rc = redact_passwords(r, body, &redacted);
    }
    rc = rc ? http_fail(r, &r->err) : http_write(r, NULL, NULL, run_staff_create, &a);
    sodium_memzero(a.staff.password_hash, sizeof(a.staff.password_hash));
    r->hash_body = NULL;
    free(redacted);
    json_decref(body);
    return rc;
}

int http_staff_list(struct http_request *r)
{
    int64_t limit = FDL_DEFAULT_PAGE_SIZE, after = 0;
    if (http_query_int(r, "limit", 1, FDL_MAX_PAGE_SIZE, &limit) ||
        http_query_int(r, "after", 0, INT64_MAX, &after))
        return r->err.code;
    struct fdl_staff staff[FDL_MAX_PAGE_SIZE];
    int count = 0;
    WITH_READER(r, st,
                FDL_STORE_CALL(st, staff_list, r->actor.program_id, r->actor.partner,
                               after, (int)limit, staff, &count, &r->err));
    json_t *items = json_array();
    for (int i = 0; i < count; i++)
        json_array_append_new(items, staff_json(&staff[i]));
    json_t *page = json_pack("{s:o}", "staff", items);
    if (count == limit)
        json_object_set_new(page, "next_after", json_integer(staff[count - 1].id));
    return http_reply(r, 200, page);
}

struct link_arg {
    struct http_request *r;
    int64_t id, member_id;
};

static int run_staff_link(struct fdl_store *st, struct fdl_job *job)
{
    struct link_arg *a = job->arg;
    struct fdl_staff s;
    int rc = fdl_svc_staff_link(st, &a->r->actor, a->id, a->member_id, &s, &job->err);
    return rc ? rc : http_job_answer(job, 200, staff_json(&s));
}

int http_staff_link(struct http_request *r)
{
    struct link_arg a = {r, 0, 0};
    if (http_param_id(r, 0, "staff_id", &a.id))
        return r->err.code;
    json_t *body;
    if (http_body_json(r, &body))
        return r->err.code;
    static const struct fdl_json_field fields[] = {
        {"member_id", FDL_JSON_INT, 1, 0, INT64_MAX,
         offsetof(struct link_arg, member_id)},
    };
    int rc = fdl_json_decode(body, fields, 1, &a, "", &r->err);
    rc = rc ? http_fail(r, &r->err) : http_write(r, NULL, NULL, run_staff_link, &a);
    json_decref(body);
    return rc;
}

/* -- staff lifecycle -- */

struct staff_update_arg {
    struct http_request *r;
    int64_t id;
    const char *name, *role, *store;
    int disabled; /* -1: absent */
    struct fdl_staff_change change;
};

static int run_staff_update(struct fdl_store *st, struct fdl_job *job)
{
    struct staff_update_arg *a = job->arg;
    struct fdl_staff s;
    int64_t ended = 0;
    int rc = fdl_svc_staff_update(&a->r->srv->svc, st, &a->r->actor, a->id, &a->change,
                                  fdl_clock_now_s(), &s, &ended, &job->err);
    sodium_memzero(s.password_hash, sizeof(s.password_hash));
    return rc ? rc : http_job_answer(job, 200, staff_json(&s));
}

/* PATCH /v1/staff/{id}: name, role, store (null: none) and disabled. */
int http_staff_update(struct http_request *r)
{
    struct staff_update_arg a;
    memset(&a, 0, sizeof(a));
    a.r = r;
    a.disabled = -1;
    if (http_param_id(r, 0, "staff_id", &a.id))
        return r->err.code;
    json_t *body;
    if (http_body_json(r, &body))
        return r->err.code;
#define UA(f) offsetof(struct staff_update_arg, f)
    static const struct fdl_json_field fields[] = {
        {"name", FDL_JSON_STRING, 0, 1, FDL_MAX_NAME_LEN, UA(name)},
        {"role", FDL_JSON_STRING, 0, 1, FDL_MAX_ROLE_NAME_LEN, UA(role)},
        {"store", FDL_JSON_STRING, 0, 1, FDL_MAX_ID_LEN, UA(store)},
        {"disabled", FDL_JSON_BOOL, 0, 0, 1, UA(disabled)},
    };
#undef UA
    int rc =
        fdl_json_decode(body, fields, sizeof(fields) / sizeof(*fields), &a, "", &r->err);
    if (rc == 0 && a.role && !(a.change.role = fdl_role_parse(a.role)))
        rc = fdl_error_set(&r->err, FDL_EINVALID, "role",
                           "must be cashier, manager, admin or auditor");
    if (rc == 0) {
        a.change.name = a.name;
        /* a JSON null is "absent" to the decoder, but here it clears the store */
        a.change.set_store = json_object_get(body, "store") != NULL;
        a.change.store = a.store;
        a.change.disabled = a.disabled;
    }
    rc = rc ? http_fail(r, &r->err) : http_write(r, NULL, NULL, run_staff_update, &a);
    json_decref(body);
    return rc;
}

struct password_arg {
    struct http_request *r;
    int64_t id;
    const char *password, *current_password, *new_password;
    const char *token; /* own change: the session kept */
    struct fdl_staff staff;
    char new_hash[FDL_PASSWORD_HASH_MAX + 1];
    int64_t ended;
};

/* Ends a password write: with rc 0, writes it with the passwords left out of
 * the idempotency hash; else answers rc. Wipes the hashes and frees body. */
static int password_write(struct http_request *r, int rc, json_t *body,
                          int (*run)(struct fdl_store *st, struct fdl_job *job),
                          struct password_arg *a)
{
    char *redacted = NULL;
    if (rc == 0)
        rc = redact_passwords(r, body, &redacted);
    rc = rc ? http_fail(r, &r->err) : http_write(r, NULL, NULL, run, a);
    sodium_memzero(a->new_hash, sizeof(a->new_hash));
    sodium_memzero(a->staff.password_hash, sizeof(a->staff.password_hash));
    r->hash_body = NULL;
    free(redacted);
    json_decref(body);
    return rc;
}

static int run_staff_password_set(struct fdl_store *st, struct fdl_job *job)
{
    struct password_arg *a = job->arg;
    int rc =
        fdl_svc_staff_password_set(st, &a->r->actor, a->id, a->new_hash,
                                   fdl_clock_now_s(), &a->staff, &a->ended, &job->err);
    sodium_memzero(a->staff.password_hash, sizeof(a->staff.password_hash));
    return rc ? rc : http_job_answer(job, 200, staff_json(&a->staff));
}

/* PUT /v1/staff/{id}/password (admin): a new password for an account; its
 * sessions end. The account is read first for its login (the policy
 * refuses a password equal to it) and so that an unknown one costs no
 * hashing; the writer checks it again. */
int http_staff_password_set(struct http_request *r)
{
    struct password_arg a;
    memset(&a, 0, sizeof(a));
    a.r = r;
    if (http_param_id(r, 0, "staff_id", &a.id))
        return r->err.code;
    if (!(r->actor.scopes & FDL_SCOPE_ADMIN) || r->actor.role == FDL_ROLE_MANAGER)
        return http_failf(r, FDL_EFORBIDDEN, NULL, "passwords are set by admins");
    json_t *body;
    if (http_body_json(r, &body))
        return r->err.code;
    static const struct fdl_json_field fields[] = {
        {"password", FDL_JSON_STRING, 1, 1, FDL_MAX_PASSWORD_LEN,
         offsetof(struct password_arg, password)},
    };
    int rc = fdl_json_decode(body, fields, 1, &a, "", &r->err);
    if (rc == 0) {
        struct fdl_store *st = http_reader_get(r->srv, &r->err);
        rc = st ? FDL_STORE_CALL(st, begin, 0, &r->err) : r->err.code;
        if (rc == 0)
            rc = FDL_STORE_CALL(st, staff_get, r->actor.program_id, a.id, &a.staff,
                                &r->err);
        if (rc == 0 && r->actor.partner[0] && strcmp(r->actor.partner, a.staff.partner))
            rc = FDL_ENOT_FOUND; /* -- partner isolation -- */
        if (rc == FDL_ENOT_FOUND)
            fdl_error_set(&r->err, rc, "staff_id", "no such staff account");
        if (st) {
            FDL_STORE_CALL0(st, rollback);
            http_reader_put(r->srv, st);
        }
    }
    /* Hashed here, on the request's thread, as on create. */
    if (rc == 0)
        rc = fdl_password_hash(a.password, a.staff.login, a.new_hash, &r->err);
    return password_write(a.r, rc, body, run_staff_password_set, &a);
}

static int run_own_password_change(struct fdl_store *st, struct fdl_job *job)
{
    struct password_arg *a = job->arg;
    int rc =
        fdl_svc_own_password_set(st, &a->r->actor, a->staff.password_hash, a->new_hash,
                                 a->token, fdl_clock_now_s(), &a->ended, &job->err);
    return rc ? rc
              : http_job_answer(job, 200,
                                json_pack("{s:b, s:I}", "changed", 1, "sessions_ended",
                                          (json_int_t)a->ended));
}

/* PUT /v1/sessions/current/password: a staff member changes their own
 * password, proving the current one (checked, with the login throttle, on
 * a read connection); their other sessions end, this one stays. */
int http_own_password_change(struct http_request *r)
{
    const char *auth =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
    if (!r->actor.role || !auth || strncmp(auth, "Bearer ", 7) != 0)
        return http_failf(r, FDL_EINVALID, "Authorization",
                          "only a staff session (Authorization: Bearer fds_...) has a "
                          "password of its own");
    struct password_arg a;
    memset(&a, 0, sizeof(a));
    a.r = r;
    a.token = auth + 7;
    json_t *body;
    if (http_body_json(r, &body))
        return r->err.code;
    static const struct fdl_json_field fields[] = {
        {"current_password", FDL_JSON_STRING, 1, 1, FDL_MAX_PASSWORD_LEN,
         offsetof(struct password_arg, current_password)},
        {"new_password", FDL_JSON_STRING, 1, 1, FDL_MAX_PASSWORD_LEN,
         offsetof(struct password_arg, new_password)},
    };
    int rc = fdl_json_decode(body, fields, 2, &a, "", &r->err);
    /* A retry of a change that went through finds the current password
     * changed: its idempotency record, if there is one, answers it (the
     * writer replays it without running anything). */
    char key[HTTP_IDEMPOTENCY_KEY_MAX];
    int done = 0;
    if (rc == 0 && (rc = http_idempotency_key(r, NULL, key, sizeof(key))) != 0) {
        json_decref(body);
        return rc;
    }
    if (rc == 0) {
        struct fdl_store *st = http_reader_get(r->srv, &r->err);
        rc = st ? FDL_STORE_CALL(st, begin, 0, &r->err) : r->err.code;
        struct fdl_idem idem = {0};
        if (rc == 0 &&
            FDL_STORE_CALL(st, idem_get, r->actor.program_id, key, &idem, &r->err) == 0) {
            done = 1;
            fdl_idem_release(&idem);
        }
        fdl_error_clear(&r->err);
        if (rc == 0 && !done)
            rc = fdl_svc_own_password_check(st, &r->actor, a.current_password,
                                            fdl_clock_now_s(), &a.staff, &r->err);
        if (st) {
            FDL_STORE_CALL0(st, rollback);
            http_reader_put(r->srv, st);
        }
    }
    if (rc == 0 && !done) {
        rc = fdl_password_hash(a.new_password, a.staff.login, a.new_hash, &r->err);
        if (rc && strcmp(r->err.field, "password") == 0) /* the policy's words */
            snprintf(r->err.field, sizeof(r->err.field), "%s", "new_password");
    }
    return password_write(a.r, rc, body, run_own_password_change, &a);
}

/* ---- sessions ---- */

struct session_arg {
    struct http_request *r;
    const char *login, *password;
    struct fdl_staff staff;
};

static int run_session_open(struct fdl_store *st, struct fdl_job *job)
{
    struct session_arg *a = job->arg;
    char token[FDL_SESSION_TOKEN_LEN + 1];
    int64_t expires_at_s = 0;
    int rc = fdl_svc_session_open(st, &a->staff, fdl_clock_now_s(), token, &expires_at_s,
                                  &job->err);
    if (rc)
        return rc;
    rc = http_job_answer(job, 201,
                         json_pack("{s:s, s:o, s:o}", "token", token, "expires_at",
                                   http_time_json(expires_at_s), "staff",
                                   staff_json(&a->staff)));
    sodium_memzero(token, sizeof(token));
    return rc;
}

int http_session_create(struct http_request *r)
{
    json_t *body;
    if (http_body_json(r, &body))
        return r->err.code;
    struct session_arg a;
    memset(&a, 0, sizeof(a));
    a.r = r;
    static const struct fdl_json_field fields[] = {
        {"login", FDL_JSON_STRING, 1, 1, FDL_MAX_SIGN_IN_LEN,
         offsetof(struct session_arg, login)},
        {"password", FDL_JSON_STRING, 1, 1, FDL_MAX_PASSWORD_LEN,
         offsetof(struct session_arg, password)},
    };
    int rc = fdl_json_decode(body, fields, 2, &a, "", &r->err);
    if (rc == 0) {
        struct fdl_store *st = http_reader_get(r->srv, &r->err);
        rc = st ? FDL_STORE_CALL(st, begin, 0, &r->err) : r->err.code;
        if (rc == 0)
            rc = fdl_svc_login_check(st, a.login, a.password, fdl_clock_now_s(), &a.staff,
                                     &r->err);
        if (st) {
            FDL_STORE_CALL0(st, rollback);
            http_reader_put(r->srv, st);
        }
    }
    if (rc == 0) { /* the audit row names who logged in */
        r->actor.program_id = a.staff.program_id;
        r->actor.role = a.staff.role;
        snprintf(r->actor.name, sizeof(r->actor.name), "staff:%s", a.staff.login);
        snprintf(r->actor.store, sizeof(r->actor.store), "%s", a.staff.store_code);
    }
    rc = rc ? http_fail(r, &r->err) : http_write_unkeyed(r, run_session_open, &a);
    sodium_memzero(a.staff.password_hash, sizeof(a.staff.password_hash));
    json_decref(body);
    return rc;
}

static int run_session_end(struct fdl_store *st, struct fdl_job *job)
{
    struct http_request *r = job->arg;
    const char *auth =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
    int rc = fdl_svc_session_revoke(st, auth + 7, fdl_clock_now_s(), &job->err);
    return rc ? rc : http_job_answer(job, 200, json_pack("{s:b}", "ended", 1));
}

int http_session_delete(struct http_request *r)
{
    const char *auth =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
    if (!r->actor.role || !auth || strncmp(auth, "Bearer ", 7) != 0)
        return http_failf(r, FDL_EINVALID, "Authorization",
                          "only a staff session (Authorization: Bearer fds_...) can be "
                          "ended; API keys are revoked by an admin");
    return http_write_unkeyed(r, run_session_end, r);
}

/* ---- the audit log ---- */

int http_audit_log(struct http_request *r)
{
    struct fdl_audit_filter f;
    memset(&f, 0, sizeof(f));
    int64_t limit = FDL_DEFAULT_PAGE_SIZE;
    f.actor = http_query(r, "actor");
    f.route = http_query(r, "route");
    f.partner = r->actor.partner; /* a partner reads its own actors' rows only */
    if (http_query_int(r, "limit", 1, FDL_MAX_PAGE_SIZE, &limit) ||
        http_query_int(r, "before", 0, INT64_MAX, &f.before_id) ||
        query_time(r, "from", 0, &f.from_s) || query_time(r, "to", 0, &f.to_s))
        return r->err.code;
    if (f.actor && strlen(f.actor) > FDL_MAX_ID_LEN)
        return http_failf(r, FDL_ERANGE, "actor", "at most %d bytes", FDL_MAX_ID_LEN);
    if (f.route && strlen(f.route) > 63)
        return http_failf(r, FDL_ERANGE, "route", "at most 63 bytes");
    static _Thread_local struct fdl_audit_row rows[FDL_MAX_PAGE_SIZE];
    int count = 0;
    WITH_READER(r, st,
                FDL_STORE_CALL(st, audit_list, r->actor.program_id, &f, (int)limit, rows,
                               &count, &r->err));
    json_t *items = json_array();
    for (int i = 0; i < count; i++) {
        const struct fdl_audit_row *a = &rows[i];
        json_array_append_new(
            items,
            json_pack("{s:I, s:o, s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:o, s:i, s:o}",
                      "id", (json_int_t)a->id, "time", http_time_json(a->at_s), "actor",
                      a->actor, "role", a->role, "store", http_opt_string(a->store_code),
                      "client_ip", http_opt_string(a->client_ip), "route", a->route,
                      "method", a->method, "path", a->path, "ref",
                      http_opt_string(a->ref), "status", a->status, "partner",
                      http_opt_string(a->partner)));
    }
    json_t *page = json_pack("{s:o}", "entries", items);
    if (count == limit)
        json_object_set_new(page, "next_before", json_integer(rows[count - 1].id));
    return http_reply(r, 200, page);
}

/* ---- unusual staff activity ---- */

int http_staff_activity(struct http_request *r)
{
    int64_t from_s = 0, to_s = 0;
    if (query_time(r, "from", 1, &from_s) || query_time(r, "to", 1, &to_s))
        return r->err.code;
    static _Thread_local struct fdl_staff_activity rows[FDL_MAX_STAFF_LISTED];
    int count = 0;
    WITH_READER(r, st,
                fdl_svc_staff_activity(st, &r->actor, from_s, to_s, rows,
                                       FDL_MAX_STAFF_LISTED, &count, &r->err));
    json_t *items = json_array();
    for (int i = 0; i < count; i++) {
        const struct fdl_staff_activity *a = &rows[i];
        unsigned flags = fdl_staff_activity_flags(a);
        json_t *reasons = json_array();
        if (flags & FDL_UNUSUAL_OWN_CARD)
            json_array_append_new(reasons, json_string("own_card_earns"));
        if (flags & FDL_UNUSUAL_STAFF_CARD)
            json_array_append_new(reasons, json_string("staff_card_earns"));
        if (flags & FDL_UNUSUAL_ADJUSTMENT)
            json_array_append_new(reasons, json_string("manual_additions"));
        json_array_append_new(
            items,
            json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:o}", "staff",
                      staff_json(&a->staff), "purchases", (json_int_t)a->purchases,
                      "staff_card_purchases", (json_int_t)a->staff_card_purchases,
                      "staff_card_points", (json_int_t)a->staff_card_points,
                      "own_card_purchases", (json_int_t)a->own_card_purchases,
                      "own_card_points", (json_int_t)a->own_card_points, "adjustments",
                      (json_int_t)a->adjustments, "adjustment_points_added",
                      (json_int_t)a->adjustment_points_added, "refunds",
                      (json_int_t)a->refunds, "unusual", flags != 0, "reasons", reasons));
    }
    return http_reply(r, 200,
                      json_pack("{s:o, s:o, s:o, s:{s:i, s:i}}", "from",
                                http_time_json(from_s), "to", http_time_json(to_s),
                                "staff", items, "thresholds", "staff_card_purchases",
                                FDL_UNUSUAL_STAFF_CARD_PURCHASES, "adjustment_points",
                                FDL_UNUSUAL_ADJUSTMENT_POINTS));
}
