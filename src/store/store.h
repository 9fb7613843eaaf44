/*
 * store.h - the one interface to persistent state.
 *
 * A store is a connection to a database; each thread opens its own. Every
 * backend (sqlite.c, pg.c) fills a `const struct fdl_store_ops`
 * table, and callers go only through the fdl_store_*() wrappers below, which
 * dispatch through it. All functions return 0 or a negative FDL_E* code
 * (FDL_ENOT_FOUND when a looked-up row does not exist, FDL_EDUPLICATE on a
 * unique-key clash, FDL_ESTORE for anything the database reported, with the
 * message in err). Output parameters are untouched on failure.
 *
 * Every hot table is keyed by (program_id, member_id) first, so the schema
 * can be distributed by member later. Nothing here knows about HTTP or JSON
 * wire formats; the engine and ledger know nothing of this file.
 */
#ifndef FDL_STORE_H
#define FDL_STORE_H

#include "base/error.h"
#include "base/limits.h"
#include "engine/stamps.h"
#include "engine/coupons.h"
#include "engine/referrals.h"
#include "ledger/ledger.h"
#include "store/store_stored_value.h"
#include "store/store_staff.h"
#include "store/store_coalition.h"

#include <stddef.h>
#include <stdint.h>

struct fdl_store; /* a backend connection; opaque */

enum fdl_card_status { FDL_CARD_ACTIVE = 1, FDL_CARD_BLOCKED = 2 };

/* Which of a member's lots lots_select reads. */
enum fdl_lot_set {
    FDL_LOTS_DEBT = 1,    /* remaining < 0 */
    FDL_LOTS_OF_PURCHASE, /* purchase_id's, with points or expired points */
    FDL_LOTS_SPENDABLE,   /* remaining > 0, available_at <= now_s < expires_at,
                             after (after_expires_at_s, after_id) */
    FDL_LOTS_POSITIVE,    /* remaining > 0, pending or not, after the same key */
    FDL_LOTS_DUE,         /* remaining > 0, expires_at <= now_s */
};

struct fdl_lot_query {
    enum fdl_lot_set set;
    int64_t now_s;                        /* SPENDABLE, DUE */
    int64_t purchase_id;                  /* OF_PURCHASE */
    int64_t after_expires_at_s, after_id; /* SPENDABLE, POSITIVE: exclusive start */
    int64_t limit;                        /* at most this many rows (> 0) */
};

/* The parts of a member's balance the lots with points decide at now_s:
 * pending (available_at > now_s), due (available, expires_at <= now_s: the
 * expiry job has yet to take them), and the points of each expiry time up
 * to horizon_s (due ones included), soonest first, the first max_expiring. */
#define FDL_LOT_SUMS_MAX_EXPIRING 8
struct fdl_lot_sums {
    int64_t pending, due;
    int expiring_count;
    struct {
        int64_t expires_at_s, points;
    } expiring[FDL_LOT_SUMS_MAX_EXPIRING];
};

struct fdl_member {
    int64_t id;
    int64_t program_id;
    char name[FDL_MAX_NAME_LEN + 1];
    char name_key[FDL_MAX_NAME_LEN * 2 +
                  1];                  /* folded words, space-separated (base/text.h) */
    char email[FDL_MAX_EMAIL_LEN + 1]; /* "" if none; normalised lower case */
    char phone[FDL_MAX_PHONE_LEN + 1]; /* "" if none; "+" and digits only */
    int has_birthday;
    int64_t birthday_days; /* day number (base/clock.h) */
    int marketing_consent;
    char home_store[FDL_MAX_ID_LEN + 1];
    int64_t balance; /* cached: equals the sum of member postings (audited) */
    int64_t created_at_s;
    char tier[FDL_MAX_ID_LEN + 1]; /* level name; "" before the first ranking */
    int64_t tier_review_at_s;      /* when the tier is next reviewed; 0: never */
};

struct fdl_card {
    char number[FDL_CARD_DIGITS + 1];
    int64_t program_id;
    int64_t member_id;
    enum fdl_card_status status;
    int64_t issued_at_s;
    int64_t blocked_at_s; /* 0 while active */
    char block_reason[FDL_MAX_REASON_LEN + 1];
    char replaced_by[FDL_CARD_DIGITS + 1]; /* "" unless replaced */
};

struct fdl_purchase {
    int64_t id;
    int64_t program_id;
    int64_t member_id;
    char txn_id[FDL_MAX_ID_LEN + 1]; /* the till's transaction id, unique per program */
    char store_code[FDL_MAX_ID_LEN + 1];
    char channel[16];
    char currency[4];
    int64_t occurred_at_s; /* the till's time */
    int64_t recorded_at_s; /* ours */
    int64_t total_minor;
    int64_t discount_minor;
    int64_t points_earned;
    int64_t points_redeemed;
    int64_t refunded_minor;
    int64_t points_clawed;
    int64_t points_restored;
    int64_t redeem_entry_id; /* 0 if nothing was redeemed */
    int line_count;
    int64_t program_version;       /* the program file version it earned under; 0: none */
    int64_t coupon_discount_minor; /* what coupons took off (service/coupons.h) */
};

struct fdl_purchase_line {
    int line_no; /* 1-based, as sent */
    char sku[FDL_MAX_ID_LEN + 1];
    char category[FDL_MAX_ID_LEN + 1];
    int64_t quantity;
    int64_t unit_price_minor;
    int64_t amount_minor;
    int64_t points;          /* points this line earned */
    int64_t redeemed_points; /* share of the redemption on this line */
    int64_t refunded_quantity;
    int64_t clawed_points;
    int64_t restored_points;
    int64_t coupon_discount_minor; /* this line's share of the coupons' discount */
};

struct fdl_refund {
    int64_t id;
    int64_t program_id;
    int64_t purchase_id;
    int64_t member_id;
    char refund_id[FDL_MAX_ID_LEN + 1]; /* the till's id, unique per program */
    int64_t amount_minor;
    int64_t points_clawed;
    int64_t points_restored;
    int64_t created_at_s;
};

