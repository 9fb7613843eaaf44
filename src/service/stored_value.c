/*
 * stored_value.c - gift cards, reward certificates and the paid membership
 * with cashback (service/stored_value.h), and the feature's hooks: cashback
 * on purchases, its reversal on refunds, and at the end of each membership
 * year the accrued cashback paid as a certificate.
 *
 * Every movement of money is one balanced entry of the stored-value ledger
 * (engine/stored_value.h) posted by sv_post(), which also moves the card's
 * cached balance; `fidelis audit` checks both.
 */
#include "service/stored_value.h"

#include "service/internal.h"

#include <stdio.h>
#include <string.h>

#define SECONDS_PER_DAY 86400
#define ADVICE_MONTHS   12 /* the advisor's window, as the message says it */

/* The program file version in force at t_s, or NULL. */
static const struct fdl_membership_def *
membership_def_at(struct fdl_service *svc, const struct fdl_program_state *ps,
                  int64_t t_s)
{
    const struct fdl_version_state *v = fdl_program_version_at(svc, ps, t_s);
    return v && v->def->membership.enabled ? &v->def->membership : NULL;
}

/* Posts one stored-value entry; a card's balance moves with it (stored). */
static int sv_post(struct fdl_store *st, const struct fdl_actor *a,
                   enum fdl_sv_entry_kind kind, struct fdl_sv_card *card,
                   int64_t member_id, int64_t amount_minor, const char *txn_id,
                   int64_t now_s, struct fdl_error *err)
{
    struct fdl_sv_entry e;
    if (fdl_sv_entry_build(&e, kind, card ? card->id : 0, member_id, amount_minor))
        return fdl_error_set(err, FDL_EINTERNAL, NULL, "bad stored-value movement");
    int64_t entry_id;
    int rc = FDL_STORE_CALL(st, sv_entry_insert, a->program_id, &e, txn_id, a->name,
                            now_s, &entry_id, err);
    if (rc || !card)
        return rc;
    card->balance_minor += fdl_sv_entry_card_delta(&e);
    return FDL_STORE_CALL(st, sv_card_update, card, err);
}

/* A new card of kind with a fresh number (retrying the rare clash). */
static int card_create(struct fdl_service *svc, struct fdl_store *st, int64_t program_id,
                       const char *partner, enum fdl_sv_kind kind, int64_t member_id,
                       const char *currency, int64_t now_s, struct fdl_sv_card *out,
                       struct fdl_error *err)
{
    struct fdl_sv_card c;
    memset(&c, 0, sizeof(c));
    snprintf(c.partner, sizeof(c.partner), "%s", partner);
    c.program_id = program_id;
    c.kind = kind;
    c.member_id = member_id;
    snprintf(c.currency, sizeof(c.currency), "%s", currency);
    c.status = FDL_SV_ACTIVE;
    c.issued_at_s = now_s;
    int rc = FDL_EDUPLICATE;
    for (int i = 0; i < FDL_SV_NUMBER_ATTEMPTS && rc == FDL_EDUPLICATE; i++) {
        fdl_card_generate_in(&fdl_card_domain_gift, &svc->card_key, (uint32_t)program_id,
                             c.number);
        rc = FDL_STORE_CALL(st, sv_card_insert, &c, err);
    }
    if (rc == 0)
        *out = c;
    return rc;
}

/* Checks the number (no lookup for a forged one), then loads the card. */
static int card_find(struct fdl_service *svc, struct fdl_store *st,
                     const struct fdl_actor *a, const char *number,
                     struct fdl_sv_card *out, struct fdl_error *err)
{
    char digits[FDL_CARD_DIGITS + 1];
    int rc = fdl_card_check_in(&fdl_card_domain_gift, &svc->card_key,
                               (uint32_t)a->program_id, number, "number", digits, err);
    if (rc)
        return rc;
    rc = FDL_STORE_CALL(st, sv_card_get, a->program_id, digits, out, err);
    /* -- partner isolation -- another partner's card is not one of ours (the
     * operator's, certificates among them, are the whole coalition's) */
    if (rc == 0 && out->partner[0] && !svc_partner_sees(a, out->partner))
        rc = FDL_ENOT_FOUND;
    if (rc == FDL_ENOT_FOUND)
        return fdl_error_set(err, rc, "number", "no gift card with this number");
    return rc;
}

