/*
 * test_referrals.c - the pure parts of referrals: the code's format, its
 * keyed check and forgiving input, the return-window arithmetic, the
 * farming keys of contacts, the program file's `referrals:` section and
 * the explanation in four languages.
 */
#include "base/clock.h"
#include "engine/explain.h"
#include "engine/program_file.h"
#include "engine/referrals.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define SAMPLE_IDS   2000
#define RANDOM_GUESS 50000

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static struct fdl_card_key test_key(unsigned char seed)
{
    struct fdl_card_key key;
    for (int i = 0; i < FDL_CARD_KEY_BYTES; i++)
        key.bytes[i] = (unsigned char)(i * 7 + seed);
    return key;
}

/* The code's message for input, "" if it passed (then *id is set). */
static const char *verdict(const struct fdl_card_key *key, uint32_t program,
                           const char *input, int64_t *id)
{
    static struct fdl_error err;
    fdl_error_clear(&err);
    int64_t got = -1;
    int rc = fdl_referral_code_check(key, program, input, "referral_code", &got, &err);
    if (id)
        *id = got;
    if (rc == 0)
        return "";
    if (rc != FDL_EBAD_REFERRAL_CODE || strcmp(err.field, "referral_code") != 0)
        return "(wrong code or field)";
    return err.message;
}

static void test_code_has_three_groups_of_four_symbols(void)
{
    struct fdl_card_key key = test_key(1);
    char code[FDL_REFERRAL_CODE_TEXT_MAX];
    fdl_referral_code_make(&key, 1, 42, code);
    CHECK_INT(strlen(code), 14);
    CHECK(code[4] == '-' && code[9] == '-');
    for (int i = 0; i < 14; i++)
        CHECK(i == 4 || i == 9 || strchr(alphabet, code[i]));
}

static void test_codes_round_trip_and_are_distinct(void)
{
    struct fdl_card_key key = test_key(2);
    static char codes[SAMPLE_IDS][FDL_REFERRAL_CODE_TEXT_MAX];
    int64_t ids[] = {1, 2, 3, 1000, 123456789, FDL_REFERRAL_MAX_MEMBER_ID};
    for (size_t i = 0; i < sizeof(ids) / sizeof(*ids); i++) {
        char code[FDL_REFERRAL_CODE_TEXT_MAX];
        int64_t back;
        fdl_referral_code_make(&key, 7, ids[i], code);
        CHECK_STR(verdict(&key, 7, code, &back), "");
        CHECK_INT(back, ids[i]);
    }
    for (int i = 0; i < SAMPLE_IDS; i++) {
        int64_t back;
        fdl_referral_code_make(&key, 1, i + 1, codes[i]);
        CHECK_STR(verdict(&key, 1, codes[i], &back), "");
        CHECK_INT(back, i + 1);
    }
    /* neighbouring ids give unrelated codes: no shared first group */
    int same_prefix = 0;
    for (int i = 1; i < SAMPLE_IDS; i++)
        same_prefix += memcmp(codes[i], codes[i - 1], 4) == 0;
    CHECK(same_prefix < 5);
    for (int i = 0; i < SAMPLE_IDS; i++)
        for (int j = i + 1; j < SAMPLE_IDS; j++)
            CHECK(strcmp(codes[i], codes[j]) != 0);
}

static void test_every_single_symbol_change_is_a_typing_error(void)
{
    struct fdl_card_key key = test_key(3);
    char code[FDL_REFERRAL_CODE_TEXT_MAX];
    fdl_referral_code_make(&key, 1, 777, code);
    for (int pos = 0; pos < 14; pos++) {
        if (code[pos] == '-')
            continue;
        for (const char *a = alphabet; *a; a++) {
            if (*a == code[pos])
                continue;
            char typo[FDL_REFERRAL_CODE_TEXT_MAX];
            memcpy(typo, code, sizeof(typo));
            typo[pos] = *a;
            CHECK_STR(verdict(&key, 1, typo, NULL),
                      "check symbol does not match (typing error?)");
        }
    }
}