/* One row of a member's history. */
struct fdl_history_row {
    int64_t entry_id;
    enum fdl_entry_kind kind;
    int64_t points; /* signed change to the member's balance */
    int64_t created_at_s;
    char txn_id[FDL_MAX_ID_LEN + 1]; /* purchase it belongs to, or "" */
    char reason[FDL_MAX_REASON_LEN + 1];
    char actor[FDL_MAX_ID_LEN + 1];
};

/* One applied version of a program file. source is malloc'd. */
struct fdl_program_version {
    int64_t version;
    int64_t effective_from_s;
    int64_t created_at_s;
    char *source;
};

/* Frees an array from program_versions_load. */
void fdl_program_versions_free(struct fdl_program_version *items, size_t n);

#define FDL_RULE_NAME_MAX 64
#define FDL_SEGMENT_MAX   64 /* bytes in a segment name (= FDL_RULE_ITEM_MAX) */

/* Which rule gave which points of a purchase (line_no 0: the whole purchase). */
struct fdl_points_row {
    int line_no;
    char rule[FDL_RULE_NAME_MAX + 1];
    int64_t points;
};

/* A stored lot move, as read back (for restoring a redemption). */
struct fdl_stored_move {
    int64_t lot_id;
    int64_t delta;
};

#define FDL_SCOPE_POS      1u
#define FDL_SCOPE_ADMIN    2u
#define FDL_KEY_ID_LEN     12
#define FDL_KEY_HASH_BYTES 32

struct fdl_api_key {
    char id[FDL_KEY_ID_LEN + 1];
    int64_t program_id;
    char name[FDL_MAX_NAME_LEN + 1];
    unsigned scopes; /* FDL_SCOPE_* bits */
    unsigned char hash[FDL_KEY_HASH_BYTES];
    int64_t created_at_s;
    int revoked;
    char partner[FDL_PARTNER_ID_MAX + 1]; /* the coalition partner it acts for; "" the
                                             program's operator */
};

/* A stored idempotent response. body is malloc'd; free with fdl_idem_release. */
struct fdl_idem {
    unsigned char request_hash[32];
    int status;
    char *body;
};
void fdl_idem_release(struct fdl_idem *idem);

/* Ledger totals for reports and /metrics. */
struct fdl_totals {
    int64_t members, cards, purchases;
    int64_t issued, redeemed, expired, adjusted; /* points, by counterpart account */
    int64_t outstanding;                         /* sum of member balances */
};

/* What `fidelis audit` found; all counts zero means the ledger is sound. */
struct fdl_audit {
    int64_t entries, postings, members, lots; /* how much was checked */
    int64_t unbalanced_entries; /* entries whose postings do not sum to zero */
    int64_t balance_mismatches; /* members whose balance != sum of their postings */
    int64_t lot_mismatches;     /* members whose postings != sum of their lots */
    int64_t move_mismatches;    /* lots whose remainder != sum of their moves */
    int64_t first_bad_entry, first_bad_member, first_bad_lot; /* examples, or 0 */
};

enum fdl_member_lookup { FDL_LOOKUP_EMAIL, FDL_LOOKUP_PHONE };

/* A member's redemption of a catalogue reward (service/rewards.h). The
 * reward's name, kind, sku, value and launch are copied at reservation, so
 * a later program version cannot change what was redeemed. */
enum fdl_redemption_status {
    FDL_REDEMPTION_RESERVED = 1, /* points spent, stock held, not yet final */
    FDL_REDEMPTION_COMMITTED,    /* final */
    FDL_REDEMPTION_CANCELLED,    /* points given back, stock released */
    FDL_REDEMPTION_EXPIRED,      /* not committed in time: as cancelled */
};

#define FDL_REDEMPTION_KIND_MAX 16

struct fdl_redemption {
    int64_t id;
    int64_t program_id;
    int64_t member_id;
    char reward_id[FDL_MAX_ID_LEN + 1];
    char reward_name[FDL_MAX_NAME_LEN + 1];
    char kind[FDL_REDEMPTION_KIND_MAX + 1];
    char sku[FDL_MAX_ID_LEN + 1];      /* product rewards; else "" */
    int64_t value_minor;               /* discount rewards: money off per unit; else 0 */
    char launch[FDL_MAX_ID_LEN + 1];   /* early-access rewards; else "" */
    char campaign[FDL_MAX_ID_LEN + 1]; /* coupon rewards: the campaign; else "" */
    int64_t quantity;
    int64_t points; /* spent in all: cost x quantity */
    enum fdl_redemption_status status;
    int64_t entry_id;         /* the redeem entry */
    int64_t restore_entry_id; /* the restore entry of a cancel or expiry; 0 if none */
    char txn_id[FDL_MAX_ID_LEN + 1]; /* the sale it was committed with; "" if none */
    int64_t created_at_s, hold_expires_at_s;
    int64_t committed_at_s, cancelled_at_s; /* 0 until then */
    char partner[FDL_PARTNER_ID_MAX + 1];   /* the partner whose caller reserved it; "" */
};

/* -- currencies -- */
/* One exchange rate of a program: from effective_from_s on (until the next
 * one), 1 unit of currency is rate / FDL_RATE_SCALE program units. */
struct fdl_currency_rate {
    char currency[4]; /* ISO 4217 */
    int64_t effective_from_s;
    int64_t rate; /* FDL_RATE_SCALE-ths (engine/currency.h) */
    int64_t created_at_s;
};

/* A currency of a program's rate table, as listed. */
struct fdl_currency_summary {
    char currency[4];
    int64_t rates;                        /* how many rates it has */
    int64_t current_rate, current_from_s; /* in force at the time asked; 0: none */
    int64_t next_rate, next_from_s;       /* the next one after it; 0: none */
};

/* How a purchase in another currency was converted; currency "" if it was not. */
struct fdl_purchase_conversion {
    char currency[4];             /* the till's currency */
    int64_t original_total_minor; /* the basket in that currency's minor units */
    int64_t rate;                 /* the rate used (FDL_RATE_SCALE-ths) */
    int64_t
        converted_total_minor; /* that basket in program minor units, before discounts */
};

