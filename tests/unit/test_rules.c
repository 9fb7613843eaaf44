/*
 * test_rules.c - earn rules applied to purchases: every rule kind, every
 * filter and condition, caps, stop, allocation and attribution.
 *
 * Programs are written as program files (the way owners write them) and
 * loaded with fdl_program_file_load. Expected points are worked out by hand
 * in the comments, never by calling the code under test. Every evaluation
 * also checks the two invariants: the per-line points sum to the total, and
 * so do the awards.
 */
#include "engine/program_file.h"
#include "engine/rules.h"

#include "base/clock.h"
#include "base/limits.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* ---- helpers ---- */

#define PROGRAM_HEAD                                                                     \
    "program:\n  name: Test\n  currency: EUR\n  time_zone: Europe/Madrid\n"

/* Loads PROGRAM_HEAD + extra (rounding, then "earn:" and rules); NULL on error. */
static struct fdl_program_def *load_program(const char *rounding, const char *earn)
{
    char text[8192];
    snprintf(text, sizeof(text), "%s  rounding: %s\nearn:\n%s", PROGRAM_HEAD, rounding,
             earn);
    struct fdl_program_def *def = NULL;
    struct fdl_error err;
    if (fdl_program_file_load(text, strlen(text), &def, &err) != 0) {
        fprintf(stderr, "  load failed: %s: %s\n", err.field, err.message);
        return NULL;
    }
    return def;
}

static struct fdl_program_def *load(const char *earn)
{
    return load_program("down", earn);
}

struct basket {
    struct fdl_rules_line lines[FDL_MAX_BASKET_LINES];
    const char *labels[FDL_MAX_BASKET_LINES][2];
    struct fdl_rules_input in;
};

/* A Monday-noon purchase at store BCN-01 on the till, by a member with no tier. */
static void basket_init(struct basket *b)
{
    memset(b, 0, sizeof(*b));
    b->in.lines = b->lines;
    b->in.now = (struct fdl_local_time){2026, 11, 23, 1, 12, 0}; /* Monday */
    b->in.store = "BCN-01";
    b->in.channel = "till";
    b->in.member.visits = 3;
    b->in.member.days_since_enrol = 100;
}

/* Adds a line of qty x price_minor (label may be NULL); updates the total. */
static void add_line(struct basket *b, const char *sku, const char *category,
                     const char *label, int64_t qty, int64_t price_minor)
{
    size_t i = b->in.n_lines++;
    b->labels[i][0] = label;
    b->lines[i] = (struct fdl_rules_line){
        sku, category, b->labels[i], label ? 1 : 0, qty, price_minor, qty * price_minor};
    b->in.total_minor += qty * price_minor;
}

/* The worked example: A 12.00 (red) + B 100.00 (blue) + DELIVERY 40.00. */
static void basket_worked(struct basket *b)
{
    basket_init(b);
    add_line(b, "A", "shoes", "red", 1, 1200);
    add_line(b, "B", "coats", "blue", 1, 10000);
    add_line(b, "DELIVERY", "services", NULL, 1, 4000);
}

struct outcome {
    int rc;
    int sums_ok; /* line points and awards both sum to the total */
    int64_t total;
    int64_t lines[FDL_MAX_BASKET_LINES];
    struct fdl_rules_award awards[FDL_MAX_RULES * 8];
    size_t n_awards;
    struct fdl_error err;
};

static struct outcome out_;

static struct outcome *run(const struct fdl_program_def *def, const struct basket *b)
{
    struct outcome *o = &out_;
    memset(o, 0, sizeof(*o));
    struct fdl_rules_result r = {0};
    r.line_points = o->lines;
    r.awards = o->awards;
    r.awards_cap = sizeof(o->awards) / sizeof(*o->awards);
    o->rc = fdl_rules_evaluate(def, &b->in, &r, &o->err);
    if (o->rc)
        return o;
    o->total = r.total_points;
    o->n_awards = r.n_awards;
    int64_t by_line = 0, by_award = 0;
    for (size_t i = 0; i < b->in.n_lines; i++)
        by_line += o->lines[i];
    for (size_t i = 0; i < r.n_awards; i++)
        by_award += o->awards[i].points;
    o->sums_ok = by_line == o->total && by_award == o->total;
    if (!o->sums_ok)
        fprintf(stderr, "  sums: lines %lld, awards %lld, total %lld\n",
                (long long)by_line, (long long)by_award, (long long)o->total);
    return o;
}

/* Total points def gives basket b (-1 on error or a broken invariant). */
static int64_t points(const struct fdl_program_def *def, const struct basket *b)
{
    struct outcome *o = run(def, b);
    if (o->rc) {
        fprintf(stderr, "  evaluate failed: %s: %s\n", o->err.field, o->err.message);
        return -1;
    }
    return o->sums_ok ? o->total : -1;
}

/* ---- the worked cases ---- */

static void test_worked_four_points_per_unit_earns_608(void)
{
    struct fdl_program_def *def = load("  - {id: base, rate: 4}\n");
    CHECK(def);
    struct basket b;
    basket_worked(&b);
    struct outcome *o = run(def, &b);
    CHECK_INT(o->rc, 0);
    CHECK(o->sums_ok);
    CHECK_INT(o->total, 608); /* 152.00 x 4 */
    CHECK_INT(o->lines[0], 48);
    CHECK_INT(o->lines[1], 400);
    CHECK_INT(o->lines[2], 160);
    fdl_program_def_free(def);
}

