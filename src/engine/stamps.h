/*
 * stamps.h - punch cards: "the 10th coffee is free".
 *
 * A program may run stamp cards (the program file's `stamps:` section,
 * engine/program_file.h). A purchase gives a card stamps: one per
 * qualifying unit (per: item) or one per qualifying purchase (per: visit),
 * up to max_per_purchase. When a member's stamps on a card reach its goal
 * the card is filled: it issues its reward (a voucher for one free unit of
 * one of the listed skus, or bonus points) and extra stamps carry over to a
 * new card. A refund takes back the stamps it gave; when that un-fills a
 * card, an unused reward is revoked, and otherwise the card goes negative
 * (owed stamps that later stamps pay first). Stamps on an incomplete card
 * lapse expiry_days after the card's first stamp.
 *
 * Everything here is pure integer arithmetic on a card's definition and a
 * member's count: no clock, no store. The service stores counts, vouchers
 * and what each purchase gave.
 */
#ifndef FDL_STAMPS_H
#define FDL_STAMPS_H

#include "engine/rules.h"

#include <stddef.h>
#include <stdint.h>

#define FDL_MAX_STAMP_CARDS 20  /* cards in one program */
#define FDL_MAX_STAMP_GOAL  100 /* stamps that fill a card (at least 2) */
#define FDL_STAMP_NAME_MAX  64  /* bytes in a card's member-facing name */
#define FDL_MAX_STAMPS_PER_PURCHASE                                                      \
    1000 /* stamps one purchase gives a card (the cap and the default) */
#define FDL_MAX_STAMP_EXPIRY_DAYS    3660    /* a card's expiry_days */
#define FDL_MAX_STAMP_VALID_DAYS     3660    /* a free-item voucher's valid_days */
#define FDL_MAX_STAMP_REWARD_POINTS  1000000 /* a card's reward points */
#define FDL_MAX_STAMP_FREE_ITEMS     20      /* skus a free-item voucher may take */
#define FDL_DEFAULT_STAMP_VALID_DAYS 90      /* valid_days when absent */

enum fdl_stamp_per {
    FDL_STAMP_PER_ITEM,  /* `per: item`: a stamp per qualifying unit */
    FDL_STAMP_PER_VISIT, /* `per: visit`: a stamp per qualifying purchase */
};

enum fdl_stamp_reward_kind {
    FDL_STAMP_REWARD_FREE_ITEM = 1, /* `free_item: [skus]`: a voucher */
    FDL_STAMP_REWARD_POINTS = 2,    /* `points: N`: bonus points at once */
};

/* One compiled card. Empty sets match every line. */
struct fdl_stamp_card_def {
    char id[FDL_RULE_ID_MAX + 1];
    char name[FDL_STAMP_NAME_MAX + 1];
    int64_t goal; /* 2..FDL_MAX_STAMP_GOAL */
    enum fdl_stamp_per per;
    struct fdl_string_set skus, categories, labels;
    int64_t min_spend_minor;  /* 0: none; purchase total needed */
    int64_t max_per_purchase; /* 0: no cap */
    int64_t expiry_days;      /* 0: stamps never lapse */
    enum fdl_stamp_reward_kind reward;
    struct fdl_string_set free_items; /* FREE_ITEM: the skus the voucher takes */
    int64_t reward_points;            /* POINTS */
    int64_t valid_days;               /* FREE_ITEM: voucher validity */
};

/* 1 if line l qualifies for card c (in every non-empty set; labels: any). */
int fdl_stamp_line_qualifies(const struct fdl_stamp_card_def *c,
                             const struct fdl_rules_line *l);

/*
 * The stamps a purchase gives card c: lines[0..n), the basket total
 * (min_spend is checked against it) and free_units[i] (units of line i made
 * free by a voucher, which give no stamp; NULL: none). Writes line_stamps[i]
 * (item cards: the stamps line i gave, in line order until the cap; visit
 * cards: 0) and qualifying[i] (1 if line i qualifies), and returns the
 * total, 0..max_per_purchase (a visit card gives at most 1).
 */
int64_t fdl_stamps_for_purchase(const struct fdl_stamp_card_def *c,
                                const struct fdl_rules_line *lines, size_t n,
                                int64_t total_minor, const int64_t *free_units,
                                int64_t *line_stamps, unsigned char *qualifying);

/*
 * Adds n >= 0 stamps to a card holding `current` (negative: owed) with
 * `goal`: *rewards is how many cards they fill and *after what the new card
 * holds (owed stamps are paid first; 12 on an empty goal-10 card: one
 * reward, 2 after).
 */
void fdl_stamps_add(int64_t goal, int64_t current, int64_t n, int64_t *after,
                    int64_t *rewards);

/*
 * Takes n >= 0 stamps back from a card holding `current`. Each time the
 * count goes below zero a filled card is un-filled: its reward is revoked
 * while `revocable` unused rewards remain (adding goal back), and whatever
 * is still missing stays as a negative count. *revoked is how many rewards
 * to revoke, *after the new count.
 */
