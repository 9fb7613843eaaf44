/*
 * stamps.c (service) - punch cards: vouchers redeemed when a purchase is
 * checked, stamps and rewards given when it is applied, taken back by
 * refunds, and lapsed by the expiry batch (see engine/stamps.h for the
 * arithmetic and service/stamps.h for the member's view).
 */
#include "service/stamps.h"

#include "service/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECONDS_PER_DAY   86400
#define STAMP_LAPSE_BATCH 200 /* cards lapsed per call of the expire hook */
#define STAMP_REVOKE_SCAN 100 /* unused rewards of a card looked at by one refund */
#define STAMP_REASON_MAX  (FDL_RULE_ID_MAX + 32)
#define MEMBER_CARDS_MAX  (FDL_MAX_STAMP_CARDS * 2) /* = fdl_member_stamps.cards */

/* The card with this id in def, or NULL. */
static const struct fdl_stamp_card_def *card_def(const struct fdl_program_def *def,
                                                 const char *id)
{
    for (size_t i = 0; def && i < def->n_stamp_cards; i++)
        if (strcmp(def->stamp_cards[i].id, id) == 0)
            return &def->stamp_cards[i];
    return NULL;
}

/* A member's count on a card, zero if they have none yet. */
static int card_load(struct fdl_store *st, int64_t program_id, int64_t member_id,
                     const char *card_id, struct fdl_stamp_card_state *c,
                     struct fdl_error *err)
{
    int rc = FDL_STORE_CALL(st, stamp_card_get, program_id, member_id, card_id, c, err);
    if (rc != FDL_ENOT_FOUND)
        return rc;
    fdl_error_clear(err);
    memset(c, 0, sizeof(*c));
    c->program_id = program_id;
    c->member_id = member_id;
    snprintf(c->card_id, sizeof(c->card_id), "%s", card_id);
    return 0;
}

/* ---- redeeming vouchers ---- */

/* The cheapest line v takes with a unit not yet made free (-1 if none). */
static long cheapest_line(const struct fdl_stamp_voucher *v,
                          const struct fdl_purchase_line *lines, size_t n,
                          const int64_t *free_units)
{
    long best = -1;
    for (size_t i = 0; i < n; i++) {
        if (free_units[i] >= lines[i].quantity ||
            !fdl_stamp_voucher_takes(v, lines[i].sku))
            continue;
        if (best < 0 || lines[i].unit_price_minor < lines[best].unit_price_minor)
            best = (long)i;
    }
    return best;
}

/* Checks voucher stamp_rewards[i] for this purchase and loads it. */
static int voucher_usable(struct svc_purchase_ctx *c, size_t i,
                          struct fdl_stamp_voucher *v, const char *field,
                          struct fdl_error *err)
{
    int64_t id = c->req->stamp_rewards[i];
    for (size_t j = 0; j < i; j++)
        if (c->req->stamp_rewards[j] == id)
            return fdl_error_set(err, FDL_EINVALID, field, "voucher %lld is listed twice",
                                 (long long)id);
    int rc = FDL_STORE_CALL(c->st, stamp_voucher_get, c->p->program_id, id, v, err);
    if (rc == FDL_ENOT_FOUND || (rc == 0 && v->member_id != c->p->member_id))
        return fdl_error_set(err, FDL_EINVALID, field, "this member has no voucher %lld",
                             (long long)id);
    if (rc)
        return rc;
    if (v->kind != FDL_STAMP_REWARD_FREE_ITEM)
        return fdl_error_set(err, FDL_EINVALID, field,
                             "voucher %lld was points, credited when it was issued",
                             (long long)id);
    if (v->status == FDL_VOUCHER_USED)
        return fdl_error_set(err, FDL_ECONFLICT, field,
                             "voucher %lld was already used (purchase %s)", (long long)id,
                             v->used_txn);
    if (v->status == FDL_VOUCHER_REVOKED)
        return fdl_error_set(err, FDL_ECONFLICT, field,
                             "voucher %lld was revoked by a refund", (long long)id);
    if (v->expires_at_s && c->now_s >= v->expires_at_s)
        return fdl_error_set(err, FDL_ECONFLICT, field, "voucher %lld has expired",
                             (long long)id);
    return 0;
}

