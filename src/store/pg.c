/*
 * pg.c - the PostgreSQL backend of store.h (libpq).
 *
 * Laid out like sqlite.c, op by op, so the two can be read side by side.
 * One struct pg_store per connection, and one connection per thread. Every
 * SQL statement is a row of stmt_sql[], prepared once per connection on
 * first use (PQprepare, named "s<N>") and run with PQexecPrepared: integer
 * and text parameters travel as text, byte strings as binary.
 *
 * Invariants (those of sqlite.c, and):
 *  - The schema changes only in pg_migrate(), by numbered migrations
 *    recorded in meta 'schema_version', under an advisory lock so that two
 *    processes migrating at once apply each migration once.
 *  - Every hot table's primary key starts (program_id, member_id) (members:
 *    (program_id, id)), so each can be distributed by member on Citus. Ids
 *    come from identity columns, so an id is never handed out twice.
 *  - Text that is compared or ordered is COLLATE "C": bytewise, as SQLite's
 *    BINARY, so searches and listings come out the same on both backends.
 *  - Write transactions are READ COMMITTED; a write transaction that loads
 *    a member's state to change it (member_get, lots_load) first locks the
 *    member's row (FOR NO KEY UPDATE), so two processes on one database
 *    change one member one after the other and no point is spent twice.
 *    Read transactions are REPEATABLE READ: one snapshot, as in SQLite.
 *  - An op that writes several rows runs under its own savepoint; a single
 *    statement whose unique clash is expected (a card number, an email) runs
 *    under one too, since PostgreSQL, unlike SQLite, aborts the whole
 *    transaction on a failed statement.
 *
 * Porting an op from sqlite.c: add its PostgreSQL DDL as the next migration
 * (same number as on SQLite: schema_vN or schema_<feature>, placed in
 * migrations[] in the same order; key hot tables by (program_id,
 * member_id), text that is compared COLLATE "C", BYTEA for blobs, identity
 * ids read back with RETURNING), its statements as STMT_ rows here or as
 * struct pg_sql in a file of its own (pg_internal.h), a pg_X function that
 * mirrors sqlite_X (pg_params in order, run/run_row/run_insert/run_update,
 * the same FDL_E* codes; pg_unique_key rows naming the constraint for each
 * clash the caller may handle), and its row in fdl_store_pg. If the op
 * reads state a write will be decided on, lock it in a write transaction
 * as pg_member_get does.
 */
#include "store/pg_coupons.h"
#include "store/pg_currency.h"
#include "store/pg_coalition.h"
#include "store/pg_internal.h"
#include "store/pg_rewards.h"
#include "store/pg_stamps.h"
#include "store/pg_referrals.h"
#include "store/pg_staff.h"
#include "store/pg_stored_value.h"
#include "store/store.h"

#include <assert.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG_LOCK_TIMEOUT_MS  10000 /* as SQLITE_BUSY_TIMEOUT_MS: then FDL_EBUSY */
#define PG_MIGRATE_LOCK     7301  /* advisory lock key held while migrating */
#define PG_STMT_NAME_MAX    16    /* "s127", "f255" */
#define SEARCH_WORD_MAX     (FDL_MAX_NAME_LEN * 2 + 1)
#define UTF8_MAX_CODE_POINT 0x10FFFF
#define PG_CONNINFO_OPTIONS "-c lock_timeout=10000 -c client_min_messages=warning"

_Static_assert(FDL_ACCOUNT_MEMBER == 1 && FDL_ACCOUNT_ISSUED == 2 &&
                   FDL_ACCOUNT_REDEEMED == 3 && FDL_ACCOUNT_EXPIRED == 4 &&
                   FDL_ACCOUNT_ADJUSTED == 5,
               "account numbers are written into the SQL");

/* ---- schema ---- */

/* Bytewise text, as SQLite compares it. */
#define CTEXT "TEXT COLLATE \"C\""

static const char meta_table_sql[] =
    "CREATE TABLE IF NOT EXISTS meta (key " CTEXT " PRIMARY KEY, value TEXT NOT NULL)";

/*
 * Version 1: sqlite.c's schema_v1. Hot tables (keyed by member): members,
 * member_names, purchases, purchase_lines, refunds, lots, entries, postings,
 * lot_moves; purchase_lines carries (program_id, member_id) here so that it
 * too can be distributed by member. Foreign keys include the member.
 */
static const char schema_v1[] =
    "CREATE TABLE programs (\n"
    "    id BIGINT PRIMARY KEY,\n"
    "    settings TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE api_keys (\n"
    "    id " CTEXT " PRIMARY KEY,\n"
    "    program_id BIGINT NOT NULL,\n"
    "    name TEXT NOT NULL,\n"
    "    scopes BIGINT NOT NULL,\n"
    "    hash BYTEA NOT NULL,\n"
    "    created_at BIGINT NOT NULL,\n"
    "    revoked BIGINT NOT NULL DEFAULT 0\n"
    ");\n"
    "CREATE TABLE idempotency (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    key " CTEXT " NOT NULL,\n"
    "    request_hash BYTEA NOT NULL,\n"
    "    status BIGINT NOT NULL,\n"
    "    body TEXT,\n"
    "    created_at BIGINT NOT NULL,\n"
    "    CONSTRAINT idempotency_key PRIMARY KEY (program_id, key)\n"
    ");\n"
    "CREATE TABLE members (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    id BIGINT GENERATED ALWAYS AS IDENTITY,\n"
    "    name TEXT NOT NULL,\n"
    "    name_key " CTEXT " NOT NULL,\n"
    "    email " CTEXT " NOT NULL DEFAULT '',\n"
    "    phone " CTEXT " NOT NULL DEFAULT '',\n"
    "    birthday BIGINT,\n"
    "    marketing_consent BIGINT NOT NULL DEFAULT 0,\n"
    "    home_store TEXT NOT NULL DEFAULT '',\n"
    "    balance BIGINT NOT NULL DEFAULT 0,\n"
    "    created_at BIGINT NOT NULL,\n"
    "    PRIMARY KEY (program_id, id)\n"
    ");\n"
    "CREATE UNIQUE INDEX members_email ON members (program_id, email) WHERE email <> "
    "'';\n"
    "CREATE UNIQUE INDEX members_phone ON members (program_id, phone) WHERE phone <> "
    "'';\n"
    "CREATE TABLE member_names (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    token " CTEXT " NOT NULL,\n"
    "    member_id BIGINT NOT NULL,\n"
    "    PRIMARY KEY (program_id, token, member_id),\n"
    "    FOREIGN KEY (program_id, member_id) REFERENCES members (program_id, id)\n"
    ");\n"
    "CREATE INDEX member_names_member ON member_names (program_id, member_id, token);\n"
    "CREATE TABLE cards (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    number " CTEXT " NOT NULL,\n"
    "    member_id BIGINT NOT NULL,\n"
    "    status BIGINT NOT NULL,\n"
    "    issued_at BIGINT NOT NULL,\n"
    "    blocked_at BIGINT,\n"
    "    block_reason TEXT NOT NULL DEFAULT '',\n"
    "    replaced_by " CTEXT " NOT NULL DEFAULT '',\n"
    "    CONSTRAINT cards_number PRIMARY KEY (program_id, number),\n"
    "    FOREIGN KEY (program_id, member_id) REFERENCES members (program_id, id)\n"
    ");\n"
    "CREATE INDEX cards_member ON cards (program_id, member_id);\n"
    "CREATE TABLE purchases (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    member_id BIGINT NOT NULL,\n"
    "    id BIGINT GENERATED ALWAYS AS IDENTITY,\n"
    "    txn_id " CTEXT " NOT NULL,\n"
    "    store_code TEXT NOT NULL DEFAULT '',\n"
    "    channel TEXT NOT NULL DEFAULT '',\n"
    "    currency TEXT NOT NULL,\n"
    "    occurred_at BIGINT NOT NULL,\n"
    "    recorded_at BIGINT NOT NULL,\n"
    "    total_minor BIGINT NOT NULL,\n"
    "    discount_minor BIGINT NOT NULL,\n"
    "    points_earned BIGINT NOT NULL,\n"
    "    points_redeemed BIGINT NOT NULL,\n"
    "    refunded_minor BIGINT NOT NULL DEFAULT 0,\n"
    "    points_clawed BIGINT NOT NULL DEFAULT 0,\n"
    "    points_restored BIGINT NOT NULL DEFAULT 0,\n"
    "    redeem_entry_id BIGINT,\n"
    "    line_count BIGINT NOT NULL,\n"
    "    PRIMARY KEY (program_id, member_id, id),\n"
    "    CONSTRAINT purchases_txn UNIQUE (program_id, txn_id),\n"
    "    FOREIGN KEY (program_id, member_id) REFERENCES members (program_id, id)\n"
    ");\n"
    "CREATE TABLE purchase_lines (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    member_id BIGINT NOT NULL,\n"
    "    purchase_id BIGINT NOT NULL,\n"
    "    line_no BIGINT NOT NULL,\n"
    "    sku TEXT NOT NULL,\n"
    "    category TEXT NOT NULL DEFAULT '',\n"
    "    quantity BIGINT NOT NULL,\n"
    "    unit_price_minor BIGINT NOT NULL,\n"
    "    amount_minor BIGINT NOT NULL,\n"
    "    points BIGINT NOT NULL,\n"
    "    redeemed_points BIGINT NOT NULL,\n"
    "    refunded_quantity BIGINT NOT NULL DEFAULT 0,\n"
    "    clawed_points BIGINT NOT NULL DEFAULT 0,\n"
    "    restored_points BIGINT NOT NULL DEFAULT 0,\n"
    "    PRIMARY KEY (program_id, member_id, purchase_id, line_no),\n"
    "    FOREIGN KEY (program_id, member_id, purchase_id)\n"
    "        REFERENCES purchases (program_id, member_id, id)\n"
    ");\n"
    "CREATE TABLE refunds (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    member_id BIGINT NOT NULL,\n"
    "    id BIGINT GENERATED ALWAYS AS IDENTITY,\n"
    "    purchase_id BIGINT NOT NULL,\n"
    "    refund_id " CTEXT " NOT NULL,\n"
    "    amount_minor BIGINT NOT NULL,\n"
    "    points_clawed BIGINT NOT NULL,\n"
    "    points_restored BIGINT NOT NULL,\n"
    "    created_at BIGINT NOT NULL,\n"
    "    PRIMARY KEY (program_id, member_id, id),\n"
    "    CONSTRAINT refunds_refund UNIQUE (program_id, refund_id),\n"
    "    FOREIGN KEY (program_id, member_id, purchase_id)\n"
    "        REFERENCES purchases (program_id, member_id, id)\n"
    ");\n"
    "CREATE TABLE lots (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    member_id BIGINT NOT NULL,\n"
    "    id BIGINT GENERATED ALWAYS AS IDENTITY,\n"
    "    remaining BIGINT NOT NULL,\n"
    "    available_at BIGINT NOT NULL,\n"
    "    expires_at BIGINT NOT NULL,\n"
    "    purchase_id BIGINT,\n"
    "    expired BIGINT NOT NULL DEFAULT 0,\n"
    "    PRIMARY KEY (program_id, member_id, id),\n"
    "    FOREIGN KEY (program_id, member_id) REFERENCES members (program_id, id),\n"
    "    FOREIGN KEY (program_id, member_id, purchase_id)\n"
    "        REFERENCES purchases (program_id, member_id, id)\n"
    ");\n"
    "CREATE INDEX lots_member ON lots (program_id, member_id, expires_at, id)\n"
    "    WHERE remaining <> 0 OR expired <> 0;\n"
    "CREATE INDEX lots_expiry ON lots (program_id, expires_at, member_id)\n"
    "    WHERE remaining > 0;\n"
    "CREATE TABLE entries (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    member_id BIGINT NOT NULL,\n"
    "    id BIGINT GENERATED ALWAYS AS IDENTITY,\n"
    "    kind BIGINT NOT NULL,\n"
    "    purchase_id BIGINT,\n"
    "    reason TEXT,\n"
    "    actor TEXT,\n"
    "    created_at BIGINT NOT NULL,\n"
    "    PRIMARY KEY (program_id, member_id, id),\n"
    "    FOREIGN KEY (program_id, member_id) REFERENCES members (program_id, id),\n"
    "    FOREIGN KEY (program_id, member_id, purchase_id)\n"
    "        REFERENCES purchases (program_id, member_id, id)\n"
    ");\n"
    "ALTER TABLE purchases ADD FOREIGN KEY (program_id, member_id, redeem_entry_id)\n"
    "    REFERENCES entries (program_id, member_id, id);\n"
    "CREATE TABLE postings (\n"
    "    entry_id BIGINT NOT NULL,\n"
    "    seq BIGINT NOT NULL,\n"
    "    program_id BIGINT NOT NULL,\n"
    "    member_id BIGINT NOT NULL,\n"
    "    account BIGINT NOT NULL,\n"
    "    amount BIGINT NOT NULL,\n"
    "    PRIMARY KEY (program_id, member_id, entry_id, seq),\n"
    "    FOREIGN KEY (program_id, member_id, entry_id)\n"
    "        REFERENCES entries (program_id, member_id, id)\n"
    ");\n"
    "CREATE TABLE lot_moves (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    member_id BIGINT NOT NULL,\n"
    "    id BIGINT GENERATED ALWAYS AS IDENTITY,\n"
    "    entry_id BIGINT NOT NULL,\n"
    "    lot_id BIGINT NOT NULL,\n"
    "    delta BIGINT NOT NULL,\n"
    "    PRIMARY KEY (program_id, member_id, id),\n"
    "    FOREIGN KEY (program_id, member_id, entry_id)\n"
    "        REFERENCES entries (program_id, member_id, id),\n"
    "    FOREIGN KEY (program_id, member_id, lot_id)\n"
    "        REFERENCES lots (program_id, member_id, id)\n"
    ");\n"
    "CREATE INDEX lot_moves_entry ON lot_moves (program_id, member_id, entry_id);\n"
    "CREATE INDEX lot_moves_lot ON lot_moves (program_id, member_id, lot_id);\n";

