/*
 * rewards.h - the reward catalogue and launch windows (early access), as
 * pure data and decisions.
 *
 * A program file's `rewards:` section compiles into a struct
 * fdl_reward_catalog: what members may spend points on (a discount, a
 * product given free, merchandise, early access to a launch), each with
 * its cost, optional stock, per-member limit, tier list and date window.
 * Its `launches:` section compiles into a struct fdl_launch_list: products
 * (skus and/or categories) that go on sale at a local time, earlier for
 * some tier levels. Both are owned by the program definition (engine/
 * rules.h) and immutable once loaded.
 *
 * Everything here is pure: the caller counts what was redeemed, reads the
 * member's tier and points, and converts between UTC and local time (day
 * numbers and "local seconds" are on the program's local calendar, as
 * base/clock.h counts them). Adding a reward kind (e.g. `coupon` with a
 * `campaign:`) means a new enum value, its name in fdl_reward_kind_name,
 * its key in the loader and its effect in the service; eligibility does
 * not change.
 */
#ifndef FDL_REWARDS_H
#define FDL_REWARDS_H

#include "base/error.h"
#include "engine/rules.h"
#include "engine/tiers.h"

#include <stddef.h>
#include <stdint.h>

#define FDL_MAX_REWARDS             200 /* rewards in one catalogue */
#define FDL_REWARD_ID_MAX           64  /* bytes in a reward id: [A-Za-z0-9._-] */
#define FDL_REWARD_NAME_MAX         200 /* bytes in a reward's name */
#define FDL_MAX_REWARD_COST         1000000000LL /* points one unit costs */
#define FDL_MAX_REWARD_STOCK        1000000000LL /* units of one reward */
#define FDL_MAX_REWARD_PER_MEMBER   1000000 /* units one member may redeem per period */
#define FDL_MAX_REDEMPTION_QUANTITY 100     /* units in one redemption */
#define FDL_DEFAULT_HOLD_MINUTES    15      /* a reservation's hold, unless set */
#define FDL_MAX_HOLD_MINUTES        (7 * 24 * 60) /* the longest hold: a week */
#define FDL_MAX_LAUNCHES            100           /* launches in one program */
#define FDL_MAX_EARLY_DAYS          365           /* how early a tier may buy */

enum fdl_reward_kind {
    FDL_REWARD_DISCOUNT,     /* money off the purchase it is committed with */
    FDL_REWARD_PRODUCT,      /* a product (sku) given free */
    FDL_REWARD_MERCHANDISE,  /* an item handed over: tote bags, mugs */
    FDL_REWARD_EARLY_ACCESS, /* buys the earliest early window of a launch */
    FDL_REWARD_COUPON,       /* a single-use code of a coupon campaign, issued to the
                                member when the redemption is committed */
    FDL_REWARD_KIND_COUNT_
};

enum fdl_reward_period {
    FDL_PERIOD_LIFETIME, /* `per_member_period: lifetime` (the default) */
    FDL_PERIOD_YEAR,     /* the local calendar year */
    FDL_PERIOD_MONTH,    /* the local calendar month */
};

/* Why a member may not redeem a reward now (FDL_REWARD_OK: they may). */
enum fdl_reward_reason {
    FDL_REWARD_OK,
    FDL_REWARD_WINDOW, /* before valid_from or after valid_until */
    FDL_REWARD_TIER,   /* the member's level is not in tiers */
    FDL_REWARD_STOCK,  /* not enough units left */
    FDL_REWARD_LIMIT,  /* the member's per-member limit would be passed */
    FDL_REWARD_POINTS, /* not enough available points */
};

struct fdl_reward {
    char id[FDL_REWARD_ID_MAX + 1];
    const char *name;
    int line; /* where it starts in the program file */
    enum fdl_reward_kind kind;
    int64_t cost_points;  /* per unit, >= 1 */
    const char *sku;      /* PRODUCT: the sku given free; else NULL */
    int64_t value_minor;  /* DISCOUNT: money off per unit; else 0 */
    const char *launch;   /* EARLY_ACCESS: the launch's id; else NULL */
    const char *campaign; /* COUPON: a single_use campaign of `coupons`; else NULL */
    int64_t stock;        /* total units that can be redeemed; 0: unlimited */
    int64_t per_member;   /* most units one member may redeem per period; 0: no limit */
    enum fdl_reward_period period;
    struct fdl_string_set tiers; /* empty: every level */
    int has_valid_from, has_valid_until;
    int64_t valid_from_day, valid_until_day; /* local day numbers, inclusive */
};

