/*
 * messages.c - the receipt messages catalogue and locale formatting.
 *
 * FDL_MESSAGE_TABLE is the one table of messages: for each, its arguments
 * and its text in every language and plural form. check_formats() below
 * hands every entry to snprintf with the arguments its id declares, so a
 * translation with a missing, extra or wrongly typed placeholder does not
 * compile (-Wformat, with -Werror); test_messages checks the order too.
 */
#include "engine/messages.h"

#include "base/clock.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*
 * id, arguments,
 *   en one, en other, es one, es other, ca one, ca other,
 *   ru one (1, 21), ru few (2-4, 22-24), ru many (0, 5-20, 25)
 */
#define FDL_MESSAGE_TABLE(X)                                                             \
    X(EARNED, COUNT, /* */                                                               \
      "You earned %lld point.", "You earned %lld points.", "Has ganado %lld punto.",     \
      "Has ganado %lld puntos.", "Has guanyat %lld punt.", "Has guanyat %lld punts.",    \
      "Вам начислен %lld балл.", "Вам начислено %lld балла.",                            \
      "Вам начислено %lld баллов.")                                                      \
    X(REDEEMED, COUNT_TEXT, /* */                                                        \
      "You used %lld point: %s off.", "You used %lld points: %s off.",                   \
      "Has usado %lld punto: %s de descuento.",                                          \
      "Has usado %lld puntos: %s de descuento.",                                         \
      "Has fet servir %lld punt: %s de descompte.",                                      \
      "Has fet servir %lld punts: %s de descompte.", "Списан %lld балл: скидка %s.",     \
      "Списано %lld балла: скидка %s.", "Списано %lld баллов: скидка %s.")               \
    X(BALANCE, COUNT, /* */                                                              \
      "Balance: %lld point.", "Balance: %lld points.", "Saldo: %lld punto.",             \
      "Saldo: %lld puntos.", "Saldo: %lld punt.", "Saldo: %lld punts.",                  \
      "Баланс: %lld балл.", "Баланс: %lld балла.", "Баланс: %lld баллов.")               \
    X(BALANCE_OWED, COUNT, /* */                                                         \
      "Balance: %lld point (owed after a refund).",                                      \
      "Balance: %lld points (owed after a refund).",                                     \
      "Saldo: %lld punto (en negativo por una devolución).",                             \
      "Saldo: %lld puntos (en negativo por una devolución).",                            \
      "Saldo: %lld punt (en negatiu per una devolució).",                                \
      "Saldo: %lld punts (en negatiu per una devolució).",                               \
      "Баланс: %lld балл (долг после возврата).",                                        \
      "Баланс: %lld балла (долг после возврата).",                                       \
      "Баланс: %lld баллов (долг после возврата).")                                      \
    X(PENDING, COUNT, /* */                                                              \
      "%lld of them can be spent after the return period.",                              \
      "%lld of them can be spent after the return period.",                              \
      "%lld de ellos se podrá usar cuando acabe el plazo de devolución.",                \
      "%lld de ellos se podrán usar cuando acabe el plazo de devolución.",               \
      "%lld d'ells es podrà fer servir quan acabi el termini de devolució.",             \
      "%lld d'ells es podran fer servir quan acabi el termini de devolució.",            \
      "Из них %lld балл можно будет потратить после окончания срока возврата.",          \
      "Из них %lld балла можно будет потратить после окончания срока возврата.",         \
      "Из них %lld баллов можно будет потратить после окончания срока возврата.")        \
    X(EXPIRING, COUNT_TEXT, /* */                                                        \
      "%lld point expires after %s.", "%lld points expire after %s.",                    \
      "%lld punto caduca al terminar el día %s.",                                        \
      "%lld puntos caducan al terminar el día %s.",                                      \
      "%lld punt caduca en acabar el dia %s.",                                           \
      "%lld punts caduquen en acabar el dia %s.",                                        \
      "%lld балл действует до %s включительно.",                                         \
      "%lld балла действуют до %s включительно.",                                        \
      "%lld баллов действуют до %s включительно.")                                       \
    X(CLAWED_BACK, COUNT, /* */                                                          \
      "%lld point taken back for the returned items.",                                   \
      "%lld points taken back for the returned items.",                                  \
      "Se ha descontado %lld punto por los artículos devueltos.",                        \
      "Se han descontado %lld puntos por los artículos devueltos.",                      \
      "S'ha descomptat %lld punt pels articles retornats.",                              \
      "S'han descomptat %lld punts pels articles retornats.",                            \
      "Списан %lld балл за возвращённые товары.",                                        \
      "Списано %lld балла за возвращённые товары.",                                      \
      "Списано %lld баллов за возвращённые товары.")                                     \
    X(GIVEN_BACK, COUNT, /* */                                                           \
      "%lld point given back.", "%lld points given back.",                               \
      "Te hemos devuelto %lld punto.", "Te hemos devuelto %lld puntos.",                 \
      "T'hem retornat %lld punt.", "T'hem retornat %lld punts.",                         \
      "Вам возвращён %lld балл.", "Вам возвращено %lld балла.",                          \
      "Вам возвращено %lld баллов.")                                                     \
    X(MEMBERSHIP_CASHBACK, COUNT_TEXT, /* stored value and membership */                 \
      "%lld day left in your membership year; cashback so far: %s.",                     \
      "%lld days left in your membership year; cashback so far: %s.",                    \
      "Te queda %lld día de tu año de socio; reembolso acumulado: %s.",                  \
      "Te quedan %lld días de tu año de socio; reembolso acumulado: %s.",                \
      "Et queda %lld dia del teu any de soci; reemborsament acumulat: %s.",              \
      "Et queden %lld dies del teu any de soci; reemborsament acumulat: %s.",            \
      "До конца года членства остался %lld день; накоплено кешбэка: %s.",                \
      "До конца года членства осталось %lld дня; накоплено кешбэка: %s.",                \
      "До конца года членства осталось %lld дней; накоплено кешбэка: %s.")               \
    X(ADVISOR_BACK, COUNT_TEXT, /* */                                                    \
      "Over the last %lld month a paid membership would have given you %s back.",        \
      "Over the last %lld months a paid membership would have given you %s back.",       \
      "En el último %lld mes, ser socio de pago te habría devuelto %s.",                 \
      "En los últimos %lld meses, ser socio de pago te habría devuelto %s.",             \
      "En l'últim %lld mes, ser soci de pagament t'hauria retornat %s.",                 \
      "En els últims %lld mesos, ser soci de pagament t'hauria retornat %s.",            \
      "За последний %lld месяц платное членство вернуло бы вам %s.",                     \
      "За последние %lld месяца платное членство вернуло бы вам %s.",                    \
      "За последние %lld месяцев платное членство вернуло бы вам %s.")                   \
    X(ADVISOR_GAIN, COUNT_TEXT, /* */                                                    \
      "%lld year of membership would have paid for itself, with %s to spare.",           \
      "%lld years of membership would have paid for themselves, with %s to spare.",      \
      "%lld año de socio se habría pagado solo, y te sobrarían %s.",                     \
      "%lld años de socio se habrían pagado solos, y te sobrarían %s.",                  \
      "%lld any de soci s'hauria pagat sol, i et sobrarien %s.",                         \
      "%lld anys de soci s'haurien pagat sols, i et sobrarien %s.",                      \
      "%lld год членства окупился бы, и у вас осталось бы %s.",                          \
      "%lld года членства окупились бы, и у вас осталось бы %s.",                        \
      "%lld лет членства окупились бы, и у вас осталось бы %s.")                         \
    X(EARLY_ACCESS, COUNT_TEXT, /* early access */                                       \
      "Early access (%lld day before the opening): %s.",                                 \
      "Early access (%lld days before the opening): %s.",                                \
      "Acceso anticipado (%lld día antes de la apertura): %s.",                          \
      "Acceso anticipado (%lld días antes de la apertura): %s.",                         \
      "Accés anticipat (%lld dia abans de l'obertura): %s.",                             \
      "Accés anticipat (%lld dies abans de l'obertura): %s.",                            \
      "Ранний доступ (за %lld день до открытия): %s.",                                   \
      "Ранний доступ (за %lld дня до открытия): %s.",                                    \
      "Ранний доступ (за %lld дней до открытия): %s.")                                   \
    X(COUPONS, COUNT_TEXT, /* coupons */                                                 \
      "%lld coupon: %s off.", "%lld coupons: %s off.", "%lld cupón: %s de descuento.",   \
      "%lld cupones: %s de descuento.", "%lld cupó: %s de descompte.",                   \
      "%lld cupons: %s de descompte.", "%lld купон: скидка %s.",                         \
      "%lld купона: скидка %s.", "%lld купонов: скидка %s.")                             \
    X(REFERRAL_QUALIFIED, COUNT_TEXT, /* */                                              \
      "Your friend's referral bonus of %lld point is on its way: it arrives on %s.",     \
      "Your friend's referral bonus of %lld points is on its way: it arrives on %s.",    \
      "El regalo por invitar a tu amigo, %lld punto, está en camino: llega el %s.",      \
      "El regalo por invitar a tu amigo, %lld puntos, está en camino: llega el %s.",     \
      "El regal per la invitació del teu amic, %lld punt, és en camí: arriba el %s.",    \
      "El regal per la invitació del teu amic, %lld punts, és en camí: arriba el %s.",   \
      "Бонус за приглашение друга, %lld балл, уже в пути: он будет начислен %s.",        \
      "Бонус за приглашение друга, %lld балла, уже в пути: он будет начислен %s.",       \
      "Бонус за приглашение друга, %lld баллов, уже в пути: он будет начислен %s.")      \
    X(REFERRAL_ON_HOLD, COUNT, /* */                                                     \
      "Referral bonus of %lld point on hold: the purchase is under the minimum.",        \
      "Referral bonus of %lld points on hold: the purchase is under the minimum.",       \
      "Regalo por invitar (%lld punto) en espera: la compra no llega al mínimo.",        \
      "Regalo por invitar (%lld puntos) en espera: la compra no llega al mínimo.",       \
      "Regal per invitació (%lld punt) en espera: la compra no arriba al mínim.",        \
      "Regal per invitació (%lld punts) en espera: la compra no arriba al mínim.",       \
      "Бонус за приглашение (%lld балл) отложен: покупка теперь ниже минимума.",         \
      "Бонус за приглашение (%lld балла) отложен: покупка теперь ниже минимума.",        \
      "Бонус за приглашение (%lld баллов) отложен: покупка теперь ниже минимума.")       \
    X(STAMPS_TO_GO, COUNT_TEXT, /* */                                                    \
      "%lld more stamp to fill your %s.", "%lld more stamps to fill your %s.",           \
      "Te falta %lld sello para completar tu %s.",                                       \
      "Te faltan %lld sellos para completar tu %s.",                                     \
      "Et falta %lld segell per completar la teva %s.",                                  \
      "Et falten %lld segells per completar la teva %s.",                                \
      "Остался %lld штамп до заполнения карточки «%s».",                                 \
      "Осталось %lld штампа до заполнения карточки «%s».",                               \
      "Осталось %lld штампов до заполнения карточки «%s».")                              \
    X(STAMP_CARD_FULL, COUNT_TEXT, /* */                                                 \
      "%lld reward waiting: your %s is full.", "%lld rewards waiting: your %s is full.", \
      "%lld premio te espera: tu %s está completa.",                                     \
      "%lld premios te esperan: tu %s está completa.",                                   \
      "%lld premi t'espera: la teva %s és plena.",                                       \
      "%lld premis t'esperen: la teva %s és plena.",                                     \
      "%lld награда ждёт вас: карточка «%s» заполнена.",                                 \
      "%lld награды ждут вас: карточка «%s» заполнена.",                                 \
      "%lld наград ждут вас: карточка «%s» заполнена.")                                  \
    X(TIER_WELCOME, TEXT, /* */                                                          \
      "Welcome to %s!", "Welcome to %s!", "¡Bienvenido al nivel %s!",                    \
      "¡Bienvenido al nivel %s!", "Benvingut al nivell %s!", "Benvingut al nivell %s!",  \
      "Добро пожаловать на уровень «%s»!", "Добро пожаловать на уровень «%s»!",          \
      "Добро пожаловать на уровень «%s»!")                                               \
    X(TIER_MISSING_POINTS, COUNT_TEXT, /* */                                             \
      "%lld more point to %s.", "%lld more points to %s.",                               \
      "Te falta %lld punto para %s.", "Te faltan %lld puntos para %s.",                  \
      "Et falta %lld punt per a %s.", "Et falten %lld punts per a %s.",                  \
      "Ещё %lld балл до уровня «%s».", "Ещё %lld балла до уровня «%s».",                 \
      "Ещё %lld баллов до уровня «%s».")                                                 \
    X(TIER_MISSING_VISITS, COUNT_TEXT, /* */                                             \
      "%lld more visit to %s.", "%lld more visits to %s.",                               \
      "Te falta %lld visita para %s.", "Te faltan %lld visitas para %s.",                \
      "Et falta %lld visita per a %s.", "Et falten %lld visites per a %s.",              \
      "Ещё %lld покупка до уровня «%s».", "Ещё %lld покупки до уровня «%s».",            \
      "Ещё %lld покупок до уровня «%s».")                                                \
    X(TIER_MISSING_SPEND, TEXT3, /* */                                                   \
      "You spent %s — %s more to %s.", "You spent %s — %s more to %s.",                  \
      "Has gastado %s: te faltan %s para %s.", "Has gastado %s: te faltan %s para %s.",  \
      "Has gastat %s: et falten %s per a %s.", "Has gastat %s: et falten %s per a %s.",  \
      "Вы потратили %s — ещё %s до уровня «%s».",                                        \
      "Вы потратили %s — ещё %s до уровня «%s».",                                        \
      "Вы потратили %s — ещё %s до уровня «%s».")

