/*
 * sqlite.c - the SQLite backend of store.h.
 *
 * One struct sqlite_store per connection, and one connection per thread (it
 * is opened NOMUTEX). Every SQL statement is a row of stmt_sql[], prepared
 * once per connection on first use (SQLITE_PREPARE_PERSISTENT) and reset
 * after each use, so the hot path of a purchase only binds and steps.
 *
 * Invariants:
 *  - The schema changes only in sqlite_migrate(), by numbered migrations
 *    recorded in meta 'schema_version'; opening never changes it.
 *  - Every hot table is keyed (program_id, member_id, ...) so it can be
 *    distributed by member; ids are INTEGER PRIMARY KEYs, member ids
 *    AUTOINCREMENT so that one is never handed out twice.
 *  - "None" is stored as NULL for ids and times and as '' for text, so the
 *    partial unique indexes skip members without an email or phone.
 *  - An op that writes several rows runs under its own savepoint: it is
 *    atomic whether or not the caller holds a transaction.
 *  - Before an op returns, every statement it used is reset and its
 *    bindings cleared: none keeps a read snapshot or a dangling pointer.
 */
#include "store/sqlite_internal.h"
#include "store/sqlite_stamps.h"
#include "store/store.h"

#include <assert.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SQLITE_BUSY_TIMEOUT_MS 10000
#define SEARCH_WORD_MAX        (FDL_MAX_NAME_LEN * 2 + 1)

/* The SQL below spells account numbers out (1 = member, 2 = issued, ...). */
_Static_assert(FDL_ACCOUNT_MEMBER == 1 && FDL_ACCOUNT_ISSUED == 2 &&
                   FDL_ACCOUNT_REDEEMED == 3 && FDL_ACCOUNT_EXPIRED == 4 &&
                   FDL_ACCOUNT_ADJUSTED == 5,
               "account numbers are written into the SQL");

/* ---- schema ---- */

/* Created before reading the version, so it is not part of a migration. */
static const char meta_table_sql[] =
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)";

static const char schema_v1[] =
    "CREATE TABLE programs (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    settings TEXT NOT NULL -- the program as JSON\n"
    ");\n"
    "CREATE TABLE api_keys (\n"
    "    id TEXT PRIMARY KEY,\n"
    "    program_id INTEGER NOT NULL,\n"
    "    name TEXT NOT NULL,\n"
    "    scopes INTEGER NOT NULL,\n"
    "    hash BLOB NOT NULL,\n"
    "    created_at INTEGER NOT NULL,\n"
    "    revoked INTEGER NOT NULL DEFAULT 0\n"
    ");\n"
    "CREATE TABLE idempotency (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    key TEXT NOT NULL,\n"
    "    request_hash BLOB NOT NULL,\n"
    "    status INTEGER NOT NULL,\n"
    "    body TEXT,\n"
    "    created_at INTEGER NOT NULL,\n"
    "    PRIMARY KEY (program_id, key)\n"
    ");\n"
    "CREATE TABLE members (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "    name TEXT NOT NULL,\n"
    "    name_key TEXT NOT NULL,\n"
    "    email TEXT NOT NULL DEFAULT '',\n"
    "    phone TEXT NOT NULL DEFAULT '',\n"
    "    birthday INTEGER, -- day number, NULL if unknown\n"
    "    marketing_consent INTEGER NOT NULL DEFAULT 0,\n"
    "    home_store TEXT NOT NULL DEFAULT '',\n"
    "    balance INTEGER NOT NULL DEFAULT 0,\n"
    "    created_at INTEGER NOT NULL\n"
    ");\n"
    "CREATE INDEX members_program ON members (program_id);\n"
    "CREATE UNIQUE INDEX members_email ON members (program_id, email)\n"
    "    WHERE email != '';\n"
    "CREATE UNIQUE INDEX members_phone ON members (program_id, phone)\n"
    "    WHERE phone != '';\n"
    "CREATE TABLE member_names (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    token TEXT NOT NULL,\n"
    "    member_id INTEGER NOT NULL REFERENCES members (id),\n"
    "    PRIMARY KEY (program_id, token, member_id)\n"
    ") WITHOUT ROWID;\n"
    "-- checks a candidate's other search words without scanning their token range\n"
    "CREATE INDEX member_names_member ON member_names (program_id, member_id, token);\n"
    "CREATE TABLE cards (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    number TEXT NOT NULL,\n"
    "    member_id INTEGER NOT NULL REFERENCES members (id),\n"
    "    status INTEGER NOT NULL,\n"
    "    issued_at INTEGER NOT NULL,\n"
    "    blocked_at INTEGER,\n"
    "    block_reason TEXT NOT NULL DEFAULT '',\n"
    "    replaced_by TEXT NOT NULL DEFAULT '',\n"
    "    PRIMARY KEY (program_id, number)\n"
    ") WITHOUT ROWID;\n"
    "CREATE INDEX cards_member ON cards (program_id, member_id);\n"
    "CREATE TABLE purchases (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    member_id INTEGER NOT NULL REFERENCES members (id),\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    txn_id TEXT NOT NULL,\n"
    "    store_code TEXT NOT NULL DEFAULT '',\n"
    "    channel TEXT NOT NULL DEFAULT '',\n"
    "    currency TEXT NOT NULL,\n"
    "    occurred_at INTEGER NOT NULL,\n"
    "    recorded_at INTEGER NOT NULL,\n"
    "    total_minor INTEGER NOT NULL,\n"
    "    discount_minor INTEGER NOT NULL,\n"
    "    points_earned INTEGER NOT NULL,\n"
    "    points_redeemed INTEGER NOT NULL,\n"
    "    refunded_minor INTEGER NOT NULL DEFAULT 0,\n"
    "    points_clawed INTEGER NOT NULL DEFAULT 0,\n"
    "    points_restored INTEGER NOT NULL DEFAULT 0,\n"
    "    redeem_entry_id INTEGER REFERENCES entries (id),\n"
    "    line_count INTEGER NOT NULL,\n"
    "    UNIQUE (program_id, txn_id)\n"
    ");\n"
    "CREATE INDEX purchases_member ON purchases (program_id, member_id);\n"
    "CREATE TABLE purchase_lines (\n"
    "    purchase_id INTEGER NOT NULL REFERENCES purchases (id),\n"
    "    line_no INTEGER NOT NULL,\n"
    "    sku TEXT NOT NULL,\n"
    "    category TEXT NOT NULL DEFAULT '',\n"
    "    quantity INTEGER NOT NULL,\n"
    "    unit_price_minor INTEGER NOT NULL,\n"
    "    amount_minor INTEGER NOT NULL,\n"
    "    points INTEGER NOT NULL,\n"
    "    redeemed_points INTEGER NOT NULL,\n"
    "    refunded_quantity INTEGER NOT NULL DEFAULT 0,\n"
    "    clawed_points INTEGER NOT NULL DEFAULT 0,\n"
    "    restored_points INTEGER NOT NULL DEFAULT 0,\n"
    "    PRIMARY KEY (purchase_id, line_no)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE refunds (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    member_id INTEGER NOT NULL REFERENCES members (id),\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    purchase_id INTEGER NOT NULL REFERENCES purchases (id),\n"
    "    refund_id TEXT NOT NULL,\n"
    "    amount_minor INTEGER NOT NULL,\n"
    "    points_clawed INTEGER NOT NULL,\n"
    "    points_restored INTEGER NOT NULL,\n"
    "    created_at INTEGER NOT NULL,\n"
    "    UNIQUE (program_id, refund_id)\n"
    ");\n"
    "CREATE INDEX refunds_member ON refunds (program_id, member_id);\n"
    "CREATE TABLE lots (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    member_id INTEGER NOT NULL REFERENCES members (id),\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    remaining INTEGER NOT NULL,\n"
    "    available_at INTEGER NOT NULL,\n"
    "    expires_at INTEGER NOT NULL, -- INT64_MAX: never\n"
    "    purchase_id INTEGER REFERENCES purchases (id),\n"
    "    expired INTEGER NOT NULL DEFAULT 0 -- expired and not yet written off by a "
    "refund\n"
    ");\n"
    "-- a member's live lots, already in spending order (expiry, then id)\n"
    "CREATE INDEX lots_member ON lots (program_id, member_id, expires_at)\n"
    "    WHERE remaining != 0 OR expired != 0;\n"
    "CREATE INDEX lots_expiry ON lots (program_id, expires_at, member_id)\n"
    "    WHERE remaining > 0;\n"
    "CREATE TABLE entries (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    member_id INTEGER NOT NULL REFERENCES members (id),\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    kind INTEGER NOT NULL,\n"
    "    purchase_id INTEGER REFERENCES purchases (id),\n"
    "    reason TEXT,\n"
    "    actor TEXT,\n"
    "    created_at INTEGER NOT NULL\n"
    ");\n"
    "-- the rowid ends every index, so this also orders a member's entries by id\n"
    "CREATE INDEX entries_member ON entries (program_id, member_id);\n"
    "-- seq is the posting's position in its entry; the key is the only index\n"
    "CREATE TABLE postings (\n"
    "    entry_id INTEGER NOT NULL REFERENCES entries (id),\n"
    "    seq INTEGER NOT NULL,\n"
    "    program_id INTEGER NOT NULL,\n"
    "    member_id INTEGER NOT NULL,\n"
    "    account INTEGER NOT NULL,\n"
    "    amount INTEGER NOT NULL,\n"
    "    PRIMARY KEY (program_id, member_id, entry_id, seq)\n"
    ") WITHOUT ROWID;\n"
    "-- id gives the insertion order moves_of_entry returns\n"
    "CREATE TABLE lot_moves (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    member_id INTEGER NOT NULL,\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    entry_id INTEGER NOT NULL REFERENCES entries (id),\n"
    "    lot_id INTEGER NOT NULL REFERENCES lots (id),\n"
    "    delta INTEGER NOT NULL\n"
    ");\n"
    "CREATE INDEX lot_moves_entry ON lot_moves (program_id, member_id, entry_id);\n";

/* Version 2: program files with versions, the program version each purchase
 * was earned under, and which rule gave which points. */
static const char schema_v2[] =
    "CREATE TABLE program_versions (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    version INTEGER NOT NULL,\n"
    "    effective_from INTEGER NOT NULL, -- UTC seconds\n"
    "    source TEXT NOT NULL,            -- the program file as applied\n"
    "    created_at INTEGER NOT NULL,\n"
    "    PRIMARY KEY (program_id, version)\n"
    ");\n"
    "ALTER TABLE purchases ADD COLUMN program_version INTEGER NOT NULL DEFAULT 0;\n"
    "CREATE TABLE purchase_points (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    member_id INTEGER NOT NULL,\n"
    "    purchase_id INTEGER NOT NULL REFERENCES purchases (id),\n"
    "    seq INTEGER NOT NULL,\n"
    "    line_no INTEGER NOT NULL, -- 0: the purchase as a whole\n"
    "    rule TEXT NOT NULL,\n"
    "    points INTEGER NOT NULL,\n"
    "    PRIMARY KEY (program_id, member_id, purchase_id, seq)\n"
    ");\n";

/* Version 3: members' tiers and when each is next reviewed. */
static const char schema_v3[] =
    "ALTER TABLE members ADD COLUMN tier TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE members ADD COLUMN tier_review_at INTEGER NOT NULL DEFAULT 0;\n"
    "CREATE INDEX members_tier_review ON members (program_id, tier_review_at)\n"
    "    WHERE tier_review_at > 0;\n"
    "CREATE INDEX purchases_member_time ON purchases (program_id, member_id, "
    "occurred_at);\n";

/* Version 4: idempotency records are pruned by age. */
static const char schema_v4[] =
    "CREATE INDEX idempotency_age ON idempotency (program_id, created_at);\n";

/* Version 5: members' segments (groups earn rules may target). */
static const char schema_v5[] = "CREATE TABLE member_segments (\n"
                                "    program_id INTEGER NOT NULL,\n"
                                "    member_id INTEGER NOT NULL,\n"
                                "    segment TEXT NOT NULL,\n"
                                "    PRIMARY KEY (program_id, member_id, segment)\n"
                                ") WITHOUT ROWID;\n";
/* Stored value and paid membership: cards, a money ledger of the same
 * double-entry shape as the points ledger (in minor units of the program's
 * currency, kept apart from points), till redemptions, membership years and
 * the cashback each purchase accrued (sqlite_stored_value.c). */
