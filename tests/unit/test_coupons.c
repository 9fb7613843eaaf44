/*
 * test_coupons.c - coupons: code format and input, the keyed check, the
 * hash, effects and stacking arithmetic, and the program file section.
 */
#include "engine/coupons.h"
#include "engine/explain.h"
#include "engine/program_file.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define SAMPLE_CODES 500

static struct fdl_card_key test_key(void)
{
    struct fdl_card_key key;
    for (int i = 0; i < FDL_CARD_KEY_BYTES; i++)
        key.bytes[i] = (unsigned char)(i * 7);
    return key;
}

/* ---- codes ---- */

static void generated_codes_have_the_format_and_pass(void)
{
    struct fdl_card_key key = test_key();
    for (int i = 0; i < SAMPLE_CODES; i++) {
        char code[FDL_COUPON_CODE_CHARS + 1], pretty[FDL_COUPON_FORMATTED_MAX];
        fdl_coupon_generate(&key, 7, code);
        CHECK_INT(strlen(code), FDL_COUPON_CODE_CHARS);
        CHECK(strspn(code, "0123456789ABCDEFGHJKMNPQRSTVWXYZ") == FDL_COUPON_CODE_CHARS);
        CHECK_INT(fdl_coupon_check(&key, 7, code, "code", NULL), 0);
        fdl_coupon_format(code, pretty);
        CHECK_INT(strlen(pretty), FDL_COUPON_CODE_CHARS + 3);
        CHECK(pretty[4] == '-' && pretty[9] == '-' && pretty[14] == '-');
        /* As a person types it: lower case, spaces, the dashes. */
        char typed[64], back[FDL_COUPON_TEXT_MAX];
        for (size_t k = 0; k <= strlen(pretty); k++)
            typed[k] =
                (char)(pretty[k] >= 'A' && pretty[k] <= 'Z' ? pretty[k] + 32 : pretty[k]);
        CHECK_INT(fdl_coupon_normalize(typed, back), FDL_COUPON_CODE_CHARS);
        CHECK_STR(back, code);
    }
}

static void another_program_or_key_refuses_the_code(void)
{
    struct fdl_card_key key = test_key(), other = test_key();
    other.bytes[0] ^= 1;
    int passed_other_program = 0, passed_other_key = 0;
    for (int i = 0; i < SAMPLE_CODES; i++) {
        char code[FDL_COUPON_CODE_CHARS + 1];
        fdl_coupon_generate(&key, 7, code);
        passed_other_program += fdl_coupon_check(&key, 8, code, "c", NULL) == 0;
        passed_other_key += fdl_coupon_check(&other, 7, code, "c", NULL) == 0;
    }
    /* 20 check bits: a stray pass is a one-in-a-million event. */
    CHECK(passed_other_program <= 1);
    CHECK(passed_other_key <= 1);
}

static void every_single_typo_is_refused(void)
{
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    struct fdl_card_key key = test_key();
    char code[FDL_COUPON_CODE_CHARS + 1];
    fdl_coupon_generate(&key, 3, code);
    int passed = 0, tried = 0;
    for (int pos = 0; pos < FDL_COUPON_CODE_CHARS; pos++) {
        for (int k = 0; alphabet[k]; k++) {
            if (alphabet[k] == code[pos])
                continue;
            char typo[FDL_COUPON_CODE_CHARS + 1];
            memcpy(typo, code, sizeof(typo));
            typo[pos] = alphabet[k];
            struct fdl_error err;
            fdl_error_clear(&err);
            if (fdl_coupon_check(&key, 3, typo, "coupons[0]", &err) == 0)
                passed++;
            else
                CHECK(err.code == FDL_EINVALID && strcmp(err.field, "coupons[0]") == 0);
            tried++;
        }
    }
    CHECK_INT(tried, FDL_COUPON_CODE_CHARS * 31);
    CHECK(passed <= 1);
}

