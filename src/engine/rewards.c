/*
 * rewards.c - the reward catalogue's decisions, launch windows, and their
 * plain-language text (engine/rewards.h). Pure: no clock, zone or store.
 */
#include "engine/rewards.h"

#include "engine/coupons.h"

#include "base/strbuf.h"

#include "base/clock.h"
#include "engine/messages.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REWARDS_EXPLAIN_MAX_BYTES (1024 * 1024) /* the catalogue's text at most */
#define REWARDS_PIECE_MAX         512           /* one formatted piece of a line */

const struct fdl_reward *fdl_reward_find(const struct fdl_reward_catalog *c,
                                         const char *id)
{
    for (size_t i = 0; c && id && i < c->n; i++)
        if (strcmp(c->items[i].id, id) == 0)
            return &c->items[i];
    return NULL;
}

static int set_has(const struct fdl_string_set *s, const char *item)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(s->items[mid], item);
        if (cmp == 0)
            return 1;
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

enum fdl_reward_reason fdl_reward_check(const struct fdl_reward *r,
                                        const struct fdl_reward_view *v)
{
    assert(r && v && v->quantity >= 1);
    if ((r->has_valid_from && v->today < r->valid_from_day) ||
        (r->has_valid_until && v->today > r->valid_until_day))
        return FDL_REWARD_WINDOW;
    if (r->tiers.n > 0 && (!v->tier || !set_has(&r->tiers, v->tier)))
        return FDL_REWARD_TIER;
    if (r->stock > 0 && v->stock_used + v->quantity > r->stock)
        return FDL_REWARD_STOCK;
    if (r->per_member > 0 && v->member_used + v->quantity > r->per_member)
        return FDL_REWARD_LIMIT;
    /* cost <= 1e9 and quantity <= 100: the product fits easily */
    if (r->cost_points * v->quantity > v->available_points)
        return FDL_REWARD_POINTS;
    return FDL_REWARD_OK;
}

int64_t fdl_reward_remaining(const struct fdl_reward *r, int64_t stock_used)
{
    if (r->stock == 0)
        return -1;
    return stock_used >= r->stock ? 0 : r->stock - stock_used;
}

int64_t fdl_reward_period_start(const struct fdl_reward *r, int64_t today)
{
    int64_t y;
    int m, d;
    fdl_civil_from_days(today, &y, &m, &d);
    switch (r->period) {
    case FDL_PERIOD_YEAR:
        return fdl_days_from_civil(y, 1, 1);
    case FDL_PERIOD_MONTH:
        return fdl_days_from_civil(y, m, 1);
    case FDL_PERIOD_LIFETIME:
    default:
        return INT64_MIN;
    }
}

const char *fdl_reward_kind_name(enum fdl_reward_kind kind)
{
    static const char *const names[] = {"discount", "product", "merchandise",
                                        "early_access", "coupon"};
    return (unsigned)kind < FDL_REWARD_KIND_COUNT_ ? names[kind] : "?";
}

const char *fdl_reward_period_name(enum fdl_reward_period period)
{
    switch (period) {
    case FDL_PERIOD_YEAR:
        return "year";
    case FDL_PERIOD_MONTH:
        return "month";
    case FDL_PERIOD_LIFETIME:
    default:
        return "lifetime";
    }
}

const char *fdl_reward_reason_name(enum fdl_reward_reason reason)
{
    switch (reason) {
    case FDL_REWARD_WINDOW:
        return "window";
    case FDL_REWARD_TIER:
        return "tier";
    case FDL_REWARD_STOCK:
        return "stock";
    case FDL_REWARD_LIMIT:
        return "limit";
    case FDL_REWARD_POINTS:
        return "points";
    case FDL_REWARD_OK:
    default:
        return "";
    }
}

/* ---- launches ---- */

const struct fdl_launch *fdl_launch_of(const struct fdl_launch_list *l, const char *sku,
                                       const char *category)
{
    for (size_t i = 0; l && i < l->n; i++) {
        const struct fdl_launch *x = &l->items[i];
        if ((sku && set_has(&x->skus, sku)) ||
            (category && *category && set_has(&x->categories, category)))
            return x;
    }
    return NULL;
}

int fdl_launch_early_days(const struct fdl_launch *launch, const char *tier)
{
    for (size_t i = 0; tier && i < launch->n_early; i++)
        if (strcmp(launch->early[i].tier, tier) == 0)
            return launch->early[i].days;
    return 0;
}

int fdl_launch_max_early_days(const struct fdl_launch *launch)
{
    int most = 0;
    for (size_t i = 0; i < launch->n_early; i++)
        if (launch->early[i].days > most)
            most = launch->early[i].days;
    return most;
}