#include "store/sqlite_stored_value.h"
static const char schema_stored_value[] =
    "CREATE TABLE sv_cards (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    number TEXT NOT NULL,\n"
    "    kind INTEGER NOT NULL,          -- 1 gift card, 2 certificate\n"
    "    member_id INTEGER REFERENCES members (id), -- owner, or NULL\n"
    "    currency TEXT NOT NULL,\n"
    "    balance_minor INTEGER NOT NULL, -- cached sum of its card postings\n"
    "    status INTEGER NOT NULL,        -- 1 active, 2 blocked\n"
    "    issued_at INTEGER NOT NULL,\n"
    "    blocked_at INTEGER,\n"
    "    UNIQUE (program_id, number)\n"
    ");\n"
    "CREATE TABLE sv_entries (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    kind INTEGER NOT NULL,\n"
    "    amount_minor INTEGER NOT NULL,\n"
    "    txn_id TEXT,\n"
    "    actor TEXT,\n"
    "    created_at INTEGER NOT NULL\n"
    ");\n"
    "CREATE TABLE sv_postings (\n"
    "    entry_id INTEGER NOT NULL REFERENCES sv_entries (id),\n"
    "    seq INTEGER NOT NULL,\n"
    "    program_id INTEGER NOT NULL,\n"
    "    account INTEGER NOT NULL, -- 1 card, 2 sold, 3 spent, 4 cashback, 5 given\n"
    "    card_id INTEGER REFERENCES sv_cards (id),\n"
    "    member_id INTEGER,\n"
    "    amount INTEGER NOT NULL,\n"
    "    PRIMARY KEY (entry_id, seq)\n"
    ") WITHOUT ROWID;\n"
    "CREATE INDEX sv_postings_card ON sv_postings (program_id, card_id, entry_id)\n"
    "    WHERE card_id IS NOT NULL;\n"
    "CREATE TABLE sv_redemptions (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    card_id INTEGER NOT NULL REFERENCES sv_cards (id),\n"
    "    txn_id TEXT NOT NULL,\n"
    "    amount_minor INTEGER NOT NULL,\n"
    "    refunded_minor INTEGER NOT NULL,\n"
    "    created_at INTEGER NOT NULL,\n"
    "    PRIMARY KEY (program_id, card_id, txn_id)\n"
    ");\n"
    "CREATE TABLE memberships (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    member_id INTEGER NOT NULL REFERENCES members (id),\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    txn_id TEXT NOT NULL,\n"
    "    fee_minor INTEGER NOT NULL,\n"
    "    starts_at INTEGER NOT NULL,\n"
    "    ends_at INTEGER NOT NULL,\n"
    "    accrued_minor INTEGER NOT NULL,\n"
    "    paid_minor INTEGER NOT NULL,\n"
    "    certificate_id INTEGER REFERENCES sv_cards (id),\n"
    "    status INTEGER NOT NULL, -- 1 open, 2 closed (paid out)\n"
    "    created_at INTEGER NOT NULL,\n"
    "    UNIQUE (program_id, txn_id)\n"
    ");\n"
    "CREATE INDEX memberships_member ON memberships (program_id, member_id, ends_at);\n"
    "CREATE INDEX memberships_due ON memberships (program_id, ends_at) WHERE status = "
    "1;\n"
    "CREATE TABLE membership_cashback (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    purchase_id INTEGER NOT NULL REFERENCES purchases (id),\n"
    "    member_id INTEGER NOT NULL,\n"
    "    membership_id INTEGER NOT NULL REFERENCES memberships (id),\n"
    "    cashback_minor INTEGER NOT NULL,\n"
    "    reversed_minor INTEGER NOT NULL,\n"
    "    PRIMARY KEY (program_id, purchase_id)\n"
    ");\n";
/* Rewards: members' redemptions of the reward catalogue. */
static const char schema_rewards[] =
    "CREATE TABLE reward_redemptions (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    program_id INTEGER NOT NULL,\n"
    "    member_id INTEGER NOT NULL,\n"
    "    reward_id TEXT NOT NULL,\n"
    "    reward_name TEXT NOT NULL,\n"
    "    kind TEXT NOT NULL,\n"
    "    sku TEXT NOT NULL DEFAULT '',\n"
    "    value INTEGER NOT NULL DEFAULT 0,\n"
    "    launch TEXT NOT NULL DEFAULT '',\n"
    "    campaign TEXT NOT NULL DEFAULT '',\n"
    "    quantity INTEGER NOT NULL,\n"
    "    points INTEGER NOT NULL,\n"
    "    status INTEGER NOT NULL, -- 1 reserved, 2 committed, 3 cancelled, 4 expired\n"
    "    entry_id INTEGER NOT NULL REFERENCES entries (id),\n"
    "    restore_entry_id INTEGER,\n"
    "    txn_id TEXT NOT NULL DEFAULT '',\n"
    "    created_at INTEGER NOT NULL,\n"
    "    hold_expires_at INTEGER NOT NULL,\n"
    "    committed_at INTEGER,\n"
    "    cancelled_at INTEGER\n"
    ");\n"
    "CREATE INDEX reward_redemptions_member ON reward_redemptions "
    "(program_id, member_id, id);\n"
    "CREATE INDEX reward_redemptions_reward ON reward_redemptions "
    "(program_id, reward_id, status);\n"
    "CREATE INDEX reward_redemptions_hold ON reward_redemptions "
    "(program_id, hold_expires_at) WHERE status = 1;\n";

/* The rewards ops (sqlite_rewards.c). */
#include "store/sqlite_rewards.h"
/* Coupons (src/store/sqlite_coupons.c): single-use codes kept only as
 * hashes, one row per use of a code on a purchase, and each purchase's and
 * line's coupon discount. A single-use code has at most one live use (a
 * refund returns it: returned = 1). */
static const char schema_coupons[] =
    "CREATE TABLE coupon_codes (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    hash BLOB NOT NULL,\n"
    "    campaign TEXT NOT NULL,\n"
    "    member_id INTEGER REFERENCES members (id), -- NULL: anyone\n"
    "    created_at INTEGER NOT NULL,\n"
    "    PRIMARY KEY (program_id, hash)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE coupon_uses (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    member_id INTEGER NOT NULL REFERENCES members (id),\n"
    "    purchase_id INTEGER NOT NULL REFERENCES purchases (id),\n"
    "    seq INTEGER NOT NULL,\n"
    "    campaign TEXT NOT NULL,\n"
    "    code_hash BLOB, -- single-use codes only\n"
    "    code_masked TEXT NOT NULL,\n"
    "    discount_minor INTEGER NOT NULL,\n"
    "    created_at INTEGER NOT NULL,\n"
    "    returned INTEGER NOT NULL DEFAULT 0,\n"
    "    PRIMARY KEY (program_id, member_id, purchase_id, seq)\n"
    ") WITHOUT ROWID;\n"
    "CREATE UNIQUE INDEX coupon_uses_code ON coupon_uses (program_id, code_hash)\n"
    "    WHERE code_hash IS NOT NULL AND returned = 0;\n"
    "CREATE INDEX coupon_uses_campaign ON coupon_uses (program_id, campaign, "
    "member_id);\n"
    "CREATE INDEX coupon_uses_purchase ON coupon_uses (program_id, purchase_id);\n"
    "ALTER TABLE purchases ADD COLUMN coupon_discount_minor INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE purchase_lines ADD COLUMN coupon_discount_minor INTEGER NOT NULL "
    "DEFAULT 0;\n";

/* The coupon ops (sqlite_coupons.c). */
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

/* Referrals: one row per referred member (engine/referrals.h); the ops
 * are in sqlite_referrals.c. */
#include "store/sqlite_referrals.h"
#include "store/sqlite_currency.h"
#include "store/sqlite_coalition.h"
#include "store/sqlite_staff.h"

static const char schema_referrals[] =
    "CREATE TABLE referrals (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    referee_id INTEGER NOT NULL REFERENCES members (id),\n"
    "    referrer_id INTEGER NOT NULL REFERENCES members (id),\n"
    "    status INTEGER NOT NULL, -- 1 pending, 2 waiting, 3 rewarded, 4 void\n"
    "    created_at INTEGER NOT NULL,\n"
    "    lapse_at INTEGER NOT NULL DEFAULT 0, -- pending: void from then; 0 never\n"
    "    email_key TEXT NOT NULL DEFAULT '',\n"
    "    phone_key TEXT NOT NULL DEFAULT '',\n"
    "    purchase_id INTEGER NOT NULL DEFAULT 0,\n"
    "    txn_id TEXT NOT NULL DEFAULT '',\n"
    "    qualified_at INTEGER NOT NULL DEFAULT 0,\n"
    "    due_at INTEGER NOT NULL DEFAULT 0,\n"
    "    min_spend INTEGER NOT NULL DEFAULT 0,\n"
    "    referrer_points INTEGER NOT NULL DEFAULT 0,\n"
    "    referee_points INTEGER NOT NULL DEFAULT 0,\n"
    "    rewarded_at INTEGER NOT NULL DEFAULT 0,\n"
    "    note TEXT NOT NULL DEFAULT '',\n"
    "    PRIMARY KEY (program_id, referee_id)\n"
    ");\n"
    "CREATE INDEX referrals_referrer ON referrals (program_id, referrer_id, status);\n"
    "CREATE INDEX referrals_due ON referrals (program_id, due_at) WHERE status = 2;\n"
    "CREATE INDEX referrals_lapse ON referrals (program_id, lapse_at)\n"
    "    WHERE status = 1 AND lapse_at > 0;\n"
    "CREATE INDEX referrals_email ON referrals (program_id, email_key)\n"
    "    WHERE email_key <> '';\n"
    "CREATE INDEX referrals_phone ON referrals (program_id, phone_key)\n"
    "    WHERE phone_key <> '';\n";

/* Punch cards: members' counts, issued rewards, what each purchase gave. */
static const char schema_stamps[] =
    "CREATE TABLE stamp_cards (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    member_id INTEGER NOT NULL,\n"
    "    card_id TEXT NOT NULL,\n"
    "    stamps INTEGER NOT NULL,\n"
    "    filled INTEGER NOT NULL,\n"
    "    expires_at INTEGER NOT NULL,\n"
    "    updated_at INTEGER NOT NULL,\n"
    "    PRIMARY KEY (program_id, member_id, card_id)\n"
    ");\n"
    "CREATE INDEX stamp_cards_lapse ON stamp_cards (program_id, expires_at)\n"
    "    WHERE expires_at > 0;\n"
    "CREATE TABLE stamp_vouchers (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    program_id INTEGER NOT NULL,\n"
    "    member_id INTEGER NOT NULL,\n"
    "    card_id TEXT NOT NULL,\n"
    "    kind INTEGER NOT NULL,\n"
    "    skus TEXT NOT NULL,\n"
    "    points INTEGER NOT NULL,\n"
    "    purchase_id INTEGER NOT NULL,\n"
    "    issued_at INTEGER NOT NULL,\n"
    "    expires_at INTEGER NOT NULL,\n"
    "    status INTEGER NOT NULL,\n"
    "    used_txn TEXT NOT NULL DEFAULT '',\n"
    "    used_line INTEGER NOT NULL DEFAULT 0,\n"
    "    discount_minor INTEGER NOT NULL DEFAULT 0\n"
    ");\n"
    "CREATE INDEX stamp_vouchers_member ON stamp_vouchers (program_id, member_id, id);\n"
    "CREATE TABLE stamp_grants (\n"
    "    program_id INTEGER NOT NULL,\n"
    "    member_id INTEGER NOT NULL,\n"
    "    purchase_id INTEGER NOT NULL,\n"
    "    card_id TEXT NOT NULL,\n"
    "    line_no INTEGER NOT NULL,\n"
    "    stamps INTEGER NOT NULL,\n"
    "    reversed INTEGER NOT NULL DEFAULT 0,\n"
    "    PRIMARY KEY (program_id, purchase_id, card_id, line_no)\n"
    ");\n";

/* -- migrate -- */
/* PostgreSQL makes its foreign keys deferrable here (pg_migrate.c); SQLite
 * defers them per transaction (PRAGMA defer_foreign_keys), so this version
 * changes nothing and only keeps the two backends' numbers equal. */
static const char schema_migrate[] = "SELECT 1;\n";

/* Lots read a few at a time (docs/architecture.md, "Loading lots"): those
 * with points in spending order (the rowid, id, ends every index), the
 * pending ones for the balance, the debt, and a purchase's own. */
static const char schema_lots_hot[] =
    "CREATE INDEX lots_open ON lots (program_id, member_id, expires_at)\n"
    "    WHERE remaining > 0;\n"
    "CREATE INDEX lots_pending ON lots (program_id, member_id, available_at)\n"
    "    WHERE remaining > 0;\n"
    "CREATE INDEX lots_debt ON lots (program_id, member_id, expires_at)\n"
    "    WHERE remaining < 0;\n"
    "CREATE INDEX lots_purchase ON lots (program_id, member_id, purchase_id, "
    "expires_at)\n"
    "    WHERE remaining != 0 OR expired != 0;\n";

/* Migration N (N >= 1) is migrations[N - 1]. Append; never edit one that shipped. */
static const char *const migrations[] = {
    schema_v1,
    schema_v2,
    schema_v3,
    schema_v4,
    schema_v5,
    /* -- early access -- */
    /* -- coupons -- */
    schema_coupons,
    /* -- punch cards -- */
    schema_stamps,
    /* -- rewards -- */
    schema_rewards,
    /* -- stored value and membership -- */
    schema_stored_value,
    /* -- referrals -- */
    schema_referrals,
    /* -- currencies -- */
    sqlite_schema_currency,
    /* -- stores, staff and the audit log -- */
    sqlite_schema_staff,
    /* -- migrate -- */
    schema_migrate, /* -- coalitions -- */
    sqlite_schema_coalition,
    /* -- partner isolation -- */
    sqlite_schema_partners,
    /* -- staff lifecycle -- */
    sqlite_schema_staff_lifecycle,
    /* -- lots read a few at a time -- */
    schema_lots_hot,
};
#define MIGRATION_COUNT ((int64_t)(sizeof(migrations) / sizeof(migrations[0])))

/* ---- statements ---- */

enum stmt_id {
    STMT_BEGIN_WRITE,
    STMT_BEGIN_READ,
    STMT_COMMIT,
    STMT_ROLLBACK,
    STMT_SAVEPOINT,
    STMT_RELEASE,
    STMT_ROLLBACK_TO,
    STMT_OP_SAVEPOINT,
    STMT_OP_RELEASE,
    STMT_OP_ROLLBACK_TO,
    STMT_META_GET,
    STMT_META_SET,
    STMT_PROGRAM_GET,
    STMT_PROGRAM_PUT,
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
    STMT_IDEM_GET,
    STMT_IDEM_PUT,
    STMT_IDEM_PRUNE,
    STMT_MEMBER_INSERT,
    STMT_MEMBER_NAME_INSERT,
    STMT_MEMBER_GET,
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
 * Member search: the first word's token range drives the scan (the caller
 * binds the longest word there, as the likeliest to be rare); each other
 * word is an EXISTS probe on member_names_member. ?1 program, ?2 after_id,
 * ?3 limit, then (low, high) bounds per word from ?4. The unary + and the
 * CROSS JOIN pin the plan: driven by member id instead, a rare name would
 * scan the whole program.
 */
#define SEARCH_HEAD                                                                      \
    "WITH hits AS (SELECT n.member_id AS id FROM member_names n"                         \
    " WHERE n.program_id = ?1 AND n.token >= ?4 AND n.token < ?5 AND +n.member_id > ?2"
#define SEARCH_ALSO(low, high)                                                           \
    " AND EXISTS (SELECT 1 FROM member_names x WHERE x.program_id = ?1"                  \
    " AND x.member_id = n.member_id AND x.token >= " low " AND x.token < " high ")"