/* Version 2: program file versions, purchases' program version, attribution. */
static const char schema_v2[] =
    "CREATE TABLE program_versions (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    version BIGINT NOT NULL,\n"
    "    effective_from BIGINT NOT NULL,\n"
    "    source TEXT NOT NULL,\n"
    "    created_at BIGINT NOT NULL,\n"
    "    PRIMARY KEY (program_id, version)\n"
    ");\n"
    "ALTER TABLE purchases ADD COLUMN program_version BIGINT NOT NULL DEFAULT 0;\n"
    "CREATE TABLE purchase_points (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    member_id BIGINT NOT NULL,\n"
    "    purchase_id BIGINT NOT NULL,\n"
    "    seq BIGINT NOT NULL,\n"
    "    line_no BIGINT NOT NULL,\n"
    "    rule TEXT NOT NULL,\n"
    "    points BIGINT NOT NULL,\n"
    "    PRIMARY KEY (program_id, member_id, purchase_id, seq),\n"
    "    FOREIGN KEY (program_id, member_id, purchase_id)\n"
    "        REFERENCES purchases (program_id, member_id, id)\n"
    ");\n";

/* Version 3: members' tiers and when each is next reviewed. */
static const char schema_v3[] =
    "ALTER TABLE members ADD COLUMN tier TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE members ADD COLUMN tier_review_at BIGINT NOT NULL DEFAULT 0;\n"
    "CREATE INDEX members_tier_review ON members (program_id, tier_review_at, id)\n"
    "    WHERE tier_review_at > 0;\n"
    "CREATE INDEX purchases_member_time ON purchases (program_id, member_id, "
    "occurred_at);\n";

/* Version 4: idempotency records are pruned by age. */
static const char schema_v4[] =
    "CREATE INDEX idempotency_age ON idempotency (program_id, created_at);\n";

/* Version 5: members' segments. */
static const char schema_v5[] = "CREATE TABLE member_segments (\n"
                                "    program_id BIGINT NOT NULL,\n"
                                "    member_id BIGINT NOT NULL,\n"
                                "    segment " CTEXT " NOT NULL,\n"
                                "    CONSTRAINT member_segments_segment PRIMARY KEY "
                                "(program_id, member_id, segment)\n"
                                ");\n";

/* Lots read a few at a time (docs/architecture.md, "Loading lots"); the
 * same indexes as sqlite.c's, with id spelt out where SQLite has its rowid. */
static const char schema_lots_hot[] =
    "CREATE INDEX lots_open ON lots (program_id, member_id, expires_at, id)\n"
    "    WHERE remaining > 0;\n"
    "CREATE INDEX lots_pending ON lots (program_id, member_id, available_at)\n"
    "    WHERE remaining > 0;\n"
    "CREATE INDEX lots_debt ON lots (program_id, member_id, expires_at, id)\n"
    "    WHERE remaining < 0;\n"
    "CREATE INDEX lots_purchase ON lots (program_id, member_id, purchase_id, expires_at, "
    "id)\n"
    "    WHERE remaining <> 0 OR expired <> 0;\n";

/* Migration N (N >= 1) is migrations[N - 1]; the same numbers as sqlite.c's. */
static const char *const migrations[] = {
    schema_v1,
    schema_v2,
    schema_v3,
    schema_v4,
    schema_v5,
    pg_schema_coupons,
    pg_schema_stamps,
    pg_schema_rewards,
    pg_schema_stored_value,
    pg_schema_referrals,
    /* -- currencies -- */
    pg_schema_currency,
    /* -- stores, staff and the audit log -- */
    pg_schema_staff,
    /* -- migrate -- */
    pg_schema_migrate, /* -- coalitions -- */
    pg_schema_coalition,
    /* -- partner isolation -- */
    pg_schema_partners,
    /* -- staff lifecycle -- */
    pg_schema_staff_lifecycle,
    /* -- lots read a few at a time -- */
    schema_lots_hot,
};
#define MIGRATION_COUNT ((int64_t)(sizeof(migrations) / sizeof(migrations[0])))

/* ---- statements ---- */

enum stmt_id {
    STMT_META_GET,
    STMT_META_SET,
    STMT_PROGRAM_GET,
    STMT_PROGRAM_PUT,
    STMT_VERSION_LOCK,
    STMT_VERSION_NEXT,
    STMT_VERSION_INSERT,
    STMT_VERSIONS_LOAD,
    STMT_VERSION_LATEST,
    STMT_MEMBER_VISITS,
    STMT_MEMBER_SET_TIER,
    STMT_MEMBER_ACTIVITY,
    STMT_MEMBERS_DUE_REVIEW,
    STMT_POINTS_INSERT,
    STMT_POINTS_GET,
    STMT_KEY_GET,
    STMT_KEY_INSERT,
    STMT_IDEM_LOCK, /* in a write transaction, before STMT_IDEM_GET */
    STMT_IDEM_GET,
    STMT_IDEM_PUT,
    STMT_IDEM_PRUNE,
    STMT_MEMBER_INSERT,
    STMT_MEMBER_NAME_INSERT,
    STMT_MEMBER_GET,
    STMT_MEMBER_GET_LOCKED, /* in a write transaction: locks the row */
    STMT_MEMBER_LOCK,
    STMT_MEMBER_BY_EMAIL,
    STMT_MEMBER_BY_PHONE,
    STMT_MEMBER_SEARCH_1, /* ..._4: one statement per number of words */
    STMT_MEMBER_SEARCH_2,
    STMT_MEMBER_SEARCH_3,
    STMT_MEMBER_SEARCH_4,
    STMT_MEMBER_SET_BALANCE,
    STMT_CARD_INSERT,
    STMT_CARD_GET,
    STMT_CARD_UPDATE,
    STMT_CARD_LIST,
    STMT_LOTS_LOAD,
    STMT_LOTS_DEBT,
    STMT_LOTS_OF_PURCHASE,
    STMT_LOTS_SPENDABLE,
    STMT_LOTS_POSITIVE,
    STMT_LOTS_DUE,
    STMT_LOT_SUMS,
    STMT_LOT_GET,
    STMT_LOT_INSERT,
    STMT_LOT_UPDATE,
    STMT_MOVE_INSERT,
    STMT_MOVES_OF_ENTRY,
    STMT_ENTRY_INSERT,
    STMT_POSTING_INSERT,
    STMT_HISTORY,
    STMT_PURCHASE_INSERT,
    STMT_LINE_INSERT,
    STMT_PURCHASE_GET,
    STMT_PURCHASE_GET_LOCKED, /* in a write transaction: locks the row */
    STMT_LINES_GET,
    STMT_PURCHASE_UPDATE,
    STMT_LINE_UPDATE,
    STMT_REFUND_INSERT,
    STMT_EXPIRED_MEMBERS,
    STMT_TOTALS,
    STMT_AUDIT_ENTRIES,
    STMT_AUDIT_POSTINGS,
    STMT_AUDIT_MEMBERS,
    STMT_AUDIT_LOTS,
    STMT_COUNT
};

_Static_assert(STMT_COUNT <= PG_MAX_CORE_STMTS, "raise PG_MAX_CORE_STMTS");
_Static_assert(FDL_MAX_SEARCH_WORDS == 4, "one search statement per number of words");

#define MEMBER_COLUMNS                                                                   \
    "m.id, m.program_id, m.name, m.name_key, m.email, m.phone, m.birthday, "             \
    "m.marketing_consent, m.home_store, m.balance, m.created_at, m.tier, "               \
    "m.tier_review_at"
#define CARD_COLUMNS                                                                     \
    "number, program_id, member_id, status, issued_at, blocked_at, block_reason, "       \
    "replaced_by"
#define LOT_COLUMNS "id, remaining, available_at, expires_at, purchase_id, expired"
#define PURCHASE_COLUMNS                                                                 \
    "id, program_id, member_id, txn_id, store_code, channel, currency, occurred_at, "    \
    "recorded_at, total_minor, discount_minor, points_earned, points_redeemed, "         \
    "refunded_minor, points_clawed, points_restored, redeem_entry_id, line_count, "      \
    "program_version, coupon_discount_minor"
#define LINE_COLUMNS                                                                     \
    "line_no, sku, category, quantity, unit_price_minor, amount_minor, points, "         \
    "redeemed_points, refunded_quantity, clawed_points, restored_points, "               \
    "coupon_discount_minor"

/*
 * Member search, as sqlite.c's: the first (longest) word's token range
 * drives the scan, each other word is an EXISTS probe on
 * member_names_member. $1 program, $2 after_id, $3 limit, then (low, high)
 * bounds per word from $4.
 */
#define SEARCH_HEAD                                                                      \
    "WITH hits AS (SELECT n.member_id AS id FROM member_names n"                         \
    " WHERE n.program_id = $1 AND n.token >= $4 AND n.token < $5 AND n.member_id > $2"
#define SEARCH_ALSO(low, high)                                                           \
    " AND EXISTS (SELECT 1 FROM member_names x WHERE x.program_id = $1"                  \
    " AND x.member_id = n.member_id AND x.token >= " low " AND x.token < " high ")"
#define SEARCH_TAIL                                                                      \
    " GROUP BY n.member_id ORDER BY n.member_id LIMIT $3)"                               \
    " SELECT " MEMBER_COLUMNS " FROM hits JOIN members m"                                \
    " ON m.program_id = $1 AND m.id = hits.id ORDER BY m.id"

