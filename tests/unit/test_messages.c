/*
 * test_messages.c - the receipt messages catalogue: every translation has
 * the English placeholders in the English order, every language has every
 * plural form it needs, Russian counts pick one/few/many as a Russian
 * reader expects, and numbers, money and dates are written the local way.
 *
 * Expected texts are written out by hand, never read back from the code.
 */
#include "engine/messages.h"

#include "base/clock.h"
#include "base/text.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const char *const langs[] = {"en", "es", "ca", "ru"};

/* Counts that reach every plural form of every language. */
static const long long sample_counts[] = {0, 1, 2, 5, 21, 22, 111};

/*
 * The conversion specifications of format, in order, as one string
 * ("lld s" for "You used %lld points: %s off."); "%%" is not one.
 */
static void placeholders(const char *format, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (const char *p = format; *p; p++) {
        if (*p != '%')
            continue;
        if (p[1] == '%') {
            p++;
            continue;
        }
        if (n > 0 && n + 1 < cap)
            out[n++] = ' ';
        for (p++; *p && !strchr("diouxXeEfFgGaAcspn", *p); p++)
            if (n + 1 < cap)
                out[n++] = *p;
        if (*p && n + 1 < cap)
            out[n++] = *p;
        out[n] = '\0';
        if (!*p)
            break;
    }
}

static void test_every_translation_has_the_english_placeholders_in_order(void)
{
    for (int id = 0; id < FDL_MSG_COUNT_; id++) {
        char english[64], other[64];
        placeholders(fdl_message(id, "en"), english, sizeof(english));
        for (size_t l = 0; l < sizeof(langs) / sizeof(*langs); l++)
            for (size_t k = 0; k < sizeof(sample_counts) / sizeof(*sample_counts); k++) {
                const char *text = fdl_message_plural(id, langs[l], sample_counts[k]);
                CHECK(text && text[0]);
                placeholders(text, other, sizeof(other));
                if (strcmp(english, other) != 0)
                    fprintf(stderr, "  %s/%s/%lld: \"%s\" has \"%s\", English \"%s\"\n",
                            fdl_message_name(id), langs[l], sample_counts[k], text, other,
                            english);
                CHECK_STR(other, english);
            }
    }
}

static void test_the_english_placeholders_are_the_declared_arguments(void)
{
    for (int id = 0; id < FDL_MSG_COUNT_; id++) {
        char english[64];
        placeholders(fdl_message(id, "en"), english, sizeof(english));
        enum fdl_message_args args = fdl_message_args(id);
        CHECK_STR(english, args == FDL_MSG_ARGS_COUNT        ? "lld"
                           : args == FDL_MSG_ARGS_COUNT_TEXT ? "lld s"
                           : args == FDL_MSG_ARGS_TEXT       ? "s"
                                                             : "s s s");
    }
}

static void test_every_entry_is_a_sentence_of_valid_utf8(void)
{
    for (int id = 0; id < FDL_MSG_COUNT_; id++)
        for (size_t l = 0; l < sizeof(langs) / sizeof(*langs); l++)
            for (size_t k = 0; k < sizeof(sample_counts) / sizeof(*sample_counts); k++) {
                const char *text = fdl_message_plural(id, langs[l], sample_counts[k]);
                size_t n = strlen(text);
                CHECK(fdl_utf8_valid(text, n));
                CHECK(n > 1 && (text[n - 1] == '.' || text[n - 1] == '!'));
            }
}

static void test_russian_plural_forms(void)
{
    static const struct {
        long long n;
        enum fdl_plural form;
    } cases[] = {
        {0, FDL_PLURAL_MANY},       {1, FDL_PLURAL_ONE},   {2, FDL_PLURAL_FEW},
        {4, FDL_PLURAL_FEW},        {5, FDL_PLURAL_MANY},  {11, FDL_PLURAL_MANY},
        {12, FDL_PLURAL_MANY},      {14, FDL_PLURAL_MANY}, {21, FDL_PLURAL_ONE},
        {22, FDL_PLURAL_FEW},       {25, FDL_PLURAL_MANY}, {101, FDL_PLURAL_ONE},
        {111, FDL_PLURAL_MANY},     {-1, FDL_PLURAL_ONE},  {-22, FDL_PLURAL_FEW},
        {1000000, FDL_PLURAL_MANY},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        if (fdl_plural_form("ru", cases[i].n) != cases[i].form)
            fprintf(stderr, "  n = %lld\n", cases[i].n);
        CHECK_INT(fdl_plural_form("ru", cases[i].n), cases[i].form);
    }
}