#define SEARCH_TAIL                                                                      \
    " GROUP BY +n.member_id ORDER BY +n.member_id LIMIT ?3)"                             \
    " SELECT " MEMBER_COLUMNS " FROM hits CROSS JOIN members m ON m.id = hits.id"        \
    " WHERE +m.program_id = ?1 ORDER BY m.id"

_Static_assert(STMT_COUNT <= SQLITE_MAX_CORE_STMTS, "raise SQLITE_MAX_CORE_STMTS");

static const char *const stmt_sql[STMT_COUNT] = {
    [STMT_BEGIN_WRITE] = "BEGIN IMMEDIATE",
    [STMT_BEGIN_READ] = "BEGIN",
    [STMT_COMMIT] = "COMMIT",
    [STMT_ROLLBACK] = "ROLLBACK",
    [STMT_SAVEPOINT] = "SAVEPOINT fdl_job",
    [STMT_RELEASE] = "RELEASE fdl_job",
    [STMT_ROLLBACK_TO] = "ROLLBACK TO fdl_job",
    [STMT_OP_SAVEPOINT] = "SAVEPOINT fdl_op",
    [STMT_OP_RELEASE] = "RELEASE fdl_op",
    [STMT_OP_ROLLBACK_TO] = "ROLLBACK TO fdl_op",

    [STMT_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [STMT_META_SET] = "INSERT INTO meta (key, value) VALUES (?1, ?2)"
                      " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [STMT_PROGRAM_GET] = "SELECT settings FROM programs WHERE id = ?1",
    [STMT_VERSION_NEXT] = "SELECT coalesce(max(version), 0) + 1 FROM program_versions"
                          " WHERE program_id = ?1",
    [STMT_VERSION_INSERT] =
        "INSERT INTO program_versions (program_id, version,"
        " effective_from, source, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    [STMT_VERSIONS_LOAD] =
        "SELECT version, effective_from, created_at, source"
        " FROM program_versions WHERE program_id = ?1 ORDER BY version",
    [STMT_VERSION_LATEST] = "SELECT version, created_at FROM program_versions"
                            " WHERE program_id = ?1 ORDER BY version DESC LIMIT 1",
    [STMT_MEMBER_SET_TIER] = "UPDATE members SET tier = ?3, tier_review_at = ?4"
                             " WHERE id = ?2 AND program_id = ?1",
    [STMT_MEMBER_ACTIVITY] =
        "SELECT coalesce(sum(total_minor - discount_minor - coupon_discount_minor"
        " - refunded_minor), 0),"
        " coalesce(sum(points_earned - points_clawed), 0), count(*) FROM purchases"
        " WHERE program_id = ?1 AND member_id = ?2 AND occurred_at >= ?3 AND occurred_at "
        "< ?4",
    [STMT_MEMBERS_DUE_REVIEW] = "SELECT id FROM members WHERE program_id = ?1"
                                " AND tier_review_at > 0 AND tier_review_at <= ?2"
                                " ORDER BY tier_review_at LIMIT ?3",
    [STMT_MEMBER_VISITS] = "SELECT count(*) FROM purchases"
                           " WHERE program_id = ?1 AND member_id = ?2",
    [STMT_POINTS_INSERT] =
        "INSERT INTO purchase_points (program_id, member_id, purchase_id,"
        " seq, line_no, rule, points) VALUES (?1, ?2, ?3,"
        " (SELECT coalesce(max(seq), 0) + 1 FROM purchase_points"
        "  WHERE program_id = ?1 AND member_id = ?2 AND purchase_id = ?3),"
        " ?4, ?5, ?6)",
    [STMT_POINTS_GET] = "SELECT line_no, rule, points FROM purchase_points"
                        " WHERE program_id = ?1 AND member_id = ?2 AND purchase_id = ?3"
                        " ORDER BY seq",
    [STMT_PROGRAM_PUT] = "INSERT INTO programs (id, settings) VALUES (?1, ?2)"
                         " ON CONFLICT (id) DO UPDATE SET settings = excluded.settings",
    [STMT_KEY_GET] = "SELECT id, program_id, name, scopes, hash, created_at, revoked,"
                     " partner FROM api_keys WHERE id = ?1",
    [STMT_KEY_INSERT] =
        "INSERT INTO api_keys"
        " (id, program_id, name, scopes, hash, created_at, revoked, partner)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [STMT_IDEM_GET] = "SELECT request_hash, status, body FROM idempotency"
                      " WHERE program_id = ?1 AND key = ?2",
    [STMT_IDEM_PUT] = "INSERT INTO idempotency"
                      " (program_id, key, request_hash, status, body, created_at)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [STMT_IDEM_PRUNE] = "DELETE FROM idempotency WHERE rowid IN (SELECT rowid"
                        " FROM idempotency WHERE program_id = ?1 AND created_at < ?2"
                        " ORDER BY created_at LIMIT ?3)",

    [STMT_MEMBER_INSERT] =
        "INSERT INTO members (program_id, name, name_key, email, phone,"
        " birthday, marketing_consent, home_store, balance, created_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [STMT_MEMBER_NAME_INSERT] = "INSERT OR IGNORE INTO member_names"
                                " (program_id, token, member_id) VALUES (?1, ?2, ?3)",
    [STMT_MEMBER_GET] = "SELECT " MEMBER_COLUMNS " FROM members m"
                        " WHERE m.id = ?2 AND m.program_id = ?1",
    [STMT_MEMBER_BY_EMAIL] =
        "SELECT " MEMBER_COLUMNS " FROM members m"
        " WHERE m.program_id = ?1 AND m.email = ?2 AND m.email != ''",
    [STMT_MEMBER_BY_PHONE] =
        "SELECT " MEMBER_COLUMNS " FROM members m"
        " WHERE m.program_id = ?1 AND m.phone = ?2 AND m.phone != ''",
    [STMT_MEMBER_SEARCH_1] = SEARCH_HEAD SEARCH_TAIL,
    [STMT_MEMBER_SEARCH_2] = SEARCH_HEAD SEARCH_ALSO("?6", "?7") SEARCH_TAIL,
    [STMT_MEMBER_SEARCH_3] =
        SEARCH_HEAD SEARCH_ALSO("?6", "?7") SEARCH_ALSO("?8", "?9") SEARCH_TAIL,
    [STMT_MEMBER_SEARCH_4] = SEARCH_HEAD SEARCH_ALSO("?6", "?7") SEARCH_ALSO("?8", "?9")
        SEARCH_ALSO("?10", "?11") SEARCH_TAIL,
    [STMT_MEMBER_SET_BALANCE] = "UPDATE members SET balance = ?3"
                                " WHERE id = ?2 AND program_id = ?1",

    [STMT_CARD_INSERT] = "INSERT INTO cards (" CARD_COLUMNS ")"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [STMT_CARD_GET] = "SELECT " CARD_COLUMNS " FROM cards"
                      " WHERE program_id = ?1 AND number = ?2",
    [STMT_CARD_UPDATE] =
        "UPDATE cards SET status = ?3, blocked_at = ?4, block_reason = ?5,"
        " replaced_by = ?6 WHERE program_id = ?1 AND number = ?2",
    [STMT_CARD_LIST] = "SELECT " CARD_COLUMNS " FROM cards"
                       " WHERE program_id = ?1 AND member_id = ?2"
                       " ORDER BY status, issued_at DESC, number LIMIT ?3",

    [STMT_LOTS_LOAD] = "SELECT " LOT_COLUMNS " FROM lots"
                       " WHERE program_id = ?1 AND member_id = ?2"
                       " AND (remaining != 0 OR expired != 0)"
                       " ORDER BY expires_at, id",
    [STMT_LOTS_DEBT] = "SELECT " LOT_COLUMNS " FROM lots"
                       " WHERE program_id = ?1 AND member_id = ?2 AND remaining < 0"
                       " ORDER BY expires_at, id LIMIT ?3",
    [STMT_LOTS_OF_PURCHASE] = "SELECT " LOT_COLUMNS " FROM lots"
                              " WHERE program_id = ?1 AND member_id = ?2"
                              " AND purchase_id = ?3"
                              " AND (remaining != 0 OR expired != 0)"
                              " ORDER BY expires_at, id LIMIT ?4",
    /* expires_at >= ?3 is the index range; the OR only skips the ties */
    [STMT_LOTS_SPENDABLE] = "SELECT " LOT_COLUMNS " FROM lots"
                            " WHERE program_id = ?1 AND member_id = ?2 AND remaining > 0"
                            " AND expires_at >= ?3 AND (expires_at > ?3 OR id > ?4)"
                            " AND expires_at > ?5 AND available_at <= ?5"
                            " ORDER BY expires_at, id LIMIT ?6",
    [STMT_LOTS_POSITIVE] = "SELECT " LOT_COLUMNS " FROM lots"
                           " WHERE program_id = ?1 AND member_id = ?2 AND remaining > 0"
                           " AND expires_at >= ?3 AND (expires_at > ?3 OR id > ?4)"
                           " ORDER BY expires_at, id LIMIT ?5",
    [STMT_LOTS_DUE] = "SELECT " LOT_COLUMNS " FROM lots"
                      " WHERE program_id = ?1 AND member_id = ?2 AND remaining > 0"
                      " AND expires_at <= ?3 ORDER BY expires_at, id LIMIT ?4",
    /* One statement (one round trip on PostgreSQL): a first row (kind 0) of
     * pending points, then one row per expiry up to ?4 with its points and
     * its due ones. */
    [STMT_LOT_SUMS] =
        "SELECT kind, expires_at, points, due FROM ("
        " SELECT 0 AS kind, 0 AS expires_at, coalesce(sum(remaining), 0) AS points,"
        " 0 AS due FROM lots WHERE program_id = ?1 AND member_id = ?2 AND remaining > 0"
        " AND available_at > ?3"
        " UNION ALL"
        " SELECT 1, expires_at, sum(remaining),"
        " sum(CASE WHEN available_at <= ?3 AND expires_at <= ?3 THEN remaining ELSE 0 "
        "END)"
        " FROM lots WHERE program_id = ?1 AND member_id = ?2 AND remaining > 0"
        " AND expires_at <= ?4 GROUP BY expires_at)"
        " ORDER BY kind, expires_at",
    [STMT_LOT_GET] = "SELECT " LOT_COLUMNS " FROM lots"
                     " WHERE id = ?3 AND program_id = ?1 AND member_id = ?2",
    [STMT_LOT_INSERT] =
        "INSERT INTO lots (program_id, member_id, remaining, available_at,"
        " expires_at, purchase_id, expired) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [STMT_LOT_UPDATE] = "UPDATE lots SET remaining = ?4, expired = ?5"
                        " WHERE id = ?3 AND program_id = ?1 AND member_id = ?2",
    [STMT_MOVE_INSERT] = "INSERT INTO lot_moves (program_id, member_id, entry_id, lot_id,"
                         " delta) VALUES (?1, ?2, ?3, ?4, ?5)",
    [STMT_MOVES_OF_ENTRY] = "SELECT lot_id, delta FROM lot_moves"
                            " WHERE program_id = ?1 AND member_id = ?2 AND entry_id = ?3"
                            " ORDER BY id",

    [STMT_ENTRY_INSERT] =
        "INSERT INTO entries (program_id, member_id, kind, purchase_id,"
        " reason, actor, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [STMT_POSTING_INSERT] = "INSERT INTO postings (entry_id, seq, program_id, member_id,"
                            " account, amount) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [STMT_HISTORY] = "SELECT e.id, e.kind,"
                     " (SELECT coalesce(sum(p.amount), 0) FROM postings p"
                     "   WHERE p.program_id = e.program_id AND p.member_id = e.member_id"
                     "   AND p.entry_id = e.id AND p.account = 1),"
                     " e.created_at, coalesce(pu.txn_id, ''), coalesce(e.reason, ''),"
                     " coalesce(e.actor, '')"
                     " FROM entries e LEFT JOIN purchases pu ON pu.id = e.purchase_id"
                     " WHERE e.program_id = ?1 AND e.member_id = ?2 AND e.id < ?3"
                     " ORDER BY e.id DESC LIMIT ?4",

    [STMT_PURCHASE_INSERT] =
        "INSERT INTO purchases (program_id, member_id, txn_id,"
        " store_code, channel, currency, occurred_at, recorded_at,"
        " total_minor, discount_minor, points_earned, points_redeemed,"
        " refunded_minor, points_clawed, points_restored,"
        " redeem_entry_id, line_count, program_version, coupon_discount_minor)"
        " VALUES (?1, ?2, ?3, ?4, ?5,"
        " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
    [STMT_LINE_INSERT] =
        "INSERT INTO purchase_lines (purchase_id, " LINE_COLUMNS ")"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    [STMT_PURCHASE_GET] = "SELECT " PURCHASE_COLUMNS " FROM purchases"
                          " WHERE program_id = ?1 AND txn_id = ?2",
    [STMT_LINES_GET] = "SELECT " LINE_COLUMNS " FROM purchase_lines"
                       " WHERE purchase_id = ?1 ORDER BY line_no",
    [STMT_PURCHASE_UPDATE] =
        "UPDATE purchases SET refunded_minor = ?3, points_clawed = ?4,"
        " points_restored = ?5, redeem_entry_id = ?6"
        " WHERE id = ?2 AND program_id = ?1",
    /* Skips unchanged lines: a purchase rewrites all of its lines once. */
    [STMT_LINE_UPDATE] =
        "UPDATE purchase_lines SET refunded_quantity = ?3, clawed_points = ?4,"
        " restored_points = ?5 WHERE purchase_id = ?1 AND line_no = ?2"
        " AND (refunded_quantity, clawed_points, restored_points) != (?3, ?4, ?5)",
    [STMT_REFUND_INSERT] = "INSERT INTO refunds (program_id, member_id, purchase_id,"
                           " refund_id, amount_minor, points_clawed, points_restored,"
                           " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",

    [STMT_EXPIRED_MEMBERS] =
        "SELECT DISTINCT member_id FROM lots"
        " WHERE program_id = ?1 AND remaining > 0 AND expires_at <= ?2"
        " LIMIT ?3",
    [STMT_TOTALS] =
        "SELECT m.n, m.outstanding, c.n, pu.n,"
        " p.issued, p.redeemed, p.expired, p.adjusted"
        " FROM (SELECT count(*) AS n, coalesce(sum(balance), 0) AS outstanding"
        "       FROM members WHERE program_id = ?1) m,"
        " (SELECT count(*) AS n FROM cards WHERE program_id = ?1) c,"
        " (SELECT count(*) AS n FROM purchases WHERE program_id = ?1) pu,"
        " (SELECT -coalesce(sum(CASE account WHEN 2 THEN amount END), 0) AS issued,"
        "   coalesce(sum(CASE account WHEN 3 THEN amount END), 0) AS redeemed,"
        "   coalesce(sum(CASE account WHEN 4 THEN amount END), 0) AS expired,"
        "   -coalesce(sum(CASE account WHEN 5 THEN amount END), 0) AS adjusted"
        "  FROM postings WHERE program_id = ?1) p",

    /* Audit: whole database, set-based. Each returns checked, bad, first bad id. */
    [STMT_AUDIT_ENTRIES] =
        "SELECT count(*), coalesce(sum(bad), 0),"
        " coalesce(min(CASE WHEN bad THEN id END), 0)"
        " FROM (SELECT e.id AS id,"
        "   count(p.entry_id) < 2 OR coalesce(sum(p.amount), 0) != 0 AS bad"
        "   FROM entries e LEFT JOIN postings p ON p.program_id = e.program_id"
        "   AND p.member_id = e.member_id AND p.entry_id = e.id GROUP BY e.id)",
    [STMT_AUDIT_POSTINGS] = "SELECT count(*) FROM postings",
    [STMT_AUDIT_MEMBERS] =
        "SELECT count(*),"
        " coalesce(sum(m.balance != coalesce(p.total, 0)), 0),"
        " coalesce(min(CASE WHEN m.balance != coalesce(p.total, 0) THEN m.id END), 0),"
        " coalesce(sum(coalesce(p.total, 0) != coalesce(l.total, 0)), 0),"
        " coalesce(min(CASE WHEN coalesce(p.total, 0) != coalesce(l.total, 0)"
        "   THEN m.id END), 0)"
        " FROM members m"
        " LEFT JOIN (SELECT program_id, member_id, sum(amount) AS total FROM postings"
        "   WHERE account = 1 GROUP BY program_id, member_id) p"
        "   ON p.program_id = m.program_id AND p.member_id = m.id"
        " LEFT JOIN (SELECT program_id, member_id, sum(remaining) AS total FROM lots"
        "   WHERE remaining != 0 GROUP BY program_id, member_id) l"
        "   ON l.program_id = m.program_id AND l.member_id = m.id",
    [STMT_AUDIT_LOTS] =
        "SELECT count(*), coalesce(sum(l.remaining != coalesce(mv.total, 0)), 0),"
        " coalesce(min(CASE WHEN l.remaining != coalesce(mv.total, 0) THEN l.id END), 0)"
        " FROM lots l LEFT JOIN (SELECT lot_id, sum(delta) AS total FROM lot_moves"
        "   GROUP BY lot_id) mv ON mv.lot_id = l.id",
};

struct sqlite_store *sqlite_of(struct fdl_store *st)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    assert(s && s->base.ops == &fdl_store_sqlite && s->db);
    return s;
}

/* ---- errors ---- */

static const struct unique_key member_keys[] = {
    {"members.email", "email"}, {"members.phone", "phone"}, {NULL, NULL}};
static const struct unique_key card_keys[] = {{"cards.number", "number"}, {NULL, NULL}};
static const struct unique_key api_key_keys[] = {{"api_keys.id", "id"}, {NULL, NULL}};
static const struct unique_key idem_keys[] = {{"idempotency.key", "key"}, {NULL, NULL}};
static const struct unique_key purchase_keys[] = {{"purchases.txn_id", "txn_id"},
                                                  {NULL, NULL}};
static const struct unique_key refund_keys[] = {{"refunds.refund_id", "refund_id"},
                                                {NULL, NULL}};

/*
 * Turns SQLite result code rc (extended codes are on) into an FDL_E* code
 * with SQLite's message: BUSY and LOCKED become FDL_EBUSY, a clash on one
 * of keys FDL_EDUPLICATE naming the field, anything else FDL_ESTORE.
 */
int db_error(struct sqlite_store *s, int rc, const struct unique_key *keys,
             struct fdl_error *err)
{
    const char *message = sqlite3_errmsg(s->db);
    int primary = rc & 0xff;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
        return fdl_error_set(err, FDL_EBUSY, NULL, "%s", message);
    if (keys && (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)) {
        for (; keys->column; keys++)
            if (strstr(message, keys->column))
                return fdl_error_set(err, FDL_EDUPLICATE, keys->field,
                                     "another record already has this %s", keys->field);
    }
    return fdl_error_set(err, FDL_ESTORE, NULL, "%s", message);
}

/* For a step that returned no row: FDL_ENOT_FOUND if it simply ended. */
int no_row(struct sqlite_store *s, int rc, struct fdl_error *err)
{
    if (rc == SQLITE_DONE)
        return fdl_error_set(err, FDL_ENOT_FOUND, NULL, "not found");
    return db_error(s, rc, NULL, err);
}

/* ---- statement cache ---- */

static int stmt_get(struct sqlite_store *s, enum stmt_id id, sqlite3_stmt **out,
                    struct fdl_error *err)
{
    assert(id < STMT_COUNT && stmt_sql[id]);
    *out = NULL; /* lets the compiler see q is set on every path */
    if (!s->stmts[id]) {
        int rc = sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                    &s->stmts[id], NULL);
        if (rc != SQLITE_OK)
            return db_error(s, rc, NULL, err);
    }
    *out = s->stmts[id];
    return 0;
}

static int feature_slots; /* slots handed out to struct sqlite_sql */

int sqlite_prepared(struct sqlite_store *s, struct sqlite_sql *sql, sqlite3_stmt **out,
                    struct fdl_error *err)
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
    if (slot > SQLITE_MAX_FEATURE_STMTS)
        return fdl_error_set(err, FDL_EINTERNAL, NULL, "raise SQLITE_MAX_FEATURE_STMTS");
    *out = NULL;
    sqlite3_stmt **q = &s->feature_stmts[slot - 1];
    if (!*q) {
        int rc =
            sqlite3_prepare_v3(s->db, sql->text, -1, SQLITE_PREPARE_PERSISTENT, q, NULL);
        if (rc != SQLITE_OK)
            return db_error(s, rc, NULL, err);
    }
    *out = *q;
    return 0;
}