static const char *const stmt_sql[STMT_COUNT] = {
    [STMT_META_GET] = "SELECT value FROM meta WHERE key = $1",
    [STMT_META_SET] = "INSERT INTO meta (key, value) VALUES ($1, $2)"
                      " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [STMT_PROGRAM_GET] = "SELECT settings FROM programs WHERE id = $1",
    [STMT_PROGRAM_PUT] = "INSERT INTO programs (id, settings) VALUES ($1, $2)"
                         " ON CONFLICT (id) DO UPDATE SET settings = excluded.settings",
    [STMT_VERSION_LOCK] = "SELECT pg_advisory_xact_lock("
                          "hashtextextended('program_versions', $1))",
    [STMT_VERSION_NEXT] = "SELECT coalesce(max(version), 0) + 1 FROM program_versions"
                          " WHERE program_id = $1",
    [STMT_VERSION_INSERT] =
        "INSERT INTO program_versions (program_id, version,"
        " effective_from, source, created_at) VALUES ($1, $2, $3, $4, $5)",
    [STMT_VERSIONS_LOAD] =
        "SELECT version, effective_from, created_at, source"
        " FROM program_versions WHERE program_id = $1 ORDER BY version",
    [STMT_VERSION_LATEST] = "SELECT version, created_at FROM program_versions"
                            " WHERE program_id = $1 ORDER BY version DESC LIMIT 1",
    [STMT_MEMBER_VISITS] = "SELECT count(*) FROM purchases"
                           " WHERE program_id = $1 AND member_id = $2",
    [STMT_MEMBER_SET_TIER] = "UPDATE members SET tier = $3, tier_review_at = $4"
                             " WHERE program_id = $1 AND id = $2",
    [STMT_MEMBER_ACTIVITY] =
        "SELECT coalesce(sum(total_minor - discount_minor - coupon_discount_minor"
        " - refunded_minor), 0),"
        " coalesce(sum(points_earned - points_clawed), 0), count(*) FROM purchases"
        " WHERE program_id = $1 AND member_id = $2 AND occurred_at >= $3"
        " AND occurred_at < $4",
    [STMT_MEMBERS_DUE_REVIEW] = "SELECT id FROM members WHERE program_id = $1"
                                " AND tier_review_at > 0 AND tier_review_at <= $2"
                                " ORDER BY tier_review_at, id LIMIT $3",
    [STMT_POINTS_INSERT] =
        "INSERT INTO purchase_points (program_id, member_id, purchase_id,"
        " seq, line_no, rule, points) VALUES ($1, $2, $3,"
        " (SELECT coalesce(max(seq), 0) + 1 FROM purchase_points"
        "  WHERE program_id = $1 AND member_id = $2 AND purchase_id = $3),"
        " $4, $5, $6)",
    [STMT_POINTS_GET] = "SELECT line_no, rule, points FROM purchase_points"
                        " WHERE program_id = $1 AND member_id = $2 AND purchase_id = $3"
                        " ORDER BY seq",
    [STMT_KEY_GET] = "SELECT id, program_id, name, scopes, hash, created_at, revoked,"
                     " partner FROM api_keys WHERE id = $1",
    [STMT_KEY_INSERT] =
        "INSERT INTO api_keys"
        " (id, program_id, name, scopes, hash, created_at, revoked, partner)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    [STMT_IDEM_LOCK] = "SELECT pg_advisory_xact_lock(hashtextextended($2, $1))",
    [STMT_IDEM_GET] = "SELECT request_hash, status, body FROM idempotency"
                      " WHERE program_id = $1 AND key = $2",
    [STMT_IDEM_PUT] = "INSERT INTO idempotency"
                      " (program_id, key, request_hash, status, body, created_at)"
                      " VALUES ($1, $2, $3, $4, $5, $6)",
    [STMT_IDEM_PRUNE] = "DELETE FROM idempotency WHERE program_id = $1 AND key IN"
                        " (SELECT key FROM idempotency WHERE program_id = $1"
                        " AND created_at < $2 ORDER BY created_at LIMIT $3)",

    [STMT_MEMBER_INSERT] =
        "INSERT INTO members (program_id, name, name_key, email, phone,"
        " birthday, marketing_consent, home_store, balance, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    [STMT_MEMBER_NAME_INSERT] = "INSERT INTO member_names (program_id, token, member_id)"
                                " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    [STMT_MEMBER_GET] = "SELECT " MEMBER_COLUMNS " FROM members m"
                        " WHERE m.program_id = $1 AND m.id = $2",
    [STMT_MEMBER_GET_LOCKED] = "SELECT " MEMBER_COLUMNS " FROM members m"
                               " WHERE m.program_id = $1 AND m.id = $2"
                               " FOR NO KEY UPDATE",
    [STMT_MEMBER_LOCK] = "SELECT 1 FROM members WHERE program_id = $1 AND id = $2"
                         " FOR NO KEY UPDATE",
    [STMT_MEMBER_BY_EMAIL] =
        "SELECT " MEMBER_COLUMNS " FROM members m"
        " WHERE m.program_id = $1 AND m.email = $2 AND m.email <> ''",
    [STMT_MEMBER_BY_PHONE] =
        "SELECT " MEMBER_COLUMNS " FROM members m"
        " WHERE m.program_id = $1 AND m.phone = $2 AND m.phone <> ''",
    [STMT_MEMBER_SEARCH_1] = SEARCH_HEAD SEARCH_TAIL,
    [STMT_MEMBER_SEARCH_2] = SEARCH_HEAD SEARCH_ALSO("$6", "$7") SEARCH_TAIL,
    [STMT_MEMBER_SEARCH_3] =
        SEARCH_HEAD SEARCH_ALSO("$6", "$7") SEARCH_ALSO("$8", "$9") SEARCH_TAIL,
    [STMT_MEMBER_SEARCH_4] = SEARCH_HEAD SEARCH_ALSO("$6", "$7") SEARCH_ALSO("$8", "$9")
        SEARCH_ALSO("$10", "$11") SEARCH_TAIL,
    [STMT_MEMBER_SET_BALANCE] = "UPDATE members SET balance = $3"
                                " WHERE program_id = $1 AND id = $2",

    [STMT_CARD_INSERT] = "INSERT INTO cards (" CARD_COLUMNS ")"
                         " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    [STMT_CARD_GET] = "SELECT " CARD_COLUMNS " FROM cards"
                      " WHERE program_id = $1 AND number = $2",
    [STMT_CARD_UPDATE] =
        "UPDATE cards SET status = $3, blocked_at = $4, block_reason = $5,"
        " replaced_by = $6 WHERE program_id = $1 AND number = $2",
    [STMT_CARD_LIST] = "SELECT " CARD_COLUMNS " FROM cards"
                       " WHERE program_id = $1 AND member_id = $2"
                       " ORDER BY status, issued_at DESC, number LIMIT $3",

    [STMT_LOTS_LOAD] = "SELECT " LOT_COLUMNS " FROM lots"
                       " WHERE program_id = $1 AND member_id = $2"
                       " AND (remaining <> 0 OR expired <> 0)"
                       " ORDER BY expires_at, id",
    [STMT_LOTS_DEBT] = "SELECT " LOT_COLUMNS " FROM lots"
                       " WHERE program_id = $1 AND member_id = $2 AND remaining < 0"
                       " ORDER BY expires_at, id LIMIT $3",
    [STMT_LOTS_OF_PURCHASE] = "SELECT " LOT_COLUMNS " FROM lots"
                              " WHERE program_id = $1 AND member_id = $2"
                              " AND purchase_id = $3"
                              " AND (remaining <> 0 OR expired <> 0)"
                              " ORDER BY expires_at, id LIMIT $4",
    [STMT_LOTS_SPENDABLE] = "SELECT " LOT_COLUMNS " FROM lots"
                            " WHERE program_id = $1 AND member_id = $2 AND remaining > 0"
                            " AND (expires_at, id) > ($3, $4)"
                            " AND expires_at > $5 AND available_at <= $5"
                            " ORDER BY expires_at, id LIMIT $6",
    [STMT_LOTS_POSITIVE] = "SELECT " LOT_COLUMNS " FROM lots"
                           " WHERE program_id = $1 AND member_id = $2 AND remaining > 0"
                           " AND (expires_at, id) > ($3, $4)"
                           " ORDER BY expires_at, id LIMIT $5",
    [STMT_LOTS_DUE] = "SELECT " LOT_COLUMNS " FROM lots"
                      " WHERE program_id = $1 AND member_id = $2 AND remaining > 0"
                      " AND expires_at <= $3 ORDER BY expires_at, id LIMIT $4",
    /* One statement, one round trip: a first row (kind 0) of pending
     * points, then one row per expiry up to $4 with its points and its due
     * ones. */
    [STMT_LOT_SUMS] =
        "SELECT kind, expires_at, points, due FROM ("
        " SELECT 0 AS kind, 0::bigint AS expires_at,"
        " coalesce(sum(remaining), 0)::bigint AS points, 0::bigint AS due"
        " FROM lots WHERE program_id = $1 AND member_id = $2 AND remaining > 0"
        " AND available_at > $3"
        " UNION ALL"
        " SELECT 1, expires_at, sum(remaining)::bigint,"
        " sum(CASE WHEN available_at <= $3 AND expires_at <= $3 THEN remaining ELSE 0"
        " END)::bigint"
        " FROM lots WHERE program_id = $1 AND member_id = $2 AND remaining > 0"
        " AND expires_at <= $4 GROUP BY expires_at) AS sums"
        " ORDER BY kind, expires_at",
    [STMT_LOT_GET] = "SELECT " LOT_COLUMNS " FROM lots"
                     " WHERE program_id = $1 AND member_id = $2 AND id = $3",
    [STMT_LOT_INSERT] =
        "INSERT INTO lots (program_id, member_id, remaining, available_at,"
        " expires_at, purchase_id, expired)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    [STMT_LOT_UPDATE] = "UPDATE lots SET remaining = $4, expired = $5"
                        " WHERE program_id = $1 AND member_id = $2 AND id = $3",
    [STMT_MOVE_INSERT] = "INSERT INTO lot_moves (program_id, member_id, entry_id, lot_id,"
                         " delta) VALUES ($1, $2, $3, $4, $5)",
    [STMT_MOVES_OF_ENTRY] = "SELECT lot_id, delta FROM lot_moves"
                            " WHERE program_id = $1 AND member_id = $2 AND entry_id = $3"
                            " ORDER BY id",

    [STMT_ENTRY_INSERT] = "INSERT INTO entries (program_id, member_id, kind, purchase_id,"
                          " reason, actor, created_at)"
                          " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    [STMT_POSTING_INSERT] = "INSERT INTO postings (entry_id, seq, program_id, member_id,"
                            " account, amount) VALUES ($1, $2, $3, $4, $5, $6)",
    [STMT_HISTORY] = "SELECT e.id, e.kind,"
                     " (SELECT coalesce(sum(p.amount), 0) FROM postings p"
                     "   WHERE p.program_id = e.program_id AND p.member_id = e.member_id"
                     "   AND p.entry_id = e.id AND p.account = 1),"
                     " e.created_at, coalesce(pu.txn_id, ''), coalesce(e.reason, ''),"
                     " coalesce(e.actor, '')"
                     " FROM entries e LEFT JOIN purchases pu"
                     " ON pu.program_id = e.program_id AND pu.member_id = e.member_id"
                     " AND pu.id = e.purchase_id"
                     " WHERE e.program_id = $1 AND e.member_id = $2 AND e.id < $3"
                     " ORDER BY e.id DESC LIMIT $4",

    [STMT_PURCHASE_INSERT] =
        "INSERT INTO purchases (program_id, member_id, txn_id,"
        " store_code, channel, currency, occurred_at, recorded_at,"
        " total_minor, discount_minor, points_earned, points_redeemed,"
        " refunded_minor, points_clawed, points_restored,"
        " redeem_entry_id, line_count, program_version, coupon_discount_minor)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,"
        " $16, $17, $18, $19) RETURNING id",
    [STMT_LINE_INSERT] =
        "INSERT INTO purchase_lines (program_id, member_id, purchase_id, " LINE_COLUMNS
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
        " $10, $11, $12, $13, $14, $15)",
    [STMT_PURCHASE_GET] = "SELECT " PURCHASE_COLUMNS " FROM purchases"
                          " WHERE program_id = $1 AND txn_id = $2",
    [STMT_PURCHASE_GET_LOCKED] = "SELECT " PURCHASE_COLUMNS " FROM purchases"
                                 " WHERE program_id = $1 AND txn_id = $2"
                                 " FOR NO KEY UPDATE",
    [STMT_LINES_GET] = "SELECT " LINE_COLUMNS " FROM purchase_lines"
                       " WHERE program_id = $1 AND member_id = $2 AND purchase_id = $3"
                       " ORDER BY line_no",
    [STMT_PURCHASE_UPDATE] =
        "UPDATE purchases SET refunded_minor = $4, points_clawed = $5,"
        " points_restored = $6, redeem_entry_id = $7"
        " WHERE program_id = $1 AND member_id = $2 AND id = $3",
    /* Skips unchanged lines: a purchase rewrites all of its lines once. */
    [STMT_LINE_UPDATE] =
        "UPDATE purchase_lines SET refunded_quantity = $5, clawed_points = $6,"
        " restored_points = $7 WHERE program_id = $1 AND member_id = $2"
        " AND purchase_id = $3 AND line_no = $4"
        " AND (refunded_quantity, clawed_points, restored_points)"
        " IS DISTINCT FROM ($5::bigint, $6::bigint, $7::bigint)",
    [STMT_REFUND_INSERT] = "INSERT INTO refunds (program_id, member_id, purchase_id,"
                           " refund_id, amount_minor, points_clawed, points_restored,"
                           " created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                           " RETURNING id",

    [STMT_EXPIRED_MEMBERS] =
        "SELECT DISTINCT member_id FROM lots"
        " WHERE program_id = $1 AND remaining > 0 AND expires_at <= $2"
        " LIMIT $3",
    [STMT_TOTALS] =
        "SELECT m.n, m.outstanding, c.n, pu.n,"
        " p.issued, p.redeemed, p.expired, p.adjusted"
        " FROM (SELECT count(*) AS n, coalesce(sum(balance), 0) AS outstanding"
        "       FROM members WHERE program_id = $1) m,"
        " (SELECT count(*) AS n FROM cards WHERE program_id = $1) c,"
        " (SELECT count(*) AS n FROM purchases WHERE program_id = $1) pu,"
        " (SELECT -coalesce(sum(amount) FILTER (WHERE account = 2), 0) AS issued,"
        "   coalesce(sum(amount) FILTER (WHERE account = 3), 0) AS redeemed,"
        "   coalesce(sum(amount) FILTER (WHERE account = 4), 0) AS expired,"
        "   -coalesce(sum(amount) FILTER (WHERE account = 5), 0) AS adjusted"
        "  FROM postings WHERE program_id = $1) p",

    /* Audit: whole database, set-based. Each returns checked, bad, first bad id. */
    [STMT_AUDIT_ENTRIES] =
        "SELECT count(*), count(*) FILTER (WHERE bad),"
        " coalesce(min(id) FILTER (WHERE bad), 0)"
        " FROM (SELECT e.id AS id,"
        "   count(p.entry_id) < 2 OR coalesce(sum(p.amount), 0) <> 0 AS bad"
        "   FROM entries e LEFT JOIN postings p ON p.program_id = e.program_id"
        "   AND p.member_id = e.member_id AND p.entry_id = e.id"
        "   GROUP BY e.program_id, e.member_id, e.id) x",
    [STMT_AUDIT_POSTINGS] = "SELECT count(*) FROM postings",
    [STMT_AUDIT_MEMBERS] =
        "SELECT count(*),"
        " count(*) FILTER (WHERE m.balance <> coalesce(p.total, 0)),"
        " coalesce(min(m.id) FILTER (WHERE m.balance <> coalesce(p.total, 0)), 0),"
        " count(*) FILTER (WHERE coalesce(p.total, 0) <> coalesce(l.total, 0)),"
        " coalesce(min(m.id) FILTER (WHERE coalesce(p.total, 0) <> coalesce(l.total, 0)),"
        "   0)"
        " FROM members m"
        " LEFT JOIN (SELECT program_id, member_id, sum(amount) AS total FROM postings"
        "   WHERE account = 1 GROUP BY program_id, member_id) p"
        "   ON p.program_id = m.program_id AND p.member_id = m.id"
        " LEFT JOIN (SELECT program_id, member_id, sum(remaining) AS total FROM lots"
        "   WHERE remaining <> 0 GROUP BY program_id, member_id) l"
        "   ON l.program_id = m.program_id AND l.member_id = m.id",
    [STMT_AUDIT_LOTS] =
        "SELECT count(*), count(*) FILTER (WHERE l.remaining <> coalesce(mv.total, 0)),"
        " coalesce(min(l.id) FILTER (WHERE l.remaining <> coalesce(mv.total, 0)), 0)"
        " FROM lots l LEFT JOIN (SELECT program_id, member_id, lot_id,"
        "   sum(delta) AS total FROM lot_moves GROUP BY program_id, member_id, lot_id) mv"
        "   ON mv.program_id = l.program_id AND mv.member_id = l.member_id"
        "   AND mv.lot_id = l.id",
};

struct pg_store *pg_of(struct fdl_store *st)
{
    struct pg_store *s = (struct pg_store *)st;
    assert(s && s->base.ops == &fdl_store_pg && s->conn);
    return s;
}

/* ---- errors ---- */

static const struct pg_unique_key member_keys[] = {
    {"members_email", "email"}, {"members_phone", "phone"}, {NULL, NULL}};
static const struct pg_unique_key card_keys[] = {{"cards_number", "number"},
                                                 {NULL, NULL}};
static const struct pg_unique_key api_key_keys[] = {{"api_keys_pkey", "id"},
                                                    {NULL, NULL}};
static const struct pg_unique_key idem_keys[] = {{"idempotency_key", "key"},
                                                 {NULL, NULL}};
static const struct pg_unique_key purchase_keys[] = {{"purchases_txn", "txn_id"},
                                                     {NULL, NULL}};
static const struct pg_unique_key refund_keys[] = {{"refunds_refund", "refund_id"},
                                                   {NULL, NULL}};
static const struct pg_unique_key segment_keys[] = {
    {"member_segments_segment", "segments"}, {NULL, NULL}};

/* SQLSTATEs that mean "another transaction is in the way: try again". */
static int busy_state(const char *state)
{
    static const char *const busy[] = {"40001", "40P01", "55P03", "57014",
                                       "57P01", "57P02", "57P03"};
    if (state && strncmp(state, "08", 2) == 0) /* connection exceptions */
        return 1;
    for (size_t i = 0; state && i < sizeof(busy) / sizeof(busy[0]); i++)
        if (strcmp(state, busy[i]) == 0)
            return 1;
    return 0;
}

int pg_error(struct pg_store *s, const PGresult *res, const struct pg_unique_key *keys,
             struct fdl_error *err)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *message = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!message)
        message = PQerrorMessage(s->conn);
    int len = (int)strcspn(message, "\n"); /* libpq ends its messages with one */
    /* a lost connection is transient too: the next statement reconnects */
    if (busy_state(state) || PQstatus(s->conn) == CONNECTION_BAD)
        return fdl_error_set(err, FDL_EBUSY, NULL, "%.*s", len, message);
    if (keys && state && strcmp(state, "23505") == 0) {
        const char *constraint = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
        for (; constraint && keys->constraint; keys++)
            if (strcmp(constraint, keys->constraint) == 0)
                return fdl_error_set(err, FDL_EDUPLICATE, keys->field,
                                     "another record already has this %s", keys->field);
    }
    return fdl_error_set(err, FDL_ESTORE, NULL, "%.*s", len, message);
}

