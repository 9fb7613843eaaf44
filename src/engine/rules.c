/*
 * rules.c - applying earn rules to one purchase (see rules.h for the
 * semantics).
 *
 * Everything runs on the caller's output arrays and fixed scratch arrays on
 * the stack, sized by FDL_MAX_BASKET_LINES: no allocation per purchase.
 * Points are computed in 128-bit integers where a product could exceed 64
 * bits, and any rule or total beyond FDL_MAX_POINTS is refused rather than
 * wrapped.
 */
#include "engine/rules.h"

#include "base/clock.h"
#include "base/limits.h"
#include "engine/earn.h"
#include "engine/expr.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINE_AMOUNT_MINOR (FDL_MAX_LINE_QUANTITY * FDL_MAX_UNIT_PRICE_MINOR)

const char *fdl_rule_kind_name(enum fdl_rule_kind kind)
{
    switch (kind) {
    case FDL_RULE_RATE:
        return "rate";
    case FDL_RULE_MULTIPLIER:
        return "multiplier";
    case FDL_RULE_BONUS:
        return "bonus";
    }
    return "rate";
}

const char *fdl_rule_per_name(enum fdl_rule_per per)
{
    switch (per) {
    case FDL_PER_PURCHASE:
        return "purchase";
    case FDL_PER_LINE:
        return "line";
    case FDL_PER_UNIT:
        return "unit";
    }
    return "purchase";
}

const char *fdl_rule_event_name(enum fdl_rule_event event)
{
    switch (event) {
    case FDL_EVENT_NONE:
        return "none";
    case FDL_EVENT_FIRST_PURCHASE:
        return "first_purchase";
    case FDL_EVENT_BIRTHDAY:
        return "birthday";
    case FDL_EVENT_SIGNUP:
        return "signup";
    }
    return "none";
}

static const struct fdl_expr_var variables[] = {
#define FDL_RULES_VAR_DECL(name, text, type) {text, FDL_EXPR_##type, FDL_VAR_##name},
    FDL_RULES_VARIABLES(FDL_RULES_VAR_DECL)
#undef FDL_RULES_VAR_DECL
};

const struct fdl_expr_var *fdl_rules_variables(size_t *n_purchase, size_t *n_all)
{
    *n_purchase = FDL_VAR_FIRST_LINE_;
    *n_all = FDL_VAR_COUNT_;
    return variables;
}

size_t fdl_rules_max_awards(const struct fdl_program_def *def, size_t n_lines)
{
    size_t n = 0;
    for (size_t i = 0; i < def->n_rules; i++) {
        const struct fdl_rule *r = &def->rules[i];
        n += r->kind == FDL_RULE_BONUS && r->per == FDL_PER_PURCHASE ? 1 : n_lines;
    }
    return n;
}

/* num / den (den > 0, num >= 0) rounded by mode. */
static int64_t round_div(__int128 num, __int128 den, enum fdl_rounding mode)
{
    assert(den > 0 && num >= 0);
    switch (mode) {
    case FDL_ROUND_HALF_UP:
        return (int64_t)((num * 2 + den) / (den * 2));
    case FDL_ROUND_UP:
        return (int64_t)((num + den - 1) / den);
    case FDL_ROUND_DOWN:
        break;
    }
    return (int64_t)(num / den);
}

static int compare_key(const void *key, const void *item)
{
    return strcmp((const char *)key, *(const char *const *)item);
}

static int set_has(const struct fdl_string_set *set, const char *s)
{
    return s && set->n &&
           bsearch(s, set->items, set->n, sizeof(*set->items), compare_key) != NULL;
}

/* Scratch for one evaluation: per-line arrays, on the caller's stack. */
struct scratch {
    int64_t basis[2][FDL_MAX_BASKET_LINES];    /* [FDL_BASIS_NET], [FDL_BASIS_GROSS] */
    int64_t rate_points[FDL_MAX_BASKET_LINES]; /* what rate rules gave each line so far */
    int64_t line_total[FDL_MAX_BASKET_LINES];
    int64_t points[FDL_MAX_BASKET_LINES];  /* this rule's points per line */
    int64_t weights[FDL_MAX_BASKET_LINES]; /* compacted, for fdl_allocate */
    int64_t shares[FDL_MAX_BASKET_LINES];
    unsigned char match[FDL_MAX_BASKET_LINES];
    struct fdl_expr_value slots[FDL_VAR_COUNT_];
    int64_t today_day;
    int minute_of_day;
};

