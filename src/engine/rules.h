/*
 * rules.h - earn rules: what a purchase earns, and why.
 *
 * A program's earn rules (written in its program file: every key is in
 * engine/program_file.h) are compiled into a
 * struct fdl_program_def, which is immutable once loaded and may be shared
 * by any number of threads. fdl_rules_evaluate() applies them to one
 * purchase: a pure function of the definition and the input, in integers,
 * that allocates nothing (the caller supplies the output arrays) and touches
 * no clock, zone or store: the caller converts the purchase time to local
 * parts in the program's time zone and passes the member's context in.
 *
 * Rules are evaluated in file order. Each rule first checks its
 * purchase-level conditions (event, dates, weekdays, hours, stores,
 * channels, tiers, min_spend, `when`), then picks the lines it applies to
 * (skus / categories / labels, minus `exclude`, filtered by `when_line`),
 * then gives points:
 *   rate        round(sum of the lines' amounts x rate / unit), allocated
 *               to those lines by amount (largest remainder);
 *   multiplier  (m - 1) x the rate points earlier rules gave those lines,
 *               allocated to them by those points;
 *   bonus       fixed points per purchase (allocated to the lines by
 *               amount), per matching line or per matching unit.
 * Then `cap` limits the rule's points (scaled down by largest remainder),
 * and a rule with `stop` that gave points ends the evaluation. Every point
 * is attributed to the rule that gave it, and every point sits on a line,
 * so the per-line totals sum exactly to the total and a refund of some lines
 * can claw back exactly what those lines earned.
 */
#ifndef FDL_RULES_H
#define FDL_RULES_H

#include "base/error.h"
#include "engine/program.h"
#include "engine/referrals.h"
#include "engine/tiers.h"

#include <stddef.h>
#include <stdint.h>

/* Limits of a program definition (the program file adds its own). */
#define FDL_MAX_RULES                 100 /* earn rules in one program */
#define FDL_RULE_ID_MAX               64  /* bytes in a rule id: [A-Za-z0-9._-] */
#define FDL_RULE_TEXT_MAX             200 /* bytes in a rule's description */
#define FDL_MAX_RULE_LIST_ITEMS       100 /* entries in one list (skus, stores, ...) */
#define FDL_RULE_ITEM_MAX             64 /* bytes in one list entry (a sku, a store code) */
#define FDL_MAX_RULE_RATE_MILLI       1000000 /* rate 1000 points per unit */
#define FDL_MAX_RULE_MULTIPLIER_CENTI 10000   /* x100 */
#define FDL_MAX_LINE_LABELS           32      /* labels on one basket line */
#define FDL_MAX_MEMBER_SEGMENTS       64      /* segments of one member */

enum fdl_rule_kind {
    FDL_RULE_RATE,       /* `rate: 4`: points per currency unit */
    FDL_RULE_MULTIPLIER, /* `multiplier: 3`: earlier rate points x3 */
    FDL_RULE_BONUS,      /* `bonus: 50`: fixed points */
};

enum fdl_rule_basis {
    FDL_BASIS_NET,   /* `on: net`: line amounts less their share of the points discount */
    FDL_BASIS_GROSS, /* `on: gross`: line amounts as sold */
};

enum fdl_rule_per {
    FDL_PER_PURCHASE, /* `per: purchase` (default): once, if any line matches */
    FDL_PER_LINE,     /* `per: line`: for each matching line */
    FDL_PER_UNIT,     /* `per: unit`: for each unit of each matching line */
};

enum fdl_rule_event {
    FDL_EVENT_NONE,
    FDL_EVENT_FIRST_PURCHASE, /* the member's first purchase */
    FDL_EVENT_BIRTHDAY,       /* a purchase on the member's birthday (local date) */
    FDL_EVENT_SIGNUP,         /* enrolment: a bonus given when the member joins, not
                                 on a purchase (fdl_rules_signup) */
};