/* ---- parameters and columns ---- */

static void param_slot(struct pg_params *p, const char *value, int len, int format)
{
    assert(p->n < PG_MAX_PARAMS);
    p->values[p->n] = value;
    p->lengths[p->n] = len;
    p->formats[p->n] = format;
    p->n++;
}

void pg_int(struct pg_params *p, int64_t value)
{
    assert(p->n < PG_MAX_PARAMS);
    snprintf(p->ints[p->n], sizeof(p->ints[p->n]), "%" PRId64, value);
    param_slot(p, p->ints[p->n], 0, 0);
}

void pg_optional(struct pg_params *p, int64_t value)
{
    if (value)
        pg_int(p, value);
    else
        param_slot(p, NULL, 0, 0);
}

void pg_limit(struct pg_params *p, int64_t value)
{
    if (value >= 0)
        pg_int(p, value);
    else
        param_slot(p, NULL, 0, 0);
}

void pg_text(struct pg_params *p, const char *text)
{
    param_slot(p, text, 0, 0);
}

void pg_text_n(struct pg_params *p, const char *text, size_t len)
{
    assert(len <= INT32_MAX);
    param_slot(p, text, (int)len, 1); /* text's binary form is its bytes */
}

void pg_bytes(struct pg_params *p, const void *bytes, size_t len)
{
    assert(len <= INT32_MAX);
    param_slot(p, bytes, (int)len, 1);
}

int64_t pg_column_int(const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return 0;
    return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

void pg_column_text(const PGresult *res, int row, int col, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col));
}

int pg_column_bytes(const PGresult *res, int row, int col, unsigned char *buf, size_t cap)
{
    if (PQgetisnull(res, row, col))
        return -1;
    size_t len = 0;
    unsigned char *bytes =
        PQunescapeBytea((const unsigned char *)PQgetvalue(res, row, col), &len);
    int rc = bytes && len == cap ? 0 : -1;
    if (rc == 0)
        memcpy(buf, bytes, cap);
    PQfreemem(bytes);
    return rc;
}

int64_t pg_changes(const PGresult *res)
{
    return strtoll(PQcmdTuples((PGresult *)res), NULL, 10);
}

/* ---- running statements ---- */

/* Runs a parameterless command (transaction control, DDL); maps its failure. */
static int exec_sql(struct pg_store *s, const char *sql, struct fdl_error *err)
{
    PGresult *res = PQexec(s->conn, sql);
    ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int rc = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK
                 ? 0
                 : pg_error(s, res, NULL, err);
    PQclear(res);
    return rc;
}

static int in_transaction(struct pg_store *s)
{
    PGTransactionStatusType t = PQtransactionStatus(s->conn);
    return t == PQTRANS_INTRANS || t == PQTRANS_ACTIVE;
}

/*
 * A connection the server dropped (a restart, a failover) is reopened
 * before the next statement that runs outside a transaction; its prepared
 * statements are gone with it. Inside a transaction nothing is retried: the
 * transaction is lost, in_transaction() says so, and the caller fails it.
 */
static void reconnect_if_lost(struct pg_store *s)
{
    if (PQstatus(s->conn) != CONNECTION_BAD || s->op_depth > 0 || s->txn_open)
        return;
    PQreset(s->conn);
    memset(s->prepared, 0, sizeof(s->prepared));
    memset(s->feature_prepared, 0, sizeof(s->feature_prepared));
    s->write = 0;
}

/* Prepares text as name on s's connection unless *prepared says it is. */
static int prepare(struct pg_store *s, unsigned char *prepared, const char *name,
                   const char *text, struct fdl_error *err)
{
    if (*prepared)
        return 0;
    PGresult *res = PQprepare(s->conn, name, text, 0, NULL);
    int rc =
        res && PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : pg_error(s, res, NULL, err);
    PQclear(res);
    if (rc == 0)
        *prepared = 1;
    return rc;
}

/* Executes prepared statement name with p; see pg_run_sql for the contract. */
static int execute(struct pg_store *s, const char *name, const struct pg_params *p,
                   const struct pg_unique_key *keys, PGresult **out,
                   struct fdl_error *err)
{
    static const struct pg_params none;
    if (!p)
        p = &none;
    int guard = keys && s->op_depth == 0 && in_transaction(s);
    int rc = guard ? exec_sql(s, "SAVEPOINT fdl_stmt", err) : 0;
    if (rc)
        return rc;
    PGresult *res =
        PQexecPrepared(s->conn, name, p->n, p->values, p->lengths, p->formats, 0);
    ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    rc = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK
             ? 0
             : pg_error(s, res, keys, err);
    if (guard && rc)
        exec_sql(s, "ROLLBACK TO SAVEPOINT fdl_stmt", NULL);
    if (guard)
        exec_sql(s, "RELEASE SAVEPOINT fdl_stmt", NULL);
    if (rc == 0 && out)
        *out = res;
    else
        PQclear(res);
    return rc;
}

/* Runs pg.c's statement id (prepared on first use) with p. */
static int run(struct pg_store *s, enum stmt_id id, const struct pg_params *p,
               const struct pg_unique_key *keys, PGresult **out, struct fdl_error *err)
{
    assert(id < STMT_COUNT && stmt_sql[id]);
    char name[PG_STMT_NAME_MAX];
    snprintf(name, sizeof(name), "s%d", (int)id);
    reconnect_if_lost(s);
    int rc = prepare(s, &s->prepared[id], name, stmt_sql[id], err);
    return rc ? rc : execute(s, name, p, keys, out, err);
}

static int feature_slots; /* slots handed out to struct pg_sql */

int pg_run_sql(struct pg_store *s, struct pg_sql *sql, const struct pg_params *p,
               const struct pg_unique_key *keys, PGresult **out, struct fdl_error *err)
{
    int slot = __atomic_load_n(&sql->slot, __ATOMIC_ACQUIRE);
    if (slot == 0) {
        int mine = __atomic_add_fetch(&feature_slots, 1, __ATOMIC_ACQ_REL);
        int expected = 0;
        if (!__atomic_compare_exchange_n(&sql->slot, &expected, mine, 0, __ATOMIC_ACQ_REL,
                                         __ATOMIC_ACQUIRE))
            mine = expected; /* another thread assigned it first; a slot is wasted */
        slot = mine;
    }
    if (slot > PG_MAX_FEATURE_STMTS)
        return fdl_error_set(err, FDL_EINTERNAL, NULL, "raise PG_MAX_FEATURE_STMTS");
    char name[PG_STMT_NAME_MAX];
    snprintf(name, sizeof(name), "f%d", slot - 1);
    reconnect_if_lost(s);
    int rc = prepare(s, &s->feature_prepared[slot - 1], name, sql->text, err);
    return rc ? rc : execute(s, name, p, keys, out, err);
}

/* Runs query id with p for its one row: FDL_ENOT_FOUND if there is none. */
static int run_row(struct pg_store *s, enum stmt_id id, const struct pg_params *p,
                   PGresult **out, struct fdl_error *err)
{
    PGresult *res;
    int rc = run(s, id, p, NULL, &res, err);
    if (rc)
        return rc;
    if (PQntuples(res) < 1) {
        PQclear(res);
        return fdl_error_set(err, FDL_ENOT_FOUND, NULL, "not found");
    }
    *out = res;
    return 0;
}

/* Runs query id for its one row and reads its first n integer columns. */
static int select_ints(struct pg_store *s, enum stmt_id id, const struct pg_params *p,
                       int64_t *out, int n, struct fdl_error *err)
{
    PGresult *res;
    int rc = run_row(s, id, p, &res, err);
    if (rc)
        return rc;
    for (int i = 0; i < n; i++)
        out[i] = pg_column_int(res, 0, i);
    PQclear(res);
    return 0;
}

/* Runs write id; FDL_ENOT_FOUND (with what) if it touched no row. */
static int run_update(struct pg_store *s, enum stmt_id id, const struct pg_params *p,
                      const char *what, int64_t which, struct fdl_error *err)
{
    PGresult *res;
    int rc = run(s, id, p, NULL, &res, err);
    if (rc)
        return rc;
    if (pg_changes(res) == 0)
        rc = fdl_error_set(err, FDL_ENOT_FOUND, NULL, "no %s %lld", what,
                           (long long)which);
    PQclear(res);
    return rc;
}

/* Runs an INSERT ... RETURNING id and reads the id. */
static int run_insert(struct pg_store *s, enum stmt_id id, const struct pg_params *p,
                      const struct pg_unique_key *keys, int64_t *new_id,
                      struct fdl_error *err)
{
    PGresult *res;
    int rc = run(s, id, p, keys, &res, err);
    if (rc)
        return rc;
    if (PQntuples(res) == 1)
        *new_id = pg_column_int(res, 0, 0);
    else
        rc = fdl_error_set(err, FDL_ESTORE, NULL, "an insert returned no id");
    PQclear(res);
    return rc;
}

/*
 * Ops that write several rows run between pg_op_begin() and pg_op_end(),
 * which releases the savepoint on success and undoes the op's writes on
 * failure. Outside a transaction the op opens (and ends) its own.
 */
int pg_op_begin(struct pg_store *s, struct fdl_error *err)
{
    assert(s->op_depth < (int)(8 * sizeof(s->op_owns)));
    int own = !in_transaction(s);
    int rc = exec_sql(s, own ? "BEGIN" : "SAVEPOINT fdl_op", err);
    if (rc)
        return rc;
    if (own)
        s->op_owns |= 1u << s->op_depth;
    else
        s->op_owns &= ~(1u << s->op_depth);
    s->op_depth++;
    return 0;
}

/* Ends the transaction an op opened: commits only if nothing failed in it. */
static int op_finish_own(struct pg_store *s, int rc, struct fdl_error *err)
{
    if (rc == 0 && PQtransactionStatus(s->conn) != PQTRANS_INTRANS)
        rc = fdl_error_set(err, FDL_ESTORE, NULL, "the transaction was aborted");
    if (rc == 0)
        return exec_sql(s, "COMMIT", err);
    exec_sql(s, "ROLLBACK", NULL);
    return rc;
}

int pg_op_end(struct pg_store *s, int rc, struct fdl_error *err)
{
    assert(s->op_depth > 0);
    s->op_depth--;
    if (s->op_owns & (1u << s->op_depth))
        return op_finish_own(s, rc, err);
    if (rc == 0 && (rc = exec_sql(s, "RELEASE SAVEPOINT fdl_op", err)) == 0)
        return 0;
    exec_sql(s, "ROLLBACK TO SAVEPOINT fdl_op", NULL);
    exec_sql(s, "RELEASE SAVEPOINT fdl_op", NULL);
    return rc;
}

/* ---- connection ---- */

static void pg_close(struct fdl_store *st)
{
    if (!st)
        return;
    struct pg_store *s = pg_of(st);
    PQfinish(s->conn); /* the server rolls back an open transaction */
    free(s);
}

/*
 * Connects to the libpq URI; does not migrate. Lock waits end after
 * PG_LOCK_TIMEOUT_MS (FDL_EBUSY), as SQLite's busy timeout does.
 */
static int pg_open(const char *uri, struct fdl_store **out, struct fdl_error *err)
{
    assert(uri && out);
    struct pg_store *s = calloc(1, sizeof(*s));
    if (!s)
        return fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    s->base.ops = &fdl_store_pg;
    _Static_assert(PG_LOCK_TIMEOUT_MS == 10000, "PG_CONNINFO_OPTIONS spells it out");
    const char *const keywords[] = {"dbname", "options", "client_encoding",
                                    "application_name", NULL};
    const char *const values[] = {uri, PG_CONNINFO_OPTIONS, "UTF8", "fidelis", NULL};
    s->conn = PQconnectdbParams(keywords, values, 1);
    if (!s->conn || PQstatus(s->conn) != CONNECTION_OK) {
        const char *message = s->conn ? PQerrorMessage(s->conn) : "out of memory";
        int rc =
            fdl_error_set(err, FDL_ESTORE, "db", "cannot connect to PostgreSQL: %.*s",
                          (int)strcspn(message, "\n"), message);
        PQfinish(s->conn);
        free(s);
        return rc;
    }
    *out = (struct fdl_store *)s;
    return 0;
}

/* ---- transactions ---- */

/*
 * Write transactions are READ COMMITTED and lock each member they change
 * (see member_get and lots_load); read transactions see one snapshot.
 */
static int pg_begin(struct fdl_store *st, int write, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    reconnect_if_lost(s);
    int rc = exec_sql(s,
                      write ? "BEGIN ISOLATION LEVEL READ COMMITTED"
                            : "BEGIN ISOLATION LEVEL REPEATABLE READ",
                      err);
    if (rc == 0) {
        s->write = write != 0;
        s->txn_open = 1;
    }
    return rc;
}

/* A transaction a failed statement aborted is rolled back, and that is an error. */
static int pg_commit(struct fdl_store *st, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    s->write = s->txn_open = 0;
    if (PQtransactionStatus(s->conn) == PQTRANS_INERROR) {
        exec_sql(s, "ROLLBACK", NULL);
        return fdl_error_set(err, FDL_ESTORE, NULL,
                             "the transaction was aborted by an earlier error");
    }
    return exec_sql(s, "COMMIT", err);
}

/* Rolling back with no transaction open is fine. */
static int pg_rollback(struct fdl_store *st)
{
    struct pg_store *s = pg_of(st);
    s->write = s->txn_open = 0;
    if (PQtransactionStatus(s->conn) == PQTRANS_IDLE)
        return 0;
    return exec_sql(s, "ROLLBACK", NULL);
}

static int pg_savepoint(struct fdl_store *st, struct fdl_error *err)
{
    return exec_sql(pg_of(st), "SAVEPOINT fdl_job", err);
}

static int pg_release(struct fdl_store *st, struct fdl_error *err)
{
    return exec_sql(pg_of(st), "RELEASE SAVEPOINT fdl_job", err);
}

/* Undoes the writes since the savepoint, which stays open (release it next);
 * also revives a transaction a failed statement aborted. */
static int pg_rollback_to(struct fdl_store *st)
{
    return exec_sql(pg_of(st), "ROLLBACK TO SAVEPOINT fdl_job", NULL);
}