/* ---- input checks ---- */

static int check_line(const struct fdl_rules_line *l, size_t i, struct fdl_error *err)
{
    char field[FDL_ERROR_FIELD_MAX];
    if (l->quantity < 0 || l->quantity > FDL_MAX_LINE_QUANTITY) {
        snprintf(field, sizeof(field), "lines[%zu].quantity", i);
        return fdl_error_set(err, FDL_EINVALID, field, "quantity out of range");
    }
    if (l->unit_price_minor < 0 || l->unit_price_minor > FDL_MAX_UNIT_PRICE_MINOR) {
        snprintf(field, sizeof(field), "lines[%zu].unit_price", i);
        return fdl_error_set(err, FDL_EINVALID, field, "unit price out of range");
    }
    if (l->amount_minor < 0 || l->amount_minor > MAX_LINE_AMOUNT_MINOR) {
        snprintf(field, sizeof(field), "lines[%zu].amount", i);
        return fdl_error_set(err, FDL_EINVALID, field, "amount out of range");
    }
    int bad_labels = l->n_labels > FDL_MAX_LINE_LABELS || (l->n_labels && !l->labels);
    for (size_t k = 0; !bad_labels && k < l->n_labels; k++)
        bad_labels = l->labels[k] == NULL;
    if (bad_labels) {
        snprintf(field, sizeof(field), "lines[%zu].labels", i);
        return fdl_error_set(err, FDL_EINVALID, field, "at most %d labels, none NULL",
                             FDL_MAX_LINE_LABELS);
    }
    return 0;
}

static int check_input(const struct fdl_rules_input *in, int64_t *amount_sum,
                       struct fdl_error *err)
{
    if (in->n_lines < 1 || in->n_lines > FDL_MAX_BASKET_LINES || !in->lines)
        return fdl_error_set(err, FDL_EINVALID, "lines", "a purchase has 1 to %d lines",
                             FDL_MAX_BASKET_LINES);
    int64_t sum = 0;
    for (size_t i = 0; i < in->n_lines; i++) {
        int rc = check_line(&in->lines[i], i, err);
        if (rc)
            return rc;
        sum += in->lines[i].amount_minor;
    }
    if (in->total_minor < 0 ||
        in->total_minor > MAX_LINE_AMOUNT_MINOR * FDL_MAX_BASKET_LINES)
        return fdl_error_set(err, FDL_EINVALID, "total", "total out of range");
    if (in->points_discount_minor < 0 || in->points_discount_minor > sum)
        return fdl_error_set(
            err, FDL_EINVALID, "points_discount",
            "the points discount must be between 0 and the lines' amounts");
    const struct fdl_rules_member *m = &in->member;
    int bad_segments =
        m->n_segments > FDL_MAX_MEMBER_SEGMENTS || (m->n_segments && !m->segments);
    for (size_t k = 0; !bad_segments && k < m->n_segments; k++)
        bad_segments = m->segments[k] == NULL;
    if (bad_segments)
        return fdl_error_set(err, FDL_EINVALID, "member.segments", "at most %d segments",
                             FDL_MAX_MEMBER_SEGMENTS);
    const struct fdl_local_time *t = &in->now;
    if (t->month < 1 || t->month > 12 || t->day < 1 || t->day > 31 || t->weekday < 1 ||
        t->weekday > 7 || t->hour < 0 || t->hour > 23 || t->minute < 0 ||
        t->minute > 59 || t->year < 1 || t->year > 9999)
        return fdl_error_set(err, FDL_EINVALID, "now", "local time parts out of range");
    *amount_sum = sum;
    return 0;
}

/* ---- conditions ---- */

static void set_line_slots(struct fdl_expr_value *slots, const struct fdl_rules_line *l)
{
    slots[FDL_VAR_LINE_SKU] = fdl_expr_cstring(l->sku);
    slots[FDL_VAR_LINE_CATEGORY] = fdl_expr_cstring(l->category);
    slots[FDL_VAR_LINE_LABELS] = fdl_expr_list(l->labels, l->n_labels);
    slots[FDL_VAR_LINE_QUANTITY] = fdl_expr_int(l->quantity);
    slots[FDL_VAR_LINE_AMOUNT] = fdl_expr_money(l->amount_minor);
}