struct message_entry {
    const char *name;
    enum fdl_message_args args;
    /* [language][plural form]; a language's unused forms are NULL. */
    const char *text[FDL_LANG_COUNT][FDL_PLURAL_COUNT];
};

#define MESSAGE_ENTRY(id, args_, en1, en, es1, es, ca1, ca, ru1, ru2, ru5)               \
    [FDL_MSG_##id] = {                                                                   \
        #id,                                                                             \
        FDL_MSG_ARGS_##args_,                                                            \
        {[FDL_LANG_EN] = {[FDL_PLURAL_ONE] = en1, [FDL_PLURAL_OTHER] = en},              \
         [FDL_LANG_ES] = {[FDL_PLURAL_ONE] = es1, [FDL_PLURAL_OTHER] = es},              \
         [FDL_LANG_CA] = {[FDL_PLURAL_ONE] = ca1, [FDL_PLURAL_OTHER] = ca},              \
         [FDL_LANG_RU] = {                                                               \
             [FDL_PLURAL_ONE] = ru1, [FDL_PLURAL_FEW] = ru2, [FDL_PLURAL_MANY] = ru5}}},

static const struct message_entry messages[] = {FDL_MESSAGE_TABLE(MESSAGE_ENTRY)};
#undef MESSAGE_ENTRY