/* Ends a use of q: releases its snapshot and forgets borrowed pointers. */
void stmt_reset(sqlite3_stmt *q)
{
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
}

int sqlite_row_end(struct sqlite_store *s, sqlite3_stmt *q, int rc, struct fdl_error *err)
{
    rc = rc == SQLITE_ROW ? 0 : no_row(s, rc, err);
    stmt_reset(q);
    return rc;
}

int sqlite_rows_end(struct sqlite_store *s, sqlite3_stmt *q, int rc, int n, int *count,
                    struct fdl_error *err)
{
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_error(s, rc, NULL, err);
    stmt_reset(q);
    if (rc == 0)
        *count = n;
    return rc;
}

/* A bind failed: SQLite recorded why in the connection. */
int bind_failed(struct sqlite_store *s, sqlite3_stmt *q, struct fdl_error *err)
{
    int rc = db_error(s, sqlite3_errcode(s->db), NULL, err);
    stmt_reset(q);
    return rc;
}

/* Runs bound q to its end (a write), maps its failure, resets it. */
int stmt_finish(struct sqlite_store *s, sqlite3_stmt *q, const struct unique_key *keys,
                struct fdl_error *err)
{
    int rc = sqlite3_step(q);
    int result = rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : db_error(s, rc, keys, err);
    stmt_reset(q);
    return result;
}

/* Runs a statement that takes no parameters. */
static int stmt_run(struct sqlite_store *s, enum stmt_id id, struct fdl_error *err)
{
    sqlite3_stmt *q;
    int rc = stmt_get(s, id, &q, err);
    return rc ? rc : stmt_finish(s, q, NULL, err);
}

int bind_int(sqlite3_stmt *q, int i, int64_t value)
{
    return sqlite3_bind_int64(q, i, value);
}

/* An id or time where 0 means "none", stored as NULL. */
int bind_optional(sqlite3_stmt *q, int i, int64_t value)
{
    return value ? sqlite3_bind_int64(q, i, value) : sqlite3_bind_null(q, i);
}

/* text must outlive the statement's use (it is not copied). */
int bind_text(sqlite3_stmt *q, int i, const char *text)
{
    return text ? sqlite3_bind_text(q, i, text, -1, SQLITE_STATIC)
                : sqlite3_bind_null(q, i);
}

int64_t column_int(sqlite3_stmt *q, int i)
{
    return sqlite3_column_int64(q, i);
}

/* Copies a text column into buf, truncating; NULL reads as "". */
void column_text(sqlite3_stmt *q, int i, char *buf, size_t cap)
{
    const unsigned char *text = sqlite3_column_text(q, i);
    snprintf(buf, cap, "%s", text ? (const char *)text : "");
}

/* Copies a blob column of exactly cap bytes; -1 if it has another size. */
int column_blob(sqlite3_stmt *q, int i, unsigned char *buf, size_t cap)
{
    const void *blob = sqlite3_column_blob(q, i);
    if ((size_t)sqlite3_column_bytes(q, i) != cap || !blob)
        return -1;
    memcpy(buf, blob, cap);
    return 0;
}

/*
 * Ops that write several rows run between op_begin() and op_end(), which
 * releases the savepoint on success and undoes the op's writes on failure.
 * Outside a transaction the savepoint is the transaction.
 */
int op_begin(struct sqlite_store *s, struct fdl_error *err)
{
    return stmt_run(s, STMT_OP_SAVEPOINT, err);
}

int op_end(struct sqlite_store *s, int rc, struct fdl_error *err)
{
    if (rc == 0 && (rc = stmt_run(s, STMT_OP_RELEASE, err)) == 0)
        return 0;
    stmt_run(s, STMT_OP_ROLLBACK_TO, NULL); /* fails only if SQLite already rolled back */
    stmt_run(s, STMT_OP_RELEASE, NULL);
    return rc;
}

/* ---- connection ---- */

static void sqlite_close(struct fdl_store *st)
{
    if (!st)
        return;
    struct sqlite_store *s = sqlite_of(st);
    for (int i = 0; i < STMT_COUNT; i++)
        sqlite3_finalize(s->stmts[i]);
    for (int i = 0; i < SQLITE_MAX_FEATURE_STMTS; i++)
        sqlite3_finalize(s->feature_stmts[i]);
    sqlite3_close(s->db); /* rolls back an open transaction */
    free(s);
}

/* Runs SQL text that may hold several statements and returns no rows we need. */
static int exec_sql(struct sqlite_store *s, const char *sql, struct fdl_error *err)
{
    char *message = NULL;
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, &message);
    if (rc == SQLITE_OK)
        return 0;
    int primary = rc & 0xff;
    rc = fdl_error_set(
        err, primary == SQLITE_BUSY || primary == SQLITE_LOCKED ? FDL_EBUSY : FDL_ESTORE,
        NULL, "%s", message ? message : sqlite3_errstr(rc));
    sqlite3_free(message);
    return rc;
}

/*
 * synchronous=FULL: a commit returns only once it is on disk. That is a
 * product rule (a receipt must never show points a power cut can take
 * back). FIDELIS_SQLITE_SYNC=NORMAL exists only so benchmarks can measure
 * what that costs: in WAL mode the database stays consistent, but a crash
 * can lose the last commits. Any other value, or none, means FULL.
 */
static const char *synchronous_pragma(void)
{
    const char *mode = getenv("FIDELIS_SQLITE_SYNC");
    if (mode && strcasecmp(mode, "NORMAL") == 0)
        return "PRAGMA synchronous = NORMAL";
    return "PRAGMA synchronous = FULL";
}

static int configure(struct sqlite_store *s, struct fdl_error *err)
{
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, SQLITE_BUSY_TIMEOUT_MS);
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &q, NULL);
    if (rc != SQLITE_OK)
        return db_error(s, rc, NULL, err);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        /* "memory" for an in-memory database, which has no WAL */
        const char *mode = (const char *)sqlite3_column_text(q, 0);
        rc = mode && (strcasecmp(mode, "wal") == 0 || strcasecmp(mode, "memory") == 0)
                 ? 0
                 : fdl_error_set(err, FDL_ESTORE, "db", "cannot use WAL mode (got %s)",
                                 mode ? mode : "nothing");
    } else {
        rc = db_error(s, rc, NULL, err);
    }
    sqlite3_finalize(q);
    if (rc == 0)
        rc = exec_sql(s, synchronous_pragma(), err);
    if (rc == 0)
        rc = exec_sql(s, "PRAGMA foreign_keys = ON", err);
    /*
     * Savepoint journals (one per writer job, one per multi-row op) stay in
     * memory; spilled to temporary files they nearly doubled a purchase's cost.
     */
    if (rc == 0)
        rc = exec_sql(s, "PRAGMA temp_store = MEMORY", err);
    return rc;
}