/* -- migrate -- */
/* One value of a row copied as the database holds it (`fidelis migrate`).
 * bytes (TEXT: len bytes, not NUL-terminated; BLOB: len bytes) belong to
 * whoever built the batch and live until the callback returns. */
enum fdl_value_type { FDL_VALUE_NULL, FDL_VALUE_INT, FDL_VALUE_TEXT, FDL_VALUE_BLOB };
struct fdl_value {
    enum fdl_value_type type;
    int64_t i;
    const char *bytes;
    size_t len;
};

/* A batch of rows of one table: n_columns names and n_rows * n_columns
 * values, row by row. Its columns are the table's canonical ones: those of
 * the PostgreSQL schema (a backend whose table lacks a column the other
 * derives, e.g. SQLite's purchase_lines without program_id and member_id,
 * reads it through a join and skips it on insert). */
struct fdl_rows {
    const char *table;
    int n_columns;
    const char *const *columns;
    int n_rows;
    const struct fdl_value *values;
};

/* Called with each batch rows_read produces; a non-zero return stops the
 * read, which then returns it. */
typedef int (*fdl_rows_fn)(void *ctx, const struct fdl_rows *rows, struct fdl_error *err);

/* The index of the column called name in rows, or -1. */
int fdl_rows_column(const struct fdl_rows *rows, const char *name);

#define FDL_TABLE_NAME_MAX 63 /* bytes of a table's name */

/* How a table's rows belong to a program. */
enum fdl_table_scope {
    FDL_TABLE_META,       /* meta: the installation's settings (card secret) */
    FDL_TABLE_PROGRAMS,   /* programs: a program's row is the one with id = N */
    FDL_TABLE_BY_PROGRAM, /* every other table: program_id = N */
};

struct fdl_store_table {
    const char *name;
    enum fdl_table_scope scope;
};

/*
 * Every table of the schema, parents before children (the order a copy
 * inserts them in), on both backends. A migration that adds a table must
 * add it here: `fidelis migrate` refuses a database with a table this list
 * lacks, and test_store fails on one.
 */
extern const struct fdl_store_table fdl_store_tables[];
extern const size_t fdl_store_table_count;

/* The list's row for name, or NULL if the table is not in the list. */
const struct fdl_store_table *fdl_store_table_find(const char *name);

struct fdl_store_ops {
    const char *name;
    int schema_version; /* the version migrate() brings a database to; every
                           backend has the same schema versions */
    int (*open)(const char *uri, struct fdl_store **out, struct fdl_error *err);
    void (*close)(struct fdl_store *st);
    int (*migrate)(struct fdl_store *st, struct fdl_error *err);

    int (*begin)(struct fdl_store *st, int write, struct fdl_error *err);
    int (*commit)(struct fdl_store *st, struct fdl_error *err);
    int (*rollback)(struct fdl_store *st);
    int (*savepoint)(struct fdl_store *st, struct fdl_error *err);
    int (*release)(struct fdl_store *st, struct fdl_error *err);
    int (*rollback_to)(struct fdl_store *st);
    /* 1 while a transaction is open (the database may end one by itself on
     * some errors, e.g. a full disk: then this says 0). */
    int (*in_transaction)(struct fdl_store *st);

    int (*meta_get)(struct fdl_store *st, const char *key, char *buf, size_t cap,
                    struct fdl_error *err);
    int (*meta_set)(struct fdl_store *st, const char *key, const char *value,
                    struct fdl_error *err);
    int (*program_get)(struct fdl_store *st, int64_t id, char **json,
                       struct fdl_error *err);
    int (*program_put)(struct fdl_store *st, int64_t id, const char *json,
                       struct fdl_error *err);

    /* Stores a new version of the program's file; *version is the next number. */
    int (*program_version_insert)(struct fdl_store *st, int64_t program_id,
                                  int64_t effective_from_s, const char *source,
                                  int64_t now_s, int64_t *version, struct fdl_error *err);
    /* Every version of the program, oldest first (free with fdl_program_versions_free).
     */
    int (*program_versions_load)(struct fdl_store *st, int64_t program_id,
                                 struct fdl_program_version **out, size_t *count,
                                 struct fdl_error *err);
    /* The newest version's number and creation time; both 0 if there is none. */
    int (*program_version_latest)(struct fdl_store *st, int64_t program_id,
                                  int64_t *version, int64_t *created_at_s,
                                  struct fdl_error *err);
    /* How many purchases the member has made. */
    int (*member_visits)(struct fdl_store *st, int64_t program_id, int64_t member_id,
                         int64_t *visits, struct fdl_error *err);
    /* Sets the member's tier and when it is next reviewed. */
    int (*member_set_tier)(struct fdl_store *st, int64_t program_id, int64_t member_id,
                           const char *tier, int64_t review_at_s, struct fdl_error *err);
    /* What the member did with purchases that happened in [from_s, to_s):
     * money paid net of discounts and refunds, points earned net of clawbacks,
     * purchases. */
    int (*member_activity)(struct fdl_store *st, int64_t program_id, int64_t member_id,
                           int64_t from_s, int64_t to_s, int64_t *spend_minor,
                           int64_t *points, int64_t *visits, struct fdl_error *err);
    /* Members whose tier review is due at now_s, soonest first, at most limit. */
    int (*members_due_review)(struct fdl_store *st, int64_t program_id, int64_t now_s,
                              int limit, int64_t *ids, int *count, struct fdl_error *err);
    /* Records that rule gave points on line_no of purchase p (0: the whole purchase). */
    int (*purchase_points_insert)(struct fdl_store *st, const struct fdl_purchase *p,
                                  int line_no, const char *rule, int64_t points,
                                  struct fdl_error *err);
    /* The attribution rows of purchase p, in the order they were written. */
    int (*purchase_points_get)(struct fdl_store *st, const struct fdl_purchase *p,
                               struct fdl_points_row *out, int max, int *count,
                               struct fdl_error *err);