/*
 * Uses the vouchers the purchase names: each makes one unit of the
 * cheapest line it takes free (that line's amount and the total drop by
 * the unit price, so the free unit earns no points) and is marked used by
 * this transaction. Any problem refuses the whole purchase.
 */
static int stamps_purchase_check(struct svc_purchase_ctx *c, struct fdl_error *err)
{
    size_t n = (size_t)c->p->line_count;
    if (c->req->stamp_reward_count == 0)
        return 0;
    if (c->req->stamp_reward_count > FDL_MAX_STAMP_REWARDS_PER_PURCHASE)
        return fdl_error_set(err, FDL_ERANGE, "stamp_rewards",
                             "a purchase uses at most %d vouchers",
                             FDL_MAX_STAMP_REWARDS_PER_PURCHASE);
    int64_t *free_units = calloc(n ? n : 1, sizeof(*free_units));
    if (!free_units)
        return fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < c->req->stamp_reward_count && rc == 0; i++) {
        char field[FDL_ERROR_FIELD_MAX];
        snprintf(field, sizeof(field), "stamp_rewards[%zu]", i);
        struct fdl_stamp_voucher v;
        if ((rc = voucher_usable(c, i, &v, field, err)))
            break;
        long k = cheapest_line(&v, c->lines, n, free_units);
        if (k < 0) {
            rc = fdl_error_set(err, FDL_EINVALID, field,
                               "voucher %lld is for one of its skus, and no line of "
                               "this basket has one left",
                               (long long)v.id);
            break;
        }
        int64_t price = c->lines[k].unit_price_minor;
        free_units[k]++;
        c->lines[k].amount_minor -= price;
        c->p->total_minor -= price;
        v.status = FDL_VOUCHER_USED;
        snprintf(v.used_txn, sizeof(v.used_txn), "%s", c->p->txn_id);
        v.used_line = k + 1;
        v.discount_minor = price;
        rc = FDL_STORE_CALL(c->st, stamp_voucher_update, &v, err);
    }
    free(free_units);
    return rc;
}

/* ---- giving stamps ---- */

/* Issues one reward of card d to the member; its id goes to out (if room). */
static int reward_issue(struct svc_purchase_ctx *c, const struct fdl_stamp_card_def *d,
                        struct fdl_stamp_card_result *out, struct fdl_error *err)
{
    struct fdl_stamp_voucher v;
    memset(&v, 0, sizeof(v));
    v.program_id = c->p->program_id;
    v.member_id = c->p->member_id;
    snprintf(v.card_id, sizeof(v.card_id), "%s", d->id);
    v.kind = d->reward;
    v.purchase_id = c->p->id;
    v.issued_at_s = c->now_s;
    v.status = FDL_VOUCHER_OPEN;
    if (d->reward == FDL_STAMP_REWARD_FREE_ITEM) {
        size_t used = 0;
        for (size_t i = 0; i < d->free_items.n && used < sizeof(v.skus); i++) {
            int w = snprintf(v.skus + used, sizeof(v.skus) - used, "%s%s", i ? "\n" : "",
                             d->free_items.items[i]);
            used += w > 0 ? (size_t)w : 0;
        }
        v.expires_at_s = c->now_s + d->valid_days * SECONDS_PER_DAY;
    } else {
        v.points = d->reward_points;
    }
    int rc = FDL_STORE_CALL(c->st, stamp_voucher_insert, &v, err);
    if (rc == 0 && out->voucher_count < FDL_MAX_STAMP_VOUCHERS_SHOWN)
        out->voucher_ids[out->voucher_count++] = v.id;
    return rc;
}

