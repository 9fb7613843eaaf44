/*
 * staff.h - stores, staff accounts, sessions, the audit log and the report
 * of unusual staff activity: the use cases behind /v1/stores, /v1/staff,
 * /v1/sessions, /v1/audit-log and /v1/reports/staff-activity.
 *
 * Passwords are hashed with Argon2id (libsodium's crypto_pwhash_str_alg,
 * FDL_PWHASH_MEMORY_BYTES and FDL_PWHASH_ITERATIONS); only the resulting
 * string is stored. Session tokens read "fds_<43 base64url characters>"
 * (32 random bytes); only their BLAKE2b hash is stored. Hashing and
 * verifying a password cost tens of milliseconds and megabytes, so callers
 * do them on the request's thread, never inside the writer.
 */
#ifndef FDL_SERVICE_STAFF_H
#define FDL_SERVICE_STAFF_H

#include "service/service.h"
#include "store/store.h"

#define FDL_SESSION_TOKEN_PREFIX "fds_"
#define FDL_SESSION_TOKEN_LEN    (4 + 43) /* prefix and 32 bytes in base64url */

/* "cashier", "manager", "admin", "auditor" for one FDL_ROLE_*; "" otherwise. */
const char *fdl_role_name(unsigned role);
/* The FDL_ROLE_* named by text, or 0. */
unsigned fdl_role_parse(const char *text);

/*
 * Checks a password against the policy (FDL_MIN_PASSWORD_LEN to
 * FDL_MAX_PASSWORD_LEN bytes, not all one character, not the login) and
 * hashes it into out. FDL_EINVALID / FDL_ERANGE naming "password", or
 * FDL_ENOMEM when the memory for hashing cannot be had.
 */
int fdl_password_hash(const char *password, const char *login,
                      char out[FDL_PASSWORD_HASH_MAX + 1], struct fdl_error *err);

/*
 * Creates a store of a's program (admin). code: 1 to FDL_MAX_ID_LEN bytes of
 * A-Z, a-z, 0-9, '.', '_', '-'; name required; time_zone must load (IANA);
 * address optional. A taken code is FDL_EDUPLICATE naming "code". Inside a
 * write transaction. With create 0, updates the store named shop->code
 * (FDL_ENOT_FOUND if none) and keeps its creation time. A partner's caller
 * registers only codes the program file lists under its partner (another is
 * FDL_EINVALID naming "code") and changes only those (another is
 * FDL_ENOT_FOUND, as a store that does not exist).
 */
int fdl_svc_shop_put(struct fdl_service *svc, struct fdl_store *st,
                     const struct fdl_actor *a, int create, struct fdl_shop *shop,
                     int64_t now_s, struct fdl_error *err);

/*
 * A page of a's program's stores with codes after `after`, in code order
 * (at most limit read): to a partner's caller only its partner's. next is
 * the code to continue after, "" when the page was the last.
 */
int fdl_svc_shops_list(struct fdl_service *svc, struct fdl_store *st,
                       const struct fdl_actor *a, const char *after, int limit,
                       struct fdl_shop *out, int *count, char next[FDL_MAX_ID_LEN + 1],
                       struct fdl_error *err);

/*
 * Creates a staff account in a's program. s carries login (FDL_MIN_LOGIN_LEN
 * to FDL_MAX_LOGIN_LEN of a-z, 0-9, '.', '_', '-'), name, role, store_code
 * (required for cashiers and managers and a registered store; refused for
 * admins and auditors), member_id (0 or an existing member: their own card)
 * and password_hash (from fdl_password_hash). Sets s->id and created_at_s.
 * The account's partner (s->partner) is its store's partner in the program
 * file in force, else `partner` (NULL: the caller's own; checked by
 * fdl_svc_partner_for_new); a store of another partner than the one named
 * is FDL_EINVALID naming "partner", and to a partner's caller another
 * partner's store is an unknown one. s->login becomes the sign-in name:
 * the login, "@<partner>" for a partner's account and "/<program>" outside
 * program 1 ("ana", "ana@bakery", "owner/2"); FDL_ERANGE naming "login" if
 * that is longer than FDL_MAX_SIGN_IN_LEN. A sign-in name taken is
 * FDL_EDUPLICATE, which so tells only of the caller's own tenant. Inside a
 * write transaction.
 */
int fdl_svc_staff_create(struct fdl_service *svc, struct fdl_store *st,
                         const struct fdl_actor *a, const char *partner,
                         struct fdl_staff *s, int64_t now_s, struct fdl_error *err);

/* Links staff account id to member_id (0: unlinks); the member must exist.
 * Another partner's account is FDL_ENOT_FOUND to a partner's caller. */
int fdl_svc_staff_link(struct fdl_store *st, const struct fdl_actor *a, int64_t id,
                       int64_t member_id, struct fdl_staff *out, struct fdl_error *err);

/* -- staff lifecycle -- */

/* What one PATCH /v1/staff/{id} changes; a field left at its "unchanged"
 * value keeps the account's. */
struct fdl_staff_change {
    const char *name;  /* NULL: unchanged */
    unsigned role;     /* an FDL_ROLE_*; 0: unchanged */
    int set_store;     /* 1: the store becomes `store` ("" or NULL: none) */
    const char *store; /* read when set_store */
    int disabled;      /* 1 disable, 0 enable, -1 unchanged */
};