    int (*key_get)(struct fdl_store *st, const char *id, struct fdl_api_key *out,
                   struct fdl_error *err);
    int (*key_insert)(struct fdl_store *st, const struct fdl_api_key *key,
                      struct fdl_error *err);

    int (*idem_get)(struct fdl_store *st, int64_t program_id, const char *key,
                    struct fdl_idem *out, struct fdl_error *err);
    int (*idem_put)(struct fdl_store *st, int64_t program_id, const char *key,
                    const struct fdl_idem *idem, int64_t now_s, struct fdl_error *err);
    /* Deletes at most limit of the program's idempotency records made before
     * before_s, oldest first; *deleted says how many went. */
    int (*idem_prune)(struct fdl_store *st, int64_t program_id, int64_t before_s,
                      int limit, int64_t *deleted, struct fdl_error *err);

    int (*member_insert)(struct fdl_store *st, struct fdl_member *m,
                         struct fdl_error *err);
    int (*member_get)(struct fdl_store *st, int64_t program_id, int64_t id,
                      struct fdl_member *out, struct fdl_error *err);
    int (*member_find)(struct fdl_store *st, int64_t program_id,
                       enum fdl_member_lookup by, const char *value,
                       struct fdl_member *out, struct fdl_error *err);
    int (*member_search)(struct fdl_store *st, int64_t program_id, char **words,
                         int n_words, int64_t after_id, int limit, struct fdl_member *out,
                         int *count, struct fdl_error *err);
    int (*member_set_balance)(struct fdl_store *st, int64_t program_id, int64_t member_id,
                              int64_t balance, struct fdl_error *err);
    /* The member's segments, sorted, at most max (FDL_MAX_MEMBER_SEGMENTS). */
    int (*member_segments_get)(struct fdl_store *st, int64_t program_id,
                               int64_t member_id, char (*out)[FDL_SEGMENT_MAX + 1],
                               int max, int *count, struct fdl_error *err);
    /* Replaces the member's segments with segments[0..n) (distinct). */
    int (*member_segments_set)(struct fdl_store *st, int64_t program_id,
                               int64_t member_id, const char *const *segments, int n,
                               struct fdl_error *err);

    int (*card_insert)(struct fdl_store *st, const struct fdl_card *card,
                       struct fdl_error *err);
    int (*card_get)(struct fdl_store *st, int64_t program_id, const char *number,
                    struct fdl_card *out, struct fdl_error *err);
    int (*card_update)(struct fdl_store *st, const struct fdl_card *card,
                       struct fdl_error *err);
    int (*card_list)(struct fdl_store *st, int64_t program_id, int64_t member_id,
                     struct fdl_card *out, int max, int *count, struct fdl_error *err);

    int (*lots_load)(struct fdl_store *st, int64_t program_id, int64_t member_id,
                     struct fdl_lots *lots, struct fdl_error *err);
    /* Appends at most q->limit of the member's lots in q->set (see struct
     * fdl_lot_query) in spending order (expires_at, then id). Takes no lock:
     * a write reads the member with member_get first, which locks it. */
    int (*lots_select)(struct fdl_store *st, int64_t program_id, int64_t member_id,
                       const struct fdl_lot_query *q, struct fdl_lots *out,
                       struct fdl_error *err);
    /* What of the member's points are pending, due and soon expiring at
     * now_s (see struct fdl_lot_sums); reads only those lots. */
    int (*lot_sums)(struct fdl_store *st, int64_t program_id, int64_t member_id,
                    int64_t now_s, int64_t horizon_s, struct fdl_lot_sums *out,
                    struct fdl_error *err);
    int (*lot_get)(struct fdl_store *st, int64_t program_id, int64_t member_id,
                   int64_t lot_id, struct fdl_lot *out, struct fdl_error *err);
    int (*lot_insert)(struct fdl_store *st, int64_t program_id, int64_t member_id,
                      struct fdl_lot *lot, struct fdl_error *err);
    int (*lot_update)(struct fdl_store *st, int64_t program_id, int64_t member_id,
                      const struct fdl_lot *lot, struct fdl_error *err);
    int (*move_insert)(struct fdl_store *st, int64_t program_id, int64_t member_id,
                       int64_t entry_id, int64_t lot_id, int64_t delta,
                       struct fdl_error *err);
    int (*moves_of_entry)(struct fdl_store *st, int64_t program_id, int64_t member_id,
                          int64_t entry_id, struct fdl_stored_move **out, size_t *count,
                          struct fdl_error *err);

    int (*entry_insert)(struct fdl_store *st, int64_t program_id,
                        const struct fdl_entry *e, int64_t purchase_id,
                        const char *reason, const char *actor, int64_t now_s,
                        int64_t *entry_id, struct fdl_error *err);
    int (*history)(struct fdl_store *st, int64_t program_id, int64_t member_id,
                   int64_t before_entry_id, int limit, struct fdl_history_row *out,
                   int *count, struct fdl_error *err);

    int (*purchase_insert)(struct fdl_store *st, struct fdl_purchase *p,
                           const struct fdl_purchase_line *lines, struct fdl_error *err);
    int (*purchase_get)(struct fdl_store *st, int64_t program_id, const char *txn_id,
                        struct fdl_purchase *out, struct fdl_purchase_line **lines,
                        struct fdl_error *err);
    /* Writes redeem_entry_id and the refund totals of p, and each line's
     * refunded_quantity, clawed_points and restored_points. */
    int (*purchase_update)(struct fdl_store *st, const struct fdl_purchase *p,
                           const struct fdl_purchase_line *lines, struct fdl_error *err);
    int (*refund_insert)(struct fdl_store *st, struct fdl_refund *r,
                         struct fdl_error *err);