/* Opens (creating if needed) the database file at uri; does not migrate. */
static int sqlite_open(const char *uri, struct fdl_store **out, struct fdl_error *err)
{
    assert(uri && out);
    struct sqlite_store *s = calloc(1, sizeof(*s));
    if (!s)
        return fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    s->base.ops = &fdl_store_sqlite;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(uri, &s->db, flags, NULL);
    if (rc != SQLITE_OK) {
        rc = fdl_error_set(err, FDL_ESTORE, "db", "cannot open %s: %s", uri,
                           s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        sqlite3_close(s->db);
        free(s);
        return rc;
    }
    if ((rc = configure(s, err)) != 0) {
        sqlite_close((struct fdl_store *)s);
        return rc;
    }
    *out = (struct fdl_store *)s;
    return 0;
}

/* ---- transactions ---- */

static int sqlite_begin(struct fdl_store *st, int write, struct fdl_error *err)
{
    return stmt_run(sqlite_of(st), write ? STMT_BEGIN_WRITE : STMT_BEGIN_READ, err);
}

static int sqlite_commit(struct fdl_store *st, struct fdl_error *err)
{
    return stmt_run(sqlite_of(st), STMT_COMMIT, err);
}

/* Rolling back with no transaction open (SQLite may have ended it) is fine. */
static int sqlite_rollback(struct fdl_store *st)
{
    struct sqlite_store *s = sqlite_of(st);
    if (sqlite3_get_autocommit(s->db))
        return 0;
    return stmt_run(s, STMT_ROLLBACK, NULL);
}

static int sqlite_savepoint(struct fdl_store *st, struct fdl_error *err)
{
    return stmt_run(sqlite_of(st), STMT_SAVEPOINT, err);
}

static int sqlite_release(struct fdl_store *st, struct fdl_error *err)
{
    return stmt_run(sqlite_of(st), STMT_RELEASE, err);
}

/* Undoes the writes since the savepoint, which stays open (release it next). */
static int sqlite_rollback_to(struct fdl_store *st)
{
    return stmt_run(sqlite_of(st), STMT_ROLLBACK_TO, NULL);
}

/* ---- meta, programs, keys, idempotency ---- */

static int sqlite_meta_get(struct fdl_store *st, const char *key, char *buf, size_t cap,
                           struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(key && buf && cap > 0);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_META_GET, &q, err);
    if (rc)
        return rc;
    if (bind_text(q, 1, key))
        return bind_failed(s, q, err);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        const unsigned char *value = sqlite3_column_text(q, 0);
        size_t len = (size_t)sqlite3_column_bytes(q, 0);
        if (!value || len >= cap) {
            rc = fdl_error_set(err, FDL_ESTORE, key,
                               "stored value does not fit %zu bytes", cap);
        } else {
            memcpy(buf, value, len + 1);
            rc = 0;
        }
    } else {
        rc = no_row(s, rc, err);
    }
    stmt_reset(q);
    return rc;
}

static int sqlite_meta_set(struct fdl_store *st, const char *key, const char *value,
                           struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(key && value);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_META_SET, &q, err);
    if (rc)
        return rc;
    if (bind_text(q, 1, key) || bind_text(q, 2, value))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, NULL, err);
}

/* *json is malloc'd; the caller frees it. */
/* Steps bound query q for its one row and reads its first n integer
 * columns into out (untouched on failure); resets q. */
static int select_ints(struct sqlite_store *s, sqlite3_stmt *q, int64_t *out, int n,
                       struct fdl_error *err)
{
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        for (int i = 0; i < n; i++)
            out[i] = column_int(q, i);
        rc = 0;
    } else {
        rc = no_row(s, rc, err);
    }
    stmt_reset(q);
    return rc;
}

static int sqlite_in_transaction(struct fdl_store *st)
{
    return !sqlite3_get_autocommit(sqlite_of(st)->db);
}

static int sqlite_program_get(struct fdl_store *st, int64_t id, char **json,
                              struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(json);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_PROGRAM_GET, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, id))
        return bind_failed(s, q, err);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        const unsigned char *text = sqlite3_column_text(q, 0);
        char *copy = strdup(text ? (const char *)text : "");
        rc = copy ? 0 : fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
        if (copy)
            *json = copy;
    } else {
        rc = no_row(s, rc, err);
    }
    stmt_reset(q);
    return rc;
}

static int sqlite_program_put(struct fdl_store *st, int64_t id, const char *json,
                              struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(json);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_PROGRAM_PUT, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, id) || bind_text(q, 2, json))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, NULL, err);
}

static int sqlite_program_version_insert(struct fdl_store *st, int64_t program_id,
                                         int64_t effective_from_s, const char *source,
                                         int64_t now_s, int64_t *version,
                                         struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int64_t next = 0;
    int rc = stmt_get(s, STMT_VERSION_NEXT, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id))
        return bind_failed(s, q, err);
    if ((rc = select_ints(s, q, &next, 1, err)) ||
        (rc = stmt_get(s, STMT_VERSION_INSERT, &q, err)))
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, next) ||
        bind_int(q, 3, effective_from_s) || bind_text(q, 4, source) ||
        bind_int(q, 5, now_s))
        return bind_failed(s, q, err);
    if ((rc = stmt_finish(s, q, NULL, err)) == 0)
        *version = next;
    return rc;
}

static int sqlite_program_versions_load(struct fdl_store *st, int64_t program_id,
                                        struct fdl_program_version **out, size_t *count,
                                        struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_VERSIONS_LOAD, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id))
        return bind_failed(s, q, err);
    struct fdl_program_version *items = NULL;
    size_t n = 0, cap = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (n == cap) {
            size_t new_cap = cap ? cap * 2 : 8;
            struct fdl_program_version *p = realloc(items, new_cap * sizeof(*p));
            if (!p)
                break;
            items = p;
            cap = new_cap;
        }
        const unsigned char *text = sqlite3_column_text(q, 3);
        items[n].version = column_int(q, 0);
        items[n].effective_from_s = column_int(q, 1);
        items[n].created_at_s = column_int(q, 2);
        items[n].source = strdup(text ? (const char *)text : "");
        if (!items[n].source)
            break;
        n++;
    }
    if (rc == SQLITE_DONE) {
        rc = 0;
    } else if (rc == SQLITE_ROW) {
        rc = fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    } else {
        rc = no_row(s, rc, err);
    }
    stmt_reset(q);
    if (rc) {
        fdl_program_versions_free(items, n);
        return rc;
    }
    *out = items;
    *count = n;
    return 0;
}

static int sqlite_program_version_latest(struct fdl_store *st, int64_t program_id,
                                         int64_t *version, int64_t *created_at_s,
                                         struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_VERSION_LATEST, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id))
        return bind_failed(s, q, err);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *version = column_int(q, 0);
        *created_at_s = column_int(q, 1);
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        *version = *created_at_s = 0;
        rc = 0;
    } else {
        rc = no_row(s, rc, err);
    }
    stmt_reset(q);
    return rc;
}

static int sqlite_member_set_tier(struct fdl_store *st, int64_t program_id,
                                  int64_t member_id, const char *tier,
                                  int64_t review_at_s, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_MEMBER_SET_TIER, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id) ||
        bind_text(q, 3, tier) || bind_int(q, 4, review_at_s))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, NULL, err);
}

static int sqlite_member_activity(struct fdl_store *st, int64_t program_id,
                                  int64_t member_id, int64_t from_s, int64_t to_s,
                                  int64_t *spend_minor, int64_t *points, int64_t *visits,
                                  struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_MEMBER_ACTIVITY, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id) ||
        bind_int(q, 3, from_s) || bind_int(q, 4, to_s))
        return bind_failed(s, q, err);
    int64_t row[3];
    if ((rc = select_ints(s, q, row, 3, err)) == 0) {
        *spend_minor = row[0];
        *points = row[1];
        *visits = row[2];
    }
    return rc;
}

static int sqlite_members_due_review(struct fdl_store *st, int64_t program_id,
                                     int64_t now_s, int limit, int64_t *ids, int *count,
                                     struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_MEMBERS_DUE_REVIEW, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, now_s) || bind_int(q, 3, limit))
        return bind_failed(s, q, err);
    int n = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && n < limit)
        ids[n++] = column_int(q, 0);
    rc = (rc == SQLITE_DONE || rc == SQLITE_ROW) ? 0 : no_row(s, rc, err);
    stmt_reset(q);
    if (rc == 0)
        *count = n;
    return rc;
}

static int sqlite_member_visits(struct fdl_store *st, int64_t program_id,
                                int64_t member_id, int64_t *visits, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_MEMBER_VISITS, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id))
        return bind_failed(s, q, err);
    return select_ints(s, q, visits, 1, err);
}

static int sqlite_purchase_points_insert(struct fdl_store *st,
                                         const struct fdl_purchase *p, int line_no,
                                         const char *rule, int64_t points,
                                         struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_POINTS_INSERT, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, p->program_id) || bind_int(q, 2, p->member_id) ||
        bind_int(q, 3, p->id) || bind_int(q, 4, line_no) || bind_text(q, 5, rule) ||
        bind_int(q, 6, points))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, NULL, err);
}

static int sqlite_purchase_points_get(struct fdl_store *st, const struct fdl_purchase *p,
                                      struct fdl_points_row *out, int max, int *count,
                                      struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_POINTS_GET, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, p->program_id) || bind_int(q, 2, p->member_id) ||
        bind_int(q, 3, p->id))
        return bind_failed(s, q, err);
    int n = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && n < max) {
        out[n].line_no = (int)column_int(q, 0);
        column_text(q, 1, out[n].rule, sizeof(out[n].rule));
        out[n].points = column_int(q, 2);
        n++;
    }
    rc = (rc == SQLITE_DONE || rc == SQLITE_ROW) ? 0 : no_row(s, rc, err);
    stmt_reset(q);
    if (rc == 0)
        *count = n;
    return rc;
}

static int sqlite_key_get(struct fdl_store *st, const char *id, struct fdl_api_key *out,
                          struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(id && out);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_KEY_GET, &q, err);
    if (rc)
        return rc;
    if (bind_text(q, 1, id))
        return bind_failed(s, q, err);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        struct fdl_api_key key;
        memset(&key, 0, sizeof(key));
        column_text(q, 0, key.id, sizeof(key.id));
        key.program_id = column_int(q, 1);
        column_text(q, 2, key.name, sizeof(key.name));
        key.scopes = (unsigned)column_int(q, 3);
        key.created_at_s = column_int(q, 5);
        key.revoked = column_int(q, 6) != 0;
        column_text(q, 7, key.partner, sizeof(key.partner));
        rc = column_blob(q, 4, key.hash, sizeof(key.hash))
                 ? fdl_error_set(err, FDL_ESTORE, NULL, "API key %s has a bad hash", id)
                 : 0;
        if (rc == 0)
            *out = key;
    } else {
        rc = no_row(s, rc, err);
    }
    stmt_reset(q);
    return rc;
}

static int sqlite_key_insert(struct fdl_store *st, const struct fdl_api_key *key,
                             struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(key);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_KEY_INSERT, &q, err);
    if (rc)
        return rc;
    if (bind_text(q, 1, key->id) || bind_int(q, 2, key->program_id) ||
        bind_text(q, 3, key->name) || bind_int(q, 4, key->scopes) ||
        sqlite3_bind_blob(q, 5, key->hash, sizeof(key->hash), SQLITE_STATIC) ||
        bind_int(q, 6, key->created_at_s) || bind_int(q, 7, key->revoked != 0) ||
        bind_text(q, 8, key->partner))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, api_key_keys, err);
}

/* out->body is malloc'd (NULL if none was stored); fdl_idem_release frees it. */
static int sqlite_idem_get(struct fdl_store *st, int64_t program_id, const char *key,
                           struct fdl_idem *out, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(key && out);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_IDEM_GET, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_text(q, 2, key))
        return bind_failed(s, q, err);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        struct fdl_idem idem;
        memset(&idem, 0, sizeof(idem));
        idem.status = (int)column_int(q, 1);
        const unsigned char *body = sqlite3_column_text(q, 2);
        rc = column_blob(q, 0, idem.request_hash, sizeof(idem.request_hash))
                 ? fdl_error_set(err, FDL_ESTORE, NULL,
                                 "idempotency record has a bad hash")
                 : 0;
        if (rc == 0 && body && !(idem.body = strdup((const char *)body)))
            rc = fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
        if (rc == 0)
            *out = idem;
    } else {
        rc = no_row(s, rc, err);
    }
    stmt_reset(q);
    return rc;
}

static int sqlite_idem_put(struct fdl_store *st, int64_t program_id, const char *key,
                           const struct fdl_idem *idem, int64_t now_s,
                           struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(key && idem);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_IDEM_PUT, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_text(q, 2, key) ||
        sqlite3_bind_blob(q, 3, idem->request_hash, sizeof(idem->request_hash),
                          SQLITE_STATIC) ||
        bind_int(q, 4, idem->status) || bind_text(q, 5, idem->body) ||
        bind_int(q, 6, now_s))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, idem_keys, err);
}

static int sqlite_idem_prune(struct fdl_store *st, int64_t program_id, int64_t before_s,
                             int limit, int64_t *deleted, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_IDEM_PRUNE, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, before_s) || bind_int(q, 3, limit))
        return bind_failed(s, q, err);
    if ((rc = stmt_finish(s, q, NULL, err)) == 0)
        *deleted = sqlite3_changes(s->db);
    return rc;
}

/* ---- members ---- */

/* Reads a row of MEMBER_COLUMNS. */
static void member_read(sqlite3_stmt *q, struct fdl_member *m)
{
    memset(m, 0, sizeof(*m));
    m->id = column_int(q, 0);
    m->program_id = column_int(q, 1);
    column_text(q, 2, m->name, sizeof(m->name));
    column_text(q, 3, m->name_key, sizeof(m->name_key));
    column_text(q, 4, m->email, sizeof(m->email));
    column_text(q, 5, m->phone, sizeof(m->phone));
    m->has_birthday = sqlite3_column_type(q, 6) != SQLITE_NULL;
    m->birthday_days = m->has_birthday ? column_int(q, 6) : 0;
    m->marketing_consent = column_int(q, 7) != 0;
    column_text(q, 8, m->home_store, sizeof(m->home_store));
    m->balance = column_int(q, 9);
    m->created_at_s = column_int(q, 10);
    column_text(q, 11, m->tier, sizeof(m->tier));
    m->tier_review_at_s = column_int(q, 12);
}

/* Indexes each distinct space-separated word of name_key for member_search. */
static int member_names_insert(struct sqlite_store *s, int64_t program_id,
                               int64_t member_id, const char *name_key,
                               struct fdl_error *err)
{
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_MEMBER_NAME_INSERT, &q, err);
    for (const char *p = name_key; rc == 0 && *p;) {
        p += strspn(p, " ");
        size_t len = strcspn(p, " ");
        if (len == 0)
            break;
        /* INSERT OR IGNORE: a repeated word is stored once */
        if (bind_int(q, 1, program_id) ||
            sqlite3_bind_text(q, 2, p, (int)len, SQLITE_STATIC) ||
            bind_int(q, 3, member_id))
            rc = bind_failed(s, q, err);
        else
            rc = stmt_finish(s, q, NULL, err);
        p += len;
    }
    return rc;
}