/* An aborted transaction (a statement failed outside any savepoint) counts
 * as ended: nothing more can run in it, as when SQLite ends one itself. */
static int pg_in_transaction(struct fdl_store *st)
{
    return in_transaction(pg_of(st));
}

/* ---- meta, programs, keys, idempotency ---- */

static int pg_meta_get(struct fdl_store *st, const char *key, char *buf, size_t cap,
                       struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(key && buf && cap > 0);
    struct pg_params p = {0};
    pg_text(&p, key);
    PGresult *res;
    int rc = run_row(s, STMT_META_GET, &p, &res, err);
    if (rc)
        return rc;
    const char *value = PQgetvalue(res, 0, 0);
    size_t len = (size_t)PQgetlength(res, 0, 0);
    if (PQgetisnull(res, 0, 0) || len >= cap) {
        rc = fdl_error_set(err, FDL_ESTORE, key, "stored value does not fit %zu bytes",
                           cap);
    } else {
        memcpy(buf, value, len + 1);
    }
    PQclear(res);
    return rc;
}

static int pg_meta_set(struct fdl_store *st, const char *key, const char *value,
                       struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(key && value);
    struct pg_params p = {0};
    pg_text(&p, key);
    pg_text(&p, value);
    return run(s, STMT_META_SET, &p, NULL, NULL, err);
}

/* *json is malloc'd; the caller frees it. */
static int pg_program_get(struct fdl_store *st, int64_t id, char **json,
                          struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(json);
    struct pg_params p = {0};
    pg_int(&p, id);
    PGresult *res;
    int rc = run_row(s, STMT_PROGRAM_GET, &p, &res, err);
    if (rc)
        return rc;
    char *copy = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    if (!copy)
        return fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    *json = copy;
    return 0;
}

static int pg_program_put(struct fdl_store *st, int64_t id, const char *json,
                          struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(json);
    struct pg_params p = {0};
    pg_int(&p, id);
    pg_text(&p, json);
    return run(s, STMT_PROGRAM_PUT, &p, NULL, NULL, err);
}

/*
 * Numbers the version max + 1 under a transaction-long lock on the program's
 * versions, so two processes applying a file at once get two numbers.
 */
static int pg_program_version_insert(struct fdl_store *st, int64_t program_id,
                                     int64_t effective_from_s, const char *source,
                                     int64_t now_s, int64_t *version,
                                     struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    int64_t next = 0;
    int rc = pg_op_begin(s, err);
    if (rc)
        return rc;
    rc = run(s, STMT_VERSION_LOCK, &p, NULL, NULL, err);
    if (rc == 0)
        rc = select_ints(s, STMT_VERSION_NEXT, &p, &next, 1, err);
    if (rc == 0) {
        struct pg_params q = {0};
        pg_int(&q, program_id);
        pg_int(&q, next);
        pg_int(&q, effective_from_s);
        pg_text(&q, source);
        pg_int(&q, now_s);
        rc = run(s, STMT_VERSION_INSERT, &q, NULL, NULL, err);
    }
    if ((rc = pg_op_end(s, rc, err)) == 0)
        *version = next;
    return rc;
}

static int pg_program_versions_load(struct fdl_store *st, int64_t program_id,
                                    struct fdl_program_version **out, size_t *count,
                                    struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    PGresult *res;
    int rc = run(s, STMT_VERSIONS_LOAD, &p, NULL, &res, err);
    if (rc)
        return rc;
    size_t rows = (size_t)PQntuples(res), n = 0;
    struct fdl_program_version *items = calloc(rows + 1, sizeof(*items));
    for (; items && n < rows; n++) {
        items[n].version = pg_column_int(res, (int)n, 0);
        items[n].effective_from_s = pg_column_int(res, (int)n, 1);
        items[n].created_at_s = pg_column_int(res, (int)n, 2);
        if (!(items[n].source = strdup(PQgetvalue(res, (int)n, 3))))
            break;
    }
    PQclear(res);
    if (!items || n < rows) {
        if (items)
            fdl_program_versions_free(items, n);
        return fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    }
    *out = items;
    *count = n;
    return 0;
}

static int pg_program_version_latest(struct fdl_store *st, int64_t program_id,
                                     int64_t *version, int64_t *created_at_s,
                                     struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    int64_t row[2] = {0, 0};
    int rc = select_ints(s, STMT_VERSION_LATEST, &p, row, 2, err);
    if (rc == FDL_ENOT_FOUND) {
        fdl_error_clear(err);
        rc = 0;
    }
    if (rc == 0) {
        *version = row[0];
        *created_at_s = row[1];
    }
    return rc;
}

static int pg_member_set_tier(struct fdl_store *st, int64_t program_id, int64_t member_id,
                              const char *tier, int64_t review_at_s,
                              struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    pg_text(&p, tier);
    pg_int(&p, review_at_s);
    return run(s, STMT_MEMBER_SET_TIER, &p, NULL, NULL, err);
}

static int pg_member_activity(struct fdl_store *st, int64_t program_id, int64_t member_id,
                              int64_t from_s, int64_t to_s, int64_t *spend_minor,
                              int64_t *points, int64_t *visits, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    pg_int(&p, from_s);
    pg_int(&p, to_s);
    int64_t row[3];
    int rc = select_ints(s, STMT_MEMBER_ACTIVITY, &p, row, 3, err);
    if (rc == 0) {
        *spend_minor = row[0];
        *points = row[1];
        *visits = row[2];
    }
    return rc;
}

/* Reads column 0 of up to max rows of res into ids. */
static int read_ids(PGresult *res, int64_t *ids, int max)
{
    int n = 0;
    for (int rows = PQntuples(res); n < rows && n < max; n++)
        ids[n] = pg_column_int(res, n, 0);
    return n;
}

static int pg_members_due_review(struct fdl_store *st, int64_t program_id, int64_t now_s,
                                 int limit, int64_t *ids, int *count,
                                 struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, now_s);
    pg_limit(&p, limit);
    PGresult *res;
    int rc = run(s, STMT_MEMBERS_DUE_REVIEW, &p, NULL, &res, err);
    if (rc)
        return rc;
    *count = read_ids(res, ids, limit);
    PQclear(res);
    return 0;
}

static int pg_member_visits(struct fdl_store *st, int64_t program_id, int64_t member_id,
                            int64_t *visits, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    return select_ints(s, STMT_MEMBER_VISITS, &p, visits, 1, err);
}

static int pg_purchase_points_insert(struct fdl_store *st, const struct fdl_purchase *pu,
                                     int line_no, const char *rule, int64_t points,
                                     struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, pu->program_id);
    pg_int(&p, pu->member_id);
    pg_int(&p, pu->id);
    pg_int(&p, line_no);
    pg_text(&p, rule);
    pg_int(&p, points);
    return run(s, STMT_POINTS_INSERT, &p, NULL, NULL, err);
}

static int pg_purchase_points_get(struct fdl_store *st, const struct fdl_purchase *pu,
                                  struct fdl_points_row *out, int max, int *count,
                                  struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, pu->program_id);
    pg_int(&p, pu->member_id);
    pg_int(&p, pu->id);
    PGresult *res;
    int rc = run(s, STMT_POINTS_GET, &p, NULL, &res, err);
    if (rc)
        return rc;
    int n = 0;
    for (int rows = PQntuples(res); n < rows && n < max; n++) {
        out[n].line_no = (int)pg_column_int(res, n, 0);
        pg_column_text(res, n, 1, out[n].rule, sizeof(out[n].rule));
        out[n].points = pg_column_int(res, n, 2);
    }
    PQclear(res);
    *count = n;
    return 0;
}

static int pg_key_get(struct fdl_store *st, const char *id, struct fdl_api_key *out,
                      struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(id && out);
    struct pg_params p = {0};
    pg_text(&p, id);
    PGresult *res;
    int rc = run_row(s, STMT_KEY_GET, &p, &res, err);
    if (rc)
        return rc;
    struct fdl_api_key key;
    memset(&key, 0, sizeof(key));
    pg_column_text(res, 0, 0, key.id, sizeof(key.id));
    key.program_id = pg_column_int(res, 0, 1);
    pg_column_text(res, 0, 2, key.name, sizeof(key.name));
    key.scopes = (unsigned)pg_column_int(res, 0, 3);
    key.created_at_s = pg_column_int(res, 0, 5);
    key.revoked = pg_column_int(res, 0, 6) != 0;
    pg_column_text(res, 0, 7, key.partner, sizeof(key.partner));
    rc = pg_column_bytes(res, 0, 4, key.hash, sizeof(key.hash))
             ? fdl_error_set(err, FDL_ESTORE, NULL, "API key %s has a bad hash", id)
             : 0;
    PQclear(res);
    if (rc == 0)
        *out = key;
    return rc;
}

static int pg_key_insert(struct fdl_store *st, const struct fdl_api_key *key,
                         struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(key);
    struct pg_params p = {0};
    pg_text(&p, key->id);
    pg_int(&p, key->program_id);
    pg_text(&p, key->name);
    pg_int(&p, key->scopes);
    pg_bytes(&p, key->hash, sizeof(key->hash));
    pg_int(&p, key->created_at_s);
    pg_int(&p, key->revoked != 0);
    pg_text(&p, key->partner);
    return run(s, STMT_KEY_INSERT, &p, api_key_keys, NULL, err);
}

/*
 * out->body is malloc'd (NULL if none was stored); fdl_idem_release frees it.
 * In a write transaction the key is first locked (an advisory lock on its
 * hash, held to the end of the transaction): a second process with the same
 * key waits for the first to commit and then finds its record, so it
 * replays the answer instead of running the request again.
 */
static int pg_idem_get(struct fdl_store *st, int64_t program_id, const char *key,
                       struct fdl_idem *out, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(key && out);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_text(&p, key);
    PGresult *res;
    int rc =
        s->write && in_transaction(s) ? run(s, STMT_IDEM_LOCK, &p, NULL, NULL, err) : 0;
    if (rc || (rc = run_row(s, STMT_IDEM_GET, &p, &res, err)))
        return rc;
    struct fdl_idem idem;
    memset(&idem, 0, sizeof(idem));
    idem.status = (int)pg_column_int(res, 0, 1);
    rc = pg_column_bytes(res, 0, 0, idem.request_hash, sizeof(idem.request_hash))
             ? fdl_error_set(err, FDL_ESTORE, NULL, "idempotency record has a bad hash")
             : 0;
    if (rc == 0 && !PQgetisnull(res, 0, 2) &&
        !(idem.body = strdup(PQgetvalue(res, 0, 2))))
        rc = fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    PQclear(res);
    if (rc == 0)
        *out = idem;
    return rc;
}

static int pg_idem_put(struct fdl_store *st, int64_t program_id, const char *key,
                       const struct fdl_idem *idem, int64_t now_s, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(key && idem);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_text(&p, key);
    pg_bytes(&p, idem->request_hash, sizeof(idem->request_hash));
    pg_int(&p, idem->status);
    pg_text(&p, idem->body);
    pg_int(&p, now_s);
    return run(s, STMT_IDEM_PUT, &p, idem_keys, NULL, err);
}

static int pg_idem_prune(struct fdl_store *st, int64_t program_id, int64_t before_s,
                         int limit, int64_t *deleted, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, before_s);
    pg_limit(&p, limit);
    PGresult *res;
    int rc = run(s, STMT_IDEM_PRUNE, &p, NULL, &res, err);
    if (rc)
        return rc;
    *deleted = pg_changes(res);
    PQclear(res);
    return 0;
}

/* ---- members ---- */

/* Reads row `row` of MEMBER_COLUMNS. */
static void member_read(const PGresult *res, int row, struct fdl_member *m)
{
    memset(m, 0, sizeof(*m));
    m->id = pg_column_int(res, row, 0);
    m->program_id = pg_column_int(res, row, 1);
    pg_column_text(res, row, 2, m->name, sizeof(m->name));
    pg_column_text(res, row, 3, m->name_key, sizeof(m->name_key));
    pg_column_text(res, row, 4, m->email, sizeof(m->email));
    pg_column_text(res, row, 5, m->phone, sizeof(m->phone));
    m->has_birthday = !PQgetisnull(res, row, 6);
    m->birthday_days = m->has_birthday ? pg_column_int(res, row, 6) : 0;
    m->marketing_consent = pg_column_int(res, row, 7) != 0;
    pg_column_text(res, row, 8, m->home_store, sizeof(m->home_store));
    m->balance = pg_column_int(res, row, 9);
    m->created_at_s = pg_column_int(res, row, 10);
    pg_column_text(res, row, 11, m->tier, sizeof(m->tier));
    m->tier_review_at_s = pg_column_int(res, row, 12);
}

/* Indexes each distinct space-separated word of name_key for member_search. */
static int member_names_insert(struct pg_store *s, int64_t program_id, int64_t member_id,
                               const char *name_key, struct fdl_error *err)
{
    int rc = 0;
    for (const char *w = name_key; rc == 0 && *w;) {
        w += strspn(w, " ");
        size_t len = strcspn(w, " ");
        if (len == 0)
            break;
        /* ON CONFLICT DO NOTHING: a repeated word is stored once */
        struct pg_params p = {0};
        pg_int(&p, program_id);
        pg_text_n(&p, w, len);
        pg_int(&p, member_id);
        rc = run(s, STMT_MEMBER_NAME_INSERT, &p, NULL, NULL, err);
        w += len;
    }
    return rc;
}

/* Inserts m (m->id is ignored) and its search words; sets m->id. */
static int pg_member_insert(struct fdl_store *st, struct fdl_member *m,
                            struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(m);
    int64_t id = 0;
    int rc = pg_op_begin(s, err);
    if (rc)
        return rc;
    struct pg_params p = {0};
    pg_int(&p, m->program_id);
    pg_text(&p, m->name);
    pg_text(&p, m->name_key);
    pg_text(&p, m->email);
    pg_text(&p, m->phone);
    if (m->has_birthday)
        pg_int(&p, m->birthday_days);
    else
        pg_text(&p, NULL);
    pg_int(&p, m->marketing_consent != 0);
    pg_text(&p, m->home_store);
    pg_int(&p, m->balance);
    pg_int(&p, m->created_at_s);
    rc = run_insert(s, STMT_MEMBER_INSERT, &p, member_keys, &id, err);
    if (rc == 0)
        rc = member_names_insert(s, m->program_id, id, m->name_key, err);
    if ((rc = pg_op_end(s, rc, err)) == 0)
        m->id = id;
    return rc;
}

