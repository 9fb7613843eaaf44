/*
 * routes_rewards.c - the reward catalogue, redemptions (reserve, commit,
 * cancel) and early access ("may this member buy this sku now?"). Handlers
 * decode, call service/rewards.h, encode; writes go through http_write.
 */
#include "http/internal.h"

#include "engine/coupons.h"

#include "base/clock.h"
#include "base/limits.h"
#include "service/rewards.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *status_name(enum fdl_redemption_status s)
{
    switch (s) {
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

static json_t *opt_time(int64_t t_s)
{
    return t_s ? http_time_json(t_s) : json_null();
}

static json_t *redemption_json(const struct http_request *r,
                               const struct fdl_redemption *d)
{
    json_t *out = json_pack(
        "{s:I, s:I, s:s, s:s, s:s, s:I, s:I, s:s, s:o, s:o, s:o, s:o, s:o, "
        "s:o, s:o, s:o}",
        "id", (json_int_t)d->id, "member_id", (json_int_t)d->member_id, "reward_id",
        d->reward_id, "reward_name", d->reward_name, "kind", d->kind, "quantity",
        (json_int_t)d->quantity, "points", (json_int_t)d->points, "status",
        status_name(d->status), "sku", http_opt_string(d->sku), "value",
        d->value_minor ? json_integer(d->value_minor * d->quantity) : json_null(),
        "launch", http_opt_string(d->launch), "txn_id", http_txn_json(r, d->txn_id),
        "created_at", http_time_json(d->created_at_s), "hold_expires_at",
        http_time_json(d->hold_expires_at_s), "committed_at", opt_time(d->committed_at_s),
        "cancelled_at", opt_time(d->cancelled_at_s));
    if (out)
        json_object_set_new(out, "campaign", http_opt_string(d->campaign));
    return out;
}

static json_t *set_json(const struct fdl_string_set *s)
{
    json_t *a = json_array();
    for (size_t i = 0; i < s->n; i++)
        json_array_append_new(a, json_string(s->items[i]));
    return a;
}

static json_t *day_json(int has, int64_t day)
{
    char text[16];
    if (!has)
        return json_null();
    fdl_date_format(day, text);
    return json_string(text);
}

static json_t *offer_json(const struct fdl_reward_offer *o, int with_member)
{
    const struct fdl_reward *r = o->reward;
    json_t *out = json_pack(
        "{s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o}", "id",
        r->id, "name", r->name, "kind", fdl_reward_kind_name(r->kind), "cost",
        (json_int_t)r->cost_points, "sku", http_opt_string(r->sku), "value",
        r->value_minor ? json_integer(r->value_minor) : json_null(), "launch",
        http_opt_string(r->launch), "stock",
        r->stock ? json_integer(r->stock) : json_null(), "remaining",
        o->remaining >= 0 ? json_integer(o->remaining) : json_null(), "per_member",
        r->per_member ? json_integer(r->per_member) : json_null(), "per_member_period",
        fdl_reward_period_name(r->period), "tiers", set_json(&r->tiers), "valid_from",
        day_json(r->has_valid_from, r->valid_from_day), "valid_until",
        day_json(r->has_valid_until, r->valid_until_day));
    if (out)
        json_object_set_new(out, "campaign", http_opt_string(r->campaign));
    if (out && with_member) {
        json_object_set_new(out, "available", json_boolean(o->reason == FDL_REWARD_OK));
        json_object_set_new(out, "reason",
                            o->reason == FDL_REWARD_OK
                                ? json_null()
                                : json_string(fdl_reward_reason_name(o->reason)));
    }
    return out;
}

int http_rewards_list(struct http_request *r)
{
    int64_t member_id = 0, available = 0;
    if (http_query_int(r, "member_id", 1, INT64_MAX, &member_id))
        return r->err.code;
    static _Thread_local struct fdl_reward_offer offers[FDL_MAX_REWARDS];
    const struct fdl_reward_catalog *c = NULL;
    size_t count = 0;
    int64_t now_s = fdl_clock_now_s();
    WITH_READER(r, st,
                fdl_svc_rewards_list(&r->srv->svc, st, &r->actor, member_id, now_s, &c,
                                     offers, &count, &available, &r->err));
    json_t *items = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(items, offer_json(&offers[i], member_id > 0));
    json_t *out = json_pack("{s:o, s:i}", "rewards", items, "hold_minutes",
                            c ? c->hold_minutes : FDL_DEFAULT_HOLD_MINUTES);
    if (member_id > 0) {
        json_object_set_new(out, "member_id", json_integer(member_id));
        json_object_set_new(out, "available_points", json_integer(available));
    }
    return http_reply(r, 200, out);
}

/* ---- reserve ---- */

struct reserve_arg {
    struct http_request *r;
    int64_t member_id;
    const char *reward_id;
    int64_t quantity;
};

static const struct fdl_json_field reserve_fields[] = {
    {"reward_id", FDL_JSON_ID, 1, 1, FDL_REWARD_ID_MAX,
     offsetof(struct reserve_arg, reward_id)},
    {"quantity", FDL_JSON_INT, 0, 1, FDL_MAX_REDEMPTION_QUANTITY,
     offsetof(struct reserve_arg, quantity)},
};

static int with_balance(const struct http_request *r, struct fdl_job *job, int status,
                        const struct fdl_redemption *d, const struct fdl_balance *b)
{
    json_t *out = redemption_json(r, d);
    if (out && b)
        json_object_set_new(out, "balance", http_balance_json(b));
    return http_job_answer(job, status, out);
}

static int run_reserve(struct fdl_store *st, struct fdl_job *job)
{
    struct reserve_arg *a = job->arg;
    struct fdl_redemption d;
    struct fdl_balance b;
    int rc = fdl_svc_reward_reserve(&a->r->srv->svc, st, &a->r->actor, a->member_id,
                                    a->reward_id, a->quantity, fdl_clock_now_s(), &d, &b,
                                    &job->err);
    return rc ? rc : with_balance(a->r, job, 201, &d, &b);
}

int http_redemption_reserve(struct http_request *r)
{
    struct reserve_arg a = {r, 0, NULL, 1};
    if (http_param_id(r, 0, "member_id", &a.member_id))
        return r->err.code;
    json_t *body;
    if (http_body_json(r, &body))
        return r->err.code;
    int rc = fdl_json_decode(body, reserve_fields, 2, &a, "", &r->err);
    rc = rc ? http_fail(r, &r->err) : http_write(r, NULL, NULL, run_reserve, &a);
    json_decref(body);
    return rc;
}

/* ---- commit and cancel ---- */

struct settle_arg {
    struct http_request *r;
    int64_t id;
    const char *txn_id;
    char txn[FDL_MAX_ID_LEN + 1]; /* the stored form of txn_id (http_txn_in) */
};

static const struct fdl_json_field commit_fields[] = {
    {"txn_id", FDL_JSON_ID, 0, 1, FDL_MAX_ID_LEN, offsetof(struct settle_arg, txn_id)},
};

static int run_commit(struct fdl_store *st, struct fdl_job *job)
{
    struct settle_arg *a = job->arg;
    struct fdl_redemption d;
    char code[FDL_COUPON_FORMATTED_MAX];
    int rc =
        fdl_svc_redemption_commit(&a->r->srv->svc, st, &a->r->actor, a->id, a->txn_id,
                                  fdl_clock_now_s(), &d, code, sizeof(code), &job->err);
    if (rc)
        return rc;
    json_t *out = redemption_json(a->r, &d);
    if (out && code[0]) {
        /* The code is shown once: the idempotency record keeps the answer
         * without it, so a replay says it was issued but cannot show it. */
        json_object_set_new(out, "coupon_code", json_null());
        json_object_set_new(out, "coupon_code_shown", json_false());
        job->record_body = json_dumps(out, JSON_COMPACT);
        if (!job->record_body) {
            json_decref(out);
            return fdl_error_set(&job->err, FDL_ENOMEM, NULL, "out of memory");
        }
        json_object_set_new(out, "coupon_code", json_string(code));
        json_object_set_new(out, "coupon_code_shown", json_true());
    }
    rc = http_job_answer(job, 200, out);
    sodium_memzero(code, sizeof(code));
    return rc;
}

static int run_cancel(struct fdl_store *st, struct fdl_job *job)
{
    struct settle_arg *a = job->arg;
    struct fdl_redemption d;
    struct fdl_balance b;
    int rc = fdl_svc_redemption_cancel(&a->r->srv->svc, st, &a->r->actor, a->id,
                                       fdl_clock_now_s(), &d, &b, &job->err);
    return rc ? rc : with_balance(a->r, job, 200, &d, &b);
}

/* Decodes the optional body of commit (txn_id) or cancel (nothing) and writes. */
static int settle(struct http_request *r, int commit)
{
    struct settle_arg a;
    memset(&a, 0, sizeof(a));
    a.r = r;
    if (http_param_id(r, 0, "redemption_id", &a.id))
        return r->err.code;
    json_t *body = NULL;
    int rc = 0;
    if (r->body_len > 0) {
        if (http_body_json(r, &body))
            return r->err.code;
        rc = fdl_json_decode(body, commit_fields, commit ? 1 : 0, &a, "", &r->err);
    }
    if (rc == 0 && a.txn_id && (rc = http_txn_in(r, "txn_id", a.txn_id, 0, a.txn)) != 0) {
        json_decref(body);
        return rc;
    }
    if (a.txn_id)
        a.txn_id = a.txn;
    if (rc)
        rc = http_fail(r, &r->err);
    else
        rc = http_write(r, NULL, NULL, commit ? run_commit : run_cancel, &a);
    json_decref(body);
    return rc;
}

int http_redemption_commit(struct http_request *r)
{
    return settle(r, 1);
}

int http_redemption_cancel(struct http_request *r)
{
    return settle(r, 0);
}

/* ---- reads ---- */

int http_redemption_get(struct http_request *r)
{
    int64_t id;
    if (http_param_id(r, 0, "redemption_id", &id))
        return r->err.code;
    struct fdl_redemption d;
    WITH_READER(r, st,
                fdl_svc_redemption_get(&r->srv->svc, st, &r->actor, id, &d, &r->err));
    return http_reply(r, 200, redemption_json(r, &d));
}

int http_redemptions_of(struct http_request *r)
{
    int64_t id, limit = FDL_DEFAULT_PAGE_SIZE, before = 0;
    if (http_param_id(r, 0, "member_id", &id) ||
        http_query_int(r, "limit", 1, FDL_MAX_PAGE_SIZE, &limit) ||
        http_query_int(r, "before", 1, INT64_MAX, &before))
        return r->err.code;
    static _Thread_local struct fdl_redemption rows[FDL_MAX_PAGE_SIZE];
    int count = 0;
    WITH_READER(r, st,
                fdl_svc_redemptions_of(&r->srv->svc, st, &r->actor, id, before,
                                       (int)limit, rows, &count, &r->err));
    json_t *items = json_array();
    for (int i = 0; i < count; i++)
        json_array_append_new(items, redemption_json(r, &rows[i]));
    json_t *page =
        json_pack("{s:I, s:o}", "member_id", (json_int_t)id, "redemptions", items);
    if (count == limit)
        json_object_set_new(page, "next_before", json_integer(rows[count - 1].id));
    return http_reply(r, 200, page);
}

/* A query string argument of 1..max bytes, or NULL if absent. */
static int query_text(struct http_request *r, const char *name, int required, size_t max,
                      const char **out)
{
    const char *v = http_query(r, name);
    if (!v && required)
        return http_failf(r, FDL_EMISSING_FIELD, name, "is required");
    if (v && (!*v || strlen(v) > max))
        return http_failf(r, FDL_ERANGE, name, "must be 1 to %zu bytes", max);
    *out = v;
    return 0;
}

int http_may_buy(struct http_request *r)
{
    int64_t id, now_s = fdl_clock_now_s(), at_s = now_s;
    const char *sku = NULL, *category = NULL, *time = NULL;
    if (http_param_id(r, 0, "member_id", &id) ||
        query_text(r, "sku", 1, FDL_MAX_ID_LEN, &sku) ||
        query_text(r, "category", 0, FDL_MAX_ID_LEN, &category) ||
        query_text(r, "time", 0, 40, &time))
        return r->err.code;
    if (time && fdl_time_parse(time, &at_s) != 0)
        return http_failf(r, FDL_EINVALID, "time", "must be an RFC 3339 time");
    struct fdl_may_buy d;
    WITH_READER(r, st,
                fdl_svc_may_buy(&r->srv->svc, st, &r->actor, id, sku, category, at_s,
                                now_s, &d, &r->err));
    int in_launch = d.launch[0] != '\0';
    return http_reply(
        r, 200,
        json_pack("{s:I, s:s, s:o, s:b, s:s, s:o, s:o, s:o}", "member_id", (json_int_t)id,
                  "sku", sku, "time", http_time_json(at_s), "allowed", d.allowed,
                  "reason", fdl_may_buy_reason_name(d.reason), "launch",
                  http_opt_string(d.launch), "opens_at",
                  in_launch ? http_time_json(d.opens_at_s) : json_null(),
                  "opens_for_member_at",
                  in_launch ? http_time_json(d.opens_for_member_at_s) : json_null()));
}