void fdl_stamps_reverse(int64_t goal, int64_t current, int64_t n, int64_t revocable,
                        int64_t *after, int64_t *revoked);

/*
 * The stamps of one line to take back when its refunded units reach
 * refunded of quantity: cumulative, so refunding every unit takes back
 * exactly `stamps`; `reversed` were taken back before.
 */
int64_t fdl_stamps_line_reversal(int64_t stamps, int64_t quantity, int64_t refunded,
                                 int64_t reversed);

/*
 * When the stamps on a card lapse after it went from `before` to `after`
 * stamps at now_s, `rewards` cards being filled on the way: 0 if the card
 * holds none (or c never lapses); now_s + expiry_days if this purchase
 * started the current card; else old_expires_at_s.
 */
int64_t fdl_stamps_expiry(const struct fdl_stamp_card_def *c, int64_t before,
                          int64_t after, int64_t rewards, int64_t old_expires_at_s,
                          int64_t now_s);

/* 1 if a card holding `stamps` that lapse at expires_at_s (0: never) has
 * lapsed at now_s. Negative (owed) cards never lapse. */
int fdl_stamps_lapsed(int64_t stamps, int64_t expires_at_s, int64_t now_s);

/* ---- a member's stamps, as the service stores them ---- */

#define FDL_STAMP_TXN_MAX  64 /* bytes in a till transaction id (FDL_MAX_ID_LEN) */
#define FDL_STAMP_SKUS_MAX ((FDL_RULE_ITEM_MAX + 1) * FDL_MAX_STAMP_FREE_ITEMS)

/* A member's count on one card. */
struct fdl_stamp_card_state {
    int64_t program_id, member_id;
    char card_id[FDL_RULE_ID_MAX + 1];
    int64_t stamps;       /* on the current card; negative: owed */
    int64_t filled;       /* cards filled so far, net of un-filled ones */
    int64_t expires_at_s; /* when the current card's stamps lapse; 0: never */
    int64_t updated_at_s;
};

enum fdl_voucher_status {
    FDL_VOUCHER_OPEN = 1,    /* free item: not used yet; points: credited */
    FDL_VOUCHER_USED = 2,    /* redeemed in a purchase */
    FDL_VOUCHER_REVOKED = 3, /* a refund un-filled its card */
};

/* A reward a filled card issued: a free-item voucher, or points credited. */
struct fdl_stamp_voucher {
    int64_t id, program_id, member_id;
    char card_id[FDL_RULE_ID_MAX + 1];
    enum fdl_stamp_reward_kind kind;
    char skus[FDL_STAMP_SKUS_MAX];     /* FREE_ITEM: the skus, one per line */
    int64_t points;                    /* POINTS */
    int64_t purchase_id;               /* the purchase that filled the card */
    int64_t issued_at_s, expires_at_s; /* expires_at_s 0: never (points) */
    enum fdl_voucher_status status;
    char used_txn[FDL_STAMP_TXN_MAX + 1]; /* the purchase that used it, or "" */
    int64_t used_line;                    /* its line (1-based), 0 if unused */
    int64_t discount_minor;               /* what the free unit was worth */
};

/* What one purchase gave one card on one line (line_no 0: a visit stamp). */
struct fdl_stamp_grant {
    char card_id[FDL_RULE_ID_MAX + 1];
    int64_t line_no, stamps, reversed;
};

/* ---- what a purchase or refund did to a card (the answers) ---- */

#define FDL_MAX_STAMP_REWARDS_PER_PURCHASE 10 /* vouchers one purchase may redeem */
#define FDL_MAX_STAMP_VOUCHERS_SHOWN       20 /* voucher ids listed per card and answer */
#define FDL_MAX_STAMP_VOUCHERS_LISTED      100 /* a member's vouchers listed, newest first */

/* One card in a purchase's (or a refund's) answer. */
struct fdl_stamp_card_result {
    char card_id[FDL_RULE_ID_MAX + 1];
    char name[FDL_STAMP_NAME_MAX + 1];
    int64_t given;  /* stamps this purchase gave (a refund: took back) */
    int64_t stamps; /* on the card now (negative: owed) */
    int64_t goal;
    int64_t rewards; /* cards filled (a refund: rewards revoked) */
    enum fdl_stamp_reward_kind reward;
    int64_t reward_points; /* POINTS: points per reward */
    int voucher_count;     /* ids listed below (at most FDL_MAX_STAMP_VOUCHERS_SHOWN) */
    int64_t voucher_ids[FDL_MAX_STAMP_VOUCHERS_SHOWN];
};

/* A voucher a purchase redeemed: one free unit of a line. */
struct fdl_stamp_redeemed {
    int64_t voucher_id, line_no, discount_minor;
};

/* 1 if a voucher's sku list (one per line) holds sku. */
int fdl_stamp_voucher_takes(const struct fdl_stamp_voucher *v, const char *sku);

/* Names as written in the program file. */
const char *fdl_stamp_per_name(enum fdl_stamp_per per);

#endif
