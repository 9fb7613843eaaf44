/*
 * test_explain.c - programs in plain words: every example in every
 * language, exact texts for a small program in each language, Russian
 * plurals, conditions put in words or quoted, dates, weekdays and the
 * grammar each language needs (Catalan "de l'1", Spanish "u", Russian "со 2").
 *
 * Expected sentences are written out by hand, never read back from the code.
 */
#include "engine/explain.h"

#include "base/text.h"
#include "engine/expr.h"
#include "engine/program_file.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "source.h"

static const char *const langs[] = {"en", "es", "ca", "ru"};
#define N_LANGS (sizeof(langs) / sizeof(*langs))

/* Lines 1-4 of the programs below. */
#define PROGRAM(lang)                                                                    \
    "program:\n  name: Test\n  currency: EUR\n  time_zone: Europe/Madrid\n"              \
    "  language: " lang "\n"

static struct fdl_program_def *load(const char *text)
{
    struct fdl_program_def *def = NULL;
    struct fdl_error err;
    if (fdl_program_file_load(text, strlen(text), &def, &err) != 0) {
        fprintf(stderr, "  load failed: %s: %s\n", err.field, err.message);
        return NULL;
    }
    return def;
}

/* def's explanation in lang, or NULL (printed). Free it. */
static char *explain(const struct fdl_program_def *def, const char *lang)
{
    char *text = NULL;
    struct fdl_error err;
    if (fdl_program_explain(def, lang, &text, &err) != 0) {
        fprintf(stderr, "  explain failed: %s: %s\n", err.field, err.message);
        return NULL;
    }
    return text;
}

/* Rule i's sentence in lang, in a buffer that the next call reuses. */
static const char *sentence(const struct fdl_program_def *def, size_t i, const char *lang)
{
    static char buf[4096];
    char *text = NULL;
    struct fdl_error err;
    if (fdl_rule_explain(def, i, lang, &text, &err) != 0) {
        fprintf(stderr, "  explain failed: %s: %s\n", err.field, err.message);
        return "";
    }
    snprintf(buf, sizeof(buf), "%s", text);
    free(text);
    return buf;
}

/* The program of `rules` (YAML list items) and its last rule's sentence in lang. */
static const char *rule_in(const char *lang, const char *rules)
{
    static char buf[4096];
    char text[4096];
    snprintf(text, sizeof(text), PROGRAM("en") "earn:\n%s", rules);
    struct fdl_program_def *def = load(text);
    if (!def)
        return "";
    snprintf(buf, sizeof(buf), "%s", sentence(def, def->n_rules - 1, lang));
    fdl_program_def_free(def);
    return buf;
}

/* ---- the examples ---- */

static struct fdl_program_def *load_example(const char *name)
{
    char path[4096], rel[256];
    snprintf(rel, sizeof(rel), "examples/%s", name);
    source_path(rel, path, sizeof(path));
    struct fdl_program_def *def = NULL;
    struct fdl_error err;
    if (fdl_program_file_load_path(path, &def, &err) != 0) {
        fprintf(stderr, "  %s: %s: %s\n", path, err.field, err.message);
        return NULL;
    }
    return def;
}

static const char *const example_names[] = {"coffee-chain.yaml", "grocery.yaml",
                                            "boutique.yaml", "coalition.yaml"};

/* Lines of text that start with "- " between the first and second "## ". */
static size_t earn_bullets(const char *text)
{
    const char *at = strstr(text, "\n## ");
    const char *end = at ? strstr(at + 1, "\n## ") : NULL;
    size_t n = 0;
    for (const char *p = at; p && p < end; p = strchr(p + 1, '\n'))
        n += strncmp(p, "\n- ", 3) == 0;
    return n;
}

/*
 * Typing slips the assembly could make: doubled spaces, stray punctuation,
 * a placeholder left in ("%s", "%lld"; an owner's "50% more" is fine).
 */
static int looks_typeset(const char *text)
{
    static const char *const slips[] = {"  ", " .", " ,",  "..",    ",,",
                                        " )", "( ", ", ,", "\n\n\n"};
    for (const char *p = strchr(text, '%'); p; p = strchr(p + 1, '%'))
        if ((p[1] >= 'a' && p[1] <= 'z') || (p[1] >= '0' && p[1] <= '9') || p[1] == '%') {
            fprintf(stderr, "  a placeholder \"%.3s\" in:\n%s\n", p, text);
            return 0;
        }
    for (size_t i = 0; i < sizeof(slips) / sizeof(*slips); i++)
        if (strstr(text, slips[i])) {
            fprintf(stderr, "  \"%s\" in:\n%s\n", slips[i], text);
            return 0;
        }
    return 1;
}