/* The card, which must be active, for a movement. */
static int card_for_use(struct fdl_service *svc, struct fdl_store *st,
                        const struct fdl_actor *a, const char *number,
                        struct fdl_sv_card *out, struct fdl_error *err)
{
    int rc = card_find(svc, st, a, number, out, err);
    if (rc == 0 && out->status != FDL_SV_ACTIVE)
        return fdl_error_set(err, FDL_ECARD_BLOCKED, "number",
                             "the gift card is blocked");
    return rc;
}

static int check_load(int64_t amount_minor, int64_t balance_minor, struct fdl_error *err)
{
    if (amount_minor < 1 || amount_minor > FDL_GIFT_CARD_MAX_LOAD_MINOR)
        return fdl_error_set(err, FDL_ERANGE, "amount",
                             "must be from 1 to %d minor units",
                             FDL_GIFT_CARD_MAX_LOAD_MINOR);
    if (balance_minor + amount_minor > FDL_GIFT_CARD_MAX_BALANCE_MINOR)
        return fdl_error_set(err, FDL_ERANGE, "amount",
                             "a card holds at most %d minor units; it has %lld",
                             FDL_GIFT_CARD_MAX_BALANCE_MINOR, (long long)balance_minor);
    return 0;
}

int fdl_svc_gift_card_sell(struct fdl_service *svc, struct fdl_store *st,
                           const struct fdl_actor *a, int64_t amount_minor,
                           const char *currency, int64_t member_id, int64_t now_s,
                           struct fdl_sv_card *out, struct fdl_error *err)
{
    const struct fdl_program_state *ps = svc_program_of(svc, st, a, err);
    if (!ps)
        return err->code;
    const struct fdl_program *prog;
    const struct fdl_tz *tz;
    svc_settings_at(svc, ps, now_s, &prog, &tz);
    if (!currency || strcmp(currency, prog->currency) != 0)
        return fdl_error_set(err, FDL_EINVALID, "currency", "this program takes %s",
                             prog->currency);
    int rc = check_load(amount_minor, 0, err);
    if (rc)
        return rc;
    if (member_id) {
        struct fdl_member m;
        rc = FDL_STORE_CALL(st, member_get, a->program_id, member_id, &m, err);
        if (rc == FDL_ENOT_FOUND)
            return fdl_error_set(err, rc, "member_id", "no member %lld",
                                 (long long)member_id);
        if (rc)
            return rc;
    }
    struct fdl_sv_card c;
    rc = card_create(svc, st, a->program_id, a->partner, FDL_SV_KIND_GIFT_CARD, member_id,
                     prog->currency, now_s, &c, err);
    if (rc == 0)
        rc = sv_post(st, a, FDL_SV_SELL, &c, 0, amount_minor, NULL, now_s, err);
    if (rc == 0)
        *out = c;
    return rc;
}

int fdl_svc_gift_card_get(struct fdl_service *svc, struct fdl_store *st,
                          const struct fdl_actor *a, const char *number,
                          struct fdl_gift_card_view *out, struct fdl_error *err)
{
    if (!svc_program_of(svc, st, a, err))
        return err->code;
    memset(out, 0, sizeof(*out));
    int rc = card_find(svc, st, a, number, &out->card, err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, sv_history, a->program_id, out->card.id, out->history,
                            FDL_GIFT_CARD_HISTORY_MAX, &out->history_count, err);
    return rc;
}

int fdl_svc_gift_card_load(struct fdl_service *svc, struct fdl_store *st,
                           const struct fdl_actor *a, const char *number,
                           int64_t amount_minor, int64_t now_s, struct fdl_sv_card *out,
                           struct fdl_error *err)
{
    if (!svc_program_of(svc, st, a, err))
        return err->code;
    struct fdl_sv_card c;
    int rc = card_for_use(svc, st, a, number, &c, err);
    if (rc == 0)
        rc = check_load(amount_minor, c.balance_minor, err);
    if (rc == 0)
        rc = sv_post(st, a, FDL_SV_LOAD, &c, 0, amount_minor, NULL, now_s, err);
    if (rc == 0)
        *out = c;
    return rc;
}