    int (*members_with_expired_lots)(struct fdl_store *st, int64_t program_id,
                                     int64_t now_s, int limit, int64_t *member_ids,
                                     int *count, struct fdl_error *err);
    int (*totals)(struct fdl_store *st, int64_t program_id, struct fdl_totals *out,
                  struct fdl_error *err);
    int (*audit)(struct fdl_store *st, struct fdl_audit *out, struct fdl_error *err);
    /* -- early access -- */
    /* -- coupons -- */
    /* Stores a single-use code's hash (FDL_COUPON_HASH_BYTES) for campaign,
     * bound to member_id (0: anyone). A hash already stored: FDL_EDUPLICATE. */
    int (*coupon_code_insert)(struct fdl_store *st, int64_t program_id,
                              const unsigned char *hash, const char *campaign,
                              int64_t member_id, int64_t now_s, struct fdl_error *err);
    /* The campaign and bound member (0: none) of a stored code; FDL_ENOT_FOUND. */
    int (*coupon_code_get)(struct fdl_store *st, int64_t program_id,
                           const unsigned char *hash, char *campaign, size_t cap,
                           int64_t *member_id, struct fdl_error *err);
    /* Live (not returned) uses of campaign: by member_id, or by all if 0. */
    int (*coupon_uses_count)(struct fdl_store *st, int64_t program_id,
                             const char *campaign, int64_t member_id, int64_t *count,
                             struct fdl_error *err);
    /* *used = 1 if the single-use code with this hash has a live use. */
    int (*coupon_code_used)(struct fdl_store *st, int64_t program_id,
                            const unsigned char *hash, int *used, struct fdl_error *err);
    /* Records one use of a code on a purchase (hash NULL for generic codes).
     * A single-use code already in use: FDL_EDUPLICATE naming "coupons". */
    int (*coupon_use_insert)(struct fdl_store *st, int64_t program_id, int64_t member_id,
                             int64_t purchase_id, const char *campaign,
                             const unsigned char *hash, const char *masked,
                             int64_t discount_minor, int64_t now_s,
                             struct fdl_error *err);
    /* The uses of codes on a purchase, in the order they were recorded (at
     * most max; *count how many). */
    int (*coupon_uses_of_purchase)(struct fdl_store *st, int64_t program_id,
                                   int64_t member_id, int64_t purchase_id,
                                   struct fdl_coupon_applied *out, int max, int *count,
                                   struct fdl_error *err);
    /* Marks every use on the purchase returned (a full refund). */
    int (*coupon_uses_return)(struct fdl_store *st, int64_t program_id, int64_t member_id,
                              int64_t purchase_id, struct fdl_error *err);
    /* -- punch cards -- */
    /* A member's count on a card (FDL_ENOT_FOUND before its first stamp). */
    int (*stamp_card_get)(struct fdl_store *st, int64_t program_id, int64_t member_id,
                          const char *card_id, struct fdl_stamp_card_state *out,
                          struct fdl_error *err);
    /* Creates or replaces a member's count on a card. */
    int (*stamp_card_put)(struct fdl_store *st, const struct fdl_stamp_card_state *c,
                          struct fdl_error *err);
    /* A member's cards, by card id, at most max. */
    int (*stamp_cards_list)(struct fdl_store *st, int64_t program_id, int64_t member_id,
                            struct fdl_stamp_card_state *out, int max, int *count,
                            struct fdl_error *err);
    /* Cards of the program whose positive stamps lapse at or before now_s, at
     * most max, soonest first. */
    int (*stamp_cards_lapsed)(struct fdl_store *st, int64_t program_id, int64_t now_s,
                              struct fdl_stamp_card_state *out, int max, int *count,
                              struct fdl_error *err);
    /* Stores a new voucher; sets v->id. */
    int (*stamp_voucher_insert)(struct fdl_store *st, struct fdl_stamp_voucher *v,
                                struct fdl_error *err);
    /* A voucher of the program by id (FDL_ENOT_FOUND if none). */
    int (*stamp_voucher_get)(struct fdl_store *st, int64_t program_id, int64_t id,
                             struct fdl_stamp_voucher *out, struct fdl_error *err);
    /* Writes a voucher's status, used_txn, used_line and discount. */
    int (*stamp_voucher_update)(struct fdl_store *st, const struct fdl_stamp_voucher *v,
                                struct fdl_error *err);
    /* A member's vouchers, newest first, at most max; card_id (NULL: any),
     * status (0: any) and used_txn (NULL: any) filter them. */
    int (*stamp_vouchers_list)(struct fdl_store *st, int64_t program_id,
                               int64_t member_id, const char *card_id, int status,
                               const char *used_txn, struct fdl_stamp_voucher *out,
                               int max, int *count, struct fdl_error *err);
    /* Records what purchase_id gave a card on a line. */
    int (*stamp_grant_insert)(struct fdl_store *st, int64_t program_id, int64_t member_id,
                              int64_t purchase_id, const struct fdl_stamp_grant *g,
                              struct fdl_error *err);
    /* What purchase_id gave, by card and line (*out malloc'd; free it). */
    int (*stamp_grants_of)(struct fdl_store *st, int64_t program_id, int64_t purchase_id,
                           struct fdl_stamp_grant **out, size_t *count,
                           struct fdl_error *err);
    /* Writes a grant's reversed count. */
    int (*stamp_grant_update)(struct fdl_store *st, int64_t program_id,
                              int64_t purchase_id, const struct fdl_stamp_grant *g,
                              struct fdl_error *err);
    /* -- rewards -- */
    /* Stores a new redemption; sets r->id. */
    int (*redemption_insert)(struct fdl_store *st, struct fdl_redemption *r,
                             struct fdl_error *err);
    /* The program's redemption id (FDL_ENOT_FOUND if none). */
    int (*redemption_get)(struct fdl_store *st, int64_t program_id, int64_t id,
                          struct fdl_redemption *out, struct fdl_error *err);
    /* Writes r's status, txn_id, committed_at, cancelled_at and restore entry. */
    int (*redemption_update)(struct fdl_store *st, const struct fdl_redemption *r,
                             struct fdl_error *err);
    /* The member's redemptions with id < before_id (0: from the newest), newest
     * first, at most limit. */
    int (*redemptions_of)(struct fdl_store *st, int64_t program_id, int64_t member_id,
                          int64_t before_id, int limit, struct fdl_redemption *out,
                          int *count, struct fdl_error *err);
    /* Units of reward_id reserved or committed: by everyone (*stock_used) and
     * by member_id since since_s (*member_used). */
    int (*redemption_counts)(struct fdl_store *st, int64_t program_id,
                             const char *reward_id, int64_t member_id, int64_t since_s,
                             int64_t *stock_used, int64_t *member_used,
                             struct fdl_error *err);
    /* Reserved redemptions whose hold ended at or before now_s, oldest first. */
    int (*redemptions_hold_expired)(struct fdl_store *st, int64_t program_id,
                                    int64_t now_s, int limit, int64_t *ids, int *count,
                                    struct fdl_error *err);
    /* Whether the member holds an early-access redemption for launch that is
     * committed, or reserved with its hold running at now_s. */
    int (*redemption_entitled)(struct fdl_store *st, int64_t program_id,
                               int64_t member_id, const char *launch, int64_t now_s,
                               int *entitled, struct fdl_error *err);
    /* -- stored value and membership -- */
    /* Inserts a stored-value card (sets c->id); a taken number is FDL_EDUPLICATE. */
    int (*sv_card_insert)(struct fdl_store *st, struct fdl_sv_card *c,
                          struct fdl_error *err);
    int (*sv_card_get)(struct fdl_store *st, int64_t program_id, const char *number,
                       struct fdl_sv_card *out, struct fdl_error *err);
    int (*sv_card_get_id)(struct fdl_store *st, int64_t program_id, int64_t id,
                          struct fdl_sv_card *out, struct fdl_error *err);
    /* Writes balance_minor, status and blocked_at_s of c. */
    int (*sv_card_update)(struct fdl_store *st, const struct fdl_sv_card *c,
                          struct fdl_error *err);
    /* Stores entry e (its two postings) with the till's txn_id ("" none). */
    int (*sv_entry_insert)(struct fdl_store *st, int64_t program_id,
                           const struct fdl_sv_entry *e, const char *txn_id,
                           const char *actor, int64_t now_s, int64_t *entry_id,
                           struct fdl_error *err);
    /* The card's movements, newest first, at most max. */
    int (*sv_history)(struct fdl_store *st, int64_t program_id, int64_t card_id,
                      struct fdl_sv_history_row *out, int max, int *count,
                      struct fdl_error *err);
    int (*sv_redemption_get)(struct fdl_store *st, int64_t program_id, int64_t card_id,
                             const char *txn_id, struct fdl_sv_redemption *out,
                             struct fdl_error *err);
    /* Inserts the redemption, or updates refunded_minor if it exists. */
    int (*sv_redemption_put)(struct fdl_store *st, int64_t program_id,
                             const struct fdl_sv_redemption *r, int64_t now_s,
                             struct fdl_error *err);
    /* Inserts a membership year (sets m->id); a taken txn_id is FDL_EDUPLICATE. */
    int (*membership_insert)(struct fdl_store *st, struct fdl_membership *m,
                             struct fdl_error *err);
    /* The member's open membership covering t_s, else FDL_ENOT_FOUND. */
    int (*membership_at)(struct fdl_store *st, int64_t program_id, int64_t member_id,
                         int64_t t_s, struct fdl_membership *out, struct fdl_error *err);
    /* The member's membership that ends last, else FDL_ENOT_FOUND. */
    int (*membership_latest)(struct fdl_store *st, int64_t program_id, int64_t member_id,
                             struct fdl_membership *out, struct fdl_error *err);
    int (*membership_get)(struct fdl_store *st, int64_t program_id, int64_t id,
                          struct fdl_membership *out, struct fdl_error *err);
    /* Writes accrued_minor, paid_minor, certificate_id and status of m. */
    int (*membership_update)(struct fdl_store *st, const struct fdl_membership *m,
                             struct fdl_error *err);
    /* Ids of open memberships that ended at or before now_s, at most limit. */
    int (*memberships_due)(struct fdl_store *st, int64_t program_id, int64_t now_s,
                           int limit, int64_t *ids, int *count, struct fdl_error *err);
    int (*cashback_get)(struct fdl_store *st, int64_t program_id, int64_t purchase_id,
                        struct fdl_cashback_row *out, struct fdl_error *err);
    /* Inserts the row, or updates reversed_minor if the purchase has one. */
    int (*cashback_put)(struct fdl_store *st, int64_t program_id,
                        const struct fdl_cashback_row *row, struct fdl_error *err);
    /* Checks the stored-value ledger over the whole database (one snapshot). */
    int (*sv_audit)(struct fdl_store *st, struct fdl_sv_audit *out,
                    struct fdl_error *err);
    /* -- referrals -- */
    /* Records referral r; a referee already referred is FDL_EDUPLICATE. */
    int (*referral_insert)(struct fdl_store *st, const struct fdl_referral *r,
                           struct fdl_error *err);
    /* The referral whose referee is referee_id; FDL_ENOT_FOUND if none. */
    int (*referral_get)(struct fdl_store *st, int64_t program_id, int64_t referee_id,
                        struct fdl_referral *out, struct fdl_error *err);
    /* Writes r's status and every field after created_at_s. */
    int (*referral_update)(struct fdl_store *st, const struct fdl_referral *r,
                           struct fdl_error *err);
    /* The referrer's referrals: pending, waiting, and rewarded in [from_s, to_s). */
    int (*referral_counts)(struct fdl_store *st, int64_t program_id, int64_t referrer_id,
                           int64_t from_s, int64_t to_s, int64_t *pending,
                           int64_t *waiting, int64_t *rewarded, struct fdl_error *err);
    /* Whether any referral (even a void one) has this e-mail key / phone
     * key (an empty key is never used). */
    int (*referral_contact_used)(struct fdl_store *st, int64_t program_id,
                                 const char *email_key, const char *phone_key,
                                 int *email_used, int *phone_used, struct fdl_error *err);
    /* Referees of referrals with work due at now_s (waiting ones due, pending
     * ones lapsed), soonest first, at most limit. */
    int (*referrals_due)(struct fdl_store *st, int64_t program_id, int64_t now_s,
                         int limit, int64_t *referee_ids, int *count,
                         struct fdl_error *err);
    /* The referrer's referrals with referee id > after_id, by referee id, at
     * most limit. */
    int (*referrals_of)(struct fdl_store *st, int64_t program_id, int64_t referrer_id,
                        int64_t after_id, int limit, struct fdl_referral *out, int *count,
                        struct fdl_error *err);
    /* -- currencies -- */
    /* Stores a rate; one already from the same time for the currency is
     * FDL_EDUPLICATE naming "effective_from". */
    int (*currency_rate_insert)(struct fdl_store *st, int64_t program_id,
                                const struct fdl_currency_rate *r, struct fdl_error *err);
    /* The currency's rate in force at t_s (the newest with effective_from_s
     * <= t_s); FDL_ENOT_FOUND if none. */
    int (*currency_rate_at)(struct fdl_store *st, int64_t program_id,
                            const char *currency, int64_t t_s,
                            struct fdl_currency_rate *out, struct fdl_error *err);
    /* The currency's rates with effective_from_s < before_s (0: all), newest
     * first, at most limit. */
    int (*currency_rates_of)(struct fdl_store *st, int64_t program_id,
                             const char *currency, int64_t before_s, int limit,
                             struct fdl_currency_rate *out, int *count,
                             struct fdl_error *err);
    /* The program's currencies with rates, by code, at most max, each with
     * the rate in force at now_s and the next. */
    int (*currencies_list)(struct fdl_store *st, int64_t program_id, int64_t now_s,
                           struct fdl_currency_summary *out, int max, int *count,
                           struct fdl_error *err);
    /* Records how purchase purchase_id (member member_id) was converted. */
    int (*purchase_conversion_set)(struct fdl_store *st, int64_t program_id,
                                   int64_t member_id, int64_t purchase_id,
                                   const struct fdl_purchase_conversion *c,
                                   struct fdl_error *err);
    /* How the purchase was converted (out->currency "" if it was not). */
    int (*purchase_conversion_get)(struct fdl_store *st, int64_t program_id,
                                   int64_t member_id, int64_t purchase_id,
                                   struct fdl_purchase_conversion *out,
                                   struct fdl_error *err);
    /* -- stores, staff and the audit log -- */
    /* Inserts a shop; a code the program already has is FDL_EDUPLICATE "code". */
    int (*shop_insert)(struct fdl_store *st, const struct fdl_shop *shop,
                       struct fdl_error *err);
    /* Writes name, time_zone, address and updated_at_s; FDL_ENOT_FOUND if none. */
    int (*shop_update)(struct fdl_store *st, const struct fdl_shop *shop,
                       struct fdl_error *err);
    int (*shop_get)(struct fdl_store *st, int64_t program_id, const char *code,
                    struct fdl_shop *out, struct fdl_error *err);
    /* The program's shops with code > after ("" from the first), by code, at
     * most limit; *any says whether the program has any shop at all. */
    int (*shops_list)(struct fdl_store *st, int64_t program_id, const char *after,
                      int limit, struct fdl_shop *out, int *count, int *any,
                      struct fdl_error *err);
    /* Inserts a staff account (sets s->id); a login taken anywhere in the
     * installation is FDL_EDUPLICATE "login". */
    int (*staff_insert)(struct fdl_store *st, struct fdl_staff *s, struct fdl_error *err);
    /* A staff account by login (any program) or by id (in program_id). In a
     * write transaction staff_get locks the row until commit (PostgreSQL;
     * SQLite's one writer needs no lock), so a change decided on it is
     * decided once. */
    int (*staff_by_login)(struct fdl_store *st, const char *login, struct fdl_staff *out,
                          struct fdl_error *err);
    int (*staff_get)(struct fdl_store *st, int64_t program_id, int64_t id,
                     struct fdl_staff *out, struct fdl_error *err);
    /* The program's staff with id > after_id (of partner only, unless NULL or
     * ""), by id, at most limit. */
    int (*staff_list)(struct fdl_store *st, int64_t program_id, const char *partner,
                      int64_t after_id, int limit, struct fdl_staff *out, int *count,
                      struct fdl_error *err);
    /* Links staff id to member_id (0: unlinks); FDL_ENOT_FOUND if no such staff. */
    int (*staff_set_member)(struct fdl_store *st, int64_t program_id, int64_t id,
                            int64_t member_id, struct fdl_error *err);
    /* Writes name, role, store_code, password_hash and disabled_at_s of
     * staff account s->id of s->program_id (login, member, partner and
     * creation time stay); FDL_ENOT_FOUND naming "staff_id" if none. */
    int (*staff_update)(struct fdl_store *st, const struct fdl_staff *s,
                        struct fdl_error *err);
    int (*session_insert)(struct fdl_store *st, const struct fdl_session *s,
                          struct fdl_error *err);
    /* The session with this token hash, live or not; FDL_ENOT_FOUND if none. */
    int (*session_get)(struct fdl_store *st, const unsigned char *hash,
                       struct fdl_session *out, struct fdl_error *err);
    /* Sets revoked_at_s of a live session (a revoked one keeps its time). */
    int (*session_revoke)(struct fdl_store *st, const unsigned char *hash, int64_t now_s,
                          struct fdl_error *err);
    /* Ends (sets revoked_at_s = now_s of) every live session of staff
     * account staff_id of program_id but the one whose token hash is keep
     * (NULL: keeps none); *ended says how many it ended. */
    int (*sessions_revoke_staff)(struct fdl_store *st, int64_t program_id,
                                 int64_t staff_id, const unsigned char *keep,
                                 int64_t now_s, int64_t *ended, struct fdl_error *err);
    /* Appends an audit row (sets row->id). */
    int (*audit_insert)(struct fdl_store *st, struct fdl_audit_row *row,
                        struct fdl_error *err);
    /* The program's audit rows matching f, newest first, at most limit. */
    int (*audit_list)(struct fdl_store *st, int64_t program_id,
                      const struct fdl_audit_filter *f, int limit,
                      struct fdl_audit_row *out, int *count, struct fdl_error *err);
    /* For each staff account of the program (of partner and of store_code
     * only, unless NULL or ""),
     * by id, at most max: what they did in [from_s, to_s) as the audit log
     * and the ledger record it. */
    int (*staff_activity)(struct fdl_store *st, int64_t program_id, const char *partner,
                          const char *store_code, int64_t from_s, int64_t to_s,
                          struct fdl_staff_activity *out, int max, int *count,
                          struct fdl_error *err);
    /* -- migrate -- */
    /* The names of every table of the schema (the backend's own bookkeeping
     * tables excluded), sorted, at most max; more is FDL_ESTORE. */
    int (*table_names)(struct fdl_store *st, char (*out)[FDL_TABLE_NAME_MAX + 1], int max,
                       int *count, struct fdl_error *err);
    /* Streams the rows of table (a name in fdl_store_tables) of program_id
     * (0: every program), in batches of at most FDL_MIGRATE_BATCH_ROWS, to fn,
     * in the canonical columns (struct fdl_rows), in the caller's
     * transaction. fn's non-zero return stops it and is returned. */
    int (*rows_read)(struct fdl_store *st, const char *table, int64_t program_id,
                     fdl_rows_fn fn, void *ctx, struct fdl_error *err);
    /* Inserts rows as they are (ids kept). Every column of the target table
     * must be in rows, and every column of rows in the table (or one it
     * derives): otherwise FDL_ESTORE naming the column, nothing inserted. */
    int (*rows_insert)(struct fdl_store *st, const struct fdl_rows *rows,
                       struct fdl_error *err);
    /* Prepares the open write transaction for a copy: foreign keys checked at
     * commit (the copy inserts purchases before the entries they point at),
     * and, on PostgreSQL, a transaction-scoped advisory lock so two copies
     * into one database run one after the other. */
    int (*copy_begin)(struct fdl_store *st, struct fdl_error *err);
    /* After a copy into table: the ids it hands out next are past every id
     * in it (PostgreSQL identity sequences; SQLite needs nothing). */
    int (*table_ids_sync)(struct fdl_store *st, const char *table, struct fdl_error *err);
    /* -- coalitions -- */
    /* The store code of the purchase that earned the member's lot lot_id
     * into out ("" if the lot came from no purchase); FDL_ENOT_FOUND if no
     * such lot. */
    int (*lot_issuer_store)(struct fdl_store *st, int64_t program_id, int64_t member_id,
                            int64_t lot_id, char out[FDL_MAX_ID_LEN + 1],
                            struct fdl_error *err);
    int (*settlement_item_insert)(struct fdl_store *st,
                                  const struct fdl_settlement_item *item,
                                  struct fdl_error *err);
    /* Per (issuer, redeemer), sorted, at most max: the sums of the items of
     * days [from_day, to_day] (only open ones if open_only), leaving out
     * pairs that net to zero points. */
    int (*settlement_pairs)(struct fdl_store *st, int64_t program_id, int64_t from_day,
                            int64_t to_day, int open_only,
                            struct fdl_settlement_pair *out, int max, int *count,
                            struct fdl_error *err);
    /* Closes every open item of a day <= until_day: records a settlement
     * with a line per pair, marks the items settled and fills *out. With
     * nothing open, records nothing and sets out->id to 0. On PostgreSQL two
     * closes of one program run one after the other (advisory lock). */
    int (*settlement_close)(struct fdl_store *st, int64_t program_id, int64_t until_day,
                            int64_t now_s, struct fdl_settlement *out,
                            struct fdl_error *err);
    /* Settlement id with its lines (at most max, sorted); FDL_ENOT_FOUND if
     * the program has no such settlement. */
    int (*settlement_get)(struct fdl_store *st, int64_t program_id, int64_t id,
                          struct fdl_settlement *out, struct fdl_settlement_pair *lines,
                          int max, int *count, struct fdl_error *err);
    /* Records, on day, the negation of every item reward reservation
     * redemption_id made (its cancel or expiry gives the points back). */
    int (*settlement_items_reverse)(struct fdl_store *st, int64_t program_id,
                                    int64_t redemption_id, int64_t day, int64_t now_s,
                                    struct fdl_error *err);
};

