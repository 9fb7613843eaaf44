/*
 * program_file.h - the program file: a loyalty program written in YAML.
 *
 * A program file has the sections `program` (required), `points`, `tiers`,
 * `earn`, `stamps`, `coupons`, `launches`, `rewards`, `membership` and
 * `referrals`;
 * examples/ has complete, commented programs. Comments (#) are welcome;
 * every key below is typed, unknown keys are errors, and so are anchors,
 * aliases, tags and more than one document. Types:
 *   string   1 to the given number of bytes, no control characters
 *   int      a plain whole number: 12 (not "12", 12.0 or 012)
 *   decimal  a plain non-negative number with at most the decimals given: 0.5
 *   money    a decimal in currency units, with at most the currency's
 *            decimals (minor_per_unit): 10.00 or 10 in EUR, 1000 in JPY
 *   points   an int number of points
 *   list     a YAML list ([a, b] or one "- a" per line) of 1 to
 *            FDL_MAX_RULE_LIST_ITEMS distinct strings of at most
 *            FDL_RULE_ITEM_MAX bytes
 *   bool     true or false (not yes / no)
 *
 * program: (required)
 *   name            string, 100     required
 *   currency        ISO 4217 code   required; "EUR", "JPY", "KWD", ...
 *   minor_per_unit  int             1, 10, 100 or 1000; default from the
 *                                   currency (100 for EUR, 1 for JPY)
 *   time_zone       IANA name       required; decides local dates, weekdays
 *                                   and hours (the caller converts)
 *   rounding        down | half-up | up        default down
 *   language        en | es | ca | ru          default en
 * points:
 *   expiry_months   int 0..120      default 12; 0 = never
 *   pending_days    int 0..365      default 0
 *   value           money > 0       what one point buys when redeemed
 *                                   (point_value_minor); default one minor unit
 * tiers: levels members reach (engine/tiers.h)
 *   basis           spend | points | visits    required: money paid net of
 *                                   refunds, points earned, or purchases
 *   window          calendar-year | rolling    default calendar-year
 *   months          int 1..FDL_MAX_TIER_WINDOW_MONTHS  required with rolling
 *                                   (its length), refused otherwise
 *   downgrade       one-level | to-qualified   default one-level
 *   grace_months    int 0..FDL_MAX_TIER_GRACE_MONTHS   default 0: months
 *                                   after a window before a downgrade
 *   levels          required: a list of 1 to FDL_MAX_TIER_LEVELS
 *                                   mappings {name, min, benefits}, ascending
 *     name          string, 64      required, unique: a-z 0-9 - _
 *     min           money for spend, int for points and visits;
 *                                   0..FDL_MAX_TIER_MIN (minor units for
 *                                   spend); 0 for the first level, then
 *                                   strictly ascending
 *     benefits      list of 1 to FDL_MAX_TIER_BENEFITS distinct strings of
 *                                   at most FDL_TIER_BENEFIT_MAX bytes:
 *                                   what members read about the level
 *   With a tiers section, the names in earn rules' `tiers` lists must be
 *   its levels.
 * stamps: a list of at most FDL_MAX_STAMP_CARDS punch cards (engine/stamps.h)
 *   id              string, 64      required, unique: letters, digits - _ .
 *   name            string, 64      required: the member-facing name
 *   goal            int 2..FDL_MAX_STAMP_GOAL  required: stamps that fill a card
 *   per             item | visit    default item: a stamp per qualifying
 *                                   unit, or one per qualifying purchase
 *   skus, categories, labels        list: which lines qualify (as earn
 *                                   rules; none given = every line)
 *   min_spend       money           purchase total needed for a stamp
 *   max_per_purchase int 1..FDL_MAX_STAMPS_PER_PURCHASE  (that if absent)
 *   expiry_days     int 1..FDL_MAX_STAMP_EXPIRY_DAYS  stamps on an unfinished
 *                                   card lapse this long after its first
 *   reward          required mapping, exactly one of:
 *     free_item     list of at most FDL_MAX_STAMP_FREE_ITEMS skus: a voucher
 *                                   for one free unit of one of them
 *     valid_days    int 1..FDL_MAX_STAMP_VALID_DAYS  free_item only; default 90
 *     points        int 1..FDL_MAX_STAMP_REWARD_POINTS  bonus points at once
 * earn: a list of at most FDL_MAX_RULES rules, applied in order
 *   id              string, 64      required, unique: letters, digits - _ .
 *   description     string, 200     why the member got the points
 *   exactly one of:
 *   rate            decimal, 3      points per currency unit of the lines
 *                                   (0 < rate <= 1000)
 *   multiplier      decimal, 2      1 < m <= 100: the lines' points from
 *                                   rate rules before it, x m (adds m - 1)
 *   bonus           points          fixed points (1..FDL_MAX_POINTS)
 *   on              net | gross     rate rules: amounts after the points
 *                                   discount (default) or before
 *   per             purchase | line | unit     bonus rules; default purchase
 *   which lines (each given list must match; none given = every line):
 *   skus, categories, labels        list   (labels: any of the line's)
 *   exclude         mapping of skus / categories / labels lists
 *   when_line       condition over purchase and line.* variables
 *   which purchases (all given must hold):
 *   event           first_purchase | birthday
 *   weekdays        list of mon tue wed thu fri sat sun (local)
 *   hours           "HH:MM-HH:MM"   local, from inclusive, until exclusive
 *                                   (24:00 allowed; wraps past midnight)
 *   valid_from      YYYY-MM-DD      local date, inclusive
 *   valid_until     YYYY-MM-DD      local date, inclusive
 *   stores, channels, tiers         list
 *   min_spend       money           basket total at least this
 *   when            condition over purchase variables (engine/rules.h)
 *   and then:
 *   cap             points >= 1     most points the rule gives one purchase
 *   stop            bool            if the rule gave points, stop there
 * membership: a paid membership year with cashback (engine/stored_value.h)
 *   name            string, 40      default "Membership"
 *   fee             money           required; per year, at most
 *                                   FDL_MEMBERSHIP_MAX_FEE_MINOR
 *   cashback_percent decimal, 2     required; 0 < p <= 100
 *   cashback_cap    money > 0       required; per year, at most
 *                                   FDL_MEMBERSHIP_MAX_CAP_MINOR
 *   advisor         bool            default false: tell non-members at the
 *                                   till when it would have paid for itself
 * launches: a list of at most FDL_MAX_LAUNCHES (engine/rewards.h)
 *   id              string, 64      required, unique: letters, digits - _ .
 *   name            string, 200     default the id
 *   skus, categories list           at least one: the launch's products
 *   opens_at        YYYY-MM-DDTHH:MM   required; local time: on sale to all
 *   early           mapping level -> int 1..FDL_MAX_EARLY_DAYS: days
 *                                   earlier for that tier level (needs tiers)
 * rewards: a list of rewards, or a mapping {hold_minutes, items: list}
 *   hold_minutes    int 1..FDL_MAX_HOLD_MINUTES   default 15
 *   items           at most FDL_MAX_REWARDS rewards:
 *   id              string, 64      required, unique: letters, digits - _ .
 *   name            string, 200     required
 *   kind            discount | product | merchandise | early_access  required
 *   cost            points 1..FDL_MAX_REWARD_COST per unit   required
 *   sku             string, 64      product: required; others: refused
 *   value           money > 0       discount: required (off per unit)
 *   launch          a launch's id   early_access: required
 *   stock           int 1..FDL_MAX_REWARD_STOCK    total units
 *   per_member      int 1..FDL_MAX_REWARD_PER_MEMBER   units per member ...
 *   per_member_period lifetime | year | month   ... per period (local)
 *   tiers           list of levels  (needs tiers)
 *   valid_from, valid_until  YYYY-MM-DD  local dates, inclusive
 * coupons: a list of at most FDL_MAX_COUPON_CAMPAIGNS campaigns (engine/coupons.h)
 *   id              string, 64      required, unique: letters, digits - _ .
 *   name            string, 100
 *   exactly one of:
 *   code            string          a generic code: 4 to 32 letters and
 *                                   digits once normalised (case, spaces,
 *                                   '-' ignored; O I L read 0 1 1), unique,
 *                                   not 16 characters long
 *   single_use      bool            true: codes made by the API instead
 *   effect          required mapping with exactly one of:
 *     percent       int 1..100      of the matching lines, rounded down
 *     amount        money > 0       off the matching lines (at most them)
 *     free_item     list of skus    one unit of the cheapest such line
 *   valid_from      YYYY-MM-DD      local date, inclusive
 *   valid_until     YYYY-MM-DD      local date, inclusive
 *   min_basket      money           basket total at least this
 *   per_member      int 1..10^8     uses per member
 *   limit           int 1..10^8     uses in all
 *   stacking        exclusive | stackable      default exclusive (alone)
 *   skus, categories, labels        list   which lines (as earn rules)
 *   tiers           list            levels of the tiers section
 * referrals: member-get-member (engine/referrals.h, docs/program.md)
 *   referrer_points points 0..FDL_REFERRAL_MAX_POINTS   required: to the
 *                                   member who referred
 *   referee_points  points 0..FDL_REFERRAL_MAX_POINTS   required: to the new
 *                                   member (not both 0)
 *   min_spend       money           default 0: the new member's first
 *                                   purchase paying at least this qualifies
 *   return_days     int 0..FDL_REFERRAL_MAX_RETURN_DAYS default 30: the
 *                                   bonuses come after this many days
 *   max_per_referrer int 1..FDL_REFERRAL_MAX_PER_YEAR   default 10: rewarded
 *                                   or open referrals per referrer and
 *                                   local calendar year
 *   max_pending     int 1..FDL_REFERRAL_MAX_PENDING     default 5: referrals
 *                                   awaiting their purchase per referrer
 *   lapse_days      int 0..FDL_REFERRAL_MAX_LAPSE_DAYS  default 0 (never): a
 *                                   referral with no kept qualifying purchase
 *                                   this many days after enrolment is void
 * Conditions are the expression language of engine/expr.h, at most
 * FDL_EXPR_MAX_LEN bytes, type-checked at load against the variables of
 * engine/rules.h ("basket.total >= 10 and now.weekday in (sat, sun)").
 *
 * Loading parses the YAML with libyaml's event parser into a small tree
 * (refusing anchors, aliases, tags, several documents, nesting beyond
 * FDL_PROGRAM_FILE_MAX_DEPTH and more than FDL_PROGRAM_FILE_MAX_NODES
 * nodes, so hostile files cost linear time and bounded memory), then checks
 * it against the schema and compiles it into one struct fdl_program_def
 * (engine/rules.h), which owns everything it points to. Loading is pure
 * apart from fdl_program_file_load_path() reading its file; the time
 * zone's name is checked but the zone itself is not loaded here.
 *
 * Every error names where it is: err->field is the key path
 * ("earn[2].multiplier", "program.currency") and err->message starts with
 * "line L, column C: " (1-based, as an editor counts; columns count
 * characters), which fdl_program_file_error_position() reads back.
 */