/* A set of strings, sorted (bytewise) at load so lookups are binary searches. */
struct fdl_string_set {
    const char *const *items; /* owned by the definition */
    size_t n;
};

struct fdl_expr; /* a compiled condition: engine/expr.h */

/* One compiled earn rule. Absent filters are empty sets / zero values. */
struct fdl_rule {
    char id[FDL_RULE_ID_MAX + 1];
    const char *description; /* "" when absent */
    int line;                /* where the rule starts in the program file (1-based) */
    enum fdl_rule_kind kind;
    int64_t rate_milli;       /* RATE: thousandths of a point per currency unit */
    int64_t multiplier_centi; /* MULTIPLIER: hundredths (300 = x3), > 100 */
    int64_t bonus_points;     /* BONUS: points */
    enum fdl_rule_basis basis;
    enum fdl_rule_per per;
    enum fdl_rule_event event;
    /* Lines the rule applies to: a line must be in every non-empty set
     * (skus, categories, any of labels) and in none of the exclude sets. */
    struct fdl_string_set skus, categories, labels;
    struct fdl_string_set exclude_skus, exclude_categories, exclude_labels;
    /* Purchase-level filters. */
    struct fdl_string_set stores, channels, tiers;
    struct fdl_string_set segments; /* the member must be in one of these */
    unsigned weekdays_mask;         /* bit (weekday - 1), Monday = 1; 0 = any day */
    int hours_from_min;             /* minutes after local midnight, from (inclusive) */
    int hours_until_min;            /* until (exclusive); wraps past midnight if < from */
    int has_hours;
    int64_t valid_from_day;  /* local day number (days since 1970-01-01), inclusive */
    int64_t valid_until_day; /* inclusive */
    int has_valid_from, has_valid_until;
    int64_t min_spend_minor;    /* 0: none; basket total must be >= this */
    int64_t cap_points;         /* 0: none */
    int stop;                   /* stop evaluating later rules if this one gave points */
    struct fdl_expr *when;      /* purchase-level condition, or NULL */
    struct fdl_expr *when_line; /* per-line condition, or NULL */
};

/*
 * A loaded program: its settings and its compiled earn rules, in one owner
 * (free it with fdl_program_def_free, engine/program_file.h). Immutable after
 * load; share it freely between threads.
 */
struct fdl_program_def {
    struct fdl_program program;
    struct fdl_rule *rules;
    size_t n_rules;
    struct fdl_program_def_memory *memory; /* private to program_file.c */
    struct fdl_tier_def tiers; /* the levels (engine/tiers.h); enabled 0 if none */
    /* -- early access -- */
    const struct fdl_launch_list *launches; /* engine/rewards.h; NULL: none */
    /* -- coupons -- */
    struct fdl_coupon_campaign *coupons; /* engine/coupons.h; n_coupons of them */
    size_t n_coupons;
    /* -- punch cards -- */
    struct fdl_stamp_card_def *stamp_cards; /* engine/stamps.h; n_stamp_cards of them */
    size_t n_stamp_cards;
    /* Each tier level's member-facing benefits (tiers.levels[i].benefits). */
    struct fdl_tier_benefits {
        const char *const *items; /* n strings, as written */
        size_t n;
    } tier_benefits[FDL_MAX_TIER_LEVELS];
    /* -- rewards -- */
    const struct fdl_reward_catalog *rewards; /* engine/rewards.h; NULL: none */
    /* -- stored value and membership -- */
#define FDL_MEMBERSHIP_NAME_MAX 40 /* bytes of a paid membership's name */
    struct fdl_membership_def {
        int enabled; /* the file has a membership: section */
        char name[FDL_MEMBERSHIP_NAME_MAX + 1];
        int64_t fee_minor;   /* per membership year */
        int64_t cashback_bp; /* hundredths of a percent: 2 % is 200 */
        int64_t cap_minor;   /* cashback per membership year at most */
        int advisor;         /* tell non-members when it would have paid */
    } membership;            /* engine/stored_value.h */
    /* -- referrals -- */
    struct fdl_referral_def referrals; /* engine/referrals.h; enabled 0 if none */
    /* -- coalitions -- */
#define FDL_MAX_PARTNERS     32 /* partner merchants in one program */
#define FDL_PARTNER_NAME_MAX 80 /* bytes of a partner's name */
#define FDL_PARTNER_MAX_RATE 10 /* a settlement rate is below 10 units per point */
    struct fdl_partner_def {
        char id[FDL_PARTNER_ID_MAX + 1];
        const char *name;
        struct fdl_string_set stores; /* where it sells; a store has one partner */
        int64_t settlement_rate;      /* FDL_RATE_SCALE-ths of a unit per point */
    } * partners;                     /* n_partners of them; NULL: not a coalition */
    size_t n_partners;
};