static void test_adjacent_swaps_fail(void)
{
    struct fdl_card_key key = test_key(4);
    for (int64_t id = 1; id <= 300; id++) {
        char code[FDL_REFERRAL_CODE_TEXT_MAX], bare[13];
        fdl_referral_code_make(&key, 1, id, code);
        int n = 0;
        for (int i = 0; code[i]; i++)
            if (code[i] != '-')
                bare[n++] = code[i];
        bare[n] = '\0';
        for (int i = 0; i + 1 < n; i++) {
            if (bare[i] == bare[i + 1])
                continue;
            char swapped[13];
            memcpy(swapped, bare, sizeof(swapped));
            swapped[i] = bare[i + 1];
            swapped[i + 1] = bare[i];
            CHECK(strcmp(verdict(&key, 1, swapped, NULL), "") != 0);
        }
    }
}

static void test_codes_are_bound_to_key_and_program(void)
{
    struct fdl_card_key key = test_key(5), other = test_key(6);
    char code[FDL_REFERRAL_CODE_TEXT_MAX];
    fdl_referral_code_make(&key, 1, 99, code);
    CHECK_STR(verdict(&key, 2, code, NULL), "not a referral code of this program");
    CHECK_STR(verdict(&other, 1, code, NULL), "not a referral code of this program");
}

/* Random codes with a correct check symbol: the MAC refuses nearly all. */
static void test_invented_codes_fail(void)
{
    struct fdl_card_key key = test_key(7);
    int passed = 0;
    for (int t = 0; t < RANDOM_GUESS; t++) {
        unsigned char v[12];
        unsigned sum = 0;
        for (int i = 0; i < 11; i++) {
            v[i] = (unsigned char)randombytes_uniform(32);
            sum += (2u * (unsigned)i + 1) * v[i];
        }
        v[11] = (unsigned char)(sum % 32);
        char guess[13];
        for (int i = 0; i < 12; i++)
            guess[i] = alphabet[v[i]];
        guess[12] = '\0';
        const char *why = verdict(&key, 1, guess, NULL);
        if (!*why)
            passed++;
        else
            CHECK_STR(why, "not a referral code of this program");
    }
    CHECK(passed <= 10); /* expected 50000 / 32768, about 1.5 */
}

static void test_input_is_forgiving_about_case_dashes_and_look_alikes(void)
{
    struct fdl_card_key key = test_key(8);
    char code[FDL_REFERRAL_CODE_TEXT_MAX], loose[64];
    int64_t id;
    for (int64_t m = 1; m < 200; m++) {
        fdl_referral_code_make(&key, 3, m, code);
        size_t n = 0;
        for (int i = 0; code[i]; i++) {
            char c = code[i];
            if (c == '-') {
                loose[n++] = ' ';
                continue;
            }
            if (c == '0')
                c = 'o';
            else if (c == '1')
                c = (m % 2) ? 'I' : 'l';
            else if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            loose[n++] = c;
        }
        loose[n] = '\0';
        CHECK_STR(verdict(&key, 3, loose, &id), "");
        CHECK_INT(id, m);
    }
}

