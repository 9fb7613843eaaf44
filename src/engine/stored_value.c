/*
 * stored_value.c - cashback, its reversal, the upgrade advisor and the
 * membership's explanation (engine/stored_value.h). Pure integer code.
 */
#include "engine/stored_value.h"

#include "engine/earn.h"

#include "engine/messages.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#define BP_PER_WHOLE 10000 /* hundredths of a percent in 100 % */

const char *fdl_sv_kind_name(enum fdl_sv_kind kind)
{
    return kind == FDL_SV_KIND_CERTIFICATE ? "certificate" : "gift_card";
}

int fdl_sv_entry_build(struct fdl_sv_entry *e, enum fdl_sv_entry_kind kind,
                       int64_t card_id, int64_t member_id, int64_t amount_minor)
{
    assert(e);
    if (amount_minor <= 0 || amount_minor > FDL_GIFT_CARD_MAX_BALANCE_MINOR)
        return FDL_EINVALID;
    struct fdl_sv_posting holder = {FDL_SV_ACCOUNT_CARD, card_id, 0, amount_minor};
    enum fdl_sv_account other = FDL_SV_ACCOUNT_SOLD;
    int64_t sign = 1; /* of the holder's posting */
    switch (kind) {
    case FDL_SV_SELL:
    case FDL_SV_LOAD:
        break;
    case FDL_SV_REDEEM:
        other = FDL_SV_ACCOUNT_SPENT;
        sign = -1;
        break;
    case FDL_SV_REFUND:
        other = FDL_SV_ACCOUNT_SPENT;
        break;
    case FDL_SV_ACCRUE:
    case FDL_SV_REVERSE:
        holder.account = FDL_SV_ACCOUNT_CASHBACK;
        holder.card_id = 0;
        holder.member_id = member_id;
        other = FDL_SV_ACCOUNT_CASHBACK_GIVEN;
        sign = kind == FDL_SV_ACCRUE ? 1 : -1;
        break;
    case FDL_SV_CERTIFICATE:
        if (card_id <= 0 || member_id <= 0)
            return FDL_EINVALID;
        memset(e, 0, sizeof(*e));
        e->kind = kind;
        e->amount_minor = amount_minor;
        e->postings[0] =
            (struct fdl_sv_posting){FDL_SV_ACCOUNT_CASHBACK, 0, member_id, -amount_minor};
        e->postings[1] =
            (struct fdl_sv_posting){FDL_SV_ACCOUNT_CARD, card_id, 0, amount_minor};
        return 0;
    default:
        return FDL_EINVALID;
    }
    if (holder.account == FDL_SV_ACCOUNT_CARD ? card_id <= 0 : member_id <= 0)
        return FDL_EINVALID;
    memset(e, 0, sizeof(*e));
    e->kind = kind;
    e->amount_minor = amount_minor;
    holder.amount = sign * amount_minor;
    e->postings[0] = holder;
    e->postings[1] = (struct fdl_sv_posting){other, 0, 0, -sign * amount_minor};
    return 0;
}

const char *fdl_sv_entry_kind_name(enum fdl_sv_entry_kind kind)
{
    static const char *const names[] = {"",       "sell",   "load",    "redeem",
                                        "refund", "accrue", "reverse", "certificate"};
    return kind >= FDL_SV_SELL && kind <= FDL_SV_CERTIFICATE ? names[kind] : "unknown";
}

const char *fdl_sv_account_name(enum fdl_sv_account account)
{
    static const char *const names[] = {"",      "card",     "sold",
                                        "spent", "cashback", "cashback_given"};
    return account >= FDL_SV_ACCOUNT_CARD && account <= FDL_SV_ACCOUNT_CASHBACK_GIVEN
               ? names[account]
               : "unknown";
}

int64_t fdl_sv_entry_card_delta(const struct fdl_sv_entry *e)
{
    int64_t delta = 0;
    for (int i = 0; i < FDL_SV_ENTRY_POSTINGS; i++)
        if (e->postings[i].account == FDL_SV_ACCOUNT_CARD)
            delta += e->postings[i].amount;
    return delta;
}

int64_t fdl_cashback(int64_t paid_minor, int64_t bp, enum fdl_rounding rounding,
                     int64_t cap_left_minor)
{
    assert(bp >= 0 && bp <= FDL_MEMBERSHIP_MAX_BP);
    if (paid_minor <= 0 || bp == 0 || cap_left_minor <= 0)
        return 0;
    /* 128 bits: any paid amount the API accepts (a basket can reach ~2e15
     * minor units) times the rate fits, and the cap bounds the result. */
    __int128 scaled = (__int128)paid_minor * bp;
    __int128 back = scaled / BP_PER_WHOLE, rest = scaled % BP_PER_WHOLE;
    if (rounding == FDL_ROUND_UP && rest > 0)
        back++;
    else if (rounding == FDL_ROUND_HALF_UP && rest * 2 >= BP_PER_WHOLE)
        back++;
    return back < cap_left_minor ? (int64_t)back : cap_left_minor;
}

