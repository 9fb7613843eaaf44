/*
 * explain.c - a program's rules in plain words, in four languages.
 *
 * Words live in two tables: PHRASES, templates whose only placeholder is
 * %s (check_phrases() makes -Wformat count them in every language), and
 * NOUNS, the plural forms of what gets counted. The code picks and nests
 * phrases; it never writes a word of any language itself, except where a
 * language's grammar needs a decision (Catalan "de l'1", Russian "со 2",
 * Spanish "y" before "i" becoming "e").
 *
 * A rule is first turned into a view: its filters, plus whatever its
 * conditions (`when`, `when_line`) add when they can be put in words: their
 * weekdays, months and hours merge into the rule's own, their stores,
 * channels and tiers fill the rule's lists when those are empty, their
 * line filters become more qualifiers, and their comparisons become "if"
 * clauses. A condition that cannot be worded whole is quoted whole, in its
 * canonical text. The sentence is then: prefix (when), core (what), after
 * (where and if), notes (in parentheses).
 *
 * Strings are built in a scratch pool freed after each rule; a pool that
 * runs out (of memory or of its limit) hands out "" and remembers why, so
 * the builders need no error paths and the caller checks once per rule.
 */
#include "engine/explain.h"
#include "engine/stored_value.h"
#include "engine/rewards.h"

#include "base/clock.h"
#include "base/strbuf.h"

#include "engine/coupons.h"
#include "engine/expr.h"
#include "engine/messages.h"
#include "engine/stamps.h"
#include "engine/currency.h"

#include <assert.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- words ---- */

/* id, arguments, en, es, ca, ru. Every placeholder is %s. */
#define PHRASES(X)                                                                       \
    /* the text's frame */                                                               \
    X(H_EARN, 0, "How you earn points", "Cómo ganar puntos", "Com guanyar punts",        \
      "Как получить баллы")                                                              \
    X(H_POINTS, 0, "Your points", "Tus puntos", "Els teus punts", "Ваши баллы")          \
    X(NO_RULES, 0, "No purchase earns points yet.",                                      \
      "Por ahora ninguna compra da puntos.", "De moment cap compra no dona punts.",      \
      "Пока покупки не приносят баллов.")                                                \
    /* the points */                                                                     \
    X(VALUE_ONE, 1, "Each point is worth %s.", "Cada punto vale %s.",                    \
      "Cada punt val %s.", "Каждый балл — это скидка %s.")                               \
    X(VALUE_N, 2, "%s are worth %s.", "%s valen %s.", "%s valen %s.",                    \
      "За %s можно получить скидку %s.")                                                 \
    X(EXPIRY, 1, "Points expire %s after you earn them.",                                \
      "Los puntos caducan %s después de ganarlos.",                                      \
      "Els punts caduquen %s després d'haver-los guanyat.",                              \
      "Баллы сгорают через %s после начисления.")                                        \
    X(NO_EXPIRY, 0, "Points never expire.", "Los puntos no caducan.",                    \
      "Els punts no caduquen.", "Баллы не сгорают.")                                     \
    X(PENDING, 1,                                                                        \
      "New points can be spent %s after the purchase, once the return period is over.",  \
      "Los puntos nuevos se pueden usar %s después de la compra, cuando termina el "    \
      "plazo de devolución.",                                                            \
      "Els punts nous es poden fer servir %s després de la compra, quan s'acaba el "    \
      "termini de devolució.",                                                           \
      "Новые баллы можно потратить через %s, когда пройдёт срок возврата.")              \
    X(NO_PENDING, 0, "New points can be spent straight away.",                           \
      "Los puntos nuevos se pueden usar enseguida.",                                     \
      "Els punts nous es poden fer servir de seguida.",                                  \
      "Новые баллы можно тратить сразу.")                                                \
    X(ROUND_DOWN, 0, "Points are counted in whole points, rounded down.",                \
      "Los puntos se cuentan enteros, redondeando hacia abajo.",                         \
      "Els punts es compten sencers, arrodonint cap avall.",                             \
      "Баллы начисляются целыми, с округлением в меньшую сторону.")                      \
    X(ROUND_HALF_UP, 0, "Points are counted in whole points, rounded to the nearest.",   \
      "Los puntos se cuentan enteros, redondeando al más cercano.",                      \
      "Els punts es compten sencers, arrodonint al més proper.",                         \
      "Баллы начисляются целыми, с округлением до ближайшего целого.")                   \
    X(ROUND_UP, 0, "Points are counted in whole points, rounded up.",                    \
      "Los puntos se cuentan enteros, redondeando hacia arriba.",                        \
      "Els punts es compten sencers, arrodonint cap amunt.",                             \
      "Баллы начисляются целыми, с округлением в большую сторону.")                      \
    /* what a rule gives */                                                              \
    X(RATE, 2, "earn %s for %s you pay", "gana %s por %s que pagues",                    \
      "guanya %s per %s que paguis", "получайте %s за %s покупки")                       \
    X(EVERY_N, 1, "every %s", "cada %s", "cada %s", "каждые %s")                         \
    X(EVERY_CODE, 1, "every %s", "cada %s", "cada %s", "каждый %s")                      \
    X(MULT_2, 0, "double points", "puntos dobles", "punts dobles", "двойные баллы")      \
    X(MULT_3, 0, "triple points", "puntos triples", "punts triples", "тройные баллы")    \
    X(MULT_N, 1, "points multiplied by %s", "puntos multiplicados por %s",               \
      "punts multiplicats per %s", "в %s больше баллов")                                 \
    X(GIFT, 1, "a gift of %s", "%s de regalo", "%s de regal", "%s в подарок")            \
    X(BONUS_EACH, 2, "%s for %s", "%s por %s", "%s per %s", "%s за %s")                  \
    X(EACH_ITEM, 0, "each item", "cada artículo", "cada article",                        \
      "каждую единицу товара")                                                           \
    X(EACH_LINE, 0, "each different product", "cada producto distinto",                  \
      "cada producte diferent", "каждую позицию чека")                                   \
    X(EVERY_PURCHASE, 0, "with every purchase", "en cada compra", "a cada compra",       \
      "за каждую покупку")                                                               \
    X(EVERY_PURCHASE_MIN, 1, "with every purchase of %s or more",                        \
      "en cada compra de %s o más", "a cada compra de %s o més",                         \
      "за каждую покупку от %s")                                                         \
    X(THAT_INCLUDES, 1, "that includes %s", "que incluya %s", "que inclogui %s", "с %s") \
    X(IF_INCLUDES, 1, "if it includes %s", "si incluye %s", "si inclou %s",              \
      ", если в ней есть %s")                                                            \
    X(ON, 1, "on %s", "en %s", "en %s", "на %s")                                         \
    X(RATE_ON, 1, "on %s", "en %s", "en %s", "%s")                                       \
    X(PRODUCTS_OF, 0, "products", "productos", "productes", "товаров")                   \
    X(PRODUCTS, 0, "products", "productos", "productes", "товары")                       \
    X(PRODUCTS_WITH, 0, "products", "productos", "productes", "товарами")                \
    X(EXCLUDED, 0, "products", "los productos", "els productes", "товаров")              \
    /* which lines */                                                                    \
    X(Q_CATEGORY, 1, "in the category %s", "de la categoría %s", "de la categoria %s",   \
      "из категории %s")                                                                 \
    X(Q_SKU, 1, "with code %s", "con el código %s", "amb el codi %s", "с кодом %s")      \
    X(Q_LABEL, 1, "labelled %s", "con la etiqueta %s", "amb l'etiqueta %s",              \
      "с меткой %s")                                                                     \
    /* where */                                                                          \
    X(MIN_SPEND, 1, "on purchases of %s or more", "en compras de %s o más",              \
      "en compres de %s o més", "при покупке от %s")                                     \
    X(AT_STORE, 1, "at store %s", "en la tienda %s", "a la botiga %s", "в магазине %s")  \
    X(AT_STORES, 1, "at stores %s", "en las tiendas %s", "a les botigues %s",            \
      "в магазинах %s")                                                                  \
    X(CH_STORE, 0, "in store", "en tienda", "a la botiga", "в магазине")                 \
    X(CH_APP, 0, "in the app", "en la app", "a l'app", "в приложении")                   \
    X(CH_WEB, 0, "online", "en la web", "al web", "на сайте")                            \
    X(CH_PHONE, 0, "by phone", "por teléfono", "per telèfon", "по телефону")             \
    X(CH_OTHER, 1, "through the %s channel", "por el canal %s", "pel canal %s",          \
      "через канал %s")                                                                  \
    /* when */                                                                           \
    X(DATES_FROM_TO, 2, "from %s to %s", "del %s al %s", "%s %s", "%s по %s")            \
    X(DATES_FROM, 1, "from %s", "desde el %s", "a partir %s", "%s")                      \
    X(DATES_UNTIL, 1, "until %s", "hasta el %s", "fins %s", "по %s включительно")        \
    X(DATES_ON, 1, "on %s", "el %s", "%s", "%s")                                         \
    X(WEEKEND, 0, "at the weekend", "los fines de semana", "els caps de setmana",        \
      "по выходным")                                                                     \
    X(WEEKDAY_RANGE, 2, "from %s to %s", "de %s a %s", "de %s a %s", "%s по %s")         \
    X(WEEKDAY_SET, 1, "on %s", "los %s", "els %s", "по %s")                              \
    X(MONTH_DAYS, 1, "on day %s of the month", "el día %s del mes", "el dia %s del mes", \
      "%s числа")                                                                        \
    X(MONTH_DAY, 1, "%s", "%s", "%s", "%s-го")                                           \
    X(HOURS, 2, "from %s to %s", "de %s a %s", "de %s a %s", "с %s до %s")               \
    X(HOURS_FROM, 1, "from %s", "a partir de %s", "a partir de %s", "с %s")              \
    X(HOURS_UNTIL, 1, "before %s", "antes de %s", "abans de %s", "до %s")                \
    X(TIER, 1, "for %s members", "para los socios %s", "per als socis %s",               \
      "для участников уровня %s")                                                        \
    X(TIERS, 1, "for %s members", "para los socios %s", "per als socis %s",              \
      "для участников уровней %s")                                                       \
    X(FIRST_PURCHASE, 0, "on your first purchase", "en tu primera compra",               \
      "en la teva primera compra", "при первой покупке")                                 \
    X(FIRST_PURCHASE_MIN, 1, "on your first purchase of %s or more",                     \
      "en tu primera compra de %s o más", "en la teva primera compra de %s o més",       \
      "при первой покупке от %s")                                                        \
    X(BIRTHDAY, 0, "on your birthday", "el día de tu cumpleaños",                        \
      "el dia del teu aniversari", "в ваш день рождения")                                \
    X(SIGNUP, 0, "when you join", "al darte de alta", "quan et dones d'alta",            \
      "при вступлении в программу")                                                      \
    X(SEGMENTS, 1, "for members in the %s group", "para los socios del grupo %s",        \
      "per als socis del grup %s", "для участников группы %s")                           \
    X(PREFIX_END, 0, ", ", ", ", ", ", " — ")                                            \
    X(PREFIX_END_VERB, 0, ", ", ", ", ", ", " ")                                         \
    /* if */                                                                             \
    X(IF, 1, "if %s", "si %s", "si %s", ", если %s")                                     \
    X(C_TOTAL, 1, "the purchase comes to %s", "la compra suma %s", "la compra suma %s",  \
      "сумма покупки %s")                                                                \
    X(C_QUANTITY, 1, "you buy %s", "compras %s", "compres %s", "в покупке %s")           \
    X(C_LINES, 1, "the purchase has %s", "la compra tiene %s", "la compra té %s",        \
      "в чеке %s")                                                                       \
    X(C_VISITS, 1, "you have made %s before", "ya has hecho %s", "ja has fet %s",        \
      "у вас уже %s")                                                                    \
    X(C_SPEND, 1, "you have spent %s", "has gastado %s", "has gastat %s",                \
      "вы уже потратили %s")                                                             \
    X(C_ENROLLED, 1, "you have been a member for %s", "llevas %s en el programa",        \
      "fa %s que ets al programa", "вы в программе %s")                                  \
    X(C_TIER, 1, "your tier is %s", "tienes el nivel %s", "tens el nivell %s",           \
      "у вас уровень %s")                                                                \
    X(C_SEGMENT, 1, "you are in the %s group", "perteneces al grupo %s",                 \
      "ets del grup %s", "вы в группе %s")                                               \
    X(C_WEEKDAY, 1, "it is %s", "es %s", "és %s", "сегодня %s")                          \
    X(C_BUY, 1, "you buy %s", "compras %s", "compres %s", "покупка сделана %s")          \
    X(CMP_GE, 1, "%s or more", "%s o más", "%s o més", "%s или больше")                  \
    X(CMP_LE, 1, "%s or less", "%s o menos", "%s o menys", "%s или меньше")              \
    X(CMP_GT, 1, "more than %s", "más de %s", "més de %s", "больше %s")                  \
    X(CMP_LT, 1, "less than %s", "menos de %s", "menys de %s", "меньше %s")              \
    X(CMP_EQ, 1, "exactly %s", "exactamente %s", "exactament %s", "ровно %s")            \
    X(IF_HOLDS, 1, "if this holds: %s", "si se cumple: %s", "si es compleix: %s",        \
      ", если выполняется условие: %s")                                                  \
    /* notes */                                                                          \
    X(ONLY_WHERE, 1, "only products where this holds: %s",                               \
      "solo productos que cumplan: %s", "només productes que compleixin: %s",            \
      "только товары, для которых выполняется условие: %s")                              \
    X(GROSS, 0, "including the part paid with points",                                   \
      "incluida la parte pagada con puntos", "inclosa la part pagada amb punts",         \
      "включая часть, оплаченную баллами")                                               \
    X(EXCEPT, 1, "except %s", "no cuentan %s", "no hi compten %s", "кроме %s")           \
    X(CAP, 1, "up to %s per purchase", "hasta %s por compra", "fins a %s per compra",    \
      "максимум %s за покупку")                                                          \
    X(STOP, 0, "not combined with the offers below",                                     \
      "no se acumula con las ofertas siguientes",                                        \
      "no s'acumula amb les ofertes següents", "не суммируется со следующими акциями")   \
    /* coupons */                                                                        \
    X(H_COUPONS, 0, "Coupons", "Cupones", "Cupons", "Купоны")                            \
    X(CP_OFF, 1, "%s off", "%s de descuento", "%s de descompte", "скидка %s")            \
    X(CP_FREE, 1, "one %s free", "un %s gratis", "un %s gratis", "один %s бесплатно")    \
    X(CP_ON, 1, "on %s", "en %s", "en %s", "на %s")                                      \
    X(CP_MIN, 1, "with a purchase of at least %s", "con una compra mínima de %s",        \
      "amb una compra mínima de %s", "при покупке от %s")                                \
    X(CP_FROM, 1, "from %s", "desde el %s", "des %s", "%s")                              \
    X(CP_UNTIL, 1, "until %s", "hasta el %s", "fins %s", "до %s")                        \
    X(CP_CODE, 1, "code %s", "código %s", "codi %s", "код %s")                           \
    X(CP_PERSONAL, 0, "with a personal single-use code",                                 \
      "con un código personal de un solo uso", "amb un codi personal d'un sol ús",       \
      "по персональному одноразовому коду")                                              \
    X(CP_EXCLUSIVE, 0, "not combined with other coupons",                                \
      "no se acumula con otros cupones", "no s'acumula amb altres cupons",               \
      "не суммируется с другими купонами")                                               \
    X(CP_STACKABLE, 0, "can be combined with other combinable coupons",                  \
      "se acumula con otros cupones acumulables",                                        \
      "s'acumula amb altres cupons acumulables",                                         \
      "суммируется с другими такими купонами")                                           \
    X(CP_PER_MEMBER, 1, "uses per member: %s", "usos por socio: %s",                     \
      "usos per soci: %s", "использований на участника: %s")                             \
    X(CP_LIMIT, 1, "uses in all: %s", "usos en total: %s", "usos en total: %s",          \
      "всего использований: %s")                                                         \
    /* lists */                                                                          \
    X(AND, 0, " and ", " y ", " i ", " и ")                                              \
    X(OR, 0, " or ", " o ", " o ", " или ")                                              \
    X(NOR, 0, " and ", " ni ", " ni ", " и ")                                            \
    X(H_LEVELS, 0, "Levels and their benefits", "Niveles y sus ventajas",                \
      "Nivells i els seus avantatges", "Уровни и их преимущества")                       \
    /* punch cards (engine/stamps.h) */                                                  \
    X(H_STAMPS, 0, "Stamp cards", "Tarjetas de sellos", "Targetes de segells",           \
      "Карточки со штампами")                                                            \
    X(STAMP_ITEM, 1, "get a stamp for every item%s",                                     \
      "consigue un sello por cada "                                                      \
      "artículo%s",                                                                      \
      "aconsegueix un segell per cada article%s", "получайте штамп за каждый товар%s")   \
    X(STAMP_VISIT, 1, "get a stamp for every purchase%s",                                \
      "consigue un sello en cada "                                                       \
      "compra%s",                                                                        \
      "aconsegueix un segell a cada compra%s", "получайте штамп за каждую покупку%s")    \
    X(STAMP_VISIT_Q, 1, " that includes an item %s", " que incluya un artículo %s",      \
      " que inclogui un article %s", " с товаром %s")                                    \
    X(STAMP_GOAL, 2, "%s give %s", "%s te dan %s", "%s et donen %s", "%s — это %s")      \
    X(STAMP_FREE, 1, "a free %s", "un %s gratis", "un %s gratuït", "бесплатный %s")      \
    X(STAMP_VALID, 1, "The voucher is valid for %s.", "El vale es válido durante %s.",   \
      "El val és vàlid durant %s.", "Купон действует %s.")                               \
    X(STAMP_LAPSE, 1, "Stamps on an unfinished card expire %s after its first stamp.",   \
      "Los sellos de una tarjeta sin completar caducan %s después del primero.",         \
      "Els segells d'una targeta sense completar caduquen %s després del primer.",       \
      "Штампы на незаполненной карточке сгорают через %s после первого.")