_Static_assert(sizeof(messages) / sizeof(*messages) == FDL_MSG_COUNT_,
               "every enum fdl_message_id has one entry in FDL_MESSAGE_TABLE");

/* Never called: it exists so that -Wformat checks every entry against its arguments. */
#define CHECK_COUNT(fmt)      (void)snprintf(NULL, 0, fmt, 1LL)
#define CHECK_COUNT_TEXT(fmt) (void)snprintf(NULL, 0, fmt, 1LL, "")
#define CHECK_TEXT(fmt)       (void)snprintf(NULL, 0, fmt, "")
#define CHECK_TEXT3(fmt)      (void)snprintf(NULL, 0, fmt, "", "", "")
#define CHECK_ENTRY(id, args_, en1, en, es1, es, ca1, ca, ru1, ru2, ru5)                 \
    CHECK_##args_(en1);                                                                  \
    CHECK_##args_(en);                                                                   \
    CHECK_##args_(es1);                                                                  \
    CHECK_##args_(es);                                                                   \
    CHECK_##args_(ca1);                                                                  \
    CHECK_##args_(ca);                                                                   \
    CHECK_##args_(ru1);                                                                  \
    CHECK_##args_(ru2);                                                                  \
    CHECK_##args_(ru5);

__attribute__((unused)) static void check_formats(void)
{
    FDL_MESSAGE_TABLE(CHECK_ENTRY)
}
#undef CHECK_ENTRY
#undef CHECK_COUNT
#undef CHECK_COUNT_TEXT
#undef CHECK_TEXT
#undef CHECK_TEXT3