/* Runs member query id with p and reads its one row into *out. */
static int member_fetch(struct pg_store *s, enum stmt_id id, const struct pg_params *p,
                        struct fdl_member *out, struct fdl_error *err)
{
    PGresult *res;
    int rc = run_row(s, id, p, &res, err);
    if (rc)
        return rc;
    struct fdl_member m;
    member_read(res, 0, &m);
    PQclear(res);
    *out = m;
    return 0;
}

/*
 * In a write transaction the member's row is locked until it ends: the
 * caller is about to change the member, and another process must wait for
 * that change instead of spending the same points.
 */
static int pg_member_get(struct fdl_store *st, int64_t program_id, int64_t id,
                         struct fdl_member *out, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(out);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, id);
    int locked = s->write && in_transaction(s);
    return member_fetch(s, locked ? STMT_MEMBER_GET_LOCKED : STMT_MEMBER_GET, &p, out,
                        err);
}

/* value is already normalised (lower-case email, "+digits" phone). */
static int pg_member_find(struct fdl_store *st, int64_t program_id,
                          enum fdl_member_lookup by, const char *value,
                          struct fdl_member *out, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(value && out);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_text(&p, value);
    return member_fetch(
        s, by == FDL_LOOKUP_EMAIL ? STMT_MEMBER_BY_EMAIL : STMT_MEMBER_BY_PHONE, &p, out,
        err);
}

/* Decodes the UTF-8 sequence of len bytes at s (already valid). */
static uint32_t utf8_decode(const unsigned char *s, size_t len)
{
    if (len == 1)
        return s[0];
    uint32_t c = s[0] & (0x7Fu >> len);
    for (size_t i = 1; i < len; i++)
        c = (c << 6) | (s[i] & 0x3Fu);
    return c;
}

/* Encodes code point c at out; returns its length. */
static size_t utf8_encode(uint32_t c, char *out)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/*
 * Writes into high the least valid UTF-8 string greater than every string
 * that starts with word: word with its last code point incremented (after
 * dropping trailing U+10FFFF). Bytewise order is code point order, so this
 * is the same range as sqlite.c's prefix_bound, but PostgreSQL accepts it as
 * text. Returns its length, or 0 if there is none.
 */
static size_t prefix_bound(const char *word, char *high, size_t cap)
{
    size_t len = strlen(word);
    if (len + 4 >= cap)
        return 0;
    memcpy(high, word, len);
    while (len > 0) {
        size_t start = len - 1;
        while (start > 0 && ((unsigned char)high[start] & 0xC0) == 0x80)
            start--;
        uint32_t c = utf8_decode((const unsigned char *)high + start, len - start);
        if (c >= UTF8_MAX_CODE_POINT) {
            len = start;
            continue;
        }
        c = c + 1 == 0xD800 ? 0xE000 : c + 1; /* no surrogates */
        return start + utf8_encode(c, high + start);
    }
    return 0;
}

/*
 * Members of the program having, for every word, a name word that starts
 * with it; ids above after_id, ascending, at most limit.
 */
static int pg_member_search(struct fdl_store *st, int64_t program_id, char **words,
                            int n_words, int64_t after_id, int limit,
                            struct fdl_member *out, int *count, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(words && count && (out || limit <= 0));
    if (n_words < 1 || n_words > FDL_MAX_SEARCH_WORDS)
        return fdl_error_set(err, FDL_EINVALID, "q", "give 1 to %d words",
                             FDL_MAX_SEARCH_WORDS);
    if (limit <= 0) {
        *count = 0;
        return 0;
    }
    /* the longest word drives the scan: put it first */
    const char *ordered[FDL_MAX_SEARCH_WORDS];
    int longest = 0;
    for (int i = 1; i < n_words; i++)
        if (strlen(words[i]) > strlen(words[longest]))
            longest = i;
    ordered[0] = words[longest];
    for (int i = 0, k = 1; i < n_words; i++)
        if (i != longest)
            ordered[k++] = words[i];
    char high[FDL_MAX_SEARCH_WORDS][SEARCH_WORD_MAX];
    size_t high_len[FDL_MAX_SEARCH_WORDS];
    for (int i = 0; i < n_words; i++)
        if ((high_len[i] = prefix_bound(ordered[i], high[i], sizeof(high[i]))) == 0)
            return fdl_error_set(err, FDL_EINVALID, "q", "cannot search for this word");

    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, after_id);
    pg_int(&p, limit);
    for (int i = 0; i < n_words; i++) {
        pg_text(&p, ordered[i]);
        pg_text_n(&p, high[i], high_len[i]);
    }
    PGresult *res;
    int rc = run(s, STMT_MEMBER_SEARCH_1 + n_words - 1, &p, NULL, &res, err);
    if (rc)
        return rc;
    int n = 0;
    for (int rows = PQntuples(res); n < rows && n < limit; n++)
        member_read(res, n, &out[n]);
    PQclear(res);
    *count = n;
    return 0;
}

static int pg_member_set_balance(struct fdl_store *st, int64_t program_id,
                                 int64_t member_id, int64_t balance,
                                 struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    pg_int(&p, balance);
    return run_update(s, STMT_MEMBER_SET_BALANCE, &p, "member", member_id, err);
}

/* ---- cards ---- */

/* Reads row `row` of CARD_COLUMNS. */
static void card_read(const PGresult *res, int row, struct fdl_card *c)
{
    memset(c, 0, sizeof(*c));
    pg_column_text(res, row, 0, c->number, sizeof(c->number));
    c->program_id = pg_column_int(res, row, 1);
    c->member_id = pg_column_int(res, row, 2);
    c->status = (enum fdl_card_status)pg_column_int(res, row, 3);
    c->issued_at_s = pg_column_int(res, row, 4);
    c->blocked_at_s = pg_column_int(res, row, 5);
    pg_column_text(res, row, 6, c->block_reason, sizeof(c->block_reason));
    pg_column_text(res, row, 7, c->replaced_by, sizeof(c->replaced_by));
}

static int pg_card_insert(struct fdl_store *st, const struct fdl_card *c,
                          struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(c);
    struct pg_params p = {0};
    pg_text(&p, c->number);
    pg_int(&p, c->program_id);
    pg_int(&p, c->member_id);
    pg_int(&p, c->status);
    pg_int(&p, c->issued_at_s);
    pg_optional(&p, c->blocked_at_s);
    pg_text(&p, c->block_reason);
    pg_text(&p, c->replaced_by);
    return run(s, STMT_CARD_INSERT, &p, card_keys, NULL, err);
}

static int pg_card_get(struct fdl_store *st, int64_t program_id, const char *number,
                       struct fdl_card *out, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(number && out);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_text(&p, number);
    PGresult *res;
    int rc = run_row(s, STMT_CARD_GET, &p, &res, err);
    if (rc)
        return rc;
    struct fdl_card c;
    card_read(res, 0, &c);
    PQclear(res);
    *out = c;
    return 0;
}

/* Writes the card's status, block time and reason, and replacement. */
static int pg_card_update(struct fdl_store *st, const struct fdl_card *c,
                          struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(c);
    struct pg_params p = {0};
    pg_int(&p, c->program_id);
    pg_text(&p, c->number);
    pg_int(&p, c->status);
    pg_optional(&p, c->blocked_at_s);
    pg_text(&p, c->block_reason);
    pg_text(&p, c->replaced_by);
    PGresult *res;
    int rc = run(s, STMT_CARD_UPDATE, &p, NULL, &res, err);
    if (rc)
        return rc;
    if (pg_changes(res) == 0)
        rc = fdl_error_set(err, FDL_ENOT_FOUND, NULL, "no such card");
    PQclear(res);
    return rc;
}

/* The member's cards, active first, newest first, at most max. */
static int pg_card_list(struct fdl_store *st, int64_t program_id, int64_t member_id,
                        struct fdl_card *out, int max, int *count, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(count && (out || max <= 0));
    if (max <= 0) {
        *count = 0;
        return 0;
    }
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    pg_int(&p, max);
    PGresult *res;
    int rc = run(s, STMT_CARD_LIST, &p, NULL, &res, err);
    if (rc)
        return rc;
    int n = 0;
    for (int rows = PQntuples(res); n < rows && n < max; n++)
        card_read(res, n, &out[n]);
    PQclear(res);
    *count = n;
    return 0;
}

/* ---- lots and moves ---- */

/* Reads row `row` of LOT_COLUMNS. */
static void lot_read(const PGresult *res, int row, struct fdl_lot *lot)
{
    memset(lot, 0, sizeof(*lot));
    lot->id = pg_column_int(res, row, 0);
    lot->remaining = pg_column_int(res, row, 1);
    lot->available_at_s = pg_column_int(res, row, 2);
    lot->expires_at_s = pg_column_int(res, row, 3);
    lot->purchase_id = pg_column_int(res, row, 4);
    lot->expired = pg_column_int(res, row, 5);
}

/* Appends the lots of res to lots (all or none) and clears res. */
static int push_lots(PGresult *res, struct fdl_lots *lots, struct fdl_error *err)
{
    int rc = 0;
    size_t before = lots->count;
    for (int i = 0, rows = PQntuples(res); i < rows && rc == 0; i++) {
        struct fdl_lot lot;
        size_t at;
        lot_read(res, i, &lot);
        if (fdl_lots_push(lots, &lot, &at))
            rc = fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    }
    PQclear(res);
    if (rc)
        lots->count = before;
    return rc;
}

/*
 * Appends the member's live lots in spending order. In a write transaction
 * it first locks the member's row (see pg_member_get): the lots read after
 * the lock are the latest committed ones, and stay ours until we commit.
 */
static int pg_lots_load(struct fdl_store *st, int64_t program_id, int64_t member_id,
                        struct fdl_lots *lots, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(lots);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    int rc =
        s->write && in_transaction(s) ? run(s, STMT_MEMBER_LOCK, &p, NULL, NULL, err) : 0;
    PGresult *res;
    if (rc || (rc = run(s, STMT_LOTS_LOAD, &p, NULL, &res, err)))
        return rc;
    return push_lots(res, lots, err);
}

static int pg_lots_select(struct fdl_store *st, int64_t program_id, int64_t member_id,
                          const struct fdl_lot_query *q, struct fdl_lots *lots,
                          struct fdl_error *err)
{
    static const enum stmt_id stmt_of[] = {
        [FDL_LOTS_DEBT] = STMT_LOTS_DEBT,
        [FDL_LOTS_OF_PURCHASE] = STMT_LOTS_OF_PURCHASE,
        [FDL_LOTS_SPENDABLE] = STMT_LOTS_SPENDABLE,
        [FDL_LOTS_POSITIVE] = STMT_LOTS_POSITIVE,
        [FDL_LOTS_DUE] = STMT_LOTS_DUE,
    };
    struct pg_store *s = pg_of(st);
    assert(lots && q && q->limit > 0);
    assert(q->set >= FDL_LOTS_DEBT && q->set <= FDL_LOTS_DUE);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    switch (q->set) {
    case FDL_LOTS_DEBT:
        break;
    case FDL_LOTS_OF_PURCHASE:
        pg_int(&p, q->purchase_id);
        break;
    case FDL_LOTS_SPENDABLE:
        pg_int(&p, q->after_expires_at_s);
        pg_int(&p, q->after_id);
        pg_int(&p, q->now_s);
        break;
    case FDL_LOTS_POSITIVE:
        pg_int(&p, q->after_expires_at_s);
        pg_int(&p, q->after_id);
        break;
    case FDL_LOTS_DUE:
        pg_int(&p, q->now_s);
        break;
    }
    pg_int(&p, q->limit);
    PGresult *res;
    int rc = run(s, stmt_of[q->set], &p, NULL, &res, err);
    if (rc)
        return rc;
    return push_lots(res, lots, err);
}

static int pg_lot_sums(struct fdl_store *st, int64_t program_id, int64_t member_id,
                       int64_t now_s, int64_t horizon_s, struct fdl_lot_sums *out,
                       struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(out && horizon_s >= now_s);
    struct fdl_lot_sums sums;
    memset(&sums, 0, sizeof(sums));
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    pg_int(&p, now_s);
    pg_int(&p, horizon_s);
    PGresult *res;
    int rc = run(s, STMT_LOT_SUMS, &p, NULL, &res, err);
    if (rc)
        return rc;
    for (int i = 0, rows = PQntuples(res); i < rows; i++) {
        if (pg_column_int(res, i, 0) == 0) {
            sums.pending = pg_column_int(res, i, 2);
            continue;
        }
        sums.due += pg_column_int(res, i, 3);
        if (sums.expiring_count == FDL_LOT_SUMS_MAX_EXPIRING)
            continue; /* the later ones only add to `due` */
        sums.expiring[sums.expiring_count].expires_at_s = pg_column_int(res, i, 1);
        sums.expiring[sums.expiring_count++].points = pg_column_int(res, i, 2);
    }
    PQclear(res);
    *out = sums;
    return 0;
}

static int pg_lot_get(struct fdl_store *st, int64_t program_id, int64_t member_id,
                      int64_t lot_id, struct fdl_lot *out, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(out);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    pg_int(&p, lot_id);
    PGresult *res;
    int rc = run_row(s, STMT_LOT_GET, &p, &res, err);
    if (rc)
        return rc;
    struct fdl_lot lot;
    lot_read(res, 0, &lot);
    PQclear(res);
    *out = lot;
    return 0;
}

/* Inserts lot (lot->id is ignored) and sets lot->id. */
static int pg_lot_insert(struct fdl_store *st, int64_t program_id, int64_t member_id,
                         struct fdl_lot *lot, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(lot);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    pg_int(&p, lot->remaining);
    pg_int(&p, lot->available_at_s);
    pg_int(&p, lot->expires_at_s);
    pg_optional(&p, lot->purchase_id);
    pg_int(&p, lot->expired);
    return run_insert(s, STMT_LOT_INSERT, &p, NULL, &lot->id, err);
}

/* Writes lot->remaining and lot->expired (the only things about a lot that change). */
static int pg_lot_update(struct fdl_store *st, int64_t program_id, int64_t member_id,
                         const struct fdl_lot *lot, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(lot);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    pg_int(&p, lot->id);
    pg_int(&p, lot->remaining);
    pg_int(&p, lot->expired);
    return run_update(s, STMT_LOT_UPDATE, &p, "lot", lot->id, err);
}