int fdl_svc_gift_card_redeem(struct fdl_service *svc, struct fdl_store *st,
                             const struct fdl_actor *a, const char *number,
                             int64_t amount_minor, const char *txn_id, int64_t now_s,
                             struct fdl_sv_card *out, struct fdl_error *err)
{
    if (!svc_program_of(svc, st, a, err))
        return err->code;
    struct fdl_sv_card c;
    struct fdl_sv_redemption r;
    int rc = card_for_use(svc, st, a, number, &c, err);
    if (rc)
        return rc;
    if (amount_minor < 1 || amount_minor > FDL_GIFT_CARD_MAX_BALANCE_MINOR)
        return fdl_error_set(err, FDL_ERANGE, "amount",
                             "must be from 1 to %d minor units",
                             FDL_GIFT_CARD_MAX_BALANCE_MINOR);
    if (amount_minor > c.balance_minor)
        return fdl_error_set(err, FDL_EINSUFFICIENT_FUNDS, "amount",
                             "the card has %lld minor units", (long long)c.balance_minor);
    rc = FDL_STORE_CALL(st, sv_redemption_get, a->program_id, c.id, txn_id, &r, err);
    if (rc == 0)
        return fdl_error_set(err, FDL_EDUPLICATE, "txn_id",
                             "this transaction already spent from the card");
    if (rc != FDL_ENOT_FOUND)
        return rc;
    memset(&r, 0, sizeof(r));
    r.card_id = c.id;
    snprintf(r.txn_id, sizeof(r.txn_id), "%s", txn_id);
    r.amount_minor = amount_minor;
    rc = sv_post(st, a, FDL_SV_REDEEM, &c, 0, amount_minor, txn_id, now_s, err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, sv_redemption_put, a->program_id, &r, now_s, err);
    if (rc == 0)
        *out = c;
    return rc;
}

int fdl_svc_gift_card_refund(struct fdl_service *svc, struct fdl_store *st,
                             const struct fdl_actor *a, const char *number,
                             int64_t amount_minor, const char *txn_id, int64_t now_s,
                             struct fdl_sv_card *out, struct fdl_error *err)
{
    if (!svc_program_of(svc, st, a, err))
        return err->code;
    struct fdl_sv_card c;
    struct fdl_sv_redemption r;
    int rc = card_for_use(svc, st, a, number, &c, err);
    if (rc)
        return rc;
    rc = FDL_STORE_CALL(st, sv_redemption_get, a->program_id, c.id, txn_id, &r, err);
    if (rc == FDL_ENOT_FOUND)
        return fdl_error_set(err, rc, "txn_id",
                             "this transaction did not spend from this card");
    if (rc)
        return rc;
    int64_t left = r.amount_minor - r.refunded_minor;
    if (amount_minor < 1 || amount_minor > left)
        return fdl_error_set(err, FDL_EREFUND_EXCEEDS, "amount",
                             "at most %lld minor units of this transaction can go back",
                             (long long)left);
    if (c.balance_minor + amount_minor > FDL_GIFT_CARD_MAX_BALANCE_MINOR)
        return fdl_error_set(err, FDL_ERANGE, "amount", "a card holds at most %d",
                             FDL_GIFT_CARD_MAX_BALANCE_MINOR);
    r.refunded_minor += amount_minor;
    rc = sv_post(st, a, FDL_SV_REFUND, &c, 0, amount_minor, txn_id, now_s, err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, sv_redemption_put, a->program_id, &r, now_s, err);
    if (rc == 0)
        *out = c;
    return rc;
}

int fdl_svc_gift_card_block(struct fdl_service *svc, struct fdl_store *st,
                            const struct fdl_actor *a, const char *number, int64_t now_s,
                            struct fdl_sv_card *out, struct fdl_error *err)
{
    if (!svc_program_of(svc, st, a, err))
        return err->code;
    struct fdl_sv_card c;
    int rc = card_for_use(svc, st, a, number, &c, err);
    if (rc)
        return rc;
    c.status = FDL_SV_BLOCKED;
    c.blocked_at_s = now_s;
    rc = FDL_STORE_CALL(st, sv_card_update, &c, err);
    if (rc == 0)
        *out = c;
    return rc;
}

/* ---- membership ---- */

static int member_exists(struct fdl_store *st, int64_t program_id, int64_t member_id,
                         struct fdl_error *err)
{
    struct fdl_member m;
    int rc = FDL_STORE_CALL(st, member_get, program_id, member_id, &m, err);
    if (rc == FDL_ENOT_FOUND)
        return fdl_error_set(err, rc, "member_id", "no member %lld",
                             (long long)member_id);
    return rc;
}

static int no_membership(struct fdl_error *err)
{
    return fdl_error_set(err, FDL_ECONFLICT, "membership",
                         "the program file in force has no paid membership");
}