int64_t fdl_cashback_reversal(int64_t cashback_minor, int64_t total_minor,
                              int64_t refunded_minor, int64_t already_minor)
{
    if (cashback_minor <= 0 || total_minor <= 0 || refunded_minor <= 0)
        return 0;
    if (refunded_minor > total_minor)
        refunded_minor = total_minor;
    int64_t target = fdl_share(cashback_minor, refunded_minor, total_minor);
    return target > already_minor ? target - already_minor : 0;
}

void fdl_membership_advise(const struct fdl_membership_def *m, enum fdl_rounding rounding,
                           int64_t spend_minor, struct fdl_membership_advice *out)
{
    assert(m && out);
    memset(out, 0, sizeof(*out));
    out->spend_minor = spend_minor > 0 ? spend_minor : 0;
    out->fee_minor = m->fee_minor;
    out->cashback_minor =
        fdl_cashback(out->spend_minor, m->cashback_bp, rounding, m->cap_minor);
    out->difference_minor = out->cashback_minor - out->fee_minor;
    out->pays_for_itself = out->difference_minor > 0;
}

/* The explanation's fragments, with the name, fee, percent and cap between
 * them: en, es, ca, ru. */
#define EXPLAIN_PARTS 6
static const char *const explain_parts[FDL_LANG_COUNT][EXPLAIN_PARTS] = {
    {"\n## Paid membership: ", "\n\n- It costs ", " a year.\n- While you are a member, ",
     " of what you pay comes back to you, up to ", " a year.\n",
     "- At the end of each membership year the money comes back as a reward "
     "certificate you can spend at the till.\n"},
    {"\n## Socio de pago: ", "\n\n- Cuesta ",
     " al año.\n- Mientras seas socio, te "
     "devolvemos el ",
     " de lo que pagas, hasta ", " al año.\n",
     "- Al final de cada año de socio recibes ese dinero en un vale que puedes gastar "
     "en caja.\n"},
    {"\n## Soci de pagament: ", "\n\n- Costa ",
     " l'any.\n- Mentre siguis soci, et "
     "tornem el ",
     " del que pagues, fins a ", " l'any.\n",
     "- En acabar cada any de soci reps aquests diners en un val que pots gastar a la "
     "caixa.\n"},
    {"\n## Платное членство: ", "\n\n- Стоит ",
     " в год.\n- Пока вы участник, вам "
     "возвращается ",
     " от оплаченного, но не больше ", " в год.\n",
     "- В конце каждого года членства эти деньги приходят сертификатом, которым можно "
     "расплатиться на кассе.\n"},
};

/* The word after a percentage (no "%" sign: explained text keeps "%" for
 * nothing but owners' own words): Russian declines it by the number, and
 * takes the genitive singular after a fraction. */
static const char *percent_word(int lang, int64_t bp)
{
    static const char *const words[FDL_LANG_COUNT][FDL_PLURAL_COUNT] = {
        {"percent", "percent", "percent", "percent"},
        {"por ciento", "por ciento", "por ciento", "por ciento"},
        {"per cent", "per cent", "per cent", "per cent"},
        {"процент", "процента", "процентов", "процента"},
    };
    enum fdl_plural form =
        bp % 100 ? FDL_PLURAL_OTHER : fdl_plural_form_lang((enum fdl_lang)lang, bp / 100);
    return words[lang][form];
}

/* Appends text to out (len used of cap), cutting at the end. */
static void put(char *out, size_t cap, size_t *len, const char *text)
{
    size_t n = strlen(text);
    if (*len + n >= cap)
        n = cap - 1 - *len;
    memcpy(out + *len, text, n);
    *len += n;
    out[*len] = '\0';
}

void fdl_membership_explain(const struct fdl_membership_def *m,
                            const struct fdl_program *prog, const char *lang, char *out,
                            size_t cap)
{
    assert(m && prog && out && cap > 0);
    out[0] = '\0';
    if (!m->enabled)
        return;
    int l = fdl_lang_parse(lang);
    if (l < 0)
        l = FDL_LANG_EN;
    char fee[48], limit[48], percent[64];
    fdl_lang_format_money(fee, sizeof(fee), lang, m->fee_minor, prog->currency,
                          prog->minor_per_unit);
    fdl_lang_format_money(limit, sizeof(limit), lang, m->cap_minor, prog->currency,
                          prog->minor_per_unit);
    size_t n =
        fdl_lang_format_decimal(percent, sizeof(percent), lang, m->cashback_bp, 2, 0);
    snprintf(percent + n, sizeof(percent) - n, " %s", percent_word(l, m->cashback_bp));
    const char *values[EXPLAIN_PARTS - 2] = {m->name, fee, percent, limit};
    size_t len = 0;
    for (int i = 0; i < EXPLAIN_PARTS; i++) {
        put(out, cap, &len, explain_parts[l][i]);
        if (i < EXPLAIN_PARTS - 2)
            put(out, cap, &len, values[i]);
    }
}
