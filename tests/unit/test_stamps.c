/*
 * test_stamps.c - punch card arithmetic: stamps per purchase (item and
 * visit cards, filters, caps, min_spend, free units), carry-over, reversal
 * with revoked rewards and negative cards, expiry; and the program file's
 * stamps section with its errors.
 */
#include "engine/stamps.h"

#include "engine/explain.h"
#include "engine/program_file.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define DAY 86400

static const char *const coffee_skus[] = {"espresso", "latte"};

static struct fdl_stamp_card_def coffee_card(void)
{
    struct fdl_stamp_card_def c;
    memset(&c, 0, sizeof(c));
    snprintf(c.id, sizeof(c.id), "coffee");
    snprintf(c.name, sizeof(c.name), "Coffee card");
    c.goal = 10;
    c.per = FDL_STAMP_PER_ITEM;
    c.skus = (struct fdl_string_set){coffee_skus, 2};
    c.reward = FDL_STAMP_REWARD_FREE_ITEM;
    c.free_items = (struct fdl_string_set){coffee_skus, 2};
    c.valid_days = 90;
    return c;
}

static struct fdl_rules_line line(const char *sku, int64_t qty, int64_t price)
{
    struct fdl_rules_line l = {sku, "drinks", NULL, 0, qty, price, qty * price};
    return l;
}

/* ---- stamps per purchase ---- */

static void test_item_card_counts_qualifying_units(void)
{
    struct fdl_stamp_card_def c = coffee_card();
    struct fdl_rules_line lines[] = {line("espresso", 3, 150), line("croissant", 2, 200),
                                     line("latte", 2, 250)};
    int64_t per_line[3];
    unsigned char q[3];
    CHECK_INT(fdl_stamps_for_purchase(&c, lines, 3, 1350, NULL, per_line, q), 5);
    CHECK_INT(per_line[0], 3);
    CHECK_INT(per_line[1], 0);
    CHECK_INT(per_line[2], 2);
    CHECK_INT(q[1], 0);
}

static void test_free_units_give_no_stamp(void)
{
    struct fdl_stamp_card_def c = coffee_card();
    struct fdl_rules_line lines[] = {line("espresso", 2, 150)};
    int64_t free_units[] = {1}, per_line[1];
    unsigned char q[1];
    CHECK_INT(fdl_stamps_for_purchase(&c, lines, 1, 150, free_units, per_line, q), 1);
}

static void test_cap_and_min_spend(void)
{
    struct fdl_stamp_card_def c = coffee_card();
    c.max_per_purchase = 4;
    struct fdl_rules_line lines[] = {line("espresso", 3, 150), line("latte", 3, 250)};
    int64_t per_line[2];
    unsigned char q[2];
    CHECK_INT(fdl_stamps_for_purchase(&c, lines, 2, 1200, NULL, per_line, q), 4);
    CHECK_INT(per_line[0], 3);
    CHECK_INT(per_line[1], 1);
    c.min_spend_minor = 1201; /* one cent short */
    CHECK_INT(fdl_stamps_for_purchase(&c, lines, 2, 1200, NULL, per_line, q), 0);
    CHECK_INT(per_line[0], 0);
    c.min_spend_minor = 1200; /* exactly: qualifies */
    CHECK_INT(fdl_stamps_for_purchase(&c, lines, 2, 1200, NULL, per_line, q), 4);
}

static void test_visit_card_gives_one_stamp(void)
{
    struct fdl_stamp_card_def c = coffee_card();
    c.per = FDL_STAMP_PER_VISIT;
    c.skus = (struct fdl_string_set){NULL, 0}; /* every line */
    struct fdl_rules_line lines[] = {line("espresso", 3, 150), line("bread", 1, 200)};
    int64_t per_line[2];
    unsigned char q[2];
    CHECK_INT(fdl_stamps_for_purchase(&c, lines, 2, 650, NULL, per_line, q), 1);
    CHECK_INT(q[0] + q[1], 2);
    CHECK_INT(per_line[0] + per_line[1], 0);
}