enum phrase {
#define PHRASE_ENUM(id, arity, en, es, ca, ru) P_##id,
    PHRASES(PHRASE_ENUM)
#undef PHRASE_ENUM
        P_COUNT_
};

static const struct {
    int arity;
    const char *text[FDL_LANG_COUNT];
} phrases[P_COUNT_] = {
#define PHRASE_ENTRY(id, arity_, en, es, ca, ru) [P_##id] = {arity_, {en, es, ca, ru}},
    PHRASES(PHRASE_ENTRY)
#undef PHRASE_ENTRY
};

/* Never called: -Wformat checks each phrase has `arity` %s and nothing else. */
#define CHECK_0(text) (void)snprintf(NULL, 0, text)
#define CHECK_1(text) (void)snprintf(NULL, 0, text, "")
#define CHECK_2(text) (void)snprintf(NULL, 0, text, "", "")
#define CHECK_PHRASE(id, arity, en, es, ca, ru)                                          \
    CHECK_##arity(en);                                                                   \
    CHECK_##arity(es);                                                                   \
    CHECK_##arity(ca);                                                                   \
    CHECK_##arity(ru);

__attribute__((unused)) static void check_phrases(void)
{
    PHRASES(CHECK_PHRASE)
}
#undef CHECK_PHRASE
#undef CHECK_0
#undef CHECK_1
#undef CHECK_2

/*
 * What gets counted: id, en one, en other, es one, es other, ca one, ca other,
 * ru one, few, many, and fraction ("1,5 балла"). NULL forms: the bare number.
 */
#define NOUNS(X)                                                                         \
    X(POINT, "point", "points", "punto", "puntos", "punt", "punts", "балл", "балла",     \
      "баллов", "балла")                                                                 \
    X(EXTRA_POINT, "extra point", "extra points", "punto más", "puntos más", "punt més", \
      "punts més", "дополнительный балл", "дополнительных балла",                        \
      "дополнительных баллов", "дополнительного балла")                                  \
    X(MONTH, "month", "months", "mes", "meses", "mes", "mesos", "месяц", "месяца",       \
      "месяцев", "месяца")                                                               \
    X(DAY, "day", "days", "día", "días", "dia", "dies", "день", "дня", "дней", "дня")    \
    X(ITEM, "item", "items", "artículo", "artículos", "article", "articles", "товар",    \
      "товара", "товаров", "товара")                                                     \
    X(LINE, "different product", "different products", "producto distinto",              \
      "productos distintos", "producte diferent", "productes diferents", "позиция",      \
      "позиции", "позиций", "позиции")                                                   \
    X(PURCHASE, "purchase", "purchases", "compra", "compras", "compra", "compres",       \
      "покупка", "покупки", "покупок", "покупки")                                        \
    X(TIMES, NULL, NULL, NULL, NULL, NULL, NULL, "раз", "раза", "раз", "раза")           \
    X(EURO, "euro", "euros", "euro", "euros", "euro", "euros", "евро", "евро", "евро",   \
      "евро")                                                                            \
    X(DOLLAR, "dollar", "dollars", "dólar", "dólares", "dòlar", "dòlars", "доллар",      \
      "доллара", "долларов", "доллара")                                                  \
    X(POUND, "pound", "pounds", "libra", "libras", "lliura", "lliures", "фунт", "фунта", \
      "фунтов", "фунта")                                                                 \
    X(YEN, "yen", "yen", "yen", "yenes", "ien", "iens", "иена", "иены", "иен", "иены")   \
    X(ROUBLE, "rouble", "roubles", "rublo", "rublos", "ruble", "rubles", "рубль",        \
      "рубля", "рублей", "рубля")                                                        \
    X(FRANC, "franc", "francs", "franco", "francos", "franc", "francs", "франк",         \
      "франка", "франков", "франка")                                                     \
    X(PESO, "peso", "pesos", "peso", "pesos", "peso", "pesos", "песо", "песо", "песо",   \
      "песо")                                                                            \
    X(STAMP, "stamp", "stamps", "sello", "sellos", "segell", "segells", "штамп",         \
      "штампа", "штампов", "штампа")

enum noun {
#define NOUN_ENUM(id, ...) N_##id,
    NOUNS(NOUN_ENUM)
#undef NOUN_ENUM
        N_COUNT_
};

static const char *const nouns[N_COUNT_][FDL_LANG_COUNT][FDL_PLURAL_COUNT] = {
#define NOUN_ENTRY(id, en1, en, es1, es, ca1, ca, ru1, ru2, ru5, rux)                    \
    [N_##id] = {[FDL_LANG_EN] = {en1, en, en, en},                                       \
                [FDL_LANG_ES] = {es1, es, es, es},                                       \
                [FDL_LANG_CA] = {ca1, ca, ca, ca},                                       \
                [FDL_LANG_RU] = {ru1, ru2, ru5, rux}},
    NOUNS(NOUN_ENTRY)
#undef NOUN_ENTRY
};

/* Currencies with names: "every euro" for one unit, the noun for more. */
static const struct {
    const char *code;
    enum noun noun;
    const char *every[FDL_LANG_COUNT];
} currencies[] = {
    {"EUR", N_EURO, {"every euro", "cada euro", "cada euro", "каждый евро"}},
    {"USD", N_DOLLAR, {"every dollar", "cada dólar", "cada dòlar", "каждый доллар"}},
    {"GBP", N_POUND, {"every pound", "cada libra", "cada lliura", "каждый фунт"}},
    {"JPY", N_YEN, {"every yen", "cada yen", "cada ien", "каждую иену"}},
    {"RUB", N_ROUBLE, {"every rouble", "cada rublo", "cada ruble", "каждый рубль"}},
    {"CHF", N_FRANC, {"every franc", "cada franco", "cada franc", "каждый франк"}},
    {"MXN", N_PESO, {"every peso", "cada peso", "cada peso", "каждое песо"}},
};

/* Weekdays, Monday first, in the forms the phrases need. */
enum day_form {
    DAY_NAME, /* "Monday": it is ... */
    DAY_FROM, /* from ... (ru: with its preposition, "со вторника") */
    DAY_TO,   /* to ... (ru accusative) */
    DAY_EACH, /* on Mondays (es/ca plural, ru dative plural) */
    DAY_FORMS
};