static void test_every_example_in_every_language(void)
{
    for (size_t e = 0; e < sizeof(example_names) / sizeof(*example_names); e++) {
        struct fdl_program_def *def = load_example(example_names[e]);
        CHECK(def);
        for (size_t l = 0; l < N_LANGS; l++) {
            char *text = explain(def, langs[l]);
            CHECK(text);
            char heading[256];
            snprintf(heading, sizeof(heading), "# %s\n\n## ", def->program.name);
            int ok = strncmp(text, heading, strlen(heading)) == 0 &&
                     fdl_utf8_valid(text, strlen(text)) && looks_typeset(text) &&
                     earn_bullets(text) == def->n_rules && text[strlen(text) - 1] == '\n';
            for (size_t i = 0; ok && i < def->n_rules; i++) {
                const char *s = sentence(def, i, langs[l]);
                ok = strlen(s) > 10 && strstr(text, s) && looks_typeset(s) &&
                     strstr(text, def->rules[i].description);
                if (!ok)
                    fprintf(stderr, "  %s %s rule %zu: \"%s\"\n", example_names[e],
                            langs[l], i, s);
            }
            if (!ok)
                fprintf(stderr, "%s\n", text);
            free(text);
            if (!ok)
                fdl_program_def_free(def);
            CHECK(ok);
        }
        fdl_program_def_free(def);
    }
}

/* ---- a small program, word for word ---- */

static const char golden_program[] =
    "program:\n"
    "  name: Golden Café\n"
    "  currency: EUR\n"
    "  time_zone: Europe/Madrid\n"
    "points:\n"
    "  expiry_months: 12\n"
    "  pending_days: 14\n"
    "  value: 0.01\n"
    "earn:\n"
    "  - id: base\n"
    "    rate: 4\n"
    "    exclude: { skus: [DELIVERY], categories: [gift-cards] }\n"
    "  - id: fruit\n"
    "    multiplier: 3\n"
    "    categories: [fruit]\n"
    "  - id: coffee\n"
    "    bonus: 10\n"
    "    per: unit\n"
    "    categories: [coffee]\n"
    "  - id: welcome\n"
    "    description: Welcome!\n"
    "    bonus: 100\n"
    "    event: first_purchase\n"
    "  - id: mornings\n"
    "    description: Happy hour\n"
    "    multiplier: 2\n"
    "    weekdays: [mon, tue, wed, thu, fri]\n"
    "    hours: \"07:00-10:00\"\n"
    "    cap: 200\n";

