/*
 * routes_currency.c - the exchange-rate routes (/v1/currencies...) and the
 * `original` sections of purchase and refund answers (service/currency.h).
 */
#include "http/internal.h"

#include "base/clock.h"
#include "engine/currency.h"
#include "service/currency.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *rate_text(int64_t rate)
{
    char text[FDL_RATE_TEXT_MAX];
    if (rate <= 0)
        return json_null();
    fdl_rate_format(rate, text);
    return json_string(text);
}

static json_t *rate_json(const struct fdl_currency_rate *r)
{
    return json_pack("{s:s, s:o, s:o, s:o}", "currency", r->currency, "rate",
                     rate_text(r->rate), "effective_from",
                     http_time_json(r->effective_from_s), "created_at",
                     http_time_json(r->created_at_s));
}

/* The path's currency code: three upper-case letters of ISO 4217. */
static int param_code(struct http_request *r, char out[4])
{
    const char *p = r->params[0];
    if (strlen(p) != 3 || fdl_currency_decimals(p) < 0)
        return http_failf(r, FDL_EINVALID, "code",
                          "is not an ISO 4217 currency code like USD");
    memcpy(out, p, 4);
    return 0;
}

struct rate_arg {
    struct http_request *r;
    char code[4];
    const char *rate_text;
    int64_t rate;
    int64_t effective_from;
};

static const struct fdl_json_field rate_fields[] = {
    {"rate", FDL_JSON_STRING, 1, 1, FDL_RATE_TEXT_MAX - 1,
     offsetof(struct rate_arg, rate_text)},
    {"effective_from", FDL_JSON_TIME, 1, 0, 40,
     offsetof(struct rate_arg, effective_from)},
};

static int run_rate_put(struct fdl_store *st, struct fdl_job *job)
{
    struct rate_arg *a = job->arg;
    struct fdl_currency_rate out;
    int created = 0;
    int rc =
        fdl_svc_rate_put(&a->r->srv->svc, st, &a->r->actor, a->code, a->rate,
                         a->effective_from, fdl_clock_now_s(), &out, &created, &job->err);
    return rc ? rc : http_job_answer(job, created ? 201 : 200, rate_json(&out));
}

int http_currency_rate_put(struct http_request *r)
{
    struct rate_arg a;
    memset(&a, 0, sizeof(a));
    a.r = r;
    if (param_code(r, a.code))
        return r->err.code;
    json_t *body;
    if (http_body_json(r, &body))
        return r->err.code;
    int rc = fdl_json_decode(body, rate_fields, 2, &a, "", &r->err);
    if (rc == 0)
        rc = fdl_rate_parse(a.rate_text, "rate", &a.rate, &r->err);
    if (rc == 0) {
        /* The natural key: one rate per currency and time. */
        char key[64];
        snprintf(key, sizeof(key), "rate:%s:%lld", a.code, (long long)a.effective_from);
        rc = http_write(r, "effective_from", key, run_rate_put, &a);
    } else {
        rc = http_fail(r, &r->err);
    }
    json_decref(body);
    return rc;
}

int http_currencies_list(struct http_request *r)
{
    struct fdl_currency_summary *items =
        calloc(FDL_MAX_CURRENCIES_LISTED, sizeof(*items));
    if (!items)
        return http_failf(r, FDL_ENOMEM, NULL, "out of memory");
    int count = 0;
    char program_currency[4] = "";
    int64_t now_s = fdl_clock_now_s();
    struct fdl_store *st = http_reader_get(r->srv, &r->err);
    int rc = st ? FDL_STORE_CALL(st, begin, 0, &r->err) : r->err.code;
    if (rc == 0)
        rc = fdl_svc_currencies(&r->srv->svc, st, &r->actor, now_s, program_currency,
                                items, FDL_MAX_CURRENCIES_LISTED, &count, &r->err);
    if (st) {
        FDL_STORE_CALL0(st, rollback);
        http_reader_put(r->srv, st);
    }
    if (rc) {
        free(items);
        return http_fail(r, &r->err);
    }
    json_t *list = json_array();
    for (int i = 0; i < count; i++) {
        const struct fdl_currency_summary *c = &items[i];
        json_array_append_new(
            list,
            json_pack("{s:s, s:i, s:I, s:o, s:o, s:o, s:o}", "code", c->currency,
                      "decimals", fdl_currency_decimals(c->currency), "rates",
                      (json_int_t)c->rates, "rate", rate_text(c->current_rate),
                      "effective_from",
                      c->current_rate ? http_time_json(c->current_from_s) : json_null(),
                      "next_rate", rate_text(c->next_rate), "next_effective_from",
                      c->next_rate ? http_time_json(c->next_from_s) : json_null()));
    }
    free(items);
    return http_reply(r, 200,
                      json_pack("{s:s, s:o}", "program_currency", program_currency,
                                "currencies", list));
}

int http_currency_rates_get(struct http_request *r)
{
    char code[4];
    if (param_code(r, code))
        return r->err.code;
    int64_t limit = FDL_DEFAULT_PAGE_SIZE, before_s = 0;
    const char *v = http_query(r, "limit");
    if (v) {
        char *end;
        errno = 0;
        long long x = strtoll(v, &end, 10);
        if (!*v || *end || errno == ERANGE || x < 1 || x > FDL_MAX_PAGE_SIZE)
            return http_failf(r, FDL_ERANGE, "limit", "must be an integer from 1 to %d",
                              FDL_MAX_PAGE_SIZE);
        limit = x;
    }
    if ((v = http_query(r, "before")) && fdl_time_parse(v, &before_s))
        return http_failf(r, FDL_EINVALID, "before", "must be an RFC 3339 time");
    struct fdl_currency_rate items[FDL_MAX_PAGE_SIZE];
    int count = 0;
    WITH_READER(r, st,
                fdl_svc_rates_of(&r->srv->svc, st, &r->actor, code, before_s, (int)limit,
                                 items, &count, &r->err));
    json_t *list = json_array();
    for (int i = 0; i < count; i++)
        json_array_append_new(list, rate_json(&items[i]));
    json_t *next = count == limit && count > 0
                       ? http_time_json(items[count - 1].effective_from_s)
                       : json_null();
    return http_reply(r, 200,
                      json_pack("{s:s, s:i, s:o, s:o}", "currency", code, "decimals",
                                fdl_currency_decimals(code), "rates", list, "next_before",
                                next));
}

json_t *http_currency_purchase_json(const struct fdl_purchase_result *res)
{
    const struct fdl_purchase_conversion *c = &res->conversion;
    if (!c->currency[0])
        return json_null();
    return json_pack("{s:s, s:I, s:o}", "currency", c->currency, "total",
                     (json_int_t)c->original_total_minor, "rate", rate_text(c->rate));
}

json_t *http_currency_refund_json(const struct fdl_refund_result *res)
{
    const struct fdl_purchase_conversion *c = &res->conversion;
    if (!c->currency[0])
        return json_null();
    return json_pack("{s:s, s:I, s:o}", "currency", c->currency, "amount",
                     (json_int_t)res->original_amount_minor, "rate", rate_text(c->rate));
}