static const char *const day_words[FDL_LANG_COUNT][DAY_FORMS][7] = {
    [FDL_LANG_EN] =
        {
            {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
             "Sunday"},
            {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
             "Sunday"},
            {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
             "Sunday"},
            {"Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays",
             "Sundays"},
        },
    [FDL_LANG_ES] =
        {
            {"lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"},
            {"lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"},
            {"lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"},
            {"lunes", "martes", "miércoles", "jueves", "viernes", "sábados", "domingos"},
        },
    [FDL_LANG_CA] =
        {
            {"dilluns", "dimarts", "dimecres", "dijous", "divendres", "dissabte",
             "diumenge"},
            {"dilluns", "dimarts", "dimecres", "dijous", "divendres", "dissabte",
             "diumenge"},
            {"dilluns", "dimarts", "dimecres", "dijous", "divendres", "dissabte",
             "diumenge"},
            {"dilluns", "dimarts", "dimecres", "dijous", "divendres", "dissabtes",
             "diumenges"},
        },
    [FDL_LANG_RU] =
        {
            {"понедельник", "вторник", "среда", "четверг", "пятница", "суббота",
             "воскресенье"},
            {"с понедельника", "со вторника", "со среды", "с четверга", "с пятницы",
             "с субботы", "с воскресенья"},
            {"понедельник", "вторник", "среду", "четверг", "пятницу", "субботу",
             "воскресенье"},
            {"понедельникам", "вторникам", "средам", "четвергам", "пятницам", "субботам",
             "воскресеньям"},
        },
};

/* "in June": months as a time of purchase. */
static const char *const in_months[FDL_LANG_COUNT][12] = {
    [FDL_LANG_EN] = {"in January", "in February", "in March", "in April", "in May",
                     "in June", "in July", "in August", "in September", "in October",
                     "in November", "in December"},
    [FDL_LANG_ES] = {"en enero", "en febrero", "en marzo", "en abril", "en mayo",
                     "en junio", "en julio", "en agosto", "en septiembre", "en octubre",
                     "en noviembre", "en diciembre"},
    [FDL_LANG_CA] = {"al gener", "al febrer", "al març", "a l'abril", "al maig",
                     "al juny", "al juliol", "a l'agost", "al setembre", "a l'octubre",
                     "al novembre", "al desembre"},
    [FDL_LANG_RU] = {"в январе", "в феврале", "в марте", "в апреле", "в мае", "в июне",
                     "в июле", "в августе", "в сентябре", "в октябре", "в ноябре",
                     "в декабре"},
};

/* Channel names the engine can put in words; others are quoted. */
static const struct {
    const char *name;
    enum phrase phrase;
} channel_words[] = {
    {"till", P_CH_STORE},    {"store", P_CH_STORE},    {"pos", P_CH_STORE},
    {"shop", P_CH_STORE},    {"in-store", P_CH_STORE}, {"app", P_CH_APP},
    {"mobile", P_CH_APP},    {"web", P_CH_WEB},        {"online", P_CH_WEB},
    {"ecommerce", P_CH_WEB}, {"phone", P_CH_PHONE},    {"telephone", P_CH_PHONE},
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof(*(a)))

/* ---- scratch memory ---- */

#define POOL_CHUNK_BYTES 16384
#define POOL_MAX_BYTES   (2 * (size_t)FDL_EXPLAIN_MAX_BYTES)
#define POOL_ALIGN       alignof(max_align_t)

struct pool_chunk {
    struct pool_chunk *next;
    size_t used, size;
};

#define POOL_HEADER ((sizeof(struct pool_chunk) + POOL_ALIGN - 1) & ~(POOL_ALIGN - 1))

struct pool {
    struct pool_chunk *head;
    size_t total;
    int rc; /* 0, FDL_ENOMEM or FDL_ETOO_LARGE: the first failure */
};

/* n bytes (aligned for anything), or NULL with p->rc set. */
static void *pool_alloc(struct pool *p, size_t n)
{
    if (p->rc)
        return NULL;
    if (n > POOL_MAX_BYTES) {
        p->rc = FDL_ETOO_LARGE;
        return NULL;
    }
    n = (n + POOL_ALIGN - 1) & ~(POOL_ALIGN - 1);
    if (!p->head || p->head->size - p->head->used < n) {
        size_t size = n > POOL_CHUNK_BYTES ? n : POOL_CHUNK_BYTES;
        if (p->total + size > POOL_MAX_BYTES) {
            p->rc = FDL_ETOO_LARGE;
            return NULL;
        }
        struct pool_chunk *chunk = malloc(POOL_HEADER + size);
        if (!chunk) {
            p->rc = FDL_ENOMEM;
            return NULL;
        }
        *chunk = (struct pool_chunk){p->head, 0, size};
        p->head = chunk;
        p->total += size;
    }
    void *block = (char *)p->head + POOL_HEADER + p->head->used;
    p->head->used += n;
    return block;
}

static void pool_release(struct pool *p)
{
    while (p->head) {
        struct pool_chunk *next = p->head->next;
        free(p->head);
        p->head = next;
    }
    p->total = 0;
}

/* ---- building text ---- */

struct ctx {
    const struct fdl_program_def *def;
    enum fdl_lang lang;
    const char *lang_code;
    struct pool pool;
};

/* A new string of len bytes plus NUL, or NULL (the pool remembers why). */
static char *new_text(struct ctx *c, size_t len)
{
    char *s = pool_alloc(&c->pool, len + 1);
    if (s)
        s[len] = '\0';
    return s;
}

static char empty_text[1];

/* The parts one after another. */
static char *cat_(struct ctx *c, const char *const *parts, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += strlen(parts[i]);
    char *s = new_text(c, len);
    if (!s)
        return empty_text;
    for (size_t i = 0, at = 0; i < n; i++) {
        size_t k = strlen(parts[i]);
        memcpy(s + at, parts[i], k);
        at += k;
    }
    return s;
}

#define STRINGS(...)                                                                     \
    (const char *const[])                                                                \
    {                                                                                    \
        __VA_ARGS__                                                                      \
    }
#define COUNT_OF(...) (sizeof(STRINGS(__VA_ARGS__)) / sizeof(const char *))
#define CAT(c, ...)   cat_(c, STRINGS(__VA_ARGS__), COUNT_OF(__VA_ARGS__))

static const char *text(const struct ctx *c, enum phrase id)
{
    assert((unsigned)id < P_COUNT_ && phrases[id].arity == 0);
    return phrases[id].text[c->lang];
}

/* Phrase id with each %s replaced by the next of args[0..n). */
static const char *fill_(struct ctx *c, enum phrase id, const char *const *args, size_t n)
{
    assert((unsigned)id < P_COUNT_ && phrases[id].arity == (int)n);
    const char *t = phrases[id].text[c->lang];
    size_t len = 0, arg = 0;
    for (const char *p = t; *p; p++) {
        if (p[0] == '%' && p[1] == 's') {
            assert(arg < n);
            len += strlen(args[arg++]);
            p++;
        } else {
            len++;
        }
    }
    assert(arg == n);
    char *s = new_text(c, len), *w = s;
    if (!s)
        return empty_text;
    arg = 0;
    for (const char *p = t; *p; p++) {
        if (p[0] == '%' && p[1] == 's') {
            size_t k = strlen(args[arg]);
            memcpy(w, args[arg++], k);
            w += k;
            p++;
        } else {
            *w++ = *p;
        }
    }
    return s;
}

#define FILL(c, id, ...) fill_(c, id, STRINGS(__VA_ARGS__), COUNT_OF(__VA_ARGS__))

/* ---- lists, numbers, names ---- */

struct list {
    const char *const *items;
    size_t n;
};

static struct list set_list(const struct fdl_string_set *set)
{
    return (struct list){set->items, set->n};
}

/* Spanish writes "e" for "y" before an i sound (not "hie", "hia": "y hielo"). */
static int es_i_sound(const char *word)
{
    const unsigned char *u = (const unsigned char *)word;
    int h = (u[0] | 0x20) == 'h';
    u += h;
    size_t len = 0;
    if ((u[0] | 0x20) == 'i')
        len = 1;
    else if (u[0] == 0xC3 && (u[1] == 0xAD || u[1] == 0x8D)) /* í, Í */
        len = 2;
    if (!len)
        return 0;
    char next = (char)(u[len] | 0x20); /* NUL becomes a space */
    return !(h && strchr("aeou", next));
}

/* Spanish writes "u" for "o" before an o sound: "u oro", "7 u 8", "1 u 11". */
static int es_o_sound(const char *word)
{
    const unsigned char *u = (const unsigned char *)word;
    u += (u[0] | 0x20) == 'h';
    if ((u[0] | 0x20) == 'o' || (u[0] == 0xC3 && (u[1] == 0xB3 || u[1] == 0x93)))
        return 1;
    return u[0] == '8' || (u[0] == '1' && u[1] == '1' && !(u[2] >= '0' && u[2] <= '9'));
}

/* The conjunction conj as it stands before next. */
static const char *conjunction(const struct ctx *c, enum phrase conj, const char *next)
{
    if (c->lang == FDL_LANG_ES && conj == P_AND && es_i_sound(next))
        return " e ";
    if (c->lang == FDL_LANG_ES && conj == P_OR && es_o_sound(next))
        return " u ";
    return text(c, conj);
}

/* "a", "a or b", "a, b or c" (conj is P_AND, P_OR or P_NOR). */
static const char *join(struct ctx *c, const char *const *items, size_t n,
                        enum phrase conj)
{
    if (n == 0)
        return "";
    const char **parts = pool_alloc(&c->pool, (2 * n) * sizeof(*parts));
    if (!parts)
        return empty_text;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            parts[k++] = i + 1 == n ? conjunction(c, conj, items[i]) : ", ";
        parts[k++] = items[i];
    }
    return cat_(c, parts, k);
}

static const char *join_list(struct ctx *c, struct list l, enum phrase conj)
{
    return join(c, l.items, l.n, conj);
}

/* Items joined by sep, no conjunction. */
static const char *join_plain(struct ctx *c, const char *const *items, size_t n,
                              const char *sep)
{
    const char *s = n ? items[0] : "";
    for (size_t i = 1; i < n; i++)
        s = CAT(c, s, sep, items[i]);
    return s;
}

static const char *number(struct ctx *c, long long n)
{
    size_t len = fdl_lang_format_number(NULL, 0, c->lang_code, n);
    char *s = new_text(c, len);
    if (!s)
        return empty_text;
    fdl_lang_format_number(s, len + 1, c->lang_code, n);
    return s;
}

static const char *decimal(struct ctx *c, int64_t value, int decimals)
{
    size_t len = fdl_lang_format_decimal(NULL, 0, c->lang_code, value, decimals, 0);
    char *s = new_text(c, len);
    if (!s)
        return empty_text;
    fdl_lang_format_decimal(s, len + 1, c->lang_code, value, decimals, 0);
    return s;
}

static const char *money(struct ctx *c, int64_t minor)
{
    const struct fdl_program *p = &c->def->program;
    size_t len = fdl_lang_format_money(NULL, 0, c->lang_code, minor, p->currency,
                                       p->minor_per_unit);
    char *s = new_text(c, len);
    if (!s)
        return empty_text;
    fdl_lang_format_money(s, len + 1, c->lang_code, minor, p->currency,
                          p->minor_per_unit);
    return s;
}

/* "4 points", "1 балл", "22 балла"; a noun without forms gives the number alone. */
static const char *count(struct ctx *c, enum noun noun, long long n)
{
    const char *word = nouns[noun][c->lang][fdl_plural_form_lang(c->lang, n)];
    return word ? CAT(c, number(c, n), " ", word) : number(c, n);
}

/* value / 10^decimals of noun: "3 points", "0.5 points", "1,5 балла". */
static const char *count_fraction(struct ctx *c, enum noun noun, int64_t value,
                                  int decimals)
{
    int64_t scale = 1;
    for (int i = 0; i < decimals; i++)
        scale *= 10;
    if (value % scale == 0)
        return count(c, noun, value / scale);
    const char *word = nouns[noun][c->lang][FDL_PLURAL_OTHER];
    const char *digits = decimal(c, value, decimals);
    return word ? CAT(c, digits, " ", word) : digits;
}

/* "every euro", "every 2 euros", "каждые 10 долларов", "every 2 CHF". */
static const char *every_units(struct ctx *c, long long units)
{
    const char *code = c->def->program.currency;
    for (size_t i = 0; i < ARRAY_SIZE(currencies); i++) {
        if (strcmp(code, currencies[i].code) != 0)
            continue;
        if (units == 1)
            return currencies[i].every[c->lang];
        return FILL(c, P_EVERY_N, count(c, currencies[i].noun, units));
    }
    if (units == 1)
        return FILL(c, P_EVERY_CODE, code);
    return FILL(c, P_EVERY_N, CAT(c, number(c, units), " ", code));
}

/* "7:00", "19:30", "24:00". */
static const char *clock_time(struct ctx *c, int minutes)
{
    char buf[16];
    snprintf(buf, sizeof(buf), "%d:%02d", minutes / 60, minutes % 60);
    return CAT(c, buf);
}