static void normalisation_is_forgiving_but_strict(void)
{
    char out[FDL_COUPON_TEXT_MAX];
    CHECK_INT(fdl_coupon_normalize(" summer-10 ", out), 8);
    CHECK_STR(out, "SUMMER10");
    CHECK_INT(fdl_coupon_normalize("oil", out), 3);
    CHECK_STR(out, "011");
    CHECK_INT(fdl_coupon_normalize("", out), -1);
    CHECK_INT(fdl_coupon_normalize(" - ", out), -1);
    CHECK_INT(fdl_coupon_normalize(NULL, out), -1);
    CHECK_INT(fdl_coupon_normalize("SUMMER_10", out), -1);
    CHECK_INT(fdl_coupon_normalize("SUMMER\n10", out), -1);
    CHECK_INT(fdl_coupon_normalize("SÜMMER", out), -1);
    CHECK_INT(fdl_coupon_normalize("'; DROP TABLE coupons; --", out), -1);
    char longest[FDL_COUPON_GENERIC_MAX + 2];
    memset(longest, 'A', sizeof(longest));
    longest[FDL_COUPON_GENERIC_MAX] = '\0';
    CHECK_INT(fdl_coupon_normalize(longest, out), FDL_COUPON_GENERIC_MAX);
    longest[FDL_COUPON_GENERIC_MAX] = 'A';
    longest[FDL_COUPON_GENERIC_MAX + 1] = '\0';
    CHECK_INT(fdl_coupon_normalize(longest, out), -1);
    char spaced[FDL_COUPON_INPUT_MAX + 2];
    memset(spaced, ' ', sizeof(spaced));
    spaced[0] = 'A';
    spaced[FDL_COUPON_INPUT_MAX + 1] = '\0';
    CHECK_INT(fdl_coupon_normalize(spaced, out), -1); /* too long as typed */
}

static void malformed_codes_fail_the_check(void)
{
    struct fdl_card_key key = test_key();
    CHECK(fdl_coupon_check(&key, 1, "SUMMER10", "c", NULL) == FDL_EINVALID);
    CHECK(fdl_coupon_check(&key, 1, "UUUUUUUUUUUUUUUU", "c", NULL) == FDL_EINVALID);
    CHECK(fdl_coupon_check(&key, 1, "", "c", NULL) == FDL_EINVALID);
    CHECK(fdl_coupon_check(&key, 1, NULL, "c", NULL) == FDL_EINVALID);
}

static void hash_and_mask(void)
{
    unsigned char a[FDL_COUPON_HASH_BYTES], b[FDL_COUPON_HASH_BYTES];
    fdl_coupon_hash(1, "ABCDEFGHJKMNPQRS", a);
    fdl_coupon_hash(1, "ABCDEFGHJKMNPQRS", b);
    CHECK(memcmp(a, b, sizeof(a)) == 0);
    fdl_coupon_hash(2, "ABCDEFGHJKMNPQRS", b);
    CHECK(memcmp(a, b, sizeof(a)) != 0);
    char masked[FDL_COUPON_TEXT_MAX];
    fdl_coupon_mask("SUMMER10", masked);
    CHECK_STR(masked, "****ER10");
    fdl_coupon_mask("ABC", masked);
    CHECK_STR(masked, "ABC");
    fdl_coupon_mask("ABCDEFGHJKMNPQRS", masked);
    CHECK_STR(masked, "************PQRS");
}

/* ---- arithmetic ---- */

static const char *const summer[] = {"summer"};

static struct fdl_coupon_campaign campaign(enum fdl_coupon_effect effect, int64_t value)
{
    struct fdl_coupon_campaign c;
    memset(&c, 0, sizeof(c));
    snprintf(c.id, sizeof(c.id), "test");
    c.name = "";
    c.effect = effect;
    if (effect == FDL_COUPON_PERCENT)
        c.percent = value;
    else
        c.amount_minor = value;
    return c;
}

static struct fdl_rules_line line(const char *sku, const char *category, int64_t qty,
                                  int64_t unit)
{
    return (struct fdl_rules_line){sku, category, NULL, 0, qty, unit, qty * unit};
}