/* ---- languages and plurals ---- */

static const char *const lang_codes[FDL_LANG_COUNT] = {"en", "es", "ca", "ru"};

int fdl_lang_parse(const char *code)
{
    if (!code || !code[0] || !code[1] || code[2])
        return -1;
    for (int i = 0; i < FDL_LANG_COUNT; i++) {
        char a = code[0] | 0x20, b = code[1] | 0x20; /* ASCII lower case */
        if (a == lang_codes[i][0] && b == lang_codes[i][1])
            return i;
    }
    return -1;
}

const char *fdl_lang_code(enum fdl_lang lang)
{
    assert((unsigned)lang < FDL_LANG_COUNT);
    return lang_codes[lang];
}

/* lang parsed, unknown and NULL being English. */
static enum fdl_lang lang_or_en(const char *lang)
{
    int l = fdl_lang_parse(lang);
    return l < 0 ? FDL_LANG_EN : (enum fdl_lang)l;
}

enum fdl_plural fdl_plural_form_lang(enum fdl_lang lang, long long n)
{
    assert((unsigned)lang < FDL_LANG_COUNT);
    unsigned long long m = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
    if (lang != FDL_LANG_RU)
        return m == 1 ? FDL_PLURAL_ONE : FDL_PLURAL_OTHER;
    unsigned last = (unsigned)(m % 10), last2 = (unsigned)(m % 100);
    if (last == 1 && last2 != 11)
        return FDL_PLURAL_ONE;
    if (last >= 2 && last <= 4 && (last2 < 12 || last2 > 14))
        return FDL_PLURAL_FEW;
    return FDL_PLURAL_MANY;
}

