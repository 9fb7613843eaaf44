/*
 * staff.c - stores, staff accounts, sessions, the login throttle and the
 * staff-activity report. See staff.h.
 */
#include "service/staff.h"

#include "base/clock.h"
#include "base/tz.h"
#include "service/coalition.h"
#include "service/internal.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

_Static_assert(crypto_pwhash_STRBYTES <= FDL_PASSWORD_HASH_MAX + 1,
               "a password hash string fits FDL_PASSWORD_HASH_MAX");

static const char *const role_names[] = {"cashier", "manager", "admin", "auditor"};

const char *fdl_role_name(unsigned role)
{
    for (unsigned i = 0; i < 4; i++)
        if (role == 1u << i)
            return role_names[i];
    return "";
}

unsigned fdl_role_parse(const char *text)
{
    for (unsigned i = 0; text && i < 4; i++)
        if (strcmp(text, role_names[i]) == 0)
            return 1u << i;
    return 0;
}

/* What a role may do beyond its routes, in the service's scope terms:
 * admins and managers act with the admin scope (managers within limits the
 * service checks), cashiers and auditors with the till's. */
static unsigned role_scopes(unsigned role)
{
    return role & (FDL_ROLE_ADMIN | FDL_ROLE_MANAGER) ? FDL_SCOPE_POS | FDL_SCOPE_ADMIN
                                                      : FDL_SCOPE_POS;
}

/* 1 if text is min..max bytes of a-z, 0-9, '.', '_', '-' (and A-Z if upper). */
static int word_ok(const char *text, size_t min, size_t max, int upper)
{
    size_t n = strlen(text);
    if (n < min || n > max)
        return 0;
    for (const char *p = text; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-' || (upper && c >= 'A' && c <= 'Z')))
            return 0;
    }
    return 1;
}