/* A time after a preposition: Spanish and Catalan say "las 15:00" but "la 1:00". */
static const char *clock_after(struct ctx *c, int minutes)
{
    int one = minutes / 60 == 1;
    if (c->lang == FDL_LANG_ES)
        return CAT(c, one ? "la " : "las ", clock_time(c, minutes));
    if (c->lang == FDL_LANG_CA)
        return CAT(c, one ? "la " : "les ", clock_time(c, minutes));
    return clock_time(c, minutes);
}

/* Upper-cases the first letter of s in place (ASCII, Latin-1, Cyrillic). */
static void capitalize(char *s)
{
    unsigned char *u = (unsigned char *)s;
    if (u[0] >= 'a' && u[0] <= 'z') {
        u[0] = (unsigned char)(u[0] - 0x20);
    } else if (u[0] == 0xC3 && u[1] >= 0xA0 && u[1] <= 0xBE && u[1] != 0xB7) {
        u[1] = (unsigned char)(u[1] - 0x20); /* à -> À, but not ÷ */
    } else if (u[0] == 0xD0 && u[1] >= 0xB0 && u[1] <= 0xBF) {
        u[1] = (unsigned char)(u[1] - 0x20); /* а..п */
    } else if (u[0] == 0xD1 && u[1] >= 0x80 && u[1] <= 0x8F) {
        u[0] = 0xD0; /* р..я */
        u[1] = (unsigned char)(u[1] + 0x20);
    } else if (u[0] == 0xD1 && u[1] == 0x91) {
        u[0] = 0xD0; /* ё */
        u[1] = 0x81;
    }
}

/* ---- when: dates, weekdays, months, hours ---- */

static const char *date_text(struct ctx *c, int64_t day, enum fdl_date_parts parts)
{
    size_t len = fdl_lang_format_date(NULL, 0, c->lang_code, day, parts);
    char *s = new_text(c, len);
    if (!s)
        return empty_text;
    fdl_lang_format_date(s, len + 1, c->lang_code, day, parts);
    return s;
}

static int day_of_month(int64_t day)
{
    int64_t y;
    int m, d;
    fdl_civil_from_days(day, &y, &m, &d);
    return d;
}

/*
 * A date after "from", "to" or "on", with what the language puts before it
 * that depends on the day: Catalan elides before 1 and 11 ("de l'1", "a
 * l'11", "l'1"), Russian says "со 2" but "с 3".
 */
enum date_role { DATE_FROM, DATE_TO, DATE_ON };

static const char *date_in_role(struct ctx *c, int64_t day, const char *date,
                                enum date_role role)
{
    int d = day_of_month(day), vowel = d == 1 || d == 11;
    if (c->lang == FDL_LANG_CA) {
        static const char *const consonant[] = {"del ", "al ", "el "};
        static const char *const elided[] = {"de l'", "a l'", "l'"};
        return CAT(c, vowel ? elided[role] : consonant[role], date);
    }
    if (c->lang == FDL_LANG_RU && role == DATE_FROM)
        return CAT(c, d == 2 ? "со " : "с ", date);
    return date;
}

static int same_month(int64_t a, int64_t b, int *same_year)
{
    int64_t ya, yb;
    int ma, mb, da, db;
    fdl_civil_from_days(a, &ya, &ma, &da);
    fdl_civil_from_days(b, &yb, &mb, &db);
    *same_year = ya == yb;
    return ya == yb && ma == mb;
}

/* "from 2 to 8 March 2026", "del 25 de febrero al 8 de marzo de 2026", ... */
static const char *dates_phrase(struct ctx *c, const struct fdl_rule *r)
{
    int64_t from = r->valid_from_day, until = r->valid_until_day;
    if (r->has_valid_from && r->has_valid_until && from == until)
        return FILL(c, P_DATES_ON,
                    date_in_role(c, from, date_text(c, from, FDL_DATE_FULL), DATE_ON));
    if (r->has_valid_from && r->has_valid_until) {
        int same_year, month = same_month(from, until, &same_year);
        enum fdl_date_parts parts = month       ? FDL_DATE_DAY
                                    : same_year ? FDL_DATE_DAY_MONTH
                                                : FDL_DATE_FULL;
        return FILL(c, P_DATES_FROM_TO,
                    date_in_role(c, from, date_text(c, from, parts), DATE_FROM),
                    date_in_role(c, until, date_text(c, until, FDL_DATE_FULL), DATE_TO));
    }
    if (r->has_valid_from)
        return FILL(c, P_DATES_FROM,
                    date_in_role(c, from, date_text(c, from, FDL_DATE_FULL), DATE_FROM));
    return FILL(c, P_DATES_UNTIL,
                date_in_role(c, until, date_text(c, until, FDL_DATE_FULL), DATE_TO));
}

#define ALL_WEEKDAYS   0x7Fu
#define ALL_MONTHS     0xFFFu
#define ALL_MONTH_DAYS 0x7FFFFFFFu

/* The weekdays of mask (bit d-1 for ISO day d) in form, joined by conj. */
static const char *weekday_list(struct ctx *c, uint32_t mask, enum day_form form,
                                enum phrase conj)
{
    const char *items[7];
    size_t n = 0;
    for (int d = 0; d < 7; d++)
        if (mask & (1u << d))
            items[n++] = day_words[c->lang][form][d];
    return join(c, items, n, conj);
}

/* "from Monday to Friday", "at the weekend", "on Tuesdays and Thursdays"; NULL: any day.
 */
static const char *weekdays_phrase(struct ctx *c, uint32_t mask)
{
    mask &= ALL_WEEKDAYS;
    if (mask == 0 || mask == ALL_WEEKDAYS)
        return NULL;
    if (mask == 0x60u)
        return text(c, P_WEEKEND);
    int first = 0, last = 6;
    while (!(mask & (1u << first)))
        first++;
    while (!(mask & (1u << last)))
        last--;
    uint32_t run = (2u << last) - (1u << first);
    if (mask == run && last - first >= 2)
        return FILL(c, P_WEEKDAY_RANGE, day_words[c->lang][DAY_FROM][first],
                    day_words[c->lang][DAY_TO][last]);
    return FILL(c, P_WEEKDAY_SET, weekday_list(c, mask, DAY_EACH, P_AND));
}

/* "in June or in July". */
static const char *months_phrase(struct ctx *c, uint32_t mask)
{
    const char *items[12];
    size_t n = 0;
    for (int m = 0; m < 12; m++)
        if (mask & (1u << m))
            items[n++] = in_months[c->lang][m];
    return join(c, items, n, P_OR);
}

/* "on day 1 or 15 of the month", "1-го или 15-го числа". */
static const char *month_days_phrase(struct ctx *c, uint32_t mask)
{
    const char *items[31];
    size_t n = 0;
    for (int d = 0; d < 31; d++)
        if (mask & (1u << d))
            items[n++] = FILL(c, P_MONTH_DAY, number(c, d + 1));
    return FILL(c, P_MONTH_DAYS, join(c, items, n, P_OR));
}

/* from and until in minutes after midnight, -1 where open (not both). */
static const char *hours_phrase(struct ctx *c, int from, int until)
{
    assert(from >= 0 || until >= 0);
    if (from >= 0 && until >= 0)
        return FILL(c, P_HOURS, clock_time(c, from), clock_time(c, until));
    if (from >= 0)
        return FILL(c, P_HOURS_FROM, clock_after(c, from));
    return FILL(c, P_HOURS_UNTIL, clock_after(c, until));
}

/* ---- where and who ---- */

static const char *stores_phrase(struct ctx *c, struct list stores)
{
    if (stores.n == 1)
        return FILL(c, P_AT_STORE, stores.items[0]);
    return FILL(c, P_AT_STORES, join_list(c, stores, P_OR));
}

static const char *channel_phrase(struct ctx *c, const char *channel)
{
    for (size_t i = 0; i < ARRAY_SIZE(channel_words); i++)
        if (strcmp(channel, channel_words[i].name) == 0)
            return text(c, channel_words[i].phrase);
    return FILL(c, P_CH_OTHER, channel);
}

/* "in the app or online"; channels naming the same words are said once. */
static const char *channels_phrase(struct ctx *c, struct list channels)
{
    const char **items = pool_alloc(&c->pool, (channels.n + 1) * sizeof(*items));
    if (!items)
        return empty_text;
    size_t n = 0;
    for (size_t i = 0; i < channels.n; i++) {
        const char *words = channel_phrase(c, channels.items[i]);
        size_t k = 0;
        while (k < n && strcmp(items[k], words) != 0)
            k++;
        if (k == n)
            items[n++] = words;
    }
    return join(c, items, n, P_OR);
}

static const char *tiers_phrase(struct ctx *c, struct list tiers)
{
    return FILL(c, tiers.n == 1 ? P_TIER : P_TIERS, join_list(c, tiers, P_OR));
}

/* ---- conditions: the canonical text, read back ---- */

/*
 * A condition is worded when it is one comparison, or several joined by
 * only `and` or only `or`: `var op literal`, `literal op var`,
 * `var in (...)`, `var not in (...)` or `"text" in listvar`. Anything else
 * (parentheses, `not`, arithmetic, two variables) is quoted.
 */
#define COND_MAX_ATOMS 16

enum cmp { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE };

enum atom_kind {
    ATOM_COMPARE, /* an int or money variable against a number */
    ATOM_SET,     /* the variable is one of mask (weekday, month, day) or strings */
    ATOM_OTHER,   /* read, but with no words (!=, not in on strings, ...) */
};

struct atom {
    int var; /* FDL_VAR_* */
    enum atom_kind kind;
    enum cmp op;
    int64_t value;
    uint32_t mask; /* bit x - first value: weekday 1, month 1, day 1 */
    struct list strings;
};

struct cond {
    struct atom atoms[COND_MAX_ATOMS];
    size_t n;
    int is_or;
};

enum token_kind {
    TOK_END,
    TOK_WORD,
    TOK_NUMBER,
    TOK_STRING,
    TOK_CMP,
    TOK_OPEN,
    TOK_CLOSE,
    TOK_COMMA,
    TOK_BAD,
};

struct token {
    enum token_kind kind;
    const char *start;
    size_t len;
    enum cmp cmp;
};

struct lexer {
    struct ctx *c;
    const char *at;
    struct token tok;
};

static int is_letter(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

static int is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* The length of the comparison operator at p (0 if none), its kind in *cmp. */
static size_t cmp_at(const char *p, enum cmp *cmp)
{
    static const struct {
        const char *text;
        enum cmp cmp;
    } ops[] = {{"==", CMP_EQ}, {"!=", CMP_NE}, {"<=", CMP_LE},
               {">=", CMP_GE}, {"<", CMP_LT},  {">", CMP_GT}};
    for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
        size_t n = strlen(ops[i].text);
        if (strncmp(p, ops[i].text, n) == 0) {
            *cmp = ops[i].cmp;
            return n;
        }
    }
    return 0;
}

static void lex(struct lexer *lx)
{
    const char *p = lx->at;
    while (*p == ' ')
        p++;
    struct token t = {TOK_BAD, p, 1, CMP_EQ};
    size_t n;
    if (!*p) {
        t = (struct token){TOK_END, p, 0, CMP_EQ};
    } else if (is_letter(*p)) {
        t.kind = TOK_WORD;
        while (is_letter(p[t.len]) || is_digit(p[t.len]) || p[t.len] == '.')
            t.len++;
    } else if (is_digit(*p) || (*p == '-' && is_digit(p[1]))) {
        t.kind = TOK_NUMBER;
        while (is_digit(p[t.len]) || p[t.len] == '.')
            t.len++;
    } else if (*p == '"') {
        for (t.len = 1; p[t.len] && p[t.len] != '"'; t.len++)
            if (p[t.len] == '\\' && p[t.len + 1])
                t.len++;
        if (p[t.len] == '"') {
            t.kind = TOK_STRING;
            t.len++;
        }
    } else if (*p == '(' || *p == ')' || *p == ',') {
        t.kind = *p == '(' ? TOK_OPEN : *p == ')' ? TOK_CLOSE : TOK_COMMA;
    } else if ((n = cmp_at(p, &t.cmp)) > 0) {
        t.kind = TOK_CMP;
        t.len = n;
    }
    lx->at = p + (t.kind == TOK_BAD ? 0 : t.len);
    lx->tok = t;
}

static int token_is(const struct token *t, const char *word)
{
    return t->kind == TOK_WORD && t->len == strlen(word) &&
           memcmp(t->start, word, t->len) == 0;
}

