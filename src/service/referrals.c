/*
 * referrals.c - the referrals feature: its hooks (enrol, purchase, refund,
 * expire) and the two read use cases of service/referrals.h.
 *
 * Settings come from the program file version in force at the moment that
 * matters: at enrolment for whether referrals exist and the farming limits;
 * at the qualifying purchase for min_spend, return_days and both points,
 * which are then written on the referral, so a later version never changes
 * a bonus a receipt has announced; at payout for the referrer's yearly cap.
 *
 * Invariants: a member is referred at most once (the table's key); a
 * referral is paid only from `waiting`, and paying moves it to `rewarded`
 * in the same transaction, so each bonus is posted exactly once; every
 * point moves through svc_post_entry as a balanced entry of kind bonus.
 */
#include "service/referrals.h"
#include "service/internal.h"

#include "base/clock.h"
#include "engine/messages.h"
#include "engine/referrals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REFERRAL_FIELD "referral_code"

/* The referral settings of the version in force at t_s (enabled 0 if none). */
static struct fdl_referral_def
settings_at(struct fdl_service *svc, const struct fdl_program_state *ps, int64_t t_s)
{
    const struct fdl_version_state *v = fdl_program_version_at(svc, ps, t_s);
    struct fdl_referral_def none;
    memset(&none, 0, sizeof(none));
    return v ? v->def->referrals : none;
}

/* [from, to) in UTC: the local calendar year that holds t_s. */
static void local_year(const struct fdl_tz *tz, int64_t t_s, int64_t *from_s,
                       int64_t *to_s)
{
    struct fdl_local_time lt = svc_local_time_of(tz, t_s);
    *from_s = fdl_tz_local_to_utc(tz, fdl_days_from_civil(lt.year, 1, 1) * 86400);
    *to_s = fdl_tz_local_to_utc(tz, fdl_days_from_civil(lt.year + 1, 1, 1) * 86400);
}

/* 1 if the member holds an active card (a member whose every card is
 * blocked is treated as blocked). */
static int has_active_card(struct fdl_store *st, int64_t program_id, int64_t member_id,
                           int *active, struct fdl_error *err)
{
    struct fdl_card cards[FDL_MAX_CARDS_LISTED];
    int count = 0;
    int rc = FDL_STORE_CALL(st, card_list, program_id, member_id, cards,
                            FDL_MAX_CARDS_LISTED, &count, err);
    *active = 0;
    for (int i = 0; i < count && rc == 0; i++)
        *active |= cards[i].status == FDL_CARD_ACTIVE;
    return rc;
}

/* ---- enrolment ---- */

/* Refuses a referee who is the referrer under another name: same member,
 * same e-mail mailbox or same phone. */
static int check_not_self(const struct fdl_member *referee,
                          const struct fdl_member *referrer, const struct fdl_referral *r,
                          struct fdl_error *err)
{
    if (referee->id == referrer->id)
        return fdl_error_set(err, FDL_EREFERRAL_REFUSED, REFERRAL_FIELD,
                             "this is the member's own referral code");
    char key[FDL_MAX_EMAIL_LEN + 1];
    fdl_referral_email_key(referrer->email, key);
    if (r->email_key[0] && strcmp(key, r->email_key) == 0)
        return fdl_error_set(err, FDL_EREFERRAL_REFUSED, "email",
                             "is the referrer's own e-mail: members cannot refer "
                             "themselves");
    fdl_referral_phone_key(referrer->phone, key);
    if (r->phone_key[0] && strcmp(key, r->phone_key) == 0)
        return fdl_error_set(err, FDL_EREFERRAL_REFUSED, "phone",
                             "is the referrer's own phone: members cannot refer "
                             "themselves");
    return 0;
}

/* The farming brakes: a contact referred before, a blocked referrer, too
 * many referrals waiting for a purchase, the year's cap. */
