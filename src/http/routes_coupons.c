/*
 * routes_coupons.c - the coupon routes (making single-use codes, checking a
 * code), the purchase request's `coupons` field and the purchase answer's
 * coupon section. Handlers decode, call service/coupons.h, encode.
 */
#include "http/internal.h"

#include "base/clock.h"
#include "base/limits.h"
#include "service/coupons.h"

#include <sodium.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define COUPON_MAX_TOTAL_MINOR (FDL_MAX_UNIT_PRICE_MINOR * 1000) /* check's total */

/* ---- the purchase's coupons ---- */

int http_coupons_decode(json_t *list, struct fdl_purchase_request *req,
                        struct fdl_error *err)
{
    size_t i;
    json_t *code;
    req->coupon_count = 0;
    json_array_foreach(list, i, code)
    {
        char path[32];
        snprintf(path, sizeof(path), "coupons[%zu]", i);
        size_t len = json_is_string(code) ? json_string_length(code) : 0;
        if (!json_is_string(code) || len < 1 || len > FDL_COUPON_INPUT_MAX)
            return fdl_error_set(err, FDL_EFIELD_TYPE, path,
                                 "expected a code: a string of 1 to %d bytes",
                                 FDL_COUPON_INPUT_MAX);
        if (strlen(json_string_value(code)) != len)
            return fdl_error_set(err, FDL_EINVALID, path, "not a valid coupon code");
        req->coupons[req->coupon_count++] = json_string_value(code);
    }
    return 0;
}

void http_coupons_section(json_t *out, const struct fdl_purchase_result *res)
{
    json_object_set_new(out, "coupon_discount",
                        json_integer(res->purchase.coupon_discount_minor));
    json_t *lines = json_object_get(out, "lines"), *line;
    size_t i;
    json_array_foreach(lines, i, line)
    {
        json_object_set_new(line, "coupon_discount",
                            json_integer(res->lines[i].coupon_discount_minor));
    }
    json_t *a = json_array();
    for (int k = 0; k < res->coupon_count; k++) {
        const struct fdl_coupon_applied *c = &res->coupons[k];
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:I}", "code", c->code,
                                           "campaign", c->campaign, "kind",
                                           c->single_use ? "single_use" : "generic",
                                           "discount", (json_int_t)c->discount_minor));
    }
    json_object_set_new(out, "coupons", a);
}

/* ---- POST /v1/coupons/{campaign}/codes ---- */

struct codes_arg {
    struct http_request *r;
    int64_t count, member_id;
};

static const struct fdl_json_field codes_fields[] = {
    {"count", FDL_JSON_INT, 1, 1, FDL_MAX_COUPON_BATCH,
     offsetof(struct codes_arg, count)},
    {"member_id", FDL_JSON_INT, 0, 1, INT64_MAX, offsetof(struct codes_arg, member_id)},
};

static json_t *codes_answer(const struct codes_arg *a, json_t *codes)
{
    return json_pack("{s:s, s:I, s:o, s:o, s:b}", "campaign", a->r->params[0], "count",
                     (json_int_t)a->count, "member_id",
                     a->member_id ? json_integer(a->member_id) : json_null(), "codes",
                     codes ? codes : json_null(), "shown", codes != NULL);
}

static int run_codes(struct fdl_store *st, struct fdl_job *job)
{
    struct codes_arg *a = job->arg;
    char(*codes)[FDL_COUPON_FORMATTED_MAX] = calloc((size_t)a->count, sizeof(*codes));
    if (!codes)
        return fdl_error_set(&job->err, FDL_ENOMEM, NULL, "out of memory");
    int rc = fdl_svc_coupon_codes_create(&a->r->srv->svc, st, &a->r->actor,
                                         a->r->params[0], a->count, a->member_id,
                                         fdl_clock_now_s(), codes, &job->err);
    json_t *list = rc == 0 ? json_array() : NULL;
    for (int64_t i = 0; list && i < a->count; i++)
        json_array_append_new(list, json_string(codes[i]));
    sodium_memzero(codes, (size_t)a->count * sizeof(*codes));
    free(codes);
    if (rc)
        return rc;
    /* The codes are shown once: the idempotency record keeps the answer
     * without them, so a replay says they were made but cannot show them. */
    json_t *recorded = codes_answer(a, NULL);
    job->record_body = recorded ? json_dumps(recorded, JSON_COMPACT) : NULL;
    json_decref(recorded);
    if (!job->record_body) {
        json_decref(list);
        return fdl_error_set(&job->err, FDL_ENOMEM, NULL, "out of memory");
    }
    return http_job_answer(job, 201, codes_answer(a, list));
}

int http_coupon_codes_create(struct http_request *r)
{
    json_t *body;
    if (http_body_json(r, &body))
        return r->err.code;
    struct codes_arg a = {r, 0, 0};
    int rc = fdl_json_decode(body, codes_fields, 2, &a, "", &r->err);
    rc = rc ? http_fail(r, &r->err) : http_write(r, NULL, NULL, run_codes, &a);
    json_decref(body);
    return rc;
}

/* ---- GET /v1/coupons/{code}/check ---- */

/* A query argument that must be an integer in [min, max]. */
static int query_required(struct http_request *r, const char *name, int64_t min,
                          int64_t max, int64_t *out)
{
    const char *v = http_query(r, name);
    if (!v)
        return http_failf(r, FDL_EMISSING_FIELD, name, "this query argument is required");
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || errno == ERANGE || n < min || n > max || v[0] == '+' ||
        (v[0] == '0' && v[1]))
        return http_failf(r, FDL_ERANGE, name, "must be an integer from %lld to %lld",
                          (long long)min, (long long)max);
    *out = n;
    return 0;
}

int http_coupon_check(struct http_request *r)
{
    int64_t member_id, total;
    if (query_required(r, "member_id", 1, INT64_MAX, &member_id) ||
        query_required(r, "total", 0, COUPON_MAX_TOTAL_MINOR, &total))
        return r->err.code;
    struct fdl_coupon_check out;
    int64_t now_s = fdl_clock_now_s();
    WITH_READER(r, st,
                fdl_svc_coupon_check(&r->srv->svc, st, &r->actor, r->params[0], member_id,
                                     total, now_s, &out, &r->err));
    return http_reply(
        r, 200,
        json_pack(
            "{s:b, s:o, s:s, s:o, s:o, s:s, s:s, s:o, s:I, s:I}", "valid", out.valid,
            "reason", http_opt_string(out.reason), "code", out.coupon.code, "campaign",
            http_opt_string(out.coupon.campaign), "name", http_opt_string(out.name),
            "kind", out.coupon.single_use ? "single_use" : "generic", "effect",
            out.coupon.campaign[0] ? fdl_coupon_effect_name(out.effect) : "unknown",
            "discount", out.has_discount ? json_integer(out.discount_minor) : json_null(),
            "member_id", (json_int_t)member_id, "total", (json_int_t)total));
}
