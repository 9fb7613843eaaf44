/*
 * routes_stamps.c - punch cards over HTTP: the purchase's stamp_rewards
 * field and `stamps` answer section, the refund's `stamps` section, and
 * GET /v1/members/{id}/stamps.
 */
#include "http/internal.h"

#include "base/clock.h"
#include "service/stamps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MEMBER_ID_DIGITS_MAX 19 /* digits of the largest int64 */

int http_stamp_rewards_decode(struct fdl_purchase_request *req, struct fdl_error *err)
{
    json_t *list = req->stamp_rewards_json, *v;
    size_t i;
    req->stamp_rewards_json = NULL;
    req->stamp_reward_count = 0;
    if (!list)
        return 0;
    json_array_foreach(list, i, v)
    {
        char field[FDL_ERROR_FIELD_MAX];
        snprintf(field, sizeof(field), "stamp_rewards[%zu]", i);
        if (!json_is_integer(v))
            return fdl_error_set(err, FDL_EFIELD_TYPE, field,
                                 "expected a voucher id (an integer), not %s",
                                 fdl_json_type_name(v));
        if (json_integer_value(v) < 1)
            return fdl_error_set(err, FDL_ERANGE, field, "a voucher id is 1 or more");
        req->stamp_rewards[req->stamp_reward_count++] = json_integer_value(v);
    }
    return 0;
}

static const char *reward_name(enum fdl_stamp_reward_kind kind)
{
    return kind == FDL_STAMP_REWARD_POINTS ? "points" : "free_item";
}

static json_t *ids_json(const int64_t *ids, int n)
{
    json_t *a = json_array();
    for (int i = 0; a && i < n; i++)
        json_array_append_new(a, json_integer(ids[i]));
    return a;
}

json_t *http_stamps_purchase_json(const struct fdl_purchase_result *res)
{
    json_t *cards = json_array(), *used = json_array();
    for (int i = 0; i < res->stamp_card_count; i++) {
        const struct fdl_stamp_card_result *c = &res->stamps[i];
        json_array_append_new(
            cards, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:o, s:o}", "card",
                             c->card_id, "name", c->name, "given", (json_int_t)c->given,
                             "stamps", (json_int_t)c->stamps, "goal", (json_int_t)c->goal,
                             "rewards", (json_int_t)c->rewards, "reward",
                             reward_name(c->reward), "reward_points",
                             c->reward == FDL_STAMP_REWARD_POINTS
                                 ? json_integer(c->reward_points)
                                 : json_null(),
                             "vouchers", ids_json(c->voucher_ids, c->voucher_count)));
    }
    for (int i = 0; i < res->stamp_redeemed_count; i++) {
        const struct fdl_stamp_redeemed *u = &res->stamp_redeemed[i];
        json_array_append_new(used, json_pack("{s:I, s:I, s:I}", "voucher",
                                              (json_int_t)u->voucher_id, "line",
                                              (json_int_t)u->line_no, "discount",
                                              (json_int_t)u->discount_minor));
    }
    return json_pack("{s:o, s:o}", "cards", cards, "rewards_used", used);
}

json_t *http_stamps_refund_json(const struct fdl_refund_result *res)
{
    json_t *cards = json_array();
    for (int i = 0; i < res->stamp_card_count; i++) {
        const struct fdl_stamp_card_result *c = &res->stamps[i];
        json_array_append_new(
            cards, json_pack("{s:s, s:s, s:I, s:I, s:I, s:o}", "card", c->card_id, "name",
                             c->name, "taken_back", (json_int_t)c->given, "stamps",
                             (json_int_t)c->stamps, "goal", (json_int_t)c->goal,
                             "revoked", ids_json(c->voucher_ids, c->voucher_count)));
    }
    return json_pack("{s:o}", "cards", cards);
}