static void set_purchase_slots(struct fdl_expr_value *slots,
                               const struct fdl_rules_input *in)
{
    int64_t quantity = 0;
    for (size_t i = 0; i < in->n_lines; i++)
        quantity += in->lines[i].quantity;
    const struct fdl_rules_member *m = &in->member;
    slots[FDL_VAR_BASKET_TOTAL] = fdl_expr_money(in->total_minor);
    slots[FDL_VAR_BASKET_QUANTITY] = fdl_expr_int(quantity);
    slots[FDL_VAR_BASKET_LINES] = fdl_expr_int((int64_t)in->n_lines);
    slots[FDL_VAR_MEMBER_TIER] = fdl_expr_cstring(m->tier);
    slots[FDL_VAR_MEMBER_SEGMENTS] = fdl_expr_list(m->segments, m->n_segments);
    slots[FDL_VAR_MEMBER_VISITS] = fdl_expr_int(m->visits);
    slots[FDL_VAR_MEMBER_SPEND] = fdl_expr_money(m->spend_minor);
    slots[FDL_VAR_MEMBER_DAYS_SINCE_ENROL] = fdl_expr_int(m->days_since_enrol);
    slots[FDL_VAR_NOW_WEEKDAY] = fdl_expr_weekday(in->now.weekday);
    slots[FDL_VAR_NOW_HOUR] = fdl_expr_int(in->now.hour);
    slots[FDL_VAR_NOW_MONTH] = fdl_expr_int(in->now.month);
    slots[FDL_VAR_NOW_DAY] = fdl_expr_int(in->now.day);
    slots[FDL_VAR_STORE] = fdl_expr_cstring(in->store);
    slots[FDL_VAR_CHANNEL] = fdl_expr_cstring(in->channel);
    set_line_slots(slots, &in->lines[0]);
}

/* Whether the member is in one of set's segments. */
static int segments_hit(const struct fdl_string_set *set,
                        const struct fdl_rules_member *m)
{
    for (size_t i = 0; i < m->n_segments; i++)
        if (set_has(set, m->segments[i]))
            return 1;
    return 0;
}

static int purchase_applies(const struct fdl_rule *r, const struct fdl_rules_input *in,
                            const struct scratch *s)
{
    if (r->event == FDL_EVENT_FIRST_PURCHASE && !in->member.first_purchase)
        return 0;
    if (r->event == FDL_EVENT_BIRTHDAY && !in->member.birthday_today)
        return 0;
    if (r->event == FDL_EVENT_SIGNUP) /* given at enrolment, never on a purchase */
        return 0;
    if (r->has_valid_from && s->today_day < r->valid_from_day)
        return 0;
    if (r->has_valid_until && s->today_day > r->valid_until_day)
        return 0;
    if (r->weekdays_mask && !(r->weekdays_mask & (1u << (in->now.weekday - 1))))
        return 0;
    if (r->has_hours) {
        int m = s->minute_of_day;
        int inside = r->hours_from_min < r->hours_until_min
                         ? m >= r->hours_from_min && m < r->hours_until_min
                         : m >= r->hours_from_min || m < r->hours_until_min;
        if (!inside)
            return 0;
    }
    if (r->stores.n && !set_has(&r->stores, in->store))
        return 0;
    if (r->channels.n && !set_has(&r->channels, in->channel))
        return 0;
    if (r->tiers.n && !set_has(&r->tiers, in->member.tier))
        return 0;
    if (r->segments.n && !segments_hit(&r->segments, &in->member))
        return 0;
    if (in->total_minor < r->min_spend_minor)
        return 0;
    if (r->when && !fdl_expr_eval_bool(r->when, s->slots))
        return 0;
    return 1;
}

static int labels_hit(const struct fdl_string_set *set, const struct fdl_rules_line *l)
{
    for (size_t i = 0; i < l->n_labels; i++)
        if (set_has(set, l->labels[i]))
            return 1;
    return 0;
}

static int line_applies(const struct fdl_rule *r, const struct fdl_rules_line *l,
                        struct scratch *s)
{
    if (r->skus.n && !set_has(&r->skus, l->sku))
        return 0;
    if (r->categories.n && !set_has(&r->categories, l->category))
        return 0;
    if (r->labels.n && !labels_hit(&r->labels, l))
        return 0;
    if (set_has(&r->exclude_skus, l->sku) ||
        set_has(&r->exclude_categories, l->category) || labels_hit(&r->exclude_labels, l))
        return 0;
    if (r->when_line) {
        set_line_slots(s->slots, l);
        if (!fdl_expr_eval_bool(r->when_line, s->slots))
            return 0;
    }
    return 1;
}

