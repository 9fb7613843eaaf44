/*
 * coupons.c - the coupons feature: its purchase and refund hooks, making
 * and checking codes, and the throttle on failed guesses. See coupons.h.
 */
#include "service/coupons.h"

#include "engine/messages.h"
#include "service/internal.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* ---- the throttle ---- */

#define THROTTLE_PROBES 8 /* slots looked at for one identity */

struct throttle_slot {
    int used;
    int64_t program_id;
    int64_t member_id;            /* 0 for a key's slot */
    char key[FDL_MAX_ID_LEN + 1]; /* "" for a member's slot */
    int64_t window_start_s;
    int64_t failures;
};

static pthread_mutex_t throttle_lock = PTHREAD_MUTEX_INITIALIZER;
static struct throttle_slot throttle[FDL_COUPON_THROTTLE_SLOTS];

static uint64_t identity_hash(int64_t program_id, const char *key, int64_t member_id)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)program_id;
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h = (h ^ (uint64_t)member_id) * 1099511628211ull;
    return h;
}

static int slot_is(const struct throttle_slot *s, int64_t program_id, const char *key,
                   int64_t member_id)
{
    return s->used && s->program_id == program_id && s->member_id == member_id &&
           strcmp(s->key, key) == 0;
}

/* The slot of an identity; with create, claims a free, stale or the oldest
 * one. Call with throttle_lock held. */
static struct throttle_slot *slot_of(int64_t program_id, const char *key,
                                     int64_t member_id, int64_t now_s, int create)
{
    size_t start =
        (size_t)(identity_hash(program_id, key, member_id) % FDL_COUPON_THROTTLE_SLOTS);
    struct throttle_slot *victim = NULL;
    for (size_t i = 0; i < THROTTLE_PROBES; i++) {
        struct throttle_slot *s = &throttle[(start + i) % FDL_COUPON_THROTTLE_SLOTS];
        if (slot_is(s, program_id, key, member_id))
            return s;
        if (!s->used) { /* an empty slot first, else the oldest window */
            if (!victim || victim->used)
                victim = s;
        } else if (!victim ||
                   (victim->used && s->window_start_s < victim->window_start_s)) {
            victim = s;
        }
    }
    if (!create)
        return NULL;
    memset(victim, 0, sizeof(*victim));
    victim->used = 1;
    victim->program_id = program_id;
    victim->member_id = member_id;
    snprintf(victim->key, sizeof(victim->key), "%s", key);
    victim->window_start_s = now_s;
    return victim;
}

static int slot_blocked(const struct throttle_slot *s, int64_t now_s, int64_t *retry)
{
    if (!s || now_s - s->window_start_s >= FDL_COUPON_FAILURE_WINDOW_S ||
        s->failures < FDL_COUPON_MAX_FAILURES)
        return 0;
    int64_t left = s->window_start_s + FDL_COUPON_FAILURE_WINDOW_S - now_s;
    if (left > *retry)
        *retry = left;
    return 1;
}

int fdl_coupon_throttle_check(const struct fdl_actor *a, int64_t member_id, int64_t now_s,
                              int64_t *retry_after_s, struct fdl_error *err)
{
    int64_t retry = 0;
    pthread_mutex_lock(&throttle_lock);
    int blocked =
        slot_blocked(slot_of(a->program_id, a->name, 0, now_s, 0), now_s, &retry);
    if (member_id)
        blocked |=
            slot_blocked(slot_of(a->program_id, "", member_id, now_s, 0), now_s, &retry);
    pthread_mutex_unlock(&throttle_lock);
    if (!blocked)
        return 0;
    if (retry_after_s)
        *retry_after_s = retry;
    return fdl_error_set(err, FDL_ETOO_MANY_ATTEMPTS, "coupons",
                         "too many wrong coupon codes; retry in %lld seconds",
                         (long long)retry);
}

