/*
 * rewards.c - the reward catalogue's use cases (reserve, commit, cancel,
 * hold expiry) and early access (the purchase check and "may buy"); see
 * service/rewards.h. Two feature rows: rewards (expire hook) and early
 * access (purchase_check hook).
 */
#include "service/rewards.h"

#include "service/coupons.h"
#include "service/internal.h"

#include "base/clock.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REWARD_REASON_MAX                                                                \
    (FDL_MAX_ID_LEN + 32) /* bytes of a ledger entry's reason for a redemption */
#define REWARD_HOLD_BATCH FDL_EXPIRE_BATCH_MEMBERS /* holds one expire call ends */

/* The version in force at t_s and its catalogue (NULL if none). */
static const struct fdl_version_state *
version_at(struct fdl_service *svc, const struct fdl_program_state *ps, int64_t t_s)
{
    return fdl_program_version_at(svc, ps, t_s);
}

/* The member's level name under def ("" without tiers). */
static const char *member_tier(const struct fdl_program_def *def,
                               const struct fdl_member *m)
{
    const struct fdl_tier_def *t = &def->tiers;
    if (!t->enabled)
        return "";
    int level = fdl_tier_index(t, m->tier);
    return fdl_tier_name(t, level < 0 ? 0 : level);
}

/* The UTC instant the per-member period of r holding now_s began. */
static int64_t period_since(const struct fdl_reward *r, const struct fdl_tz *tz,
                            int64_t now_s)
{
    int64_t day = fdl_reward_period_start(r, svc_local_day(tz, now_s));
    return day == INT64_MIN ? INT64_MIN : fdl_tz_local_to_utc(tz, day * 86400);
}

/* Eligibility of quantity units of r for the member in s at now_s. */
static int reward_reason(struct fdl_store *st, const struct fdl_version_state *ver,
                         const struct fdl_reward *r, const struct member_state *s,
                         int64_t available, int64_t quantity, int64_t now_s,
                         enum fdl_reward_reason *out, int64_t *stock_used,
                         struct fdl_error *err)
{
    int64_t member_used = 0;
    int rc =
        FDL_STORE_CALL(st, redemption_counts, s->member.program_id, r->id, s->member.id,
                       period_since(r, ver->tz, now_s), stock_used, &member_used, err);
    if (rc)
        return rc;
    struct fdl_reward_view v = {member_tier(ver->def, &s->member),
                                ver->def->tiers.enabled,
                                svc_local_day(ver->tz, now_s),
                                available,
                                quantity,
                                *stock_used,
                                member_used};
    *out = fdl_reward_check(r, &v);
    return 0;
}

int fdl_svc_rewards_list(struct fdl_service *svc, struct fdl_store *st,
                         const struct fdl_actor *a, int64_t member_id, int64_t now_s,
                         const struct fdl_reward_catalog **catalog,
                         struct fdl_reward_offer *out, size_t *count, int64_t *available,
                         struct fdl_error *err)
{
    const struct fdl_program_state *ps = svc_program_of(svc, st, a, err);
    if (!ps)
        return err->code;
    const struct fdl_version_state *ver = version_at(svc, ps, now_s);
    const struct fdl_reward_catalog *c = ver ? ver->def->rewards : NULL;
    struct member_state s;
    svc_state_init(&s, &(struct fdl_member){0});
    int64_t points = 0;
    int rc = 0;
    if (member_id > 0)
        rc = svc_state_load(st, a->program_id, member_id, &s, err);
    if (rc == 0 && member_id > 0)
        rc = svc_points_available(st, &s, now_s, &points, err);
    size_t n = 0;
    for (size_t i = 0; c && i < c->n && rc == 0; i++) {
        const struct fdl_reward *r = &c->items[i];
        int64_t used = 0, member_used = 0;
        enum fdl_reward_reason reason = FDL_REWARD_OK;
        if (member_id > 0)
            rc = reward_reason(st, ver, r, &s, points, 1, now_s, &reason, &used, err);
        else
            rc = FDL_STORE_CALL(st, redemption_counts, a->program_id, r->id, 0, INT64_MAX,
                                &used, &member_used, err);
        out[n++] = (struct fdl_reward_offer){r, fdl_reward_remaining(r, used), reason};
    }
    if (rc == 0) {
        *catalog = c;
        *count = n;
        *available = points;
    }
    svc_state_release(&s);
    return rc;
}

