/*
 * limits.h - every limit Fidelis enforces, in one place.
 *
 * Each limit has a name, a default and (where a flag can change it) a hard
 * cap. Tests exercise each at the limit and one past it. Units are last in
 * the names.
 */
#ifndef FDL_LIMITS_H
#define FDL_LIMITS_H

/* HTTP */
#define FDL_MAX_BODY_BYTES         (64 * 1024) /* request body of purchases and refunds */
#define FDL_MAX_SMALL_BODY_BYTES   (8 * 1024)  /* bodies of routes with no lists */
#define FDL_MAX_PROGRAM_BODY_BYTES (512 * 1024) /* a program file, escaped in JSON */
#define FDL_MAX_JSON_DEPTH         8            /* nesting of arrays and objects */
#define FDL_MAX_CONNECTIONS        512
#define FDL_DEFAULT_PORT           8080
#define FDL_CONNECTION_TIMEOUT_S   30

/* Purchases */
#define FDL_MAX_BASKET_LINES     200
#define FDL_MAX_LINE_QUANTITY    100000
#define FDL_MAX_UNIT_PRICE_MINOR 100000000LL  /* 1,000,000.00 */
#define FDL_MAX_POINTS           1000000000LL /* one movement */
#define FDL_MAX_FUTURE_SKEW_S    (24 * 3600)  /* till clock ahead of ours */

/* Lots: a write loads a member's lots in batches, in the order the ledger
 * takes them, the first of FDL_LOTS_LOAD_BATCH, each next one twice as
 * large up to FDL_MAX_LOTS_LOAD_BATCH (see docs/architecture.md). */
#define FDL_LOTS_LOAD_BATCH     16
#define FDL_MAX_LOTS_LOAD_BATCH 256

/* Strings */
#define FDL_MAX_ID_LEN              64 /* pos transaction ids, skus, store codes */
#define FDL_PARTNER_ID_MAX          32 /* a coalition partner's id (program file) */
#define FDL_MAX_NAME_LEN            200
#define FDL_MAX_EMAIL_LEN           254
#define FDL_MAX_PHONE_LEN           32
#define FDL_MAX_REASON_LEN          500
#define FDL_MAX_IDEMPOTENCY_KEY_LEN 128
/* How long a write's answer is kept for replay: a retry within this time
 * gets the first answer; after it, the natural key (txn_id, refund_id)
 * still refuses a second effect, as a conflict instead of a replay. */
#define FDL_IDEMPOTENCY_RETENTION_S (7 * 24 * 3600)
#define FDL_IDEMPOTENCY_PRUNE_BATCH 5000 /* records one expiry batch deletes */
#define FDL_MAX_SEARCH_WORDS        4

/* Pagination */
#define FDL_DEFAULT_PAGE_SIZE 20
#define FDL_MAX_PAGE_SIZE     100

/* Writer (group commit) */
#define FDL_MAX_BATCH_JOBS  256 /* jobs sharing one durable commit */
#define FDL_MAX_QUEUED_JOBS 4096

/* Currencies (rates and their arithmetic: src/engine/currency.h): a basket
 * converted from another currency, in program minor units; the currencies
 * GET /v1/currencies lists (ISO 4217 has fewer). */
#define FDL_MAX_CONVERTED_TOTAL_MINOR 10000000000000LL
#define FDL_MAX_CURRENCIES_LISTED     200
/* Stores, staff and the audit log */
#define FDL_MAX_TIME_ZONE_LEN 64 /* an IANA name ("Europe/Madrid") */
#define FDL_MAX_ADDRESS_LEN   300
#define FDL_MIN_LOGIN_LEN     3 /* staff logins: a-z, 0-9, '.', '_', '-' */
#define FDL_MAX_LOGIN_LEN     32
/* A sign-in name: the login qualified by its partner and program
 * ("ana@bakery/2"); "staff:" and it name the actor in FDL_MAX_ID_LEN. */
#define FDL_MAX_SIGN_IN_LEN   (FDL_MAX_ID_LEN - 6)
#define FDL_MIN_PASSWORD_LEN  12  /* bytes; OWASP's minimum for passwords alone */
#define FDL_MAX_PASSWORD_LEN  128 /* bytes; bounds the hashing work per request */
#define FDL_MAX_ROLE_NAME_LEN 16  /* bytes of a role's name in a request ("cashier") */
#define FDL_PASSWORD_HASH_MAX 128 /* crypto_pwhash_STRBYTES */
/* Argon2id with OWASP's parameters: 19 MiB of memory, 2 iterations. */
#define FDL_PWHASH_MEMORY_BYTES           (19u * 1024u * 1024u)
#define FDL_PWHASH_ITERATIONS             2u
#define FDL_SESSION_LIFETIME_S            (12 * 3600) /* a shift and a half; then log in again */
#define FDL_LOGIN_MAX_FAILURES            5 /* wrong passwords per login per window */
#define FDL_LOGIN_FAILURE_WINDOW_S        300
#define FDL_LOGIN_FAILURE_SLOTS           1024 /* logins tracked at once (per process) */
#define FDL_MANAGER_MAX_ADJUSTMENT_POINTS 500  /* |points| a store manager may adjust */
#define FDL_MAX_CLIENT_IP_LEN             45   /* an IPv6 address in text */
#define FDL_MAX_AUDIT_PATH_LEN            200  /* bytes of a request path kept */
#define FDL_MAX_STAFF_LISTED              500  /* rows of a staff-activity report */
/* A cashier is flagged when, in the period, a purchase they rang up earned
 * on their own card, or this many earned on other staff's cards, or their
 * manual additions reach this many points. */
#define FDL_UNUSUAL_STAFF_CARD_PURCHASES 3
#define FDL_UNUSUAL_ADJUSTMENT_POINTS    500
/* Migrate (fidelis migrate) */
#define FDL_MIGRATE_BATCH_ROWS  256 /* rows of one table read and inserted at once */
#define FDL_MIGRATE_MAX_TABLES  128 /* tables in one schema */
#define FDL_MIGRATE_MAX_COLUMNS 64  /* columns of one table */

/* Card numbers: see src/engine/card.h */
#define FDL_CARD_DIGITS 19

#endif