static int check_farming(struct svc_enrol_ctx *c, const struct fdl_referral_def *def,
                         const struct fdl_referral *r, struct fdl_error *err)
{
    int64_t pid = c->member->program_id;
    int email_used = 0, phone_used = 0, active = 0;
    int rc = FDL_STORE_CALL(c->st, referral_contact_used, pid, r->email_key, r->phone_key,
                            &email_used, &phone_used, err);
    if (rc)
        return rc;
    if (email_used || phone_used)
        return fdl_error_set(err, FDL_EREFERRAL_REFUSED, email_used ? "email" : "phone",
                             "was already referred: one person, one referral");
    if ((rc = has_active_card(c->st, pid, r->referrer_id, &active, err)))
        return rc;
    if (!active)
        return fdl_error_set(err, FDL_EREFERRAL_REFUSED, REFERRAL_FIELD,
                             "the referrer's membership is blocked");
    int64_t from_s, to_s, pending, waiting, rewarded;
    const struct fdl_program *prog;
    const struct fdl_tz *tz;
    svc_settings_at(c->svc, c->ps, c->now_s, &prog, &tz);
    local_year(tz, c->now_s, &from_s, &to_s);
    if ((rc = FDL_STORE_CALL(c->st, referral_counts, pid, r->referrer_id, from_s, to_s,
                             &pending, &waiting, &rewarded, err)))
        return rc;
    if (pending >= def->max_pending)
        return fdl_error_set(err, FDL_EREFERRAL_REFUSED, REFERRAL_FIELD,
                             "the referrer already has %lld referrals waiting for a "
                             "first purchase (at most %d)",
                             (long long)pending, def->max_pending);
    if (pending + waiting + rewarded >= def->max_per_referrer)
        return fdl_error_set(err, FDL_EREFERRAL_REFUSED, REFERRAL_FIELD,
                             "the referrer has reached %d referrals this year",
                             def->max_per_referrer);
    return 0;
}

static int referral_enrol(struct svc_enrol_ctx *c, struct fdl_error *err)
{
    if (!c->req->referral_code)
        return 0;
    struct fdl_referral r;
    memset(&r, 0, sizeof(r));
    int64_t pid = c->member->program_id;
    int rc =
        fdl_referral_code_check(&c->svc->card_key, (uint32_t)pid, c->req->referral_code,
                                REFERRAL_FIELD, &r.referrer_id, err);
    if (rc)
        return rc;
    struct fdl_referral_def def = settings_at(c->svc, c->ps, c->now_s);
    if (!def.enabled)
        return fdl_error_set(err, FDL_EREFERRAL_REFUSED, REFERRAL_FIELD,
                             "this program has no referrals");
    struct fdl_member referrer;
    rc = FDL_STORE_CALL(c->st, member_get, pid, r.referrer_id, &referrer, err);
    if (rc == FDL_ENOT_FOUND)
        return fdl_error_set(err, FDL_EBAD_REFERRAL_CODE, REFERRAL_FIELD,
                             "no member has this referral code");
    if (rc)
        return rc;
    r.program_id = pid;
    r.referee_id = c->member->id;
    r.status = FDL_REFERRAL_PENDING;
    r.created_at_s = c->now_s;
    const struct fdl_program *prog;
    const struct fdl_tz *tz;
    svc_settings_at(c->svc, c->ps, c->now_s, &prog, &tz);
    int64_t lapse_day =
        fdl_referral_lapse_day(svc_local_day(tz, c->now_s), def.lapse_days);
    r.lapse_at_s = lapse_day ? fdl_tz_local_to_utc(tz, lapse_day * 86400) : 0;
    fdl_referral_email_key(c->member->email, r.email_key);
    fdl_referral_phone_key(c->member->phone, r.phone_key);
    if ((rc = check_not_self(c->member, &referrer, &r, err)) ||
        (rc = check_farming(c, &def, &r, err)))
        return rc;
    return FDL_STORE_CALL(c->st, referral_insert, &r, err);
}

/* ---- purchases and refunds ---- */

