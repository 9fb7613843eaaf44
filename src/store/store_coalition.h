/*
 * store_coalition.h - the rows of coalition settlement, as the store ops of
 * store.h read and write them.
 *
 * A settlement item says that points issued by partner `issuer` (earned at
 * one of its stores) were redeemed at a store of partner `redeemer` on local
 * day `day`: issuer owes redeemer amount_minor for them. A refund that gives
 * the points back records the same item with negative points and amount.
 * Items are open (settlement_id 0) until a settlement closes them; a
 * settlement has one line per (issuer, redeemer) pair with what it closed.
 */
#ifndef FDL_STORE_COALITION_H
#define FDL_STORE_COALITION_H

#include "base/limits.h"

#include <stdint.h>

#define FDL_SETTLEMENT_PARTNER_MAX                                                       \
    FDL_PARTNER_ID_MAX                /* a partner id in a settlement row */
#define FDL_SETTLEMENT_MAX_PAIRS 1024 /* (issuer, redeemer) pairs in one report */

struct fdl_settlement_item {
    int64_t program_id;
    int64_t purchase_id;   /* the purchase whose redemption (or refund) made it, or 0 */
    int64_t redemption_id; /* the reward reservation that made it, or 0 */
    int64_t day;           /* local day number (days since 1970-01-01) */
    char issuer[FDL_SETTLEMENT_PARTNER_MAX + 1];
    char redeemer[FDL_SETTLEMENT_PARTNER_MAX + 1];
    int64_t points;       /* negative for a refund's reversal */
    int64_t amount_minor; /* issuer owes redeemer this (negative: the reverse) */
    int64_t created_at_s;
};

/* What issuer owes redeemer over some items (a report row, a settlement line). */
struct fdl_settlement_pair {
    char issuer[FDL_SETTLEMENT_PARTNER_MAX + 1];
    char redeemer[FDL_SETTLEMENT_PARTNER_MAX + 1];
    int64_t points;
    int64_t amount_minor;
    int64_t items;
};

struct fdl_settlement {
    int64_t id;
    int64_t program_id;
    int64_t until_day; /* closed every open item of a day up to this one */
    int64_t points, amount_minor, items;
    int64_t created_at_s;
};

#endif
