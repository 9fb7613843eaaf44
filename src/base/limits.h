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

/* Strings */
#define FDL_MAX_ID_LEN              64 /* pos transaction ids, skus, store codes */
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

/* Migrate (fidelis migrate) */
#define FDL_MIGRATE_BATCH_ROWS  256 /* rows of one table read and inserted at once */
#define FDL_MIGRATE_MAX_TABLES  128 /* tables in one schema */
#define FDL_MIGRATE_MAX_COLUMNS 64  /* columns of one table */

/* Card numbers: see src/engine/card.h */
#define FDL_CARD_DIGITS 19

#endif