/* The slot of the variable t names (its type in *type), or -1. */
static int variable(const struct token *t, enum fdl_expr_type *type)
{
    size_t n_purchase, n_all;
    const struct fdl_expr_var *vars = fdl_rules_variables(&n_purchase, &n_all);
    if (t->kind != TOK_WORD)
        return -1;
    for (size_t i = 0; i < n_all; i++)
        if (strlen(vars[i].name) == t->len &&
            memcmp(vars[i].name, t->start, t->len) == 0) {
            *type = vars[i].type;
            return vars[i].slot;
        }
    return -1;
}

/* A number literal as minor units (scale = minor_per_unit) or whole (scale 1). */
static int number_literal(const struct token *t, int64_t scale, int64_t *out)
{
    const char *p = t->start, *end = t->start + t->len;
    int negative = *p == '-';
    p += negative;
    int64_t whole = 0, fraction = 0, fraction_scale = 1;
    int digits = 0;
    for (; p < end && is_digit(*p); p++, digits++)
        whole = whole * 10 + (*p - '0');
    if (digits == 0 || digits > 15)
        return -1;
    if (p < end && *p == '.') {
        for (p++; p < end && is_digit(*p) && fraction_scale < scale; p++) {
            fraction = fraction * 10 + (*p - '0');
            fraction_scale *= 10;
        }
    }
    if (p != end)
        return -1;
    int64_t value = whole * scale + fraction * (scale / fraction_scale);
    *out = negative ? -value : value;
    return 0;
}

/* Reads literal t as a value of type: a number, a weekday or a string. */
static int literal(struct ctx *c, const struct token *t, enum fdl_expr_type type,
                   int64_t *value, const char **string)
{
    static const char *const weekdays[] = {"mon", "tue", "wed", "thu",
                                           "fri", "sat", "sun"};
    switch (type) {
    case FDL_EXPR_INT:
        return t->kind == TOK_NUMBER ? number_literal(t, 1, value) : -1;
    case FDL_EXPR_MONEY:
        return t->kind == TOK_NUMBER
                   ? number_literal(t, c->def->program.minor_per_unit, value)
                   : -1;
    case FDL_EXPR_WEEKDAY:
        for (int d = 0; d < 7; d++)
            if (token_is(t, weekdays[d])) {
                *value = d + 1;
                return 0;
            }
        return -1;
    case FDL_EXPR_STRING: {
        if (t->kind != TOK_STRING)
            return -1;
        char *s = new_text(c, t->len - 2), *w = s;
        if (!s)
            return -1;
        for (size_t i = 1; i + 1 < t->len; i++) {
            if (t->start[i] == '\\')
                i++;
            *w++ = t->start[i];
        }
        *w = '\0';
        *string = s;
        return 0;
    }
    default:
        return -1;
    }
}

static int compare(int64_t x, enum cmp op, int64_t y)
{
    switch (op) {
    case CMP_EQ:
        return x == y;
    case CMP_NE:
        return x != y;
    case CMP_LT:
        return x < y;
    case CMP_LE:
        return x <= y;
    case CMP_GT:
        return x > y;
    case CMP_GE:
        return x >= y;
    }
    return 0;
}

/* The values a variable with a set of words ranges over: weekday 1-7, ... */
static int set_range(int var, int *last)
{
    *last = var == FDL_VAR_NOW_WEEKDAY ? 7 : var == FDL_VAR_NOW_MONTH ? 12 : 31;
    return var == FDL_VAR_NOW_WEEKDAY || var == FDL_VAR_NOW_MONTH ||
           var == FDL_VAR_NOW_DAY;
}

/* Bits x - 1 of the values x in 1..last with x op value. */
static uint32_t mask_where(enum cmp op, int64_t value, int last)
{
    uint32_t mask = 0;
    for (int x = 1; x <= last; x++)
        if (compare(x, op, value))
            mask |= 1u << (x - 1);
    return mask;
}

/* a := var is the one string s. */
static int one_string(struct ctx *c, struct atom *a, const char *s)
{
    const char **items = pool_alloc(&c->pool, sizeof(*items));
    if (!items)
        return -1;
    items[0] = s;
    a->kind = ATOM_SET;
    a->strings = (struct list){items, 1};
    return 0;
}

/* a := var op value (string for string variables). */
static int make_compare(struct ctx *c, struct atom *a, int var, enum fdl_expr_type type,
                        enum cmp op, int64_t value, const char *string)
{
    int last;
    *a = (struct atom){.var = var, .kind = ATOM_OTHER, .op = op, .value = value};
    if (set_range(var, &last)) {
        if (var != FDL_VAR_NOW_DAY || op == CMP_EQ) {
            a->kind = ATOM_SET;
            a->mask = mask_where(op, value, last);
        }
        return 0;
    }
    if (type == FDL_EXPR_STRING)
        return op == CMP_EQ ? one_string(c, a, string) : 0;
    if (type == FDL_EXPR_INT || type == FDL_EXPR_MONEY)
        a->kind = ATOM_COMPARE;
    return 0;
}

static enum cmp flipped(enum cmp op)
{
    switch (op) {
    case CMP_LT:
        return CMP_GT;
    case CMP_LE:
        return CMP_GE;
    case CMP_GT:
        return CMP_LT;
    case CMP_GE:
        return CMP_LE;
    default:
        return op;
    }
}

/* After `var in` or `var not in`: "(" literal, ... ")". */
static int parse_tuple(struct lexer *lx, struct atom *a, int var, enum fdl_expr_type type,
                       int negated)
{
    struct ctx *c = lx->c;
    const char **items = pool_alloc(&c->pool, FDL_EXPR_MAX_TUPLE * sizeof(*items));
    int last, has_set = set_range(var, &last);
    uint32_t mask = 0;
    size_t n = 0;
    if (!items || lx->tok.kind != TOK_OPEN)
        return -1;
    do {
        lex(lx);
        int64_t value = 0;
        const char *string = NULL;
        if (n == FDL_EXPR_MAX_TUPLE || literal(c, &lx->tok, type, &value, &string))
            return -1;
        if (has_set)
            mask |= mask_where(CMP_EQ, value, last);
        items[n++] = string;
        lex(lx);
    } while (lx->tok.kind == TOK_COMMA);
    if (lx->tok.kind != TOK_CLOSE)
        return -1;
    lex(lx);
    *a = (struct atom){.var = var, .kind = ATOM_OTHER};
    if (has_set && negated && var == FDL_VAR_NOW_DAY)
        return 0; /* "not on the 1st": no words */
    if (has_set) {
        a->kind = ATOM_SET;
        a->mask = negated ? ~mask & ((1u << last) - 1) : mask;
    } else if (type == FDL_EXPR_STRING && !negated) {
        a->kind = ATOM_SET;
        a->strings = (struct list){items, n};
    }
    return 0;
}

/* One comparison, at lx's current token; leaves lx after it. */
static int parse_atom(struct lexer *lx, struct atom *a)
{
    struct ctx *c = lx->c;
    struct token first = lx->tok;
    enum fdl_expr_type type;
    int64_t value = 0;
    const char *string = NULL;
    int var = variable(&first, &type);
    lex(lx);
    struct token op = lx->tok;
    lex(lx);
    if (var >= 0 && op.kind == TOK_CMP) { /* var op literal */
        if (literal(c, &lx->tok, type, &value, &string))
            return -1;
        lex(lx);
        return make_compare(c, a, var, type, op.cmp, value, string);
    }
    if (var >= 0 && token_is(&op, "in"))
        return parse_tuple(lx, a, var, type, 0);
    if (var >= 0 && token_is(&op, "not")) {
        if (!token_is(&lx->tok, "in"))
            return -1;
        lex(lx);
        return parse_tuple(lx, a, var, type, 1);
    }
    if (var >= 0)
        return -1;
    int second = variable(&lx->tok, &type);
    if (second < 0)
        return -1;
    lex(lx);
    if (op.kind == TOK_CMP) { /* literal op var */
        if (literal(c, &first, type, &value, &string))
            return -1;
        return make_compare(c, a, second, type, flipped(op.cmp), value, string);
    }
    if (token_is(&op, "in") && type == FDL_EXPR_LIST) { /* "text" in list */
        *a = (struct atom){.var = second, .kind = ATOM_OTHER};
        if (literal(c, &first, FDL_EXPR_STRING, &value, &string))
            return -1;
        return one_string(c, a, string);
    }
    return -1;
}

/* Reads the canonical text into cond; -1 if it is not a flat and/or of comparisons. */
static int parse_condition(struct ctx *c, const char *canonical, struct cond *cond)
{
    struct lexer lx = {c, canonical, {TOK_END, canonical, 0, CMP_EQ}};
    lex(&lx);
    cond->n = 0;
    cond->is_or = 0;
    for (;;) {
        if (cond->n == COND_MAX_ATOMS || parse_atom(&lx, &cond->atoms[cond->n]))
            return -1;
        cond->n++;
        if (lx.tok.kind == TOK_END)
            return 0;
        int is_or = token_is(&lx.tok, "or");
        if (!is_or && !token_is(&lx.tok, "and"))
            return -1;
        if (cond->n > 1 && is_or != cond->is_or)
            return -1;
        cond->is_or = is_or;
        lex(&lx);
    }
}

/* `a or b` on one variable with a set of words is one set: "store in (a, b)". */
static void merge_or(struct ctx *c, struct cond *cond)
{
    if (!cond->is_or || cond->n < 2)
        return;
    size_t total = 0;
    for (size_t i = 0; i < cond->n; i++) {
        if (cond->atoms[i].kind != ATOM_SET || cond->atoms[i].var != cond->atoms[0].var)
            return;
        total += cond->atoms[i].strings.n;
    }
    struct atom merged = cond->atoms[0];
    const char **items = pool_alloc(&c->pool, (total + 1) * sizeof(*items));
    if (!items)
        return;
    size_t n = 0;
    for (size_t i = 0; i < cond->n; i++) {
        merged.mask |= cond->atoms[i].mask;
        for (size_t j = 0; j < cond->atoms[i].strings.n; j++) {
            const char *s = cond->atoms[i].strings.items[j];
            size_t k = 0;
            while (k < n && strcmp(items[k], s) != 0)
                k++;
            if (k == n)
                items[n++] = s;
        }
    }
    merged.strings = (struct list){items, n};
    cond->atoms[0] = merged;
    cond->n = 1;
    cond->is_or = 0;
}

/* ---- a rule's view: its filters and what its conditions add ---- */

#define VIEW_MAX_QUALS   (3 + COND_MAX_ATOMS)
#define VIEW_MAX_CLAUSES (2 * COND_MAX_ATOMS)

/* A line qualifier: "in the category a or b" (P_Q_CATEGORY, {a, b}). */
struct qual {
    enum phrase phrase;
    struct list items;
};

struct view {
    uint32_t weekdays, months, month_days; /* bit masks; 0: any */
    int hours_from, hours_until;           /* minutes after midnight; -1: open */
    struct list stores, channels, tiers;
    struct qual quals[VIEW_MAX_QUALS];
    size_t n_quals;
    const char *clauses[VIEW_MAX_CLAUSES]; /* "you buy 3 items or more" */
    size_t n_clauses;
    int clauses_or;                             /* the clauses are alternatives */
    const char *when_quoted, *when_line_quoted; /* conditions without words */
};

static void view_init(struct view *v, const struct fdl_rule *r)
{
    memset(v, 0, sizeof(*v));
    v->weekdays = r->weekdays_mask == ALL_WEEKDAYS ? 0 : r->weekdays_mask;
    v->hours_from = r->has_hours ? r->hours_from_min : -1;
    v->hours_until = r->has_hours ? r->hours_until_min : -1;
    v->stores = set_list(&r->stores);
    v->channels = set_list(&r->channels);
    v->tiers = set_list(&r->tiers);
    if (r->categories.n)
        v->quals[v->n_quals++] = (struct qual){P_Q_CATEGORY, set_list(&r->categories)};
    if (r->labels.n)
        v->quals[v->n_quals++] = (struct qual){P_Q_LABEL, set_list(&r->labels)};
    if (r->skus.n)
        v->quals[v->n_quals++] = (struct qual){P_Q_SKU, set_list(&r->skus)};
}

static int add_clause(struct view *v, const char *clause)
{
    if (!clause || v->clauses_or || v->n_clauses == VIEW_MAX_CLAUSES)
        return -1;
    v->clauses[v->n_clauses++] = clause;
    return 0;
}