static int refuse(enum fdl_reward_reason reason, const struct fdl_reward *r,
                  int64_t quantity, struct fdl_error *err)
{
    switch (reason) {
    case FDL_REWARD_WINDOW:
        return fdl_error_set(err, FDL_ECONFLICT, "reward_id",
                             "\"%s\" cannot be redeemed today (outside its dates)",
                             r->id);
    case FDL_REWARD_TIER:
        return fdl_error_set(err, FDL_ECONFLICT, "reward_id",
                             "\"%s\" is only for some tier levels", r->id);
    case FDL_REWARD_STOCK:
        return fdl_error_set(err, FDL_ECONFLICT, "reward_id",
                             "\"%s\" has fewer than %lld units left", r->id,
                             (long long)quantity);
    case FDL_REWARD_LIMIT:
        return fdl_error_set(err, FDL_ECONFLICT, "reward_id",
                             "the member may redeem at most %lld of \"%s\" per %s",
                             (long long)r->per_member, r->id,
                             fdl_reward_period_name(r->period));
    case FDL_REWARD_POINTS:
        return fdl_error_set(err, FDL_EINSUFFICIENT_POINTS, "quantity",
                             "%lld x \"%s\" cost %lld points", (long long)quantity, r->id,
                             (long long)(quantity * r->cost_points));
    case FDL_REWARD_OK:
    default:
        return 0;
    }
}

/* Fills the redemption row of a new reservation (id and entry set later). */
static void redemption_new(const struct fdl_reward *r,
                           const struct fdl_version_state *ver,
                           const struct member_state *s, int64_t quantity, int64_t now_s,
                           struct fdl_redemption *d)
{
    memset(d, 0, sizeof(*d));
    d->program_id = s->member.program_id;
    d->member_id = s->member.id;
    snprintf(d->reward_id, sizeof(d->reward_id), "%s", r->id);
    snprintf(d->reward_name, sizeof(d->reward_name), "%s", r->name);
    snprintf(d->kind, sizeof(d->kind), "%s", fdl_reward_kind_name(r->kind));
    snprintf(d->sku, sizeof(d->sku), "%s", r->sku ? r->sku : "");
    d->value_minor = r->value_minor;
    snprintf(d->launch, sizeof(d->launch), "%s", r->launch ? r->launch : "");
    snprintf(d->campaign, sizeof(d->campaign), "%s", r->campaign ? r->campaign : "");
    d->quantity = quantity;
    d->points = quantity * r->cost_points;
    d->status = FDL_REDEMPTION_RESERVED;
    d->created_at_s = now_s;
    d->hold_expires_at_s = now_s + (int64_t)ver->def->rewards->hold_minutes * 60;
}