/* Posts the points rewards of `rewards` filled cards as one bonus entry. */
static int reward_points(struct svc_purchase_ctx *c, const struct fdl_stamp_card_def *d,
                         int64_t rewards, struct fdl_error *err)
{
    int64_t points = rewards * d->reward_points;
    char reason[STAMP_REASON_MAX];
    snprintf(reason, sizeof(reason), "stamp card %s", d->id);
    int rc = fdl_lots_earn(&c->s->lots, points, c->now_s,
                           svc_expiry_for(c->prog, c->tz, c->now_s), 0, &c->s->moves);
    if (rc == 0)
        rc = svc_post_entry(c->st, c->s, FDL_ENTRY_BONUS, points, c->p->id, reason, c->a,
                            c->now_s, NULL, err);
    else
        rc = fdl_error_set(err, rc, NULL, "out of memory");
    return rc;
}

/* Records what the purchase gave card d, line by line (visit: line 0). */
static int grants_record(struct svc_purchase_ctx *c, const struct fdl_stamp_card_def *d,
                         int64_t given, const int64_t *line_stamps,
                         const unsigned char *qualifying, struct fdl_error *err)
{
    struct fdl_stamp_grant g;
    memset(&g, 0, sizeof(g));
    snprintf(g.card_id, sizeof(g.card_id), "%s", d->id);
    int rc = 0;
    if (d->per == FDL_STAMP_PER_VISIT) {
        g.stamps = given;
        rc = FDL_STORE_CALL(c->st, stamp_grant_insert, c->p->program_id, c->p->member_id,
                            c->p->id, &g, err);
    }
    for (int i = 0; i < c->p->line_count && rc == 0; i++) {
        if (!qualifying[i] || (d->per == FDL_STAMP_PER_ITEM && line_stamps[i] == 0))
            continue;
        g.line_no = i + 1;
        g.stamps = d->per == FDL_STAMP_PER_ITEM ? line_stamps[i] : 0;
        rc = FDL_STORE_CALL(c->st, stamp_grant_insert, c->p->program_id, c->p->member_id,
                            c->p->id, &g, err);
    }
    return rc;
}

/* The receipt message about card r. */
static void card_message(struct svc_purchase_ctx *c,
                         const struct fdl_stamp_card_result *r)
{
    const char *lang = c->prog->language;
    if (r->rewards > 0)
        svc_add_message(c->res->messages, &c->res->message_count, lang,
                        FDL_MSG_STAMP_CARD_FULL, (long long)r->rewards, r->name);
    else
        svc_add_message(c->res->messages, &c->res->message_count, lang,
                        FDL_MSG_STAMPS_TO_GO, (long long)(r->goal - r->stamps), r->name);
}

/* Gives card d the stamps the purchase earns it, and its rewards. */
static int card_stamp(struct svc_purchase_ctx *c, const struct fdl_stamp_card_def *d,
                      const struct fdl_rules_line *in, const int64_t *free_units,
                      int64_t *line_stamps, unsigned char *qualifying,
                      struct fdl_error *err)
{
    size_t n = (size_t)c->p->line_count;
    int64_t given = fdl_stamps_for_purchase(d, in, n, c->p->total_minor, free_units,
                                            line_stamps, qualifying);
    if (given == 0)
        return 0;
    struct fdl_stamp_card_state card;
    int rc = card_load(c->st, c->p->program_id, c->p->member_id, d->id, &card, err);
    if (rc)
        return rc;
    int64_t after, rewards;
    fdl_stamps_add(d->goal, card.stamps, given, &after, &rewards);
    card.expires_at_s =
        fdl_stamps_expiry(d, card.stamps, after, rewards, card.expires_at_s, c->now_s);
    card.stamps = after;
    card.filled += rewards;
    card.updated_at_s = c->now_s;
    struct fdl_stamp_card_result *r = &c->res->stamps[c->res->stamp_card_count++];
    memset(r, 0, sizeof(*r));
    snprintf(r->card_id, sizeof(r->card_id), "%s", d->id);
    snprintf(r->name, sizeof(r->name), "%s", d->name);
    r->given = given;
    r->stamps = after;
    r->goal = d->goal;
    r->rewards = rewards;
    r->reward = d->reward;
    r->reward_points = d->reward == FDL_STAMP_REWARD_POINTS ? d->reward_points : 0;
    for (int64_t i = 0; i < rewards && rc == 0; i++)
        rc = reward_issue(c, d, r, err);
    if (rc == 0 && rewards > 0 && d->reward == FDL_STAMP_REWARD_POINTS)
        rc = reward_points(c, d, rewards, err);
    if (rc == 0)
        rc = grants_record(c, d, given, line_stamps, qualifying, err);
    if (rc == 0)
        rc = FDL_STORE_CALL(c->st, stamp_card_put, &card, err);
    if (rc == 0)
        card_message(c, r);
    return rc;
}