int fdl_svc_membership_buy(struct fdl_service *svc, struct fdl_store *st,
                           const struct fdl_actor *a, int64_t member_id,
                           const char *txn_id, int64_t now_s, struct fdl_membership *out,
                           struct fdl_error *err)
{
    const struct fdl_program_state *ps = svc_program_of(svc, st, a, err);
    if (!ps)
        return err->code;
    const struct fdl_membership_def *def = membership_def_at(svc, ps, now_s);
    if (!def)
        return no_membership(err);
    int rc = member_exists(st, a->program_id, member_id, err);
    if (rc)
        return rc;
    struct fdl_membership latest, m;
    int64_t starts = now_s;
    rc = FDL_STORE_CALL(st, membership_latest, a->program_id, member_id, &latest, err);
    if (rc == 0 && latest.status == FDL_MEMBERSHIP_OPEN && latest.ends_at_s > now_s) {
        if (latest.starts_at_s > now_s)
            return fdl_error_set(err, FDL_ECONFLICT, "member_id",
                                 "the membership is already renewed for next year");
        starts = latest.ends_at_s;
    } else if (rc && rc != FDL_ENOT_FOUND) {
        return rc;
    }
    memset(&m, 0, sizeof(m));
    m.program_id = a->program_id;
    m.member_id = member_id;
    snprintf(m.txn_id, sizeof(m.txn_id), "%s", txn_id);
    m.fee_minor = def->fee_minor;
    m.starts_at_s = starts;
    m.ends_at_s = starts + FDL_MEMBERSHIP_YEAR_S;
    m.status = FDL_MEMBERSHIP_OPEN;
    m.created_at_s = now_s;
    rc = FDL_STORE_CALL(st, membership_insert, &m, err);
    if (rc == 0)
        *out = m;
    return rc;
}

int fdl_svc_membership_get(struct fdl_service *svc, struct fdl_store *st,
                           const struct fdl_actor *a, int64_t member_id, int64_t now_s,
                           struct fdl_membership_view *out, struct fdl_error *err)
{
    const struct fdl_program_state *ps = svc_program_of(svc, st, a, err);
    if (!ps)
        return err->code;
    int rc = member_exists(st, a->program_id, member_id, err);
    if (rc)
        return rc;
    memset(out, 0, sizeof(*out));
    const struct fdl_membership_def *def = membership_def_at(svc, ps, now_s);
    if (def)
        out->def = *def;
    rc = FDL_STORE_CALL(st, membership_at, a->program_id, member_id, now_s, &out->current,
                        err);
    if (rc == 0) {
        out->has_current = out->has_latest = 1;
        int64_t left = out->def.cap_minor - out->current.accrued_minor;
        out->cap_left_minor = left > 0 ? left : 0;
    } else if (rc == FDL_ENOT_FOUND) {
        rc = FDL_STORE_CALL(st, membership_latest, a->program_id, member_id,
                            &out->current, err);
        out->has_latest = rc == 0;
        rc = rc == FDL_ENOT_FOUND ? 0 : rc;
    }
    if (rc == 0 && out->has_latest && out->current.certificate_id) {
        rc = FDL_STORE_CALL(st, sv_card_get_id, a->program_id,
                            out->current.certificate_id, &out->certificate, err);
        out->has_certificate = rc == 0;
    }
    return rc;
}

/* The member's spending over the advisor's window before now, net. */
static int advise(struct fdl_store *st, int64_t program_id, int64_t member_id,
                  int64_t now_s, const struct fdl_membership_def *def,
                  enum fdl_rounding rounding, struct fdl_membership_advice *out,
                  struct fdl_error *err)
{
    int64_t spend = 0, points = 0, visits = 0;
    int rc = FDL_STORE_CALL(st, member_activity, program_id, member_id,
                            now_s - FDL_MEMBERSHIP_ADVICE_WINDOW_S, now_s + 1, &spend,
                            &points, &visits, err);
    if (rc == 0)
        fdl_membership_advise(def, rounding, spend, out);
    return rc;
}