static void test_worked_excluding_delivery_earns_448(void)
{
    struct fdl_program_def *def =
        load("  - {id: base, rate: 4, exclude: {skus: [DELIVERY]}}\n");
    CHECK(def);
    struct basket b;
    basket_worked(&b);
    struct outcome *o = run(def, &b);
    CHECK_INT(o->total, 448); /* 112.00 x 4 */
    CHECK(o->sums_ok);
    CHECK_INT(o->lines[2], 0);
    CHECK_INT(o->n_awards, 2); /* no entry for a line that got nothing */
    fdl_program_def_free(def);
}

static void test_worked_triple_on_red_earns_704(void)
{
    struct fdl_program_def *def =
        load("  - {id: base, rate: 4}\n"
             "  - {id: red-triple, multiplier: 3, labels: [red]}\n");
    CHECK(def);
    struct basket b;
    basket_worked(&b);
    struct outcome *o = run(def, &b);
    CHECK_INT(o->total, 704); /* 608 + 2 x 48 */
    CHECK(o->sums_ok);
    CHECK_INT(o->lines[0], 144);
    CHECK_INT(o->lines[1], 400);
    CHECK_INT(o->lines[2], 160);
    /* Attribution: the base rule per line, then the multiplier on line A. */
    CHECK_INT(o->n_awards, 4);
    CHECK_INT(o->awards[0].rule, 0);
    CHECK_INT(o->awards[0].line, 0);
    CHECK_INT(o->awards[0].points, 48);
    CHECK_INT(o->awards[1].line, 1);
    CHECK_INT(o->awards[1].points, 400);
    CHECK_INT(o->awards[2].line, 2);
    CHECK_INT(o->awards[2].points, 160);
    CHECK_INT(o->awards[3].rule, 1);
    CHECK_INT(o->awards[3].line, 0);
    CHECK_INT(o->awards[3].points, 96);
    CHECK_STR(def->rules[o->awards[3].rule].id, "red-triple");
    fdl_program_def_free(def);
}

/* ---- rate rules ---- */

static void test_rate_is_computed_on_the_sum_then_allocated(void)
{
    /* 12.99 + 12.99 = 25.98 at 1 point per unit: 25, not 12 + 12. */
    struct fdl_program_def *def = load("  - {id: base, rate: 1}\n");
    CHECK(def);
    struct basket b;
    basket_init(&b);
    add_line(&b, "X", "c", NULL, 1, 1299);
    add_line(&b, "Y", "c", NULL, 1, 1299);
    struct outcome *o = run(def, &b);
    CHECK_INT(o->total, 25);
    CHECK(o->sums_ok);
    CHECK_INT(o->lines[0],
              13); /* equal remainders: the lower index gets the extra point */
    CHECK_INT(o->lines[1], 12);
    fdl_program_def_free(def);
}

static void test_rate_rounds_by_the_program_rounding(void)
{
    struct basket b;
    basket_init(&b);
    add_line(&b, "X", "c", NULL, 1, 1250); /* 12.50 */
    struct fdl_program_def *down = load_program("down", "  - {id: base, rate: 1}\n");
    struct fdl_program_def *half = load_program("half-up", "  - {id: base, rate: 1}\n");
    struct fdl_program_def *up = load_program("up", "  - {id: base, rate: 1}\n");
    CHECK(down && half && up);
    CHECK_INT(points(down, &b), 12);
    CHECK_INT(points(half, &b), 13);
    CHECK_INT(points(up, &b), 13);
    b.lines[0].amount_minor = b.in.total_minor = 1249;
    CHECK_INT(points(half, &b), 12);
    b.lines[0].amount_minor = b.in.total_minor = 1201;
    CHECK_INT(points(up, &b), 13);
    CHECK_INT(points(down, &b), 12);
    fdl_program_def_free(down);
    fdl_program_def_free(half);
    fdl_program_def_free(up);
}

static void test_rate_may_be_fractional(void)
{
    /* 0.5 points per unit: 25.98 -> 12.99 -> 12 (down). */
    struct fdl_program_def *def = load("  - {id: half, rate: 0.5}\n");
    CHECK(def);
    struct basket b;
    basket_init(&b);
    add_line(&b, "X", "c", NULL, 2, 1299);
    CHECK_INT(points(def, &b), 12);
    fdl_program_def_free(def);
}

static void test_rate_on_net_takes_off_the_points_discount(void)
{
    /* 80.00 + 20.00 with 10.00 paid in points: net 90.00, gross 100.00. */
    struct fdl_program_def *net = load("  - {id: base, rate: 1, on: net}\n");
    struct fdl_program_def *dflt = load("  - {id: base, rate: 1}\n");
    struct fdl_program_def *gross = load("  - {id: base, rate: 1, on: gross}\n");
    CHECK(net && dflt && gross);
    struct basket b;
    basket_init(&b);
    add_line(&b, "X", "c", NULL, 1, 8000);
    add_line(&b, "Y", "c", NULL, 1, 2000);
    b.in.points_discount_minor = 1000;
    struct outcome *o = run(net, &b);
    CHECK_INT(o->total, 90);
    CHECK_INT(o->lines[0], 72); /* the discount falls 8.00 / 2.00 on the lines */
    CHECK_INT(o->lines[1], 18);
    CHECK_INT(points(dflt, &b), 90); /* net is the default */
    CHECK_INT(points(gross, &b), 100);
    fdl_program_def_free(net);
    fdl_program_def_free(dflt);
    fdl_program_def_free(gross);
}