static void test_labels_match_any(void)
{
    static const char *const wanted[] = {"hot-drink"};
    static const char *const labels[] = {"promo", "hot-drink"};
    struct fdl_stamp_card_def c = coffee_card();
    c.skus = (struct fdl_string_set){NULL, 0};
    c.labels = (struct fdl_string_set){wanted, 1};
    struct fdl_rules_line l = {"tea", "drinks", labels, 2, 1, 100, 100};
    CHECK_INT(fdl_stamp_line_qualifies(&c, &l), 1);
    l.n_labels = 1;
    CHECK_INT(fdl_stamp_line_qualifies(&c, &l), 0);
}

/* ---- carry-over ---- */

static void test_twelve_on_ten_is_one_reward_and_two(void)
{
    int64_t after, rewards;
    fdl_stamps_add(10, 0, 12, &after, &rewards);
    CHECK_INT(rewards, 1);
    CHECK_INT(after, 2);
    fdl_stamps_add(10, 9, 1, &after, &rewards); /* exactly full */
    CHECK_INT(rewards, 1);
    CHECK_INT(after, 0);
    fdl_stamps_add(10, 8, 1, &after, &rewards); /* one short */
    CHECK_INT(rewards, 0);
    CHECK_INT(after, 9);
    fdl_stamps_add(10, 5, 27, &after, &rewards); /* several at once */
    CHECK_INT(rewards, 3);
    CHECK_INT(after, 2);
}

static void test_owed_stamps_are_paid_first(void)
{
    int64_t after, rewards;
    fdl_stamps_add(10, -3, 2, &after, &rewards);
    CHECK_INT(after, -1);
    CHECK_INT(rewards, 0);
    fdl_stamps_add(10, -3, 13, &after, &rewards);
    CHECK_INT(after, 0);
    CHECK_INT(rewards, 1);
}

/* ---- reversal ---- */

static void test_reversal_within_card(void)
{
    int64_t after, revoked;
    fdl_stamps_reverse(10, 5, 3, 1, &after, &revoked);
    CHECK_INT(after, 2);
    CHECK_INT(revoked, 0);
}

static void test_reversal_unfills_and_revokes_unused(void)
{
    int64_t after, revoked;
    /* 12 bought: 1 reward + 2; all 12 refunded, reward unused */
    fdl_stamps_reverse(10, 2, 12, 1, &after, &revoked);
    CHECK_INT(revoked, 1);
    CHECK_INT(after, 0);
}

static void test_reversal_after_use_goes_negative(void)
{
    int64_t after, revoked;
    fdl_stamps_reverse(10, 2, 12, 0, &after, &revoked);
    CHECK_INT(revoked, 0);
    CHECK_INT(after, -10);
    /* later stamps pay what is owed before a new card fills */
    int64_t rewards;
    fdl_stamps_add(10, after, 10, &after, &rewards);
    CHECK_INT(after, 0);
    CHECK_INT(rewards, 0);
}

static void test_line_reversal_is_cumulative(void)
{
    /* 3 units gave 3 stamps: refund 1, then 2 more */
    CHECK_INT(fdl_stamps_line_reversal(3, 3, 1, 0), 1);
    CHECK_INT(fdl_stamps_line_reversal(3, 3, 3, 1), 2);
    CHECK_INT(fdl_stamps_line_reversal(3, 3, 3, 3), 0);
    /* capped line: 5 units gave 2 stamps; every unit back takes both */
    CHECK_INT(fdl_stamps_line_reversal(2, 5, 2, 0), 0);
    CHECK_INT(fdl_stamps_line_reversal(2, 5, 5, 0), 2);
}

/* ---- expiry ---- */