static void test_russian_counts_read_as_russian(void)
{
    static const struct {
        long long n;
        const char *text;
    } cases[] = {
        {0, "Вам начислено 0 баллов."},     {1, "Вам начислен 1 балл."},
        {2, "Вам начислено 2 балла."},      {4, "Вам начислено 4 балла."},
        {5, "Вам начислено 5 баллов."},     {11, "Вам начислено 11 баллов."},
        {12, "Вам начислено 12 баллов."},   {14, "Вам начислено 14 баллов."},
        {21, "Вам начислен 21 балл."},      {22, "Вам начислено 22 балла."},
        {25, "Вам начислено 25 баллов."},   {101, "Вам начислен 101 балл."},
        {111, "Вам начислено 111 баллов."},
    };
    char out[128];
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        fdl_message_format(out, sizeof(out), FDL_MSG_EARNED, "ru", cases[i].n);
        CHECK_STR(out, cases[i].text);
    }
    fdl_message_format(out, sizeof(out), FDL_MSG_EXPIRING, "ru", 21LL,
                       "31 декабря 2026 г.");
    CHECK_STR(out, "21 балл действует до 31 декабря 2026 г. включительно.");
    fdl_message_format(out, sizeof(out), FDL_MSG_EXPIRING, "ru", 3LL,
                       "31 декабря 2026 г.");
    CHECK_STR(out, "3 балла действуют до 31 декабря 2026 г. включительно.");
}

static void test_one_and_other_in_english_spanish_and_catalan(void)
{
    static const struct {
        const char *lang;
        long long n;
        const char *text;
    } cases[] = {
        {"en", 1, "You earned 1 point."},    {"en", 0, "You earned 0 points."},
        {"en", 2, "You earned 2 points."},   {"en", 21, "You earned 21 points."},
        {"es", 1, "Has ganado 1 punto."},    {"es", 0, "Has ganado 0 puntos."},
        {"es", 11, "Has ganado 11 puntos."}, {"ca", 1, "Has guanyat 1 punt."},
        {"ca", 5, "Has guanyat 5 punts."},   {"ca", 21, "Has guanyat 21 punts."},
    };
    char out[128];
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        fdl_message_format(out, sizeof(out), FDL_MSG_EARNED, cases[i].lang, cases[i].n);
        CHECK_STR(out, cases[i].text);
    }
    CHECK_INT(fdl_plural_form("es", -1), FDL_PLURAL_ONE);
    CHECK_INT(fdl_plural_form("ca", 1), FDL_PLURAL_ONE);
    CHECK_INT(fdl_plural_form("en", 2), FDL_PLURAL_OTHER);
}

static void test_the_english_texts_are_what_the_service_printed(void)
{
    char out[128];
    fdl_message_format(out, sizeof(out), FDL_MSG_EARNED, "en", 12LL);
    CHECK_STR(out, "You earned 12 points.");
    fdl_message_format(out, sizeof(out), FDL_MSG_REDEEMED, "en", 100LL, "€1.00");
    CHECK_STR(out, "You used 100 points: €1.00 off.");
    fdl_message_format(out, sizeof(out), FDL_MSG_BALANCE, "en", 40LL);
    CHECK_STR(out, "Balance: 40 points.");
    fdl_message_format(out, sizeof(out), FDL_MSG_BALANCE_OWED, "en", -5LL);
    CHECK_STR(out, "Balance: -5 points (owed after a refund).");
    fdl_message_format(out, sizeof(out), FDL_MSG_PENDING, "en", 8LL);
    CHECK_STR(out, "8 of them can be spent after the return period.");
    fdl_message_format(out, sizeof(out), FDL_MSG_EXPIRING, "en", 30LL, "2026-12-31");
    CHECK_STR(out, "30 points expire after 2026-12-31.");
    fdl_message_format(out, sizeof(out), FDL_MSG_CLAWED_BACK, "en", 7LL);
    CHECK_STR(out, "7 points taken back for the returned items.");
    fdl_message_format(out, sizeof(out), FDL_MSG_GIVEN_BACK, "en", 3LL);
    CHECK_STR(out, "3 points given back.");
    CHECK_STR(fdl_message(FDL_MSG_EARNED, "en"), "You earned %lld points.");
}