/*
 * Changes staff account id of a's program (admins only; a manager is
 * FDL_EFORBIDDEN): its name, role, store and whether it is disabled. The
 * resulting role and store are checked as fdl_svc_staff_create checks
 * them (FDL_EINVALID / FDL_EMISSING_FIELD naming "store"), and a store of
 * another partner than the account's is FDL_EINVALID naming "store". To a
 * partner's caller another partner's account is FDL_ENOT_FOUND naming
 * "staff_id" and another partner's store an unknown one. An admin
 * disabling or demoting their own account is FDL_ECONFLICT naming
 * "disabled" or "role", so a program does not lose its last admin by
 * accident. Disabling (disabled_at_s = now_s, kept if already disabled),
 * or changing the role or the store, ends every session of the account
 * (*sessions_ended says how many); enabling clears disabled_at_s. On
 * success *out is the account as stored. Inside a write transaction;
 * nothing is changed on failure.
 */
int fdl_svc_staff_update(struct fdl_service *svc, struct fdl_store *st,
                         const struct fdl_actor *a, int64_t id,
                         const struct fdl_staff_change *c, int64_t now_s,
                         struct fdl_staff *out, int64_t *sessions_ended,
                         struct fdl_error *err);

/*
 * Sets the password of staff account id of a's program to password_hash
 * (from fdl_password_hash, made on the request's thread) and ends every
 * session of the account (*sessions_ended). Admins only, and to a
 * partner's caller another partner's account is FDL_ENOT_FOUND naming
 * "staff_id". Inside a write transaction.
 */
int fdl_svc_staff_password_set(struct fdl_store *st, const struct fdl_actor *a,
                               int64_t id, const char *password_hash, int64_t now_s,
                               struct fdl_staff *out, int64_t *sessions_ended,
                               struct fdl_error *err);

/*
 * Checks the password of a's own staff account (a staff session; a key is
 * FDL_EINVALID naming "Authorization") on a read connection, with the
 * login throttle of fdl_svc_login_check: a wrong password is
 * FDL_EUNAUTHENTICATED naming "current_password" and counts towards it, and
 * a throttled login is FDL_ETOO_MANY_ATTEMPTS. On success *out is the
 * account, with the hash that was verified (for fdl_svc_own_password_set).
 */
int fdl_svc_own_password_check(struct fdl_store *st, const struct fdl_actor *a,
                               const char *password, int64_t now_s, struct fdl_staff *out,
                               struct fdl_error *err);

/*
 * Replaces the password of a's own account: verified_hash is the hash
 * fdl_svc_own_password_check verified, new_hash the new one. If the stored
 * hash is no longer verified_hash (changed meanwhile) or the account was
 * disabled meanwhile, FDL_EUNAUTHENTICATED naming "current_password".
 * Ends every other session of the account, keeping the one of keep_token
 * (*sessions_ended says how many ended). Inside a write transaction.
 */
int fdl_svc_own_password_set(struct fdl_store *st, const struct fdl_actor *a,
                             const char *verified_hash, const char *new_hash,
                             const char *keep_token, int64_t now_s,
                             int64_t *sessions_ended, struct fdl_error *err);

/*
 * Checks a login and password (on a read connection). A wrong login or
 * password, or a disabled account, is FDL_EUNAUTHENTICATED, never saying
 * which, and costs as much as a right one; after FDL_LOGIN_MAX_FAILURES wrong passwords
 * for one login within FDL_LOGIN_FAILURE_WINDOW_S, every attempt for it is
 * FDL_ETOO_MANY_ATTEMPTS until the window ends (counted per process).
 */
int fdl_svc_login_check(struct fdl_store *st, const char *login, const char *password,
                        int64_t now_s, struct fdl_staff *out, struct fdl_error *err);

/*
 * Opens a session for staff s at now_s, lasting FDL_SESSION_LIFETIME_S, and
 * writes its token to token (shown once; only its hash is stored). Inside a
 * write transaction.
 */
int fdl_svc_session_open(struct fdl_store *st, const struct fdl_staff *s, int64_t now_s,
                         char token[FDL_SESSION_TOKEN_LEN + 1], int64_t *expires_at_s,
                         struct fdl_error *err);

/* 1 if text looks like a session token (by its prefix). */
int fdl_session_token_like(const char *text);

/*
 * Authenticates a session token at now_s: known, not revoked, not expired,
 * and its staff account present and not disabled. Fills actor (program, scopes of the
 * role, name "staff:<login>", role, staff id, store) and *staff; otherwise
 * FDL_EUNAUTHENTICATED.
 */
int fdl_svc_session_verify(struct fdl_store *st, const char *token, int64_t now_s,
                           struct fdl_actor *actor, struct fdl_error *err);

/* Revokes the session of token (a's own). Inside a write transaction. */
int fdl_svc_session_revoke(struct fdl_store *st, const char *token, int64_t now_s,
                           struct fdl_error *err);

/* Why a staff account's activity is unusual (bits; 0: nothing unusual). */
#define FDL_UNUSUAL_OWN_CARD 1u /* a purchase they rang up earned on their own card */
#define FDL_UNUSUAL_STAFF_CARD                                                           \
    2u /* FDL_UNUSUAL_STAFF_CARD_PURCHASES or more on staff cards */
#define FDL_UNUSUAL_ADJUSTMENT                                                           \
    4u /* manual additions of FDL_UNUSUAL_ADJUSTMENT_POINTS or more */

/* The FDL_UNUSUAL_* bits of one row of the report (pure). */
unsigned fdl_staff_activity_flags(const struct fdl_staff_activity *row);

/*
 * The staff-activity report of a's program for [from_s, to_s): admins and
 * auditors see every account, a store manager only their store's.
 */
int fdl_svc_staff_activity(struct fdl_store *st, const struct fdl_actor *a,
                           int64_t from_s, int64_t to_s, struct fdl_staff_activity *out,
                           int max, int *count, struct fdl_error *err);

#endif