/* Inserts m (m->id is ignored) and its search words; sets m->id. */
static int sqlite_member_insert(struct fdl_store *st, struct fdl_member *m,
                                struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(m);
    sqlite3_stmt *q;
    int64_t id = 0;
    int rc = op_begin(s, err);
    if (rc)
        return rc;
    if ((rc = stmt_get(s, STMT_MEMBER_INSERT, &q, err)) == 0) {
        if (bind_int(q, 1, m->program_id) || bind_text(q, 2, m->name) ||
            bind_text(q, 3, m->name_key) || bind_text(q, 4, m->email) ||
            bind_text(q, 5, m->phone) ||
            (m->has_birthday ? bind_int(q, 6, m->birthday_days)
                             : sqlite3_bind_null(q, 6)) ||
            bind_int(q, 7, m->marketing_consent != 0) || bind_text(q, 8, m->home_store) ||
            bind_int(q, 9, m->balance) || bind_int(q, 10, m->created_at_s))
            rc = bind_failed(s, q, err);
        else
            rc = stmt_finish(s, q, member_keys, err);
        id = sqlite3_last_insert_rowid(s->db);
    }
    if (rc == 0)
        rc = member_names_insert(s, m->program_id, id, m->name_key, err);
    if ((rc = op_end(s, rc, err)) == 0)
        m->id = id;
    return rc;
}

/* Runs member query q (already bound) and reads its one row into *out. */
static int member_fetch(struct sqlite_store *s, sqlite3_stmt *q, struct fdl_member *out,
                        struct fdl_error *err)
{
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        struct fdl_member m;
        member_read(q, &m);
        *out = m;
        rc = 0;
    } else {
        rc = no_row(s, rc, err);
    }
    stmt_reset(q);
    return rc;
}

static int sqlite_member_get(struct fdl_store *st, int64_t program_id, int64_t id,
                             struct fdl_member *out, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(out);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_MEMBER_GET, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, id))
        return bind_failed(s, q, err);
    return member_fetch(s, q, out, err);
}

/* value is already normalised (lower-case email, "+digits" phone). */
static int sqlite_member_find(struct fdl_store *st, int64_t program_id,
                              enum fdl_member_lookup by, const char *value,
                              struct fdl_member *out, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(value && out);
    sqlite3_stmt *q;
    int rc = stmt_get(
        s, by == FDL_LOOKUP_EMAIL ? STMT_MEMBER_BY_EMAIL : STMT_MEMBER_BY_PHONE, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_text(q, 2, value))
        return bind_failed(s, q, err);
    return member_fetch(s, q, out, err);
}

/*
 * Writes into high the least string greater than every string that starts
 * with word: word with its last byte incremented (after dropping trailing
 * 0xff bytes). Returns its length, or 0 if there is none.
 */
static size_t prefix_bound(const char *word, char *high, size_t cap)
{
    size_t len = strlen(word);
    if (len >= cap)
        return 0;
    memcpy(high, word, len);
    while (len > 0 && (unsigned char)high[len - 1] == 0xff)
        len--;
    if (len > 0)
        high[len - 1] = (char)((unsigned char)high[len - 1] + 1);
    return len;
}

/*
 * Members of the program having, for every word, a name word that starts
 * with it; ids above after_id, ascending, at most limit.
 */
static int sqlite_member_search(struct fdl_store *st, int64_t program_id, char **words,
                                int n_words, int64_t after_id, int limit,
                                struct fdl_member *out, int *count, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
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

    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_MEMBER_SEARCH_1 + n_words - 1, &q, err);
    if (rc)
        return rc;
    int bad =
        bind_int(q, 1, program_id) || bind_int(q, 2, after_id) || bind_int(q, 3, limit);
    for (int i = 0; i < n_words && !bad; i++)
        bad = bind_text(q, 4 + 2 * i, ordered[i]) ||
              sqlite3_bind_text(q, 5 + 2 * i, high[i], (int)high_len[i], SQLITE_STATIC);
    if (bad)
        return bind_failed(s, q, err);
    struct fdl_member *rows = malloc((size_t)limit * sizeof(*rows));
    if (!rows) {
        stmt_reset(q);
        return fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    }
    int n = 0;
    while (n < limit && (rc = sqlite3_step(q)) == SQLITE_ROW)
        member_read(q, &rows[n++]);
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_error(s, rc, NULL, err);
    stmt_reset(q);
    if (rc == 0) {
        memcpy(out, rows, (size_t)n * sizeof(*rows));
        *count = n;
    }
    free(rows);
    return rc;
}

static int sqlite_member_set_balance(struct fdl_store *st, int64_t program_id,
                                     int64_t member_id, int64_t balance,
                                     struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_MEMBER_SET_BALANCE, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id) ||
        bind_int(q, 3, balance))
        return bind_failed(s, q, err);
    if ((rc = stmt_finish(s, q, NULL, err)) == 0 && sqlite3_changes(s->db) == 0)
        rc = fdl_error_set(err, FDL_ENOT_FOUND, NULL, "no member %lld",
                           (long long)member_id);
    return rc;
}

/* ---- cards ---- */

/* Reads a row of CARD_COLUMNS. */
static void card_read(sqlite3_stmt *q, struct fdl_card *c)
{
    memset(c, 0, sizeof(*c));
    column_text(q, 0, c->number, sizeof(c->number));
    c->program_id = column_int(q, 1);
    c->member_id = column_int(q, 2);
    c->status = (enum fdl_card_status)column_int(q, 3);
    c->issued_at_s = column_int(q, 4);
    c->blocked_at_s = column_int(q, 5);
    column_text(q, 6, c->block_reason, sizeof(c->block_reason));
    column_text(q, 7, c->replaced_by, sizeof(c->replaced_by));
}

static int sqlite_card_insert(struct fdl_store *st, const struct fdl_card *c,
                              struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(c);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_CARD_INSERT, &q, err);
    if (rc)
        return rc;
    if (bind_text(q, 1, c->number) || bind_int(q, 2, c->program_id) ||
        bind_int(q, 3, c->member_id) || bind_int(q, 4, c->status) ||
        bind_int(q, 5, c->issued_at_s) || bind_optional(q, 6, c->blocked_at_s) ||
        bind_text(q, 7, c->block_reason) || bind_text(q, 8, c->replaced_by))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, card_keys, err);
}

static int sqlite_card_get(struct fdl_store *st, int64_t program_id, const char *number,
                           struct fdl_card *out, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(number && out);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_CARD_GET, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_text(q, 2, number))
        return bind_failed(s, q, err);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        struct fdl_card c;
        card_read(q, &c);
        *out = c;
    }
    return sqlite_row_end(s, q, rc, err);
}

/* Writes the card's status, block time and reason, and replacement. */
static int sqlite_card_update(struct fdl_store *st, const struct fdl_card *c,
                              struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(c);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_CARD_UPDATE, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, c->program_id) || bind_text(q, 2, c->number) ||
        bind_int(q, 3, c->status) || bind_optional(q, 4, c->blocked_at_s) ||
        bind_text(q, 5, c->block_reason) || bind_text(q, 6, c->replaced_by))
        return bind_failed(s, q, err);
    if ((rc = stmt_finish(s, q, NULL, err)) == 0 && sqlite3_changes(s->db) == 0)
        rc = fdl_error_set(err, FDL_ENOT_FOUND, NULL, "no such card");
    return rc;
}

/* The member's cards, oldest first, at most max. */
static int sqlite_card_list(struct fdl_store *st, int64_t program_id, int64_t member_id,
                            struct fdl_card *out, int max, int *count,
                            struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(count && (out || max <= 0));
    if (max <= 0) {
        *count = 0;
        return 0;
    }
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_CARD_LIST, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id) || bind_int(q, 3, max))
        return bind_failed(s, q, err);
    struct fdl_card *rows = malloc((size_t)max * sizeof(*rows));
    if (!rows) {
        stmt_reset(q);
        return fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    }
    int n = 0;
    while (n < max && (rc = sqlite3_step(q)) == SQLITE_ROW)
        card_read(q, &rows[n++]);
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_error(s, rc, NULL, err);
    stmt_reset(q);
    if (rc == 0) {
        memcpy(out, rows, (size_t)n * sizeof(*rows));
        *count = n;
    }
    free(rows);
    return rc;
}

/* ---- lots and moves ---- */

/* Reads a row of LOT_COLUMNS. */
static void lot_read(sqlite3_stmt *q, struct fdl_lot *lot)
{
    memset(lot, 0, sizeof(*lot));
    lot->id = column_int(q, 0);
    lot->remaining = column_int(q, 1);
    lot->available_at_s = column_int(q, 2);
    lot->expires_at_s = column_int(q, 3);
    lot->purchase_id = column_int(q, 4);
    lot->expired = column_int(q, 5);
}

/* Appends the member's live lots (remaining != 0) in spending order. */
static int sqlite_lots_load(struct fdl_store *st, int64_t program_id, int64_t member_id,
                            struct fdl_lots *lots, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(lots);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_LOTS_LOAD, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id))
        return bind_failed(s, q, err);
    size_t before = lots->count;
    int result = 0;
    while (result == 0 && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct fdl_lot lot;
        size_t at;
        lot_read(q, &lot);
        if (fdl_lots_push(lots, &lot, &at))
            result = fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    }
    if (result == 0 && rc != SQLITE_DONE)
        result = db_error(s, rc, NULL, err);
    stmt_reset(q);
    if (result)
        lots->count = before;
    return result;
}

/* Binds q's parameters to the statement of its set; see enum fdl_lot_set. */
static int lots_select_bind(sqlite3_stmt *stmt, int64_t program_id, int64_t member_id,
                            const struct fdl_lot_query *q)
{
    int rc = bind_int(stmt, 1, program_id) || bind_int(stmt, 2, member_id);
    switch (q->set) {
    case FDL_LOTS_DEBT:
        return rc || bind_int(stmt, 3, q->limit);
    case FDL_LOTS_OF_PURCHASE:
        return rc || bind_int(stmt, 3, q->purchase_id) || bind_int(stmt, 4, q->limit);
    case FDL_LOTS_SPENDABLE:
        return rc || bind_int(stmt, 3, q->after_expires_at_s) ||
               bind_int(stmt, 4, q->after_id) || bind_int(stmt, 5, q->now_s) ||
               bind_int(stmt, 6, q->limit);
    case FDL_LOTS_POSITIVE:
        return rc || bind_int(stmt, 3, q->after_expires_at_s) ||
               bind_int(stmt, 4, q->after_id) || bind_int(stmt, 5, q->limit);
    case FDL_LOTS_DUE:
        return rc || bind_int(stmt, 3, q->now_s) || bind_int(stmt, 4, q->limit);
    }
    return 1;
}

static int sqlite_lots_select(struct fdl_store *st, int64_t program_id, int64_t member_id,
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
    struct sqlite_store *s = sqlite_of(st);
    assert(lots && q && q->limit > 0);
    assert(q->set >= FDL_LOTS_DEBT && q->set <= FDL_LOTS_DUE);
    sqlite3_stmt *stmt;
    int rc = stmt_get(s, stmt_of[q->set], &stmt, err);
    if (rc)
        return rc;
    if (lots_select_bind(stmt, program_id, member_id, q))
        return bind_failed(s, stmt, err);
    size_t before = lots->count;
    int result = 0;
    while (result == 0 && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct fdl_lot lot;
        size_t at;
        lot_read(stmt, &lot);
        if (fdl_lots_push(lots, &lot, &at))
            result = fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    }
    if (result == 0 && rc != SQLITE_DONE)
        result = db_error(s, rc, NULL, err);
    stmt_reset(stmt);
    if (result)
        lots->count = before;
    return result;
}

static int sqlite_lot_sums(struct fdl_store *st, int64_t program_id, int64_t member_id,
                           int64_t now_s, int64_t horizon_s, struct fdl_lot_sums *out,
                           struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(out && horizon_s >= now_s);
    struct fdl_lot_sums sums;
    memset(&sums, 0, sizeof(sums));
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_LOT_SUMS, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id) ||
        bind_int(q, 3, now_s) || bind_int(q, 4, horizon_s))
        return bind_failed(s, q, err);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (column_int(q, 0) == 0) {
            sums.pending = column_int(q, 2);
            continue;
        }
        sums.due += column_int(q, 3);
        if (sums.expiring_count == FDL_LOT_SUMS_MAX_EXPIRING)
            continue; /* the later ones only add to `due` */
        sums.expiring[sums.expiring_count].expires_at_s = column_int(q, 1);
        sums.expiring[sums.expiring_count++].points = column_int(q, 2);
    }
    rc = rc == SQLITE_DONE ? 0 : db_error(s, rc, NULL, err);
    stmt_reset(q);
    if (rc == 0)
        *out = sums;
    return rc;
}

static int sqlite_lot_get(struct fdl_store *st, int64_t program_id, int64_t member_id,
                          int64_t lot_id, struct fdl_lot *out, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(out);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_LOT_GET, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id) || bind_int(q, 3, lot_id))
        return bind_failed(s, q, err);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        struct fdl_lot lot;
        lot_read(q, &lot);
        *out = lot;
    }
    return sqlite_row_end(s, q, rc, err);
}

/* Inserts lot (lot->id is ignored) and sets lot->id. */
static int sqlite_lot_insert(struct fdl_store *st, int64_t program_id, int64_t member_id,
                             struct fdl_lot *lot, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(lot);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_LOT_INSERT, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id) ||
        bind_int(q, 3, lot->remaining) || bind_int(q, 4, lot->available_at_s) ||
        bind_int(q, 5, lot->expires_at_s) || bind_optional(q, 6, lot->purchase_id) ||
        bind_int(q, 7, lot->expired))
        return bind_failed(s, q, err);
    if ((rc = stmt_finish(s, q, NULL, err)) == 0)
        lot->id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