/*
 * The partner that sells at store_code in def, or NULL if the store belongs
 * to no partner (or the program has none). Pure; the result lives as long
 * as def.
 */
const struct fdl_partner_def *fdl_partner_of_store(const struct fdl_program_def *def,
                                                   const char *store_code);

/*
 * The condition variables, in slot order: the value of variable
 * FDL_VAR_<NAME> is slot FDL_VAR_<NAME>. Purchase-level variables may be
 * used in `when:` and `when_line:`, line variables only in `when_line:`.
 *   name                 variable              type   */
#define FDL_RULES_VARIABLES(X)                                                           \
    X(BASKET_TOTAL, "basket.total", MONEY)                                               \
    X(BASKET_QUANTITY, "basket.quantity", INT)                                           \
    X(BASKET_LINES, "basket.lines", INT)                                                 \
    X(MEMBER_TIER, "member.tier", STRING)                                                \
    X(MEMBER_SEGMENTS, "member.segments", LIST)                                          \
    X(MEMBER_VISITS, "member.visits", INT)                                               \
    X(MEMBER_SPEND, "member.spend", MONEY)                                               \
    X(MEMBER_DAYS_SINCE_ENROL, "member.days_since_enrol", INT)                           \
    X(NOW_WEEKDAY, "now.weekday", WEEKDAY)                                               \
    X(NOW_HOUR, "now.hour", INT)                                                         \
    X(NOW_MONTH, "now.month", INT)                                                       \
    X(NOW_DAY, "now.day", INT)                                                           \
    X(STORE, "store", STRING)                                                            \
    X(CHANNEL, "channel", STRING)                                                        \
    X(LINE_SKU, "line.sku", STRING)                                                      \
    X(LINE_CATEGORY, "line.category", STRING)                                            \
    X(LINE_LABELS, "line.labels", LIST)                                                  \
    X(LINE_QUANTITY, "line.quantity", INT)                                               \
    X(LINE_AMOUNT, "line.amount", MONEY)

enum fdl_rules_var {
#define FDL_RULES_VAR_ENUM(name, text, type) FDL_VAR_##name,
    FDL_RULES_VARIABLES(FDL_RULES_VAR_ENUM)
#undef FDL_RULES_VAR_ENUM
        FDL_VAR_COUNT_
};

/* The first line variable: slots before it are purchase-level. */
#define FDL_VAR_FIRST_LINE_ FDL_VAR_LINE_SKU

struct fdl_expr_var;

/*
 * The variables as the condition compiler wants them (engine/expr.h), slot
 * i being variable i: the first *n_purchase are the purchase-level ones,
 * all *n_all may be used in `when_line:`.
 */
const struct fdl_expr_var *fdl_rules_variables(size_t *n_purchase, size_t *n_all);

/* One basket line, as the caller has it. Strings may be NULL (= ""). */
struct fdl_rules_line {
    const char *sku;
    const char *category;
    const char *const *labels;
    size_t n_labels;          /* <= FDL_MAX_LINE_LABELS */
    int64_t quantity;         /* >= 0 */
    int64_t unit_price_minor; /* >= 0 */
    int64_t amount_minor;     /* what the line costs, >= 0 */
};