int fdl_svc_membership_advice(struct fdl_service *svc, struct fdl_store *st,
                              const struct fdl_actor *a, int64_t member_id, int64_t now_s,
                              struct fdl_membership_def *def,
                              struct fdl_membership_advice *out, struct fdl_error *err)
{
    const struct fdl_program_state *ps = svc_program_of(svc, st, a, err);
    if (!ps)
        return err->code;
    const struct fdl_membership_def *d = membership_def_at(svc, ps, now_s);
    if (!d)
        return no_membership(err);
    int rc = member_exists(st, a->program_id, member_id, err);
    if (rc)
        return rc;
    const struct fdl_program *prog;
    const struct fdl_tz *tz;
    svc_settings_at(svc, ps, now_s, &prog, &tz);
    *def = *d;
    return advise(st, a->program_id, member_id, now_s, d, prog->rounding, out, err);
}

/* ---- hooks ---- */

static void money_text(const struct fdl_program *prog, int64_t minor, char *out,
                       size_t cap)
{
    fdl_lang_format_money(out, cap, prog->language, minor, prog->currency,
                          prog->minor_per_unit);
}

/* Cashback for a member whose membership covers the purchase. */
static int accrue(struct svc_purchase_ctx *c, const struct fdl_membership_def *def,
                  struct fdl_membership *m, struct fdl_error *err)
{
    const struct fdl_purchase *p = c->p;
    int64_t cap_left = def->cap_minor - m->accrued_minor;
    int64_t paid = p->total_minor - p->discount_minor - p->coupon_discount_minor;
    int64_t back = fdl_cashback(paid, def->cashback_bp, c->prog->rounding, cap_left);
    int rc = 0;
    if (back > 0) {
        struct fdl_cashback_row row = {p->id, p->member_id, m->id, back, 0};
        m->accrued_minor += back;
        rc = sv_post(c->st, c->a, FDL_SV_ACCRUE, NULL, p->member_id, back, p->txn_id,
                     c->now_s, err);
        if (rc == 0)
            rc = FDL_STORE_CALL(c->st, membership_update, m, err);
        if (rc == 0)
            rc = FDL_STORE_CALL(c->st, cashback_put, c->a->program_id, &row, err);
    }
    if (rc)
        return rc;
    struct fdl_membership_purchase *r = &c->res->membership;
    r->active = 1;
    snprintf(r->name, sizeof(r->name), "%s", def->name);
    r->cashback_minor = back;
    r->accrued_minor = m->accrued_minor;
    r->cap_left_minor = def->cap_minor - m->accrued_minor;
    r->ends_at_s = m->ends_at_s;
    char money[48];
    money_text(c->prog, m->accrued_minor, money, sizeof(money));
    int64_t days = (m->ends_at_s - c->now_s + SECONDS_PER_DAY - 1) / SECONDS_PER_DAY;
    svc_add_message(c->res->messages, &c->res->message_count, c->prog->language,
                    FDL_MSG_MEMBERSHIP_CASHBACK, (long long)(days > 0 ? days : 0), money);
    return 0;
}

/* The upgrade advisor at the till, for a member without a membership. */
static int advise_at_till(struct svc_purchase_ctx *c,
                          const struct fdl_membership_def *def, struct fdl_error *err)
{
    struct fdl_membership_advice adv;
    int rc = advise(c->st, c->a->program_id, c->p->member_id, c->now_s, def,
                    c->prog->rounding, &adv, err);
    if (rc || !adv.pays_for_itself)
        return rc;
    struct fdl_membership_advisor *r = &c->res->advisor;
    r->shown = 1;
    snprintf(r->name, sizeof(r->name), "%s", def->name);
    r->spend_minor = adv.spend_minor;
    r->cashback_minor = adv.cashback_minor;
    r->fee_minor = adv.fee_minor;
    r->difference_minor = adv.difference_minor;
    char money[48];
    money_text(c->prog, adv.cashback_minor, money, sizeof(money));
    svc_add_message(c->res->messages, &c->res->message_count, c->prog->language,
                    FDL_MSG_ADVISOR_BACK, ADVICE_MONTHS, money);
    money_text(c->prog, adv.difference_minor, money, sizeof(money));
    svc_add_message(c->res->messages, &c->res->message_count, c->prog->language,
                    FDL_MSG_ADVISOR_GAIN, 1, money);
    return 0;
}

static int sv_purchase_apply(struct svc_purchase_ctx *c, struct fdl_error *err)
{
    if (!c->ver || !c->ver->def->membership.enabled)
        return 0;
    const struct fdl_membership_def *def = &c->ver->def->membership;
    struct fdl_membership m;
    int rc = FDL_STORE_CALL(c->st, membership_at, c->a->program_id, c->p->member_id,
                            c->p->occurred_at_s, &m, err);
    if (rc == 0)
        return accrue(c, def, &m, err);
    if (rc != FDL_ENOT_FOUND)
        return rc;
    return def->advisor ? advise_at_till(c, def, err) : 0;
}