/* The vouchers this purchase used, into the answer and free_units. */
static int redeemed_load(struct svc_purchase_ctx *c, int64_t *free_units,
                         struct fdl_error *err)
{
    struct fdl_stamp_voucher *used =
        calloc(FDL_MAX_STAMP_REWARDS_PER_PURCHASE, sizeof(*used));
    if (!used)
        return fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    int count = 0;
    int rc = c->req->stamp_reward_count == 0
                 ? 0
                 : FDL_STORE_CALL(c->st, stamp_vouchers_list, c->p->program_id,
                                  c->p->member_id, NULL, FDL_VOUCHER_USED, c->p->txn_id,
                                  used, FDL_MAX_STAMP_REWARDS_PER_PURCHASE, &count, err);
    for (int i = 0; rc == 0 && i < count; i++) {
        struct fdl_stamp_redeemed *r =
            &c->res->stamp_redeemed[c->res->stamp_redeemed_count++];
        r->voucher_id = used[i].id;
        r->line_no = used[i].used_line;
        r->discount_minor = used[i].discount_minor;
        if (used[i].used_line >= 1 && used[i].used_line <= c->p->line_count)
            free_units[used[i].used_line - 1]++;
    }
    free(used);
    return rc;
}

/*
 * Stamps every card of the version in force at the purchase's time: the
 * free units vouchers paid for give none; filled cards issue their rewards.
 */
static int stamps_purchase_apply(struct svc_purchase_ctx *c, struct fdl_error *err)
{
    size_t n = (size_t)c->p->line_count;
    int64_t *free_units = calloc(n ? n * 2 : 1, sizeof(*free_units));
    struct fdl_rules_line *in = calloc(n ? n : 1, sizeof(*in));
    unsigned char *qualifying = calloc(n ? n : 1, 1);
    int rc = free_units && in && qualifying
                 ? 0
                 : fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    if (rc == 0)
        rc = redeemed_load(c, free_units, err);
    const struct fdl_program_def *def = c->ver ? c->ver->def : NULL;
    for (size_t i = 0; rc == 0 && def && i < n; i++)
        in[i] =
            (struct fdl_rules_line){c->lines[i].sku,         c->lines[i].category,
                                    c->req->lines[i].labels, c->req->lines[i].label_count,
                                    c->lines[i].quantity,    c->lines[i].unit_price_minor,
                                    c->lines[i].amount_minor};
    for (size_t k = 0; rc == 0 && def && k < def->n_stamp_cards; k++)
        rc = card_stamp(c, &def->stamp_cards[k], in, free_units, free_units + n,
                        qualifying, err);
    free(free_units);
    free(in);
    free(qualifying);
    return rc;
}

/* ---- refunds ---- */

/* The stamps the refund takes back from the grants of one card
 * (grants[0..n), all of that card), updating each grant's reversed count. */