struct fdl_reward_catalog {
    int hold_minutes; /* 1..FDL_MAX_HOLD_MINUTES */
    size_t n;
    struct fdl_reward *items;
};

/* One tier level's head start on a launch. */
struct fdl_launch_early {
    const char *tier;
    int days; /* 1..FDL_MAX_EARLY_DAYS */
};

struct fdl_launch {
    char id[FDL_REWARD_ID_MAX + 1];
    const char *name;
    struct fdl_string_set skus, categories; /* a line is in it if either matches */
    int64_t opens_local_s;                  /* local seconds (day * 86400 + time) */
    size_t n_early;
    struct fdl_launch_early *early; /* by tier; at most FDL_MAX_TIER_LEVELS */
};

struct fdl_launch_list {
    size_t n;
    struct fdl_launch *items;
};

/* What eligibility needs to know about the member and the reward's use. */
struct fdl_reward_view {
    const char *tier;         /* the member's level; NULL or "" if none */
    int tiers_enabled;        /* the program has levels */
    int64_t today;            /* local day number now */
    int64_t available_points; /* spendable now */
    int64_t quantity;         /* units asked for, >= 1 */
    int64_t stock_used;       /* units reserved or committed by everyone */
    int64_t member_used;      /* units the member reserved or committed this period */
};

/* The reward with this id, or NULL. */
const struct fdl_reward *fdl_reward_find(const struct fdl_reward_catalog *c,
                                         const char *id);

/*
 * Whether the member described by v may redeem v->quantity units of r now:
 * checks, in this order, the date window, the tier, the stock, the
 * per-member limit and the points (cost x quantity), and answers the first
 * that fails, or FDL_REWARD_OK.
 */
enum fdl_reward_reason fdl_reward_check(const struct fdl_reward *r,
                                        const struct fdl_reward_view *v);

/* Units left of r given stock_used, or -1 if its stock is unlimited. */
int64_t fdl_reward_remaining(const struct fdl_reward *r, int64_t stock_used);

/*
 * The first local day of r's per-member period holding local day `today`:
 * Jan 1 of its year, the 1st of its month, or INT64_MIN for a lifetime.
 */
int64_t fdl_reward_period_start(const struct fdl_reward *r, int64_t today);

/* Names as written in the program file and on the wire. */
const char *fdl_reward_kind_name(enum fdl_reward_kind kind);
const char *fdl_reward_period_name(enum fdl_reward_period period);
/* "window", "tier", "stock", "limit", "points"; "" for FDL_REWARD_OK. */
const char *fdl_reward_reason_name(enum fdl_reward_reason reason);

/*
 * The launch a line (sku, category NULL or "") belongs to: the first in
 * file order whose skus hold sku or whose categories hold category; NULL
 * if none (the line is on sale as usual).
 */
const struct fdl_launch *fdl_launch_of(const struct fdl_launch_list *l, const char *sku,
                                       const char *category);

/* Days of head start level `tier` has on launch (0 if none). */
int fdl_launch_early_days(const struct fdl_launch *launch, const char *tier);

/* The longest head start of any level (what an early-access reward gives). */
int fdl_launch_max_early_days(const struct fdl_launch *launch);

/*
 * The local second from which a member may buy from launch: opens_local_s
 * less their head start in days, which is the larger of their tier's and,
 * when `entitled` (they hold an early-access reward for it), the longest.
 */
int64_t fdl_launch_opens_for(const struct fdl_launch *launch, const char *tier,
                             int entitled);

/*
 * Appends the catalogue and launches of def in plain words in lang (en,
 * es, ca, ru; NULL or unknown: the program's language) to a new string
 * *out (malloc'd; "" when def has neither). Money is written in the
 * program's currency, launch times as local dates and hours. FDL_ENOMEM
 * if allocation fails.
 */
int fdl_rewards_explain(const struct fdl_program_def *def, const char *lang, char **out,
                        struct fdl_error *err);

#endif