static void percent_of_matching_lines_rounds_down(void)
{
    struct fdl_rules_line lines[] = {line("hat", "summer", 1, 1999),
                                     line("coat", "winter", 1, 10000),
                                     line("cap", "summer", 2, 1250)};
    struct fdl_coupon_campaign c = campaign(FDL_COUPON_PERCENT, 10);
    c.categories = (struct fdl_string_set){summer, 1};
    int64_t remaining[] = {1999, 10000, 2500}, share[3];
    /* 10 % of 44.99 = 4.499: 4.49 off, spread over the summer lines only. */
    CHECK_INT(fdl_coupon_discount(&c, lines, 3, remaining, share), 449);
    CHECK_INT(share[1], 0);
    CHECK_INT(share[0] + share[2], 449);
    CHECK_INT(remaining[0] + remaining[2], 4499 - 449);
    CHECK_INT(remaining[1], 10000);
    c.percent = 100; /* everything that remains, never below zero */
    CHECK_INT(fdl_coupon_discount(&c, lines, 3, remaining, share), 4499 - 449);
    CHECK_INT(remaining[0], 0);
    CHECK_INT(remaining[2], 0);
    CHECK_INT(fdl_coupon_discount(&c, lines, 3, remaining, share), 0);
}

static void amount_is_capped_by_the_matching_lines(void)
{
    struct fdl_rules_line lines[] = {line("a", "x", 1, 300), line("b", "y", 1, 100)};
    struct fdl_coupon_campaign c = campaign(FDL_COUPON_AMOUNT, 500);
    int64_t remaining[] = {300, 100}, share[2];
    CHECK_INT(fdl_coupon_discount(&c, lines, 2, remaining, share), 400);
    CHECK_INT(share[0], 300);
    CHECK_INT(share[1], 100);
    int64_t again[] = {300, 100};
    c.amount_minor = 200;
    CHECK_INT(fdl_coupon_discount(&c, lines, 2, again, share), 200);
    CHECK_INT(share[0], 150);
    CHECK_INT(share[1], 50);
}

static void free_item_takes_one_unit_of_the_cheapest(void)
{
    static const char *const free_skus[] = {"croissant", "muffin"};
    struct fdl_rules_line lines[] = {line("coffee", "drinks", 2, 250),
                                     line("muffin", "bakery", 3, 300),
                                     line("croissant", "bakery", 2, 180)};
    struct fdl_coupon_campaign c = campaign(FDL_COUPON_FREE_ITEM, 0);
    c.free_skus = (struct fdl_string_set){free_skus, 2};
    int64_t remaining[] = {500, 900, 360}, share[3];
    CHECK_INT(fdl_coupon_discount(&c, lines, 3, remaining, share), 180);
    CHECK_INT(share[2], 180);
    CHECK_INT(share[0] + share[1], 0);
    struct fdl_rules_line none[] = {line("coffee", "drinks", 1, 250)};
    int64_t r2[] = {250};
    CHECK_INT(fdl_coupon_discount(&c, none, 1, r2, share), 0);
}

static void purchase_level_checks(void)
{
    static const char *const gold[] = {"gold"};
    struct fdl_coupon_campaign c = campaign(FDL_COUPON_PERCENT, 10);
    c.has_valid_from = c.has_valid_until = 1;
    c.valid_from_day = 100;
    c.valid_until_day = 200;
    c.min_basket_minor = 2000;
    c.tiers = (struct fdl_string_set){gold, 1};
    CHECK_INT(fdl_coupon_applies(&c, 99, "gold", 5000), FDL_COUPON_NOT_YET);
    CHECK_INT(fdl_coupon_applies(&c, 100, "gold", 5000), FDL_COUPON_OK);
    CHECK_INT(fdl_coupon_applies(&c, 200, "gold", 2000), FDL_COUPON_OK);
    CHECK_INT(fdl_coupon_applies(&c, 201, "gold", 5000), FDL_COUPON_ENDED);
    CHECK_INT(fdl_coupon_applies(&c, 150, "silver", 5000), FDL_COUPON_TIER);
    CHECK_INT(fdl_coupon_applies(&c, 150, NULL, 5000), FDL_COUPON_TIER);
    CHECK_INT(fdl_coupon_applies(&c, 150, "gold", 1999), FDL_COUPON_MIN_BASKET);
}