static const char *const golden_texts[N_LANGS] = {
    "# Golden Café\n"
    "\n"
    "## How you earn points\n"
    "\n"
    "- Earn 4 points for every euro you pay (except products with code DELIVERY and "
    "products in the category gift-cards).\n"
    "- Triple points on products in the category fruit.\n"
    "- 10 points for each item in the category coffee.\n"
    "- Welcome! On your first purchase, a gift of 100 points.\n"
    "- Happy hour. From Monday to Friday, from 7:00 to 10:00, double points (up to 200 "
    "extra points per purchase).\n"
    "\n"
    "## Your points\n"
    "\n"
    "- 100 points are worth €1.00.\n"
    "- Points expire 12 months after you earn them.\n"
    "- New points can be spent 14 days after the purchase, once the return period is "
    "over.\n"
    "- Points are counted in whole points, rounded down.\n",

    "# Golden Café\n"
    "\n"
    "## Cómo ganar puntos\n"
    "\n"
    "- Gana 4 puntos por cada euro que pagues (no cuentan los productos con el código "
    "DELIVERY ni los productos de la categoría gift-cards).\n"
    "- Puntos triples en productos de la categoría fruit.\n"
    "- 10 puntos por cada artículo de la categoría coffee.\n"
    "- Welcome! En tu primera compra, 100 puntos de regalo.\n"
    "- Happy hour. De lunes a viernes, de 7:00 a 10:00, puntos dobles (hasta 200 puntos "
    "más por compra).\n"
    "\n"
    "## Tus puntos\n"
    "\n"
    "- 100 puntos valen 1,00 €.\n"
    "- Los puntos caducan 12 meses después de ganarlos.\n"
    "- Los puntos nuevos se pueden usar 14 días después de la compra, cuando termina el "
    "plazo de devolución.\n"
    "- Los puntos se cuentan enteros, redondeando hacia abajo.\n",

    "# Golden Café\n"
    "\n"
    "## Com guanyar punts\n"
    "\n"
    "- Guanya 4 punts per cada euro que paguis (no hi compten els productes amb el codi "
    "DELIVERY ni els productes de la categoria gift-cards).\n"
    "- Punts triples en productes de la categoria fruit.\n"
    "- 10 punts per cada article de la categoria coffee.\n"
    "- Welcome! En la teva primera compra, 100 punts de regal.\n"
    "- Happy hour. De dilluns a divendres, de 7:00 a 10:00, punts dobles (fins a 200 "
    "punts més per compra).\n"
    "\n"
    "## Els teus punts\n"
    "\n"
    "- 100 punts valen 1,00 €.\n"
    "- Els punts caduquen 12 mesos després d'haver-los guanyat.\n"
    "- Els punts nous es poden fer servir 14 dies després de la compra, quan s'acaba el "
    "termini de devolució.\n"
    "- Els punts es compten sencers, arrodonint cap avall.\n",

    "# Golden Café\n"
    "\n"
    "## Как получить баллы\n"
    "\n"
    "- Получайте 4 балла за каждый евро покупки (кроме товаров с кодом DELIVERY и "
    "товаров из категории gift-cards).\n"
    "- Тройные баллы на товары из категории fruit.\n"
    "- 10 баллов за каждую единицу товара из категории coffee.\n"
    "- Welcome! При первой покупке — 100 баллов в подарок.\n"
    "- Happy hour. С понедельника по пятницу, с 7:00 до 10:00 — двойные баллы (максимум "
    "200 дополнительных баллов за покупку).\n"
    "\n"
    "## Ваши баллы\n"
    "\n"
    "- За 100 баллов можно получить скидку 1,00 €.\n"
    "- Баллы сгорают через 12 месяцев после начисления.\n"
    "- Новые баллы можно потратить через 14 дней, когда пройдёт срок возврата.\n"
    "- Баллы начисляются целыми, с округлением в меньшую сторону.\n",
};

static void check_golden(size_t l)
{
    struct fdl_program_def *def = load(golden_program);
    CHECK(def);
    char *text = explain(def, langs[l]);
    fdl_program_def_free(def);
    CHECK(text);
    int same = strcmp(text, golden_texts[l]) == 0;
    if (!same)
        fprintf(stderr, "  got:\n%s  expected:\n%s", text, golden_texts[l]);
    free(text);
    CHECK(same);
}

static void test_golden_english(void)
{
    check_golden(0);
}

static void test_golden_spanish(void)
{
    check_golden(1);
}

static void test_golden_catalan(void)
{
    check_golden(2);
}

static void test_golden_russian(void)
{
    check_golden(3);
}

/* ---- Russian plurals ---- */

static void test_russian_plurals_in_sentences(void)
{
    CHECK_STR(rule_in("ru", "  - id: a\n    rate: 1\n"),
              "Получайте 1 балл за каждый евро покупки.");
    CHECK_STR(rule_in("ru", "  - id: a\n    rate: 21\n"),
              "Получайте 21 балл за каждый евро покупки.");
    CHECK_STR(rule_in("ru", "  - id: a\n    rate: 0.5\n"),
              "Получайте 1 балл за каждые 2 евро покупки.");
    CHECK_STR(rule_in("ru", "  - id: a\n    rate: 0.333\n"),
              "Получайте 0,333 балла за каждый евро покупки.");
    CHECK_STR(rule_in("ru", "  - id: a\n    bonus: 2\n"),
              "2 балла в подарок за каждую покупку.");
    CHECK_STR(rule_in("ru", "  - id: a\n    bonus: 11\n"),
              "11 баллов в подарок за каждую покупку.");
    CHECK_STR(rule_in("ru", "  - id: a\n    bonus: 22\n    per: unit\n"),
              "22 балла за каждую единицу товара.");
    CHECK_STR(rule_in("ru", "  - id: a\n    bonus: 101\n    per: line\n"),
              "101 балл за каждую позицию чека.");
    CHECK_STR(rule_in("ru", "  - id: a\n    bonus: 5\n    when: basket.quantity >= 2 and "
                            "member.visits > 20 and basket.lines <= 4\n"),
              "5 баллов в подарок за каждую покупку, если в покупке 2 товара или больше, "
              "у вас уже 21 покупка или больше и в чеке 4 позиции или меньше.");
}