static void slot_fail(struct throttle_slot *s, int64_t now_s)
{
    if (now_s - s->window_start_s >= FDL_COUPON_FAILURE_WINDOW_S) {
        s->window_start_s = now_s;
        s->failures = 0;
    }
    s->failures++;
}

void fdl_coupon_throttle_fail(const struct fdl_actor *a, int64_t member_id, int64_t now_s)
{
    pthread_mutex_lock(&throttle_lock);
    slot_fail(slot_of(a->program_id, a->name, 0, now_s, 1), now_s);
    if (member_id)
        slot_fail(slot_of(a->program_id, "", member_id, now_s, 1), now_s);
    pthread_mutex_unlock(&throttle_lock);
}

/* ---- resolving a code ---- */

/* One code of a purchase (or a check), resolved. */
struct code_plan {
    const struct fdl_coupon_campaign *c;
    char normalized[FDL_COUPON_TEXT_MAX];
    int single_use;
    unsigned char hash[FDL_COUPON_HASH_BYTES];
    int64_t discount_minor;
};

/*
 * Finds the campaign of code text: a generic code of def, or a stored
 * single-use code that passes its check. A code that is none of these is
 * a failed guess: counted, and `unknown_code` (FDL_EINVALID or
 * FDL_ENOT_FOUND) naming field. A known single-use code that is bound to
 * another member, already used, or of a campaign not in def is
 * FDL_ECONFLICT.
 */
static int resolve(struct fdl_service *svc, struct fdl_store *st,
                   const struct fdl_actor *a, const struct fdl_program_def *def,
                   const char *text, int64_t member_id, int64_t now_s, int unknown_code,
                   const char *field, struct code_plan *out, struct fdl_error *err)
{
    memset(out, 0, sizeof(*out));
    uint32_t program = (uint32_t)a->program_id;
    int rc = 0;
    if (fdl_coupon_normalize(text, out->normalized) < 0) {
        rc = fdl_error_set(err, unknown_code, field, "not a valid coupon code");
    } else if (def && (out->c = fdl_coupon_find_generic(def->coupons, def->n_coupons,
                                                        out->normalized))) {
        return 0;
    } else if (fdl_coupon_check(&svc->card_key, program, out->normalized, field, err)) {
        rc = err->code = unknown_code;
    } else {
        out->single_use = 1;
        fdl_coupon_hash(program, out->normalized, out->hash);
        char campaign[FDL_RULE_ID_MAX + 1];
        int64_t bound = 0;
        int used = 0;
        rc = FDL_STORE_CALL(st, coupon_code_get, a->program_id, out->hash, campaign,
                            sizeof(campaign), &bound, err);
        if (rc == FDL_ENOT_FOUND)
            rc = fdl_error_set(err, unknown_code, field, "no such coupon code");
        if (rc)
            goto done;
        /* The campaign first, so a refusal can still say which it is. */
        out->c = def ? fdl_coupon_find(def->coupons, def->n_coupons, campaign) : NULL;
        if (out->c && !out->c->single_use)
            out->c = NULL;
        if (bound && bound != member_id)
            return fdl_error_set(err, FDL_ECONFLICT, field,
                                 "this code was issued to another member");
        if ((rc = FDL_STORE_CALL(st, coupon_code_used, a->program_id, out->hash, &used,
                                 err)))
            return rc;
        if (used)
            return fdl_error_set(err, FDL_ECONFLICT, field,
                                 "this code has already been used");
        if (!out->c)
            return fdl_error_set(err, FDL_ECONFLICT, field,
                                 "the campaign %s is not in force", campaign);
        return 0;
    }
done:
    if (rc == unknown_code)
        fdl_coupon_throttle_fail(a, member_id, now_s);
    return rc;
}

/* The purchase-level checks and the limits; `earlier` counts uses of the
 * same campaign by codes before this one on the same purchase. */