/* Writes lot->remaining and lot->expired (the only things about a lot that change). */
static int sqlite_lot_update(struct fdl_store *st, int64_t program_id, int64_t member_id,
                             const struct fdl_lot *lot, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(lot);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_LOT_UPDATE, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id) ||
        bind_int(q, 3, lot->id) || bind_int(q, 4, lot->remaining) ||
        bind_int(q, 5, lot->expired))
        return bind_failed(s, q, err);
    if ((rc = stmt_finish(s, q, NULL, err)) == 0 && sqlite3_changes(s->db) == 0)
        rc = fdl_error_set(err, FDL_ENOT_FOUND, NULL, "no lot %lld", (long long)lot->id);
    return rc;
}

static int sqlite_move_insert(struct fdl_store *st, int64_t program_id, int64_t member_id,
                              int64_t entry_id, int64_t lot_id, int64_t delta,
                              struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_MOVE_INSERT, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id) ||
        bind_int(q, 3, entry_id) || bind_int(q, 4, lot_id) || bind_int(q, 5, delta))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, NULL, err);
}

/* The entry's moves in insertion order; *out is malloc'd (the caller frees it). */
static int sqlite_moves_of_entry(struct fdl_store *st, int64_t program_id,
                                 int64_t member_id, int64_t entry_id,
                                 struct fdl_stored_move **out, size_t *count,
                                 struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(out && count);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_MOVES_OF_ENTRY, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id) ||
        bind_int(q, 3, entry_id))
        return bind_failed(s, q, err);
    size_t n = 0, cap = 8;
    struct fdl_stored_move *moves = malloc(cap * sizeof(*moves));
    int result = moves ? 0 : fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    while (result == 0 && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (n == cap) {
            struct fdl_stored_move *grown = realloc(moves, 2 * cap * sizeof(*moves));
            if (!grown) {
                result = fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
                break;
            }
            moves = grown;
            cap *= 2;
        }
        moves[n].lot_id = column_int(q, 0);
        moves[n].delta = column_int(q, 1);
        n++;
    }
    if (result == 0 && rc != SQLITE_DONE)
        result = db_error(s, rc, NULL, err);
    stmt_reset(q);
    if (result) {
        free(moves);
        return result;
    }
    *out = moves;
    *count = n;
    return 0;
}

/* ---- entries ---- */

/*
 * Inserts e (its member is e->member_id) and its postings; sets *entry_id.
 * An entry that does not balance is refused: the store never holds one.
 */
static int sqlite_entry_insert(struct fdl_store *st, int64_t program_id,
                               const struct fdl_entry *e, int64_t purchase_id,
                               const char *reason, const char *actor, int64_t now_s,
                               int64_t *entry_id, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(e && entry_id);
    if (fdl_entry_check(e) != 0)
        return fdl_error_set(err, FDL_EINTERNAL, NULL,
                             "refusing an entry that does not balance");
    sqlite3_stmt *q;
    int64_t id = 0;
    int rc = op_begin(s, err);
    if (rc)
        return rc;
    if ((rc = stmt_get(s, STMT_ENTRY_INSERT, &q, err)) == 0) {
        if (bind_int(q, 1, program_id) || bind_int(q, 2, e->member_id) ||
            bind_int(q, 3, e->kind) || bind_optional(q, 4, purchase_id) ||
            bind_text(q, 5, reason) || bind_text(q, 6, actor) || bind_int(q, 7, now_s))
            rc = bind_failed(s, q, err);
        else
            rc = stmt_finish(s, q, NULL, err);
        id = sqlite3_last_insert_rowid(s->db);
    }
    if (rc == 0)
        rc = stmt_get(s, STMT_POSTING_INSERT, &q, err);
    for (int i = 0; i < e->posting_count && rc == 0; i++) {
        if (bind_int(q, 1, id) || bind_int(q, 2, i) || bind_int(q, 3, program_id) ||
            bind_int(q, 4, e->member_id) || bind_int(q, 5, e->postings[i].account) ||
            bind_int(q, 6, e->postings[i].amount))
            rc = bind_failed(s, q, err);
        else
            rc = stmt_finish(s, q, NULL, err);
    }
    if ((rc = op_end(s, rc, err)) == 0)
        *entry_id = id;
    return rc;
}

/* The member's entries before before_entry_id (0: the newest), newest first. */
static int sqlite_history(struct fdl_store *st, int64_t program_id, int64_t member_id,
                          int64_t before_entry_id, int limit, struct fdl_history_row *out,
                          int *count, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(count && (out || limit <= 0));
    if (limit <= 0) {
        *count = 0;
        return 0;
    }
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_HISTORY, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id) ||
        bind_int(q, 3, before_entry_id > 0 ? before_entry_id : INT64_MAX) ||
        bind_int(q, 4, limit))
        return bind_failed(s, q, err);
    struct fdl_history_row *rows = malloc((size_t)limit * sizeof(*rows));
    if (!rows) {
        stmt_reset(q);
        return fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    }
    int n = 0;
    while (n < limit && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct fdl_history_row *row = &rows[n++];
        memset(row, 0, sizeof(*row));
        row->entry_id = column_int(q, 0);
        row->kind = (enum fdl_entry_kind)column_int(q, 1);
        row->points = column_int(q, 2);
        row->created_at_s = column_int(q, 3);
        column_text(q, 4, row->txn_id, sizeof(row->txn_id));
        column_text(q, 5, row->reason, sizeof(row->reason));
        column_text(q, 6, row->actor, sizeof(row->actor));
    }
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_error(s, rc, NULL, err);
    stmt_reset(q);
    if (rc == 0) {
        memcpy(out, rows, (size_t)n * sizeof(*rows));
        *count = n;
    }
    free(rows);
    return rc;
}

/* ---- purchases and refunds ---- */

static int line_insert(struct sqlite_store *s, sqlite3_stmt *q, int64_t purchase_id,
                       const struct fdl_purchase_line *l, struct fdl_error *err)
{
    if (bind_int(q, 1, purchase_id) || bind_int(q, 2, l->line_no) ||
        bind_text(q, 3, l->sku) || bind_text(q, 4, l->category) ||
        bind_int(q, 5, l->quantity) || bind_int(q, 6, l->unit_price_minor) ||
        bind_int(q, 7, l->amount_minor) || bind_int(q, 8, l->points) ||
        bind_int(q, 9, l->redeemed_points) || bind_int(q, 10, l->refunded_quantity) ||
        bind_int(q, 11, l->clawed_points) || bind_int(q, 12, l->restored_points) ||
        bind_int(q, 13, l->coupon_discount_minor))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, NULL, err);
}

/* Inserts p (p->id is ignored) and its p->line_count lines; sets p->id. */
static int sqlite_purchase_insert(struct fdl_store *st, struct fdl_purchase *p,
                                  const struct fdl_purchase_line *lines,
                                  struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(p);
    if (p->line_count < 0 || p->line_count > FDL_MAX_BASKET_LINES ||
        (p->line_count && !lines))
        return fdl_error_set(err, FDL_EINVALID, "lines", "bad line count %d",
                             p->line_count);
    sqlite3_stmt *q;
    int64_t id = 0;
    int rc = op_begin(s, err);
    if (rc)
        return rc;
    if ((rc = stmt_get(s, STMT_PURCHASE_INSERT, &q, err)) == 0) {
        if (bind_int(q, 1, p->program_id) || bind_int(q, 2, p->member_id) ||
            bind_text(q, 3, p->txn_id) || bind_text(q, 4, p->store_code) ||
            bind_text(q, 5, p->channel) || bind_text(q, 6, p->currency) ||
            bind_int(q, 7, p->occurred_at_s) || bind_int(q, 8, p->recorded_at_s) ||
            bind_int(q, 9, p->total_minor) || bind_int(q, 10, p->discount_minor) ||
            bind_int(q, 11, p->points_earned) || bind_int(q, 12, p->points_redeemed) ||
            bind_int(q, 13, p->refunded_minor) || bind_int(q, 14, p->points_clawed) ||
            bind_int(q, 15, p->points_restored) ||
            bind_optional(q, 16, p->redeem_entry_id) || bind_int(q, 17, p->line_count) ||
            bind_int(q, 18, p->program_version) ||
            bind_int(q, 19, p->coupon_discount_minor))
            rc = bind_failed(s, q, err);
        else
            rc = stmt_finish(s, q, purchase_keys, err);
        id = sqlite3_last_insert_rowid(s->db);
    }
    if (rc == 0)
        rc = stmt_get(s, STMT_LINE_INSERT, &q, err);
    for (int i = 0; i < p->line_count && rc == 0; i++)
        rc = line_insert(s, q, id, &lines[i], err);
    if ((rc = op_end(s, rc, err)) == 0)
        p->id = id;
    return rc;
}

/* Reads a row of PURCHASE_COLUMNS. */
static void purchase_read(sqlite3_stmt *q, struct fdl_purchase *p)
{
    memset(p, 0, sizeof(*p));
    p->id = column_int(q, 0);
    p->program_id = column_int(q, 1);
    p->member_id = column_int(q, 2);
    column_text(q, 3, p->txn_id, sizeof(p->txn_id));
    column_text(q, 4, p->store_code, sizeof(p->store_code));
    column_text(q, 5, p->channel, sizeof(p->channel));
    column_text(q, 6, p->currency, sizeof(p->currency));
    p->occurred_at_s = column_int(q, 7);
    p->recorded_at_s = column_int(q, 8);
    p->total_minor = column_int(q, 9);
    p->discount_minor = column_int(q, 10);
    p->points_earned = column_int(q, 11);
    p->points_redeemed = column_int(q, 12);
    p->refunded_minor = column_int(q, 13);
    p->points_clawed = column_int(q, 14);
    p->points_restored = column_int(q, 15);
    p->redeem_entry_id = column_int(q, 16);
    p->line_count = (int)column_int(q, 17);
    p->program_version = column_int(q, 18);
    p->coupon_discount_minor = column_int(q, 19);
}

/* Reads a row of LINE_COLUMNS. */
static void line_read(sqlite3_stmt *q, struct fdl_purchase_line *l)
{
    memset(l, 0, sizeof(*l));
    l->line_no = (int)column_int(q, 0);
    column_text(q, 1, l->sku, sizeof(l->sku));
    column_text(q, 2, l->category, sizeof(l->category));
    l->quantity = column_int(q, 3);
    l->unit_price_minor = column_int(q, 4);
    l->amount_minor = column_int(q, 5);
    l->points = column_int(q, 6);
    l->redeemed_points = column_int(q, 7);
    l->refunded_quantity = column_int(q, 8);
    l->clawed_points = column_int(q, 9);
    l->restored_points = column_int(q, 10);
    l->coupon_discount_minor = column_int(q, 11);
}

/* Reads exactly p->line_count lines of p into a malloc'd array. */
static int lines_load(struct sqlite_store *s, const struct fdl_purchase *p,
                      struct fdl_purchase_line **out, struct fdl_error *err)
{
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_LINES_GET, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, p->id))
        return bind_failed(s, q, err);
    /* never NULL, even for no lines */
    struct fdl_purchase_line *lines = calloc((size_t)p->line_count + 1, sizeof(*lines));
    int n = 0, result = lines ? 0 : fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    while (result == 0 && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (n == p->line_count)
            result = fdl_error_set(err, FDL_ESTORE, NULL,
                                   "purchase %lld has too many lines", (long long)p->id);
        else
            line_read(q, &lines[n++]);
    }
    if (result == 0 && rc != SQLITE_DONE)
        result = db_error(s, rc, NULL, err);
    if (result == 0 && n != p->line_count)
        result =
            fdl_error_set(err, FDL_ESTORE, NULL, "purchase %lld has %d of its %d lines",
                          (long long)p->id, n, p->line_count);
    stmt_reset(q);
    if (result) {
        free(lines);
        return result;
    }
    *out = lines;
    return 0;
}

/* The purchase with this till transaction id; *lines is malloc'd (caller frees). */
static int sqlite_purchase_get(struct fdl_store *st, int64_t program_id,
                               const char *txn_id, struct fdl_purchase *out,
                               struct fdl_purchase_line **lines, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(txn_id && out && lines);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_PURCHASE_GET, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_text(q, 2, txn_id))
        return bind_failed(s, q, err);
    struct fdl_purchase p;
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        purchase_read(q, &p);
        rc = 0;
    } else {
        rc = no_row(s, rc, err);
    }
    stmt_reset(q);
    if (rc == 0 && (p.line_count < 0 || p.line_count > FDL_MAX_BASKET_LINES))
        rc = fdl_error_set(err, FDL_ESTORE, NULL, "purchase %lld has a bad line count",
                           (long long)p.id);
    struct fdl_purchase_line *loaded = NULL;
    if (rc == 0 && (rc = lines_load(s, &p, &loaded, err)) == 0) {
        *out = p;
        *lines = loaded;
    }
    return rc;
}

/*
 * Writes what changes after insertion: the purchase's refund totals and its
 * redemption entry, and each line's refunded quantity and points.
 */
static int sqlite_purchase_update(struct fdl_store *st, const struct fdl_purchase *p,
                                  const struct fdl_purchase_line *lines,
                                  struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(p);
    if (p->line_count < 0 || p->line_count > FDL_MAX_BASKET_LINES ||
        (p->line_count && !lines))
        return fdl_error_set(err, FDL_EINVALID, "lines", "bad line count %d",
                             p->line_count);
    sqlite3_stmt *q;
    int rc = op_begin(s, err);
    if (rc)
        return rc;
    if ((rc = stmt_get(s, STMT_PURCHASE_UPDATE, &q, err)) == 0) {
        if (bind_int(q, 1, p->program_id) || bind_int(q, 2, p->id) ||
            bind_int(q, 3, p->refunded_minor) || bind_int(q, 4, p->points_clawed) ||
            bind_int(q, 5, p->points_restored) || bind_optional(q, 6, p->redeem_entry_id))
            rc = bind_failed(s, q, err);
        else if ((rc = stmt_finish(s, q, NULL, err)) == 0 && sqlite3_changes(s->db) == 0)
            rc = fdl_error_set(err, FDL_ENOT_FOUND, NULL, "no purchase %lld",
                               (long long)p->id);
    }
    if (rc == 0)
        rc = stmt_get(s, STMT_LINE_UPDATE, &q, err);
    for (int i = 0; i < p->line_count && rc == 0; i++) {
        const struct fdl_purchase_line *l = &lines[i];
        if (bind_int(q, 1, p->id) || bind_int(q, 2, l->line_no) ||
            bind_int(q, 3, l->refunded_quantity) || bind_int(q, 4, l->clawed_points) ||
            bind_int(q, 5, l->restored_points))
            rc = bind_failed(s, q, err);
        else
            rc = stmt_finish(s, q, NULL, err);
    }
    return op_end(s, rc, err);
}