int fdl_svc_reward_reserve(struct fdl_service *svc, struct fdl_store *st,
                           const struct fdl_actor *a, int64_t member_id,
                           const char *reward_id, int64_t quantity, int64_t now_s,
                           struct fdl_redemption *out, struct fdl_balance *balance,
                           struct fdl_error *err)
{
    const struct fdl_program_state *ps = svc_program_of(svc, st, a, err);
    if (!ps)
        return err->code;
    if (quantity < 1 || quantity > FDL_MAX_REDEMPTION_QUANTITY)
        return fdl_error_set(err, FDL_ERANGE, "quantity", "must be 1 to %d",
                             FDL_MAX_REDEMPTION_QUANTITY);
    const struct fdl_version_state *ver = version_at(svc, ps, now_s);
    const struct fdl_reward *r =
        ver ? fdl_reward_find(ver->def->rewards, reward_id) : NULL;
    if (!r)
        return fdl_error_set(err, FDL_ENOT_FOUND, "reward_id",
                             "no reward with this id in the catalogue in force");
    if (r->kind == FDL_REWARD_COUPON && quantity != 1)
        return fdl_error_set(err, FDL_ERANGE, "quantity",
                             "a coupon reward is redeemed one at a time");
    struct member_state s;
    int rc = svc_state_load(st, a->program_id, member_id, &s, err);
    enum fdl_reward_reason reason = FDL_REWARD_OK;
    int64_t used = 0, points = 0;
    if (rc == 0)
        rc = svc_points_available(st, &s, now_s, &points, err);
    if (rc == 0)
        rc = reward_reason(st, ver, r, &s, points, quantity, now_s, &reason, &used, err);
    if (rc == 0)
        rc = refuse(reason, r, quantity, err);
    if (rc == 0 && quantity * r->cost_points > FDL_MAX_POINTS)
        rc = fdl_error_set(err, FDL_ERANGE, "quantity",
                           "one redemption moves at most %lld points",
                           (long long)FDL_MAX_POINTS);
    struct fdl_redemption d;
    memset(&d, 0, sizeof(d));
    if (rc == 0) {
        redemption_new(r, ver, &s, quantity, now_s, &d);
        snprintf(d.partner, sizeof(d.partner), "%s", a->partner);
    }
    char why[REWARD_REASON_MAX];
    snprintf(why, sizeof(why), "reward %s", r->id);
    if (rc == 0 && (rc = svc_lots_spend(st, &s, d.points, now_s, err)) != 0)
        snprintf(err->field, sizeof(err->field), "quantity");
    /* -- coalitions -- the reserving staff's store redeems (API keys have none) */
    struct fdl_settlement_item items[FDL_MAX_PARTNERS];
    int n_items = 0;
    if (rc == 0) {
        const struct fdl_program *prog;
        const struct fdl_tz *tz;
        svc_settings_at(svc, ps, now_s, &prog, &tz);
        rc = svc_coalition_plan(st, ver->def, prog, tz, &s, a->store, 0, 1, now_s, items,
                                &n_items, err);
    }
    if (rc == 0)
        rc = svc_post_entry(st, &s, FDL_ENTRY_REDEEM, d.points, 0, why, a, now_s,
                            &d.entry_id, err);
    if (rc == 0)
        rc = svc_state_save_balance(st, &s, err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, redemption_insert, &d, err);
    for (int i = 0; i < n_items && rc == 0; i++) {
        items[i].redemption_id = d.id;
        rc = FDL_STORE_CALL(st, settlement_item_insert, &items[i], err);
    }
    if (rc == 0)
        rc = svc_balance_of(st, &s, now_s, balance, err);
    if (rc == 0)
        *out = d;
    svc_state_release(&s);
    return rc;
}

int fdl_svc_redemption_get(struct fdl_service *svc, struct fdl_store *st,
                           const struct fdl_actor *a, int64_t id,
                           struct fdl_redemption *out, struct fdl_error *err)
{
    (void)svc;
    int rc = FDL_STORE_CALL(st, redemption_get, a->program_id, id, out, err);
    /* -- partner isolation -- another partner's redemption does not exist
     * for it (the operator's are the whole coalition's) */
    if (rc == 0 && out->partner[0] && !svc_partner_sees(a, out->partner))
        rc = FDL_ENOT_FOUND;
    if (rc == FDL_ENOT_FOUND)
        fdl_error_set(err, rc, "redemption_id", "no redemption %lld", (long long)id);
    return rc;
}

static const char *status_word(enum fdl_redemption_status status)
{
    switch (status) {
    case FDL_REDEMPTION_RESERVED:
        return "reserved";
    case FDL_REDEMPTION_COMMITTED:
        return "committed";
    case FDL_REDEMPTION_CANCELLED:
        return "cancelled";
    case FDL_REDEMPTION_EXPIRED:
    default:
        return "expired";
    }
}

int fdl_svc_redemption_commit(struct fdl_service *svc, struct fdl_store *st,
                              const struct fdl_actor *a, int64_t id, const char *txn_id,
                              int64_t now_s, struct fdl_redemption *out,
                              char *coupon_code, size_t coupon_cap, struct fdl_error *err)
{
    struct fdl_redemption d;
    int rc = fdl_svc_redemption_get(svc, st, a, id, &d, err);
    if (rc)
        return rc;
    if (d.status != FDL_REDEMPTION_RESERVED)
        return fdl_error_set(err, FDL_ECONFLICT, NULL, "redemption %lld is %s",
                             (long long)id, status_word(d.status));
    if (now_s >= d.hold_expires_at_s)
        return fdl_error_set(err, FDL_ECONFLICT, NULL,
                             "redemption %lld was held only until its hold ended",
                             (long long)id);
    d.status = FDL_REDEMPTION_COMMITTED;
    d.committed_at_s = now_s;
    snprintf(d.txn_id, sizeof(d.txn_id), "%s", txn_id ? txn_id : "");
    rc = FDL_STORE_CALL(st, redemption_update, &d, err);
    if (coupon_cap)
        coupon_code[0] = '\0';
    if (rc == 0 && d.campaign[0])
        rc = svc_coupon_issue(svc, st, a, d.campaign, d.member_id, now_s, coupon_code,
                              coupon_cap, err);
    if (rc == 0)
        *out = d;
    return rc;
}