static int campaign_usable(struct fdl_store *st, const struct fdl_actor *a,
                           const struct fdl_coupon_campaign *c, int64_t day,
                           const char *tier, int64_t total_minor, int64_t member_id,
                           int64_t earlier, const char *field, struct fdl_error *err)
{
    enum fdl_coupon_refusal why = fdl_coupon_applies(c, day, tier, total_minor);
    if (why != FDL_COUPON_OK)
        return fdl_error_set(err, FDL_ECONFLICT, field, "%s",
                             fdl_coupon_refusal_text(why));
    int64_t used = 0;
    int rc = 0;
    if (c->per_member &&
        (rc = FDL_STORE_CALL(st, coupon_uses_count, a->program_id, c->id, member_id,
                             &used, err)) == 0 &&
        used + earlier >= c->per_member)
        return fdl_error_set(err, FDL_ECONFLICT, field,
                             "the member has already used this coupon %lld time(s), "
                             "the most allowed",
                             (long long)(used + earlier));
    if (rc == 0 && c->limit &&
        (rc = FDL_STORE_CALL(st, coupon_uses_count, a->program_id, c->id, 0, &used,
                             err)) == 0 &&
        used + earlier >= c->limit)
        return fdl_error_set(err, FDL_ECONFLICT, field,
                             "this coupon's limit of %lld uses has been reached",
                             (long long)c->limit);
    return rc;
}

/* ---- purchases ---- */

/* The basket as the coupon arithmetic reads it. */
static void rules_lines(const struct svc_purchase_ctx *c, struct fdl_rules_line *out)
{
    for (size_t i = 0; i < c->req->line_count; i++) {
        const struct fdl_purchase_line *l = &c->lines[i];
        out[i] = (struct fdl_rules_line){l->sku,
                                         l->category,
                                         c->req->lines[i].labels,
                                         c->req->lines[i].label_count,
                                         l->quantity,
                                         l->unit_price_minor,
                                         l->amount_minor};
    }
}

/*
 * Validates the purchase's codes and computes each one's discount and each
 * line's share (lines[i].coupon_discount_minor) and the total.
 */
static int plan_purchase(struct svc_purchase_ctx *c, struct code_plan *plans,
                         struct fdl_error *err)
{
    const struct fdl_purchase_request *req = c->req;
    const struct fdl_program_def *def = c->ver ? c->ver->def : NULL;
    int64_t member_id = c->s->member.id, day = svc_local_day(c->tz, c->p->occurred_at_s);
    const struct fdl_coupon_campaign *campaigns[FDL_MAX_COUPONS_PER_PURCHASE];
    char field[FDL_ERROR_FIELD_MAX];
    int rc = 0;
    for (size_t i = 0; i < req->coupon_count && rc == 0; i++) {
        snprintf(field, sizeof(field), "coupons[%zu]", i);
        rc = resolve(c->svc, c->st, c->a, def, req->coupons[i], member_id, c->now_s,
                     FDL_EINVALID, field, &plans[i], err);
        int64_t earlier = 0;
        for (size_t j = 0; j < i && rc == 0; j++) {
            if (strcmp(plans[j].normalized, plans[i].normalized) == 0)
                rc = fdl_error_set(err, FDL_EINVALID, field, "is listed twice");
            earlier += plans[j].c == plans[i].c;
        }
        if (rc == 0)
            rc = campaign_usable(c->st, c->a, plans[i].c, day, c->s->member.tier,
                                 c->p->total_minor, member_id, earlier, field, err);
        if (rc == 0)
            campaigns[i] = plans[i].c;
    }
    size_t bad;
    if (rc == 0 && fdl_coupon_stacking_conflict(campaigns, req->coupon_count, &bad))
        return fdl_error_set(err, FDL_ECONFLICT, "coupons",
                             "coupons[%zu] (%s) cannot be combined with other coupons",
                             bad, campaigns[bad]->id);
    if (rc)
        return rc;
    size_t n = req->line_count;
    struct fdl_rules_line in[FDL_MAX_BASKET_LINES];
    int64_t remaining[FDL_MAX_BASKET_LINES], share[FDL_MAX_BASKET_LINES];
    rules_lines(c, in);
    for (size_t i = 0; i < n; i++) {
        remaining[i] = c->lines[i].amount_minor;
        c->lines[i].coupon_discount_minor = 0;
    }
    c->p->coupon_discount_minor = 0;
    for (size_t k = 0; k < req->coupon_count; k++) {
        plans[k].discount_minor =
            fdl_coupon_discount(plans[k].c, in, n, remaining, share);
        if (plans[k].discount_minor == 0) {
            snprintf(field, sizeof(field), "coupons[%zu]", k);
            return fdl_error_set(err, FDL_ECONFLICT, field, "%s",
                                 fdl_coupon_refusal_text(FDL_COUPON_NO_LINES));
        }
        for (size_t i = 0; i < n; i++)
            c->lines[i].coupon_discount_minor += share[i];
        c->p->coupon_discount_minor += plans[k].discount_minor;
    }
    return 0;
}