int fdl_password_hash(const char *password, const char *login,
                      char out[FDL_PASSWORD_HASH_MAX + 1], struct fdl_error *err)
{
    size_t n = strlen(password);
    if (n < FDL_MIN_PASSWORD_LEN || n > FDL_MAX_PASSWORD_LEN)
        return fdl_error_set(err, FDL_ERANGE, "password", "must be %d to %d bytes",
                             FDL_MIN_PASSWORD_LEN, FDL_MAX_PASSWORD_LEN);
    size_t same = 0;
    while (password[same] == password[0] && password[same])
        same++;
    if (same == n || (login && strcmp(password, login) == 0))
        return fdl_error_set(
            err, FDL_EINVALID, "password",
            "is too easy to guess (one repeated character, or the login)");
    char hashed[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(hashed, password, n, FDL_PWHASH_ITERATIONS,
                              FDL_PWHASH_MEMORY_BYTES, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return fdl_error_set(err, FDL_ENOMEM, NULL, "no memory to hash the password");
    snprintf(out, FDL_PASSWORD_HASH_MAX + 1, "%s", hashed);
    return 0;
}

/* ---- stores ---- */

int fdl_svc_shop_put(struct fdl_service *svc, struct fdl_store *st,
                     const struct fdl_actor *a, int create, struct fdl_shop *shop,
                     int64_t now_s, struct fdl_error *err)
{
    if (!(a->scopes & FDL_SCOPE_ADMIN))
        return fdl_error_set(err, FDL_EFORBIDDEN, NULL, "stores are set by admins");
    /* -- partner isolation -- a partner registers and sees its own stores only */
    const struct fdl_program_def *def;
    int rc = svc_def_now(svc, st, a, now_s, &def, err);
    if (rc)
        return rc;
    if (!svc_partner_sees(a, svc_store_partner(def, shop->code)))
        return create ? fdl_error_set(err, FDL_EINVALID, "code",
                                      "not one of partner %s's stores (the program's "
                                      "partners: section)",
                                      a->partner)
                      : fdl_error_set(err, FDL_ENOT_FOUND, "code", "no such store");
    if (!word_ok(shop->code, 1, FDL_MAX_ID_LEN, 1))
        return fdl_error_set(err, FDL_EINVALID, "code",
                             "must be 1 to %d of A-Z, a-z, 0-9, '.', '_' and '-'",
                             FDL_MAX_ID_LEN);
    struct fdl_tz *tz = NULL;
    if (fdl_tz_load(shop->time_zone, &tz, err) != 0)
        return fdl_error_set(err, FDL_EINVALID, "time_zone",
                             "\"%s\" is not a time zone this server knows",
                             shop->time_zone);
    fdl_tz_free(tz);
    shop->program_id = a->program_id;
    shop->updated_at_s = now_s;
    if (create) {
        shop->created_at_s = now_s;
        return FDL_STORE_CALL(st, shop_insert, shop, err);
    }
    rc = FDL_STORE_CALL(st, shop_update, shop, err);
    struct fdl_shop stored;
    if (rc == 0 &&
        (rc = FDL_STORE_CALL(st, shop_get, a->program_id, shop->code, &stored, err)) == 0)
        *shop = stored;
    return rc;
}

int svc_purchase_store(struct fdl_store *st, const struct fdl_program_def *def,
                       const struct fdl_actor *a, const char *requested,
                       char out[FDL_MAX_ID_LEN + 1], char zone[FDL_MAX_TIME_ZONE_LEN + 1],
                       struct fdl_error *err)
{
    zone[0] = '\0';
    const char *code = requested && *requested ? requested : a->store;
    if (a->store[0] && strcmp(code, a->store) != 0)
        return fdl_error_set(err, FDL_EFORBIDDEN, "store",
                             "%s rings up purchases at store %s only", a->name, a->store);
    snprintf(out, FDL_MAX_ID_LEN + 1, "%s", code);
    /* -- partner isolation -- a partner sells at its own stores, and another
     * partner's store is answered as an unknown one */
    if (a->partner[0] && !*code)
        return fdl_error_set(err, FDL_EMISSING_FIELD, "store",
                             "a partner's purchase names one of its stores");
    if (a->partner[0] && strcmp(svc_store_partner(def, code), a->partner) != 0)
        return fdl_error_set(err, FDL_EINVALID, "store",
                             "no store \"%s\" is registered (GET /v1/stores)", code);
    if (!*code)
        return 0;
    struct fdl_shop shop;
    int rc = FDL_STORE_CALL(st, shop_get, a->program_id, code, &shop, err);
    if (rc == 0)
        snprintf(zone, FDL_MAX_TIME_ZONE_LEN + 1, "%s", shop.time_zone);
    if (rc != FDL_ENOT_FOUND)
        return rc;
    fdl_error_clear(err);
    int count = 0, any = 0;
    rc = FDL_STORE_CALL(st, shops_list, a->program_id, "", 0, NULL, &count, &any, err);
    if (rc == 0 && any)
        rc = fdl_error_set(err, FDL_EINVALID, "store",
                           "no store \"%s\" is registered (GET /v1/stores)", code);
    return rc;
}

int fdl_svc_shops_list(struct fdl_service *svc, struct fdl_store *st,
                       const struct fdl_actor *a, const char *after, int limit,
                       struct fdl_shop *out, int *count, char next[FDL_MAX_ID_LEN + 1],
                       struct fdl_error *err)
{
    *count = 0;
    next[0] = '\0';
    const struct fdl_program_def *def;
    int n = 0, any = 0;
    int rc = svc_def_now(svc, st, a, fdl_clock_now_s(), &def, err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, shops_list, a->program_id, after, limit, out, &n, &any,
                            err);
    if (rc)
        return rc;
    if (n == limit)
        snprintf(next, FDL_MAX_ID_LEN + 1, "%s", out[n - 1].code);
    for (int i = 0; i < n; i++)
        if (svc_partner_sees(a, svc_store_partner(def, out[i].code)))
            out[(*count)++] = out[i];
    return 0;
}

const struct fdl_tz *svc_zone(struct fdl_service *svc, const char *zone)
{
    const struct fdl_tz *found = NULL;
    pthread_mutex_lock(&svc->lock);
    for (int i = 0; i < svc->zone_count && !found; i++)
        if (strcmp(svc->zones[i].name, zone) == 0)
            found = svc->zones[i].tz;
    if (!found && svc->zone_count < FDL_MAX_STORE_ZONES) {
        struct fdl_tz *tz = NULL;
        struct fdl_error err;
        fdl_error_clear(&err);
        if (fdl_tz_load(zone, &tz, &err) == 0) {
            int i = svc->zone_count++;
            snprintf(svc->zones[i].name, sizeof(svc->zones[i].name), "%s", zone);
            svc->zones[i].tz = tz;
            found = tz;
        }
    }
    pthread_mutex_unlock(&svc->lock);
    return found;
}

/* ---- staff ---- */

static int role_needs_store(unsigned role)
{
    return role == FDL_ROLE_CASHIER || role == FDL_ROLE_MANAGER;
}

/* Cashiers and managers work at a store; admins and auditors at none. */
static int role_store_check(const struct fdl_staff *s, struct fdl_error *err)
{
    int needs_store = role_needs_store(s->role);
    if (needs_store && !s->store_code[0])
        return fdl_error_set(err, FDL_EMISSING_FIELD, "store", "a %s works at a store",
                             fdl_role_name(s->role));
    if (!needs_store && s->store_code[0])
        return fdl_error_set(err, FDL_EINVALID, "store",
                             "an %s is not bound to a store (send \"store\": null)",
                             fdl_role_name(s->role));
    return 0;
}

int fdl_svc_staff_create(struct fdl_service *svc, struct fdl_store *st,
                         const struct fdl_actor *a, const char *partner,
                         struct fdl_staff *s, int64_t now_s, struct fdl_error *err)
{
    if (!(a->scopes & FDL_SCOPE_ADMIN) || a->role == FDL_ROLE_MANAGER)
        return fdl_error_set(err, FDL_EFORBIDDEN, NULL,
                             "staff accounts are made by admins");
    if (!word_ok(s->login, FDL_MIN_LOGIN_LEN, FDL_MAX_LOGIN_LEN, 0))
        return fdl_error_set(err, FDL_EINVALID, "login",
                             "must be %d to %d of a-z, 0-9, '.', '_' and '-'",
                             FDL_MIN_LOGIN_LEN, FDL_MAX_LOGIN_LEN);
    int needs_store = role_needs_store(s->role);
    int rc = role_store_check(s, err);
    if (rc)
        return rc;
    /* -- partner isolation -- the account's partner is its store's, or the
     * one named; a partner's admin makes accounts of its own partner only */
    const struct fdl_program_def *def;
    rc = svc_def_now(svc, st, a, now_s, &def, err);
    if (rc == 0)
        rc = fdl_svc_partner_for_new(svc, st, a, partner, "partner", s->partner, err);
    if (rc)
        return rc;
    const char *store_partner = svc_store_partner(def, s->store_code);
    struct fdl_shop shop;
    rc = needs_store && !svc_partner_sees(a, store_partner) ? FDL_ENOT_FOUND
         : needs_store
             ? FDL_STORE_CALL(st, shop_get, a->program_id, s->store_code, &shop, err)
             : 0;
    if (rc == FDL_ENOT_FOUND)
        return fdl_error_set(err, FDL_EINVALID, "store", "no store \"%s\" is registered",
                             s->store_code);
    if (rc == 0 && *store_partner && partner && strcmp(partner, store_partner) != 0)
        return fdl_error_set(err, FDL_EINVALID, "partner",
                             "store %s is partner %s's, not %s's", s->store_code,
                             store_partner, partner);
    if (rc == 0 && *store_partner)
        snprintf(s->partner, sizeof(s->partner), "%s", store_partner);
    struct fdl_member m;
    if (rc == 0 && s->member_id) {
        rc = FDL_STORE_CALL(st, member_get, a->program_id, s->member_id, &m, err);
        if (rc == FDL_ENOT_FOUND)
            return fdl_error_set(err, FDL_EINVALID, "member_id", "no member %lld",
                                 (long long)s->member_id);
    }
    if (rc)
        return rc;
    /* -- partner isolation -- the sign-in name is qualified by the partner
     * and the program, so a login taken in another tenant is no clash (and
     * says nothing about it) */
    char name[FDL_MAX_SIGN_IN_LEN + 16];
    int n = snprintf(name, sizeof(name), "%s%s%s", s->login, s->partner[0] ? "@" : "",
                     s->partner);
    if (a->program_id != 1)
        n += snprintf(name + n, sizeof(name) - (size_t)n, "/%lld",
                      (long long)a->program_id);
    if (n > FDL_MAX_SIGN_IN_LEN)
        return fdl_error_set(
            err, FDL_ERANGE, "login",
            "with its partner and program (%s) it must be at most %d bytes", name,
            FDL_MAX_SIGN_IN_LEN);
    memcpy(s->login, name, (size_t)n + 1);
    s->program_id = a->program_id;
    s->created_at_s = now_s;
    return FDL_STORE_CALL(st, staff_insert, s, err);
}

/* Staff account id of a's program for an admin's change: a manager is
 * refused, another partner's account is not found. */
static int staff_for_change(struct fdl_store *st, const struct fdl_actor *a, int64_t id,
                            struct fdl_staff *out, struct fdl_error *err)
{
    if (!(a->scopes & FDL_SCOPE_ADMIN) || a->role == FDL_ROLE_MANAGER)
        return fdl_error_set(err, FDL_EFORBIDDEN, NULL,
                             "staff accounts are set by admins");
    /* -- partner isolation -- another partner's account is not found */
    int rc = FDL_STORE_CALL(st, staff_get, a->program_id, id, out, err);
    if (rc == 0 && !svc_partner_sees(a, out->partner))
        rc = FDL_ENOT_FOUND;
    if (rc == FDL_ENOT_FOUND)
        return fdl_error_set(err, rc, "staff_id", "no such staff account");
    return rc;
}

int fdl_svc_staff_link(struct fdl_store *st, const struct fdl_actor *a, int64_t id,
                       int64_t member_id, struct fdl_staff *out, struct fdl_error *err)
{
    int rc = staff_for_change(st, a, id, out, err);
    if (rc)
        return rc;
    struct fdl_member m;
    rc =
        member_id ? FDL_STORE_CALL(st, member_get, a->program_id, member_id, &m, err) : 0;
    if (rc == FDL_ENOT_FOUND)
        return fdl_error_set(err, FDL_EINVALID, "member_id", "no member %lld",
                             (long long)member_id);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, staff_set_member, a->program_id, id, member_id, err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, staff_get, a->program_id, id, out, err);
    return rc;
}

/* -- staff lifecycle -- */

/* The store s is to work at: registered, seen by a (a partner's caller sees
 * its own partner's stores only) and not another partner's than s's. */
static int staff_store_check(struct fdl_service *svc, struct fdl_store *st,
                             const struct fdl_actor *a, const struct fdl_staff *s,
                             int64_t now_s, struct fdl_error *err)
{
    const struct fdl_program_def *def;
    int rc = svc_def_now(svc, st, a, now_s, &def, err);
    if (rc)
        return rc;
    const char *store_partner = svc_store_partner(def, s->store_code);
    struct fdl_shop shop;
    rc = !svc_partner_sees(a, store_partner)
             ? FDL_ENOT_FOUND
             : FDL_STORE_CALL(st, shop_get, a->program_id, s->store_code, &shop, err);
    if (rc == FDL_ENOT_FOUND)
        return fdl_error_set(err, FDL_EINVALID, "store", "no store \"%s\" is registered",
                             s->store_code);
    if (rc == 0 && *store_partner && strcmp(store_partner, s->partner) != 0)
        return fdl_error_set(err, FDL_EINVALID, "store",
                             "store %s is partner %s's, and this account is %s%s's",
                             s->store_code, store_partner,
                             s->partner[0] ? "partner " : "",
                             s->partner[0] ? s->partner : "the operator");
    return rc;
}

int fdl_svc_staff_update(struct fdl_service *svc, struct fdl_store *st,
                         const struct fdl_actor *a, int64_t id,
                         const struct fdl_staff_change *c, int64_t now_s,
                         struct fdl_staff *out, int64_t *sessions_ended,
                         struct fdl_error *err)
{
    struct fdl_staff was, s;
    int rc = staff_for_change(st, a, id, &was, err);
    if (rc)
        return rc;
    int self = a->staff_id == id;
    if (self && c->disabled == 1)
        return fdl_error_set(err, FDL_ECONFLICT, "disabled",
                             "an admin cannot disable their own account; another "
                             "admin can");
    if (self && c->role && c->role != FDL_ROLE_ADMIN)
        return fdl_error_set(err, FDL_ECONFLICT, "role",
                             "an admin cannot demote their own account; another "
                             "admin can");
    s = was;
    if (c->name)
        snprintf(s.name, sizeof(s.name), "%s", c->name);
    if (c->role)
        s.role = c->role;
    if (c->set_store)
        snprintf(s.store_code, sizeof(s.store_code), "%s", c->store ? c->store : "");
    int moved = s.role != was.role || strcmp(s.store_code, was.store_code) != 0;
    if (moved && (rc = role_store_check(&s, err)) == 0 && s.store_code[0])
        rc = staff_store_check(svc, st, a, &s, now_s, err);
    if (rc)
        return rc;
    if (c->disabled == 1 && !s.disabled_at_s)
        s.disabled_at_s = now_s;
    else if (c->disabled == 0)
        s.disabled_at_s = 0;
    *sessions_ended = 0;
    rc = FDL_STORE_CALL(st, staff_update, &s, err);
    /* Sessions carry the role and store they were opened with. */
    if (rc == 0 && (moved || c->disabled == 1))
        rc = FDL_STORE_CALL(st, sessions_revoke_staff, a->program_id, id, NULL, now_s,
                            sessions_ended, err);
    if (rc == 0)
        *out = s;
    return rc;
}

int fdl_svc_staff_password_set(struct fdl_store *st, const struct fdl_actor *a,
                               int64_t id, const char *password_hash, int64_t now_s,
                               struct fdl_staff *out, int64_t *sessions_ended,
                               struct fdl_error *err)
{
    struct fdl_staff s;
    int rc = staff_for_change(st, a, id, &s, err);
    if (rc)
        return rc;
    snprintf(s.password_hash, sizeof(s.password_hash), "%s", password_hash);
    rc = FDL_STORE_CALL(st, staff_update, &s, err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, sessions_revoke_staff, a->program_id, id, NULL, now_s,
                            sessions_ended, err);
    if (rc == 0)
        *out = s;
    sodium_memzero(s.password_hash, sizeof(s.password_hash));
    return rc;
}

/* ---- the login throttle ---- */

#define LOGIN_PROBES 8 /* slots looked at for one login */

struct login_slot {
    char login[FDL_MAX_SIGN_IN_LEN + 1]; /* "" : free */
    int64_t window_start_s;
    int64_t failures;
};

static pthread_mutex_t login_lock = PTHREAD_MUTEX_INITIALIZER;
static struct login_slot login_slots[FDL_LOGIN_FAILURE_SLOTS];

/* The slot of login; with create, claims a free or the oldest one. Call
 * with login_lock held. */
static struct login_slot *login_slot(const char *login, int64_t now_s, int create)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = login; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    struct login_slot *victim = NULL;
    for (size_t i = 0; i < LOGIN_PROBES; i++) {
        struct login_slot *s = &login_slots[(h + i) % FDL_LOGIN_FAILURE_SLOTS];
        if (s->login[0] && strcmp(s->login, login) == 0)
            return s;
        if (!victim || (victim->login[0] &&
                        (!s->login[0] || s->window_start_s < victim->window_start_s)))
            victim = s;
    }
    if (!create)
        return NULL;
    snprintf(victim->login, sizeof(victim->login), "%s", login);
    victim->window_start_s = now_s;
    victim->failures = 0;
    return victim;
}