static int grants_reverse(struct svc_refund_ctx *c, struct fdl_stamp_grant *g, size_t n,
                          int64_t *taken, struct fdl_error *err)
{
    *taken = 0;
    int all_refunded = 1, rc = 0;
    struct fdl_stamp_grant *visit = NULL;
    for (size_t i = 0; i < n; i++) {
        if (g[i].line_no == 0) {
            visit = &g[i];
            continue;
        }
        if (g[i].line_no > c->p->line_count)
            continue;
        const struct fdl_purchase_line *l = &c->lines[g[i].line_no - 1];
        all_refunded &= l->refunded_quantity >= l->quantity;
        int64_t back = fdl_stamps_line_reversal(g[i].stamps, l->quantity,
                                                l->refunded_quantity, g[i].reversed);
        if (back == 0)
            continue;
        g[i].reversed += back;
        *taken += back;
        rc = FDL_STORE_CALL(c->st, stamp_grant_update, c->p->program_id, c->p->id, &g[i],
                            err);
        if (rc)
            return rc;
    }
    if (visit && all_refunded && visit->reversed < visit->stamps) {
        *taken += visit->stamps - visit->reversed;
        visit->reversed = visit->stamps;
        rc = FDL_STORE_CALL(c->st, stamp_grant_update, c->p->program_id, c->p->id, visit,
                            err);
    }
    return rc;
}

/* Revokes rewards[0..k): vouchers become revoked, points are taken back. */
static int rewards_revoke(struct svc_refund_ctx *c, struct fdl_stamp_voucher *rewards,
                          int64_t k, struct fdl_stamp_card_result *out,
                          struct fdl_error *err)
{
    int rc = 0;
    int64_t points = 0;
    for (int64_t i = 0; i < k && rc == 0; i++) {
        rewards[i].status = FDL_VOUCHER_REVOKED;
        points += rewards[i].kind == FDL_STAMP_REWARD_POINTS ? rewards[i].points : 0;
        rc = FDL_STORE_CALL(c->st, stamp_voucher_update, &rewards[i], err);
        if (rc == 0 && out->voucher_count < FDL_MAX_STAMP_VOUCHERS_SHOWN)
            out->voucher_ids[out->voucher_count++] = rewards[i].id;
    }
    if (rc || points == 0)
        return rc;
    int64_t taken = 0;
    rc = svc_lots_clawback(c->st, c->s, points, 0, &taken, err);
    if (rc)
        return rc;
    if (taken == 0)
        return svc_flush_lots(c->st, c->s, err);
    char reason[STAMP_REASON_MAX];
    snprintf(reason, sizeof(reason), "stamp card %s", rewards[0].card_id);
    return svc_post_entry(c->st, c->s, FDL_ENTRY_CLAWBACK, taken, c->p->id, reason, c->a,
                          c->now_s, NULL, err);
}

/*
 * The rewards of a card that can still be revoked, newest first: unused
 * vouchers, and points rewards while the balance still holds their points
 * (points already spent cannot be taken back: the card goes negative).
 */
static int revocable_load(struct svc_refund_ctx *c, const char *card_id,
                          struct fdl_stamp_voucher *out, int *count,
                          struct fdl_error *err)
{
    int n = 0;
    int rc =
        FDL_STORE_CALL(c->st, stamp_vouchers_list, c->p->program_id, c->p->member_id,
                       card_id, FDL_VOUCHER_OPEN, NULL, out, STAMP_REVOKE_SCAN, &n, err);
    int64_t balance = c->s->member.balance;
    int kept = 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        if (out[i].kind == FDL_STAMP_REWARD_POINTS) {
            if (balance < out[i].points)
                break; /* newest first: stop where a reward can no longer be taken back */
            balance -= out[i].points;
        }
        out[kept++] = out[i];
    }
    *count = kept;
    return rc;
}

