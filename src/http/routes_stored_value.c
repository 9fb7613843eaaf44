/*
 * routes_stored_value.c - gift cards (/v1/gift-cards...) and the paid
 * membership (/v1/members/{id}/membership...): decode, call the service
 * (service/stored_value.h), encode. Every write goes through http_write:
 * redemptions are keyed by card and till transaction, blocks by card,
 * memberships by the till transaction that took the fee; sales, loads and
 * refunds need an Idempotency-Key header.
 */
#include "http/internal.h"

#include "base/clock.h"
#include "base/limits.h"
#include "service/stored_value.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SV_KEY_MAX                                                                       \
    160 /* "gift-spend:" partner "/" + 19 digits + ":" + a transaction id */

/* ---- encoders ---- */

static json_t *gift_card_json(const struct fdl_sv_card *c)
{
    char pretty[FDL_CARD_FORMATTED_MAX];
    fdl_card_format(c->number, pretty);
    return json_pack("{s:s, s:s, s:s, s:o, s:s, s:I, s:s, s:o, s:o}", "number", c->number,
                     "display", pretty, "kind", fdl_sv_kind_name(c->kind), "member_id",
                     c->member_id ? json_integer(c->member_id) : json_null(), "currency",
                     c->currency, "balance", (json_int_t)c->balance_minor, "status",
                     c->status == FDL_SV_ACTIVE ? "active" : "blocked", "issued_at",
                     http_time_json(c->issued_at_s), "blocked_at",
                     c->blocked_at_s ? http_time_json(c->blocked_at_s) : json_null());
}

static json_t *history_json(const struct http_request *r,
                            const struct fdl_gift_card_view *v)
{
    json_t *a = json_array();
    for (int i = 0; i < v->history_count; i++) {
        const struct fdl_sv_history_row *h = &v->history[i];
        /* -- partner isolation -- another partner's sale and cashier are its own */
        int own = !r->actor.partner[0] || (h->txn_id[0] && http_txn_out(r, h->txn_id));
        json_array_append_new(
            a, json_pack("{s:I, s:s, s:I, s:o, s:s, s:o}", "entry_id",
                         (json_int_t)h->entry_id, "kind", fdl_sv_entry_kind_name(h->kind),
                         "amount", (json_int_t)h->amount_minor, "txn_id",
                         http_txn_json(r, h->txn_id), "actor", own ? h->actor : "", "at",
                         http_time_json(h->created_at_s)));
    }
    return a;
}

void http_membership_sections(json_t *out, const struct fdl_purchase_result *res)
{
    const struct fdl_membership_purchase *m = &res->membership;
    if (m->active)
        json_object_set_new(out, "membership",
                            json_pack("{s:s, s:I, s:I, s:I, s:o}", "name", m->name,
                                      "cashback", (json_int_t)m->cashback_minor,
                                      "accrued", (json_int_t)m->accrued_minor, "cap_left",
                                      (json_int_t)m->cap_left_minor, "ends_at",
                                      http_time_json(m->ends_at_s)));
    const struct fdl_membership_advisor *a = &res->advisor;
    if (a->shown)
        json_object_set_new(out, "advisor",
                            json_pack("{s:s, s:I, s:I, s:I, s:I}", "name", a->name,
                                      "spend", (json_int_t)a->spend_minor, "cashback",
                                      (json_int_t)a->cashback_minor, "fee",
                                      (json_int_t)a->fee_minor, "difference",
                                      (json_int_t)a->difference_minor));
}

/* ---- helpers ---- */

/* The path's gift card number, checked (no lookup) and normalised into out. */
static int path_number(struct http_request *r, char out[FDL_CARD_DIGITS + 1])
{
    if (fdl_card_check_in(&fdl_card_domain_gift, &r->srv->svc.card_key,
                          (uint32_t)r->actor.program_id, r->params[0], "number", out,
                          &r->err))
        return http_fail(r, &r->err);
    return 0;
}

static int path_member(struct http_request *r, int64_t *out)
{
    const char *p = r->params[0];
    char *end;
    errno = 0;
    long long v = strtoll(p, &end, 10);
    if (!*p || *end || errno == ERANGE || v < 1 || p[0] == '+' || p[0] == '0')
        return http_failf(r, FDL_ENOT_FOUND, "member_id", "no such id");
    *out = v;
    return 0;
}