static void test_receipts_in_spanish_catalan_and_russian(void)
{
    char out[160];
    fdl_message_count_text(out, sizeof(out), FDL_MSG_REDEEMED, "es", 100, "1,00 €");
    CHECK_STR(out, "Has usado 100 puntos: 1,00 € de descuento.");
    fdl_message_count_text(out, sizeof(out), FDL_MSG_EXPIRING, "ca", 1,
                           "1 d'abril de 2027");
    CHECK_STR(out, "1 punt caduca en acabar el dia 1 d'abril de 2027.");
    fdl_message_count(out, sizeof(out), FDL_MSG_BALANCE, "ru", 1);
    CHECK_STR(out, "Баланс: 1 балл.");
    fdl_message_count(out, sizeof(out), FDL_MSG_GIVEN_BACK, "es", 1);
    CHECK_STR(out, "Te hemos devuelto 1 punto.");
    fdl_message_count(out, sizeof(out), FDL_MSG_CLAWED_BACK, "ru", 3);
    CHECK_STR(out, "Списано 3 балла за возвращённые товары.");
    fdl_message_count(out, sizeof(out), FDL_MSG_PENDING, "ca", 1);
    CHECK_STR(out, "1 d'ells es podrà fer servir quan acabi el termini de devolució.");
}

static void test_an_unknown_language_is_english(void)
{
    for (int id = 0; id < FDL_MSG_COUNT_; id++) {
        CHECK_STR(fdl_message(id, "xx"), fdl_message(id, "en"));
        CHECK_STR(fdl_message(id, NULL), fdl_message(id, "en"));
        CHECK_STR(fdl_message(id, "english"), fdl_message(id, "en"));
    }
    CHECK_STR(fdl_message(FDL_MSG_BALANCE, "ES"), "Saldo: %lld puntos.");
    CHECK_STR(fdl_message(FDL_MSG_BALANCE, "ru"), "Баланс: %lld баллов.");
}

static void test_lang_codes(void)
{
    CHECK_INT(fdl_lang_parse("en"), FDL_LANG_EN);
    CHECK_INT(fdl_lang_parse("Ca"), FDL_LANG_CA);
    CHECK_INT(fdl_lang_parse("RU"), FDL_LANG_RU);
    CHECK_INT(fdl_lang_parse("e"), -1);
    CHECK_INT(fdl_lang_parse("esp"), -1);
    CHECK_INT(fdl_lang_parse(""), -1);
    CHECK_INT(fdl_lang_parse(NULL), -1);
    CHECK_INT(fdl_lang_parse("fr"), -1);
    for (int l = 0; l < FDL_LANG_COUNT; l++)
        CHECK_INT(fdl_lang_parse(fdl_lang_code(l)), l);
}

static void test_format_is_bounded_like_snprintf(void)
{
    char out[8];
    memset(out, 'x', sizeof(out));
    int n = fdl_message_format(out, sizeof(out), FDL_MSG_EARNED, "en", 12LL);
    CHECK_INT(n, (int)strlen("You earned 12 points."));
    CHECK_STR(out, "You ear");
    CHECK_INT(fdl_message_format(NULL, 0, FDL_MSG_GIVEN_BACK, "ca", 2LL),
              (int)strlen("T'hem retornat 2 punts."));
}

static void test_numbers_are_grouped_the_local_way(void)
{
    static const struct {
        const char *lang;
        long long n;
        const char *text;
    } cases[] = {
        {"en", 0, "0"},
        {"en", 999, "999"},
        {"en", 1234, "1,234"},
        {"en", -1234567, "-1,234,567"},
        {"es", 1234, "1234"},
        {"es", 12345, "12.345"},
        {"es", 1234567, "1.234.567"},
        {"ca", 1234, "1.234"},
        {"ru", 1234, "1 234"},
        {"ru", 1234567, "1 234 567"},
        {"ru", 100, "100"},
    };
    char out[32];
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        CHECK_INT(fdl_lang_format_number(out, sizeof(out), cases[i].lang, cases[i].n),
                  strlen(cases[i].text));
        CHECK_STR(out, cases[i].text);
    }
    fdl_lang_format_decimal(out, sizeof(out), "es", 500, 3, 0);
    CHECK_STR(out, "0,5");
    fdl_lang_format_decimal(out, sizeof(out), "en", 1250, 3, 0);
    CHECK_STR(out, "1.25");
    fdl_lang_format_decimal(out, sizeof(out), "ru", 50, 2, 1);
    CHECK_STR(out, "0,50");
    fdl_lang_format_decimal(out, sizeof(out), "ca", -150, 2, 0);
    CHECK_STR(out, "-1,5");
}

