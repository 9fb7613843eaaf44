/*
 * test_rewards.c - the reward catalogue and launches: the program file
 * sections (every key, and errors naming the key path), eligibility in
 * its order and at each limit, per-member periods on the local calendar,
 * launch windows by tier and by reward, and the plain-language text in
 * four languages.
 */
#include "engine/rewards.h"

#include "base/clock.h"
#include "engine/explain.h"
#include "engine/messages.h"
#include "engine/program_file.h"
#include "engine/rules.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define HEAD                                                                             \
    "program:\n  name: Boutique\n  currency: EUR\n  time_zone: Europe/Madrid\n"          \
    "tiers:\n  basis: spend\n  levels:\n    - { name: bronze, min: 0 }\n"                \
    "    - { name: silver, min: 500 }\n    - { name: gold, min: 2000 }\n"

static const char full[] = HEAD
    "launches:\n"
    "  - id: spring-26\n"
    "    name: Spring collection\n"
    "    skus: [dress-01, dress-02]\n"
    "    categories: [spring]\n"
    "    opens_at: 2026-03-15T09:00\n"
    "    early: { gold: 7, silver: 2 }\n"
    "rewards:\n"
    "  hold_minutes: 20\n"
    "  items:\n"
    "    - { id: coffee-free, name: Free coffee, kind: product, cost: 150, sku: "
    "espresso }\n"
    "    - { id: five-off, name: 5 EUR off, kind: discount, cost: 500, value: 5.00 }\n"
    "    - id: tote-bag\n"
    "      name: Tote bag\n"
    "      kind: merchandise\n"
    "      cost: 2000\n"
    "      stock: 50\n"
    "      per_member: 1\n"
    "      per_member_period: year\n"
    "      tiers: [gold]\n"
    "      valid_from: 2026-01-01\n"
    "      valid_until: 2026-12-31\n"
    "    - { id: spring-preview, name: Spring preview, kind: early_access, cost: 300, "
    "launch: spring-26 }\n";

static struct fdl_program_def *load(const char *text, struct fdl_error *err)
{
    struct fdl_program_def *def = NULL;
    memset(err, 0, sizeof(*err));
    if (fdl_program_file_load(text, strlen(text), &def, err) != 0)
        return NULL;
    return def;
}

static void test_the_issue_example_loads(void)
{
    struct fdl_error err;
    struct fdl_program_def *def = load(full, &err);
    CHECK(def != NULL);
    const struct fdl_reward_catalog *c = def->rewards;
    CHECK(c && c->n == 4);
    CHECK_INT(c->hold_minutes, 20);
    const struct fdl_reward *coffee = fdl_reward_find(c, "coffee-free");
    CHECK(coffee && coffee->kind == FDL_REWARD_PRODUCT);
    CHECK_STR(coffee->sku, "espresso");
    CHECK_INT(coffee->cost_points, 150);
    const struct fdl_reward *five = fdl_reward_find(c, "five-off");
    CHECK(five && five->kind == FDL_REWARD_DISCOUNT);
    CHECK_INT(five->value_minor, 500);
    const struct fdl_reward *tote = fdl_reward_find(c, "tote-bag");
    CHECK(tote && tote->stock == 50 && tote->per_member == 1);
    CHECK(tote->period == FDL_PERIOD_YEAR && tote->tiers.n == 1);
    CHECK(tote->has_valid_from && tote->has_valid_until);
    CHECK_INT(tote->valid_until_day - tote->valid_from_day, 364);
    CHECK(fdl_reward_find(c, "nope") == NULL);
    const struct fdl_launch_list *ls = def->launches;
    CHECK(ls && ls->n == 1);
    CHECK_INT(ls->items[0].opens_local_s,
              fdl_days_from_civil(2026, 3, 15) * 86400 + 9 * 3600);
    CHECK(fdl_launch_of(ls, "dress-02", NULL) == &ls->items[0]);
    CHECK(fdl_launch_of(ls, "other", "spring") == &ls->items[0]);
    CHECK(fdl_launch_of(ls, "other", "") == NULL);
    fdl_program_def_free(def);
}

static void test_a_plain_list_holds_15_minutes(void)
{
    struct fdl_error err;
    struct fdl_program_def *def =
        load(HEAD "rewards:\n  - { id: a, name: A, kind: merchandise, cost: 1 }\n", &err);
    CHECK(def != NULL);
    CHECK_INT(def->rewards->hold_minutes, FDL_DEFAULT_HOLD_MINUTES);
    CHECK(def->launches == NULL);
    fdl_program_def_free(def);
}