/* The referee's first purchase paying at least min_spend starts the window. */
static int referral_purchase(struct svc_purchase_ctx *c, struct fdl_error *err)
{
    if (!c->ver || !c->ver->def->referrals.enabled)
        return 0;
    const struct fdl_referral_def *def = &c->ver->def->referrals;
    struct fdl_referral r;
    int rc =
        FDL_STORE_CALL(c->st, referral_get, c->p->program_id, c->p->member_id, &r, err);
    if (rc == FDL_ENOT_FOUND)
        return 0;
    if (rc || r.status != FDL_REFERRAL_PENDING)
        return rc;
    if (r.lapse_at_s && c->p->occurred_at_s >= r.lapse_at_s)
        return 0; /* too late: the next expiry run makes it void */
    if (!fdl_referral_qualifies(def, c->p->total_minor - c->p->discount_minor -
                                         c->p->coupon_discount_minor))
        return 0;
    int64_t due_day =
        fdl_referral_due_day(svc_local_day(c->tz, c->p->occurred_at_s), def->return_days);
    r.status = FDL_REFERRAL_WAITING;
    r.purchase_id = c->p->id;
    snprintf(r.txn_id, sizeof(r.txn_id), "%s", c->p->txn_id);
    r.qualified_at_s = c->p->occurred_at_s;
    r.due_at_s = fdl_tz_local_to_utc(c->tz, due_day * 86400);
    r.min_spend_minor = def->min_spend_minor;
    r.referrer_points = def->referrer_points;
    r.referee_points = def->referee_points;
    r.note[0] = '\0';
    if ((rc = FDL_STORE_CALL(c->st, referral_update, &r, err)))
        return rc;
    struct fdl_purchase_result *res = c->res;
    res->referral_qualified = 1;
    res->referral_due_at_s = r.due_at_s;
    res->referral_referee_points = r.referee_points;
    res->referral_referrer_points = r.referrer_points;
    char date[64];
    fdl_lang_format_date(date, sizeof(date), c->prog->language, due_day,
                         FDL_DATE_DAY_MONTH);
    svc_add_message(res->messages, &res->message_count, c->prog->language,
                    FDL_MSG_REFERRAL_QUALIFIED, (long long)r.referee_points, date);
    return 0;
}

/* Puts a waiting referral back to pending: its purchase no longer counts. */
static void rearm(struct fdl_referral *r, const char *why)
{
    r->status = FDL_REFERRAL_PENDING;
    snprintf(r->note, sizeof(r->note), "%.40s: %s", r->txn_id, why);
    r->purchase_id = r->qualified_at_s = r->due_at_s = 0;
    r->txn_id[0] = '\0';
    r->min_spend_minor = r->referrer_points = r->referee_points = 0;
}

/* What purchase p paid after point discounts and refunds. */
static int64_t paid_after_refunds(const struct fdl_purchase *p)
{
    /* refunds give back the lines' paid amounts: the total less the coupons */
    return p->total_minor - p->discount_minor - p->coupon_discount_minor -
           p->refunded_minor;
}

/* A refund of the qualifying purchase, before the bonus is paid, that takes
 * what it paid below its min_spend puts the referral back to pending: the
 * next purchase that qualifies starts a new window. */
static int referral_refund(struct svc_refund_ctx *c, struct fdl_error *err)
{
    struct fdl_referral r;
    int rc =
        FDL_STORE_CALL(c->st, referral_get, c->p->program_id, c->p->member_id, &r, err);
    if (rc == FDL_ENOT_FOUND)
        return 0;
    if (rc || r.status != FDL_REFERRAL_WAITING || r.purchase_id != c->p->id)
        return rc;
    int64_t paid = paid_after_refunds(c->p);
    if (paid > 0 && paid >= r.min_spend_minor)
        return 0;
    int64_t points = r.referee_points;
    rearm(&r, "refunded below the minimum spend");
    if ((rc = FDL_STORE_CALL(c->st, referral_update, &r, err)))
        return rc;
    svc_add_message(c->res->messages, &c->res->message_count, c->prog->language,
                    FDL_MSG_REFERRAL_ON_HOLD, (long long)points, NULL);
    return 0;
}