/* Gives the points of redemption d back to the lots its entry spent them from. */
static int restore_points(struct fdl_service *svc, struct fdl_store *st,
                          const struct fdl_program_state *ps, struct member_state *s,
                          const struct fdl_redemption *d, int64_t now_s,
                          struct fdl_error *err)
{
    struct fdl_stored_move *stored = NULL;
    size_t n = 0;
    int rc = FDL_STORE_CALL(st, moves_of_entry, d->program_id, d->member_id, d->entry_id,
                            &stored, &n, err);
    struct fdl_move *spent = rc == 0 ? calloc(n + 1, sizeof(*spent)) : NULL;
    if (rc == 0 && !spent)
        rc = fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t index = 0;
        rc = svc_lot_index(st, s, stored[i].lot_id, &index, err);
        spent[i] = (struct fdl_move){index, stored[i].delta};
    }
    const struct fdl_program *prog;
    const struct fdl_tz *tz;
    svc_settings_at(svc, ps, now_s, &prog, &tz);
    if (rc == 0)
        rc = fdl_lots_restore(&s->lots, d->points, spent, n,
                              svc_expiry_for(prog, tz, now_s), &s->moves);
    free(spent);
    free(stored);
    return rc;
}

/* Ends reserved redemption d with status (cancelled or expired). */
static int release(struct fdl_service *svc, struct fdl_store *st,
                   const struct fdl_actor *a, const struct fdl_program_state *ps,
                   struct fdl_redemption *d, enum fdl_redemption_status status,
                   int64_t now_s, struct fdl_balance *balance, struct fdl_error *err)
{
    struct member_state s;
    int rc = svc_state_load(st, d->program_id, d->member_id, &s, err);
    char why[REWARD_REASON_MAX];
    snprintf(why, sizeof(why), "reward %s %s", d->reward_id, status_word(status));
    if (rc == 0)
        rc = restore_points(svc, st, ps, &s, d, now_s, err);
    if (rc == 0)
        rc = svc_post_entry(st, &s, FDL_ENTRY_RESTORE, d->points, 0, why, a, now_s,
                            &d->restore_entry_id, err);
    if (rc == 0) { /* -- coalitions -- the reservation's items are reversed */
        const struct fdl_program *prog;
        const struct fdl_tz *tz;
        svc_settings_at(svc, ps, now_s, &prog, &tz);
        rc = FDL_STORE_CALL(st, settlement_items_reverse, d->program_id, d->id,
                            svc_local_day(tz, now_s), now_s, err);
    }
    if (rc == 0)
        rc = svc_state_save_balance(st, &s, err);
    if (rc == 0) {
        d->status = status;
        d->cancelled_at_s = now_s;
        rc = FDL_STORE_CALL(st, redemption_update, d, err);
    }
    if (rc == 0 && balance)
        rc = svc_balance_of(st, &s, now_s, balance, err);
    svc_state_release(&s);
    return rc;
}

int fdl_svc_redemption_cancel(struct fdl_service *svc, struct fdl_store *st,
                              const struct fdl_actor *a, int64_t id, int64_t now_s,
                              struct fdl_redemption *out, struct fdl_balance *balance,
                              struct fdl_error *err)
{
    const struct fdl_program_state *ps = svc_program_of(svc, st, a, err);
    if (!ps)
        return err->code;
    struct fdl_redemption d;
    int rc = fdl_svc_redemption_get(svc, st, a, id, &d, err);
    if (rc)
        return rc;
    if (d.status != FDL_REDEMPTION_RESERVED)
        return fdl_error_set(err, FDL_ECONFLICT, NULL, "redemption %lld is %s",
                             (long long)id, status_word(d.status));
    rc = release(svc, st, a, ps, &d, FDL_REDEMPTION_CANCELLED, now_s, balance, err);
    if (rc == 0)
        *out = d;
    return rc;
}