enum fdl_plural fdl_plural_form(const char *lang, long long n)
{
    return fdl_plural_form_lang(lang_or_en(lang), n);
}

/* ---- messages ---- */

enum fdl_message_args fdl_message_args(enum fdl_message_id id)
{
    assert((unsigned)id < FDL_MSG_COUNT_);
    return messages[id].args;
}

const char *fdl_message_name(enum fdl_message_id id)
{
    assert((unsigned)id < FDL_MSG_COUNT_);
    return messages[id].name;
}

/* The entry's text for form, falling back to the form every language has. */
static const char *message_text(enum fdl_message_id id, enum fdl_lang lang,
                                enum fdl_plural form)
{
    assert((unsigned)id < FDL_MSG_COUNT_ && (unsigned)form < FDL_PLURAL_COUNT);
    const char *const *forms = messages[id].text[lang];
    if (lang == FDL_LANG_RU && form == FDL_PLURAL_OTHER)
        form = FDL_PLURAL_FEW; /* fractions: "1,5 балла" */
    else if (lang != FDL_LANG_RU && form != FDL_PLURAL_ONE)
        form = FDL_PLURAL_OTHER;
    assert(forms[form]);
    return forms[form];
}

const char *fdl_message(enum fdl_message_id id, const char *lang)
{
    enum fdl_lang l = lang_or_en(lang);
    return message_text(id, l, l == FDL_LANG_RU ? FDL_PLURAL_MANY : FDL_PLURAL_OTHER);
}

const char *fdl_message_plural(enum fdl_message_id id, const char *lang, long long n)
{
    enum fdl_lang l = lang_or_en(lang);
    return message_text(id, l, fdl_plural_form_lang(l, n));
}

int fdl_message_format(char *out, size_t cap, enum fdl_message_id id, const char *lang,
                       ...)
{
    assert(out || cap == 0);
    assert((unsigned)id < FDL_MSG_COUNT_);
    va_list ap, peek;
    va_start(ap, lang);
    /* A counted message's first argument is its count (enum fdl_message_args). */
    long long count = 0;
    enum fdl_message_args args = fdl_message_args(id);
    va_copy(peek, ap);
    if (args == FDL_MSG_ARGS_COUNT || args == FDL_MSG_ARGS_COUNT_TEXT)
        count = va_arg(peek, long long);
    va_end(peek);
    int n = vsnprintf(out, cap, fdl_message_plural(id, lang, count), ap);
    va_end(ap);
    return n;
}