static void test_malformed_input_names_the_failed_check(void)
{
    struct fdl_card_key key = test_key(9);
    CHECK_STR(verdict(&key, 1, NULL, NULL),
              "a referral code has 12 letters and digits, not 0");
    CHECK_STR(verdict(&key, 1, "", NULL),
              "a referral code has 12 letters and digits, not 0");
    CHECK_STR(verdict(&key, 1, "ABCD-EFGH-JKM", NULL),
              "a referral code has 12 letters and digits, not 11");
    CHECK_STR(verdict(&key, 1, "ABCD-EFGH-JKMNP", NULL),
              "a referral code has 12 letters and digits, not 13");
    CHECK_STR(verdict(&key, 1, "ABCD-EFGH-JKMU", NULL),
              "a referral code has only letters, digits, spaces and '-' (and no U)");
    CHECK_STR(verdict(&key, 1, "ABCD;EFGH;JKMN", NULL),
              "a referral code has only letters, digits, spaces and '-' (and no U)");
    CHECK_STR(verdict(&key, 1, "ÁBCD-EFGH-JKMN", NULL),
              "a referral code has only letters, digits, spaces and '-' (and no U)");
    char longer[FDL_REFERRAL_CODE_INPUT_MAX + 2];
    memset(longer, ' ', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    CHECK_STR(verdict(&key, 1, longer, NULL),
              "referral code is too long (more than 40 characters)");
    longer[FDL_REFERRAL_CODE_INPUT_MAX] = '\0'; /* exactly at the limit: counted */
    CHECK_STR(verdict(&key, 1, longer, NULL),
              "a referral code has 12 letters and digits, not 0");
}

static void test_due_day_is_the_day_after_the_window(void)
{
    /* bought on 2026-11-23, 30 days to return it: paid on 2026-12-24 */
    int64_t bought = fdl_days_from_civil(2026, 11, 23);
    CHECK_INT(fdl_referral_due_day(bought, 30), fdl_days_from_civil(2026, 12, 24));
    CHECK_INT(fdl_referral_due_day(bought, 0), fdl_days_from_civil(2026, 11, 24));
    CHECK_INT(fdl_referral_due_day(fdl_days_from_civil(2028, 2, 28), 1),
              fdl_days_from_civil(2028, 3, 1)); /* leap year */
    CHECK_INT(fdl_referral_due_day(bought, FDL_REFERRAL_MAX_RETURN_DAYS), bought + 366);
}

static void test_lapse_day_follows_the_days_after_enrolment(void)
{
    int64_t enrolled = fdl_days_from_civil(2026, 5, 1);
    CHECK_INT(fdl_referral_lapse_day(enrolled, 0), 0); /* never */
    CHECK_INT(fdl_referral_lapse_day(enrolled, 10), fdl_days_from_civil(2026, 5, 12));
    CHECK_INT(fdl_referral_lapse_day(enrolled, FDL_REFERRAL_MAX_LAPSE_DAYS),
              enrolled + FDL_REFERRAL_MAX_LAPSE_DAYS + 1);
}

static void test_qualifying_spend_is_at_least_the_minimum(void)
{
    struct fdl_referral_def d = {1, 500, 250, 2000, 30, 10, 5, 0};
    CHECK(fdl_referral_qualifies(&d, 2000));
    CHECK(fdl_referral_qualifies(&d, 2001));
    CHECK(!fdl_referral_qualifies(&d, 1999));
    d.min_spend_minor = 0;
    CHECK(fdl_referral_qualifies(&d, 1));
    CHECK(!fdl_referral_qualifies(&d, 0)); /* a free basket is not a purchase */
    d.enabled = 0;
    CHECK(!fdl_referral_qualifies(&d, 5000));
}

static void test_contact_keys_fold_aliases(void)
{
    char key[FDL_MAX_EMAIL_LEN + 1], other[FDL_MAX_EMAIL_LEN + 1];
    fdl_referral_email_key("ana.garcia+shop@gmail.com", key);
    CHECK_STR(key, "anagarcia@gmail.com");
    fdl_referral_email_key("anagarcia@googlemail.com", other);
    CHECK_STR(other, "anagarcia@gmail.com");
    fdl_referral_email_key("ana.garcia+2@example.es", key);
    CHECK_STR(key, "ana.garcia@example.es"); /* dots matter outside gmail */
    fdl_referral_email_key("", key);
    CHECK_STR(key, "");
    fdl_referral_phone_key("+34600111222", key);
    fdl_referral_phone_key("600111222", other);
    CHECK_STR(key, "600111222");
    CHECK_STR(other, "600111222");
    fdl_referral_phone_key("+7123", key);
    CHECK_STR(key, "7123");
    fdl_referral_phone_key("", key);
    CHECK_STR(key, "");
}

static const char program_head[] = "program:\n"
                                   "  name: Café\n"
                                   "  currency: EUR\n"
                                   "  time_zone: Europe/Madrid\n";

/* Loads program_head + section; returns rc, with *def on success. */
static int load_with(const char *section, struct fdl_program_def **def,
                     struct fdl_error *err)
{
    char text[2048];
    snprintf(text, sizeof(text), "%s%s", program_head, section);
    fdl_error_clear(err);
    return fdl_program_file_load(text, strlen(text), def, err);
}

static void test_section_loads_with_defaults(void)
{
    struct fdl_program_def *def = NULL;
    struct fdl_error err;
    CHECK_INT(load_with("referrals:\n  referrer_points: 500\n  referee_points: 250\n"
                        "  min_spend: 20.00\n",
                        &def, &err),
              0);
    const struct fdl_referral_def *r = &def->referrals;
    int ok = r->enabled == 1 && r->referrer_points == 500 && r->referee_points == 250 &&
             r->min_spend_minor == 2000 && r->return_days == 30 &&
             r->max_per_referrer == 10 && r->max_pending == 5 && r->lapse_days == 0;
    fdl_program_def_free(def);
    CHECK(ok);
    CHECK_INT(load_with("earn:\n  - id: base\n    rate: 1\n", &def, &err), 0);
    ok = def->referrals.enabled == 0;
    fdl_program_def_free(def);
    CHECK(ok);
}

/* The section fails with code, naming field. */
static void expect_error(const char *section, int code, const char *field)
{
    struct fdl_program_def *def = NULL;
    struct fdl_error err;
    int rc = load_with(section, &def, &err);
    if (rc == 0)
        fdl_program_def_free(def);
    if (rc != code || strcmp(err.field, field) != 0)
        fprintf(stderr, "  section:\n%s  gave %d %s: %s\n", section, rc, err.field,
                err.message);
    check_current_failed |= rc != code || strcmp(err.field, field) != 0;
}

static void test_section_errors_name_the_key(void)
{
    expect_error("referrals:\n  referee_points: 250\n", FDL_EMISSING_FIELD,
                 "referrals.referrer_points");
    expect_error("referrals:\n  referrer_points: 1\n  referee_points: 1\n  bonus: 3\n",
                 FDL_EUNKNOWN_FIELD, "referrals.bonus");
    expect_error("referrals:\n  referrer_points: -1\n  referee_points: 1\n", FDL_ERANGE,
                 "referrals.referrer_points");
    expect_error("referrals:\n  referrer_points: 1000001\n  referee_points: 1\n",
                 FDL_ERANGE, "referrals.referrer_points");
    expect_error("referrals:\n  referrer_points: 0\n  referee_points: 0\n", FDL_ERANGE,
                 "referrals.referrer_points");
    expect_error("referrals:\n  referrer_points: '5'\n  referee_points: 1\n",
                 FDL_EFIELD_TYPE, "referrals.referrer_points");
    expect_error("referrals:\n  referrer_points: 5\n  referee_points: 1\n"
                 "  min_spend: 20.001\n",
                 FDL_EINVALID, "referrals.min_spend");
    expect_error("referrals:\n  referrer_points: 5\n  referee_points: 1\n"
                 "  min_spend: 1000000.01\n",
                 FDL_ERANGE, "referrals.min_spend");
    expect_error("referrals:\n  referrer_points: 5\n  referee_points: 1\n"
                 "  return_days: 366\n",
                 FDL_ERANGE, "referrals.return_days");
    expect_error("referrals:\n  referrer_points: 5\n  referee_points: 1\n"
                 "  max_pending: 0\n",
                 FDL_ERANGE, "referrals.max_pending");
    expect_error("referrals:\n  referrer_points: 5\n  referee_points: 1\n"
                 "  max_per_referrer: 1001\n",
                 FDL_ERANGE, "referrals.max_per_referrer");
    expect_error("referrals:\n  referrer_points: 5\n  referee_points: 1\n"
                 "  lapse_days: 3651\n",
                 FDL_ERANGE, "referrals.lapse_days");
    expect_error("referrals:\n  referrer_points: 5\n  referee_points: 1\n"
                 "  lapse_days: 1.5\n",
                 FDL_EFIELD_TYPE, "referrals.lapse_days");
    expect_error("referrals: [1, 2]\n", FDL_EFIELD_TYPE, "referrals");
    expect_error("referrals:\n  referrer_points: [5]\n  referee_points: 1\n",
                 FDL_EFIELD_TYPE, "referrals.referrer_points");
}

static void test_explanation_in_four_languages(void)
{
    struct fdl_program p;
    fdl_program_default(&p);
    snprintf(p.currency, sizeof(p.currency), "EUR");
    p.minor_per_unit = 100;
    struct fdl_referral_def d = {1, 500, 250, 2000, 30, 10, 5, 0};
    char out[FDL_REFERRAL_EXPLAIN_MAX];
    fdl_referrals_explain(&d, &p, "en", out, sizeof(out));
    CHECK_STR(out, "Bring a friend: you get 500 points and they get 250 points after "
                   "their first purchase of €20.00 or more. The points arrive once that "
                   "purchase's return period (30 days) is over.");
    fdl_referrals_explain(&d, &p, "es", out, sizeof(out));
    CHECK_STR(out, "Trae a un amigo: tú recibes 500 puntos y tu amigo 250 puntos después "
                   "de su primera compra de 20,00 € o más. Los puntos llegan cuando "
                   "termina el plazo de devolución de esa compra (30 días).");
    fdl_referrals_explain(&d, &p, "ca", out, sizeof(out));
    CHECK_STR(out,
              "Porta un amic: tu reps 500 punts i el teu amic 250 punts després de "
              "la seva primera compra de 20,00 € o més. Els punts arriben quan acaba "
              "el termini de devolució d'aquesta compra (30 dies).");
    d.referee_points = 22;
    d.return_days = 1;
    fdl_referrals_explain(&d, &p, "ru", out, sizeof(out));
    CHECK_STR(out, "Приведите друга: вы получите 500 баллов, а друг — 22 балла после его "
                   "первой покупки на сумму от 20,00 €. Баллы начисляются по окончании "
                   "срока возврата этой покупки (1 день).");
    d.referrer_points = 0;
    d.min_spend_minor = 0;
    d.return_days = 0;
    fdl_referrals_explain(&d, &p, "en", out, sizeof(out));
    CHECK_STR(out, "Bring a friend: they get 22 points after their first purchase.");
    d.lapse_days = 90;
    fdl_referrals_explain(&d, &p, "en", out, sizeof(out));
    CHECK_STR(out, "Bring a friend: they get 22 points after their first purchase. Your "
                   "friend has 90 days after joining to make that purchase.");
    fdl_referrals_explain(&d, &p, "es", out, sizeof(out));
    CHECK_STR(out, "Trae a un amigo: tu amigo recibe 22 puntos después de su primera "
                   "compra. Tu amigo tiene 90 días desde que se apunta para hacer esa "
                   "compra.");
    d.lapse_days = 1;
    fdl_referrals_explain(&d, &p, "ru", out, sizeof(out));
    CHECK_STR(out, "Приведите друга: друг получит 22 балла после его первой покупки. "
                   "Чтобы сделать эту покупку, у друга есть 1 день после регистрации.");
    d.lapse_days = 0;
    d.referrer_points = 1;
    d.referee_points = 0;
    fdl_referrals_explain(&d, &p, "xx", out, sizeof(out));
    CHECK_STR(out, "Bring a friend: you get 1 point after their first purchase.");
}

static void test_program_explanation_has_the_section(void)
{
    struct fdl_program_def *def = NULL;
    struct fdl_error err;
    CHECK_INT(load_with("referrals:\n  referrer_points: 500\n  referee_points: 250\n"
                        "  min_spend: 20\n",
                        &def, &err),
              0);
    char *text = NULL;
    int rc = fdl_program_explain(def, "en", &text, &err);
    fdl_program_def_free(def);
    CHECK_INT(rc, 0);
    int found = strstr(text, "\n## Bring a friend\n\n- Bring a friend: you get 500 "
                             "points and they get 250 points") != NULL;
    free(text);
    CHECK(found);
}

int main(void)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "sodium_init failed\n");
        return 1;
    }
    RUN(test_code_has_three_groups_of_four_symbols);
    RUN(test_codes_round_trip_and_are_distinct);
    RUN(test_every_single_symbol_change_is_a_typing_error);
    RUN(test_adjacent_swaps_fail);
    RUN(test_codes_are_bound_to_key_and_program);
    RUN(test_invented_codes_fail);
    RUN(test_input_is_forgiving_about_case_dashes_and_look_alikes);
    RUN(test_malformed_input_names_the_failed_check);
    RUN(test_due_day_is_the_day_after_the_window);
    RUN(test_lapse_day_follows_the_days_after_enrolment);
    RUN(test_qualifying_spend_is_at_least_the_minimum);
    RUN(test_contact_keys_fold_aliases);
    RUN(test_section_loads_with_defaults);
    RUN(test_section_errors_name_the_key);
    RUN(test_explanation_in_four_languages);
    RUN(test_program_explanation_has_the_section);
    return check_done();
}