static void test_russian_plurals_of_extra_points_months_and_days(void)
{
    struct fdl_program_def *def = load(
        PROGRAM("ru") "points:\n  expiry_months: 1\n  pending_days: 2\n  value: 0.05\n"
                      "earn:\n  - id: a\n    rate: 1\n"
                      "  - id: b\n    multiplier: 5\n    cap: 1\n"
                      "  - id: c\n    multiplier: 1.5\n    cap: 3\n"
                      "  - id: d\n    multiplier: 22\n    cap: 25\n");
    CHECK(def);
    char *text = explain(def, NULL);
    CHECK(text);
    int ok =
        strstr(text, "- В 5 раз больше баллов (максимум 1 дополнительный балл за "
                     "покупку).\n") &&
        strstr(text, "- В 1,5 раза больше баллов (максимум 3 дополнительных балла за "
                     "покупку).\n") &&
        strstr(text, "- В 22 раза больше баллов (максимум 25 дополнительных баллов "
                     "за покупку).\n") &&
        strstr(text, "- За 20 баллов можно получить скидку 1,00 €.\n") &&
        strstr(text, "- Баллы сгорают через 1 месяц после начисления.\n") &&
        strstr(text, "- Новые баллы можно потратить через 2 дня, когда пройдёт срок");
    if (!ok)
        fprintf(stderr, "%s", text);
    free(text);
    fdl_program_def_free(def);
    CHECK(ok);

    def = load(PROGRAM("ru") "points:\n  expiry_months: 21\n  pending_days: 5\n"
                             "  value: 0.01\n");
    CHECK(def);
    text = explain(def, "ru");
    CHECK(text);
    ok = strstr(text, "через 21 месяц после начисления") &&
         strstr(text, "через 5 дней, когда пройдёт") &&
         strstr(text, "- Пока покупки не приносят баллов.\n");
    if (!ok)
        fprintf(stderr, "%s", text);
    free(text);
    fdl_program_def_free(def);
    CHECK(ok);
}

/* ---- conditions ---- */

static void test_conditions_in_words(void)
{
    const char *pastry = "  - id: a\n    bonus: 20\n    per: line\n"
                         "    categories: [pastry]\n    channels: [till]\n"
                         "    when: now.hour >= 15 and now.hour < 19\n";
    CHECK_STR(rule_in("es", pastry),
              "De 15:00 a 19:00, 20 puntos por cada producto distinto de la categoría "
              "pastry en tienda.");
    CHECK_STR(rule_in("en", pastry),
              "From 15:00 to 19:00, 20 points for each different product in the category "
              "pastry in store.");
    const char *web = "  - id: a\n    bonus: 50\n    channels: [web]\n"
                      "    when: basket.lines >= 10 and member.visits >= 5\n";
    CHECK_STR(rule_in("es", web),
              "50 puntos de regalo en cada compra en la web si la compra tiene 10 "
              "productos distintos o más y ya has hecho 5 compras o más.");
    CHECK_STR(rule_in("ca", web),
              "50 punts de regal a cada compra al web si la compra té 10 productes "
              "diferents o més i ja has fet 5 compres o més.");
    CHECK_STR(
        rule_in("ru", web),
        "50 баллов в подарок за каждую покупку на сайте, если в чеке 10 позиций или "
        "больше и у вас уже 5 покупок или больше.");
    const char *vip =
        "  - id: a\n    bonus: 30\n    per: unit\n    labels: [new-season]\n"
        "    valid_from: 2026-03-02\n    valid_until: 2026-03-08\n"
        "    when: '\"vip\" in member.segments or member.spend >= 1000'\n"
        "    cap: 300\n";
    CHECK_STR(
        rule_in("en", vip),
        "From 2 to 8 March 2026, 30 points for each item labelled new-season if you "
        "are in the vip group or you have spent €1,000.00 or more (up to 300 points "
        "per purchase).");
    CHECK_STR(
        rule_in("ru", vip),
        "Со 2 по 8 марта 2026 г. — 30 баллов за каждую единицу товара с меткой "
        "new-season, если вы в группе vip или вы уже потратили 1 000,00 € или больше "
        "(максимум 300 баллов за покупку).");
    const char *tickets =
        "  - id: a\n    bonus: 25\n    per: unit\n    stores: [CINE-01]\n"
        "    channels: [app]\n    weekdays: [tue]\n"
        "    when_line: line.category == \"tickets\"\n";
    CHECK_STR(rule_in("ru", tickets),
              "По вторникам — 25 баллов за каждую единицу товара из категории tickets в "
              "магазине CINE-01 в приложении.");
    CHECK_STR(
        rule_in("ca", tickets),
        "Els dimarts, 25 punts per cada article de la categoria tickets a la botiga "
        "CINE-01 a l'app.");
}