int64_t fdl_launch_opens_for(const struct fdl_launch *launch, const char *tier,
                             int entitled)
{
    int days = fdl_launch_early_days(launch, tier);
    if (entitled && fdl_launch_max_early_days(launch) > days)
        days = fdl_launch_max_early_days(launch);
    return launch->opens_local_s - (int64_t)days * 86400;
}

/* ---- plain words ---- */

/* id, en, es, ca, ru. Every placeholder is %s. */
#define REWARD_PHRASES(X)                                                                \
    X(H_REWARDS, "Rewards", "Recompensas", "Recompenses", "Награды")                     \
    X(H_LAUNCHES, "Early access", "Acceso anticipado", "Accés anticipat",                \
      "Ранний доступ")                                                                   \
    X(ITEM, "%s: %s", "%s: %s", "%s: %s", "%s: %s")                                      \
    X(DISCOUNT, "%s off your purchase", "%s de descuento en tu compra",                  \
      "%s de descompte a la compra", "скидка %s на покупку")                             \
    X(PRODUCT, "the product %s free", "el producto %s gratis", "el producte %s gratis",  \
      "товар %s в подарок")                                                              \
    X(EARLY, "early access to %s", "acceso anticipado a «%s»", "accés anticipat a «%s»", \
      "ранний доступ к «%s»")                                                            \
    X(COUPON, "a %s coupon", "un cupón «%s»", "un cupó «%s»", "купон «%s»")              \
    X(TIERS, "for %s members", "para socios %s", "per a socis %s", "для уровня %s")      \
    X(FROM_UNTIL, "from %s to %s", "del %s al %s", "del %s al %s", "с %s по %s")         \
    X(FROM, "from %s", "desde el %s", "des del %s", "с %s")                              \
    X(UNTIL, "until %s", "hasta el %s", "fins al %s", "до %s")                           \
    X(STOCK, "while stock lasts: %s units", "hasta agotar existencias: %s unidades",     \
      "fins a exhaurir existències: %s unitats", "пока есть в наличии: %s шт.")          \
    X(OR, " or ", " o ", " o ", " или ")                                                 \
    X(LIMIT, "at most %s per member", "máximo %s por socio", "màxim %s per soci",        \
      "не более %s на участника")                                                        \
    X(LIMIT_YEAR, "at most %s per member each year", "máximo %s por socio al año",       \
      "màxim %s per soci cada any", "не более %s на участника в год")                    \
    X(LIMIT_MONTH, "at most %s per member each month", "máximo %s por socio al mes",     \
      "màxim %s per soci cada mes", "не более %s на участника в месяц")                  \
    X(HOLD, "A reward you reserve is held for you for %s minutes.",                      \
      "Una recompensa reservada se guarda %s minutos.",                                  \
      "Una recompensa reservada es guarda %s minuts.",                                   \
      "Зарезервированная награда ждёт вас %s мин.")                                      \
    X(OPENS, "%s goes on sale on %s at %s.", "«%s» sale a la venta el %s a las %s.",     \
      "«%s» surt a la venda el %s a les %s.", "«%s» в продаже с %s, %s.")                \
    X(EARLY_TIER, "%s members shop the %s %s early.",                                    \
      "Los socios %s compran «%s» %s antes.", "Els socis %s compren «%s» %s abans.",     \
      "Участники уровня %s покупают «%s» на %s раньше.")

enum reward_phrase {
#define RP_ENUM(id, en, es, ca, ru) RP_##id,
    REWARD_PHRASES(RP_ENUM)
#undef RP_ENUM
        RP_COUNT_
};

static const char *const reward_phrases[RP_COUNT_][FDL_LANG_COUNT] = {
#define RP_ENTRY(id, en, es, ca, ru) [RP_##id] = {en, es, ca, ru},
    REWARD_PHRASES(RP_ENTRY)
#undef RP_ENTRY
};

/* "points" and "days" in each language's plural forms: one, few, many, other. */
static const char *const points_word[FDL_LANG_COUNT][FDL_PLURAL_COUNT] = {
    {"point", "points", "points", "points"},
    {"punto", "puntos", "puntos", "puntos"},
    {"punt", "punts", "punts", "punts"},
    {"балл", "балла", "баллов", "балла"},
};
static const char *const days_word[FDL_LANG_COUNT][FDL_PLURAL_COUNT] = {
    {"day", "days", "days", "days"},
    {"día", "días", "días", "días"},
    {"dia", "dies", "dies", "dies"},
    {"день", "дня", "дней", "дня"},
};