/* Takes back the cashback of what was refunded, while its year is open
 * (cashback already paid out on a certificate stays paid). */
static int sv_refund_apply(struct svc_refund_ctx *c, struct fdl_error *err)
{
    struct fdl_cashback_row row;
    struct fdl_membership m;
    int rc = FDL_STORE_CALL(c->st, cashback_get, c->a->program_id, c->p->id, &row, err);
    if (rc == FDL_ENOT_FOUND)
        return 0;
    if (rc)
        return rc;
    /* A whole refund gives back the total less the coupons' share (the
     * points discount comes back as points), so that is the base. */
    int64_t back = fdl_cashback_reversal(row.cashback_minor,
                                         c->p->total_minor - c->p->coupon_discount_minor,
                                         c->p->refunded_minor, row.reversed_minor);
    if (back == 0)
        return 0;
    rc = FDL_STORE_CALL(c->st, membership_get, c->a->program_id, row.membership_id, &m,
                        err);
    if (rc || m.status != FDL_MEMBERSHIP_OPEN)
        return rc;
    if (back > m.accrued_minor - m.paid_minor)
        back = m.accrued_minor - m.paid_minor;
    if (back <= 0)
        return 0;
    m.accrued_minor -= back;
    row.reversed_minor += back;
    rc = sv_post(c->st, c->a, FDL_SV_REVERSE, NULL, m.member_id, back, c->p->txn_id,
                 c->now_s, err);
    if (rc == 0)
        rc = FDL_STORE_CALL(c->st, membership_update, &m, err);
    if (rc == 0)
        rc = FDL_STORE_CALL(c->st, cashback_put, c->a->program_id, &row, err);
    if (rc == 0)
        c->res->cashback_reversed_minor = back;
    return rc;
}

/* Closes one ended membership year, paying its cashback as a certificate. */
static int close_year(struct fdl_service *svc, struct fdl_store *st,
                      const struct fdl_actor *a, int64_t id, int64_t now_s,
                      struct fdl_error *err)
{
    struct fdl_membership m;
    int rc = FDL_STORE_CALL(st, membership_get, a->program_id, id, &m, err);
    if (rc)
        return rc;
    int64_t owed = m.accrued_minor - m.paid_minor;
    if (owed > 0) {
        const struct fdl_program_state *ps = svc_program_of(svc, st, a, err);
        if (!ps)
            return err->code;
        const struct fdl_program *prog;
        const struct fdl_tz *tz;
        svc_settings_at(svc, ps, now_s, &prog, &tz);
        struct fdl_sv_card card;
        rc = card_create(svc, st, a->program_id, "", FDL_SV_KIND_CERTIFICATE, m.member_id,
                         prog->currency, now_s, &card, err);
        if (rc == 0)
            rc = sv_post(st, a, FDL_SV_CERTIFICATE, &card, m.member_id, owed, m.txn_id,
                         now_s, err);
        if (rc)
            return rc;
        m.paid_minor += owed;
        m.certificate_id = card.id;
    }
    m.status = FDL_MEMBERSHIP_CLOSED;
    return FDL_STORE_CALL(st, membership_update, &m, err);
}

static int sv_expire(struct fdl_service *svc, struct fdl_store *st, int64_t program_id,
                     int64_t now_s, int64_t *work, struct fdl_error *err)
{
    struct fdl_actor system = {
        .program_id = program_id, .scopes = FDL_SCOPE_ADMIN, .name = "membership"};
    int64_t ids[FDL_MEMBERSHIP_BATCH_MAX];
    int count = 0;
    int rc = FDL_STORE_CALL(st, memberships_due, program_id, now_s,
                            FDL_MEMBERSHIP_BATCH_MAX, ids, &count, err);
    for (int i = 0; i < count && rc == 0; i++)
        rc = close_year(svc, st, &system, ids[i], now_s, err);
    if (rc == 0)
        *work += count;
    return rc;
}

const struct svc_feature svc_feature_stored_value = {
    .name = "stored value and membership",
    .purchase_apply = sv_purchase_apply,
    .refund_apply = sv_refund_apply,
    .expire = sv_expire,
};