static int pg_move_insert(struct fdl_store *st, int64_t program_id, int64_t member_id,
                          int64_t entry_id, int64_t lot_id, int64_t delta,
                          struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    pg_int(&p, entry_id);
    pg_int(&p, lot_id);
    pg_int(&p, delta);
    return run(s, STMT_MOVE_INSERT, &p, NULL, NULL, err);
}

/* The entry's moves in insertion order; *out is malloc'd (the caller frees it). */
static int pg_moves_of_entry(struct fdl_store *st, int64_t program_id, int64_t member_id,
                             int64_t entry_id, struct fdl_stored_move **out,
                             size_t *count, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(out && count);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    pg_int(&p, entry_id);
    PGresult *res;
    int rc = run(s, STMT_MOVES_OF_ENTRY, &p, NULL, &res, err);
    if (rc)
        return rc;
    size_t n = (size_t)PQntuples(res);
    struct fdl_stored_move *moves = malloc((n + 1) * sizeof(*moves));
    for (size_t i = 0; moves && i < n; i++) {
        moves[i].lot_id = pg_column_int(res, (int)i, 0);
        moves[i].delta = pg_column_int(res, (int)i, 1);
    }
    PQclear(res);
    if (!moves)
        return fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    *out = moves;
    *count = n;
    return 0;
}

/* ---- entries ---- */

/*
 * Inserts e (its member is e->member_id) and its postings; sets *entry_id.
 * An entry that does not balance is refused: the store never holds one.
 */
static int pg_entry_insert(struct fdl_store *st, int64_t program_id,
                           const struct fdl_entry *e, int64_t purchase_id,
                           const char *reason, const char *actor, int64_t now_s,
                           int64_t *entry_id, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(e && entry_id);
    if (fdl_entry_check(e) != 0)
        return fdl_error_set(err, FDL_EINTERNAL, NULL,
                             "refusing an entry that does not balance");
    int64_t id = 0;
    int rc = pg_op_begin(s, err);
    if (rc)
        return rc;
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, e->member_id);
    pg_int(&p, e->kind);
    pg_optional(&p, purchase_id);
    pg_text(&p, reason);
    pg_text(&p, actor);
    pg_int(&p, now_s);
    rc = run_insert(s, STMT_ENTRY_INSERT, &p, NULL, &id, err);
    for (int i = 0; i < e->posting_count && rc == 0; i++) {
        struct pg_params q = {0};
        pg_int(&q, id);
        pg_int(&q, i);
        pg_int(&q, program_id);
        pg_int(&q, e->member_id);
        pg_int(&q, e->postings[i].account);
        pg_int(&q, e->postings[i].amount);
        rc = run(s, STMT_POSTING_INSERT, &q, NULL, NULL, err);
    }
    if ((rc = pg_op_end(s, rc, err)) == 0)
        *entry_id = id;
    return rc;
}

/* The member's entries before before_entry_id (0: the newest), newest first. */
static int pg_history(struct fdl_store *st, int64_t program_id, int64_t member_id,
                      int64_t before_entry_id, int limit, struct fdl_history_row *out,
                      int *count, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(count && (out || limit <= 0));
    if (limit <= 0) {
        *count = 0;
        return 0;
    }
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    pg_int(&p, before_entry_id > 0 ? before_entry_id : INT64_MAX);
    pg_int(&p, limit);
    PGresult *res;
    int rc = run(s, STMT_HISTORY, &p, NULL, &res, err);
    if (rc)
        return rc;
    int n = 0;
    for (int rows = PQntuples(res); n < rows && n < limit; n++) {
        struct fdl_history_row *row = &out[n];
        memset(row, 0, sizeof(*row));
        row->entry_id = pg_column_int(res, n, 0);
        row->kind = (enum fdl_entry_kind)pg_column_int(res, n, 1);
        row->points = pg_column_int(res, n, 2);
        row->created_at_s = pg_column_int(res, n, 3);
        pg_column_text(res, n, 4, row->txn_id, sizeof(row->txn_id));
        pg_column_text(res, n, 5, row->reason, sizeof(row->reason));
        pg_column_text(res, n, 6, row->actor, sizeof(row->actor));
    }
    PQclear(res);
    *count = n;
    return 0;
}

/* ---- purchases and refunds ---- */

static int line_insert(struct pg_store *s, const struct fdl_purchase *pu,
                       const struct fdl_purchase_line *l, struct fdl_error *err)
{
    struct pg_params p = {0};
    pg_int(&p, pu->program_id);
    pg_int(&p, pu->member_id);
    pg_int(&p, pu->id);
    pg_int(&p, l->line_no);
    pg_text(&p, l->sku);
    pg_text(&p, l->category);
    pg_int(&p, l->quantity);
    pg_int(&p, l->unit_price_minor);
    pg_int(&p, l->amount_minor);
    pg_int(&p, l->points);
    pg_int(&p, l->redeemed_points);
    pg_int(&p, l->refunded_quantity);
    pg_int(&p, l->clawed_points);
    pg_int(&p, l->restored_points);
    pg_int(&p, l->coupon_discount_minor);
    return run(s, STMT_LINE_INSERT, &p, NULL, NULL, err);
}

/* Inserts p (p->id is ignored) and its p->line_count lines; sets p->id. */
static int pg_purchase_insert(struct fdl_store *st, struct fdl_purchase *pu,
                              const struct fdl_purchase_line *lines,
                              struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(pu);
    if (pu->line_count < 0 || pu->line_count > FDL_MAX_BASKET_LINES ||
        (pu->line_count && !lines))
        return fdl_error_set(err, FDL_EINVALID, "lines", "bad line count %d",
                             pu->line_count);
    int rc = pg_op_begin(s, err);
    if (rc)
        return rc;
    struct pg_params p = {0};
    pg_int(&p, pu->program_id);
    pg_int(&p, pu->member_id);
    pg_text(&p, pu->txn_id);
    pg_text(&p, pu->store_code);
    pg_text(&p, pu->channel);
    pg_text(&p, pu->currency);
    pg_int(&p, pu->occurred_at_s);
    pg_int(&p, pu->recorded_at_s);
    pg_int(&p, pu->total_minor);
    pg_int(&p, pu->discount_minor);
    pg_int(&p, pu->points_earned);
    pg_int(&p, pu->points_redeemed);
    pg_int(&p, pu->refunded_minor);
    pg_int(&p, pu->points_clawed);
    pg_int(&p, pu->points_restored);
    pg_optional(&p, pu->redeem_entry_id);
    pg_int(&p, pu->line_count);
    pg_int(&p, pu->program_version);
    pg_int(&p, pu->coupon_discount_minor);
    struct fdl_purchase stored = *pu;
    rc = run_insert(s, STMT_PURCHASE_INSERT, &p, purchase_keys, &stored.id, err);
    for (int i = 0; i < pu->line_count && rc == 0; i++)
        rc = line_insert(s, &stored, &lines[i], err);
    if ((rc = pg_op_end(s, rc, err)) == 0)
        pu->id = stored.id;
    return rc;
}

/* Reads row 0 of PURCHASE_COLUMNS. */
static void purchase_read(const PGresult *res, struct fdl_purchase *pu)
{
    memset(pu, 0, sizeof(*pu));
    pu->id = pg_column_int(res, 0, 0);
    pu->program_id = pg_column_int(res, 0, 1);
    pu->member_id = pg_column_int(res, 0, 2);
    pg_column_text(res, 0, 3, pu->txn_id, sizeof(pu->txn_id));
    pg_column_text(res, 0, 4, pu->store_code, sizeof(pu->store_code));
    pg_column_text(res, 0, 5, pu->channel, sizeof(pu->channel));
    pg_column_text(res, 0, 6, pu->currency, sizeof(pu->currency));
    pu->occurred_at_s = pg_column_int(res, 0, 7);
    pu->recorded_at_s = pg_column_int(res, 0, 8);
    pu->total_minor = pg_column_int(res, 0, 9);
    pu->discount_minor = pg_column_int(res, 0, 10);
    pu->points_earned = pg_column_int(res, 0, 11);
    pu->points_redeemed = pg_column_int(res, 0, 12);
    pu->refunded_minor = pg_column_int(res, 0, 13);
    pu->points_clawed = pg_column_int(res, 0, 14);
    pu->points_restored = pg_column_int(res, 0, 15);
    pu->redeem_entry_id = pg_column_int(res, 0, 16);
    pu->line_count = (int)pg_column_int(res, 0, 17);
    pu->program_version = pg_column_int(res, 0, 18);
    pu->coupon_discount_minor = pg_column_int(res, 0, 19);
}

/* Reads row `row` of LINE_COLUMNS. */
static void line_read(const PGresult *res, int row, struct fdl_purchase_line *l)
{
    memset(l, 0, sizeof(*l));
    l->line_no = (int)pg_column_int(res, row, 0);
    pg_column_text(res, row, 1, l->sku, sizeof(l->sku));
    pg_column_text(res, row, 2, l->category, sizeof(l->category));
    l->quantity = pg_column_int(res, row, 3);
    l->unit_price_minor = pg_column_int(res, row, 4);
    l->amount_minor = pg_column_int(res, row, 5);
    l->points = pg_column_int(res, row, 6);
    l->redeemed_points = pg_column_int(res, row, 7);
    l->refunded_quantity = pg_column_int(res, row, 8);
    l->clawed_points = pg_column_int(res, row, 9);
    l->restored_points = pg_column_int(res, row, 10);
    l->coupon_discount_minor = pg_column_int(res, row, 11);
}

/* Reads exactly pu->line_count lines of pu into a malloc'd array. */
static int lines_load(struct pg_store *s, const struct fdl_purchase *pu,
                      struct fdl_purchase_line **out, struct fdl_error *err)
{
    struct pg_params p = {0};
    pg_int(&p, pu->program_id);
    pg_int(&p, pu->member_id);
    pg_int(&p, pu->id);
    PGresult *res;
    int rc = run(s, STMT_LINES_GET, &p, NULL, &res, err);
    if (rc)
        return rc;
    int n = PQntuples(res);
    if (n != pu->line_count) {
        PQclear(res);
        return fdl_error_set(err, FDL_ESTORE, NULL,
                             "purchase %lld has %d of its %d lines", (long long)pu->id, n,
                             pu->line_count);
    }
    /* never NULL, even for no lines */
    struct fdl_purchase_line *lines = calloc((size_t)n + 1, sizeof(*lines));
    for (int i = 0; lines && i < n; i++)
        line_read(res, i, &lines[i]);
    PQclear(res);
    if (!lines)
        return fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    *out = lines;
    return 0;
}

/*
 * The purchase with this till transaction id; *lines is malloc'd (caller
 * frees). In a write transaction the purchase's row is locked first (a
 * refund decides from its refunded quantities), and the lines are read
 * after the lock, so they are the latest committed ones.
 */
static int pg_purchase_get(struct fdl_store *st, int64_t program_id, const char *txn_id,
                           struct fdl_purchase *out, struct fdl_purchase_line **lines,
                           struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(txn_id && out && lines);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_text(&p, txn_id);
    PGresult *res;
    int locked = s->write && in_transaction(s);
    int rc =
        run_row(s, locked ? STMT_PURCHASE_GET_LOCKED : STMT_PURCHASE_GET, &p, &res, err);
    if (rc)
        return rc;
    struct fdl_purchase pu;
    purchase_read(res, &pu);
    PQclear(res);
    if (pu.line_count < 0 || pu.line_count > FDL_MAX_BASKET_LINES)
        return fdl_error_set(err, FDL_ESTORE, NULL, "purchase %lld has a bad line count",
                             (long long)pu.id);
    struct fdl_purchase_line *loaded = NULL;
    if ((rc = lines_load(s, &pu, &loaded, err)) == 0) {
        *out = pu;
        *lines = loaded;
    }
    return rc;
}

/*
 * Writes what changes after insertion: the purchase's refund totals and its
 * redemption entry, and each line's refunded quantity and points.
 */
static int pg_purchase_update(struct fdl_store *st, const struct fdl_purchase *pu,
                              const struct fdl_purchase_line *lines,
                              struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(pu);
    if (pu->line_count < 0 || pu->line_count > FDL_MAX_BASKET_LINES ||
        (pu->line_count && !lines))
        return fdl_error_set(err, FDL_EINVALID, "lines", "bad line count %d",
                             pu->line_count);
    int rc = pg_op_begin(s, err);
    if (rc)
        return rc;
    struct pg_params p = {0};
    pg_int(&p, pu->program_id);
    pg_int(&p, pu->member_id);
    pg_int(&p, pu->id);
    pg_int(&p, pu->refunded_minor);
    pg_int(&p, pu->points_clawed);
    pg_int(&p, pu->points_restored);
    pg_optional(&p, pu->redeem_entry_id);
    rc = run_update(s, STMT_PURCHASE_UPDATE, &p, "purchase", pu->id, err);
    for (int i = 0; i < pu->line_count && rc == 0; i++) {
        const struct fdl_purchase_line *l = &lines[i];
        struct pg_params q = {0};
        pg_int(&q, pu->program_id);
        pg_int(&q, pu->member_id);
        pg_int(&q, pu->id);
        pg_int(&q, l->line_no);
        pg_int(&q, l->refunded_quantity);
        pg_int(&q, l->clawed_points);
        pg_int(&q, l->restored_points);
        rc = run(s, STMT_LINE_UPDATE, &q, NULL, NULL, err);
    }
    return pg_op_end(s, rc, err);
}

/* Inserts r (r->id is ignored) and sets r->id. */
static int pg_refund_insert(struct fdl_store *st, struct fdl_refund *r,
                            struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(r);
    struct pg_params p = {0};
    pg_int(&p, r->program_id);
    pg_int(&p, r->member_id);
    pg_int(&p, r->purchase_id);
    pg_text(&p, r->refund_id);
    pg_int(&p, r->amount_minor);
    pg_int(&p, r->points_clawed);
    pg_int(&p, r->points_restored);
    pg_int(&p, r->created_at_s);
    return run_insert(s, STMT_REFUND_INSERT, &p, refund_keys, &r->id, err);
}

/* ---- segments (the sqlite_segments.c ops, written as a feature file would) ---- */

static struct pg_sql q_segments_get = {"SELECT segment FROM member_segments"
                                       " WHERE program_id = $1 AND member_id = $2"
                                       " ORDER BY segment LIMIT $3",
                                       0};