/* Decodes r's body with fields into target. */
static int decode(struct http_request *r, const struct fdl_json_field *fields, size_t n,
                  void *target)
{
    json_t *body;
    if (http_body_json(r, &body))
        return r->err.code;
    int rc = fdl_json_decode(body, fields, n, target, "", &r->err);
    json_decref(body);
    return rc ? http_fail(r, &r->err) : 0;
}

/* ---- gift cards ---- */

struct gift_arg {
    struct http_request *r;
    char number[FDL_CARD_DIGITS + 1];
    int64_t amount, member_id;
    const char *currency, *txn_id;
    char currency_copy[8];
    char txn_copy[FDL_MAX_ID_LEN + 1];
};

static int answer_card(struct fdl_job *job, int status, const struct fdl_sv_card *c)
{
    return http_job_answer(job, status, gift_card_json(c));
}

static int run_sell(struct fdl_store *st, struct fdl_job *job)
{
    struct gift_arg *a = job->arg;
    struct fdl_sv_card c;
    int rc = fdl_svc_gift_card_sell(&a->r->srv->svc, st, &a->r->actor, a->amount,
                                    a->currency_copy, a->member_id, fdl_clock_now_s(), &c,
                                    &job->err);
    return rc ? rc : answer_card(job, 201, &c);
}

int http_gift_sell(struct http_request *r)
{
    static const struct fdl_json_field fields[] = {
        {"amount", FDL_JSON_INT, 1, 1, FDL_GIFT_CARD_MAX_LOAD_MINOR,
         offsetof(struct gift_arg, amount)},
        {"currency", FDL_JSON_STRING, 1, 3, 3, offsetof(struct gift_arg, currency)},
        {"member_id", FDL_JSON_INT, 0, 1, INT64_MAX,
         offsetof(struct gift_arg, member_id)},
    };
    struct gift_arg a;
    memset(&a, 0, sizeof(a));
    a.r = r;
    json_t *body;
    if (http_body_json(r, &body))
        return r->err.code;
    int rc = fdl_json_decode(body, fields, 3, &a, "", &r->err);
    if (rc == 0)
        snprintf(a.currency_copy, sizeof(a.currency_copy), "%s", a.currency);
    json_decref(body);
    if (rc)
        return http_fail(r, &r->err);
    return http_write(r, NULL, NULL, run_sell, &a);
}

int http_gift_get(struct http_request *r)
{
    char number[FDL_CARD_DIGITS + 1];
    if (path_number(r, number))
        return r->err.code;
    struct fdl_gift_card_view *v = malloc(sizeof(*v));
    if (!v)
        return http_failf(r, FDL_ENOMEM, NULL, "out of memory");
    struct fdl_store *st = http_reader_get(r->srv, &r->err);
    int rc = st ? FDL_STORE_CALL(st, begin, 0, &r->err) : r->err.code;
    if (rc == 0)
        rc = fdl_svc_gift_card_get(&r->srv->svc, st, &r->actor, number, v, &r->err);
    if (st) {
        FDL_STORE_CALL0(st, rollback);
        http_reader_put(r->srv, st);
    }
    if (rc) {
        free(v);
        return http_fail(r, &r->err);
    }
    json_t *out = gift_card_json(&v->card);
    json_object_set_new(out, "history", history_json(r, v));
    free(v);
    return http_reply(r, 200, out);
}

static int run_load(struct fdl_store *st, struct fdl_job *job)
{
    struct gift_arg *a = job->arg;
    struct fdl_sv_card c;
    int rc = fdl_svc_gift_card_load(&a->r->srv->svc, st, &a->r->actor, a->number,
                                    a->amount, fdl_clock_now_s(), &c, &job->err);
    return rc ? rc : answer_card(job, 201, &c);
}

int http_gift_load(struct http_request *r)
{
    static const struct fdl_json_field fields[] = {
        {"amount", FDL_JSON_INT, 1, 1, FDL_GIFT_CARD_MAX_LOAD_MINOR,
         offsetof(struct gift_arg, amount)},
    };
    struct gift_arg a;
    memset(&a, 0, sizeof(a));
    a.r = r;
    if (path_number(r, a.number) || decode(r, fields, 1, &a))
        return r->err.code;
    return http_write(r, NULL, NULL, run_load, &a);
}

static int answer_movement(struct fdl_job *job, const struct gift_arg *a,
                           const struct fdl_sv_card *c)
{
    return http_job_answer(
        job, 201,
        json_pack("{s:s, s:I, s:o}", "txn_id",
                  http_txn_out(a->r, a->txn_copy) ? http_txn_out(a->r, a->txn_copy) : "",
                  "amount", (json_int_t)a->amount, "card", gift_card_json(c)));
}