#ifndef FDL_PROGRAM_FILE_H
#define FDL_PROGRAM_FILE_H

#include "base/error.h"
#include "engine/rules.h"

#include <stddef.h>

#define FDL_PROGRAM_FILE_MAX_BYTES  (256 * 1024) /* larger files: FDL_ETOO_LARGE */
#define FDL_PROGRAM_FILE_MAX_DEPTH  8     /* nested mappings and lists: FDL_ETOO_DEEP */
#define FDL_PROGRAM_FILE_MAX_NODES  20000 /* scalars, lists and mappings in one file */
#define FDL_PROGRAM_FILE_MAX_MEMORY (16 * 1024 * 1024) /* bytes one load may allocate */

/*
 * Parses and compiles the program file text[0..len) (UTF-8, or UTF-16 with
 * a byte order mark). On success *out owns a new definition (free it with
 * fdl_program_def_free). On failure *out is untouched and err says what
 * and where:
 *   FDL_ETOO_LARGE      len > FDL_PROGRAM_FILE_MAX_BYTES
 *   FDL_ETOO_DEEP       nesting deeper than FDL_PROGRAM_FILE_MAX_DEPTH
 *   FDL_EUNKNOWN_FIELD  a key the schema does not have (also a misspelt one)
 *   FDL_EMISSING_FIELD  a required key is absent or has no value
 *   FDL_EFIELD_TYPE     a value of the wrong kind ("rate: [1]", "stop: yes")
 *   FDL_ERANGE          a number out of its range, a list too long
 *   FDL_EINVALID        everything else: YAML syntax, anchors and aliases,
 *                       an empty file, a root that is not a mapping, a bad
 *                       currency, too many decimals, a duplicate rule id, a
 *                       rule with two of rate / multiplier / bonus, a
 *                       condition that does not compile, tier levels out
 *                       of order or named twice, a rule's tier that is
 *                       not a level
 *   FDL_ENOMEM          allocation failed
 */
int fdl_program_file_load(const char *text, size_t len, struct fdl_program_def **out,
                          struct fdl_error *err);

/*
 * Reads the file at path (at most FDL_PROGRAM_FILE_MAX_BYTES) and loads it
 * as above. A file that cannot be opened or read is FDL_ENOT_FOUND.
 */
int fdl_program_file_load_path(const char *path, struct fdl_program_def **out,
                               struct fdl_error *err);

/* Frees def and everything it owns; NULL is fine. */
void fdl_program_def_free(struct fdl_program_def *def);

/*
 * Reads the "line L, column C: " prefix of a load error's message into
 * *line and *column. Returns 0, or -1 if the message has no position (then
 * the outputs are untouched).
 */
int fdl_program_file_error_position(const struct fdl_error *err, int *line, int *column);

#endif