static void fill(char *buf, size_t cap, enum fdl_lang lang, enum reward_phrase id, ...)
{
    va_list ap;
    va_start(ap, id);
    vsnprintf(buf, cap, reward_phrases[id][lang], ap);
    va_end(ap);
}

static void count_of(char *buf, size_t cap, enum fdl_lang lang,
                     const char *const words[FDL_LANG_COUNT][FDL_PLURAL_COUNT],
                     long long n)
{
    char num[32];
    fdl_lang_format_number(num, sizeof(num), fdl_lang_code(lang), n);
    snprintf(buf, cap, "%s %s", num, words[lang][fdl_plural_form_lang(lang, n)]);
}

/* Appends ", piece" (or " (piece" for the first note) to line. */
static void add_note(char *line, size_t cap, int *notes, const char *piece)
{
    size_t used = strlen(line);
    snprintf(line + used, cap - used, "%s%s", *notes ? ", " : " (", piece);
    (*notes)++;
}

static void reward_window(char *buf, size_t cap, enum fdl_lang lang,
                          const struct fdl_reward *r)
{
    const char *code = fdl_lang_code(lang);
    char from[64], until[64];
    fdl_lang_format_date(from, sizeof(from), code, r->valid_from_day, FDL_DATE_FULL);
    fdl_lang_format_date(until, sizeof(until), code, r->valid_until_day, FDL_DATE_FULL);
    if (r->has_valid_from && r->has_valid_until)
        fill(buf, cap, lang, RP_FROM_UNTIL, from, until);
    else if (r->has_valid_from)
        fill(buf, cap, lang, RP_FROM, from);
    else
        fill(buf, cap, lang, RP_UNTIL, until);
}

static const char *launch_name(const struct fdl_program_def *def, const char *id)
{
    for (size_t i = 0; def->launches && i < def->launches->n; i++)
        if (strcmp(def->launches->items[i].id, id) == 0)
            return def->launches->items[i].name;
    return id;
}

/* The campaign's name (its id when it has none). */
static const char *campaign_name(const struct fdl_program_def *def, const char *id)
{
    for (size_t i = 0; i < def->n_coupons; i++)
        if (strcmp(def->coupons[i].id, id) == 0)
            return def->coupons[i].name && *def->coupons[i].name ? def->coupons[i].name
                                                                 : id;
    return id;
}

static void put_reward(struct fdl_strbuf *o, const struct fdl_program_def *def,
                       enum fdl_lang lang, const struct fdl_reward *r)
{
    const char *code = fdl_lang_code(lang);
    char line[4 * REWARDS_PIECE_MAX], piece[REWARDS_PIECE_MAX], cost[64], num[32];
    count_of(cost, sizeof(cost), lang, points_word, r->cost_points);
    fill(line, sizeof(line), lang, RP_ITEM, r->name, cost);
    int notes = 0;
    if (r->kind == FDL_REWARD_DISCOUNT) {
        char money[64];
        fdl_lang_format_money(money, sizeof(money), code, r->value_minor,
                              def->program.currency, def->program.minor_per_unit);
        fill(piece, sizeof(piece), lang, RP_DISCOUNT, money);
        add_note(line, sizeof(line), &notes, piece);
    } else if (r->kind == FDL_REWARD_PRODUCT) {
        fill(piece, sizeof(piece), lang, RP_PRODUCT, r->sku);
        add_note(line, sizeof(line), &notes, piece);
    } else if (r->kind == FDL_REWARD_EARLY_ACCESS) {
        fill(piece, sizeof(piece), lang, RP_EARLY, launch_name(def, r->launch));
        add_note(line, sizeof(line), &notes, piece);
    } else if (r->kind == FDL_REWARD_COUPON) {
        fill(piece, sizeof(piece), lang, RP_COUPON, campaign_name(def, r->campaign));
        add_note(line, sizeof(line), &notes, piece);
    }
    if (r->tiers.n > 0) {
        char tiers[REWARDS_PIECE_MAX / 2] = "";
        for (size_t i = 0; i < r->tiers.n; i++) {
            size_t used = strlen(tiers);
            const char *sep = i == 0               ? ""
                              : i + 1 < r->tiers.n ? ", "
                                                   : reward_phrases[RP_OR][lang];
            snprintf(tiers + used, sizeof(tiers) - used, "%s%s", sep, r->tiers.items[i]);
        }
        fill(piece, sizeof(piece), lang, RP_TIERS, tiers);
        add_note(line, sizeof(line), &notes, piece);
    }
    if (r->has_valid_from || r->has_valid_until) {
        reward_window(piece, sizeof(piece), lang, r);
        add_note(line, sizeof(line), &notes, piece);
    }
    if (r->per_member > 0) {
        fdl_lang_format_number(num, sizeof(num), code, r->per_member);
        fill(piece, sizeof(piece), lang,
             r->period == FDL_PERIOD_YEAR    ? RP_LIMIT_YEAR
             : r->period == FDL_PERIOD_MONTH ? RP_LIMIT_MONTH
                                             : RP_LIMIT,
             num);
        add_note(line, sizeof(line), &notes, piece);
    }
    if (r->stock > 0) {
        fdl_lang_format_number(num, sizeof(num), code, r->stock);
        fill(piece, sizeof(piece), lang, RP_STOCK, num);
        add_note(line, sizeof(line), &notes, piece);
    }
    fdl_strbuf_put(o, "- ");
    fdl_strbuf_put(o, line);
    fdl_strbuf_put(o, notes ? ").\n" : ".\n");
}