static int coupons_check(struct svc_purchase_ctx *c, struct fdl_error *err)
{
    if (c->req->coupon_count == 0)
        return 0;
    if (c->req->coupon_count > FDL_MAX_COUPONS_PER_PURCHASE)
        return fdl_error_set(err, FDL_ERANGE, "coupons", "at most %d coupons",
                             FDL_MAX_COUPONS_PER_PURCHASE);
    int rc = fdl_coupon_throttle_check(c->a, c->s->member.id, c->now_s, NULL, err);
    if (rc)
        return rc;
    struct code_plan plans[FDL_MAX_COUPONS_PER_PURCHASE];
    return plan_purchase(c, plans, err);
}

/* Records each use and adds the answer's section and receipt message. */
static int coupons_apply(struct svc_purchase_ctx *c, struct fdl_error *err)
{
    if (c->req->coupon_count == 0)
        return 0;
    struct code_plan plans[FDL_MAX_COUPONS_PER_PURCHASE];
    int rc = plan_purchase(c, plans, err);
    struct fdl_purchase_result *res = c->res;
    for (size_t k = 0; k < c->req->coupon_count && rc == 0; k++) {
        struct fdl_coupon_applied *out = &res->coupons[res->coupon_count++];
        memset(out, 0, sizeof(*out));
        fdl_coupon_mask(plans[k].normalized, out->code);
        snprintf(out->campaign, sizeof(out->campaign), "%s", plans[k].c->id);
        out->single_use = plans[k].single_use;
        out->discount_minor = plans[k].discount_minor;
        rc = FDL_STORE_CALL(c->st, coupon_use_insert, c->a->program_id, c->p->member_id,
                            c->p->id, plans[k].c->id,
                            plans[k].single_use ? plans[k].hash : NULL, out->code,
                            plans[k].discount_minor, c->now_s, err);
        if (rc == FDL_EDUPLICATE) {
            snprintf(err->field, sizeof(err->field), "coupons[%zu]", k);
            rc = fdl_error_set(err, FDL_ECONFLICT, err->field,
                               "this code has already been used");
        }
    }
    if (rc == 0) {
        char money[48];
        fdl_lang_format_money(money, sizeof(money), c->prog->language,
                              c->p->coupon_discount_minor, c->prog->currency,
                              c->prog->minor_per_unit);
        svc_add_message(res->messages, &res->message_count, c->prog->language,
                        FDL_MSG_COUPONS, (long long)res->coupon_count, money);
    }
    return rc;
}

/* A fully refunded purchase gives its coupon uses back. */
static int coupons_refund(struct svc_refund_ctx *c, struct fdl_error *err)
{
    if (c->p->coupon_discount_minor == 0)
        return 0;
    for (int i = 0; i < c->p->line_count; i++)
        if (c->lines[i].refunded_quantity < c->lines[i].quantity)
            return 0;
    return FDL_STORE_CALL(c->st, coupon_uses_return, c->p->program_id, c->p->member_id,
                          c->p->id, err);
}