static void test_condition_parts_merge_into_the_rule(void)
{
    const char *rule =
        "  - id: base\n    rate: 1\n"
        "  - id: a\n    multiplier: 2\n    weekdays: [fri, sat, sun]\n"
        "    when: now.weekday >= sat and now.hour >= 9 and now.hour <= 12 "
        "and store in (\"A\", \"B\") and member.tier == \"gold\" and "
        "now.month in (6, 7)\n";
    CHECK_STR(
        rule_in("es", rule),
        "Los fines de semana, en junio o en julio, de 9:00 a 13:00, para los socios "
        "gold, puntos dobles en las tiendas A o B.");
    CHECK_STR(rule_in("ca", rule),
              "Els caps de setmana, al juny o al juliol, de 9:00 a 13:00, per als socis "
              "gold, punts dobles a les botigues A o B.");
    /* An `or` on one variable is a set. */
    CHECK_STR(rule_in("en", "  - id: a\n    bonus: 5\n"
                            "    when: channel == \"app\" or channel == \"web\"\n"),
              "A gift of 5 points with every purchase in the app or online.");
    /* Hours beside the rule's own become a clause. */
    CHECK_STR(rule_in("en", "  - id: a\n    bonus: 5\n    hours: \"08:00-20:00\"\n"
                            "    when: now.hour < 12\n"),
              "From 8:00 to 20:00, a gift of 5 points with every purchase if you buy "
              "before 12:00.");
    CHECK_STR(rule_in("es", "  - id: a\n    bonus: 5\n    when: now.hour >= 1\n"),
              "A partir de la 1:00, 5 puntos de regalo en cada compra.");
    CHECK_STR(rule_in("ca", "  - id: a\n    bonus: 5\n    when: now.hour < 13\n"),
              "Abans de les 13:00, 5 punts de regal a cada compra.");
}

/* The canonical text of rule 0's condition, as the explanation must quote it. */
static void canonical(const char *rule, int line_level, char *out, size_t cap)
{
    char text[4096];
    snprintf(text, sizeof(text), PROGRAM("en") "earn:\n%s", rule);
    struct fdl_program_def *def = load(text);
    out[0] = '\0';
    if (def) {
        fdl_expr_format(line_level ? def->rules[0].when_line : def->rules[0].when, out,
                        cap);
        fdl_program_def_free(def);
    }
}

static void test_conditions_without_words_are_quoted(void)
{
    const char *rule = "  - id: a\n    bonus: 5\n    when: (basket.total >= 50 and "
                       "member.visits >= 3) or not member.tier == \"gold\"\n";
    char cond[512], expected[1024];
    canonical(rule, 0, cond, sizeof(cond));
    CHECK(cond[0]);
    snprintf(expected, sizeof(expected),
             "5 puntos de regalo en cada compra si se cumple: %s.", cond);
    CHECK_STR(rule_in("es", rule), expected);
    snprintf(expected, sizeof(expected),
             "5 баллов в подарок за каждую покупку, если выполняется условие: %s.", cond);
    CHECK_STR(rule_in("ru", rule), expected);

    rule = "  - id: a\n    rate: 2\n    when_line: line.quantity >= 3\n";
    canonical(rule, 1, cond, sizeof(cond));
    snprintf(expected, sizeof(expected),
             "Earn 2 points for every euro you pay (only products where this holds: %s).",
             cond);
    CHECK_STR(rule_in("en", rule), expected);

    /* A part with no words quotes the whole condition, not half of it. */
    rule = "  - id: a\n    bonus: 5\n    when: now.weekday == sat and store != \"X\"\n";
    canonical(rule, 0, cond, sizeof(cond));
    snprintf(expected, sizeof(expected),
             "A gift of 5 points with every purchase if this holds: %s.", cond);
    CHECK_STR(rule_in("en", rule), expected);
}

/* ---- dates, weekdays and each language's grammar ---- */