/* Takes `taken` stamps back from card d of the member. */
static int card_unstamp(struct svc_refund_ctx *c, const struct fdl_stamp_card_def *d,
                        int64_t taken, struct fdl_error *err)
{
    const char *card_id = d->id;
    struct fdl_stamp_card_state card;
    struct fdl_stamp_voucher *rewards = calloc(STAMP_REVOKE_SCAN, sizeof(*rewards));
    if (!rewards)
        return fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    int count = 0;
    int rc = card_load(c->st, c->p->program_id, c->p->member_id, card_id, &card, err);
    if (rc == 0)
        rc = revocable_load(c, card_id, rewards, &count, err);
    int64_t after = 0, revoked = 0;
    struct fdl_stamp_card_result *r = &c->res->stamps[c->res->stamp_card_count];
    if (rc == 0) {
        fdl_stamps_reverse(d->goal, card.stamps, taken, count, &after, &revoked);
        memset(r, 0, sizeof(*r));
        c->res->stamp_card_count++;
        snprintf(r->card_id, sizeof(r->card_id), "%s", card_id);
        snprintf(r->name, sizeof(r->name), "%s", d->name);
        r->given = taken;
        r->stamps = after;
        r->goal = d->goal;
        r->rewards = revoked;
        rc = rewards_revoke(c, rewards, revoked, r, err);
    }
    if (rc == 0) {
        /* Un-filled cards that were paid for stay filled: filled counts rewards kept. */
        card.filled -= revoked;
        if (after <= 0)
            card.expires_at_s = 0;
        else if (card.expires_at_s == 0) /* a revoked reward gave the card back */
            card.expires_at_s = fdl_stamps_expiry(d, 0, after, 0, 0, c->now_s);
        card.stamps = after;
        card.updated_at_s = c->now_s;
        rc = FDL_STORE_CALL(c->st, stamp_card_put, &card, err);
    }
    free(rewards);
    return rc;
}

/*
 * Takes back the stamps the refunded units gave (visit stamps once every
 * qualifying unit is refunded), card by card, as the purchase recorded
 * them; the card's goal is the one of the version the purchase earned
 * under (or, if that card was dropped since, the one in force now).
 */
static int stamps_refund_apply(struct svc_refund_ctx *c, struct fdl_error *err)
{
    struct fdl_stamp_grant *g = NULL;
    size_t n = 0;
    int rc =
        FDL_STORE_CALL(c->st, stamp_grants_of, c->p->program_id, c->p->id, &g, &n, err);
    if (rc)
        return rc;
    const struct fdl_version_state *then =
        fdl_program_version_at(c->svc, c->ps, c->p->occurred_at_s);
    const struct fdl_version_state *now = fdl_program_version_at(c->svc, c->ps, c->now_s);
    for (size_t start = 0, end; rc == 0 && start < n; start = end) {
        for (end = start; end < n && strcmp(g[end].card_id, g[start].card_id) == 0;)
            end++;
        const struct fdl_stamp_card_def *d =
            card_def(then ? then->def : NULL, g[start].card_id);
        if (!d)
            d = card_def(now ? now->def : NULL, g[start].card_id);
        int64_t taken = 0;
        rc = grants_reverse(c, &g[start], end - start, &taken, err);
        if (rc == 0 && taken > 0 && d && c->res->stamp_card_count < FDL_MAX_STAMP_CARDS)
            rc = card_unstamp(c, d, taken, err);
    }
    free(g);
    return rc;
}

/* ---- expiry ---- */

/* Lapses the stamps of incomplete cards whose time has run out. */
static int stamps_expire(struct fdl_service *svc, struct fdl_store *st,
                         int64_t program_id, int64_t now_s, int64_t *work,
                         struct fdl_error *err)
{
    (void)svc;
    struct fdl_stamp_card_state *due = calloc(STAMP_LAPSE_BATCH, sizeof(*due));
    if (!due)
        return fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    int count = 0;
    int rc = FDL_STORE_CALL(st, stamp_cards_lapsed, program_id, now_s, due,
                            STAMP_LAPSE_BATCH, &count, err);
    for (int i = 0; rc == 0 && i < count; i++) {
        if (!fdl_stamps_lapsed(due[i].stamps, due[i].expires_at_s, now_s))
            continue;
        due[i].stamps = 0;
        due[i].expires_at_s = 0;
        due[i].updated_at_s = now_s;
        rc = FDL_STORE_CALL(st, stamp_card_put, &due[i], err);
    }
    if (rc == 0)
        *work += count;
    free(due);
    return rc;
}