static void test_money_is_written_the_local_way(void)
{
    static const struct {
        const char *lang;
        int64_t minor;
        const char *currency;
        int minor_per_unit;
        const char *text;
    } cases[] = {
        {"en", 100, "EUR", 100, "€1.00"},         {"es", 100, "EUR", 100, "1,00 €"},
        {"ca", 123450, "EUR", 100, "1.234,50 €"}, {"es", 123450, "EUR", 100, "1234,50 €"},
        {"ru", 123450, "EUR", 100, "1 234,50 €"}, {"en", -500, "USD", 100, "-$5.00"},
        {"es", -500, "EUR", 100, "-5,00 €"},      {"en", 1000, "JPY", 1, "¥1,000"},
        {"es", 1000, "JPY", 1, "1000 ¥"},         {"en", 200, "CHF", 100, "CHF 2.00"},
        {"ru", 200, "CHF", 100, "2,00 CHF"},      {"en", 1250, "KWD", 1000, "KWD 1.250"},
        {"ca", 5, "EUR", 100, "0,05 €"},          {"ru", 9900, "RUB", 100, "99,00 ₽"},
    };
    char out[32];
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        size_t n = fdl_lang_format_money(out, sizeof(out), cases[i].lang, cases[i].minor,
                                         cases[i].currency, cases[i].minor_per_unit);
        CHECK_STR(out, cases[i].text);
        CHECK_INT(n, strlen(cases[i].text));
    }
    CHECK_INT(fdl_lang_format_money(out, 4, "en", 123456, "EUR", 100),
              strlen("€1,234.56"));
    CHECK_STR(out, "€"); /* cut where the bytes ran out */
}

static void test_dates_are_written_in_words(void)
{
    int64_t march8 = fdl_days_from_civil(2026, 3, 8);
    int64_t april1 = fdl_days_from_civil(2026, 4, 1);
    int64_t august11 = fdl_days_from_civil(2027, 8, 11);
    char out[64];
    fdl_lang_format_date(out, sizeof(out), "en", march8, FDL_DATE_FULL);
    CHECK_STR(out, "8 March 2026");
    fdl_lang_format_date(out, sizeof(out), "es", march8, FDL_DATE_FULL);
    CHECK_STR(out, "8 de marzo de 2026");
    fdl_lang_format_date(out, sizeof(out), "ca", march8, FDL_DATE_FULL);
    CHECK_STR(out, "8 de març de 2026");
    fdl_lang_format_date(out, sizeof(out), "ca", april1, FDL_DATE_FULL);
    CHECK_STR(out, "1 d'abril de 2026");
    fdl_lang_format_date(out, sizeof(out), "ca", august11, FDL_DATE_DAY_MONTH);
    CHECK_STR(out, "11 d'agost");
    fdl_lang_format_date(out, sizeof(out), "ru", march8, FDL_DATE_FULL);
    CHECK_STR(out, "8 марта 2026 г.");
    fdl_lang_format_date(out, sizeof(out), "ru", august11, FDL_DATE_DAY_MONTH);
    CHECK_STR(out, "11 августа");
    fdl_lang_format_date(out, sizeof(out), "es", april1, FDL_DATE_DAY);
    CHECK_STR(out, "1");
    fdl_lang_format_date(out, sizeof(out), "xx", april1, FDL_DATE_FULL);
    CHECK_STR(out, "1 April 2026");
}

static void test_every_message_formats_in_every_language(void)
{
    char out[256];
    for (int id = 0; id < FDL_MSG_COUNT_; id++)
        for (size_t l = 0; l < sizeof(langs) / sizeof(*langs); l++) {
            enum fdl_message_args args = fdl_message_args(id);
            int n =
                args == FDL_MSG_ARGS_COUNT
                    ? fdl_message_count(out, sizeof(out), id, langs[l], 3)
                : args == FDL_MSG_ARGS_COUNT_TEXT
                    ? fdl_message_count_text(out, sizeof(out), id, langs[l], 3, "X")
                : args == FDL_MSG_ARGS_TEXT
                    ? fdl_message_text(out, sizeof(out), id, langs[l], "3")
                    : fdl_message_text3(out, sizeof(out), id, langs[l], "3", "Y", "Z");
            CHECK(n > 0 && n < (int)sizeof(out));
            CHECK(!strchr(out, '%'));
            CHECK(strstr(out, "3"));
        }
}

/* Punch cards and tier progress, with their plural forms. */
#define FDL_MSG_TEST_MAX 256