static void test_rate_on_net_of_an_excluded_line(void)
{
    /* The discount is shared by all lines, so an excluded line takes its
     * share with it: 50.00 + 50.00 (excluded), 20.00 off -> 40.00 earns. */
    struct fdl_program_def *def =
        load("  - {id: base, rate: 1, exclude: {categories: [tobacco]}}\n");
    CHECK(def);
    struct basket b;
    basket_init(&b);
    add_line(&b, "X", "food", NULL, 1, 5000);
    add_line(&b, "T", "tobacco", NULL, 1, 5000);
    b.in.points_discount_minor = 2000;
    CHECK_INT(points(def, &b), 40);
    fdl_program_def_free(def);
}

/* ---- line filters ---- */

static void test_filters_pick_lines_by_sku_category_and_label(void)
{
    struct basket b;
    basket_worked(&b);
    struct fdl_program_def *by_sku = load("  - {id: r, rate: 1, skus: [B]}\n");
    struct fdl_program_def *by_cat =
        load("  - {id: r, rate: 1, categories: [shoes, coats]}\n");
    struct fdl_program_def *by_label =
        load("  - {id: r, rate: 1, labels: [blue, green]}\n");
    /* Several kinds of filter: a line must pass each (here: none does). */
    struct fdl_program_def *both =
        load("  - {id: r, rate: 1, skus: [A], labels: [blue]}\n");
    CHECK(by_sku && by_cat && by_label && both);
    CHECK_INT(points(by_sku, &b), 100);
    CHECK_INT(points(by_cat, &b), 112);
    CHECK_INT(points(by_label, &b), 100);
    CHECK_INT(points(both, &b), 0);
    fdl_program_def_free(by_sku);
    fdl_program_def_free(by_cat);
    fdl_program_def_free(by_label);
    fdl_program_def_free(both);
}

static void test_exclusions_by_sku_category_and_label(void)
{
    struct basket b;
    basket_worked(&b);
    struct fdl_program_def *def =
        load("  - {id: a, rate: 1, exclude: {categories: [services]}}\n"
             "  - {id: b, rate: 1, exclude: {labels: [red], skus: [DELIVERY]}}\n");
    CHECK(def);
    struct outcome *o = run(def, &b);
    CHECK_INT(o->total, 112 + 100);
    CHECK_INT(o->lines[0], 12);
    CHECK_INT(o->lines[1], 200);
    CHECK_INT(o->lines[2], 0);
    fdl_program_def_free(def);
}

static void test_a_rule_with_no_matching_line_gives_nothing(void)
{
    struct fdl_program_def *def = load("  - {id: r, bonus: 50, categories: [coffee]}\n");
    CHECK(def);
    struct basket b;
    basket_worked(&b);
    struct outcome *o = run(def, &b);
    CHECK_INT(o->rc, 0);
    CHECK_INT(o->total, 0);
    CHECK_INT(o->n_awards, 0);
    fdl_program_def_free(def);
}

/* ---- multipliers ---- */

static void test_multiplier_applies_only_to_rate_points_of_matching_lines(void)
{
    /* Delivery earns no base points, so doubling it adds nothing. */
    struct fdl_program_def *def =
        load("  - {id: base, rate: 4, exclude: {skus: [DELIVERY]}}\n"
             "  - {id: double-services, multiplier: 2, categories: [services, coats]}\n");
    CHECK(def);
    struct basket b;
    basket_worked(&b);
    struct outcome *o = run(def, &b);
    CHECK_INT(o->total, 448 + 400);
    CHECK_INT(o->lines[2], 0);
    fdl_program_def_free(def);
}

static void test_multipliers_add_their_extra_points(void)
{
    /* x3 and x2 on the same line: base + 2x + 1x = 4x. */
    struct fdl_program_def *def = load("  - {id: base, rate: 1}\n"
                                       "  - {id: x3, multiplier: 3, labels: [red]}\n"
                                       "  - {id: x2, multiplier: 2, skus: [A]}\n");
    CHECK(def);
    struct basket b;
    basket_worked(&b);
    struct outcome *o = run(def, &b);
    CHECK_INT(o->lines[0], 48);
    CHECK_INT(o->total, 152 + 24 + 12);
    fdl_program_def_free(def);
}

static void test_fractional_multiplier_rounds(void)
{
    /* 5 base points x1.5: 2.5 extra, 2 rounded down, 3 half-up. */
    struct basket b;
    basket_init(&b);
    add_line(&b, "X", "c", NULL, 1, 500);
    const char *rules = "  - {id: base, rate: 1}\n  - {id: x15, multiplier: 1.5}\n";
    struct fdl_program_def *down = load_program("down", rules);
    struct fdl_program_def *half = load_program("half-up", rules);
    CHECK(down && half);
    CHECK_INT(points(down, &b), 7);
    CHECK_INT(points(half, &b), 8);
    fdl_program_def_free(down);
    fdl_program_def_free(half);
}