/* Inserts r (r->id is ignored) and sets r->id. */
static int sqlite_refund_insert(struct fdl_store *st, struct fdl_refund *r,
                                struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(r);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_REFUND_INSERT, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, r->program_id) || bind_int(q, 2, r->member_id) ||
        bind_int(q, 3, r->purchase_id) || bind_text(q, 4, r->refund_id) ||
        bind_int(q, 5, r->amount_minor) || bind_int(q, 6, r->points_clawed) ||
        bind_int(q, 7, r->points_restored) || bind_int(q, 8, r->created_at_s))
        return bind_failed(s, q, err);
    if ((rc = stmt_finish(s, q, refund_keys, err)) == 0)
        r->id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

/* ---- expiry and reports ---- */

/* Up to limit distinct members with points in a lot that expired by now_s. */
static int sqlite_members_with_expired_lots(struct fdl_store *st, int64_t program_id,
                                            int64_t now_s, int limit, int64_t *member_ids,
                                            int *count, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(count && (member_ids || limit <= 0));
    if (limit <= 0) {
        *count = 0;
        return 0;
    }
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_EXPIRED_MEMBERS, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, now_s) || bind_int(q, 3, limit))
        return bind_failed(s, q, err);
    int64_t *ids = malloc((size_t)limit * sizeof(*ids));
    if (!ids) {
        stmt_reset(q);
        return fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    }
    int n = 0;
    while (n < limit && (rc = sqlite3_step(q)) == SQLITE_ROW)
        ids[n++] = column_int(q, 0);
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_error(s, rc, NULL, err);
    stmt_reset(q);
    if (rc == 0) {
        memcpy(member_ids, ids, (size_t)n * sizeof(*ids));
        *count = n;
    }
    free(ids);
    return rc;
}

/*
 * The program's counts and point totals. Scans the program's members and
 * postings: linear in their number, so callers should not run it per request.
 */
static int sqlite_totals(struct fdl_store *st, int64_t program_id, struct fdl_totals *out,
                         struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(out);
    sqlite3_stmt *q;
    int rc = stmt_get(s, STMT_TOTALS, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id))
        return bind_failed(s, q, err);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        struct fdl_totals t;
        t.members = column_int(q, 0);
        t.outstanding = column_int(q, 1);
        t.cards = column_int(q, 2);
        t.purchases = column_int(q, 3);
        t.issued = column_int(q, 4);
        t.redeemed = column_int(q, 5);
        t.expired = column_int(q, 6);
        t.adjusted = column_int(q, 7);
        *out = t;
        rc = 0;
    } else {
        rc = db_error(s, rc, NULL, err); /* an aggregate always has a row */
    }
    stmt_reset(q);
    return rc;
}

/* Runs audit query id and reads its n integer columns into values. */
static int audit_query(struct sqlite_store *s, enum stmt_id id, int64_t *values, int n,
                       struct fdl_error *err)
{
    sqlite3_stmt *q;
    int rc = stmt_get(s, id, &q, err);
    if (rc)
        return rc;
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        for (int i = 0; i < n; i++)
            values[i] = column_int(q, i);
        rc = 0;
    } else {
        rc = db_error(s, rc, NULL, err);
    }
    stmt_reset(q);
    return rc;
}

static int audit_run(struct sqlite_store *s, struct fdl_audit *a, struct fdl_error *err)
{
    int64_t entries[3] = {0}, postings[1] = {0}, members[5] = {0}, lots[3] = {0};
    int rc = audit_query(s, STMT_AUDIT_ENTRIES, entries, 3, err);
    if (rc == 0)
        rc = audit_query(s, STMT_AUDIT_POSTINGS, postings, 1, err);
    if (rc == 0)
        rc = audit_query(s, STMT_AUDIT_MEMBERS, members, 5, err);
    if (rc == 0)
        rc = audit_query(s, STMT_AUDIT_LOTS, lots, 3, err);
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
 * Checks the ledger invariants of ledger.h over the whole database. Runs
 * in one read transaction (or the caller's) so all checks see one snapshot.
 */
static int sqlite_audit(struct fdl_store *st, struct fdl_audit *out,
                        struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    assert(out);
    int own = sqlite3_get_autocommit(s->db);
    /*
     * The audit's sorts and grouped subqueries are as large as the ledger:
     * let them spill to temporary files while it runs (the pragma can only
     * change outside a transaction; inside the caller's they stay in memory).
     */
    if (own)
        exec_sql(s, "PRAGMA temp_store = FILE", NULL);
    int rc = own ? stmt_run(s, STMT_BEGIN_READ, err) : 0;
    struct fdl_audit a;
    if (rc == 0)
        rc = audit_run(s, &a, err);
    if (own && rc == 0)
        rc = stmt_run(s, STMT_COMMIT, err);
    if (own && rc)
        sqlite_rollback(st);
    if (own)
        exec_sql(s, "PRAGMA temp_store = MEMORY", NULL);
    if (rc == 0)
        *out = a;
    return rc;
}

/* ---- migrations ---- */

static int schema_version(struct fdl_store *st, int64_t *version, struct fdl_error *err)
{
    char text[32];
    int rc = sqlite_meta_get(st, "schema_version", text, sizeof(text), err);
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
 * Applies one pending migration in its own write transaction, re-reading
 * the version inside it so that two processes racing apply it once. Sets
 * *done when none was pending.
 */
static int migrate_step(struct sqlite_store *s, int *done, struct fdl_error *err)
{
    struct fdl_store *st = (struct fdl_store *)s;
    int64_t version = 0;
    int rc = stmt_run(s, STMT_BEGIN_WRITE, err);
    if (rc)
        return rc;
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
            rc = sqlite_meta_set(st, "schema_version", text, err);
    }
    if (rc == 0)
        rc = stmt_run(s, STMT_COMMIT, err);
    if (rc)
        sqlite_rollback(st);
    return rc;
}

/* Brings the schema up to date; does nothing if it is. Not inside a transaction. */
static int sqlite_migrate(struct fdl_store *st, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    if (!sqlite3_get_autocommit(s->db))
        return fdl_error_set(err, FDL_EINTERNAL, NULL,
                             "cannot migrate inside a transaction");
    int done = 0, rc = 0;
    while (rc == 0 && !done)
        rc = migrate_step(s, &done, err);
    return rc;
}

const struct fdl_store_ops fdl_store_sqlite = {
    .name = "sqlite",
    .schema_version = (int)MIGRATION_COUNT,
    .open = sqlite_open,
    .close = sqlite_close,
    .migrate = sqlite_migrate,
    .begin = sqlite_begin,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .savepoint = sqlite_savepoint,
    .release = sqlite_release,
    .rollback_to = sqlite_rollback_to,
    .meta_get = sqlite_meta_get,
    .meta_set = sqlite_meta_set,
    .program_get = sqlite_program_get,
    .program_put = sqlite_program_put,
    .in_transaction = sqlite_in_transaction,
    .program_version_insert = sqlite_program_version_insert,
    .program_versions_load = sqlite_program_versions_load,
    .program_version_latest = sqlite_program_version_latest,
    .member_visits = sqlite_member_visits,
    .member_set_tier = sqlite_member_set_tier,
    .member_activity = sqlite_member_activity,
    .members_due_review = sqlite_members_due_review,
    .purchase_points_insert = sqlite_purchase_points_insert,
    .purchase_points_get = sqlite_purchase_points_get,
    .key_get = sqlite_key_get,
    .key_insert = sqlite_key_insert,
    .idem_get = sqlite_idem_get,
    .idem_put = sqlite_idem_put,
    .idem_prune = sqlite_idem_prune,
    .member_segments_get = sqlite_member_segments_get,
    .member_segments_set = sqlite_member_segments_set,
    .member_insert = sqlite_member_insert,
    .member_get = sqlite_member_get,
    .member_find = sqlite_member_find,
    .member_search = sqlite_member_search,
    .member_set_balance = sqlite_member_set_balance,
    .card_insert = sqlite_card_insert,
    .card_get = sqlite_card_get,
    .card_update = sqlite_card_update,
    .card_list = sqlite_card_list,
    .lots_load = sqlite_lots_load,
    .lots_select = sqlite_lots_select,
    .lot_sums = sqlite_lot_sums,
    .lot_get = sqlite_lot_get,
    .lot_insert = sqlite_lot_insert,
    .lot_update = sqlite_lot_update,
    .move_insert = sqlite_move_insert,
    .moves_of_entry = sqlite_moves_of_entry,
    .entry_insert = sqlite_entry_insert,
    .history = sqlite_history,
    .purchase_insert = sqlite_purchase_insert,
    .purchase_get = sqlite_purchase_get,
    .purchase_update = sqlite_purchase_update,
    .refund_insert = sqlite_refund_insert,
    .members_with_expired_lots = sqlite_members_with_expired_lots,
    .totals = sqlite_totals,
    .audit = sqlite_audit,
    /* -- early access -- */
    /* -- coupons -- */
    .coupon_code_insert = sqlite_coupon_code_insert,
    .coupon_code_get = sqlite_coupon_code_get,
    .coupon_uses_count = sqlite_coupon_uses_count,
    .coupon_code_used = sqlite_coupon_code_used,
    .coupon_use_insert = sqlite_coupon_use_insert,
    .coupon_uses_of_purchase = sqlite_coupon_uses_of_purchase,
    .coupon_uses_return = sqlite_coupon_uses_return,
    /* -- punch cards -- */
    .stamp_card_get = sqlite_stamp_card_get,
    .stamp_card_put = sqlite_stamp_card_put,
    .stamp_cards_list = sqlite_stamp_cards_list,
    .stamp_cards_lapsed = sqlite_stamp_cards_lapsed,
    .stamp_voucher_insert = sqlite_stamp_voucher_insert,
    .stamp_voucher_get = sqlite_stamp_voucher_get,
    .stamp_voucher_update = sqlite_stamp_voucher_update,
    .stamp_vouchers_list = sqlite_stamp_vouchers_list,
    .stamp_grant_insert = sqlite_stamp_grant_insert,
    .stamp_grants_of = sqlite_stamp_grants_of,
    .stamp_grant_update = sqlite_stamp_grant_update,
    /* -- rewards -- */
    .redemption_insert = sqlite_redemption_insert,
    .redemption_get = sqlite_redemption_get,
    .redemption_update = sqlite_redemption_update,
    .redemptions_of = sqlite_redemptions_of,
    .redemption_counts = sqlite_redemption_counts,
    .redemptions_hold_expired = sqlite_redemptions_hold_expired,
    .redemption_entitled = sqlite_redemption_entitled,
    /* -- stored value and membership -- */
    .sv_card_insert = sqlite_sv_card_insert,
    .sv_card_get = sqlite_sv_card_get,
    .sv_card_get_id = sqlite_sv_card_get_id,
    .sv_card_update = sqlite_sv_card_update,
    .sv_entry_insert = sqlite_sv_entry_insert,
    .sv_history = sqlite_sv_history,
    .sv_redemption_get = sqlite_sv_redemption_get,
    .sv_redemption_put = sqlite_sv_redemption_put,
    .membership_insert = sqlite_membership_insert,
    .membership_at = sqlite_membership_at,
    .membership_latest = sqlite_membership_latest,
    .membership_get = sqlite_membership_get,
    .membership_update = sqlite_membership_update,
    .memberships_due = sqlite_memberships_due,
    .cashback_get = sqlite_cashback_get,
    .cashback_put = sqlite_cashback_put,
    .sv_audit = sqlite_sv_audit,
    /* -- referrals -- */
    .referral_insert = sqlite_referral_insert,
    .referral_get = sqlite_referral_get,
    .referral_update = sqlite_referral_update,
    .referral_counts = sqlite_referral_counts,
    .referral_contact_used = sqlite_referral_contact_used,
    .referrals_due = sqlite_referrals_due,
    .referrals_of = sqlite_referrals_of,
    /* -- currencies -- */
    .currency_rate_insert = sqlite_currency_rate_insert,
    .currency_rate_at = sqlite_currency_rate_at,
    .currency_rates_of = sqlite_currency_rates_of,
    .currencies_list = sqlite_currencies_list,
    .purchase_conversion_set = sqlite_purchase_conversion_set,
    .purchase_conversion_get = sqlite_purchase_conversion_get,
    /* -- stores, staff and the audit log -- */
    .shop_insert = sqlite_shop_insert,
    .shop_update = sqlite_shop_update,
    .shop_get = sqlite_shop_get,
    .shops_list = sqlite_shops_list,
    .staff_insert = sqlite_staff_insert,
    .staff_by_login = sqlite_staff_by_login,
    .staff_get = sqlite_staff_get,
    .staff_list = sqlite_staff_list,
    .staff_set_member = sqlite_staff_set_member,
    .staff_update = sqlite_staff_update,
    .session_insert = sqlite_session_insert,
    .session_get = sqlite_session_get,
    .session_revoke = sqlite_session_revoke,
    .sessions_revoke_staff = sqlite_sessions_revoke_staff,
    .audit_insert = sqlite_audit_insert,
    .audit_list = sqlite_audit_list,
    .staff_activity = sqlite_staff_activity,
    /* -- migrate -- */
    .table_names = sqlite_table_names,
    .rows_read = sqlite_rows_read,
    .rows_insert = sqlite_rows_insert,
    .copy_begin = sqlite_copy_begin,
    .table_ids_sync = sqlite_table_ids_sync,
    /* -- coalitions -- */
    .lot_issuer_store = sqlite_lot_issuer_store,
    .settlement_item_insert = sqlite_settlement_item_insert,
    .settlement_pairs = sqlite_settlement_pairs,
    .settlement_close = sqlite_settlement_close,
    .settlement_get = sqlite_settlement_get,
    .settlement_items_reverse = sqlite_settlement_items_reverse,
};