/* The hours an atom on now.hour allows, as [*from, *until) minutes (-1: open). */
static int hour_bounds(const struct atom *a, int *from, int *until)
{
    if (a->kind != ATOM_COMPARE || a->value < 0 || a->value > 24)
        return -1;
    int h = (int)a->value * 60;
    *from = *until = -1;
    switch (a->op) {
    case CMP_EQ:
        *from = h;
        *until = h + 60;
        break;
    case CMP_GE:
        *from = h;
        break;
    case CMP_GT:
        *from = h + 60;
        break;
    case CMP_LT:
        *until = h;
        break;
    case CMP_LE:
        *until = h + 60;
        break;
    case CMP_NE:
        return -1;
    }
    return (*from < 0 || *from < 24 * 60) &&
                   (*until < 0 || (*until > 0 && *until <= 24 * 60))
               ? 0
               : -1;
}

/* "3 items or more" for count op n; NULL if it has no words. */
static const char *compare_count(struct ctx *c, enum cmp op, int64_t n, enum noun noun)
{
    switch (op) {
    case CMP_GE:
        return FILL(c, P_CMP_GE, count(c, noun, n));
    case CMP_GT: /* "more than 3 items" needs the genitive in Russian: say 4 or more */
        return n < INT64_MAX ? FILL(c, P_CMP_GE, count(c, noun, n + 1)) : NULL;
    case CMP_LE:
        return FILL(c, P_CMP_LE, count(c, noun, n));
    case CMP_LT:
        return n > 0 ? FILL(c, P_CMP_LE, count(c, noun, n - 1)) : NULL;
    case CMP_EQ:
        return FILL(c, P_CMP_EQ, count(c, noun, n));
    case CMP_NE:
        return NULL;
    }
    return NULL;
}

static const char *compare_money(struct ctx *c, enum cmp op, int64_t minor)
{
    static const enum phrase words[] = {[CMP_EQ] = P_CMP_EQ,
                                        [CMP_LT] = P_CMP_LT,
                                        [CMP_LE] = P_CMP_LE,
                                        [CMP_GT] = P_CMP_GT,
                                        [CMP_GE] = P_CMP_GE};
    return op == CMP_NE ? NULL : FILL(c, words[op], money(c, minor));
}

/* The atom as an "if" clause ("you buy in the app"), or NULL if it has no words. */
static const char *atom_clause(struct ctx *c, const struct atom *a)
{
    int from, until;
    if (a->kind == ATOM_OTHER)
        return NULL;
    switch (a->var) {
    case FDL_VAR_NOW_WEEKDAY:
        return a->mask ? FILL(c, P_C_WEEKDAY, weekday_list(c, a->mask, DAY_NAME, P_OR))
                       : NULL;
    case FDL_VAR_NOW_MONTH:
        return a->mask ? FILL(c, P_C_BUY, months_phrase(c, a->mask)) : NULL;
    case FDL_VAR_NOW_DAY:
        return a->mask ? FILL(c, P_C_BUY, month_days_phrase(c, a->mask)) : NULL;
    case FDL_VAR_NOW_HOUR:
        return hour_bounds(a, &from, &until)
                   ? NULL
                   : FILL(c, P_C_BUY, hours_phrase(c, from, until));
    case FDL_VAR_MEMBER_TIER:
        return FILL(c, P_C_TIER, join_list(c, a->strings, P_OR));
    case FDL_VAR_MEMBER_SEGMENTS:
        return FILL(c, P_C_SEGMENT, join_list(c, a->strings, P_OR));
    case FDL_VAR_STORE:
        return FILL(c, P_C_BUY, stores_phrase(c, a->strings));
    case FDL_VAR_CHANNEL:
        return FILL(c, P_C_BUY, channels_phrase(c, a->strings));
    }
    if (a->kind != ATOM_COMPARE)
        return NULL;
    const char *value = NULL;
    enum phrase clause = P_C_TOTAL;
    switch (a->var) {
    case FDL_VAR_BASKET_TOTAL:
        value = compare_money(c, a->op, a->value);
        break;
    case FDL_VAR_MEMBER_SPEND:
        value = compare_money(c, a->op, a->value);
        clause = P_C_SPEND;
        break;
    case FDL_VAR_BASKET_QUANTITY:
        value = compare_count(c, a->op, a->value, N_ITEM);
        clause = P_C_QUANTITY;
        break;
    case FDL_VAR_BASKET_LINES:
        value = compare_count(c, a->op, a->value, N_LINE);
        clause = P_C_LINES;
        break;
    case FDL_VAR_MEMBER_VISITS:
        value = compare_count(c, a->op, a->value, N_PURCHASE);
        clause = P_C_VISITS;
        break;
    case FDL_VAR_MEMBER_DAYS_SINCE_ENROL:
        value = compare_count(c, a->op, a->value, N_DAY);
        clause = P_C_ENROLLED;
        break;
    }
    return value ? FILL(c, clause, value) : NULL;
}

/* Narrows *view_mask (0: all of full) by mask; 0 if nothing would be left. */
static int narrow(uint32_t *view_mask, uint32_t mask, uint32_t full)
{
    uint32_t both = (*view_mask ? *view_mask : full) & mask & full;
    if (!both)
        return 0;
    *view_mask = both == full ? 0 : both;
    return 1;
}

/* A string set: fills the view's list if it is empty, else says it as a clause. */
static int absorb_list(struct ctx *c, struct view *v, struct list *list,
                       const struct atom *a)
{
    if (list->n == 0) {
        *list = a->strings;
        return 0;
    }
    return add_clause(v, atom_clause(c, a));
}

static int apply_line_atom(struct view *v, const struct atom *a)
{
    enum phrase q = a->var == FDL_VAR_LINE_SKU        ? P_Q_SKU
                    : a->var == FDL_VAR_LINE_CATEGORY ? P_Q_CATEGORY
                                                      : P_Q_LABEL;
    if (a->kind != ATOM_SET || v->n_quals == VIEW_MAX_QUALS)
        return -1;
    v->quals[v->n_quals++] = (struct qual){q, a->strings};
    return 0;
}

/* Puts the atoms of an `and` (or a lone atom) into v; -1 if one has no words. */
static int apply_and(struct ctx *c, struct view *v, const struct cond *cond)
{
    int from = -1, until = -1, hours = 0, rc = 0;
    for (size_t i = 0; i < cond->n && rc == 0; i++) {
        const struct atom *a = &cond->atoms[i];
        int f, u;
        switch (a->var) {
        case FDL_VAR_NOW_WEEKDAY:
            rc = a->kind == ATOM_SET && narrow(&v->weekdays, a->mask, ALL_WEEKDAYS) ? 0
                                                                                    : -1;
            break;
        case FDL_VAR_NOW_MONTH:
            rc = a->kind == ATOM_SET && narrow(&v->months, a->mask, ALL_MONTHS) ? 0 : -1;
            break;
        case FDL_VAR_NOW_DAY:
            rc = a->kind == ATOM_SET && narrow(&v->month_days, a->mask, ALL_MONTH_DAYS)
                     ? 0
                     : -1;
            break;
        case FDL_VAR_NOW_HOUR:
            if ((rc = hour_bounds(a, &f, &u)))
                break;
            from = f > from ? f : from;
            until = until < 0 || (u >= 0 && u < until) ? u : until;
            hours = 1;
            break;
        case FDL_VAR_MEMBER_TIER:
        case FDL_VAR_STORE:
        case FDL_VAR_CHANNEL: {
            struct list *list = a->var == FDL_VAR_STORE     ? &v->stores
                                : a->var == FDL_VAR_CHANNEL ? &v->channels
                                                            : &v->tiers;
            rc = a->kind == ATOM_SET ? absorb_list(c, v, list, a) : -1;
            break;
        }
        case FDL_VAR_LINE_SKU:
        case FDL_VAR_LINE_CATEGORY:
        case FDL_VAR_LINE_LABELS:
            rc = apply_line_atom(v, a);
            break;
        default:
            rc = add_clause(v, atom_clause(c, a));
        }
    }
    if (rc || !hours)
        return rc;
    if (from >= 0 && until >= 0 && from >= until)
        return -1;
    if (v->hours_from < 0 && v->hours_until < 0) {
        v->hours_from = from;
        v->hours_until = until;
        return 0;
    }
    return add_clause(v, FILL(c, P_C_BUY, hours_phrase(c, from, until)));
}

/* Puts an `or` of atoms into v as alternative clauses; -1 if one has no words. */
static int apply_or(struct ctx *c, struct view *v, const struct cond *cond)
{
    if (v->n_clauses > 0)
        return -1; /* "if a and b or c" would be ambiguous */
    for (size_t i = 0; i < cond->n; i++)
        if (add_clause(v, atom_clause(c, &cond->atoms[i])))
            return -1;
    v->clauses_or = 1;
    return 0;
}

/* The canonical text of e, in the pool. */
static const char *canonical_text(struct ctx *c, const struct fdl_expr *e)
{
    size_t len = fdl_expr_format(e, NULL, 0);
    char *s = new_text(c, len);
    if (!s)
        return empty_text;
    fdl_expr_format(e, s, len + 1);
    return s;
}

/* Adds condition e (NULL: none) to v in words, or quoted whole. */
static void view_add_condition(struct ctx *c, struct view *v, const struct fdl_expr *e,
                               int line_level)
{
    if (!e)
        return;
    const char *canonical = canonical_text(c, e);
    struct cond cond;
    struct view attempt = *v;
    if (parse_condition(c, canonical, &cond) == 0) {
        merge_or(c, &cond);
        int rc = cond.is_or && cond.n > 1 ? apply_or(c, &attempt, &cond)
                                          : apply_and(c, &attempt, &cond);
        if (rc == 0) {
            *v = attempt;
            return;
        }
    }
    if (line_level)
        v->when_line_quoted = canonical;
    else
        v->when_quoted = canonical;
}

/* ---- one rule, one sentence ---- */

/* head ("products", "each item") and the view's line qualifiers; NULL if none and
 * !always. */
static const char *products_phrase(struct ctx *c, const struct view *v, enum phrase head,
                                   int always)
{
    if (!v->n_quals && !always)
        return NULL;
    const char *s = text(c, head);
    for (size_t i = 0; i < v->n_quals; i++)
        s = CAT(c, s, " ",
                FILL(c, v->quals[i].phrase, join_list(c, v->quals[i].items, P_OR)));
    return s;
}

/* "4 points" for "every euro"; 0.5 a euro is 1 point for every 2 euros. */
static void rate_words(struct ctx *c, int64_t rate_milli, const char **points,
                       const char **unit)
{
    static const int units[] = {1, 2, 4, 5, 8, 10, 20, 25, 50, 100};
    for (size_t i = 0; i < ARRAY_SIZE(units); i++)
        if (rate_milli * units[i] % 1000 == 0) {
            *points = count(c, N_POINT, rate_milli * units[i] / 1000);
            *unit = every_units(c, units[i]);
            return;
        }
    *points = count_fraction(c, N_POINT, rate_milli, 3);
    *unit = every_units(c, 1);
}

static const char *multiplier_words(struct ctx *c, int64_t centi)
{
    if (centi == 200)
        return text(c, P_MULT_2);
    if (centi == 300)
        return text(c, P_MULT_3);
    return FILL(c, P_MULT_N, count_fraction(c, N_TIMES, centi, 2));
}

/* "(except products with code X and products in the category Y)". */
static const char *exclusions(struct ctx *c, const struct fdl_rule *r)
{
    const char *items[3];
    size_t n = 0;
    const struct {
        const struct fdl_string_set *set;
        enum phrase qual;
    } kinds[] = {{&r->exclude_skus, P_Q_SKU},
                 {&r->exclude_categories, P_Q_CATEGORY},
                 {&r->exclude_labels, P_Q_LABEL}};
    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
        if (kinds[i].set->n)
            items[n++] =
                CAT(c, text(c, P_EXCLUDED), " ",
                    FILL(c, kinds[i].qual, join_list(c, set_list(kinds[i].set), P_OR)));
    return n ? FILL(c, P_EXCEPT, join(c, items, n, P_NOR)) : NULL;
}

/* The parts of a sentence, in order. */
struct sentence {
    const char *prefix[8]; /* when: dates, weekdays, ..., event */
    size_t n_prefix;
    const char *core; /* what: "earn 4 points for every euro you pay" */
    int core_is_verb;
    const char *after[8]; /* where and if */
    size_t n_after;
    const char *notes[8]; /* in parentheses */
    size_t n_notes;
};

#define PUSH(array, n, value)                                                            \
    do {                                                                                 \
        assert((n) < ARRAY_SIZE(array));                                                 \
        (array)[(n)++] = (value);                                                        \
    } while (0)