/* Each bad file fails with code on exactly field. */
static void test_bad_keys_name_their_path(void)
{
    static const struct {
        const char *section;
        int code;
        const char *field;
    } cases[] = {
        {"rewards:\n  - { id: a, name: A, kind: gift, cost: 1 }\n", FDL_EINVALID,
         "rewards[0].kind"},
        {"rewards:\n  - { id: a, name: A, kind: product, cost: 1 }\n", FDL_EMISSING_FIELD,
         "rewards[0].sku"},
        {"rewards:\n  - { id: a, name: A, kind: merchandise, cost: 1, sku: x }\n",
         FDL_EINVALID, "rewards[0].sku"},
        {"rewards:\n  - { id: a, name: A, kind: discount, cost: 1, value: 1.234 }\n",
         FDL_EINVALID, "rewards[0].value"},
        {"rewards:\n  - { id: a, name: A, kind: merchandise, cost: 0 }\n", FDL_ERANGE,
         "rewards[0].cost"},
        {"rewards:\n  - { id: a, name: A, kind: merchandise, cost: \"5\" }\n",
         FDL_EFIELD_TYPE, "rewards[0].cost"},
        {"rewards:\n  - { id: a, name: A, kind: merchandise, cost: 1, stock: -1 }\n",
         FDL_ERANGE, "rewards[0].stock"},
        {"rewards:\n  - { id: a, name: A, kind: merchandise, cost: 1, colour: red }\n",
         FDL_EUNKNOWN_FIELD, "rewards[0].colour"},
        {"rewards:\n  - { id: a, name: A, kind: merchandise, cost: 1, tiers: [platinum] "
         "}\n",
         FDL_EINVALID, "rewards[0].tiers[0]"},
        {"rewards:\n  - { id: a, name: A, kind: merchandise, cost: 1, "
         "per_member_period: year }\n",
         FDL_EINVALID, "rewards[0].per_member_period"},
        {"rewards:\n  - { id: a, name: A, kind: merchandise, cost: 1, per_member: 1, "
         "per_member_period: week }\n",
         FDL_EINVALID, "rewards[0].per_member_period"},
        {"rewards:\n  - { id: a, name: A, kind: merchandise, cost: 1, valid_from: "
         "2026-02-01, valid_until: 2026-01-01 }\n",
         FDL_EINVALID, "rewards[0].valid_until"},
        {"rewards:\n  - { id: a, name: A, kind: early_access, cost: 1, launch: nope }\n",
         FDL_EINVALID, "rewards[0].launch"},
        {"rewards:\n  - { id: a, name: A, kind: merchandise, cost: 1 }\n"
         "  - { id: a, name: B, kind: merchandise, cost: 1 }\n",
         FDL_EINVALID, "rewards[1].id"},
        {"rewards:\n  - { id: \"a b\", name: A, kind: merchandise, cost: 1 }\n",
         FDL_EINVALID, "rewards[0].id"},
        {"rewards:\n  hold_minutes: 0\n  items: []\n", FDL_ERANGE,
         "rewards.hold_minutes"},
        {"rewards:\n  hold_minutes: 15\n", FDL_EMISSING_FIELD, "rewards.items"},
        {"rewards: 12\n", FDL_EFIELD_TYPE, "rewards"},
        {"launches:\n  - { id: l, opens_at: 2026-03-15T09:00 }\n", FDL_EMISSING_FIELD,
         "launches[0].skus"},
        {"launches:\n  - { id: l, skus: [a], opens_at: 2026-03-15 }\n", FDL_EINVALID,
         "launches[0].opens_at"},
        {"launches:\n  - { id: l, skus: [a], opens_at: 2026-03-15T25:00 }\n",
         FDL_EINVALID, "launches[0].opens_at"},
        {"launches:\n  - { id: l, skus: [a], opens_at: 2026-03-15T09:00, early: { "
         "platinum: 3 } }\n",
         FDL_EINVALID, "launches[0].early.platinum"},
        {"launches:\n  - { id: l, skus: [a], opens_at: 2026-03-15T09:00, early: { gold: "
         "366 } }\n",
         FDL_ERANGE, "launches[0].early.gold"},
        {"launches:\n  - { id: l, skus: [a], opens_at: 2026-03-15T09:00 }\n"
         "  - { id: l, skus: [b], opens_at: 2026-03-15T09:00 }\n",
         FDL_EINVALID, "launches[1].id"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[2048];
        snprintf(text, sizeof(text), "%s%s", HEAD, cases[i].section);
        struct fdl_error err;
        struct fdl_program_def *def = load(text, &err);
        if (def || err.code != cases[i].code || strcmp(err.field, cases[i].field) != 0)
            fprintf(stderr, "  case %zu: code %d field \"%s\": %s\n", i, err.code,
                    err.field, err.message);
        CHECK(def == NULL);
        CHECK_INT(err.code, cases[i].code);
        CHECK_STR(err.field, cases[i].field);
        int line, column;
        CHECK(fdl_program_file_error_position(&err, &line, &column) == 0);
    }
}

static void test_early_without_tiers_is_refused(void)
{
    struct fdl_error err;
    struct fdl_program_def *def =
        load("program:\n  name: P\n  currency: EUR\n  time_zone: UTC\nlaunches:\n"
             "  - { id: l, skus: [a], opens_at: 2026-03-15T09:00, early: { gold: 3 } }\n",
             &err);
    CHECK(def == NULL);
    CHECK_STR(err.field, "launches[0].early");
}

static struct fdl_reward tote(void)
{
    struct fdl_reward r;
    memset(&r, 0, sizeof(r));
    snprintf(r.id, sizeof(r.id), "tote");
    r.kind = FDL_REWARD_MERCHANDISE;
    r.cost_points = 100;
    r.stock = 5;
    r.per_member = 2;
    r.has_valid_from = r.has_valid_until = 1;
    r.valid_from_day = fdl_days_from_civil(2026, 1, 1);
    r.valid_until_day = fdl_days_from_civil(2026, 12, 31);
    return r;
}

static void test_eligibility_at_each_limit(void)
{
    struct fdl_reward r = tote();
    struct fdl_reward_view v = {"gold", 1, fdl_days_from_civil(2026, 6, 1), 200, 1, 4, 1};
    CHECK_INT(fdl_reward_check(&r, &v), FDL_REWARD_OK);
    v.stock_used = 5; /* stock 5 all held */
    CHECK_INT(fdl_reward_check(&r, &v), FDL_REWARD_STOCK);
    v.stock_used = 3;
    v.quantity = 2;
    v.member_used = 0;
    CHECK_INT(fdl_reward_check(&r, &v), FDL_REWARD_OK); /* exactly the stock and limit */
    v.quantity = 3;
    CHECK_INT(fdl_reward_check(&r, &v), FDL_REWARD_STOCK);
    v.stock_used = 0;
    CHECK_INT(fdl_reward_check(&r, &v), FDL_REWARD_LIMIT);
    v.quantity = 2;
    v.available_points = 199;
    CHECK_INT(fdl_reward_check(&r, &v), FDL_REWARD_POINTS);
    v.available_points = 200;
    v.today = fdl_days_from_civil(2027, 1, 1);
    CHECK_INT(fdl_reward_check(&r, &v), FDL_REWARD_WINDOW);
    v.today = fdl_days_from_civil(2025, 12, 31);
    CHECK_INT(fdl_reward_check(&r, &v), FDL_REWARD_WINDOW);
    v.today = fdl_days_from_civil(2026, 12, 31);
    CHECK_INT(fdl_reward_check(&r, &v), FDL_REWARD_OK);
    CHECK_INT(fdl_reward_remaining(&r, 3), 2);
    CHECK_INT(fdl_reward_remaining(&r, 7), 0);
    r.stock = 0;
    CHECK_INT(fdl_reward_remaining(&r, 7), -1);
    CHECK_STR(fdl_reward_reason_name(FDL_REWARD_POINTS), "points");
}

static void test_tier_lists_are_checked(void)
{
    struct fdl_error err;
    struct fdl_program_def *def = load(full, &err);
    CHECK(def != NULL);
    const struct fdl_reward *r = fdl_reward_find(def->rewards, "tote-bag");
    struct fdl_reward_view v = {"silver", 1, fdl_days_from_civil(2026, 6, 1), 5000, 1,
                                0,        0};
    enum fdl_reward_reason silver = fdl_reward_check(r, &v);
    v.tier = "gold";
    enum fdl_reward_reason gold = fdl_reward_check(r, &v);
    v.tier = NULL;
    enum fdl_reward_reason none = fdl_reward_check(r, &v);
    fdl_program_def_free(def);
    CHECK_INT(silver, FDL_REWARD_TIER);
    CHECK_INT(gold, FDL_REWARD_OK);
    CHECK_INT(none, FDL_REWARD_TIER);
}

static void test_periods_follow_the_local_calendar(void)
{
    struct fdl_reward r = tote();
    int64_t day = fdl_days_from_civil(2026, 8, 17);
    r.period = FDL_PERIOD_YEAR;
    CHECK_INT(fdl_reward_period_start(&r, day), fdl_days_from_civil(2026, 1, 1));
    r.period = FDL_PERIOD_MONTH;
    CHECK_INT(fdl_reward_period_start(&r, day), fdl_days_from_civil(2026, 8, 1));
    CHECK_INT(fdl_reward_period_start(&r, fdl_days_from_civil(2024, 2, 29)),
              fdl_days_from_civil(2024, 2, 1));
    r.period = FDL_PERIOD_LIFETIME;
    CHECK(fdl_reward_period_start(&r, day) == INT64_MIN);
}

static void test_launch_windows_by_tier_and_reward(void)
{
    struct fdl_error err;
    struct fdl_program_def *def = load(full, &err);
    CHECK(def != NULL);
    const struct fdl_launch *l = &def->launches->items[0];
    int64_t opens = l->opens_local_s;
    int64_t gold = fdl_launch_opens_for(l, "gold", 0);
    int64_t silver = fdl_launch_opens_for(l, "silver", 0);
    int64_t bronze = fdl_launch_opens_for(l, "bronze", 0);
    int64_t bronze_reward = fdl_launch_opens_for(l, "bronze", 1);
    int64_t silver_reward = fdl_launch_opens_for(l, "silver", 1);
    fdl_program_def_free(def);
    CHECK_INT(opens - gold, 7 * 86400);
    CHECK_INT(opens - silver, 2 * 86400);
    CHECK_INT(bronze, opens);
    CHECK_INT(bronze_reward, gold); /* a reward gives the earliest window */
    CHECK_INT(silver_reward, gold);
}

static char *explain(const char *lang)
{
    struct fdl_error err;
    struct fdl_program_def *def = load(full, &err);
    char *text = NULL;
    if (def && fdl_program_explain(def, lang, &text, &err) != 0)
        text = NULL;
    fdl_program_def_free(def);
    return text;
}

static void test_explained_in_four_languages(void)
{
    static const struct {
        const char *lang, *heading, *early, *item;
    } cases[] = {
        {"en", "## Rewards", "Gold members shop the Spring collection 7 days early.",
         "- Tote bag: 2,000 points (for gold members"},
        {"es", "## Recompensas",
         "Los socios gold compran «Spring collection» 7 días antes.",
         "- 5 EUR off: 500 puntos (5,00 € de descuento en tu compra)."},
        {"ca", "## Recompenses",
         "Els socis silver compren «Spring collection» 2 dies abans.",
         "- Free coffee: 150 punts (el producte espresso gratis)."},
        {"ru", "## Награды",
         "Участники уровня gold покупают «Spring collection» на 7 дней "
         "раньше.",
         "- Spring preview: 300 баллов (ранний доступ к «Spring collection»)."},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *text = explain(cases[i].lang);
        CHECK(text != NULL);
        int ok = strstr(text, cases[i].heading) && strstr(text, cases[i].early) &&
                 strstr(text, cases[i].item);
        if (!ok)
            fprintf(stderr, "%s\n", text);
        free(text);
        CHECK(ok);
    }
}

static void test_the_receipt_line_in_four_languages(void)
{
    static const struct {
        const char *lang;
        long long days;
        const char *text;
    } cases[] = {
        {"en", 1, "Early access (1 day before the opening): Spring."},
        {"en", 7, "Early access (7 days before the opening): Spring."},
        {"es", 2, "Acceso anticipado (2 días antes de la apertura): Spring."},
        {"ca", 1, "Accés anticipat (1 dia abans de l'obertura): Spring."},
        {"ru", 1, "Ранний доступ (за 1 день до открытия): Spring."},
        {"ru", 3, "Ранний доступ (за 3 дня до открытия): Spring."},
        {"ru", 7, "Ранний доступ (за 7 дней до открытия): Spring."},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[200];
        fdl_message_count_text(out, sizeof(out), FDL_MSG_EARLY_ACCESS, cases[i].lang,
                               cases[i].days, "Spring");
        CHECK_STR(out, cases[i].text);
    }
}

int main(void)
{
    RUN(test_the_issue_example_loads);
    RUN(test_a_plain_list_holds_15_minutes);
    RUN(test_bad_keys_name_their_path);
    RUN(test_early_without_tiers_is_refused);
    RUN(test_eligibility_at_each_limit);
    RUN(test_tier_lists_are_checked);
    RUN(test_periods_follow_the_local_calendar);
    RUN(test_launch_windows_by_tier_and_reward);
    RUN(test_explained_in_four_languages);
    RUN(test_the_receipt_line_in_four_languages);
    return check_done();
}