const struct svc_feature svc_feature_stamps = {
    "stamps",
    NULL,
    stamps_purchase_check,
    stamps_purchase_apply,
    stamps_refund_apply,
    stamps_expire,
};

/* ---- tier progress on the receipt ---- */

static const struct fdl_tier_benefits *benefits_of(const struct fdl_program_def *def,
                                                   const char *tier);

#define TIER_DISPLAY_MAX (FDL_TIER_NAME_MAX + 1)
#define MONEY_TEXT_MAX   48

/* A level's name as members read it: "gold" -> "Gold". */
static void tier_display(const char *name, char out[TIER_DISPLAY_MAX])
{
    snprintf(out, TIER_DISPLAY_MAX, "%s", name);
    if (out[0] >= 'a' && out[0] <= 'z')
        out[0] = (char)(out[0] - 'a' + 'A');
}

/* Appends an uncounted message (TEXT or TEXT3) to the purchase's answer. */
static void add_text_message(struct fdl_purchase_result *res, const char *lang,
                             enum fdl_message_id id, const char *a, const char *b,
                             const char *c)
{
    if (res->message_count >= FDL_MAX_MESSAGES)
        return;
    char *out = res->messages[res->message_count++];
    if (b)
        fdl_message_text3(out, FDL_MESSAGE_MAX, id, lang, a, b, c);
    else
        fdl_message_text(out, FDL_MESSAGE_MAX, id, lang, a);
}

/*
 * The tier status of the answer in words: "Welcome to Gold!" after an
 * upgrade, then what is missing for the next level: "120 more points to
 * Gold.", "3 more visits to Gold." or "You spent 80,00 € — 20,00 € more to
 * Silver." (what was spent in the window = the next level's min less what
 * is missing).
 */
static int tier_progress_apply(struct svc_purchase_ctx *c, struct fdl_error *err)
{
    (void)err;
    const struct fdl_tier_status *t = &c->res->tier;
    if (!t->enabled || !c->ver)
        return 0;
    c->res->tier_benefits = benefits_of(c->ver->def, t->name);
    const char *lang = c->prog->language;
    char name[TIER_DISPLAY_MAX], next[TIER_DISPLAY_MAX];
    tier_display(t->name, name);
    tier_display(t->next, next);
    if (t->upgraded)
        add_text_message(c->res, lang, FDL_MSG_TIER_WELCOME, name, NULL, NULL);
    if (!t->next[0])
        return 0;
    if (t->basis == FDL_TIER_BASIS_POINTS)
        svc_add_message(c->res->messages, &c->res->message_count, lang,
                        FDL_MSG_TIER_MISSING_POINTS, (long long)t->missing, next);
    else if (t->basis == FDL_TIER_BASIS_VISITS)
        svc_add_message(c->res->messages, &c->res->message_count, lang,
                        FDL_MSG_TIER_MISSING_VISITS, (long long)t->missing, next);
    if (t->basis != FDL_TIER_BASIS_SPEND)
        return 0;
    const struct fdl_tier_def *def = &c->ver->def->tiers;
    int k = fdl_tier_index(def, t->next);
    if (k < 0)
        return 0;
    char spent[MONEY_TEXT_MAX], missing[MONEY_TEXT_MAX];
    fdl_lang_format_money(spent, sizeof(spent), lang, def->levels[k].min - t->missing,
                          c->prog->currency, c->prog->minor_per_unit);
    fdl_lang_format_money(missing, sizeof(missing), lang, t->missing, c->prog->currency,
                          c->prog->minor_per_unit);
    add_text_message(c->res, lang, FDL_MSG_TIER_MISSING_SPEND, spent, missing, next);
    return 0;
}