static int login_blocked(const char *login, int64_t now_s, int64_t *retry_s)
{
    pthread_mutex_lock(&login_lock);
    struct login_slot *s = login_slot(login, now_s, 0);
    int blocked = s && now_s - s->window_start_s < FDL_LOGIN_FAILURE_WINDOW_S &&
                  s->failures >= FDL_LOGIN_MAX_FAILURES;
    if (blocked)
        *retry_s = s->window_start_s + FDL_LOGIN_FAILURE_WINDOW_S - now_s;
    pthread_mutex_unlock(&login_lock);
    return blocked;
}

static void login_failed(const char *login, int64_t now_s)
{
    pthread_mutex_lock(&login_lock);
    struct login_slot *s = login_slot(login, now_s, 1);
    if (now_s - s->window_start_s >= FDL_LOGIN_FAILURE_WINDOW_S) {
        s->window_start_s = now_s;
        s->failures = 0;
    }
    s->failures++;
    pthread_mutex_unlock(&login_lock);
}

/* A hash no password matches, verified for unknown logins so that they cost
 * what a known one does. */
static char decoy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t decoy_once = PTHREAD_ONCE_INIT;

static void decoy_make(void)
{
    unsigned char random[32];
    randombytes_buf(random, sizeof(random));
    if (crypto_pwhash_str_alg(decoy_hash, (const char *)random, sizeof(random),
                              FDL_PWHASH_ITERATIONS, FDL_PWHASH_MEMORY_BYTES,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        decoy_hash[0] = '\0';
}

int fdl_svc_login_check(struct fdl_store *st, const char *login, const char *password,
                        int64_t now_s, struct fdl_staff *out, struct fdl_error *err)
{
    int64_t retry_s = 0;
    if (login_blocked(login, now_s, &retry_s))
        return fdl_error_set(err, FDL_ETOO_MANY_ATTEMPTS, "password",
                             "too many wrong passwords; retry in %lld seconds",
                             (long long)retry_s);
    struct fdl_staff s;
    int rc = FDL_STORE_CALL(st, staff_by_login, login, &s, err);
    if (rc && rc != FDL_ENOT_FOUND)
        return rc;
    pthread_once(&decoy_once, decoy_make);
    const char *hash = rc == 0 ? s.password_hash : decoy_hash;
    int ok = hash[0] && crypto_pwhash_str_verify(hash, password, strlen(password)) == 0 &&
             rc == 0 && !s.disabled_at_s; /* disabled: as a wrong password */
    if (!ok) {
        login_failed(login, now_s);
        return fdl_error_set(err, FDL_EUNAUTHENTICATED, "password",
                             "wrong login or password");
    }
    *out = s;
    return 0;
}

int fdl_svc_own_password_check(struct fdl_store *st, const struct fdl_actor *a,
                               const char *password, int64_t now_s, struct fdl_staff *out,
                               struct fdl_error *err)
{
    if (!a->role || !a->staff_id)
        return fdl_error_set(err, FDL_EINVALID, "Authorization",
                             "only a staff session (Authorization: Bearer fds_...) has a "
                             "password of its own");
    struct fdl_staff s;
    int rc = FDL_STORE_CALL(st, staff_get, a->program_id, a->staff_id, &s, err);
    if (rc == FDL_ENOT_FOUND)
        return fdl_error_set(err, FDL_EUNAUTHENTICATED, NULL,
                             "the session's account is gone; log in again");
    if (rc)
        return rc;
    int64_t retry_s = 0;
    if (login_blocked(s.login, now_s, &retry_s))
        return fdl_error_set(err, FDL_ETOO_MANY_ATTEMPTS, "current_password",
                             "too many wrong passwords; retry in %lld seconds",
                             (long long)retry_s);
    if (crypto_pwhash_str_verify(s.password_hash, password, strlen(password)) != 0) {
        login_failed(s.login, now_s);
        sodium_memzero(s.password_hash, sizeof(s.password_hash));
        return fdl_error_set(err, FDL_EUNAUTHENTICATED, "current_password",
                             "wrong password");
    }
    *out = s;
    sodium_memzero(s.password_hash, sizeof(s.password_hash));
    return 0;
}

/* ---- sessions ---- */

static void token_hash(const char *token, unsigned char out[FDL_SESSION_HASH_BYTES])
{
    crypto_generichash(out, FDL_SESSION_HASH_BYTES, (const unsigned char *)token,
                       strlen(token), NULL, 0);
}

int fdl_session_token_like(const char *text)
{
    return text && strncmp(text, FDL_SESSION_TOKEN_PREFIX, 4) == 0;
}

int fdl_svc_session_open(struct fdl_store *st, const struct fdl_staff *s, int64_t now_s,
                         char token[FDL_SESSION_TOKEN_LEN + 1], int64_t *expires_at_s,
                         struct fdl_error *err)
{
    unsigned char random[32];
    randombytes_buf(random, sizeof(random));
    memcpy(token, FDL_SESSION_TOKEN_PREFIX, 4);
    sodium_bin2base64(token + 4, FDL_SESSION_TOKEN_LEN + 1 - 4, random, sizeof(random),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(random, sizeof(random));
    struct fdl_session x;
    memset(&x, 0, sizeof(x));
    token_hash(token, x.hash);
    x.program_id = s->program_id;
    x.staff_id = s->id;
    x.created_at_s = now_s;
    x.expires_at_s = now_s + FDL_SESSION_LIFETIME_S;
    int rc = FDL_STORE_CALL(st, session_insert, &x, err);
    if (rc == 0)
        *expires_at_s = x.expires_at_s;
    return rc;
}

int fdl_svc_session_verify(struct fdl_store *st, const char *token, int64_t now_s,
                           struct fdl_actor *actor, struct fdl_error *err)
{
    if (!fdl_session_token_like(token) || strlen(token) != FDL_SESSION_TOKEN_LEN)
        return fdl_error_set(err, FDL_EUNAUTHENTICATED, NULL, "not a valid session");
    unsigned char hash[FDL_SESSION_HASH_BYTES];
    token_hash(token, hash);
    struct fdl_session x;
    struct fdl_staff s;
    int rc = FDL_STORE_CALL(st, session_get, hash, &x, err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, staff_get, x.program_id, x.staff_id, &s, err);
    if (rc == 0 && (x.revoked_at_s || now_s >= x.expires_at_s || s.disabled_at_s))
        rc = FDL_ENOT_FOUND;
    if (rc == FDL_ENOT_FOUND)
        return fdl_error_set(err, FDL_EUNAUTHENTICATED, NULL,
                             "the session is unknown, expired or ended; log in again");
    if (rc)
        return rc;
    actor->program_id = s.program_id;
    actor->scopes = role_scopes(s.role);
    snprintf(actor->name, sizeof(actor->name), "staff:%s", s.login);
    actor->role = s.role;
    actor->staff_id = s.id;
    snprintf(actor->store, sizeof(actor->store), "%s", s.store_code);
    snprintf(actor->partner, sizeof(actor->partner), "%s", s.partner);
    return 0;
}

int fdl_svc_session_revoke(struct fdl_store *st, const char *token, int64_t now_s,
                           struct fdl_error *err)
{
    unsigned char hash[FDL_SESSION_HASH_BYTES];
    token_hash(token, hash);
    return FDL_STORE_CALL(st, session_revoke, hash, now_s, err);
}

int fdl_svc_own_password_set(struct fdl_store *st, const struct fdl_actor *a,
                             const char *verified_hash, const char *new_hash,
                             const char *keep_token, int64_t now_s,
                             int64_t *sessions_ended, struct fdl_error *err)
{
    struct fdl_staff s;
    int rc = FDL_STORE_CALL(st, staff_get, a->program_id, a->staff_id, &s, err);
    /* Checked on a read connection; the writer makes sure it still holds. */
    if (rc == 0 && (strcmp(s.password_hash, verified_hash) != 0 || s.disabled_at_s))
        rc = FDL_ENOT_FOUND;
    if (rc == FDL_ENOT_FOUND)
        rc = fdl_error_set(err, FDL_EUNAUTHENTICATED, "current_password",
                           "the password or the account changed meanwhile; log in again");
    unsigned char keep[FDL_SESSION_HASH_BYTES];
    token_hash(keep_token, keep);
    if (rc == 0) {
        snprintf(s.password_hash, sizeof(s.password_hash), "%s", new_hash);
        rc = FDL_STORE_CALL(st, staff_update, &s, err);
    }
    if (rc == 0)
        rc = FDL_STORE_CALL(st, sessions_revoke_staff, a->program_id, a->staff_id, keep,
                            now_s, sessions_ended, err);
    sodium_memzero(s.password_hash, sizeof(s.password_hash));
    return rc;
}

/* ---- the report ---- */

unsigned fdl_staff_activity_flags(const struct fdl_staff_activity *row)
{
    unsigned flags = 0;
    if (row->own_card_purchases > 0)
        flags |= FDL_UNUSUAL_OWN_CARD;
    if (row->staff_card_purchases - row->own_card_purchases >=
        FDL_UNUSUAL_STAFF_CARD_PURCHASES)
        flags |= FDL_UNUSUAL_STAFF_CARD;
    if (row->adjustment_points_added >= FDL_UNUSUAL_ADJUSTMENT_POINTS)
        flags |= FDL_UNUSUAL_ADJUSTMENT;
    return flags;
}

int fdl_svc_staff_activity(struct fdl_store *st, const struct fdl_actor *a,
                           int64_t from_s, int64_t to_s, struct fdl_staff_activity *out,
                           int max, int *count, struct fdl_error *err)
{
    if (to_s <= from_s)
        return fdl_error_set(err, FDL_ERANGE, "to", "must be after from");
    const char *store = a->role == FDL_ROLE_MANAGER ? a->store : NULL;
    return FDL_STORE_CALL(st, staff_activity, a->program_id, a->partner, store, from_s,
                          to_s, out, max, count, err);
}