int fdl_message_count(char *out, size_t cap, enum fdl_message_id id, const char *lang,
                      long long count)
{
    assert(fdl_message_args(id) == FDL_MSG_ARGS_COUNT);
    return fdl_message_format(out, cap, id, lang, count);
}

int fdl_message_count_text(char *out, size_t cap, enum fdl_message_id id,
                           const char *lang, long long count, const char *text)
{
    assert(fdl_message_args(id) == FDL_MSG_ARGS_COUNT_TEXT);
    assert(text);
    return fdl_message_format(out, cap, id, lang, count, text);
}

int fdl_message_text(char *out, size_t cap, enum fdl_message_id id, const char *lang,
                     const char *text)
{
    assert(fdl_message_args(id) == FDL_MSG_ARGS_TEXT);
    assert(text);
    return fdl_message_format(out, cap, id, lang, text);
}

int fdl_message_text3(char *out, size_t cap, enum fdl_message_id id, const char *lang,
                      const char *a, const char *b, const char *c)
{
    assert(fdl_message_args(id) == FDL_MSG_ARGS_TEXT3);
    assert(a && b && c);
    return fdl_message_format(out, cap, id, lang, a, b, c);
}

/* ---- numbers ---- */

/* A bounded writer: keeps the full length, writes what fits, always NUL-terminates. */
struct sink {
    char *out;
    size_t cap, len;
};

static void sink_put(struct sink *s, const char *text, size_t n)
{
    if (s->len < s->cap) {
        size_t room = s->cap - 1 - s->len, k = n < room ? n : room;
        memcpy(s->out + s->len, text, k);
        s->out[s->len + k] = '\0';
    }
    s->len += n;
}

static void sink_str(struct sink *s, const char *text)
{
    sink_put(s, text, strlen(text));
}

static struct sink sink_start(char *out, size_t cap)
{
    assert(out || cap == 0);
    if (cap > 0)
        out[0] = '\0';
    return (struct sink){out, cap, 0};
}

static const char *const group_separators[FDL_LANG_COUNT] = {",", ".", ".", " "};
static const char *const decimal_separators[FDL_LANG_COUNT] = {".", ",", ",", ","};
/* Digits a whole part needs before it is grouped: 12345 but 1234 in Spanish. */
static const int group_from_digits[FDL_LANG_COUNT] = {4, 5, 4, 4};

/* The digits of m, grouped by threes as lang does. */
static void put_grouped(struct sink *s, enum fdl_lang lang, unsigned long long m)
{
    char digits[24];
    int n = snprintf(digits, sizeof(digits), "%llu", m);
    int grouped = n >= group_from_digits[lang];
    for (int i = 0; i < n; i++) {
        if (grouped && i > 0 && (n - i) % 3 == 0)
            sink_str(s, group_separators[lang]);
        sink_put(s, digits + i, 1);
    }
}

size_t fdl_lang_format_number(char *out, size_t cap, const char *lang, long long n)
{
    return fdl_lang_format_decimal(out, cap, lang, n, 0, 0);
}

/* Writes the number without its sign; returns whether it is negative (and not 0). */
static int put_decimal(struct sink *s, enum fdl_lang lang, int64_t value, int decimals,
                       int keep_zeros)
{
    assert(decimals >= 0 && decimals <= 6);
    unsigned long long m =
        value < 0 ? 0ULL - (unsigned long long)value : (unsigned long long)value;
    unsigned long long scale = 1;
    for (int i = 0; i < decimals; i++)
        scale *= 10;
    unsigned long long whole = m / scale, fraction = m % scale;
    put_grouped(s, lang, whole);
    int shown = decimals;
    if (!keep_zeros)
        for (; shown > 0 && fraction % 10 == 0; shown--)
            fraction /= 10;
    if (shown > 0) {
        char digits[24];
        snprintf(digits, sizeof(digits), "%0*llu", shown, fraction);
        sink_str(s, decimal_separators[lang]);
        sink_str(s, digits);
    }
    return value < 0;
}