static void test_expiry_starts_with_the_card(void)
{
    struct fdl_stamp_card_def c = coffee_card();
    c.expiry_days = 180;
    int64_t now = 1000 * DAY;
    CHECK_INT(fdl_stamps_expiry(&c, 0, 3, 0, 0, now), now + 180 * DAY);
    CHECK_INT(fdl_stamps_expiry(&c, 3, 5, 0, now, now + DAY), now); /* same card */
    CHECK_INT(fdl_stamps_expiry(&c, 9, 2, 1, now, now + DAY), now + 181 * DAY); /* new */
    CHECK_INT(fdl_stamps_expiry(&c, 9, 0, 1, now, now + DAY), 0); /* empty new card */
    c.expiry_days = 0;
    CHECK_INT(fdl_stamps_expiry(&c, 0, 3, 0, 0, now), 0);
}

static void test_lapse_at_the_second(void)
{
    CHECK_INT(fdl_stamps_lapsed(3, 5000, 4999), 0);
    CHECK_INT(fdl_stamps_lapsed(3, 5000, 5000), 1);
    CHECK_INT(fdl_stamps_lapsed(0, 5000, 6000), 0);
    CHECK_INT(fdl_stamps_lapsed(-2, 5000, 6000), 0); /* owed stamps never lapse */
    CHECK_INT(fdl_stamps_lapsed(3, 0, 6000), 0);
}

static void test_voucher_takes_listed_skus(void)
{
    struct fdl_stamp_voucher v;
    memset(&v, 0, sizeof(v));
    snprintf(v.skus, sizeof(v.skus), "espresso\nlatte");
    CHECK_INT(fdl_stamp_voucher_takes(&v, "latte"), 1);
    CHECK_INT(fdl_stamp_voucher_takes(&v, "espresso"), 1);
    CHECK_INT(fdl_stamp_voucher_takes(&v, "lat"), 0);
    CHECK_INT(fdl_stamp_voucher_takes(&v, "espresso\nlatte"), 0);
}

/* ---- the program file ---- */

#define HEAD "program: {name: T, currency: EUR, time_zone: Europe/Madrid}\n"

static int load(const char *text, struct fdl_error *err)
{
    struct fdl_program_def *def = NULL;
    int rc = fdl_program_file_load(text, strlen(text), &def, err);
    fdl_program_def_free(def);
    return rc;
}

static void test_file_loads_a_card(void)
{
    const char *text = HEAD "stamps:\n"
                            "  - id: coffee\n"
                            "    name: Coffee card\n"
                            "    goal: 10\n"
                            "    per: item\n"
                            "    categories: [coffee]\n"
                            "    min_spend: 3.00\n"
                            "    max_per_purchase: 5\n"
                            "    expiry_days: 180\n"
                            "    reward: {free_item: [latte, espresso], valid_days: 30}\n"
                            "  - id: visits\n"
                            "    name: Visit card\n"
                            "    goal: 5\n"
                            "    per: visit\n"
                            "    reward: {points: 100}\n";
    struct fdl_program_def *def = NULL;
    struct fdl_error err;
    CHECK_INT(fdl_program_file_load(text, strlen(text), &def, &err), 0);
    CHECK_INT(def->n_stamp_cards, 2);
    const struct fdl_stamp_card_def *c = &def->stamp_cards[0];
    int ok = strcmp(c->name, "Coffee card") == 0 && c->goal == 10 &&
             c->min_spend_minor == 300 && c->max_per_purchase == 5 &&
             c->expiry_days == 180 && c->free_items.n == 2 &&
             strcmp(c->free_items.items[0], "espresso") == 0 && c->valid_days == 30 &&
             def->stamp_cards[1].per == FDL_STAMP_PER_VISIT &&
             def->stamp_cards[1].reward == FDL_STAMP_REWARD_POINTS &&
             def->stamp_cards[1].reward_points == 100;
    fdl_program_def_free(def);
    CHECK(ok);
}

