/*
 * coupons.h - campaign coupons: codes that cannot be guessed, and what a
 * coupon takes off a basket.
 *
 * A campaign (program file section `coupons:`, engine/program_file.h) has
 * either one generic code anyone may type (SUMMER10) or batches of
 * single-use codes made by fdl_coupon_generate(). A single-use code is
 * FDL_COUPON_CODE_CHARS characters of Crockford base32 (0-9 A-Z without
 * I L O U), shown in groups of four ("7KQ2-M9XD-3HRT-WB4C"):
 *
 *     RRRRRRRRRRRR MMMM
 *     |            +-- 20-bit MAC of the random part, keyed by the
 *     |                installation's secret and the program id
 *     +--------------- 60 random bits from libsodium's CSPRNG
 *
 * The MAC is BLAKE2b (crypto_generichash, 16 bytes) keyed with the 32-byte
 * card secret (engine/card.h) over "fidelis-coupon-v1" || program_id as 4
 * bytes big-endian || the 12 random characters; its first 20 bits are the
 * four check characters. A mistyped or invented code fails the check
 * without any database lookup; one that passes is then looked up by its
 * hash (fdl_coupon_hash), which is all the store keeps.
 *
 * Input is forgiving: case does not matter, spaces and '-' are ignored, and
 * the letters O, I and L read as 0, 1 and 1.
 *
 * Everything here is pure: no I/O, no clock, no allocation. The caller must
 * have called sodium_init() once before generating or checking codes.
 */
#ifndef FDL_COUPONS_H
#define FDL_COUPONS_H

#include "base/error.h"
#include "engine/card.h"
#include "engine/rules.h"

#include <stddef.h>
#include <stdint.h>

#define FDL_MAX_COUPON_CAMPAIGNS     100  /* campaigns in one program file */
#define FDL_MAX_COUPONS_PER_PURCHASE 5    /* codes one purchase may use */
#define FDL_MAX_COUPON_BATCH         1000 /* single-use codes made by one request */
#define FDL_COUPON_NAME_MAX          100  /* bytes in a campaign's name */
#define FDL_COUPON_GENERIC_MIN       4    /* characters in a generic code, at least */
#define FDL_COUPON_GENERIC_MAX       32   /* ... and at most */
#define FDL_COUPON_RANDOM_CHARS      12   /* 60 random bits */
#define FDL_COUPON_MAC_CHARS         4    /* 20-bit check */
#define FDL_COUPON_CODE_CHARS        (FDL_COUPON_RANDOM_CHARS + FDL_COUPON_MAC_CHARS)
#define FDL_COUPON_FORMATTED_MAX     (FDL_COUPON_CODE_CHARS + 3 + 1) /* 3 '-', NUL */
#define FDL_COUPON_INPUT_MAX         64 /* bytes of a code as typed */
#define FDL_COUPON_TEXT_MAX          (FDL_COUPON_GENERIC_MAX + 1) /* normalised + NUL */
#define FDL_COUPON_HASH_BYTES        32
#define FDL_COUPON_MASK_VISIBLE      4 /* characters left readable in a masked code */
#define FDL_MAX_COUPON_PERCENT       100
#define FDL_MAX_COUPON_LIMIT         100000000 /* per_member and limit */

enum fdl_coupon_effect {
    FDL_COUPON_PERCENT,   /* `percent: 10`: of the matching lines */
    FDL_COUPON_AMOUNT,    /* `amount: 5.00`: off the matching lines */
    FDL_COUPON_FREE_ITEM, /* `free_item: [sku]`: one unit of the cheapest such line */
};

enum fdl_coupon_stacking {
    FDL_COUPON_EXCLUSIVE, /* alone (default) */
    FDL_COUPON_STACKABLE, /* with other stackable coupons */
};

/* One compiled campaign. Absent filters are empty sets / zero values. */
struct fdl_coupon_campaign {
    char id[FDL_RULE_ID_MAX + 1];
    const char *name;                  /* "" when absent */
    char code[FDL_COUPON_TEXT_MAX];    /* generic code, normalised; "" if single_use */
    char display[FDL_COUPON_TEXT_MAX]; /* generic code as written */
    int single_use;
    int line; /* where it starts in the program file */
    enum fdl_coupon_effect effect;
    int64_t percent;                         /* PERCENT: 1..100 */
    int64_t amount_minor;                    /* AMOUNT */
    struct fdl_string_set free_skus;         /* FREE_ITEM */
    int64_t valid_from_day, valid_until_day; /* local days, inclusive */
    int has_valid_from, has_valid_until;
    int64_t min_basket_minor; /* 0: none */
    int64_t per_member;       /* 0: no limit */
    int64_t limit;            /* 0: no limit */
    enum fdl_coupon_stacking stacking;
    struct fdl_string_set skus, categories, labels, tiers;
};

/* A coupon a purchase used, as answers and receipts show it. */
struct fdl_coupon_applied {
    char code[FDL_COUPON_TEXT_MAX]; /* masked (fdl_coupon_mask) */
    char campaign[FDL_RULE_ID_MAX + 1];
    int single_use;
    int64_t discount_minor;
};