static void test_multiplier_allocates_by_base_points(void)
{
    /* Base 10.00 + 30.00 at 1 point: 10 + 30; x2 on both adds 10 + 30. */
    struct fdl_program_def *def = load("  - {id: base, rate: 1}\n"
                                       "  - {id: x2, multiplier: 2}\n");
    CHECK(def);
    struct basket b;
    basket_init(&b);
    add_line(&b, "X", "c", NULL, 1, 1000);
    add_line(&b, "Y", "c", NULL, 1, 3000);
    struct outcome *o = run(def, &b);
    CHECK_INT(o->total, 80);
    CHECK_INT(o->lines[0], 20);
    CHECK_INT(o->lines[1], 60);
    fdl_program_def_free(def);
}

/* ---- bonuses ---- */

static void test_bonus_per_purchase_is_allocated_by_amount(void)
{
    struct fdl_program_def *def = load("  - {id: welcome, bonus: 100}\n");
    CHECK(def);
    struct basket b;
    basket_init(&b);
    add_line(&b, "X", "c", NULL, 1, 3000);
    add_line(&b, "Y", "c", NULL, 1, 1000);
    struct outcome *o = run(def, &b);
    CHECK_INT(o->total, 100);
    CHECK(o->sums_ok);
    CHECK_INT(o->lines[0], 75);
    CHECK_INT(o->lines[1], 25);
    /* One purchase-level award, with line -1. */
    CHECK_INT(o->n_awards, 1);
    CHECK_INT(o->awards[0].rule, 0);
    CHECK_INT(o->awards[0].line, -1);
    CHECK_INT(o->awards[0].points, 100);
    fdl_program_def_free(def);
}

static void test_bonus_per_purchase_sits_on_matching_lines_only(void)
{
    struct fdl_program_def *def =
        load("  - {id: coffee, bonus: 50, per: purchase, categories: [coffee]}\n");
    CHECK(def);
    struct basket b;
    basket_init(&b);
    add_line(&b, "CAKE", "pastry", NULL, 1, 400);
    add_line(&b, "LATTE", "coffee", NULL, 2, 300);
    add_line(&b, "ESPRESSO", "coffee", NULL, 1, 200);
    struct outcome *o = run(def, &b);
    CHECK_INT(o->total, 50);
    CHECK_INT(o->lines[0], 0);
    CHECK_INT(o->lines[1], 38); /* 50 x 6.00 / 8.00 = 37.5 -> 37 + the leftover */
    CHECK_INT(o->lines[2], 12); /* 50 x 2.00 / 8.00 = 12.5 -> 12 */
    fdl_program_def_free(def);
}

static void test_bonus_on_free_lines_goes_to_the_first(void)
{
    struct fdl_program_def *def = load("  - {id: gift, bonus: 10}\n");
    CHECK(def);
    struct basket b;
    basket_init(&b);
    add_line(&b, "SAMPLE", "c", NULL, 1, 0);
    add_line(&b, "SAMPLE2", "c", NULL, 1, 0);
    struct outcome *o = run(def, &b);
    CHECK_INT(o->total, 10);
    CHECK_INT(o->lines[0], 10);
    CHECK_INT(o->lines[1], 0);
    fdl_program_def_free(def);
}

static void test_bonus_per_line_and_per_unit(void)
{
    struct fdl_program_def *per_line =
        load("  - {id: r, bonus: 10, per: line, categories: [coffee]}\n");
    struct fdl_program_def *per_unit =
        load("  - {id: r, bonus: 10, per: unit, categories: [coffee]}\n");
    CHECK(per_line && per_unit);
    struct basket b;
    basket_init(&b);
    add_line(&b, "CAKE", "pastry", NULL, 1, 400);
    add_line(&b, "LATTE", "coffee", NULL, 2, 300);
    add_line(&b, "ESPRESSO", "coffee", NULL, 3, 200);
    struct outcome *o = run(per_line, &b);
    CHECK_INT(o->total, 20);
    CHECK_INT(o->n_awards, 2);
    CHECK_INT(o->awards[0].line, 1);
    CHECK_INT(o->awards[1].line, 2);
    o = run(per_unit, &b);
    CHECK_INT(o->total, 50);
    CHECK_INT(o->lines[1], 20);
    CHECK_INT(o->lines[2], 30);
    fdl_program_def_free(per_line);
    fdl_program_def_free(per_unit);
}

/* ---- purchase-level conditions ---- */

static void test_min_spend_at_the_boundary(void)
{
    struct fdl_program_def *def = load("  - {id: big, bonus: 200, min_spend: 80.00}\n");
    CHECK(def);
    struct basket b;
    basket_init(&b);
    add_line(&b, "X", "c", NULL, 1, 7999);
    CHECK_INT(points(def, &b), 0);
    b.lines[0].amount_minor = b.in.total_minor = 8000;
    CHECK_INT(points(def, &b), 200);
    fdl_program_def_free(def);
}

static void test_cap_scales_a_rule_down(void)
{
    /* 608 capped at 500, shared 48 : 400 : 160 -> 39.47, 328.95, 131.58:
     * floors 39 + 328 + 131 = 498, the 2 left go to the largest remainders. */
    struct fdl_program_def *def = load("  - {id: base, rate: 4, cap: 500}\n");
    CHECK(def);
    struct basket b;
    basket_worked(&b);
    struct outcome *o = run(def, &b);
    CHECK_INT(o->total, 500);
    CHECK(o->sums_ok);
    CHECK_INT(o->lines[0], 39);
    CHECK_INT(o->lines[1], 329);
    CHECK_INT(o->lines[2], 132);
    fdl_program_def_free(def);
}

