/*
 * test_stored_value.c - the pure side of stored value and paid membership:
 * cashback with its cap and every rounding mode, cumulative reversal on
 * refunds, the advisor's figures, the money ledger's entries, gift card
 * numbers in their own domain, the membership: section of the program file
 * (good and hostile), and the membership explained in four languages.
 */
#include "engine/stored_value.h"

#include "engine/card.h"
#include "engine/program_file.h"
#include "engine/rules.h"

#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "check.h"

static void test_cashback_two_percent_rounds_by_setting(void)
{
    /* 2 % of 12.34 is 24.68 cents */
    CHECK_INT(fdl_cashback(1234, 200, FDL_ROUND_DOWN, 1000000), 24);
    CHECK_INT(fdl_cashback(1234, 200, FDL_ROUND_HALF_UP, 1000000), 25);
    CHECK_INT(fdl_cashback(1234, 200, FDL_ROUND_UP, 1000000), 25);
    /* exactly half a cent: 2 % of 0.25 = 0.5 */
    CHECK_INT(fdl_cashback(25, 200, FDL_ROUND_DOWN, 100), 0);
    CHECK_INT(fdl_cashback(25, 200, FDL_ROUND_HALF_UP, 100), 1);
    /* 2.5 % of 100.00 is exact */
    CHECK_INT(fdl_cashback(10000, 250, FDL_ROUND_UP, 1000000), 250);
}

static void test_cashback_capped_and_never_negative(void)
{
    CHECK_INT(fdl_cashback(1000000, 200, FDL_ROUND_DOWN, 500), 500);
    CHECK_INT(fdl_cashback(1000000, 200, FDL_ROUND_DOWN, 0), 0);
    CHECK_INT(fdl_cashback(1000000, 200, FDL_ROUND_DOWN, -5), 0);
    CHECK_INT(fdl_cashback(0, 200, FDL_ROUND_UP, 500), 0);
    CHECK_INT(fdl_cashback(-100, 200, FDL_ROUND_UP, 500), 0);
    CHECK_INT(fdl_cashback(100, 10000, FDL_ROUND_DOWN, 500), 100); /* 100 % */
}

static void test_reversal_is_cumulative_and_exact_at_the_end(void)
{
    /* 7 cents of cashback on 10.00; refunds of 3.33, 3.33, 3.34 */
    int64_t taken = 0;
    int64_t first = fdl_cashback_reversal(7, 1000, 333, taken);
    CHECK_INT(first, 2); /* floor(7 * 333 / 1000) */
    taken += first;
    int64_t second = fdl_cashback_reversal(7, 1000, 666, taken);
    CHECK_INT(second, 2); /* floor(4.662) - 2 */
    taken += second;
    int64_t third = fdl_cashback_reversal(7, 1000, 1000, taken);
    CHECK_INT(third, 3);
    CHECK_INT(taken + third, 7);
    CHECK_INT(fdl_cashback_reversal(7, 1000, 1000, 7), 0);
    CHECK_INT(fdl_cashback_reversal(7, 1000, 5000, 0), 7); /* never more than given */
    CHECK_INT(fdl_cashback_reversal(0, 1000, 1000, 0), 0);
}

/* The largest basket the API accepts: 200 lines x 100,000 units x
 * 100,000,000 minor each; cashback and its reversal must not overflow. */
static void test_cashback_of_the_largest_basket(void)
{
    int64_t biggest =
        (int64_t)FDL_MAX_BASKET_LINES * FDL_MAX_LINE_QUANTITY * FDL_MAX_UNIT_PRICE_MINOR;
    CHECK_INT(fdl_cashback(biggest, 200, FDL_ROUND_DOWN, 1000000), 1000000);
    CHECK_INT(fdl_cashback(biggest, FDL_MEMBERSHIP_MAX_BP, FDL_ROUND_UP, INT64_MAX),
              biggest * (FDL_MEMBERSHIP_MAX_BP / 100) / 100);
    CHECK_INT(fdl_cashback_reversal(1000000, biggest, biggest / 2, 0), 500000);
    CHECK_INT(fdl_cashback_reversal(1000000, biggest, biggest, 500000), 500000);
}

static void test_advisor_figures(void)
{
    struct fdl_membership_def m;
    memset(&m, 0, sizeof(m));
    m.enabled = 1;
    m.fee_minor = 6000;
    m.cashback_bp = 200;
    m.cap_minor = 125000;
    struct fdl_membership_advice a;
    /* 4,210.00 spent: 84.20 back, 24.20 more than the fee */
    fdl_membership_advise(&m, FDL_ROUND_DOWN, 421000, &a);
    CHECK_INT(a.cashback_minor, 8420);
    CHECK_INT(a.fee_minor, 6000);
    CHECK_INT(a.difference_minor, 2420);
    CHECK(a.pays_for_itself);
    /* 3,000.00: exactly the fee, which does not pay for itself */
    fdl_membership_advise(&m, FDL_ROUND_DOWN, 300000, &a);
    CHECK_INT(a.difference_minor, 0);
    CHECK(!a.pays_for_itself);
    /* the cap holds */
    fdl_membership_advise(&m, FDL_ROUND_DOWN, 100000000, &a);
    CHECK_INT(a.cashback_minor, 125000);
    /* net of refunds can be negative: counts as nothing */
    fdl_membership_advise(&m, FDL_ROUND_DOWN, -500, &a);
    CHECK_INT(a.spend_minor, 0);
    CHECK_INT(a.difference_minor, -6000);
}