static json_t *card_json(const struct fdl_member_stamp_card *c)
{
    const struct fdl_stamp_card_def *d = c->def;
    const struct fdl_stamp_card_state *s = &c->state;
    json_t *out = json_pack(
        "{s:s, s:o, s:I, s:o, s:o, s:I, s:o}", "card", s->card_id, "name",
        d ? json_string(d->name) : json_null(), "stamps", (json_int_t)s->stamps, "goal",
        d ? json_integer(d->goal) : json_null(), "missing",
        d ? json_integer(d->goal - s->stamps) : json_null(), "filled",
        (json_int_t)s->filled, "expires_at",
        s->expires_at_s && s->stamps > 0 ? http_time_json(s->expires_at_s) : json_null());
    if (out && d) {
        json_object_set_new(out, "per", json_string(fdl_stamp_per_name(d->per)));
        json_object_set_new(out, "reward", json_string(reward_name(d->reward)));
    }
    return out;
}

static json_t *skus_json(const char *skus)
{
    json_t *a = json_array();
    for (const char *p = skus; a && *p;) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        json_array_append_new(a, json_stringn(p, len));
        if (!end)
            break;
        p = end + 1;
    }
    return a;
}

static json_t *voucher_json(const struct http_request *r,
                            const struct fdl_member_stamp_voucher *mv)
{
    const struct fdl_stamp_voucher *v = &mv->v;
    int free_item = v->kind == FDL_STAMP_REWARD_FREE_ITEM;
    return json_pack(
        "{s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "id", (json_int_t)v->id,
        "card", v->card_id, "reward", reward_name(v->kind), "status", mv->status, "skus",
        free_item ? skus_json(v->skus) : json_null(), "points",
        free_item ? json_null() : json_integer(v->points), "issued_at",
        http_time_json(v->issued_at_s), "expires_at",
        v->expires_at_s ? http_time_json(v->expires_at_s) : json_null(), "used_txn_id",
        http_txn_json(r, v->used_txn), "discount",
        v->status == FDL_VOUCHER_USED ? json_integer(v->discount_minor) : json_null());
}

int http_handle_member_stamps(struct http_request *r)
{
    const char *p = r->params[0];
    char *end = NULL;
    long long id = strtoll(p, &end, 10);
    if (p[0] < '1' || p[0] > '9' || *end || strlen(p) > MEMBER_ID_DIGITS_MAX || id < 1)
        return http_failf(r, FDL_ENOT_FOUND, "member_id", "no such id");
    struct fdl_member_stamps *out = malloc(sizeof(*out));
    if (!out)
        return http_failf(r, FDL_ENOMEM, NULL, "out of memory");
    int64_t now_s = fdl_clock_now_s();
    struct fdl_store *st = http_reader_get(r->srv, &r->err);
    if (!st) {
        free(out);
        return http_fail(r, &r->err);
    }
    int rc = FDL_STORE_CALL(st, begin, 0, &r->err);
    if (rc == 0)
        rc = fdl_svc_member_stamps(&r->srv->svc, st, &r->actor, id, now_s, out, &r->err);
    FDL_STORE_CALL0(st, rollback);
    http_reader_put(r->srv, st);
    if (rc) {
        free(out);
        return http_fail(r, &r->err);
    }
    json_t *cards = json_array(), *vouchers = json_array();
    for (int i = 0; i < out->card_count; i++)
        json_array_append_new(cards, card_json(&out->cards[i]));
    for (int i = 0; i < out->voucher_count; i++)
        json_array_append_new(vouchers, voucher_json(r, &out->vouchers[i]));
    free(out);
    return http_reply(r, 200,
                      json_pack("{s:I, s:o, s:o}", "member_id", (json_int_t)id, "cards",
                                cards, "vouchers", vouchers));
}

static json_t *benefits_json(const struct fdl_tier_benefits *b)
{
    json_t *a = json_array();
    for (size_t i = 0; a && b && i < b->n; i++)
        json_array_append_new(a, json_string(b->items[i]));
    return a;
}

void http_tier_add_benefits(json_t *purchase, const struct fdl_purchase_result *res)
{
    json_t *tier = json_object_get(purchase, "tier");
    if (json_is_object(tier))
        json_object_set_new(tier, "benefits", benefits_json(res->tier_benefits));
}

json_t *http_member_tier_benefits(struct http_request *r, const struct fdl_member *m)
{
    return benefits_json(fdl_svc_tier_benefits(&r->srv->svc, r->actor.program_id, m->tier,
                                               fdl_clock_now_s()));
}