/* Marks the lines rule r applies to in s->match; returns how many. */
static size_t match_lines(const struct fdl_rule *r, const struct fdl_rules_input *in,
                          struct scratch *s)
{
    size_t n = 0;
    for (size_t i = 0; i < in->n_lines; i++) {
        s->match[i] = (unsigned char)line_applies(r, &in->lines[i], s);
        n += s->match[i];
    }
    return n;
}

/* ---- points ---- */

/*
 * Splits total over the matched lines in proportion to weight[] (largest
 * remainder; all to the first matched line if every weight is 0), writing
 * s->points[] (0 on other lines).
 */
static void allocate_matched(int64_t total, const int64_t *weight, size_t n_lines,
                             struct scratch *s)
{
    size_t k = 0;
    for (size_t i = 0; i < n_lines; i++)
        if (s->match[i])
            s->weights[k++] = weight[i];
    assert(k > 0);
    fdl_allocate(total, s->weights, k, s->shares);
    k = 0;
    for (size_t i = 0; i < n_lines; i++)
        s->points[i] = s->match[i] ? s->shares[k++] : 0;
}

static int64_t sum_matched(const int64_t *v, size_t n_lines, const struct scratch *s)
{
    int64_t sum = 0;
    for (size_t i = 0; i < n_lines; i++)
        if (s->match[i])
            sum += v[i];
    return sum;
}

/*
 * This rule's points per line into s->points[]; returns their sum, or -1
 * if it would exceed FDL_MAX_POINTS.
 */
static int64_t rule_points(const struct fdl_program_def *def, const struct fdl_rule *r,
                           const struct fdl_rules_input *in, struct scratch *s)
{
    const struct fdl_program *p = &def->program;
    size_t n = in->n_lines;
    int64_t total = 0;
    switch (r->kind) {
    case FDL_RULE_RATE: {
        const int64_t *basis = s->basis[r->basis];
        __int128 num = (__int128)sum_matched(basis, n, s) * r->rate_milli;
        __int128 points = num / ((__int128)p->minor_per_unit * 1000);
        if (points > FDL_MAX_POINTS)
            return -1;
        total = round_div(num, (__int128)p->minor_per_unit * 1000, p->rounding);
        allocate_matched(total, basis, n, s);
        break;
    }
    case FDL_RULE_MULTIPLIER: {
        int64_t base = sum_matched(s->rate_points, n, s);
        total = round_div((__int128)base * (r->multiplier_centi - 100), 100, p->rounding);
        allocate_matched(total, s->rate_points, n, s);
        break;
    }
    case FDL_RULE_BONUS:
        if (r->per == FDL_PER_PURCHASE) {
            total = r->bonus_points;
            allocate_matched(total, s->basis[FDL_BASIS_GROSS], n, s);
            break;
        }
        for (size_t i = 0; i < n; i++) {
            int64_t units = r->per == FDL_PER_UNIT ? in->lines[i].quantity : 1;
            s->points[i] = s->match[i] ? r->bonus_points * units : 0;
            total += s->points[i];
            if (total > FDL_MAX_POINTS)
                return -1;
        }
        break;
    }
    if (total > FDL_MAX_POINTS)
        return -1;
    if (r->cap_points && total > r->cap_points) {
        /* Scale down: the cap shared by what each line would have had. */
        for (size_t i = 0; i < n; i++)
            s->match[i] = s->points[i] > 0;
        int64_t uncapped[FDL_MAX_BASKET_LINES];
        memcpy(uncapped, s->points, n * sizeof(*s->points));
        allocate_matched(r->cap_points, uncapped, n, s);
        total = r->cap_points;
    }
    return total;
}

/* Writes rule index's awards, adds its points to the lines. */
static void record(const struct fdl_rule *r, size_t index, int64_t rule_total,
                   size_t n_lines, struct scratch *s, struct fdl_rules_result *out,
                   size_t *n_awards)
{
    if (r->kind == FDL_RULE_BONUS && r->per == FDL_PER_PURCHASE) {
        out->awards[(*n_awards)++] =
            (struct fdl_rules_award){(uint32_t)index, -1, rule_total};
    }
    for (size_t i = 0; i < n_lines; i++) {
        if (s->points[i] == 0)
            continue;
        if (!(r->kind == FDL_RULE_BONUS && r->per == FDL_PER_PURCHASE))
            out->awards[(*n_awards)++] =
                (struct fdl_rules_award){(uint32_t)index, (int32_t)i, s->points[i]};
        s->line_total[i] += s->points[i];
        if (r->kind == FDL_RULE_RATE)
            s->rate_points[i] += s->points[i];
    }
}