static void test_entries_balance(void)
{
    struct fdl_sv_entry e;
    for (int k = FDL_SV_SELL; k <= FDL_SV_CERTIFICATE; k++) {
        CHECK_INT(fdl_sv_entry_build(&e, (enum fdl_sv_entry_kind)k, 5, 9, 1234), 0);
        CHECK_INT(e.postings[0].amount + e.postings[1].amount, 0);
    }
    fdl_sv_entry_build(&e, FDL_SV_REDEEM, 5, 0, 100);
    CHECK_INT(fdl_sv_entry_card_delta(&e), -100);
    fdl_sv_entry_build(&e, FDL_SV_CERTIFICATE, 5, 9, 100);
    CHECK_INT(fdl_sv_entry_card_delta(&e), 100);
    fdl_sv_entry_build(&e, FDL_SV_ACCRUE, 0, 9, 100);
    CHECK_INT(fdl_sv_entry_card_delta(&e), 0);
    CHECK_INT(fdl_sv_entry_build(&e, FDL_SV_SELL, 5, 0, 0), FDL_EINVALID);
    CHECK_INT(fdl_sv_entry_build(&e, FDL_SV_SELL, 5, 0, -1), FDL_EINVALID);
    CHECK_INT(fdl_sv_entry_build(&e, FDL_SV_SELL, 0, 0, 10), FDL_EINVALID);
    CHECK_INT(fdl_sv_entry_build(&e, FDL_SV_ACCRUE, 5, 0, 10), FDL_EINVALID);
    CHECK_INT(
        fdl_sv_entry_build(&e, FDL_SV_SELL, 5, 0, FDL_GIFT_CARD_MAX_BALANCE_MINOR + 1),
        FDL_EINVALID);
    CHECK_STR(fdl_sv_entry_kind_name(FDL_SV_CERTIFICATE), "certificate");
}

static void test_gift_numbers_have_their_own_domain(void)
{
    struct fdl_card_key key;
    memset(&key, 7, sizeof(key));
    char gift[FDL_CARD_DIGITS + 1], member[FDL_CARD_DIGITS + 1], out[FDL_CARD_DIGITS + 1];
    fdl_card_generate_in(&fdl_card_domain_gift, &key, 1, gift);
    fdl_card_generate(&key, 1, member);
    CHECK(gift[0] == '6');
    CHECK_INT(
        fdl_card_check_in(&fdl_card_domain_gift, &key, 1, gift, "number", out, NULL), 0);
    CHECK_STR(out, gift);
    /* neither passes as the other, nor in another program */
    CHECK_INT(fdl_card_check(&key, 1, gift, "card", NULL, NULL), FDL_EBAD_CARD);
    CHECK_INT(fdl_card_check_in(&fdl_card_domain_gift, &key, 1, member, "n", NULL, NULL),
              FDL_EBAD_CARD);
    CHECK_INT(fdl_card_check_in(&fdl_card_domain_gift, &key, 2, gift, "n", NULL, NULL),
              FDL_EBAD_CARD);
    /* a member-format number with prefix 6 but the member MAC is refused */
    char forged[FDL_CARD_DIGITS + 1];
    memcpy(forged, member, sizeof(forged));
    forged[0] = '6';
    CHECK_INT(fdl_card_check_in(&fdl_card_domain_gift, &key, 1, forged, "n", NULL, NULL),
              FDL_EBAD_CARD);
}

#define HEAD "program: {name: G, currency: EUR, time_zone: Europe/Madrid}\n"

static int load(const char *text, struct fdl_program_def **def, struct fdl_error *err)
{
    return fdl_program_file_load(text, strlen(text), def, err);
}

static void test_membership_section_loads(void)
{
    struct fdl_program_def *def = NULL;
    struct fdl_error err;
    CHECK_INT(load(HEAD
                   "membership:\n  name: Executive\n  fee: 60.00\n"
                   "  cashback_percent: 2\n  cashback_cap: 1250.00\n  advisor: true\n",
                   &def, &err),
              0);
    CHECK(def->membership.enabled);
    CHECK_STR(def->membership.name, "Executive");
    CHECK_INT(def->membership.fee_minor, 6000);
    CHECK_INT(def->membership.cashback_bp, 200);
    CHECK_INT(def->membership.cap_minor, 125000);
    CHECK(def->membership.advisor);
    fdl_program_def_free(def);
    CHECK_INT(load(HEAD
                   "membership: {fee: 0, cashback_percent: 1.25, cashback_cap: 10}\n",
                   &def, &err),
              0);
    CHECK_STR(def->membership.name, "Membership");
    CHECK_INT(def->membership.cashback_bp, 125);
    CHECK(!def->membership.advisor);
    fdl_program_def_free(def);
    CHECK_INT(load(HEAD, &def, &err), 0);
    CHECK(!def->membership.enabled);
    fdl_program_def_free(def);
}