/* ---- payout ---- */

/* Posts a bonus of points to member_id: a new lot, spendable now, that
 * expires as points earned now do. */
static int post_bonus(struct fdl_service *svc, struct fdl_store *st,
                      const struct fdl_program_state *ps, int64_t member_id,
                      int64_t points, const char *reason, const struct fdl_actor *a,
                      int64_t now_s, struct fdl_error *err)
{
    const struct fdl_program *prog;
    const struct fdl_tz *tz;
    svc_settings_at(svc, ps, now_s, &prog, &tz);
    struct member_state s;
    int rc = svc_state_load(st, ps->program.id, member_id, &s, err);
    if (rc == 0)
        rc = fdl_lots_earn(&s.lots, points, now_s, svc_expiry_for(prog, tz, now_s), 0,
                           &s.moves);
    if (rc == 0)
        rc = svc_post_entry(st, &s, FDL_ENTRY_BONUS, points, 0, reason, a, now_s, NULL,
                            err);
    if (rc == 0)
        rc = svc_state_save_balance(st, &s, err);
    svc_state_release(&s);
    return rc;
}

/* How much of its promise the referrer gets at now_s: nothing when
 * blocked or over the yearly cap of the version in force. */
static int referrer_share(struct fdl_service *svc, struct fdl_store *st,
                          const struct fdl_program_state *ps, struct fdl_referral *r,
                          int64_t now_s, struct fdl_error *err)
{
    int active = 0;
    int rc = has_active_card(st, r->program_id, r->referrer_id, &active, err);
    if (rc == 0 && !active) {
        snprintf(r->note, sizeof(r->note), "referrer blocked: no referrer bonus");
        r->referrer_points = 0;
    }
    const struct fdl_version_state *v = fdl_program_version_at(svc, ps, now_s);
    if (rc || !r->referrer_points || !v || !v->def->referrals.enabled)
        return rc;
    int64_t from_s, to_s, pending, waiting, rewarded;
    local_year(v->tz, now_s, &from_s, &to_s);
    rc = FDL_STORE_CALL(st, referral_counts, r->program_id, r->referrer_id, from_s, to_s,
                        &pending, &waiting, &rewarded, err);
    if (rc == 0 && rewarded >= v->def->referrals.max_per_referrer) {
        snprintf(r->note, sizeof(r->note),
                 "referrer's yearly limit reached: no referrer bonus");
        r->referrer_points = 0;
    }
    return rc;
}

/* Settles one due referral: pays both bonuses, or re-arms it if its
 * purchase was refunded below the minimum after all; or voids a pending
 * one whose lapse time has come. */
static int settle(struct fdl_service *svc, struct fdl_store *st,
                  const struct fdl_program_state *ps, int64_t referee_id, int64_t now_s,
                  struct fdl_error *err)
{
    struct fdl_referral r;
    int rc = FDL_STORE_CALL(st, referral_get, ps->program.id, referee_id, &r, err);
    if (rc == 0 && r.status == FDL_REFERRAL_PENDING && r.lapse_at_s &&
        r.lapse_at_s <= now_s) {
        r.status = FDL_REFERRAL_VOID;
        snprintf(r.note, sizeof(r.note), "lapsed: no qualifying purchase kept in time");
        return FDL_STORE_CALL(st, referral_update, &r, err);
    }
    if (rc || r.status != FDL_REFERRAL_WAITING || r.due_at_s > now_s)
        return rc;
    struct fdl_purchase p;
    struct fdl_purchase_line *lines = NULL;
    rc = FDL_STORE_CALL(st, purchase_get, r.program_id, r.txn_id, &p, &lines, err);
    free(lines);
    if (rc)
        return rc;
    int64_t paid = paid_after_refunds(&p);
    if (paid <= 0 || paid < r.min_spend_minor) {
        rearm(&r, "refunded below the minimum spend");
        return FDL_STORE_CALL(st, referral_update, &r, err);
    }
    struct fdl_actor system = {
        .program_id = r.program_id, .scopes = FDL_SCOPE_ADMIN, .name = "referrals"};
    char reason[FDL_MAX_REASON_LEN + 1];
    if ((rc = referrer_share(svc, st, ps, &r, now_s, err)))
        return rc;
    snprintf(reason, sizeof(reason), "referral: welcome bonus, referred by member %lld",
             (long long)r.referrer_id);
    if (r.referee_points > 0)
        rc = post_bonus(svc, st, ps, r.referee_id, r.referee_points, reason, &system,
                        now_s, err);
    snprintf(reason, sizeof(reason), "referral: member %lld bought %.64s",
             (long long)r.referee_id, r.txn_id);
    if (rc == 0 && r.referrer_points > 0)
        rc = post_bonus(svc, st, ps, r.referrer_id, r.referrer_points, reason, &system,
                        now_s, err);
    r.status = FDL_REFERRAL_REWARDED;
    r.rewarded_at_s = now_s;
    return rc ? rc : FDL_STORE_CALL(st, referral_update, &r, err);
}