static int run_redeem(struct fdl_store *st, struct fdl_job *job)
{
    struct gift_arg *a = job->arg;
    struct fdl_sv_card c;
    int rc =
        fdl_svc_gift_card_redeem(&a->r->srv->svc, st, &a->r->actor, a->number, a->amount,
                                 a->txn_copy, fdl_clock_now_s(), &c, &job->err);
    return rc ? rc : answer_movement(job, a, &c);
}

static int run_refund(struct fdl_store *st, struct fdl_job *job)
{
    struct gift_arg *a = job->arg;
    struct fdl_sv_card c;
    int rc =
        fdl_svc_gift_card_refund(&a->r->srv->svc, st, &a->r->actor, a->number, a->amount,
                                 a->txn_copy, fdl_clock_now_s(), &c, &job->err);
    return rc ? rc : answer_movement(job, a, &c);
}

/* A redemption (keyed by card and till transaction) or a refund (by header). */
static int gift_movement(struct http_request *r, int redeem)
{
    static const struct fdl_json_field fields[] = {
        {"amount", FDL_JSON_INT, 1, 1, FDL_GIFT_CARD_MAX_BALANCE_MINOR,
         offsetof(struct gift_arg, amount)},
        {"txn_id", FDL_JSON_ID, 1, 1, FDL_MAX_ID_LEN, offsetof(struct gift_arg, txn_id)},
    };
    struct gift_arg a;
    memset(&a, 0, sizeof(a));
    a.r = r;
    if (path_number(r, a.number))
        return r->err.code;
    json_t *body;
    if (http_body_json(r, &body))
        return r->err.code;
    int rc = fdl_json_decode(body, fields, 2, &a, "", &r->err);
    if (rc) {
        json_decref(body);
        return http_fail(r, &r->err);
    }
    /* -- partner isolation -- a partner's transaction ids are its own */
    rc = http_txn_in(r, "txn_id", a.txn_id, 0, a.txn_copy);
    json_decref(body);
    if (rc)
        return rc;
    if (!redeem)
        return http_write(r, NULL, NULL, run_refund, &a);
    char key[SV_KEY_MAX];
    snprintf(key, sizeof(key), "gift-spend:%s%s%s:%s", r->actor.partner,
             r->actor.partner[0] ? "/" : "", a.number, a.txn_copy);
    return http_write(r, "txn_id", key, run_redeem, &a);
}

int http_gift_redeem(struct http_request *r)
{
    return gift_movement(r, 1);
}

int http_gift_refund(struct http_request *r)
{
    return gift_movement(r, 0);
}

static int run_block(struct fdl_store *st, struct fdl_job *job)
{
    struct gift_arg *a = job->arg;
    struct fdl_sv_card c;
    int rc = fdl_svc_gift_card_block(&a->r->srv->svc, st, &a->r->actor, a->number,
                                     fdl_clock_now_s(), &c, &job->err);
    return rc ? rc : answer_card(job, 200, &c);
}

int http_gift_block(struct http_request *r)
{
    struct gift_arg a;
    memset(&a, 0, sizeof(a));
    a.r = r;
    if (path_number(r, a.number))
        return r->err.code;
    if (r->body_len) {
        json_t *body;
        if (http_body_json(r, &body))
            return r->err.code;
        int rc = fdl_json_decode(body, NULL, 0, NULL, "", &r->err);
        json_decref(body);
        if (rc)
            return http_fail(r, &r->err);
    }
    char key[SV_KEY_MAX];
    /* -- partner isolation -- another partner's block is not replayed */
    snprintf(key, sizeof(key), "gift-block:%s%s%s", r->actor.partner,
             r->actor.partner[0] ? "/" : "", a.number);
    return http_write(r, NULL, key, run_block, &a);
}

/* ---- membership ---- */

static json_t *def_json(const struct fdl_membership_def *d)
{
    if (!d->enabled)
        return json_null();
    return json_pack("{s:s, s:I, s:I, s:I, s:b}", "name", d->name, "fee",
                     (json_int_t)d->fee_minor, "cashback_basis_points",
                     (json_int_t)d->cashback_bp, "cashback_cap", (json_int_t)d->cap_minor,
                     "advisor", d->advisor);
}

