/*
 * store_staff.h - the rows of stores, staff accounts, their sessions and
 * the audit log, as the store ops of store.h read and write them.
 *
 * A shop of the program (a "store" in the API; called shop in C, since
 * store is the persistence layer) has a code, a name, an IANA time zone
 * and an address. A staff account belongs to one program, logs in with a
 * login unique in the whole installation, holds one role and, for cashiers
 * and managers, one shop; its password is kept only as an Argon2id string.
 * A disabled account (disabled_at_s set) keeps its row, cannot log in and
 * has no live session. A session is kept only as a hash of its token.
 * Every committed write
 * leaves one audit row saying who did it, as what, where and from which
 * address.
 */
#ifndef FDL_STORE_STAFF_H
#define FDL_STORE_STAFF_H

#include "base/limits.h"

#include <stdint.h>

/* Roles of a staff account (one each); route tables hold sets of them. */
#define FDL_ROLE_CASHIER 1u
#define FDL_ROLE_MANAGER 2u
#define FDL_ROLE_ADMIN   4u
#define FDL_ROLE_AUDITOR 8u
#define FDL_ROLE_ALL                                                                     \
    (FDL_ROLE_CASHIER | FDL_ROLE_MANAGER | FDL_ROLE_ADMIN | FDL_ROLE_AUDITOR)

#define FDL_SESSION_HASH_BYTES 32

struct fdl_shop {
    int64_t program_id;
    char code[FDL_MAX_ID_LEN + 1];
    char name[FDL_MAX_NAME_LEN + 1];
    char time_zone[FDL_MAX_TIME_ZONE_LEN + 1];
    char address[FDL_MAX_ADDRESS_LEN + 1];
    int64_t created_at_s, updated_at_s;
};

struct fdl_staff {
    int64_t id;
    int64_t program_id;
    char login[FDL_MAX_SIGN_IN_LEN + 1]; /* the sign-in name (service/staff.h) */
    char name[FDL_MAX_NAME_LEN + 1];
    unsigned role;                       /* one FDL_ROLE_* */
    char store_code[FDL_MAX_ID_LEN + 1]; /* cashiers and managers; else "" */
    int64_t member_id;                   /* their own loyalty card's member; 0: none */
    char password_hash[FDL_PASSWORD_HASH_MAX + 1]; /* crypto_pwhash_str */
    int64_t created_at_s;
    char partner[FDL_PARTNER_ID_MAX + 1]; /* the coalition partner; "" the operator's */
    int64_t disabled_at_s;                /* when an admin disabled it; 0 while enabled */
};

struct fdl_session {
    unsigned char hash[FDL_SESSION_HASH_BYTES]; /* BLAKE2b of the token */
    int64_t program_id;
    int64_t staff_id;
    int64_t created_at_s, expires_at_s;
    int64_t revoked_at_s; /* 0 while live */
};

struct fdl_audit_row {
    int64_t id;
    int64_t program_id;
    int64_t at_s;
    char actor[FDL_MAX_ID_LEN + 1]; /* "key:<id>" or "staff:<login>" */
    char role[16];                  /* "cashier" ... or "pos", "admin" for keys */
    char store_code[FDL_MAX_ID_LEN + 1];
    char client_ip[FDL_MAX_CLIENT_IP_LEN + 1];
    char route[64]; /* the route's name ("purchase_create") */
    char method[8];
    char path[FDL_MAX_AUDIT_PATH_LEN + 1];
    char ref[FDL_MAX_IDEMPOTENCY_KEY_LEN + FDL_PARTNER_ID_MAX +
             16]; /* the write's idempotency key */
    int status;
    char partner[FDL_PARTNER_ID_MAX + 1]; /* the actor's partner; "" the operator */
};

/* Which audit rows to read; NULL / 0 fields do not filter. */
struct fdl_audit_filter {
    const char *actor, *route;
    int64_t from_s, to_s; /* [from, to); to 0: no end */
    int64_t before_id;    /* 0: from the newest */
    const char *partner;  /* rows of this partner's actors only */
};

/* One staff account's activity over a period (GET /v1/reports/staff-activity). */
struct fdl_staff_activity {
    struct fdl_staff staff;       /* without password_hash */
    int64_t purchases;            /* purchases they rang up */
    int64_t staff_card_purchases; /* ... that earned on any staff-linked card */
    int64_t staff_card_points;
    int64_t own_card_purchases; /* ... that earned on their own card */
    int64_t own_card_points;
    int64_t adjustments; /* manual adjustments they made */
    int64_t adjustment_points_added;
    int64_t refunds; /* refunds they made */
};

#endif