int fdl_svc_redemptions_of(struct fdl_service *svc, struct fdl_store *st,
                           const struct fdl_actor *a, int64_t member_id,
                           int64_t before_id, int limit, struct fdl_redemption *out,
                           int *count, struct fdl_error *err)
{
    struct fdl_member m;
    int rc = fdl_svc_member_get(svc, st, a, member_id, &m, err);
    if (rc)
        return rc;
    rc = FDL_STORE_CALL(st, redemptions_of, a->program_id, member_id, before_id, limit,
                        out, count, err);
    int kept = 0; /* -- partner isolation -- */
    for (int i = 0; rc == 0 && i < *count; i++)
        if (!out[i].partner[0] || svc_partner_sees(a, out[i].partner))
            out[kept++] = out[i];
    if (rc == 0)
        *count = kept;
    return rc;
}

/* The expire hook: ends the holds that ran out, a batch at a time. */
static int rewards_expire(struct fdl_service *svc, struct fdl_store *st,
                          int64_t program_id, int64_t now_s, int64_t *work,
                          struct fdl_error *err)
{
    struct fdl_actor system = {
        .program_id = program_id, .scopes = FDL_SCOPE_ADMIN, .name = "expiry"};
    const struct fdl_program_state *ps = svc_program_of(svc, st, &system, err);
    if (!ps)
        return err->code;
    int64_t ids[REWARD_HOLD_BATCH];
    int count = 0;
    int rc = FDL_STORE_CALL(st, redemptions_hold_expired, program_id, now_s,
                            REWARD_HOLD_BATCH, ids, &count, err);
    int64_t released = 0;
    for (int i = 0; i < count && rc == 0; i++) {
        struct fdl_redemption d;
        /* Read again under the row's lock: another server may have
         * committed, cancelled or expired it since the list was read. */
        rc = FDL_STORE_CALL(st, redemption_get, program_id, ids[i], &d, err);
        if (rc || d.status != FDL_REDEMPTION_RESERVED || d.hold_expires_at_s > now_s)
            continue;
        rc = release(svc, st, &system, ps, &d, FDL_REDEMPTION_EXPIRED, now_s, NULL, err);
        released++;
    }
    if (rc == 0)
        *work += released;
    return rc;
}

const struct svc_feature svc_feature_rewards = {
    "rewards", NULL, NULL, NULL, NULL, rewards_expire,
};

/* ---- early access ---- */

const char *fdl_may_buy_reason_name(enum fdl_may_buy_reason reason)
{
    switch (reason) {
    case FDL_MAY_BUY_NOT_IN_LAUNCH:
        return "not_in_launch";
    case FDL_MAY_BUY_OPEN:
        return "open";
    case FDL_MAY_BUY_EARLY_TIER:
        return "early_tier";
    case FDL_MAY_BUY_EARLY_REWARD:
        return "early_reward";
    case FDL_MAY_BUY_NOT_YET:
    default:
        return "not_yet";
    }
}

/* The decision for one sku of the member at at_s under version ver. */
static int decide(struct fdl_store *st, const struct fdl_version_state *ver,
                  const struct fdl_member *m, const char *sku, const char *category,
                  int64_t at_s, int64_t now_s, struct fdl_may_buy *out,
                  struct fdl_error *err)
{
    memset(out, 0, sizeof(*out));
    out->allowed = 1;
    out->reason = FDL_MAY_BUY_NOT_IN_LAUNCH;
    const struct fdl_launch *l =
        ver ? fdl_launch_of(ver->def->launches, sku, category) : NULL;
    if (!l)
        return 0;
    snprintf(out->launch, sizeof(out->launch), "%s", l->id);
    const char *tier = member_tier(ver->def, m);
    out->opens_at_s = fdl_tz_local_to_utc(ver->tz, l->opens_local_s);
    out->opens_for_member_at_s =
        fdl_tz_local_to_utc(ver->tz, fdl_launch_opens_for(l, tier, 0));
    if (at_s >= out->opens_at_s) {
        out->reason = FDL_MAY_BUY_OPEN;
        return 0;
    }
    if (at_s >= out->opens_for_member_at_s) {
        out->reason = FDL_MAY_BUY_EARLY_TIER;
        return 0;
    }
    int entitled = 0;
    int rc = FDL_STORE_CALL(st, redemption_entitled, m->program_id, m->id, l->id, now_s,
                            &entitled, err);
    if (rc)
        return rc;
    if (entitled) {
        out->opens_for_member_at_s =
            fdl_tz_local_to_utc(ver->tz, fdl_launch_opens_for(l, tier, 1));
        if (at_s >= out->opens_for_member_at_s) {
            out->reason = FDL_MAY_BUY_EARLY_REWARD;
            return 0;
        }
    }
    out->allowed = 0;
    out->reason = FDL_MAY_BUY_NOT_YET;
    return 0;
}