/* The prefix: when the rule applies. Returns whether min_spend was said. */
static int sentence_when(struct ctx *c, const struct fdl_rule *r, const struct view *v,
                         struct sentence *s)
{
    const char *weekdays = weekdays_phrase(c, v->weekdays);
    if (r->has_valid_from || r->has_valid_until)
        PUSH(s->prefix, s->n_prefix, dates_phrase(c, r));
    if (weekdays)
        PUSH(s->prefix, s->n_prefix, weekdays);
    if (v->months)
        PUSH(s->prefix, s->n_prefix, months_phrase(c, v->months));
    if (v->month_days)
        PUSH(s->prefix, s->n_prefix, month_days_phrase(c, v->month_days));
    if (v->hours_from >= 0 || v->hours_until >= 0)
        PUSH(s->prefix, s->n_prefix, hours_phrase(c, v->hours_from, v->hours_until));
    if (v->tiers.n)
        PUSH(s->prefix, s->n_prefix, tiers_phrase(c, v->tiers));
    if (r->segments.n)
        PUSH(s->prefix, s->n_prefix,
             FILL(c, P_SEGMENTS, join_list(c, set_list(&r->segments), P_OR)));
    if (r->event == FDL_EVENT_FIRST_PURCHASE && r->min_spend_minor) {
        PUSH(s->prefix, s->n_prefix,
             FILL(c, P_FIRST_PURCHASE_MIN, money(c, r->min_spend_minor)));
        return 1;
    }
    if (r->event == FDL_EVENT_FIRST_PURCHASE)
        PUSH(s->prefix, s->n_prefix, text(c, P_FIRST_PURCHASE));
    else if (r->event == FDL_EVENT_BIRTHDAY)
        PUSH(s->prefix, s->n_prefix, text(c, P_BIRTHDAY));
    else if (r->event == FDL_EVENT_SIGNUP)
        PUSH(s->prefix, s->n_prefix, text(c, P_SIGNUP));
    return 0;
}

/* The core: what the rule gives, with the lines it gives it for. */
static int sentence_what(struct ctx *c, const struct fdl_rule *r, const struct view *v,
                         struct sentence *s)
{
    const char *points, *unit, *products = products_phrase(c, v, P_PRODUCTS, 0);
    int min_spend_said = 0;
    switch (r->kind) {
    case FDL_RULE_RATE:
        rate_words(c, r->rate_milli, &points, &unit);
        s->core = FILL(c, P_RATE, points, unit);
        s->core_is_verb = 1;
        if (products) /* ru: "за каждый евро покупки товаров из категории ..." */
            PUSH(s->after, s->n_after,
                 FILL(c, P_RATE_ON, products_phrase(c, v, P_PRODUCTS_OF, 0)));
        if (r->basis == FDL_BASIS_GROSS)
            PUSH(s->notes, s->n_notes, text(c, P_GROSS));
        break;
    case FDL_RULE_MULTIPLIER:
        s->core = multiplier_words(c, r->multiplier_centi);
        if (products)
            PUSH(s->after, s->n_after, FILL(c, P_ON, products));
        break;
    case FDL_RULE_BONUS:
        points = count(c, N_POINT, r->bonus_points);
        if (r->per != FDL_PER_PURCHASE) {
            enum phrase head = r->per == FDL_PER_UNIT ? P_EACH_ITEM : P_EACH_LINE;
            s->core = FILL(c, P_BONUS_EACH, points, products_phrase(c, v, head, 1));
            break;
        }
        s->core = FILL(c, P_GIFT, points);
        if (r->event == FDL_EVENT_NONE) {
            PUSH(s->after, s->n_after,
                 r->min_spend_minor
                     ? FILL(c, P_EVERY_PURCHASE_MIN, money(c, r->min_spend_minor))
                     : text(c, P_EVERY_PURCHASE));
            min_spend_said = 1;
            if (products)
                PUSH(s->after, s->n_after,
                     FILL(c, P_THAT_INCLUDES, products_phrase(c, v, P_PRODUCTS_WITH, 0)));
        } else if (products) {
            PUSH(s->after, s->n_after, FILL(c, P_IF_INCLUDES, products));
        }
        break;
    }
    return min_spend_said;
}

/* Where, if, and the notes. */
static void sentence_rest(struct ctx *c, const struct fdl_rule *r, const struct view *v,
                          int min_spend_said, struct sentence *s)
{
    const char *except = exclusions(c, r);
    if (v->stores.n)
        PUSH(s->after, s->n_after, stores_phrase(c, v->stores));
    if (v->channels.n)
        PUSH(s->after, s->n_after, channels_phrase(c, v->channels));
    if (r->min_spend_minor && !min_spend_said)
        PUSH(s->after, s->n_after, FILL(c, P_MIN_SPEND, money(c, r->min_spend_minor)));
    if (v->n_clauses)
        PUSH(s->after, s->n_after,
             FILL(c, P_IF,
                  join(c, v->clauses, v->n_clauses, v->clauses_or ? P_OR : P_AND)));
    if (v->when_quoted)
        PUSH(s->after, s->n_after, FILL(c, P_IF_HOLDS, v->when_quoted));
    if (v->when_line_quoted)
        PUSH(s->notes, s->n_notes, FILL(c, P_ONLY_WHERE, v->when_line_quoted));
    if (except)
        PUSH(s->notes, s->n_notes, except);
    if (r->cap_points)
        PUSH(s->notes, s->n_notes,
             FILL(c, P_CAP,
                  count(c, r->kind == FDL_RULE_MULTIPLIER ? N_EXTRA_POINT : N_POINT,
                        r->cap_points)));
    if (r->stop)
        PUSH(s->notes, s->n_notes, text(c, P_STOP));
}

/* The sentence that explains rule r, capitalized and ending in a full stop. */
static const char *rule_sentence(struct ctx *c, const struct fdl_rule *r)
{
    struct view v;
    struct sentence s = {0};
    view_init(&v, r);
    view_add_condition(c, &v, r->when, 0);
    view_add_condition(c, &v, r->when_line, 1);
    int said = sentence_when(c, r, &v, &s);
    said |= sentence_what(c, r, &v, &s);
    sentence_rest(c, r, &v, said, &s);

    const char *out = s.core;
    if (s.n_prefix)
        out = CAT(c, join_plain(c, s.prefix, s.n_prefix, ", "),
                  text(c, s.core_is_verb ? P_PREFIX_END_VERB : P_PREFIX_END), s.core);
    for (size_t i = 0; i < s.n_after; i++)
        out = CAT(c, out, s.after[i][0] == ',' ? "" : " ", s.after[i]);
    if (s.n_notes)
        out = CAT(c, out, " (", join_plain(c, s.notes, s.n_notes, "; "), ")");
    char *sentence = CAT(c, out, ".");
    capitalize(sentence);
    return sentence;
}

/* ---- the points ---- */

/* "100 points are worth €1.00": the fewest points worth a round amount. */
static const char *value_sentence(struct ctx *c)
{
    const struct fdl_program *p = &c->def->program;
    int64_t v = p->point_value_minor, unit = p->minor_per_unit, points = 1;
    assert(v >= 1 && unit >= 1);
    if (unit % v == 0) {
        points = unit / v;
    } else if (v < unit) {
        for (int64_t n = 10; n <= 1000 && points == 1; n *= 10)
            if (n * v % unit == 0)
                points = n;
    }
    if (points == 1)
        return FILL(c, P_VALUE_ONE, money(c, v));
    return FILL(c, P_VALUE_N, count(c, N_POINT, points), money(c, points * v));
}

static const char *rounding_sentence(struct ctx *c)
{
    switch (c->def->program.rounding) {
    case FDL_ROUND_HALF_UP:
        return text(c, P_ROUND_HALF_UP);
    case FDL_ROUND_UP:
        return text(c, P_ROUND_UP);
    case FDL_ROUND_DOWN:
        break;
    }
    return text(c, P_ROUND_DOWN);
}

/* ---- the whole text ---- */

/* Sets up c for lang (NULL: the program's language). */
static int ctx_init(struct ctx *c, const struct fdl_program_def *def, const char *lang,
                    struct fdl_error *err)
{
    int l = fdl_lang_parse(lang ? lang : def->program.language);
    if (l < 0 && !lang)
        l = FDL_LANG_EN;
    if (l < 0)
        return fdl_error_set(err, FDL_EINVALID, "lang",
                             "unknown language \"%.16s\"; use en, es, ca or ru", lang);
    memset(c, 0, sizeof(*c));
    c->def = def;
    c->lang = (enum fdl_lang)l;
    c->lang_code = fdl_lang_code(c->lang);
    return 0;
}

static int failure(int rc, struct fdl_error *err)
{
    if (rc == FDL_ENOMEM)
        return fdl_error_set(err, rc, "", "out of memory explaining the program");
    return fdl_error_set(err, rc, "", "the explanation would pass %d bytes",
                         FDL_EXPLAIN_MAX_BYTES);
}

/* "- <description>. <sentence>\n" for rule r. */
static void put_rule(struct ctx *c, struct fdl_strbuf *o, const struct fdl_rule *r)
{
    const char *sentence = rule_sentence(c, r);
    const char *d = r->description ? r->description : "";
    size_t n = strlen(d);
    fdl_strbuf_put(o, "- ");
    if (n) {
        int ends = strchr(".!?", d[n - 1]) != NULL ||
                   (n >= 3 && memcmp(d + n - 3, "\xE2\x80\xA6", 3) == 0); /* … */
        fdl_strbuf_put(o, d);
        fdl_strbuf_put(o, ends ? " " : ". ");
    }
    fdl_strbuf_put(o, sentence);
    fdl_strbuf_put(o, "\n");
}

static void put_points(struct ctx *c, struct fdl_strbuf *o)
{
    const struct fdl_program *p = &c->def->program;
    int has_rate = 0;
    for (size_t i = 0; i < c->def->n_rules; i++)
        has_rate |= c->def->rules[i].kind == FDL_RULE_RATE;
    const char *lines[4] = {
        value_sentence(c),
        p->expiry_months ? FILL(c, P_EXPIRY, count(c, N_MONTH, p->expiry_months))
                         : text(c, P_NO_EXPIRY),
        p->pending_days ? FILL(c, P_PENDING, count(c, N_DAY, p->pending_days))
                        : text(c, P_NO_PENDING),
        has_rate ? rounding_sentence(c) : NULL,
    };
    fdl_strbuf_put(o, "\n## ");
    fdl_strbuf_put(o, text(c, P_H_POINTS));
    fdl_strbuf_put(o, "\n\n");
    for (size_t i = 0; i < ARRAY_SIZE(lines) && lines[i]; i++) {
        fdl_strbuf_put(o, "- ");
        fdl_strbuf_put(o, lines[i]);
        fdl_strbuf_put(o, "\n");
    }
}

/* ---- coupons ---- */

/* What campaign k takes off, and from which products. */
static const char *coupon_effect(struct ctx *c, const struct fdl_coupon_campaign *k)
{
    const char *s;
    if (k->effect == FDL_COUPON_FREE_ITEM)
        return FILL(c, P_CP_FREE, join_list(c, set_list(&k->free_skus), P_OR));
    if (k->effect == FDL_COUPON_PERCENT)
        s = FILL(
            c, P_CP_OFF,
            CAT(c, number(c, k->percent), c->lang == FDL_LANG_EN ? "%" : "\xC2\xA0%"));
    else
        s = FILL(c, P_CP_OFF, money(c, k->amount_minor));
    const struct fdl_string_set *sets[] = {&k->categories, &k->skus, &k->labels};
    for (size_t i = 0; i < ARRAY_SIZE(sets); i++)
        if (sets[i]->n)
            s = CAT(c, s, " ", FILL(c, P_CP_ON, join_list(c, set_list(sets[i]), P_OR)));
    return s;
}