static void test_stamp_and_tier_messages(void)
{
    char out[FDL_MSG_TEST_MAX];
    fdl_message_count_text(out, sizeof(out), FDL_MSG_STAMPS_TO_GO, "en", 3,
                           "Coffee card");
    CHECK_STR(out, "3 more stamps to fill your Coffee card.");
    fdl_message_count_text(out, sizeof(out), FDL_MSG_STAMPS_TO_GO, "en", 1,
                           "Coffee card");
    CHECK_STR(out, "1 more stamp to fill your Coffee card.");
    fdl_message_count_text(out, sizeof(out), FDL_MSG_STAMPS_TO_GO, "es", 1,
                           "tarjeta café");
    CHECK_STR(out, "Te falta 1 sello para completar tu tarjeta café.");
    fdl_message_count_text(out, sizeof(out), FDL_MSG_STAMPS_TO_GO, "ru", 22, "Кофе");
    CHECK_STR(out, "Осталось 22 штампа до заполнения карточки «Кофе».");
    fdl_message_count_text(out, sizeof(out), FDL_MSG_STAMP_CARD_FULL, "en", 1,
                           "Coffee card");
    CHECK_STR(out, "1 reward waiting: your Coffee card is full.");
    fdl_message_count_text(out, sizeof(out), FDL_MSG_STAMP_CARD_FULL, "ca", 2, "targeta");
    CHECK_STR(out, "2 premis t'esperen: la teva targeta és plena.");
    fdl_message_count_text(out, sizeof(out), FDL_MSG_TIER_MISSING_POINTS, "en", 120,
                           "Gold");
    CHECK_STR(out, "120 more points to Gold.");
    fdl_message_count_text(out, sizeof(out), FDL_MSG_TIER_MISSING_POINTS, "ru", 5,
                           "Gold");
    CHECK_STR(out, "Ещё 5 баллов до уровня «Gold».");
    fdl_message_count_text(out, sizeof(out), FDL_MSG_TIER_MISSING_VISITS, "en", 3,
                           "Gold");
    CHECK_STR(out, "3 more visits to Gold.");
    fdl_message_count_text(out, sizeof(out), FDL_MSG_TIER_MISSING_VISITS, "es", 1,
                           "Gold");
    CHECK_STR(out, "Te falta 1 visita para Gold.");
    fdl_message_text(out, sizeof(out), FDL_MSG_TIER_WELCOME, "en", "Gold");
    CHECK_STR(out, "Welcome to Gold!");
    fdl_message_text(out, sizeof(out), FDL_MSG_TIER_WELCOME, "ca", "Gold");
    CHECK_STR(out, "Benvingut al nivell Gold!");
    char spent[32], missing[32];
    fdl_lang_format_money(spent, sizeof(spent), "es", 8000, "EUR", 100);
    fdl_lang_format_money(missing, sizeof(missing), "es", 2000, "EUR", 100);
    fdl_message_text3(out, sizeof(out), FDL_MSG_TIER_MISSING_SPEND, "es", spent, missing,
                      "Silver");
    CHECK_STR(out, "Has gastado 80,00 €: te faltan 20,00 € para Silver.");
    fdl_lang_format_money(spent, sizeof(spent), "en", 8000, "EUR", 100);
    fdl_lang_format_money(missing, sizeof(missing), "en", 2000, "EUR", 100);
    fdl_message_text3(out, sizeof(out), FDL_MSG_TIER_MISSING_SPEND, "en", spent, missing,
                      "Silver");
    CHECK_STR(out, "You spent €80.00 — €20.00 more to Silver.");
}

int main(void)
{
    RUN(test_every_translation_has_the_english_placeholders_in_order);
    RUN(test_stamp_and_tier_messages);
    RUN(test_the_english_placeholders_are_the_declared_arguments);
    RUN(test_every_entry_is_a_sentence_of_valid_utf8);
    RUN(test_russian_plural_forms);
    RUN(test_russian_counts_read_as_russian);
    RUN(test_one_and_other_in_english_spanish_and_catalan);
    RUN(test_the_english_texts_are_what_the_service_printed);
    RUN(test_receipts_in_spanish_catalan_and_russian);
    RUN(test_an_unknown_language_is_english);
    RUN(test_lang_codes);
    RUN(test_format_is_bounded_like_snprintf);
    RUN(test_numbers_are_grouped_the_local_way);
    RUN(test_money_is_written_the_local_way);
    RUN(test_dates_are_written_in_words);
    RUN(test_every_message_formats_in_every_language);
    return check_done();
}