static void test_dates_in_words(void)
{
    const char *april = "  - id: a\n    bonus: 5\n    valid_from: 2026-04-01\n"
                        "    valid_until: 2026-04-11\n";
    CHECK_STR(rule_in("ca", april),
              "De l'1 a l'11 d'abril de 2026, 5 punts de regal a cada "
              "compra.");
    CHECK_STR(rule_in("es", april), "Del 1 al 11 de abril de 2026, 5 puntos de regalo en "
                                    "cada compra.");
    CHECK_STR(rule_in("en", april),
              "From 1 to 11 April 2026, a gift of 5 points with every "
              "purchase.");
    CHECK_STR(rule_in("ru", april), "С 1 по 11 апреля 2026 г. — 5 баллов в подарок за "
                                    "каждую покупку.");
    const char *years = "  - id: a\n    bonus: 5\n    valid_from: 2025-12-20\n"
                        "    valid_until: 2026-01-06\n";
    CHECK_STR(rule_in("es", years),
              "Del 20 de diciembre de 2025 al 6 de enero de 2026, 5 "
              "puntos de regalo en cada compra.");
    const char *months = "  - id: a\n    bonus: 5\n    valid_from: 2026-02-25\n"
                         "    valid_until: 2026-03-02\n";
    CHECK_STR(rule_in("ru", months),
              "С 25 февраля по 2 марта 2026 г. — 5 баллов в подарок "
              "за каждую покупку.");
    CHECK_STR(rule_in("ca", "  - id: a\n    bonus: 5\n    valid_from: 2026-08-02\n"),
              "A partir del 2 d'agost de 2026, 5 punts de regal a cada compra.");
    CHECK_STR(rule_in("ca", "  - id: a\n    bonus: 5\n    valid_until: 2026-10-11\n"),
              "Fins a l'11 d'octubre de 2026, 5 punts de regal a cada compra.");
    CHECK_STR(rule_in("ru", "  - id: a\n    bonus: 5\n    valid_from: 2026-05-02\n"),
              "Со 2 мая 2026 г. — 5 баллов в подарок за каждую покупку.");
    CHECK_STR(rule_in("ru", "  - id: a\n    bonus: 5\n    valid_until: 2026-05-09\n"),
              "По 9 мая 2026 г. включительно — 5 баллов в подарок за каждую покупку.");
    CHECK_STR(rule_in("es", "  - id: a\n    bonus: 5\n    valid_from: 2026-12-24\n"
                            "    valid_until: 2026-12-24\n"),
              "El 24 de diciembre de 2026, 5 puntos de regalo en cada compra.");
}

static void test_weekdays_in_words(void)
{
    CHECK_STR(rule_in("es", "  - id: a\n    bonus: 5\n    weekdays: [tue, thu]\n"),
              "Los martes y jueves, 5 puntos de regalo en cada compra.");
    CHECK_STR(rule_in("ru", "  - id: a\n    bonus: 5\n    weekdays: [tue, thu]\n"),
              "По вторникам и четвергам — 5 баллов в подарок за каждую покупку.");
    CHECK_STR(rule_in("en", "  - id: a\n    bonus: 5\n    weekdays: [mon, wed, sat]\n"),
              "On Mondays, Wednesdays and Saturdays, a gift of 5 points with every "
              "purchase.");
    CHECK_STR(rule_in("ca", "  - id: a\n    bonus: 5\n    weekdays: [fri, sat, sun]\n"),
              "De divendres a diumenge, 5 punts de regal a cada compra.");
    CHECK_STR(rule_in("ru", "  - id: a\n    bonus: 5\n    weekdays: [wed, thu, fri]\n"),
              "Со среды по пятницу — 5 баллов в подарок за каждую покупку.");
    CHECK_STR(rule_in("en", "  - id: a\n    bonus: 5\n    weekdays: [sat, sun]\n"),
              "At the weekend, a gift of 5 points with every purchase.");
    CHECK_STR(rule_in("es", "  - id: a\n    bonus: 5\n"
                            "    weekdays: [mon, tue, wed, thu, fri, sat, sun]\n"),
              "5 puntos de regalo en cada compra.");
}

static void test_spanish_o_becomes_u(void)
{
    CHECK_STR(rule_in("es", "  - id: a\n    rate: 1\n    stores: [norte, oeste]\n"),
              "Gana 1 punto por cada euro que pagues en las tiendas norte u oeste.");
    CHECK_STR(rule_in("es", "  - id: a\n    bonus: 5\n    when: now.day in (7, 8)\n"),
              "El día 7 u 8 del mes, 5 puntos de regalo en cada compra.");
    CHECK_STR(rule_in("es", "  - id: a\n    bonus: 5\n    when: now.day in (1, 11)\n"),
              "El día 1 u 11 del mes, 5 puntos de regalo en cada compra.");
    CHECK_STR(rule_in("es", "  - id: a\n    bonus: 5\n    tiers: [oro, plata]\n"),
              "Para los socios oro o plata, 5 puntos de regalo en cada compra.");
    CHECK_STR(rule_in("ru", "  - id: a\n    bonus: 5\n    when: now.day in (2, 15)\n"),
              "2-го или 15-го числа — 5 баллов в подарок за каждую покупку.");
}