const struct svc_feature svc_feature_coupons = {
    "coupons", NULL, coupons_check, coupons_apply, coupons_refund, NULL,
};

/* ---- making codes ---- */

/* The campaign id of the version in force, which must have single-use codes. */
static int single_use_campaign(struct fdl_service *svc, struct fdl_store *st,
                               const struct fdl_actor *a, const char *campaign,
                               int64_t member_id, int64_t now_s, struct fdl_error *err)
{
    const struct fdl_program_state *ps = svc_program_of(svc, st, a, err);
    if (!ps)
        return err->code;
    const struct fdl_version_state *ver = fdl_program_version_at(svc, ps, now_s);
    const struct fdl_coupon_campaign *c =
        ver ? fdl_coupon_find(ver->def->coupons, ver->def->n_coupons, campaign) : NULL;
    if (!c)
        return fdl_error_set(err, FDL_ENOT_FOUND, "campaign",
                             "no coupon campaign with this id is in force");
    if (!c->single_use)
        return fdl_error_set(err, FDL_EINVALID, "campaign",
                             "campaign %s has a generic code, not single-use codes",
                             c->id);
    if (member_id) {
        struct fdl_member m;
        int rc = FDL_STORE_CALL(st, member_get, a->program_id, member_id, &m, err);
        if (rc == FDL_ENOT_FOUND)
            return fdl_error_set(err, rc, "member_id", "no member with this id");
        return rc;
    }
    return 0;
}

/* Makes and stores one code; formatted into out. */
static int make_code(struct fdl_service *svc, struct fdl_store *st,
                     const struct fdl_actor *a, const char *campaign, int64_t member_id,
                     int64_t now_s, char out[FDL_COUPON_FORMATTED_MAX],
                     struct fdl_error *err)
{
    int rc = FDL_EDUPLICATE;
    for (int attempt = 0; attempt < FDL_COUPON_GENERATE_ATTEMPTS && rc == FDL_EDUPLICATE;
         attempt++) {
        char code[FDL_COUPON_CODE_CHARS + 1];
        unsigned char hash[FDL_COUPON_HASH_BYTES];
        fdl_coupon_generate(&svc->card_key, (uint32_t)a->program_id, code);
        fdl_coupon_hash((uint32_t)a->program_id, code, hash);
        rc = FDL_STORE_CALL(st, coupon_code_insert, a->program_id, hash, campaign,
                            member_id, now_s, err);
        if (rc == 0)
            fdl_coupon_format(code, out);
    }
    return rc;
}

int fdl_svc_coupon_codes_create(struct fdl_service *svc, struct fdl_store *st,
                                const struct fdl_actor *a, const char *campaign,
                                int64_t count, int64_t member_id, int64_t now_s,
                                char (*codes)[FDL_COUPON_FORMATTED_MAX],
                                struct fdl_error *err)
{
    assert(campaign && codes);
    if (!(a->scopes & FDL_SCOPE_ADMIN))
        return fdl_error_set(err, FDL_EFORBIDDEN, NULL, "making codes needs admin scope");
    if (count < 1 || count > FDL_MAX_COUPON_BATCH)
        return fdl_error_set(err, FDL_ERANGE, "count", "must be from 1 to %d",
                             FDL_MAX_COUPON_BATCH);
    int rc = single_use_campaign(svc, st, a, campaign, member_id, now_s, err);
    /* Codes bound to a member are issued as rewards issue them. */
    for (int64_t i = 0; i < count && rc == 0; i++)
        rc = member_id ? svc_coupon_issue(svc, st, a, campaign, member_id, now_s,
                                          codes[i], FDL_COUPON_FORMATTED_MAX, err)
                       : make_code(svc, st, a, campaign, 0, now_s, codes[i], err);
    return rc;
}