int fdl_svc_may_buy(struct fdl_service *svc, struct fdl_store *st,
                    const struct fdl_actor *a, int64_t member_id, const char *sku,
                    const char *category, int64_t at_s, int64_t now_s,
                    struct fdl_may_buy *out, struct fdl_error *err)
{
    const struct fdl_program_state *ps = svc_program_of(svc, st, a, err);
    if (!ps)
        return err->code;
    struct fdl_member m;
    int rc = fdl_svc_member_get(svc, st, a, member_id, &m, err);
    if (rc)
        return rc;
    return decide(st, version_at(svc, ps, at_s), &m, sku, category, at_s, now_s, out,
                  err);
}

/* The purchase hook: a line not yet on sale to the member refuses the purchase. */
static int early_access_check(struct svc_purchase_ctx *c, struct fdl_error *err)
{
    if (!c->ver || !c->ver->def->launches)
        return 0;
    /* A till may send a time up to a day ahead (clock skew): a launch opens
     * by the earlier of that and ours, so a future time buys nothing early. */
    int64_t at_s = c->p->occurred_at_s < c->now_s ? c->p->occurred_at_s : c->now_s;
    for (int i = 0; i < c->p->line_count; i++) {
        struct fdl_may_buy d;
        const struct fdl_purchase_line *l = &c->lines[i];
        int rc = decide(c->st, c->ver, &c->s->member, l->sku, l->category, at_s, c->now_s,
                        &d, err);
        if (rc)
            return rc;
        if (!d.allowed) {
            char field[FDL_ERROR_FIELD_MAX], when[FDL_TIME_TEXT_MAX];
            snprintf(field, sizeof(field), "lines[%d].sku", i);
            fdl_time_format(d.opens_for_member_at_s, when);
            return fdl_error_set(
                err, FDL_ECONFLICT, field,
                "\"%s\" (launch %s) is not on sale to this member until %s", l->sku,
                d.launch, when);
        }
    }
    return 0;
}

/* After the purchase: one receipt line for each launch it bought from early. */
static int early_access_apply(struct svc_purchase_ctx *c, struct fdl_error *err)
{
    (void)err;
    if (!c->ver || !c->ver->def->launches)
        return 0;
    const struct fdl_launch *told[FDL_MAX_LAUNCHES];
    size_t n_told = 0;
    for (int i = 0; i < c->p->line_count; i++) {
        const struct fdl_launch *l =
            fdl_launch_of(c->ver->def->launches, c->lines[i].sku, c->lines[i].category);
        if (!l)
            continue;
        int64_t opens_s = fdl_tz_local_to_utc(c->ver->tz, l->opens_local_s);
        size_t k = 0;
        while (k < n_told && told[k] != l)
            k++;
        if (c->p->occurred_at_s >= opens_s || k < n_told || n_told == FDL_MAX_LAUNCHES)
            continue;
        told[n_told++] = l;
        long long days = (opens_s - c->p->occurred_at_s + 86399) / 86400;
        svc_add_message(c->res->messages, &c->res->message_count, c->prog->language,
                        FDL_MSG_EARLY_ACCESS, days, l->name);
    }
    return 0;
}

const struct svc_feature svc_feature_early_access = {
    "early access", NULL, early_access_check, early_access_apply, NULL, NULL,
};