/* Who is buying. Strings may be NULL (= "" / none). */
struct fdl_rules_member {
    const char *tier;
    const char *const *segments;
    size_t n_segments;   /* <= FDL_MAX_MEMBER_SEGMENTS */
    int64_t visits;      /* purchases before this one */
    int64_t spend_minor; /* spend within the tier window, as the caller counts it */
    int64_t days_since_enrol;
    int first_purchase; /* 1 if this is the member's first purchase */
    int birthday_today; /* 1 if today (local date) is the member's birthday */
};

/* The purchase time on the program's local clock (the caller converts). */
struct fdl_local_time {
    int year;    /* e.g. 2026 */
    int month;   /* 1..12 */
    int day;     /* 1..31 */
    int weekday; /* 1 = Monday .. 7 = Sunday (ISO 8601) */
    int hour;    /* 0..23 */
    int minute;  /* 0..59 */
};

struct fdl_rules_input {
    const struct fdl_rules_line *lines;
    size_t n_lines;                /* 1..FDL_MAX_BASKET_LINES */
    int64_t total_minor;           /* basket total (basket.total, min_spend) */
    int64_t points_discount_minor; /* discount bought with points; 0..sum of amounts */
    struct fdl_rules_member member;
    struct fdl_local_time now;
    const char *store;   /* store code, or NULL */
    const char *channel; /* "till", "app", "web", ... or NULL */
};

/* Points one rule gave one line (line = -1: a purchase-level bonus). */
struct fdl_rules_award {
    uint32_t rule; /* index into def->rules */
    int32_t line;  /* index into the input's lines, or -1 */
    int64_t points;
};

/*
 * The result. The caller points line_points at n_lines int64_t and awards at
 * awards_cap entries before calling; fdl_rules_max_awards() says how many
 * entries a basket can need.
 */
struct fdl_rules_result {
    int64_t total_points;
    int64_t *line_points; /* [n_lines]: sums exactly to total_points */
    struct fdl_rules_award *awards;
    size_t awards_cap;
    size_t n_awards;
};

/*
 * The most award entries def can produce for a basket of n_lines lines:
 * one per rule for purchase-level bonuses, n_lines for every other rule.
 */
size_t fdl_rules_max_awards(const struct fdl_program_def *def, size_t n_lines);

/*
 * Applies def's earn rules to the purchase `in`, filling out (see above).
 * Awards come in rule order, then line order; lines a rule gave 0 points get
 * no entry. Pure and allocation-free; safe to call concurrently on one def.
 *
 * Fails with FDL_EINVALID (field names the input member) when the input is
 * out of its documented ranges, FDL_ERANGE when awards_cap is below
 * fdl_rules_max_awards() or the points exceed FDL_MAX_POINTS. On failure
 * out's counters are untouched (its arrays' contents are unspecified).
 */
int fdl_rules_evaluate(const struct fdl_program_def *def,
                       const struct fdl_rules_input *in, struct fdl_rules_result *out,
                       struct fdl_error *err);

/*
 * The sign-up bonuses of def for a member who joins on local day `day`:
 * every `event: signup` rule (a per-purchase bonus, perhaps with a date
 * window; nothing else applies at enrolment) in force that day, in file
 * order, up to max. Fills out[i] with the rule's index and points (rule
 * caps apply; a rule with stop ends the list) and returns how many. Pure.
 */
size_t fdl_rules_signup(const struct fdl_program_def *def, int64_t day,
                        struct fdl_rules_award *out, size_t max);

/* Names of the enums, as written in the program file. */
const char *fdl_rule_kind_name(enum fdl_rule_kind kind);
const char *fdl_rule_per_name(enum fdl_rule_per per);
const char *fdl_rule_event_name(enum fdl_rule_event event);

#endif