static void test_membership_section_refuses_bad_keys(void)
{
    static const struct {
        const char *yaml, *field;
    } cases[] = {
        {"membership: {cashback_percent: 2, cashback_cap: 10}", "membership.fee"},
        {"membership: {fee: 1, cashback_cap: 10}", "membership.cashback_percent"},
        {"membership: {fee: 1, cashback_percent: 2}", "membership.cashback_cap"},
        {"membership: {fee: 1, cashback_percent: 2.001, cashback_cap: 10}",
         "membership.cashback_percent"},
        {"membership: {fee: 1, cashback_percent: 0, cashback_cap: 10}",
         "membership.cashback_percent"},
        {"membership: {fee: 1, cashback_percent: 100.01, cashback_cap: 10}",
         "membership.cashback_percent"},
        {"membership: {fee: 1, cashback_percent: -2, cashback_cap: 10}",
         "membership.cashback_percent"},
        {"membership: {fee: 1.001, cashback_percent: 2, cashback_cap: 10}",
         "membership.fee"},
        {"membership: {fee: \"60\", cashback_percent: 2, cashback_cap: 10}",
         "membership.fee"},
        {"membership: {fee: 100001, cashback_percent: 2, cashback_cap: 10}",
         "membership.fee"},
        {"membership: {fee: 1, cashback_percent: 2, cashback_cap: 0}",
         "membership.cashback_cap"},
        {"membership: {fee: 1, cashback_percent: 2, cashback_cap: 10000.01}",
         "membership.cashback_cap"},
        {"membership: {fee: 1, cashback_percent: 2, cashback_cap: 10, advisor: yes}",
         "membership.advisor"},
        {"membership: {fee: 1, cashback_percent: 2, cashback_cap: 10, bonus: 1}",
         "membership.bonus"},
        {"membership: {fee: 1, cashback_percent: 2, cashback_cap: 10, name: \"\"}",
         "membership.name"},
        {"membership: {fee: 1, cashback_percent: 2, cashback_cap: 10, name: "
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}",
         "membership.name"},
        {"membership: [1, 2]", "membership"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        char text[512];
        snprintf(text, sizeof(text), HEAD "%s\n", cases[i].yaml);
        struct fdl_program_def *def = NULL;
        struct fdl_error err;
        memset(&err, 0, sizeof(err));
        int rc = load(text, &def, &err);
        if (rc == 0)
            fprintf(stderr, "  accepted: %s\n", cases[i].yaml);
        CHECK(rc != 0);
        CHECK(def == NULL);
        if (strcmp(err.field, cases[i].field) != 0)
            fprintf(stderr, "  %s: field %s (%s)\n", cases[i].yaml, err.field,
                    err.message);
        CHECK_STR(err.field, cases[i].field);
        CHECK(strstr(err.message, "line 2") != NULL);
    }
}

static void test_membership_explained_in_four_languages(void)
{
    struct fdl_program_def *def = NULL;
    struct fdl_error err;
    CHECK_INT(load(HEAD "membership:\n  name: Executive\n  fee: 60.00\n"
                        "  cashback_percent: 2\n  cashback_cap: 1250.00\n",
                   &def, &err),
              0);
    char text[FDL_MEMBERSHIP_TEXT_MAX];
    fdl_membership_explain(&def->membership, &def->program, "en", text, sizeof(text));
    CHECK(strstr(text, "## Paid membership: Executive") != NULL);
    CHECK(strstr(text, "2 percent of what you pay") != NULL);
    CHECK(strchr(text, '%') == NULL);
    CHECK(strstr(text, "1,250.00") != NULL);
    fdl_membership_explain(&def->membership, &def->program, "es", text, sizeof(text));
    CHECK(strstr(text, "Cuesta 60,00") != NULL);
    fdl_membership_explain(&def->membership, &def->program, "ca", text, sizeof(text));
    CHECK(strstr(text, "Soci de pagament") != NULL);
    fdl_membership_explain(&def->membership, &def->program, "ru", text, sizeof(text));
    CHECK(strstr(text, "Платное членство") != NULL);
    CHECK(strstr(text, "2 процента") != NULL);
    char small[20];
    fdl_membership_explain(&def->membership, &def->program, "en", small, sizeof(small));
    CHECK_INT(strlen(small), sizeof(small) - 1); /* cut, terminated */
    fdl_program_def_free(def);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    RUN(test_cashback_two_percent_rounds_by_setting);
    RUN(test_cashback_capped_and_never_negative);
    RUN(test_reversal_is_cumulative_and_exact_at_the_end);
    RUN(test_cashback_of_the_largest_basket);
    RUN(test_advisor_figures);
    RUN(test_entries_balance);
    RUN(test_gift_numbers_have_their_own_domain);
    RUN(test_membership_section_loads);
    RUN(test_membership_section_refuses_bad_keys);
    RUN(test_membership_explained_in_four_languages);
    return check_done();
}