static json_t *year_json(const struct http_request *r, const struct fdl_membership *m)
{
    return json_pack(
        "{s:o, s:I, s:o, s:o, s:I, s:I, s:s}", "txn_id", http_txn_json(r, m->txn_id),
        "fee", (json_int_t)m->fee_minor, "starts_at", http_time_json(m->starts_at_s),
        "ends_at", http_time_json(m->ends_at_s), "cashback_accrued",
        (json_int_t)m->accrued_minor, "cashback_paid", (json_int_t)m->paid_minor,
        "status", m->status == FDL_MEMBERSHIP_OPEN ? "open" : "closed");
}

struct membership_arg {
    struct http_request *r;
    int64_t member_id;
    const char *txn_id;
    char txn_copy[FDL_MAX_ID_LEN + 1];
};

static int run_membership_buy(struct fdl_store *st, struct fdl_job *job)
{
    struct membership_arg *a = job->arg;
    struct fdl_membership m;
    int rc = fdl_svc_membership_buy(&a->r->srv->svc, st, &a->r->actor, a->member_id,
                                    a->txn_copy, fdl_clock_now_s(), &m, &job->err);
    if (rc)
        return rc;
    json_t *out = year_json(a->r, &m);
    json_object_set_new(out, "member_id", json_integer(m.member_id));
    return http_job_answer(job, 201, out);
}

int http_membership_buy(struct http_request *r)
{
    static const struct fdl_json_field fields[] = {
        {"txn_id", FDL_JSON_ID, 1, 1, FDL_MAX_ID_LEN,
         offsetof(struct membership_arg, txn_id)},
    };
    struct membership_arg a;
    memset(&a, 0, sizeof(a));
    a.r = r;
    if (path_member(r, &a.member_id))
        return r->err.code;
    json_t *body;
    if (http_body_json(r, &body))
        return r->err.code;
    int rc = fdl_json_decode(body, fields, 1, &a, "", &r->err);
    if (rc) {
        json_decref(body);
        return http_fail(r, &r->err);
    }
    rc = http_txn_in(r, "txn_id", a.txn_id, 0, a.txn_copy);
    json_decref(body);
    if (rc)
        return rc;
    char key[SV_KEY_MAX];
    snprintf(key, sizeof(key), "membership:%s", a.txn_copy);
    return http_write(r, "txn_id", key, run_membership_buy, &a);
}

int http_membership_get(struct http_request *r)
{
    int64_t member_id;
    if (path_member(r, &member_id))
        return r->err.code;
    int64_t now_s = fdl_clock_now_s();
    struct fdl_membership_view v;
    WITH_READER(r, st,
                fdl_svc_membership_get(&r->srv->svc, st, &r->actor, member_id, now_s, &v,
                                       &r->err));
    const char *status = "none";
    if (v.has_current)
        status = "active";
    else if (v.has_latest)
        status = v.current.starts_at_s > now_s ? "upcoming" : "lapsed";
    json_t *out = json_pack(
        "{s:I, s:s, s:o, s:o, s:o, s:o}", "member_id", (json_int_t)member_id, "status",
        status, "program", def_json(&v.def), "year",
        v.has_latest ? year_json(r, &v.current) : json_null(), "cap_left",
        v.has_current ? json_integer(v.cap_left_minor) : json_null(), "certificate",
        v.has_certificate ? gift_card_json(&v.certificate) : json_null());
    return http_reply(r, 200, out);
}

int http_membership_advice(struct http_request *r)
{
    int64_t member_id;
    if (path_member(r, &member_id))
        return r->err.code;
    int64_t now_s = fdl_clock_now_s();
    struct fdl_membership_def def;
    struct fdl_membership_advice adv;
    WITH_READER(r, st,
                fdl_svc_membership_advice(&r->srv->svc, st, &r->actor, member_id, now_s,
                                          &def, &adv, &r->err));
    return http_reply(
        r, 200,
        json_pack("{s:I, s:s, s:o, s:o, s:I, s:I, s:I, s:I, s:b}", "member_id",
                  (json_int_t)member_id, "name", def.name, "from",
                  http_time_json(now_s - FDL_MEMBERSHIP_ADVICE_WINDOW_S), "to",
                  http_time_json(now_s), "spend", (json_int_t)adv.spend_minor, "cashback",
                  (json_int_t)adv.cashback_minor, "fee", (json_int_t)adv.fee_minor,
                  "difference", (json_int_t)adv.difference_minor, "pays_for_itself",
                  adv.pays_for_itself));
}