static void test_cap_on_bonus_per_unit_and_per_purchase(void)
{
    struct fdl_program_def *def = load("  - {id: u, bonus: 30, per: unit, cap: 100}\n"
                                       "  - {id: p, bonus: 500, cap: 50}\n");
    CHECK(def);
    struct basket b;
    basket_init(&b);
    add_line(&b, "X", "c", NULL, 5, 100); /* 150 -> 100 */
    struct outcome *o = run(def, &b);
    CHECK_INT(o->total, 150);
    CHECK_INT(o->awards[0].points, 100);
    CHECK_INT(o->awards[1].line, -1);
    CHECK_INT(o->awards[1].points, 50);
    fdl_program_def_free(def);
}

static void test_cap_below_the_points_leaves_them(void)
{
    struct fdl_program_def *def = load("  - {id: base, rate: 4, cap: 608}\n");
    CHECK(def);
    struct basket b;
    basket_worked(&b);
    CHECK_INT(points(def, &b), 608);
    fdl_program_def_free(def);
}

static void test_weekdays(void)
{
    struct fdl_program_def *def =
        load("  - {id: weekend, bonus: 5, weekdays: [sat, sun]}\n");
    CHECK(def);
    struct basket b;
    basket_worked(&b);
    for (int day = 1; day <= 7; day++) {
        b.in.now.weekday = day;
        CHECK_INT(points(def, &b), day >= 6 ? 5 : 0);
    }
    fdl_program_def_free(def);
}

static void test_hours_window_is_local_and_half_open(void)
{
    struct fdl_program_def *def =
        load("  - {id: am, bonus: 5, hours: \"07:00-11:00\"}\n");
    CHECK(def);
    struct basket b;
    basket_worked(&b);
    b.in.now.hour = 6, b.in.now.minute = 59;
    CHECK_INT(points(def, &b), 0);
    b.in.now.hour = 7, b.in.now.minute = 0;
    CHECK_INT(points(def, &b), 5);
    b.in.now.hour = 10, b.in.now.minute = 59;
    CHECK_INT(points(def, &b), 5);
    b.in.now.hour = 11, b.in.now.minute = 0;
    CHECK_INT(points(def, &b), 0);
    fdl_program_def_free(def);
}

static void test_hours_window_may_wrap_past_midnight(void)
{
    struct fdl_program_def *def =
        load("  - {id: night, bonus: 5, hours: \"22:00-02:00\"}\n");
    CHECK(def);
    struct basket b;
    basket_worked(&b);
    b.in.now.hour = 21, b.in.now.minute = 59;
    CHECK_INT(points(def, &b), 0);
    b.in.now.hour = 22, b.in.now.minute = 0;
    CHECK_INT(points(def, &b), 5);
    b.in.now.hour = 0, b.in.now.minute = 30;
    CHECK_INT(points(def, &b), 5);
    b.in.now.hour = 1, b.in.now.minute = 59;
    CHECK_INT(points(def, &b), 5);
    b.in.now.hour = 2, b.in.now.minute = 0;
    CHECK_INT(points(def, &b), 0);
    fdl_program_def_free(def);
}

static void test_hours_until_midnight(void)
{
    struct fdl_program_def *def =
        load("  - {id: late, bonus: 5, hours: \"20:00-24:00\"}\n");
    CHECK(def);
    struct basket b;
    basket_worked(&b);
    b.in.now.hour = 23, b.in.now.minute = 59;
    CHECK_INT(points(def, &b), 5);
    b.in.now.hour = 0, b.in.now.minute = 0;
    CHECK_INT(points(def, &b), 0);
    fdl_program_def_free(def);
}

static void test_valid_dates_are_inclusive_local_dates(void)
{
    struct fdl_program_def *def =
        load("  - {id: dec, bonus: 5, valid_from: 2026-12-01, valid_until: 2026-12-31}\n"
             "  - {id: from, bonus: 1, valid_from: 2026-12-01}\n"
             "  - {id: until, bonus: 100, valid_until: 2026-12-31}\n");
    CHECK(def);
    struct basket b;
    basket_worked(&b);
    /* The caller passes the local date: 23:59 on 30 November in Madrid is
     * still November even though it is 22:59Z. */
    b.in.now = (struct fdl_local_time){2026, 11, 30, 1, 23, 59};
    CHECK_INT(points(def, &b), 100);
    b.in.now = (struct fdl_local_time){2026, 12, 1, 2, 0, 0};
    CHECK_INT(points(def, &b), 106);
    b.in.now = (struct fdl_local_time){2026, 12, 31, 4, 23, 59};
    CHECK_INT(points(def, &b), 106);
    b.in.now = (struct fdl_local_time){2027, 1, 1, 5, 0, 0};
    CHECK_INT(points(def, &b), 1);
    fdl_program_def_free(def);
}

static void test_store_and_channel_filters(void)
{
    struct fdl_program_def *def =
        load("  - {id: bcn, bonus: 1, stores: [BCN-01, BCN-02]}\n"
             "  - {id: app, bonus: 10, channels: [app, web]}\n");
    CHECK(def);
    struct basket b;
    basket_worked(&b);
    CHECK_INT(points(def, &b), 1); /* BCN-01 on the till */
    b.in.store = "MAD-01";
    b.in.channel = "app";
    CHECK_INT(points(def, &b), 10);
    b.in.store = NULL; /* no store: no store-filtered rule applies */
    b.in.channel = NULL;
    CHECK_INT(points(def, &b), 0);
    fdl_program_def_free(def);
}