static struct pg_sql q_segments_clear = {"DELETE FROM member_segments"
                                         " WHERE program_id = $1 AND member_id = $2",
                                         0};
static struct pg_sql q_segments_add = {
    "INSERT INTO member_segments (program_id, member_id, segment) VALUES ($1, $2, $3)",
    0};

static int pg_member_segments_get(struct fdl_store *st, int64_t program_id,
                                  int64_t member_id, char (*out)[FDL_SEGMENT_MAX + 1],
                                  int max, int *count, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    pg_limit(&p, max);
    PGresult *res;
    int rc = pg_run_sql(s, &q_segments_get, &p, NULL, &res, err);
    if (rc)
        return rc;
    int n = 0;
    for (int rows = PQntuples(res); n < rows && n < max; n++)
        pg_column_text(res, n, 0, out[n], FDL_SEGMENT_MAX + 1);
    PQclear(res);
    *count = n;
    return 0;
}

static int pg_member_segments_set(struct fdl_store *st, int64_t program_id,
                                  int64_t member_id, const char *const *segments, int n,
                                  struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    int rc = pg_op_begin(s, err);
    if (rc)
        return rc;
    rc = pg_run_sql(s, &q_segments_clear, &p, NULL, NULL, err);
    for (int i = 0; i < n && rc == 0; i++) {
        struct pg_params q = {0};
        pg_int(&q, program_id);
        pg_int(&q, member_id);
        pg_text(&q, segments[i]);
        rc = pg_run_sql(s, &q_segments_add, &q, segment_keys, NULL, err);
    }
    return pg_op_end(s, rc, err);
}

/* ---- expiry and reports ---- */

/* Up to limit distinct members with points in a lot that expired by now_s. */
static int pg_members_with_expired_lots(struct fdl_store *st, int64_t program_id,
                                        int64_t now_s, int limit, int64_t *member_ids,
                                        int *count, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(count && (member_ids || limit <= 0));
    if (limit <= 0) {
        *count = 0;
        return 0;
    }
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, now_s);
    pg_int(&p, limit);
    PGresult *res;
    int rc = run(s, STMT_EXPIRED_MEMBERS, &p, NULL, &res, err);
    if (rc)
        return rc;
    *count = read_ids(res, member_ids, limit);
    PQclear(res);
    return 0;
}

/* The program's counts and point totals (scans the program: not per request). */
static int pg_totals(struct fdl_store *st, int64_t program_id, struct fdl_totals *out,
                     struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(out);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    int64_t v[8];
    int rc = select_ints(s, STMT_TOTALS, &p, v, 8, err);
    if (rc)
        return rc;
    struct fdl_totals t;
    t.members = v[0];
    t.outstanding = v[1];
    t.cards = v[2];
    t.purchases = v[3];
    t.issued = v[4];
    t.redeemed = v[5];
    t.expired = v[6];
    t.adjusted = v[7];
    *out = t;
    return 0;
}

static int audit_run(struct pg_store *s, struct fdl_audit *a, struct fdl_error *err)
{
    int64_t entries[3] = {0}, postings[1] = {0}, members[5] = {0}, lots[3] = {0};
    int rc = select_ints(s, STMT_AUDIT_ENTRIES, NULL, entries, 3, err);
    if (rc == 0)
        rc = select_ints(s, STMT_AUDIT_POSTINGS, NULL, postings, 1, err);
    if (rc == 0)
        rc = select_ints(s, STMT_AUDIT_MEMBERS, NULL, members, 5, err);
    if (rc == 0)
        rc = select_ints(s, STMT_AUDIT_LOTS, NULL, lots, 3, err);
    if (rc)
        return rc;
    memset(a, 0, sizeof(*a));
    a->entries = entries[0];
    a->unbalanced_entries = entries[1];
    a->first_bad_entry = entries[2];
    a->postings = postings[0];
    a->members = members[0];
    a->balance_mismatches = members[1];
    a->lot_mismatches = members[3];
    /* the lowest member id that fails either check */
    a->first_bad_member = members[2];
    if (members[4] && (!a->first_bad_member || members[4] < a->first_bad_member))
        a->first_bad_member = members[4];
    a->lots = lots[0];
    a->move_mismatches = lots[1];
    a->first_bad_lot = lots[2];
    return 0;
}

/*
 * Checks the ledger invariants of ledger.h over the whole database, in one
 * REPEATABLE READ transaction (or the caller's) so all checks see one
 * snapshot.
 */
static int pg_audit(struct fdl_store *st, struct fdl_audit *out, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    assert(out);
    int own = PQtransactionStatus(s->conn) == PQTRANS_IDLE;
    int rc =
        own ? exec_sql(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err) : 0;
    struct fdl_audit a;
    if (rc == 0)
        rc = audit_run(s, &a, err);
    if (own && rc == 0)
        rc = exec_sql(s, "COMMIT", err);
    if (own && rc)
        pg_rollback(st);
    if (rc == 0)
        *out = a;
    return rc;
}

/* ---- migrations ---- */

static int schema_version(struct fdl_store *st, int64_t *version, struct fdl_error *err)
{
    char text[32];
    int rc = pg_meta_get(st, "schema_version", text, sizeof(text), err);
    if (rc == FDL_ENOT_FOUND) {
        fdl_error_clear(err);
        *version = 0;
        return 0;
    }
    if (rc)
        return rc;
    char *end;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end || v < 0)
        return fdl_error_set(err, FDL_ESTORE, "schema_version", "is corrupt: \"%s\"",
                             text);
    *version = v;
    return 0;
}

/*
 * Applies one pending migration in its own transaction, holding an advisory
 * lock and re-reading the version inside it, so that two processes racing
 * apply it once. Sets *done when none was pending.
 */
static int migrate_step(struct pg_store *s, int *done, struct fdl_error *err)
{
    struct fdl_store *st = (struct fdl_store *)s;
    int64_t version = 0;
    char lock[64];
    snprintf(lock, sizeof(lock), "SELECT pg_advisory_xact_lock(%d)", PG_MIGRATE_LOCK);
    int rc = exec_sql(s, "BEGIN", err);
    if (rc)
        return rc;
    rc = exec_sql(s, lock, err);
    if (rc == 0)
        rc = exec_sql(s, meta_table_sql, err);
    if (rc == 0)
        rc = schema_version(st, &version, err);
    if (rc == 0 && version > MIGRATION_COUNT)
        rc = fdl_error_set(err, FDL_ESTORE, "db",
                           "the schema is version %lld, newer than this build's %lld",
                           (long long)version, (long long)MIGRATION_COUNT);
    *done = rc == 0 && version == MIGRATION_COUNT;
    if (rc == 0 && !*done) {
        char text[32];
        snprintf(text, sizeof(text), "%lld", (long long)version + 1);
        rc = exec_sql(s, migrations[version], err);
        if (rc == 0)
            rc = pg_meta_set(st, "schema_version", text, err);
    }
    if (rc == 0)
        rc = pg_commit(st, err);
    if (rc)
        pg_rollback(st);
    return rc;
}

/* Brings the schema up to date; does nothing if it is. Not inside a transaction. */
static int pg_migrate(struct fdl_store *st, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    if (PQtransactionStatus(s->conn) != PQTRANS_IDLE)
        return fdl_error_set(err, FDL_EINTERNAL, NULL,
                             "cannot migrate inside a transaction");
    int done = 0, rc = 0;
    while (rc == 0 && !done)
        rc = migrate_step(s, &done, err);
    return rc;
}

const struct fdl_store_ops fdl_store_pg = {
    .name = "postgres",
    .schema_version = (int)MIGRATION_COUNT,
    .open = pg_open,
    .close = pg_close,
    .migrate = pg_migrate,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .savepoint = pg_savepoint,
    .release = pg_release,
    .rollback_to = pg_rollback_to,
    .meta_get = pg_meta_get,
    .meta_set = pg_meta_set,
    .program_get = pg_program_get,
    .program_put = pg_program_put,
    .in_transaction = pg_in_transaction,
    .program_version_insert = pg_program_version_insert,
    .program_versions_load = pg_program_versions_load,
    .program_version_latest = pg_program_version_latest,
    .member_visits = pg_member_visits,
    .member_set_tier = pg_member_set_tier,
    .member_activity = pg_member_activity,
    .members_due_review = pg_members_due_review,
    .purchase_points_insert = pg_purchase_points_insert,
    .purchase_points_get = pg_purchase_points_get,
    .key_get = pg_key_get,
    .key_insert = pg_key_insert,
    .idem_get = pg_idem_get,
    .idem_put = pg_idem_put,
    .idem_prune = pg_idem_prune,
    .member_segments_get = pg_member_segments_get,
    .member_segments_set = pg_member_segments_set,
    .member_insert = pg_member_insert,
    .member_get = pg_member_get,
    .member_find = pg_member_find,
    .member_search = pg_member_search,
    .member_set_balance = pg_member_set_balance,
    .card_insert = pg_card_insert,
    .card_get = pg_card_get,
    .card_update = pg_card_update,
    .card_list = pg_card_list,
    .lots_load = pg_lots_load,
    .lots_select = pg_lots_select,
    .lot_sums = pg_lot_sums,
    .lot_get = pg_lot_get,
    .lot_insert = pg_lot_insert,
    .lot_update = pg_lot_update,
    .move_insert = pg_move_insert,
    .moves_of_entry = pg_moves_of_entry,
    .entry_insert = pg_entry_insert,
    .history = pg_history,
    .purchase_insert = pg_purchase_insert,
    .purchase_get = pg_purchase_get,
    .purchase_update = pg_purchase_update,
    .refund_insert = pg_refund_insert,
    .members_with_expired_lots = pg_members_with_expired_lots,
    .totals = pg_totals,
    .audit = pg_audit,
    /* -- punch cards -- */
    .stamp_card_get = pg_stamp_card_get,
    .stamp_card_put = pg_stamp_card_put,
    .stamp_cards_list = pg_stamp_cards_list,
    .stamp_cards_lapsed = pg_stamp_cards_lapsed,
    .stamp_voucher_insert = pg_stamp_voucher_insert,
    .stamp_voucher_get = pg_stamp_voucher_get,
    .stamp_voucher_update = pg_stamp_voucher_update,
    .stamp_vouchers_list = pg_stamp_vouchers_list,
    .stamp_grant_insert = pg_stamp_grant_insert,
    .stamp_grants_of = pg_stamp_grants_of,
    .stamp_grant_update = pg_stamp_grant_update,
    /* -- rewards -- */
    .redemption_insert = pg_redemption_insert,
    .redemption_get = pg_redemption_get,
    .redemption_update = pg_redemption_update,
    .redemptions_of = pg_redemptions_of,
    .redemption_counts = pg_redemption_counts,
    .redemptions_hold_expired = pg_redemptions_hold_expired,
    .redemption_entitled = pg_redemption_entitled,
    /* -- early access -- */
    /* -- coupons -- */
    .coupon_code_insert = pg_coupon_code_insert,
    .coupon_code_get = pg_coupon_code_get,
    .coupon_uses_count = pg_coupon_uses_count,
    .coupon_code_used = pg_coupon_code_used,
    .coupon_use_insert = pg_coupon_use_insert,
    .coupon_uses_of_purchase = pg_coupon_uses_of_purchase,
    .coupon_uses_return = pg_coupon_uses_return,
    /* -- punch cards -- */
    /* -- rewards -- */
    /* -- stored value and membership -- */
    /* -- referrals -- */
    .referral_insert = pg_referral_insert,
    .referral_get = pg_referral_get,
    .referral_update = pg_referral_update,
    .referral_counts = pg_referral_counts,
    .referral_contact_used = pg_referral_contact_used,
    .referrals_due = pg_referrals_due,
    .referrals_of = pg_referrals_of,
    /* -- stores, staff and the audit log -- */
    .shop_insert = pg_shop_insert,
    .shop_update = pg_shop_update,
    .shop_get = pg_shop_get,
    .shops_list = pg_shops_list,
    .staff_insert = pg_staff_insert,
    .staff_by_login = pg_staff_by_login,
    .staff_get = pg_staff_get,
    .staff_list = pg_staff_list,
    .staff_set_member = pg_staff_set_member,
    .staff_update = pg_staff_update,
    .session_insert = pg_session_insert,
    .session_get = pg_session_get,
    .session_revoke = pg_session_revoke,
    .sessions_revoke_staff = pg_sessions_revoke_staff,
    .audit_insert = pg_audit_insert,
    .audit_list = pg_audit_list,
    .staff_activity = pg_staff_activity,
    /* -- stored value and membership -- */
    .sv_card_insert = pg_sv_card_insert,
    .sv_card_get = pg_sv_card_get,
    .sv_card_get_id = pg_sv_card_get_id,
    .sv_card_update = pg_sv_card_update,
    .sv_entry_insert = pg_sv_entry_insert,
    .sv_history = pg_sv_history,
    .sv_redemption_get = pg_sv_redemption_get,
    .sv_redemption_put = pg_sv_redemption_put,
    .membership_insert = pg_membership_insert,
    .membership_at = pg_membership_at,
    .membership_latest = pg_membership_latest,
    .membership_get = pg_membership_get,
    .membership_update = pg_membership_update,
    .memberships_due = pg_memberships_due,
    .cashback_get = pg_cashback_get,
    .cashback_put = pg_cashback_put,
    .sv_audit = pg_sv_audit,
    /* -- currencies -- */
    .currency_rate_insert = pg_currency_rate_insert,
    .currency_rate_at = pg_currency_rate_at,
    .currency_rates_of = pg_currency_rates_of,
    .currencies_list = pg_currencies_list,
    .purchase_conversion_set = pg_purchase_conversion_set,
    .purchase_conversion_get = pg_purchase_conversion_get,
    /* -- migrate -- */
    .table_names = pg_table_names,
    .rows_read = pg_rows_read,
    .rows_insert = pg_rows_insert,
    .copy_begin = pg_copy_begin,
    .table_ids_sync = pg_table_ids_sync,
    /* -- coalitions -- */
    .lot_issuer_store = pg_lot_issuer_store,
    .settlement_item_insert = pg_settlement_item_insert,
    .settlement_pairs = pg_settlement_pairs,
    .settlement_close = pg_settlement_close,
    .settlement_get = pg_settlement_get,
    .settlement_items_reverse = pg_settlement_items_reverse,
};