static void prepare(const struct fdl_rules_input *in, int64_t amount_sum,
                    struct scratch *s)
{
    size_t n = in->n_lines;
    for (size_t i = 0; i < n; i++) {
        s->basis[FDL_BASIS_GROSS][i] = in->lines[i].amount_minor;
        s->rate_points[i] = 0;
        s->line_total[i] = 0;
    }
    /* Net: each line less its share of the points discount, by amount. */
    if (in->points_discount_minor > 0 && amount_sum > 0) {
        fdl_allocate(in->points_discount_minor, s->basis[FDL_BASIS_GROSS], n, s->shares);
        for (size_t i = 0; i < n; i++)
            s->basis[FDL_BASIS_NET][i] = in->lines[i].amount_minor - s->shares[i];
    } else {
        memcpy(s->basis[FDL_BASIS_NET], s->basis[FDL_BASIS_GROSS], n * sizeof(int64_t));
    }
    s->today_day = fdl_days_from_civil(in->now.year, in->now.month, in->now.day);
    s->minute_of_day = in->now.hour * 60 + in->now.minute;
    set_purchase_slots(s->slots, in);
}

int fdl_rules_evaluate(const struct fdl_program_def *def,
                       const struct fdl_rules_input *in, struct fdl_rules_result *out,
                       struct fdl_error *err)
{
    assert(def && in && out);
    int64_t amount_sum = 0;
    int rc = check_input(in, &amount_sum, err);
    if (rc)
        return rc;
    if (!out->line_points || (!out->awards && out->awards_cap) ||
        out->awards_cap < fdl_rules_max_awards(def, in->n_lines))
        return fdl_error_set(err, FDL_ERANGE, "", "the result arrays are too small");
    struct scratch s;
    prepare(in, amount_sum, &s);
    int64_t total = 0;
    size_t n_awards = 0;
    for (size_t k = 0; k < def->n_rules; k++) {
        const struct fdl_rule *r = &def->rules[k];
        if (!purchase_applies(r, in, &s) || match_lines(r, in, &s) == 0)
            continue;
        int64_t points = rule_points(def, r, in, &s);
        if (points < 0 || total + points > FDL_MAX_POINTS)
            return fdl_error_set(err, FDL_ERANGE, "",
                                 "the purchase would earn more than %lld points",
                                 (long long)FDL_MAX_POINTS);
        if (points == 0)
            continue;
        record(r, k, points, in->n_lines, &s, out, &n_awards);
        total += points;
        if (r->stop)
            break;
    }
#ifndef NDEBUG
    int64_t by_line = 0;
    for (size_t i = 0; i < in->n_lines; i++)
        by_line += s.line_total[i];
    assert(by_line == total && n_awards <= out->awards_cap);
#endif
    memcpy(out->line_points, s.line_total, in->n_lines * sizeof(int64_t));
    out->total_points = total;
    out->n_awards = n_awards;
    return 0;
}

size_t fdl_rules_signup(const struct fdl_program_def *def, int64_t day,
                        struct fdl_rules_award *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < def->n_rules && n < max; i++) {
        const struct fdl_rule *r = &def->rules[i];
        if (r->event != FDL_EVENT_SIGNUP || r->kind != FDL_RULE_BONUS)
            continue;
        if ((r->has_valid_from && day < r->valid_from_day) ||
            (r->has_valid_until && day > r->valid_until_day))
            continue;
        int64_t points = r->bonus_points;
        if (r->cap_points && points > r->cap_points)
            points = r->cap_points;
        out[n++] = (struct fdl_rules_award){(uint32_t)i, -1, points};
        if (r->stop)
            break;
    }
    return n;
}

/* -- coalitions -- */

const struct fdl_partner_def *fdl_partner_of_store(const struct fdl_program_def *def,
                                                   const char *store_code)
{
    if (!def || !store_code || !store_code[0])
        return NULL;
    for (size_t i = 0; i < def->n_partners; i++) {
        const struct fdl_string_set *s = &def->partners[i].stores;
        for (size_t j = 0; j < s->n; j++)
            if (strcmp(s->items[j], store_code) == 0)
                return &def->partners[i];
    }
    return NULL;
}