static void test_rates_values_and_notes(void)
{
    CHECK_STR(rule_in("en", "  - id: a\n    rate: 0.5\n"),
              "Earn 1 point for every 2 euros you pay.");
    CHECK_STR(rule_in("en", "  - id: a\n    rate: 1.5\n    on: gross\n    stop: true\n"),
              "Earn 3 points for every 2 euros you pay (including the part paid with "
              "points; not combined with the offers below).");
    CHECK_STR(rule_in("es", "  - id: a\n    rate: 0.333\n"),
              "Gana 0,333 puntos por cada euro que pagues.");
    CHECK_STR(rule_in("es", "  - id: a\n    rate: 2\n    min_spend: 20\n"),
              "Gana 2 puntos por cada euro que pagues en compras de 20,00 € o más.");
    CHECK_STR(rule_in("en", "  - id: a\n    bonus: 100\n    event: first_purchase\n"
                            "    min_spend: 30\n"),
              "On your first purchase of €30.00 or more, a gift of 100 points.");
    CHECK_STR(rule_in("en", "  - id: a\n    bonus: 500\n    event: birthday\n"
                            "    categories: [cake]\n"),
              "On your birthday, a gift of 500 points if it includes products in the "
              "category cake.");
    CHECK_STR(rule_in("ru", "  - id: a\n    bonus: 40\n    categories: [cake]\n"),
              "40 баллов в подарок за каждую покупку с товарами из категории cake.");

    static const struct {
        const char *points, *lang, *line;
    } values[] = {
        {"  value: 0.05\n", "en", "- 20 points are worth €1.00.\n"},
        {"  value: 2\n", "es", "- Cada punto vale 2,00 €.\n"},
        {"  value: 0.03\n", "ca", "- 100 punts valen 3,00 €.\n"},
        {"  value: 1.50\n", "en", "- Each point is worth €1.50.\n"},
        {"  expiry_months: 0\n", "es", "- Los puntos no caducan.\n"},
        {"  expiry_months: 0\n", "en", "- Points never expire.\n"},
    };
    for (size_t i = 0; i < sizeof(values) / sizeof(*values); i++) {
        char yaml[512];
        snprintf(yaml, sizeof(yaml), PROGRAM("en") "points:\n%s", values[i].points);
        struct fdl_program_def *def = load(yaml);
        CHECK(def);
        char *text = explain(def, values[i].lang);
        fdl_program_def_free(def);
        CHECK(text);
        int ok = strstr(text, values[i].line) != NULL;
        if (!ok)
            fprintf(stderr, "  no \"%s\" in:\n%s", values[i].line, text);
        free(text);
        CHECK(ok);
    }
}

static void test_other_currencies(void)
{
    struct fdl_program_def *def =
        load("program:\n  name: Tokyo\n  currency: JPY\n  time_zone: Asia/Tokyo\n"
             "points:\n  value: 1\nearn:\n  - id: a\n    rate: 0.01\n"
             "  - id: b\n    bonus: 50\n    min_spend: 5000\n");
    CHECK(def);
    CHECK_STR(sentence(def, 0, "en"), "Earn 1 point for every 100 yen you pay.");
    CHECK_STR(sentence(def, 0, "ru"), "Получайте 1 балл за каждые 100 иен покупки.");
    CHECK_STR(sentence(def, 1, "es"),
              "50 puntos de regalo en cada compra de 5000 ¥ o más.");
    char *text = explain(def, "en");
    fdl_program_def_free(def);
    CHECK(text);
    int ok = strstr(text, "- Each point is worth ¥1.\n") != NULL;
    free(text);
    CHECK(ok);

    def = load("program:\n  name: Zurich\n  currency: CHF\n  time_zone: Europe/Zurich\n"
               "earn:\n  - id: a\n    rate: 2\n");
    CHECK(def);
    CHECK_STR(sentence(def, 0, "ca"), "Guanya 2 punts per cada franc que paguis.");
    fdl_program_def_free(def);
    def = load("program:\n  name: Kuwait\n  currency: KWD\n  time_zone: Asia/Kuwait\n"
               "earn:\n  - id: a\n    rate: 0.5\n");
    CHECK(def);
    CHECK_STR(sentence(def, 0, "en"), "Earn 1 point for every 2 KWD you pay.");
    fdl_program_def_free(def);
}