static void expect_error(const char *body, const char *field)
{
    char text[2048];
    snprintf(text, sizeof(text), HEAD "stamps:\n%s", body);
    struct fdl_error err;
    memset(&err, 0, sizeof(err));
    if (load(text, &err) == 0 || strcmp(err.field, field) != 0) {
        fprintf(stderr, "  expected an error at %s, got \"%s\": %s\n", field, err.field,
                err.message);
        check_current_failed = 1;
    }
}

#define CARD "  - {id: c, name: C, goal: 10, reward: {points: 5}"

static void test_file_errors_name_the_key(void)
{
    expect_error(CARD ", goal: 1}\n", "stamps[0].goal"); /* twice */
    expect_error("  - {id: c, name: C, goal: 1, reward: {points: 5}}\n",
                 "stamps[0].goal");
    expect_error("  - {id: c, name: C, goal: 101, reward: {points: 5}}\n",
                 "stamps[0].goal");
    expect_error("  - {id: c, name: C, goal: ten, reward: {points: 5}}\n",
                 "stamps[0].goal");
    expect_error("  - {id: c, name: C, reward: {points: 5}}\n", "stamps[0].goal");
    expect_error("  - {id: c, goal: 10, reward: {points: 5}}\n", "stamps[0].name");
    expect_error("  - {id: c, name: C, goal: 10}\n", "stamps[0].reward");
    expect_error("  - {id: 'c c', name: C, goal: 10, reward: {points: 5}}\n",
                 "stamps[0].id");
    expect_error(CARD ", per: week}\n", "stamps[0].per");
    expect_error(CARD ", colour: red}\n", "stamps[0].colour");
    expect_error(CARD ", max_per_purchase: 0}\n", "stamps[0].max_per_purchase");
    expect_error(CARD ", expiry_days: -1}\n", "stamps[0].expiry_days");
    expect_error(CARD ", min_spend: 3.001}\n", "stamps[0].min_spend");
    expect_error(CARD ", skus: []}\n", "stamps[0].skus");
    expect_error(CARD "}\n" CARD "}\n", "stamps[1].id");
    expect_error("  - {id: c, name: C, goal: 10, reward: {points: 5, free_item: [a]}}\n",
                 "stamps[0].reward");
    expect_error("  - {id: c, name: C, goal: 10, reward: {}}\n", "stamps[0].reward");
    expect_error("  - {id: c, name: C, goal: 10, reward: {points: 0}}\n",
                 "stamps[0].reward.points");
    expect_error("  - {id: c, name: C, goal: 10, reward: {points: 5, valid_days: 3}}\n",
                 "stamps[0].reward.valid_days");
    expect_error("  - {id: c, name: C, goal: 10, reward: {free_item: a}}\n",
                 "stamps[0].reward.free_item");
    expect_error(
        "  - {id: c, name: C, goal: 10, reward: {free_item: [a], valid_days: 0}}\n",
        "stamps[0].reward.valid_days");
    expect_error("  coffee: 1\n", "stamps");
}

static void test_file_refuses_too_many_cards(void)
{
    char body[4096] = "";
    size_t used = 0;
    for (int i = 0; i <= FDL_MAX_STAMP_CARDS; i++)
        used += (size_t)snprintf(
            body + used, sizeof(body) - used,
            "  - {id: c%d, name: C, goal: 10, reward: {points: 5}}\n", i);
    char text[4200];
    snprintf(text, sizeof(text), HEAD "stamps:\n%s", body);
    struct fdl_error err;
    CHECK(load(text, &err) != 0);
    char field[32];
    snprintf(field, sizeof(field), "stamps[%d]", FDL_MAX_STAMP_CARDS);
    CHECK_STR(err.field, field);
}