static void stacking_rules(void)
{
    struct fdl_coupon_campaign ex = campaign(FDL_COUPON_PERCENT, 10),
                               st1 = campaign(FDL_COUPON_AMOUNT, 100),
                               st2 = campaign(FDL_COUPON_AMOUNT, 200);
    st1.stacking = st2.stacking = FDL_COUPON_STACKABLE;
    const struct fdl_coupon_campaign *alone[] = {&ex};
    const struct fdl_coupon_campaign *both[] = {&st1, &st2};
    const struct fdl_coupon_campaign *mixed[] = {&st1, &ex};
    size_t bad = 99;
    CHECK_INT(fdl_coupon_stacking_conflict(alone, 1, &bad), 0);
    CHECK_INT(fdl_coupon_stacking_conflict(both, 2, &bad), 0);
    CHECK_INT(fdl_coupon_stacking_conflict(mixed, 2, &bad), -1);
    CHECK_INT(bad, 1);
}

/* ---- the program file ---- */

static const char base[] = "program:\n"
                           "  name: Test\n"
                           "  currency: EUR\n"
                           "  time_zone: Europe/Madrid\n"
                           "tiers:\n"
                           "  basis: spend\n"
                           "  levels:\n"
                           "    - {name: basic, min: 0}\n"
                           "    - {name: gold, min: 500}\n";

static int load(const char *coupons, struct fdl_program_def **def, struct fdl_error *err)
{
    char text[4096];
    snprintf(text, sizeof(text), "%scoupons:\n%s", base, coupons);
    fdl_error_clear(err);
    return fdl_program_file_load(text, strlen(text), def, err);
}

static void section_loads(void)
{
    struct fdl_program_def *def = NULL;
    struct fdl_error err;
    int rc = load("  - id: summer10\n"
                  "    name: Summer 10 %\n"
                  "    code: summer-10\n"
                  "    effect: {percent: 10}\n"
                  "    valid_from: 2026-06-01\n"
                  "    valid_until: 2026-08-31\n"
                  "    min_basket: 20.00\n"
                  "    per_member: 1\n"
                  "    limit: 1000\n"
                  "    stacking: stackable\n"
                  "    categories: [summer]\n"
                  "    tiers: [gold]\n"
                  "  - id: welcome\n"
                  "    single_use: true\n"
                  "    effect: {amount: 5.00}\n"
                  "  - id: treat\n"
                  "    single_use: true\n"
                  "    effect:\n"
                  "      free_item: [croissant, muffin]\n",
                  &def, &err);
    if (rc)
        fprintf(stderr, "  %s: %s\n", err.field, err.message);
    CHECK_INT(rc, 0);
    CHECK_INT(def->n_coupons, 3);
    const struct fdl_coupon_campaign *c = &def->coupons[0];
    CHECK_STR(c->id, "summer10");
    CHECK_STR(c->name, "Summer 10 %");
    CHECK_STR(c->code, "SUMMER10");
    CHECK_STR(c->display, "summer-10");
    CHECK_INT(c->percent, 10);
    CHECK_INT(c->min_basket_minor, 2000);
    CHECK_INT(c->per_member, 1);
    CHECK_INT(c->limit, 1000);
    CHECK_INT(c->stacking, FDL_COUPON_STACKABLE);
    CHECK_INT(c->categories.n, 1);
    CHECK_INT(c->tiers.n, 1);
    CHECK(c->has_valid_from && c->has_valid_until);
    CHECK(fdl_coupon_find_generic(def->coupons, 3, "SUMMER10") == c);
    CHECK(fdl_coupon_find_generic(def->coupons, 3, "WELCOME") == NULL);
    CHECK_INT(def->coupons[1].single_use, 1);
    CHECK_INT(def->coupons[1].amount_minor, 500);
    CHECK_INT(def->coupons[1].stacking, FDL_COUPON_EXCLUSIVE);
    CHECK_INT(def->coupons[2].effect, FDL_COUPON_FREE_ITEM);
    CHECK_INT(def->coupons[2].free_skus.n, 2);
    fdl_program_def_free(def);
}