static void put_launch(struct fdl_strbuf *o, enum fdl_lang lang,
                       const struct fdl_launch *l)
{
    const char *code = fdl_lang_code(lang);
    int64_t day = l->opens_local_s >= 0 ? l->opens_local_s / 86400
                                        : (l->opens_local_s - 86399) / 86400;
    int64_t minute = (l->opens_local_s - day * 86400) / 60;
    char date[64], clock[16], line[2 * REWARDS_PIECE_MAX], days[64];
    fdl_lang_format_date(date, sizeof(date), code, day, FDL_DATE_FULL);
    snprintf(clock, sizeof(clock), "%02d:%02d", (int)(minute / 60), (int)(minute % 60));
    fill(line, sizeof(line), lang, RP_OPENS, l->name, date, clock);
    fdl_strbuf_put(o, "- ");
    fdl_strbuf_put(o, line);
    fdl_strbuf_put(o, "\n");
    for (size_t i = 0; i < l->n_early; i++) {
        char tier[FDL_TIER_NAME_MAX + 1];
        snprintf(tier, sizeof(tier), "%s", l->early[i].tier);
        if (lang == FDL_LANG_EN && tier[0] >= 'a' && tier[0] <= 'z')
            tier[0] = (char)(tier[0] - 'a' + 'A');
        count_of(days, sizeof(days), lang, days_word, l->early[i].days);
        fill(line, sizeof(line), lang, RP_EARLY_TIER, tier, l->name, days);
        fdl_strbuf_put(o, "- ");
        fdl_strbuf_put(o, line);
        fdl_strbuf_put(o, "\n");
    }
}

int fdl_rewards_explain(const struct fdl_program_def *def, const char *lang, char **out,
                        struct fdl_error *err)
{
    assert(def && out);
    int l = fdl_lang_parse(lang);
    if (l < 0)
        l = fdl_lang_parse(def->program.language);
    enum fdl_lang language = l < 0 ? FDL_LANG_EN : (enum fdl_lang)l;
    struct fdl_strbuf o;
    fdl_strbuf_init(&o, REWARDS_EXPLAIN_MAX_BYTES);
    fdl_strbuf_put(&o, "");
    const struct fdl_reward_catalog *c = def->rewards;
    if (c && c->n > 0) {
        fdl_strbuf_put(&o, "\n## ");
        fdl_strbuf_put(&o, reward_phrases[RP_H_REWARDS][language]);
        fdl_strbuf_put(&o, "\n\n");
        for (size_t i = 0; i < c->n; i++)
            put_reward(&o, def, language, &c->items[i]);
        char hold[REWARDS_PIECE_MAX], num[32];
        fdl_lang_format_number(num, sizeof(num), fdl_lang_code(language),
                               c->hold_minutes);
        fill(hold, sizeof(hold), language, RP_HOLD, num);
        fdl_strbuf_put(&o, "- ");
        fdl_strbuf_put(&o, hold);
        fdl_strbuf_put(&o, "\n");
    }
    const struct fdl_launch_list *ls = def->launches;
    if (ls && ls->n > 0) {
        fdl_strbuf_put(&o, "\n## ");
        fdl_strbuf_put(&o, reward_phrases[RP_H_LAUNCHES][language]);
        fdl_strbuf_put(&o, "\n\n");
        for (size_t i = 0; i < ls->n; i++)
            put_launch(&o, language, &ls->items[i]);
    }
    if (o.rc) {
        free(o.data);
        return fdl_error_set(err, o.rc, NULL,
                             o.rc == FDL_ENOMEM ? "out of memory"
                                                : "the rewards text is too long");
    }
    *out = o.data;
    return 0;
}