static void test_explain_in_four_languages(void)
{
    const char *text = HEAD "stamps:\n"
                            "  - id: coffee\n"
                            "    name: Coffee card\n"
                            "    goal: 10\n"
                            "    categories: [coffee]\n"
                            "    expiry_days: 180\n"
                            "    reward: {free_item: [espresso, latte]}\n"
                            "  - {id: lunch, name: Lunch card, goal: 5, per: visit,"
                            " reward: {points: 100}}\n";
    static const char *const want[][3] = {
        {"en",
         "- Coffee card. Get a stamp for every item in the category coffee; 10 stamps "
         "give a free espresso or latte. The voucher is valid for 90 days.",
         "- Lunch card. Get a stamp for every purchase; 5 stamps give a gift of 100 "
         "points.\n"},
        {"es", "10 sellos te dan un espresso o latte gratis.",
         "Consigue un sello en cada compra; 5 sellos te dan 100 puntos de regalo."},
        {"ca", "10 segells et donen un espresso o latte gratuït.",
         "Els segells d'una targeta sense completar caduquen 180 dies després del "
         "primer."},
        {"ru", "10 штампов — это бесплатный espresso или latte.",
         "## Карточки со штампами"},
    };
    struct fdl_program_def *def = NULL;
    struct fdl_error err;
    CHECK_INT(fdl_program_file_load(text, strlen(text), &def, &err), 0);
    int ok = 1;
    for (size_t i = 0; i < sizeof(want) / sizeof(*want) && ok; i++) {
        char *out = NULL;
        ok = fdl_program_explain(def, want[i][0], &out, &err) == 0 &&
             strstr(out, want[i][1]) && strstr(out, want[i][2]);
        if (!ok)
            fprintf(stderr, "  %s:\n%s\n", want[i][0], out ? out : "(none)");
        free(out);
    }
    fdl_program_def_free(def);
    CHECK(ok);
}

/* Tier benefits (tiers.levels[].benefits) load in order and are explained. */
static void test_tier_benefits_load_and_explain(void)
{
    const char *text = HEAD "tiers:\n"
                            "  basis: points\n"
                            "  levels:\n"
                            "    - {name: bronze, min: 0}\n"
                            "    - {name: gold, min: 100, benefits: [Envío gratis, "
                            "\"Puntos dobles los sábados!\"]}\n";
    struct fdl_program_def *def = NULL;
    struct fdl_error err;
    CHECK_INT(fdl_program_file_load(text, strlen(text), &def, &err), 0);
    char *out = NULL;
    int ok = def->tier_benefits[0].n == 0 && def->tier_benefits[1].n == 2 &&
             strcmp(def->tier_benefits[1].items[0], "Envío gratis") == 0 &&
             fdl_program_explain(def, "es", &out, &err) == 0 &&
             strstr(out, "## Niveles y sus ventajas\n\n- Gold: Envío gratis. Puntos "
                         "dobles los sábados!\n");
    if (!ok && out)
        fprintf(stderr, "%s\n", out);
    free(out);
    fdl_program_def_free(def);
    CHECK(ok);
}

int main(void)
{
    RUN(test_item_card_counts_qualifying_units);
    RUN(test_free_units_give_no_stamp);
    RUN(test_cap_and_min_spend);
    RUN(test_visit_card_gives_one_stamp);
    RUN(test_labels_match_any);
    RUN(test_twelve_on_ten_is_one_reward_and_two);
    RUN(test_owed_stamps_are_paid_first);
    RUN(test_reversal_within_card);
    RUN(test_reversal_unfills_and_revokes_unused);
    RUN(test_reversal_after_use_goes_negative);
    RUN(test_line_reversal_is_cumulative);
    RUN(test_expiry_starts_with_the_card);
    RUN(test_lapse_at_the_second);
    RUN(test_voucher_takes_listed_skus);
    RUN(test_file_loads_a_card);
    RUN(test_file_errors_name_the_key);
    RUN(test_file_refuses_too_many_cards);
    RUN(test_explain_in_four_languages);
    RUN(test_tier_benefits_load_and_explain);
    return check_done();
}