static int referral_expire(struct fdl_service *svc, struct fdl_store *st,
                           int64_t program_id, int64_t now_s, int64_t *work,
                           struct fdl_error *err)
{
    struct fdl_actor owner = {
        .program_id = program_id, .scopes = FDL_SCOPE_ADMIN, .name = "referrals"};
    const struct fdl_program_state *ps;
    int64_t due[FDL_REFERRAL_BATCH];
    int count = 0;
    int rc = fdl_svc_program(svc, st, &owner, &ps, err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, referrals_due, program_id, now_s, FDL_REFERRAL_BATCH, due,
                            &count, err);
    for (int i = 0; i < count && rc == 0; i++)
        rc = settle(svc, st, ps, due[i], now_s, err);
    if (rc == 0)
        *work += count;
    return rc;
}

const struct svc_feature svc_feature_referrals = {
    "referrals",       referral_enrol,  NULL,
    referral_purchase, referral_refund, referral_expire,
};

/* ---- reads ---- */

int fdl_svc_referral_code(struct fdl_service *svc, struct fdl_store *st,
                          const struct fdl_actor *a, int64_t member_id, int64_t now_s,
                          struct fdl_referral_code_info *out, struct fdl_error *err)
{
    const struct fdl_program_state *ps = svc_program_of(svc, st, a, err);
    if (!ps)
        return err->code;
    struct fdl_member m;
    int rc = fdl_svc_member_get(svc, st, a, member_id, &m, err);
    if (rc)
        return rc;
    if (member_id > FDL_REFERRAL_MAX_MEMBER_ID)
        return fdl_error_set(err, FDL_ERANGE, "member_id",
                             "member ids above %lld have no referral code",
                             (long long)FDL_REFERRAL_MAX_MEMBER_ID);
    memset(out, 0, sizeof(*out));
    fdl_referral_code_make(&svc->card_key, (uint32_t)a->program_id, member_id, out->code);
    out->def = settings_at(svc, ps, now_s);
    return 0;
}

int fdl_svc_referrals(struct fdl_service *svc, struct fdl_store *st,
                      const struct fdl_actor *a, int64_t member_id, int64_t after_id,
                      int limit, struct fdl_referral *out, int *count,
                      struct fdl_referral *referred_by, int *was_referred,
                      struct fdl_error *err)
{
    struct fdl_member m;
    int rc = fdl_svc_member_get(svc, st, a, member_id, &m, err);
    if (rc)
        return rc;
    rc = FDL_STORE_CALL(st, referral_get, a->program_id, member_id, referred_by, err);
    *was_referred = rc == 0;
    if (rc == FDL_ENOT_FOUND) {
        fdl_error_clear(err);
        rc = 0;
    }
    if (rc == 0)
        rc = FDL_STORE_CALL(st, referrals_of, a->program_id, member_id, after_id, limit,
                            out, count, err);
    return rc;
}