/* ---- the interface ---- */

static void test_unknown_language_is_refused(void)
{
    struct fdl_program_def *def = load(golden_program);
    CHECK(def);
    char *untouched = (char *)golden_program, *text = untouched;
    struct fdl_error err;
    int rc = fdl_program_explain(def, "fr", &text, &err);
    int rc_rule = fdl_rule_explain(def, 0, "", &text, &err);
    fdl_program_def_free(def);
    CHECK_INT(rc, FDL_EINVALID);
    CHECK_INT(rc_rule, FDL_EINVALID);
    CHECK_STR(err.field, "lang");
    CHECK(text == untouched);
}

static void test_no_language_means_the_programs_own(void)
{
    struct fdl_program_def *def = load(PROGRAM("ca") "earn:\n  - id: a\n    rate: 1\n");
    CHECK(def);
    char *text = explain(def, NULL);
    fdl_program_def_free(def);
    CHECK(text);
    int ok = strstr(text, "## Com guanyar punts\n") != NULL;
    free(text);
    CHECK(ok);
}

/*
 * A program as large as a program file can be: FDL_MAX_RULES rules, each
 * with as many 64-byte skus and stores as fit in FDL_PROGRAM_FILE_MAX_BYTES.
 */
static void test_the_largest_program_fits(void)
{
    size_t cap = FDL_PROGRAM_FILE_MAX_BYTES, len = 0;
    int per_list = 16; /* 100 rules x 2 lists x 16 x ~67 bytes: just under the limit */
    char *yaml = malloc(cap);
    CHECK(yaml);
    len += (size_t)snprintf(yaml + len, cap - len, PROGRAM("ru") "earn:\n");
    for (int r = 0; r < FDL_MAX_RULES; r++) {
        len +=
            (size_t)snprintf(yaml + len, cap - len,
                             "  - id: r%d\n    bonus: 7\n    per: unit\n    skus: [", r);
        for (int i = 0; i < per_list; i++)
            len += (size_t)snprintf(yaml + len, cap - len, "%s%0*d", i ? ", " : "",
                                    FDL_RULE_ITEM_MAX, i);
        len += (size_t)snprintf(yaml + len, cap - len, "]\n    stores: [");
        for (int i = 0; i < per_list; i++)
            len += (size_t)snprintf(yaml + len, cap - len, "%ss%0*d", i ? ", " : "",
                                    FDL_RULE_ITEM_MAX - 1, i);
        len += (size_t)snprintf(yaml + len, cap - len, "]\n");
    }
    CHECK(len < cap);
    struct fdl_program_def *def = NULL;
    struct fdl_error err;
    int rc = fdl_program_file_load(yaml, len, &def, &err);
    free(yaml);
    if (rc)
        fprintf(stderr, "  %s: %s\n", err.field, err.message);
    CHECK_INT(rc, 0);
    for (size_t l = 0; l < N_LANGS; l++) {
        char *text = explain(def, langs[l]);
        if (!text)
            fdl_program_def_free(def);
        CHECK(text);
        int ok =
            strlen(text) < FDL_EXPLAIN_MAX_BYTES && earn_bullets(text) == FDL_MAX_RULES;
        free(text);
        if (!ok)
            fdl_program_def_free(def);
        CHECK(ok);
    }
    fdl_program_def_free(def);
}

int main(void)
{
    RUN(test_every_example_in_every_language);
    RUN(test_golden_english);
    RUN(test_golden_spanish);
    RUN(test_golden_catalan);
    RUN(test_golden_russian);
    RUN(test_russian_plurals_in_sentences);
    RUN(test_russian_plurals_of_extra_points_months_and_days);
    RUN(test_conditions_in_words);
    RUN(test_condition_parts_merge_into_the_rule);
    RUN(test_conditions_without_words_are_quoted);
    RUN(test_dates_in_words);
    RUN(test_weekdays_in_words);
    RUN(test_spanish_o_becomes_u);
    RUN(test_rates_values_and_notes);
    RUN(test_other_currencies);
    RUN(test_unknown_language_is_refused);
    RUN(test_no_language_means_the_programs_own);
    RUN(test_the_largest_program_fits);
    return check_done();
}