/* The SQLite backend's table. */
extern const struct fdl_store_ops fdl_store_sqlite;
/* The PostgreSQL backend's table (pg.c, libpq). */
extern const struct fdl_store_ops fdl_store_pg;

/* 1 if uri names a PostgreSQL database ("postgres://" or "postgresql://"). */
int fdl_store_is_postgres(const char *uri);

#define FDL_STORE_URI_LOG_MAX 512 /* bytes of a URI as written to the log */

/*
 * Writes uri into buf (cap bytes, truncating) fit for a log: a password in
 * a PostgreSQL URI ("postgres://user:secret@host/db") becomes "***".
 */
void fdl_store_uri_for_log(const char *uri, char *buf, size_t cap);

/*
 * Opens the store named by uri: "postgres://..." or "postgresql://..."
 * selects PostgreSQL (a libpq connection URI), anything else is an SQLite
 * file path.
 * Applies pending migrations when migrate is set. *out is untouched on error.
 */
int fdl_store_open(const char *uri, int migrate, struct fdl_store **out,
                   struct fdl_error *err);

/* Closes st (NULL is fine). */
void fdl_store_close(struct fdl_store *st);

/* The backend table of an open store (for the wrappers below). */
const struct fdl_store_ops *fdl_store_ops_of(struct fdl_store *st);

/* Every backend's struct starts with this header so the wrappers can dispatch. */
struct fdl_store_base {
    const struct fdl_store_ops *ops;
};

/*
 * The wrappers: fdl_store_X(st, ...) calls ops->X(st, ...). Declared by one
 * macro per signature; see the ops table for each function's contract.
 */
#define FDL_STORE_CALL(st, fn, ...)                                                      \
    (((struct fdl_store_base *)(st))->ops->fn((st), __VA_ARGS__))
#define FDL_STORE_CALL0(st, fn) (((struct fdl_store_base *)(st))->ops->fn((st)))

#endif