static void test_tiers(void)
{
    struct fdl_program_def *def = load("  - {id: base, rate: 1}\n"
                                       "  - {id: gold, multiplier: 2, tiers: [gold]}\n");
    CHECK(def);
    struct basket b;
    basket_worked(&b);
    CHECK_INT(points(def, &b), 152);
    b.in.member.tier = "silver";
    CHECK_INT(points(def, &b), 152);
    b.in.member.tier = "gold";
    CHECK_INT(points(def, &b), 304);
    fdl_program_def_free(def);
}

static void test_first_purchase_and_birthday_events(void)
{
    struct fdl_program_def *def =
        load("  - {id: signup, bonus: 100, event: first_purchase}\n"
             "  - {id: birthday, bonus: 500, event: birthday}\n");
    CHECK(def);
    struct basket b;
    basket_worked(&b);
    CHECK_INT(points(def, &b), 0);
    b.in.member.first_purchase = 1;
    CHECK_INT(points(def, &b), 100);
    b.in.member.birthday_today = 1;
    CHECK_INT(points(def, &b), 600);
    b.in.member.first_purchase = 0;
    CHECK_INT(points(def, &b), 500);
    fdl_program_def_free(def);
}

static void test_stop_ends_evaluation_when_the_rule_gives_points(void)
{
    struct fdl_program_def *def =
        load("  - {id: vip, bonus: 1000, tiers: [vip], stop: true}\n"
             "  - {id: base, rate: 1}\n");
    CHECK(def);
    struct basket b;
    basket_worked(&b);
    CHECK_INT(points(def, &b), 152); /* vip gave nothing: base is evaluated */
    b.in.member.tier = "vip";
    struct outcome *o = run(def, &b);
    CHECK_INT(o->total, 1000);
    CHECK_INT(o->n_awards, 1);
    fdl_program_def_free(def);
}

static void test_stop_with_zero_points_does_not_stop(void)
{
    /* The rule matches but earns 0 (0.50 at 1 point, rounded down). */
    struct fdl_program_def *def = load("  - {id: small, rate: 1, stop: true}\n"
                                       "  - {id: bonus, bonus: 5}\n");
    CHECK(def);
    struct basket b;
    basket_init(&b);
    add_line(&b, "X", "c", NULL, 1, 50);
    CHECK_INT(points(def, &b), 5);
    fdl_program_def_free(def);
}

/* ---- conditions in the expression language ---- */

static void test_when_false_gives_nothing(void)
{
    struct fdl_program_def *def = load("  - {id: never, bonus: 50, when: 'false'}\n"
                                       "  - {id: always, bonus: 7, when: 'true'}\n");
    CHECK(def);
    struct basket b;
    basket_worked(&b);
    struct outcome *o = run(def, &b);
    CHECK_INT(o->total, 7);
    CHECK_INT(o->n_awards, 1);
    CHECK_INT(o->awards[0].rule, 1);
    fdl_program_def_free(def);
}

static void test_when_on_basket_and_time(void)
{
    struct fdl_program_def *def =
        load("  - id: weekend-coffee\n"
             "    bonus: 50\n"
             "    when: basket.total >= 10 and now.weekday in (sat, sun)\n");
    CHECK(def);
    struct basket b;
    basket_init(&b);
    add_line(&b, "X", "coffee", NULL, 1, 1000);
    CHECK_INT(points(def, &b), 0); /* Monday */
    b.in.now.weekday = 6;
    CHECK_INT(points(def, &b), 50);
    b.lines[0].amount_minor = b.in.total_minor = 999;
    CHECK_INT(points(def, &b), 0);
    fdl_program_def_free(def);
}

static void test_when_on_member_and_place(void)
{
    struct fdl_program_def *def =
        load("  - {id: regulars, bonus: 1, when: member.visits >= 10}\n"
             "  - {id: segment, bonus: 10, when: '\"students\" in member.segments'}\n"
             "  - {id: new, bonus: 100, when: member.days_since_enrol < 30}\n"
             "  - {id: spend, bonus: 1000, when: member.spend >= 500 and member.tier == "
             "\"gold\"}\n"
             "  - {id: place, bonus: 10000, when: store == \"BCN-01\" and channel == "
             "\"app\"}\n"
             "  - {id: time, bonus: 100000, when: now.month == 12 and now.day == 24 and "
             "now.hour < "
             "14}\n"
             "  - {id: size, bonus: 1000000, when: basket.quantity >= 5 and basket.lines "
             "== 3}\n");
    CHECK(def);
    struct basket b;
    basket_worked(&b);
    CHECK_INT(points(def, &b), 0);
    b.in.member.visits = 10;
    CHECK_INT(points(def, &b), 1);
    const char *segments[] = {"families", "students"};
    b.in.member.segments = segments;
    b.in.member.n_segments = 2;
    CHECK_INT(points(def, &b), 11);
    b.in.member.days_since_enrol = 29;
    CHECK_INT(points(def, &b), 111);
    b.in.member.spend_minor = 50000;
    b.in.member.tier = "gold";
    CHECK_INT(points(def, &b), 1111);
    b.in.channel = "app";
    CHECK_INT(points(def, &b), 11111);
    b.in.now = (struct fdl_local_time){2026, 12, 24, 4, 13, 59};
    CHECK_INT(points(def, &b), 111111);
    b.lines[0].quantity = 3;
    CHECK_INT(points(def, &b), 1111111);
    fdl_program_def_free(def);
}