/* The benefits of the level named tier in def, or NULL. */
static const struct fdl_tier_benefits *benefits_of(const struct fdl_program_def *def,
                                                   const char *tier)
{
    int k = def && def->tiers.enabled ? fdl_tier_index(&def->tiers, tier) : -1;
    return k >= 0 && def->tier_benefits[k].n ? &def->tier_benefits[k] : NULL;
}

const struct fdl_tier_benefits *fdl_svc_tier_benefits(struct fdl_service *svc,
                                                      int64_t program_id,
                                                      const char *tier, int64_t now_s)
{
    const struct fdl_program_state *ps = fdl_service_program(svc, program_id);
    const struct fdl_version_state *ver =
        ps ? fdl_program_version_at(svc, ps, now_s) : NULL;
    return ver ? benefits_of(ver->def, tier) : NULL;
}

const struct svc_feature svc_feature_tier_progress = {
    "tier progress", NULL, NULL, tier_progress_apply, NULL, NULL,
};

/* ---- the member's view ---- */

static const char *voucher_status(const struct fdl_stamp_voucher *v, int64_t now_s)
{
    if (v->status == FDL_VOUCHER_USED)
        return "used";
    if (v->status == FDL_VOUCHER_REVOKED)
        return "revoked";
    if (v->kind == FDL_STAMP_REWARD_POINTS)
        return "credited";
    return v->expires_at_s && now_s >= v->expires_at_s ? "expired" : "open";
}

int fdl_svc_member_stamps(struct fdl_service *svc, struct fdl_store *st,
                          const struct fdl_actor *a, int64_t member_id, int64_t now_s,
                          struct fdl_member_stamps *out, struct fdl_error *err)
{
    struct fdl_member m;
    int rc = fdl_svc_member_get(svc, st, a, member_id, &m, err);
    if (rc)
        return rc;
    const struct fdl_program_state *ps = svc_program_of(svc, st, a, err);
    if (!ps)
        return err->code;
    const struct fdl_version_state *ver = fdl_program_version_at(svc, ps, now_s);
    const struct fdl_program_def *def = ver ? ver->def : NULL;
    memset(out, 0, sizeof(*out));
    struct fdl_stamp_card_state held[MEMBER_CARDS_MAX];
    int held_count = 0;
    rc = FDL_STORE_CALL(st, stamp_cards_list, a->program_id, member_id, held,
                        MEMBER_CARDS_MAX, &held_count, err);
    for (size_t k = 0; rc == 0 && def && k < def->n_stamp_cards; k++) {
        struct fdl_member_stamp_card *c = &out->cards[out->card_count++];
        c->def = &def->stamp_cards[k];
        c->state.program_id = a->program_id;
        c->state.member_id = member_id;
        snprintf(c->state.card_id, sizeof(c->state.card_id), "%s", c->def->id);
        for (int i = 0; i < held_count; i++)
            if (strcmp(held[i].card_id, c->def->id) == 0)
                c->state = held[i];
    }
    for (int i = 0; rc == 0 && i < held_count && out->card_count < MEMBER_CARDS_MAX;
         i++) {
        if (card_def(def, held[i].card_id) || held[i].stamps == 0)
            continue;
        struct fdl_member_stamp_card *c = &out->cards[out->card_count++];
        c->state = held[i];
        c->def = NULL;
    }
    struct fdl_stamp_voucher *v = calloc(FDL_MAX_STAMP_VOUCHERS_LISTED, sizeof(*v));
    if (rc == 0 && !v)
        rc = fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    if (rc == 0)
        rc = FDL_STORE_CALL(st, stamp_vouchers_list, a->program_id, member_id, NULL, 0,
                            NULL, v, FDL_MAX_STAMP_VOUCHERS_LISTED, &out->voucher_count,
                            err);
    for (int i = 0; rc == 0 && i < out->voucher_count; i++) {
        out->vouchers[i].v = v[i];
        out->vouchers[i].status = voucher_status(&v[i], now_s);
    }
    free(v);
    return rc;
}
