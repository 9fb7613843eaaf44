/*
 * routes_coalition.c - the settlement routes of coalitions (/v1/settlements,
 * service/coalition.h): the report of what partners owe each other, settling
 * it, and a settlement with its lines. Days are the program's local dates.
 */
#include "http/internal.h"

#include "base/clock.h"
#include "service/coalition.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *day_json(int64_t day)
{
    int64_t y;
    int m, d;
    fdl_civil_from_days(day, &y, &m, &d);
    char text[16];
    snprintf(text, sizeof(text), "%04lld-%02d-%02d", (long long)y, m, d);
    return json_string(text);
}

static json_t *pairs_json(const struct fdl_settlement_pair *p, int n)
{
    json_t *list = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:I, s:I}", "issuer",
                                              p[i].issuer, "redeemer", p[i].redeemer,
                                              "points", (json_int_t)p[i].points, "amount",
                                              (json_int_t)p[i].amount_minor, "items",
                                              (json_int_t)p[i].items));
    return list;
}

static json_t *settlement_json(const struct fdl_settlement *s, int64_t until_day,
                               const struct fdl_settlement_pair *lines, int n)
{
    return json_pack("{s:o, s:o, s:I, s:I, s:I, s:o, s:o}", "id",
                     s->id ? json_integer(s->id) : json_null(), "until",
                     day_json(s->id ? s->until_day : until_day), "points",
                     (json_int_t)s->points, "amount", (json_int_t)s->amount_minor,
                     "items", (json_int_t)s->items, "created_at",
                     s->id ? http_time_json(s->created_at_s) : json_null(), "lines",
                     pairs_json(lines, n));
}

static int query_day(struct http_request *r, const char *name, int64_t *out)
{
    const char *v = http_query(r, name);
    if (!v)
        return http_failf(r, FDL_EMISSING_FIELD, name, "give a date like 2026-01-31");
    if (strlen(v) != 10 || fdl_date_parse(v, out) != 0)
        return http_failf(r, FDL_EFIELD_TYPE, name, "must be a date like 2026-01-31");
    return 0;
}

int http_settlements_report(struct http_request *r)
{
    int64_t from, to;
    if (query_day(r, "from", &from) || query_day(r, "to", &to))
        return r->err.code;
    const char *status = http_query(r, "status");
    if (status && strcmp(status, "open") != 0 && strcmp(status, "all") != 0)
        return http_failf(r, FDL_EINVALID, "status", "must be open or all");
    int open_only = !status || strcmp(status, "open") == 0;
    static _Thread_local struct fdl_settlement_pair rows[FDL_SETTLEMENT_MAX_PAIRS];
    int count = 0;
    WITH_READER(r, st,
                fdl_svc_settlement_report(&r->srv->svc, st, &r->actor, from, to,
                                          open_only, rows, FDL_SETTLEMENT_MAX_PAIRS,
                                          &count, &r->err));
    return http_reply(r, 200,
                      json_pack("{s:o, s:o, s:s, s:o}", "from", day_json(from), "to",
                                day_json(to), "status", open_only ? "open" : "all",
                                "pairs", pairs_json(rows, count)));
}

struct settle_arg {
    struct http_request *r;
    int64_t until_day;
};

static const struct fdl_json_field settle_fields[] = {
    {"until", FDL_JSON_DATE, 1, 0, 0, offsetof(struct settle_arg, until_day)},
};

static int run_settle(struct fdl_store *st, struct fdl_job *job)
{
    struct settle_arg *a = job->arg;
    static _Thread_local struct fdl_settlement_pair lines[FDL_SETTLEMENT_MAX_PAIRS];
    struct fdl_settlement s;
    int count = 0;
    int rc =
        fdl_svc_settle(&a->r->srv->svc, st, &a->r->actor, a->until_day, fdl_clock_now_s(),
                       &s, lines, FDL_SETTLEMENT_MAX_PAIRS, &count, &job->err);
    return rc ? rc
              : http_job_answer(job, s.id ? 201 : 200,
                                settlement_json(&s, a->until_day, lines, count));
}

int http_settlement_create(struct http_request *r)
{
    struct settle_arg a;
    memset(&a, 0, sizeof(a));
    a.r = r;
    json_t *body;
    if (http_body_json(r, &body))
        return r->err.code;
    int rc = fdl_json_decode(body, settle_fields, 1, &a, "", &r->err);
    rc = rc == 0 ? http_write(r, NULL, NULL, run_settle, &a) : http_fail(r, &r->err);
    json_decref(body);
    return rc;
}

int http_settlement_get(struct http_request *r)
{
    int64_t id;
    if (http_param_id(r, 0, "id", &id))
        return r->err.code;
    static _Thread_local struct fdl_settlement_pair lines[FDL_SETTLEMENT_MAX_PAIRS];
    struct fdl_settlement s;
    int count = 0;
    WITH_READER(r, st,
                fdl_svc_settlement_get(&r->srv->svc, st, &r->actor, id, &s, lines,
                                       FDL_SETTLEMENT_MAX_PAIRS, &count, &r->err));
    return http_reply(r, 200, settlement_json(&s, s.until_day, lines, count));
}