static void test_segment_rules_and_signup_bonuses(void)
{
    struct fdl_program_def *def =
        load("  - {id: base, rate: 1}\n"
             "  - {id: students, multiplier: 2, segments: [students, staff]}\n"
             "  - {id: welcome, event: signup, bonus: 100, valid_from: 2026-01-01}\n"
             "  - {id: capped, event: signup, bonus: 80, cap: 50, stop: true}\n"
             "  - {id: never, event: signup, bonus: 7}\n");
    CHECK(def);
    struct basket b;
    basket_worked(&b);
    int64_t plain = points(def, &b);
    CHECK_INT(plain, 152); /* signup rules give nothing on a purchase */
    const char *segments[] = {"families", "staff"};
    b.in.member.segments = segments;
    b.in.member.n_segments = 2;
    CHECK_INT(points(def, &b), 2 * plain);
    struct fdl_rules_award out[4];
    int64_t jan_2026 = fdl_days_from_civil(2026, 1, 1);
    size_t n = fdl_rules_signup(def, jan_2026, out, 4);
    CHECK_INT(n, 2); /* welcome, then capped, which stops */
    CHECK_INT(out[0].rule, 2);
    CHECK_INT(out[0].points, 100);
    CHECK_INT(out[1].rule, 3);
    CHECK_INT(out[1].points, 50);
    n = fdl_rules_signup(def, jan_2026 - 1, out, 4);
    CHECK_INT(n, 1);
    CHECK_INT(out[0].rule, 3);
    CHECK_INT(fdl_rules_signup(def, jan_2026, out, 1), 1);
    fdl_program_def_free(def);
}

static void test_when_line_filters_lines(void)
{
    struct fdl_program_def *def = load(
        "  - {id: multi, bonus: 10, per: line, when_line: line.quantity >= 2}\n"
        "  - {id: pricey, rate: 1, when_line: line.amount > 50 and line.sku != \"Z\"}\n"
        "  - {id: red, bonus: 1, per: unit, when_line: '\"red\" in line.labels'}\n"
        "  - {id: cat, bonus: 100, when_line: 'line.category in (\"coats\", "
        "\"hats\")'}\n");
    CHECK(def);
    struct basket b;
    basket_worked(&b);
    b.lines[0].quantity = 2; /* A: 2 x 12.00, red */
    b.lines[0].amount_minor = 2400;
    b.in.total_minor = 2400 + 10000 + 4000;
    struct outcome *o = run(def, &b);
    CHECK(o->sums_ok);
    /* multi: A (10); pricey: B 100.00 (100 points); red: A 2 units (2);
     * cat: B (100, purchase-level). */
    CHECK_INT(o->total, 10 + 100 + 2 + 100);
    CHECK_INT(o->lines[0], 12);
    CHECK_INT(o->lines[1], 200);
    CHECK_INT(o->lines[2], 0);
    fdl_program_def_free(def);
}

/* ---- results and input ---- */

static void test_allocation_sums_over_a_large_basket(void)
{
    struct fdl_program_def *def = load_program(
        "half-up", "  - {id: base, rate: 3.333, exclude: {labels: [x]}}\n"
                   "  - {id: m, multiplier: 1.37, categories: [c1, c3]}\n"
                   "  - {id: u, bonus: 7, per: unit, categories: [c2], cap: 999}\n"
                   "  - {id: p, bonus: 1234, min_spend: 10}\n");
    CHECK(def);
    struct basket b;
    basket_init(&b);
    static const char *const cats[] = {"c0", "c1", "c2", "c3"};
    for (int i = 0; i < FDL_MAX_BASKET_LINES; i++)
        add_line(&b, "S", cats[i % 4], i % 7 == 0 ? "x" : NULL, 1 + i % 5,
                 (i * 7919) % 10007);
    b.in.points_discount_minor = 12345;
    struct outcome *o = run(def, &b);
    CHECK_INT(o->rc, 0);
    CHECK(o->sums_ok);
    CHECK(o->total > 1234);
    for (size_t i = 0; i < b.in.n_lines; i++)
        CHECK(o->lines[i] >= 0);
    fdl_program_def_free(def);
}

static void test_max_awards_bounds_the_awards(void)
{
    struct fdl_program_def *def = load("  - {id: base, rate: 1}\n"
                                       "  - {id: p, bonus: 5}\n"
                                       "  - {id: l, bonus: 5, per: line}\n");
    CHECK(def);
    CHECK_INT(fdl_rules_max_awards(def, 3), 3 + 1 + 3);
    struct basket b;
    basket_worked(&b);
    int64_t lines[3];
    struct fdl_rules_award awards[7];
    struct fdl_rules_result r = {0};
    r.line_points = lines;
    r.awards = awards;
    r.awards_cap = 6;
    r.n_awards = 99;
    struct fdl_error err;
    CHECK_INT(fdl_rules_evaluate(def, &b.in, &r, &err), FDL_ERANGE);
    CHECK_INT(r.n_awards, 99); /* untouched */
    r.awards_cap = 7;
    CHECK_INT(fdl_rules_evaluate(def, &b.in, &r, &err), 0);
    CHECK_INT(r.n_awards, 7);
    CHECK_INT(r.total_points, 152 + 5 + 15);
    fdl_program_def_free(def);
}