size_t fdl_lang_format_decimal(char *out, size_t cap, const char *lang, int64_t value,
                               int decimals, int keep_zeros)
{
    struct sink s = sink_start(out, cap);
    if (value < 0)
        sink_str(&s, "-");
    put_decimal(&s, lang_or_en(lang), value, decimals, keep_zeros);
    return s.len;
}

/* ---- money ---- */

static const struct {
    const char *code, *symbol;
} currency_symbols[] = {
    {"EUR", "€"}, {"USD", "$"}, {"GBP", "£"}, {"JPY", "¥"}, {"RUB", "₽"},
};

static int decimals_of(int minor_per_unit)
{
    assert(minor_per_unit >= 1);
    int d = 0;
    for (; minor_per_unit >= 10 && minor_per_unit % 10 == 0 && d < 6; d++)
        minor_per_unit /= 10;
    return d;
}

size_t fdl_lang_format_money(char *out, size_t cap, const char *lang, int64_t minor,
                             const char *currency, int minor_per_unit)
{
    assert(currency);
    enum fdl_lang l = lang_or_en(lang);
    const char *symbol = NULL;
    for (size_t i = 0; i < sizeof(currency_symbols) / sizeof(*currency_symbols); i++)
        if (strcmp(currency, currency_symbols[i].code) == 0)
            symbol = currency_symbols[i].symbol;
    int decimals = decimals_of(minor_per_unit);
    struct sink s = sink_start(out, cap);
    if (l == FDL_LANG_EN && symbol) { /* -€5.00 */
        if (minor < 0)
            sink_str(&s, "-");
        sink_str(&s, symbol);
    } else if (l == FDL_LANG_EN) { /* CHF -5.00 */
        sink_str(&s, currency);
        sink_str(&s, " ");
        if (minor < 0)
            sink_str(&s, "-");
    } else if (minor < 0) { /* -5,00 € */
        sink_str(&s, "-");
    }
    put_decimal(&s, l, minor, decimals, 1);
    if (l != FDL_LANG_EN) {
        sink_str(&s, " ");
        sink_str(&s, symbol ? symbol : currency);
    }
    return s.len;
}

/* ---- dates ---- */

/* Month names as a date has them: after the day, with the preposition if any. */
static const char *const date_months[FDL_LANG_COUNT][12] = {
    [FDL_LANG_EN] = {"January", "February", "March", "April", "May", "June", "July",
                     "August", "September", "October", "November", "December"},
    [FDL_LANG_ES] = {"de enero", "de febrero", "de marzo", "de abril", "de mayo",
                     "de junio", "de julio", "de agosto", "de septiembre", "de octubre",
                     "de noviembre", "de diciembre"},
    [FDL_LANG_CA] = {"de gener", "de febrer", "de març", "d'abril", "de maig", "de juny",
                     "de juliol", "d'agost", "de setembre", "d'octubre", "de novembre",
                     "de desembre"},
    [FDL_LANG_RU] = {"января", "февраля", "марта", "апреля", "мая", "июня", "июля",
                     "августа", "сентября", "октября", "ноября", "декабря"},
};

/* What surrounds the year after the day and month: " 2026", " de 2026", " 2026 г." */
static const char *const year_before[FDL_LANG_COUNT] = {" ", " de ", " de ", " "};
static const char *const year_after[FDL_LANG_COUNT] = {"", "", "", " г."};

size_t fdl_lang_format_date(char *out, size_t cap, const char *lang, int64_t days,
                            enum fdl_date_parts parts)
{
    enum fdl_lang l = lang_or_en(lang);
    int64_t year;
    int month, day;
    fdl_civil_from_days(days, &year, &month, &day);
    assert(month >= 1 && month <= 12);
    struct sink s = sink_start(out, cap);
    char text[32];
    snprintf(text, sizeof(text), "%d", day);
    sink_str(&s, text);
    if (parts == FDL_DATE_DAY)
        return s.len;
    sink_str(&s, " ");
    sink_str(&s, date_months[l][month - 1]);
    if (parts == FDL_DATE_DAY_MONTH)
        return s.len;
    snprintf(text, sizeof(text), "%lld", (long long)year);
    sink_str(&s, year_before[l]);
    sink_str(&s, text);
    sink_str(&s, year_after[l]);
    return s.len;
}