int svc_coupon_issue(struct fdl_service *svc, struct fdl_store *st,
                     const struct fdl_actor *a, const char *campaign, int64_t member_id,
                     int64_t now_s, char *code, size_t cap, struct fdl_error *err)
{
    assert(campaign && code);
    if (cap < FDL_COUPON_FORMATTED_MAX)
        return fdl_error_set(err, FDL_ERANGE, NULL, "the code buffer is too small");
    if (member_id <= 0)
        return fdl_error_set(err, FDL_EMISSING_FIELD, "member_id",
                             "an issued coupon belongs to a member");
    int rc = single_use_campaign(svc, st, a, campaign, member_id, now_s, err);
    char out[FDL_COUPON_FORMATTED_MAX];
    if (rc == 0 &&
        (rc = make_code(svc, st, a, campaign, member_id, now_s, out, err)) == 0)
        snprintf(code, cap, "%s", out);
    return rc;
}

/* ---- checking a code ---- */

/* The discount on a basket known only by its total, when that is enough. */
static void estimate(const struct fdl_coupon_campaign *c, int64_t total_minor,
                     struct fdl_coupon_check *out)
{
    out->has_discount = c->effect != FDL_COUPON_FREE_ITEM && !c->skus.n &&
                        !c->categories.n && !c->labels.n;
    if (!out->has_discount)
        return;
    struct fdl_rules_line line = {"", "", NULL, 0, 1, total_minor, total_minor};
    int64_t remaining = total_minor, share;
    out->discount_minor = fdl_coupon_discount(c, &line, 1, &remaining, &share);
}

int fdl_svc_coupon_check(struct fdl_service *svc, struct fdl_store *st,
                         const struct fdl_actor *a, const char *code, int64_t member_id,
                         int64_t total_minor, int64_t now_s, struct fdl_coupon_check *out,
                         struct fdl_error *err)
{
    const struct fdl_program_state *ps = svc_program_of(svc, st, a, err);
    if (!ps)
        return err->code;
    int rc = fdl_coupon_throttle_check(a, member_id, now_s, NULL, err);
    if (rc)
        return rc;
    struct fdl_member m;
    rc = FDL_STORE_CALL(st, member_get, a->program_id, member_id, &m, err);
    if (rc == FDL_ENOT_FOUND)
        return fdl_error_set(err, rc, "member_id", "no member with this id");
    if (rc)
        return rc;
    const struct fdl_version_state *ver = fdl_program_version_at(svc, ps, now_s);
    struct code_plan plan;
    memset(out, 0, sizeof(*out));
    struct fdl_error why;
    fdl_error_clear(&why);
    rc = resolve(svc, st, a, ver ? ver->def : NULL, code, member_id, now_s,
                 FDL_ENOT_FOUND, "code", &plan, &why);
    if (rc && rc != FDL_ECONFLICT) {
        *err = why;
        return rc;
    }
    fdl_coupon_mask(plan.normalized, out->coupon.code);
    out->coupon.single_use = plan.single_use;
    if (rc == 0) {
        const struct fdl_tz *tz = ver->tz;
        rc = campaign_usable(st, a, plan.c, svc_local_day(tz, now_s), m.tier, total_minor,
                             member_id, 0, "code", &why);
    }
    if (rc && rc != FDL_ECONFLICT) {
        *err = why;
        return rc;
    }
    out->valid = rc == 0;
    if (!out->valid)
        snprintf(out->reason, sizeof(out->reason), "%s", why.message);
    if (plan.c) {
        snprintf(out->coupon.campaign, sizeof(out->coupon.campaign), "%s", plan.c->id);
        snprintf(out->name, sizeof(out->name), "%s", plan.c->name);
        out->effect = plan.c->effect;
        estimate(plan.c, total_minor, out);
        out->coupon.discount_minor = out->discount_minor;
    }
    return 0;
}