/* Writes a new single-use code (FDL_COUPON_CODE_CHARS characters and a
 * NUL) for program_id into out. */
void fdl_coupon_generate(const struct fdl_card_key *key, uint32_t program_id,
                         char out[FDL_COUPON_CODE_CHARS + 1]);

/*
 * Normalises a code as typed: upper case, spaces and '-' dropped, O read as
 * 0, I and L as 1. Returns the length written to out (NUL-terminated), or
 * -1 if input is NULL, longer than FDL_COUPON_INPUT_MAX bytes, has a
 * character outside letters, digits, spaces and '-', or normalises to more
 * than FDL_COUPON_GENERIC_MAX characters or to nothing.
 */
int fdl_coupon_normalize(const char *input, char out[FDL_COUPON_TEXT_MAX]);

/*
 * 0 if normalized (as fdl_coupon_normalize writes it) is a single-use code
 * made for program_id with key: the right length, base32 characters, and
 * its check characters match (compared in constant time). Else
 * FDL_EINVALID with err (may be NULL) naming field.
 */
int fdl_coupon_check(const struct fdl_card_key *key, uint32_t program_id,
                     const char *normalized, const char *field, struct fdl_error *err);

/* The hash the store keeps of a normalised code (BLAKE2b-256 with a context). */
void fdl_coupon_hash(uint32_t program_id, const char *normalized,
                     unsigned char out[FDL_COUPON_HASH_BYTES]);

/* A single-use code in groups of four, "XXXX-XXXX-XXXX-XXXX". */
void fdl_coupon_format(const char *normalized, char out[FDL_COUPON_FORMATTED_MAX]);

/* The normalised code with every character but the last
 * FDL_COUPON_MASK_VISIBLE replaced by '*', for answers and receipts. */
void fdl_coupon_mask(const char *normalized, char out[FDL_COUPON_TEXT_MAX]);

/* The campaign of campaigns[0..n) whose generic code is normalized, or NULL. */
const struct fdl_coupon_campaign *
fdl_coupon_find_generic(const struct fdl_coupon_campaign *campaigns, size_t n,
                        const char *normalized);

/* The campaign with this id, or NULL. */
const struct fdl_coupon_campaign *fdl_coupon_find(const struct fdl_coupon_campaign *c,
                                                  size_t n, const char *id);

/* Why a campaign does not apply to a purchase (FDL_COUPON_OK: it does). */
enum fdl_coupon_refusal {
    FDL_COUPON_OK,
    FDL_COUPON_NOT_YET,    /* before valid_from */
    FDL_COUPON_ENDED,      /* after valid_until */
    FDL_COUPON_TIER,       /* the member's tier is not in tiers */
    FDL_COUPON_MIN_BASKET, /* the basket is below min_basket */
    FDL_COUPON_NO_LINES,   /* no line it applies to (or it takes nothing off) */
};

/* A short English reason for r (for problem details). */
const char *fdl_coupon_refusal_text(enum fdl_coupon_refusal r);

/*
 * The purchase-level checks of campaign c at local day `day` for a member
 * in tier (may be "" or NULL) and a basket total of total_minor: window,
 * tiers, min_basket. Limits and stacking are the caller's (they need the
 * store and the other codes).
 */
enum fdl_coupon_refusal fdl_coupon_applies(const struct fdl_coupon_campaign *c,
                                           int64_t day, const char *tier,
                                           int64_t total_minor);

/* 1 if line l is one campaign c applies to (skus, categories, labels). */
int fdl_coupon_line_matches(const struct fdl_coupon_campaign *c,
                            const struct fdl_rules_line *l);

/*
 * What campaign c takes off lines[0..n), given what is still payable on
 * each line (remaining[i], 0..amount; coupons apply one after another on
 * what the earlier ones left). Writes each line's discount to
 * line_discount[i] and lowers remaining[i] by it; returns the total. A
 * percent is of the matching lines' remaining sum, rounded down; an amount
 * is at most that sum; both are spread over the matching lines by what
 * remains on them (largest remainder), so no line goes below zero. A free
 * item is one unit of the cheapest matching line whose sku is in free_skus
 * (at most what remains on it). Never negative; 0 when nothing matches.
 */
int64_t fdl_coupon_discount(const struct fdl_coupon_campaign *c,
                            const struct fdl_rules_line *lines, size_t n,
                            int64_t *remaining, int64_t *line_discount);

/*
 * Stacking: 0 if the campaigns cs[0..n) may be used together on one
 * purchase (one alone, or all stackable); else -1 with *index the first
 * exclusive one.
 */
int fdl_coupon_stacking_conflict(const struct fdl_coupon_campaign *const *cs, size_t n,
                                 size_t *index);

const char *fdl_coupon_effect_name(enum fdl_coupon_effect e);
const char *fdl_coupon_stacking_name(enum fdl_coupon_stacking s);

#endif