struct bad_case {
    const char *text, *field;
    int code;
};

static void section_refuses_bad_keys(void)
{
    static const struct bad_case cases[] = {
        {"  - id: a\n    code: ABCD\n", "coupons[0].effect", FDL_EMISSING_FIELD},
        {"  - code: ABCD\n    effect: {percent: 5}\n", "coupons[0].id",
         FDL_EMISSING_FIELD},
        {"  - id: a\n    effect: {percent: 5}\n", "coupons[0].code", FDL_EMISSING_FIELD},
        {"  - id: a\n    code: ABCD\n    single_use: true\n    effect: {percent: 5}\n",
         "coupons[0].code", FDL_EINVALID},
        {"  - id: a\n    code: ABCD\n    effect: {percent: 0}\n",
         "coupons[0].effect.percent", FDL_ERANGE},
        {"  - id: a\n    code: ABCD\n    effect: {percent: 101}\n",
         "coupons[0].effect.percent", FDL_ERANGE},
        {"  - id: a\n    code: ABCD\n    effect: {percent: 10.5}\n",
         "coupons[0].effect.percent", FDL_EFIELD_TYPE},
        {"  - id: a\n    code: ABCD\n    effect: {amount: 5.001}\n",
         "coupons[0].effect.amount", FDL_EINVALID},
        {"  - id: a\n    code: ABCD\n    effect: {amount: 0}\n",
         "coupons[0].effect.amount", FDL_ERANGE},
        {"  - id: a\n    code: ABCD\n    effect: {percent: 5, amount: 1}\n",
         "coupons[0].effect", FDL_EINVALID},
        {"  - id: a\n    code: ABCD\n    effect: {bogus: 1}\n", "coupons[0].effect.bogus",
         FDL_EUNKNOWN_FIELD},
        {"  - id: a\n    code: ABCD\n    effect: {free_item: []}\n",
         "coupons[0].effect.free_item", FDL_EINVALID},
        {"  - id: a\n    code: ABCD\n    effect: 10\n", "coupons[0].effect",
         FDL_EFIELD_TYPE},
        {"  - id: a\n    code: AB\n    effect: {percent: 5}\n", "coupons[0].code",
         FDL_EINVALID},
        {"  - id: a\n    code: AB_CD\n    effect: {percent: 5}\n", "coupons[0].code",
         FDL_EINVALID},
        {"  - id: a\n    code: ABCDEFGHJKMNPQRS\n    effect: {percent: 5}\n",
         "coupons[0].code", FDL_EINVALID},
        {"  - id: a\n    code: ABCD\n    effect: {percent: 5}\n"
         "  - id: b\n    code: abcd\n    effect: {percent: 5}\n",
         "coupons[1].code", FDL_EINVALID},
        {"  - id: a\n    code: ABCD\n    effect: {percent: 5}\n"
         "  - id: a\n    code: EFGH\n    effect: {percent: 5}\n",
         "coupons[1].id", FDL_EINVALID},
        {"  - id: a b\n    code: ABCD\n    effect: {percent: 5}\n", "coupons[0].id",
         FDL_EINVALID},
        {"  - id: a\n    code: ABCD\n    effect: {percent: 5}\n    valid_from: "
         "2026-13-01\n",
         "coupons[0].valid_from", FDL_EINVALID},
        {"  - id: a\n    code: ABCD\n    effect: {percent: 5}\n"
         "    valid_from: 2026-06-01\n    valid_until: 2026-05-01\n",
         "coupons[0].valid_until", FDL_EINVALID},
        {"  - id: a\n    code: ABCD\n    effect: {percent: 5}\n    per_member: 0\n",
         "coupons[0].per_member", FDL_ERANGE},
        {"  - id: a\n    code: ABCD\n    effect: {percent: 5}\n    limit: -1\n",
         "coupons[0].limit", FDL_ERANGE},
        {"  - id: a\n    code: ABCD\n    effect: {percent: 5}\n    stacking: maybe\n",
         "coupons[0].stacking", FDL_EINVALID},
        {"  - id: a\n    code: ABCD\n    effect: {percent: 5}\n    tiers: [platinum]\n",
         "coupons[0].tiers[0]", FDL_EINVALID},
        {"  - id: a\n    code: ABCD\n    effect: {percent: 5}\n    min_basket: -5\n",
         "coupons[0].min_basket", FDL_EFIELD_TYPE},
        {"  - id: a\n    code: ABCD\n    effect: {percent: 5}\n    single_use: yes\n",
         "coupons[0].single_use", FDL_EFIELD_TYPE},
        {"  - id: a\n    code: ABCD\n    effect: {percent: 5}\n    colour: red\n",
         "coupons[0].colour", FDL_EUNKNOWN_FIELD},
        {"  id: a\n", "coupons", FDL_EFIELD_TYPE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        struct fdl_program_def *def = NULL;
        struct fdl_error err;
        int rc = load(cases[i].text, &def, &err);
        if (rc != cases[i].code || strcmp(err.field, cases[i].field) != 0) {
            fprintf(stderr, "  case %zu: rc %d field %s (%s)\n", i, rc, err.field,
                    err.message);
            fdl_program_def_free(def);
        }
        CHECK_INT(rc, cases[i].code);
        CHECK_STR(err.field, cases[i].field);
        int line, column;
        CHECK_INT(fdl_program_file_error_position(&err, &line, &column), 0);
    }
}

static void too_many_campaigns_are_refused(void)
{
    size_t cap = (FDL_MAX_COUPON_CAMPAIGNS + 1) * 64 + 1024;
    char *text = malloc(cap);
    CHECK(text);
    size_t used = (size_t)snprintf(text, cap, "%scoupons:\n", base);
    for (int i = 0; i <= FDL_MAX_COUPON_CAMPAIGNS; i++)
        used +=
            (size_t)snprintf(text + used, cap - used,
                             "  - {id: c%d, code: CODE%d, effect: {percent: 1}}\n", i, i);
    struct fdl_program_def *def = NULL;
    struct fdl_error err;
    int rc = fdl_program_file_load(text, used, &def, &err);
    free(text);
    CHECK_INT(rc, FDL_ERANGE);
    CHECK_STR(err.field, "coupons[100]");
}

static void explained_in_four_languages(void)
{
    struct fdl_program_def *def = NULL;
    struct fdl_error err;
    CHECK_INT(load("  - id: summer10\n"
                   "    name: Summer sale\n"
                   "    code: SUMMER10\n"
                   "    effect: {percent: 10}\n"
                   "    min_basket: 20.00\n"
                   "    valid_until: 2026-08-31\n",
                   &def, &err),
              0);
    static const char *const langs[] = {"en", "es", "ca", "ru"};
    static const char *const words[] = {"SUMMER10", "SUMMER10", "SUMMER10", "SUMMER10"};
    static const char *const heading[] = {"Coupons", "Cupones", "Cupons", "Купоны"};
    for (int i = 0; i < 4; i++) {
        char *text = NULL;
        CHECK_INT(fdl_program_explain(def, langs[i], &text, &err), 0);
        int ok = strstr(text, words[i]) && strstr(text, heading[i]);
        if (!ok)
            fprintf(stderr, "  %s:\n%s\n", langs[i], text);
        free(text);
        CHECK(ok);
    }
    fdl_program_def_free(def);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    RUN(generated_codes_have_the_format_and_pass);
    RUN(another_program_or_key_refuses_the_code);
    RUN(every_single_typo_is_refused);
    RUN(normalisation_is_forgiving_but_strict);
    RUN(malformed_codes_fail_the_check);
    RUN(hash_and_mask);
    RUN(percent_of_matching_lines_rounds_down);
    RUN(amount_is_capped_by_the_matching_lines);
    RUN(free_item_takes_one_unit_of_the_cheapest);
    RUN(purchase_level_checks);
    RUN(stacking_rules);
    RUN(section_loads);
    RUN(section_refuses_bad_keys);
    RUN(too_many_campaigns_are_refused);
    RUN(explained_in_four_languages);
    return check_done();
}
