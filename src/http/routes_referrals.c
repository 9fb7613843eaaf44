/*
 * routes_referrals.c - the referral routes: a member's referral code and
 * their referrals, and the `referral` section of purchase answers.
 * Enrolment with a referral_code is POST /v1/members (routes.c).
 */
#include "http/internal.h"

#include "base/clock.h"
#include "service/referrals.h"

#include <stdlib.h>
#include <string.h>

static json_t *time_or_null(int64_t t_s)
{
    return t_s ? http_time_json(t_s) : json_null();
}

static json_t *referral_json(const struct http_request *r, const struct fdl_referral *f)
{
    json_t *out = json_pack(
        "{s:I, s:I, s:s, s:o, s:o, s:o, s:o, s:I, s:I, s:o, s:o}", "referrer_id",
        (json_int_t)f->referrer_id, "referee_id", (json_int_t)f->referee_id, "status",
        fdl_referral_status_name(f->status), "referred_at",
        http_time_json(f->created_at_s), "txn_id", http_txn_json(r, f->txn_id),
        "purchased_at", time_or_null(f->qualified_at_s), "reward_at",
        time_or_null(f->due_at_s), "referrer_points", (json_int_t)f->referrer_points,
        "referee_points", (json_int_t)f->referee_points, "rewarded_at",
        time_or_null(f->rewarded_at_s), "note", http_opt_string(f->note));
    if (out)
        json_object_set_new(out, "lapses_at",
                            f->status == FDL_REFERRAL_PENDING
                                ? time_or_null(f->lapse_at_s)
                                : json_null());
    return out;
}

json_t *http_referral_purchase_json(const struct fdl_purchase_result *res)
{
    if (!res->referral_qualified)
        return json_null();
    return json_pack("{s:s, s:o, s:I, s:I}", "status", "waiting", "reward_at",
                     http_time_json(res->referral_due_at_s), "referee_points",
                     (json_int_t)res->referral_referee_points, "referrer_points",
                     (json_int_t)res->referral_referrer_points);
}

int handle_referral_code(struct http_request *r)
{
    int64_t id;
    if (http_param_id(r, 0, "member_id", &id))
        return r->err.code;
    struct fdl_referral_code_info info;
    int64_t now_s = fdl_clock_now_s();
    WITH_READER(
        r, st,
        fdl_svc_referral_code(&r->srv->svc, st, &r->actor, id, now_s, &info, &r->err));
    const struct fdl_referral_def *d = &info.def;
    json_t *offer =
        d->enabled ? json_pack("{s:I, s:I, s:I, s:i, s:i, s:i, s:i}", "referrer_points",
                               (json_int_t)d->referrer_points, "referee_points",
                               (json_int_t)d->referee_points, "min_spend",
                               (json_int_t)d->min_spend_minor, "return_days",
                               d->return_days, "max_per_referrer", d->max_per_referrer,
                               "max_pending", d->max_pending, "lapse_days", d->lapse_days)
                   : json_null();
    return http_reply(r, 200,
                      json_pack("{s:I, s:s, s:o}", "member_id", (json_int_t)id, "code",
                                info.code, "offer", offer));
}

int handle_referrals(struct http_request *r)
{
    int64_t id, limit = FDL_DEFAULT_PAGE_SIZE, after = 0;
    if (http_param_id(r, 0, "member_id", &id) ||
        http_query_int(r, "limit", 1, FDL_MAX_PAGE_SIZE, &limit) ||
        http_query_int(r, "after", 0, INT64_MAX, &after))
        return r->err.code;
    struct fdl_referral rows[FDL_MAX_PAGE_SIZE], referred_by;
    int count = 0, was_referred = 0;
    WITH_READER(r, st,
                fdl_svc_referrals(&r->srv->svc, st, &r->actor, id, after, (int)limit,
                                  rows, &count, &referred_by, &was_referred, &r->err));
    json_t *items = json_array();
    for (int i = 0; i < count; i++)
        json_array_append_new(items, referral_json(r, &rows[i]));
    json_t *page = json_pack(
        "{s:I, s:o, s:o}", "member_id", (json_int_t)id, "referred_by",
        was_referred ? referral_json(r, &referred_by) : json_null(), "referrals", items);
    if (page && count == limit)
        json_object_set_new(page, "next_after", json_integer(rows[count - 1].referee_id));
    return http_reply(r, 200, page);
}