static void test_bad_input_is_refused(void)
{
    struct fdl_program_def *def = load("  - {id: base, rate: 1}\n");
    CHECK(def);
    struct basket b;
    basket_worked(&b);
    b.in.n_lines = 0;
    CHECK_INT(run(def, &b)->rc, FDL_EINVALID);
    CHECK_STR(out_.err.field, "lines");
    basket_worked(&b);
    b.in.points_discount_minor = 15201;
    CHECK_INT(run(def, &b)->rc, FDL_EINVALID);
    CHECK_STR(out_.err.field, "points_discount");
    basket_worked(&b);
    b.lines[1].quantity = -1;
    CHECK_INT(run(def, &b)->rc, FDL_EINVALID);
    CHECK_STR(out_.err.field, "lines[1].quantity");
    basket_worked(&b);
    b.in.now.weekday = 0;
    CHECK_INT(run(def, &b)->rc, FDL_EINVALID);
    basket_worked(&b);
    b.in.now.hour = 24;
    CHECK_INT(run(def, &b)->rc, FDL_EINVALID);
    basket_worked(&b);
    b.lines[0].n_labels = FDL_MAX_LINE_LABELS + 1;
    CHECK_INT(run(def, &b)->rc, FDL_EINVALID);
    fdl_program_def_free(def);
}

static void test_too_many_points_is_an_error_not_a_wrap(void)
{
    /* 1000 points per unit on 200 lines of 100000 x 1,000,000.00. */
    struct fdl_program_def *def = load("  - {id: base, rate: 1000}\n");
    CHECK(def);
    struct basket b;
    basket_init(&b);
    for (int i = 0; i < FDL_MAX_BASKET_LINES; i++)
        add_line(&b, "X", "c", NULL, FDL_MAX_LINE_QUANTITY, FDL_MAX_UNIT_PRICE_MINOR);
    CHECK_INT(run(def, &b)->rc, FDL_ERANGE);
    fdl_program_def_free(def);
}

static void test_no_rules_earn_nothing(void)
{
    struct fdl_program_def *def = load("  []\n");
    CHECK(def);
    CHECK_INT(def->n_rules, 0);
    struct basket b;
    basket_worked(&b);
    CHECK_INT(points(def, &b), 0);
    CHECK_INT(out_.lines[0], 0);
    fdl_program_def_free(def);
}

static void test_variables_are_declared_in_slot_order(void)
{
    size_t n_purchase, n_all;
    const struct fdl_expr_var *vars = fdl_rules_variables(&n_purchase, &n_all);
    CHECK(vars != NULL);
    CHECK_INT(n_purchase, FDL_VAR_LINE_SKU);
    CHECK_INT(n_all, FDL_VAR_COUNT_);
    CHECK_INT(n_all, 19);
}

int main(void)
{
    RUN(test_worked_four_points_per_unit_earns_608);
    RUN(test_segment_rules_and_signup_bonuses);
    RUN(test_worked_excluding_delivery_earns_448);
    RUN(test_worked_triple_on_red_earns_704);
    RUN(test_rate_is_computed_on_the_sum_then_allocated);
    RUN(test_rate_rounds_by_the_program_rounding);
    RUN(test_rate_may_be_fractional);
    RUN(test_rate_on_net_takes_off_the_points_discount);
    RUN(test_rate_on_net_of_an_excluded_line);
    RUN(test_filters_pick_lines_by_sku_category_and_label);
    RUN(test_exclusions_by_sku_category_and_label);
    RUN(test_a_rule_with_no_matching_line_gives_nothing);
    RUN(test_multiplier_applies_only_to_rate_points_of_matching_lines);
    RUN(test_multipliers_add_their_extra_points);
    RUN(test_fractional_multiplier_rounds);
    RUN(test_multiplier_allocates_by_base_points);
    RUN(test_bonus_per_purchase_is_allocated_by_amount);
    RUN(test_bonus_per_purchase_sits_on_matching_lines_only);
    RUN(test_bonus_on_free_lines_goes_to_the_first);
    RUN(test_bonus_per_line_and_per_unit);
    RUN(test_min_spend_at_the_boundary);
    RUN(test_cap_scales_a_rule_down);
    RUN(test_cap_on_bonus_per_unit_and_per_purchase);
    RUN(test_cap_below_the_points_leaves_them);
    RUN(test_weekdays);
    RUN(test_hours_window_is_local_and_half_open);
    RUN(test_hours_window_may_wrap_past_midnight);
    RUN(test_hours_until_midnight);
    RUN(test_valid_dates_are_inclusive_local_dates);
    RUN(test_store_and_channel_filters);
    RUN(test_tiers);
    RUN(test_first_purchase_and_birthday_events);
    RUN(test_stop_ends_evaluation_when_the_rule_gives_points);
    RUN(test_stop_with_zero_points_does_not_stop);
    RUN(test_when_false_gives_nothing);
    RUN(test_when_on_basket_and_time);
    RUN(test_when_on_member_and_place);
    RUN(test_when_line_filters_lines);
    RUN(test_allocation_sums_over_a_large_basket);
    RUN(test_max_awards_bounds_the_awards);
    RUN(test_bad_input_is_refused);
    RUN(test_too_many_points_is_an_error_not_a_wrap);
    RUN(test_no_rules_earn_nothing);
    RUN(test_variables_are_declared_in_slot_order);
    return check_done();
}