/* "- Name: 10 % off on summer, ...; code SUMMER10; not combined ...\n". */
static void put_coupon(struct ctx *c, struct fdl_strbuf *o,
                       const struct fdl_coupon_campaign *k)
{
    const char *s = coupon_effect(c, k);
    if (k->min_basket_minor)
        s = CAT(c, s, ", ", FILL(c, P_CP_MIN, money(c, k->min_basket_minor)));
    if (k->has_valid_from)
        s = CAT(c, s, ", ",
                FILL(c, P_CP_FROM,
                     date_in_role(c, k->valid_from_day,
                                  date_text(c, k->valid_from_day, FDL_DATE_FULL),
                                  DATE_FROM)));
    if (k->has_valid_until)
        s = CAT(
            c, s, ", ",
            FILL(c, P_CP_UNTIL,
                 date_in_role(c, k->valid_until_day,
                              date_text(c, k->valid_until_day, FDL_DATE_FULL), DATE_TO)));
    if (k->tiers.n)
        s = CAT(c, s, ", ", tiers_phrase(c, set_list(&k->tiers)));
    s = CAT(c, s, "; ",
            k->single_use ? text(c, P_CP_PERSONAL) : FILL(c, P_CP_CODE, k->display));
    s = CAT(
        c, s, "; ",
        text(c, k->stacking == FDL_COUPON_STACKABLE ? P_CP_STACKABLE : P_CP_EXCLUSIVE));
    if (k->per_member)
        s = CAT(c, s, "; ", FILL(c, P_CP_PER_MEMBER, number(c, k->per_member)));
    if (k->limit)
        s = CAT(c, s, "; ", FILL(c, P_CP_LIMIT, number(c, k->limit)));
    fdl_strbuf_put(o, "- ");
    if (k->name && *k->name)
        fdl_strbuf_put(o, CAT(c, k->name, ": "));
    else
        fdl_strbuf_put(o, CAT(c, k->id, ": "));
    fdl_strbuf_put(o, s);
    fdl_strbuf_put(o, ".\n");
}

static void put_coupons(struct ctx *c, struct fdl_strbuf *o)
{
    if (c->def->n_coupons == 0)
        return;
    fdl_strbuf_put(o, "\n## ");
    fdl_strbuf_put(o, text(c, P_H_COUPONS));
    fdl_strbuf_put(o, "\n\n");
    for (size_t i = 0; i < c->def->n_coupons && !o->rc && !c->pool.rc; i++) {
        put_coupon(c, o, &c->def->coupons[i]);
        if (!c->pool.rc)
            pool_release(&c->pool);
    }
}

/* The referrals section (engine/referrals.h), when the program has one. */
static void put_referrals(struct ctx *c, struct fdl_strbuf *o)
{
    const struct fdl_referral_def *r = &c->def->referrals;
    if (!r->enabled)
        return;
    char line[FDL_REFERRAL_EXPLAIN_MAX];
    fdl_referrals_explain(r, &c->def->program, c->lang_code, line, sizeof(line));
    fdl_strbuf_put(o, "\n## ");
    fdl_strbuf_put(o, fdl_referrals_heading(c->lang_code));
    fdl_strbuf_put(o, "\n\n- ");
    fdl_strbuf_put(o, line);
    fdl_strbuf_put(o, "\n");
}

/* ---- coalitions ---- */

/* The partners section, when the program has partners: who sells where and
 * what each pays per point of its own redeemed at another partner. */
static void put_partners(struct ctx *c, struct fdl_strbuf *o)
{
    static const char *const text[][4] = {
        /* en, es, ca, ru: heading, "stores", "pays", "per point of its own
         * redeemed at another partner" */
        {"Partners", "stores", "pays",
         "per point of its own redeemed at another partner"},
        {"Socios", "tiendas", "paga", "por cada punto suyo canjeado en otro socio"},
        {"Socis", "botigues", "paga", "per cada punt seu bescanviat en un altre soci"},
        {"Партнёры", "магазины", "платит",
         "за каждый свой балл, списанный у другого партнёра"},
    };
    const struct fdl_program_def *def = c->def;
    if (def->n_partners == 0)
        return;
    int l = strcmp(c->lang_code, "es") == 0   ? 1
            : strcmp(c->lang_code, "ca") == 0 ? 2
            : strcmp(c->lang_code, "ru") == 0 ? 3
                                              : 0;
    fdl_strbuf_put(o, "\n## ");
    fdl_strbuf_put(o, text[l][0]);
    fdl_strbuf_put(o, "\n\n");
    for (size_t i = 0; i < def->n_partners; i++) {
        const struct fdl_partner_def *p = &def->partners[i];
        char rate[FDL_RATE_TEXT_MAX];
        fdl_rate_format(p->settlement_rate, rate);
        fdl_strbuf_put(o, "- ");
        fdl_strbuf_put(o, p->name);
        fdl_strbuf_put(o, " (");
        fdl_strbuf_put(o, p->id);
        fdl_strbuf_put(o, "), ");
        fdl_strbuf_put(o, text[l][1]);
        fdl_strbuf_put(o, ": ");
        for (size_t k = 0; k < p->stores.n; k++) {
            fdl_strbuf_put(o, k ? ", " : "");
            fdl_strbuf_put(o, p->stores.items[k]);
        }
        fdl_strbuf_put(o, "; ");
        fdl_strbuf_put(o, text[l][2]);
        fdl_strbuf_put(o, " ");
        fdl_strbuf_put(o, rate);
        fdl_strbuf_put(o, " ");
        fdl_strbuf_put(o, def->program.currency);
        fdl_strbuf_put(o, " ");
        fdl_strbuf_put(o, text[l][3]);
        fdl_strbuf_put(o, ".\n");
    }
}

/* ---- punch cards ---- */

/* " in the category coffee with code x": the card's line filters, or "". */
static const char *stamp_filters(struct ctx *c, const struct fdl_stamp_card_def *d)
{
    const char *q = "";
    if (d->categories.n)
        q = CAT(c, q, " ",
                FILL(c, P_Q_CATEGORY, join_list(c, set_list(&d->categories), P_OR)));
    if (d->skus.n)
        q = CAT(c, q, " ", FILL(c, P_Q_SKU, join_list(c, set_list(&d->skus), P_OR)));
    if (d->labels.n)
        q = CAT(c, q, " ", FILL(c, P_Q_LABEL, join_list(c, set_list(&d->labels), P_OR)));
    return q;
}

/* "- Coffee card. Get a stamp for every item ...; 10 stamps give a free espresso." */
static void put_stamp_card(struct ctx *c, struct fdl_strbuf *o,
                           const struct fdl_stamp_card_def *d)
{
    const char *q = stamp_filters(c, d);
    const char *get =
        d->per == FDL_STAMP_PER_VISIT
            ? FILL(c, P_STAMP_VISIT, *q ? FILL(c, P_STAMP_VISIT_Q, q + 1) : "")
            : FILL(c, P_STAMP_ITEM, q);
    if (d->min_spend_minor)
        get = CAT(c, get, " ", FILL(c, P_MIN_SPEND, money(c, d->min_spend_minor)));
    if (d->max_per_purchase)
        get = CAT(c, get, " (", FILL(c, P_CAP, count(c, N_STAMP, d->max_per_purchase)),
                  ")");
    const char *reward =
        d->reward == FDL_STAMP_REWARD_POINTS
            ? FILL(c, P_GIFT, count(c, N_POINT, d->reward_points))
            : FILL(c, P_STAMP_FREE, join_list(c, set_list(&d->free_items), P_OR));
    char *first = (char *)CAT(
        c, get, "; ", FILL(c, P_STAMP_GOAL, count(c, N_STAMP, d->goal), reward), ".");
    capitalize(first);
    char *name = (char *)CAT(c, d->name, "");
    capitalize(name);
    fdl_strbuf_put(o, CAT(c, "- ", name, ". ", first));
    if (d->reward == FDL_STAMP_REWARD_FREE_ITEM)
        fdl_strbuf_put(
            o, CAT(c, " ", FILL(c, P_STAMP_VALID, count(c, N_DAY, d->valid_days))));
    if (d->expiry_days)
        fdl_strbuf_put(
            o, CAT(c, " ", FILL(c, P_STAMP_LAPSE, count(c, N_DAY, d->expiry_days))));
    fdl_strbuf_put(o, "\n");
}

/* "- Gold: Double points on Saturdays. Free delivery." for each level with benefits. */
static void put_levels(struct ctx *c, struct fdl_strbuf *o)
{
    const struct fdl_tier_def *t = &c->def->tiers;
    int any = 0;
    for (size_t i = 0; t->enabled && i < t->n_levels; i++)
        any |= c->def->tier_benefits[i].n > 0;
    if (!any)
        return;
    fdl_strbuf_put(o, "\n## ");
    fdl_strbuf_put(o, text(c, P_H_LEVELS));
    fdl_strbuf_put(o, "\n\n");
    for (size_t i = 0; i < t->n_levels && !c->pool.rc; i++) {
        const struct fdl_tier_benefits *b = &c->def->tier_benefits[i];
        if (!b->n)
            continue;
        char *name = (char *)CAT(c, t->levels[i].name, "");
        capitalize(name);
        fdl_strbuf_put(o, CAT(c, "- ", name, ":"));
        for (size_t k = 0; k < b->n; k++) {
            size_t n = strlen(b->items[k]);
            int ends = n && strchr(".!?", b->items[k][n - 1]) != NULL;
            fdl_strbuf_put(o, CAT(c, " ", b->items[k], ends ? "" : "."));
        }
        fdl_strbuf_put(o, "\n");
    }
}

static void put_stamps(struct ctx *c, struct fdl_strbuf *o)
{
    if (!c->def->n_stamp_cards)
        return;
    fdl_strbuf_put(o, "\n## ");
    fdl_strbuf_put(o, text(c, P_H_STAMPS));
    fdl_strbuf_put(o, "\n\n");
    for (size_t i = 0; i < c->def->n_stamp_cards && !c->pool.rc; i++)
        put_stamp_card(c, o, &c->def->stamp_cards[i]);
}

int fdl_program_explain(const struct fdl_program_def *def, const char *lang,
                        char **out_text, struct fdl_error *err)
{
    assert(def && out_text);
    assert(def->n_rules <= FDL_MAX_RULES && (def->rules || def->n_rules == 0));
    struct ctx c;
    int rc = ctx_init(&c, def, lang, err);
    if (rc)
        return rc;
    struct fdl_strbuf o;
    fdl_strbuf_init(&o, FDL_EXPLAIN_MAX_BYTES);
    fdl_strbuf_put(&o, "# ");
    fdl_strbuf_put(&o, def->program.name);
    fdl_strbuf_put(&o, "\n\n## ");
    fdl_strbuf_put(&o, text(&c, P_H_EARN));
    fdl_strbuf_put(&o, "\n\n");
    if (def->n_rules == 0)
        fdl_strbuf_put(&o, CAT(&c, "- ", text(&c, P_NO_RULES), "\n"));
    for (size_t i = 0; i < def->n_rules && !o.rc && !c.pool.rc; i++) {
        put_rule(&c, &o, &def->rules[i]);
        if (!c.pool.rc)
            pool_release(&c.pool); /* each rule's scratch goes when it is written */
    }
    if (!c.pool.rc)
        put_points(&c, &o);
    if (!c.pool.rc)
        put_levels(&c, &o);
    if (!c.pool.rc)
        put_stamps(&c, &o);
    char membership[FDL_MEMBERSHIP_TEXT_MAX]; /* stored value and membership */
    fdl_membership_explain(&def->membership, &def->program, c.lang_code, membership,
                           sizeof(membership));
    fdl_strbuf_put(&o, membership);
    if (!c.pool.rc && !o.rc) { /* rewards and launches: engine/rewards.h */
        char *more = NULL;
        if ((o.rc = fdl_rewards_explain(def, lang, &more, err)) == 0)
            fdl_strbuf_put(&o, more);
        free(more);
    }
    if (!c.pool.rc)
        put_coupons(&c, &o);
    if (!c.pool.rc)
        put_referrals(&c, &o);
    if (!c.pool.rc) /* -- coalitions -- */
        put_partners(&c, &o);
    rc = o.rc ? o.rc : c.pool.rc;
    pool_release(&c.pool);
    if (rc) {
        free(o.data);
        return failure(rc, err);
    }
    *out_text = o.data;
    return 0;
}

int fdl_rule_explain(const struct fdl_program_def *def, size_t rule, const char *lang,
                     char **out_text, struct fdl_error *err)
{
    assert(def && out_text && rule < def->n_rules);
    struct ctx c;
    int rc = ctx_init(&c, def, lang, err);
    if (rc)
        return rc;
    struct fdl_strbuf o;
    fdl_strbuf_init(&o, FDL_EXPLAIN_MAX_BYTES);
    const char *sentence = rule_sentence(&c, &def->rules[rule]);
    if (!c.pool.rc)
        fdl_strbuf_put(&o, sentence);
    rc = c.pool.rc ? c.pool.rc : o.rc;
    pool_release(&c.pool);
    if (rc) {
        free(o.data);
        return failure(rc, err);
    }
    *out_text = o.data;
    return 0;
}
