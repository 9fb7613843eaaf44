/*
 * routes.c - the route table and its handlers. A handler decodes the
 * request, calls the service, encodes the answer; nothing else.
 */
#include "http/internal.h"

#include "base/clock.h"
#include "base/limits.h"
#include "engine/explain.h"
#include "service/coalition.h"
#include "service/keys.h"
#include "service/staff.h"

#include <sodium.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- encoders ---- */

json_t *http_time_json(int64_t t_s)
{
    char text[FDL_TIME_TEXT_MAX];
    fdl_time_format(t_s, text);
    return json_string(text);
}

json_t *http_opt_string(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

json_t *http_member_json(const struct fdl_member *m)
{
    char birthday[16];
    if (m->has_birthday)
        fdl_date_format(m->birthday_days, birthday);
    return json_pack("{s:I, s:s, s:o, s:o, s:o, s:b, s:o, s:I, s:o, s:o}", "id",
                     (json_int_t)m->id, "name", m->name, "email",
                     http_opt_string(m->email), "phone", http_opt_string(m->phone),
                     "birthday", m->has_birthday ? json_string(birthday) : json_null(),
                     "marketing_consent", m->marketing_consent, "home_store",
                     http_opt_string(m->home_store), "balance", (json_int_t)m->balance,
                     "enrolled_at", http_time_json(m->created_at_s), "tier",
                     http_opt_string(m->tier));
}

json_t *http_card_json(const struct fdl_card *c)
{
    char pretty[24];
    fdl_card_format(c->number, pretty);
    return json_pack("{s:s, s:s, s:I, s:s, s:o, s:o, s:o, s:o}", "number", c->number,
                     "display", pretty, "member_id", (json_int_t)c->member_id, "status",
                     c->status == FDL_CARD_ACTIVE ? "active" : "blocked", "issued_at",
                     http_time_json(c->issued_at_s), "blocked_at",
                     c->blocked_at_s ? http_time_json(c->blocked_at_s) : json_null(),
                     "block_reason", http_opt_string(c->block_reason), "replaced_by",
                     http_opt_string(c->replaced_by));
}

json_t *http_balance_json(const struct fdl_balance *b)
{
    json_t *expiring = json_array();
    for (int i = 0; i < b->expiring_count; i++)
        json_array_append_new(expiring,
                              json_pack("{s:o, s:I}", "expires_at",
                                        http_time_json(b->expiring[i].expires_at_s),
                                        "points", (json_int_t)b->expiring[i].points));
    return json_pack("{s:I, s:I, s:I, s:o}", "total", (json_int_t)b->total, "available",
                     (json_int_t)b->available, "pending", (json_int_t)b->pending,
                     "expiring", expiring);
}

json_t *http_messages_json(char (*messages)[FDL_MESSAGE_MAX], int count)
{
    json_t *a = json_array();
    for (int i = 0; i < count; i++)
        json_array_append_new(a, json_string(messages[i]));
    return a;
}

static json_t *awards_json(const struct fdl_purchase_result *res)
{
    json_t *a = json_array();
    for (int i = 0; i < res->award_count; i++) {
        const struct fdl_points_row *w = &res->awards[i];
        json_array_append_new(
            a, json_pack("{s:s, s:o, s:I}", "rule", w->rule, "line",
                         w->line_no ? json_integer(w->line_no) : json_null(), "points",
                         (json_int_t)w->points));
    }
    return a;
}

static json_t *purchase_json(const struct http_request *r,
                             struct fdl_purchase_result *res)
{
    const struct fdl_purchase *p = &res->purchase;
    json_t *lines = json_array();
    for (int i = 0; i < p->line_count; i++) {
        const struct fdl_purchase_line *l = &res->lines[i];
        json_array_append_new(
            lines,
            json_pack("{s:i, s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:I}", "line", l->line_no,
                      "sku", l->sku, "category", http_opt_string(l->category), "quantity",
                      (json_int_t)l->quantity, "unit_price",
                      (json_int_t)l->unit_price_minor, "amount",
                      (json_int_t)l->amount_minor, "points", (json_int_t)l->points,
                      "redeemed_points", (json_int_t)l->redeemed_points,
                      "refunded_quantity", (json_int_t)l->refunded_quantity));
    }
    json_t *out = json_pack(
        "{s:I, s:o, s:I, s:o, s:s, s:s, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I, "
        "s:I, s:o, s:o, s:o}",
        "id", (json_int_t)p->id, "txn_id", http_txn_json(r, p->txn_id), "member_id",
        (json_int_t)p->member_id, "store", http_opt_string(p->store_code), "channel",
        p->channel, "currency", p->currency, "time", http_time_json(p->occurred_at_s),
        "recorded_at", http_time_json(p->recorded_at_s), "total",
        (json_int_t)p->total_minor, "discount", (json_int_t)p->discount_minor,
        "points_earned", (json_int_t)p->points_earned, "points_redeemed",
        (json_int_t)p->points_redeemed, "refunded", (json_int_t)p->refunded_minor,
        "points_clawed_back", (json_int_t)p->points_clawed, "points_returned",
        (json_int_t)p->points_restored, "lines", lines, "balance",
        http_balance_json(&res->balance), "messages",
        http_messages_json(res->messages, res->message_count));
    if (out) {
        json_object_set_new(out, "points_detail", awards_json(res));
        json_object_set_new(out, "program_version", json_integer(p->program_version));
        /* Each feature's section of the answer. */
        /* -- early access -- */
        /* -- coupons -- */
        http_coupons_section(out, res);
        /* -- punch cards -- */
        json_object_set_new(out, "stamps", http_stamps_purchase_json(res));
        /* -- rewards -- */
        /* -- stored value and membership -- */
        http_membership_sections(out, res);
        /* -- referrals -- */
        json_object_set_new(out, "referral", http_referral_purchase_json(res));
        /* -- currencies -- */
        json_object_set_new(out, "original", http_currency_purchase_json(res));
    }
    return out;
}

json_t *http_tier_json(const struct fdl_tier_status *t)
{
    if (!t->enabled)
        return json_null();
    return json_pack("{s:s, s:b, s:o, s:o, s:s, s:o}", "name", t->name, "upgraded",
                     t->upgraded, "next", t->next[0] ? json_string(t->next) : json_null(),
                     "missing", t->next[0] ? json_integer(t->missing) : json_null(),
                     "basis", fdl_tier_basis_name(t->basis), "review_at",
                     t->review_at_s ? http_time_json(t->review_at_s) : json_null());
}

/* ---- small helpers ---- */

/* Parses a decimal integer in [min, max], all of text, no sign or leading zero
 * tricks beyond what strtoll accepts; 0 or -1. */
static int parse_int(const char *text, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (!*text || *end || errno == ERANGE || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int http_param_id(struct http_request *r, int i, const char *field, int64_t *out)
{
    const char *p = r->params[i];
    if (p[0] < '1' || p[0] > '9' || parse_int(p, 1, INT64_MAX, out))
        return http_failf(r, FDL_ENOT_FOUND, field, "no such id");
    return 0;
}

int http_query_int(struct http_request *r, const char *name, int64_t min, int64_t max,
                   int64_t *out)
{
    const char *v = http_query(r, name);
    if (v && parse_int(v, min, max, out))
        return http_failf(r, FDL_ERANGE, name, "must be an integer from %lld to %lld",
                          (long long)min, (long long)max);
    return 0;
}

/* For writes that take no fields: no body, or an empty JSON object. */
static int no_fields(struct http_request *r)
{
    if (r->body_len == 0)
        return 0;
    json_t *body;
    if (http_body_json(r, &body))
        return r->err.code;
    int rc = fdl_json_decode(body, NULL, 0, NULL, "", &r->err);
    json_decref(body);
    return rc ? http_fail(r, &r->err) : 0;
}

/* Runs fn on a read connection inside a read transaction. */

/* ---- public routes ---- */

static int handle_healthz(struct http_request *r)
{
    return http_reply(r, 200, json_pack("{s:s}", "status", "ok"));
}

static int handle_metrics(struct http_request *r)
{
    r->raw = http_metrics_render(r->srv, &r->raw_len);
    if (!r->raw)
        return http_failf(r, FDL_ENOMEM, NULL, "out of memory");
    r->status = 200;
    r->content_type = "text/plain; version=0.0.4";
    return 0;
}

static int handle_openapi(struct http_request *r)
{
    if (!r->srv->openapi)
        return http_failf(r, FDL_ENOT_FOUND, NULL, "the OpenAPI document was not found");
    r->raw = malloc(r->srv->openapi_len + 1);
    if (!r->raw)
        return http_failf(r, FDL_ENOMEM, NULL, "out of memory");
    memcpy(r->raw, r->srv->openapi, r->srv->openapi_len + 1);
    r->raw_len = r->srv->openapi_len;
    r->status = 200;
    r->content_type = "application/json";
    return 0;
}

/* Static pages: web/<name> for a fixed set of names; no path traversal possible. */
static int handle_page(struct http_request *r)
{
    static const struct {
        const char *url, *file, *type;
    } pages[] = {
        {"/", "index.html", "text/html; charset=utf-8"},
        {"/till", "till.html", "text/html; charset=utf-8"},
        {"/admin", "admin.html", "text/html; charset=utf-8"},
        {"/web/app.js", "app.js", "text/javascript"},
        {"/web/style.css", "style.css", "text/css"},
    };
    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
        if (strcmp(r->url, pages[i].url) != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", r->srv->cfg.web_dir, pages[i].file);
        FILE *f = fopen(path, "rb");
        if (!f)
            break;
        char *buf = malloc(1024 * 1024);
        size_t n = buf ? fread(buf, 1, 1024 * 1024, f) : 0;
        fclose(f);
        if (!buf)
            return http_failf(r, FDL_ENOMEM, NULL, "out of memory");
        r->raw = buf;
        r->raw_len = n;
        r->status = 200;
        r->content_type = pages[i].type;
        return 0;
    }
    return http_failf(r, FDL_ENOT_FOUND, NULL, "no page %s", r->url);
}

/* ---- members ---- */

struct enrol_input {
    struct fdl_enrol_request req;
};

#define EI(f) offsetof(struct enrol_input, req.f)
static const struct fdl_json_field enrol_fields[] = {
    {"name", FDL_JSON_STRING, 1, 1, FDL_MAX_NAME_LEN, EI(name)},
    {"email", FDL_JSON_STRING, 0, 3, FDL_MAX_EMAIL_LEN, EI(email)},
    {"phone", FDL_JSON_STRING, 0, 6, FDL_MAX_PHONE_LEN, EI(phone)},
    {"birthday", FDL_JSON_DATE, 0, 0, 0, EI(birthday_days)},
    {"marketing_consent", FDL_JSON_BOOL, 0, 0, 1, EI(marketing_consent)},
    {"home_store", FDL_JSON_STRING, 0, 1, FDL_MAX_ID_LEN, EI(home_store)},
    /* -- referrals -- */
    {"referral_code", FDL_JSON_STRING, 0, 1, FDL_REFERRAL_CODE_INPUT_MAX,
     EI(referral_code)},
};
#undef EI

static int run_enrol(struct fdl_store *st, struct fdl_job *job)
{
    struct http_request *r = job->arg;
    struct enrol_input *in = (struct enrol_input *)r->raw; /* see handle_enrol */
    struct fdl_member m;
    struct fdl_card c;
    int rc = fdl_svc_enrol(&r->srv->svc, st, &r->actor, &in->req, &m, &c, &job->err);
    if (rc)
        return rc;
    return http_job_answer(job, 201,
                           json_pack("{s:o, s:o}", "member", http_member_json(&m), "card",
                                     http_card_json(&c)));
}

static int handle_enrol(struct http_request *r)
{
    json_t *body;
    if (http_body_json(r, &body))
        return r->err.code;
    struct enrol_input in;
    memset(&in, 0, sizeof(in));
    in.req.birthday_days = INT64_MIN;
    int rc =
        fdl_json_decode(body, enrol_fields, sizeof(enrol_fields) / sizeof(*enrol_fields),
                        &in, "", &r->err);
    if (rc == 0) {
        in.req.has_birthday = in.req.birthday_days != INT64_MIN;
        if (in.req.has_birthday &&
            (in.req.birthday_days > fdl_clock_now_s() / 86400 ||
             in.req.birthday_days < fdl_days_from_civil(1900, 1, 1)))
            rc = fdl_error_set(&r->err, FDL_ERANGE, "birthday",
                               "must be between 1900 and today");
    }
    if (rc) {
        json_decref(body);
        return http_fail(r, &r->err);
    }
    r->raw = (char *)&in; /* borrowed for run_enrol; cleared below */
    rc = http_write(r, NULL, NULL, run_enrol, r);
    if (r->raw == (char *)&in)
        r->raw = NULL;
    json_decref(body);
    return rc;
}

static int handle_member_lookup(struct http_request *r)
{
    const char *card = http_query(r, "card"), *phone = http_query(r, "phone");
    const char *email = http_query(r, "email"), *q = http_query(r, "q");
    int given = !!card + !!phone + !!email + !!q;
    if (given != 1)
        return http_failf(r, FDL_EINVALID, "q",
                          "give exactly one of card, phone, email or q");
    int64_t limit = FDL_DEFAULT_PAGE_SIZE, after = 0;
    if (http_query_int(r, "limit", 1, FDL_MAX_PAGE_SIZE, &limit) ||
        http_query_int(r, "after", 0, INT64_MAX, &after))
        return r->err.code;
    struct fdl_member found[FDL_MAX_PAGE_SIZE];
    int count = 0;
    struct fdl_service *svc = &r->srv->svc;
    if (q) {
        WITH_READER(r, st,
                    fdl_svc_member_search(svc, st, &r->actor, q, after, (int)limit, found,
                                          &count, &r->err));
    } else {
        int rc_found;
        WITH_READER(r, st,
                    (rc_found = card ? fdl_svc_member_by_card(svc, st, &r->actor, card,
                                                              found, &r->err)
                                     : fdl_svc_member_by_contact(
                                           svc, st, &r->actor,
                                           phone ? FDL_LOOKUP_PHONE : FDL_LOOKUP_EMAIL,
                                           phone ? phone : email, found, &r->err)));
        count = 1;
    }
    json_t *items = json_array();
    for (int i = 0; i < count; i++)
        json_array_append_new(items, http_member_json(&found[i]));
    json_t *page = json_pack("{s:o}", "members", items);
    if (q && count == limit)
        json_object_set_new(page, "next_after", json_integer(found[count - 1].id));
    return http_reply(r, 200, page);
}

static int handle_member_get(struct http_request *r)
{
    int64_t id;
    if (http_param_id(r, 0, "member_id", &id))
        return r->err.code;
    struct fdl_member m;
    struct fdl_balance b;
    struct fdl_card cards[FDL_MAX_CARDS_LISTED];
    int count = 0;
    struct fdl_service *svc = &r->srv->svc;
    int64_t now_s = fdl_clock_now_s();
    WITH_READER(r, st,
                fdl_svc_member_get(svc, st, &r->actor, id, &m, &r->err) ||
                        fdl_svc_balance(svc, st, &r->actor, id, now_s, &b, &r->err) ||
                        fdl_svc_cards_of(svc, st, &r->actor, id, cards, &count, &r->err)
                    ? (r->err.code ? r->err.code : FDL_EINTERNAL)
                    : 0);
    json_t *cj = json_array();
    for (int i = 0; i < count; i++)
        json_array_append_new(cj, http_card_json(&cards[i]));
    json_t *out = http_member_json(&m);
    json_object_set_new(out, "points", http_balance_json(&b));
    json_object_set_new(out, "cards", cj);
    json_object_set_new(out, "tier_benefits", http_member_tier_benefits(r, &m));
    return http_reply(r, 200, out);
}

static int handle_balance(struct http_request *r)
{
    int64_t id;
    if (http_param_id(r, 0, "member_id", &id))
        return r->err.code;
    struct fdl_balance b;
    int64_t now_s = fdl_clock_now_s();
    WITH_READER(r, st,
                fdl_svc_balance(&r->srv->svc, st, &r->actor, id, now_s, &b, &r->err));
    json_t *out = http_balance_json(&b);
    json_object_set_new(out, "member_id", json_integer(id));
    return http_reply(r, 200, out);
}

static int handle_history(struct http_request *r)
{
    int64_t id, limit = FDL_DEFAULT_PAGE_SIZE, before = 0;
    if (http_param_id(r, 0, "member_id", &id) ||
        http_query_int(r, "limit", 1, FDL_MAX_PAGE_SIZE, &limit) ||
        http_query_int(r, "before", 0, INT64_MAX, &before))
        return r->err.code;
    struct fdl_history_row rows[FDL_MAX_PAGE_SIZE];
    int count = 0;
    WITH_READER(r, st,
                fdl_svc_history(&r->srv->svc, st, &r->actor, id, before, (int)limit, rows,
                                &count, &r->err));
    json_t *items = json_array();
    for (int i = 0; i < count; i++) {
        const struct fdl_history_row *h = &rows[i];
        /* -- partner isolation -- the balance is the coalition's, but what
         * another partner's entry says (sale, reason, who) is its own */
        int own = !r->actor.partner[0] || (h->txn_id[0] && http_txn_out(r, h->txn_id));
        json_array_append_new(items,
                              json_pack("{s:I, s:s, s:I, s:o, s:o, s:o, s:o}", "entry_id",
                                        (json_int_t)h->entry_id, "kind",
                                        fdl_entry_kind_name(h->kind), "points",
                                        (json_int_t)h->points, "time",
                                        http_time_json(h->created_at_s), "txn_id",
                                        http_txn_json(r, h->txn_id), "reason",
                                        http_opt_string(own ? h->reason : NULL), "actor",
                                        http_opt_string(own ? h->actor : NULL)));
    }
    json_t *page = json_pack("{s:I, s:o}", "member_id", (json_int_t)id, "entries", items);
    if (count == limit)
        json_object_set_new(page, "next_before", json_integer(rows[count - 1].entry_id));
    return http_reply(r, 200, page);
}

/* ---- cards ---- */

static int run_card_issue(struct fdl_store *st, struct fdl_job *job)
{
    struct http_request *r = job->arg;
    int64_t id = 0;
    http_param_id(r, 0, "member_id", &id);
    struct fdl_card c;
    int rc = fdl_svc_card_issue(&r->srv->svc, st, &r->actor, id, &c, &job->err);
    return rc ? rc : http_job_answer(job, 201, http_card_json(&c));
}

static int handle_card_issue(struct http_request *r)
{
    int64_t id;
    if (http_param_id(r, 0, "member_id", &id) || no_fields(r))
        return r->err.code;
    return http_write(r, NULL, NULL, run_card_issue, r);
}

struct block_input {
    const char *reason;
    int replace;
};

static const struct fdl_json_field block_fields[] = {
    {"reason", FDL_JSON_STRING, 1, 1, FDL_MAX_REASON_LEN,
     offsetof(struct block_input, reason)},
    {"replace", FDL_JSON_BOOL, 0, 0, 1, offsetof(struct block_input, replace)},
};

struct block_arg {
    struct http_request *r;
    struct block_input in;
};

static int run_card_block(struct fdl_store *st, struct fdl_job *job)
{
    struct block_arg *a = job->arg;
    struct fdl_card blocked, fresh;
    int rc = fdl_svc_card_block(&a->r->srv->svc, st, &a->r->actor, a->r->params[0],
                                a->in.reason, a->in.replace, &blocked, &fresh, &job->err);
    if (rc)
        return rc;
    return http_job_answer(
        job, 200,
        json_pack("{s:o, s:o}", "blocked", http_card_json(&blocked), "replacement",
                  a->in.replace ? http_card_json(&fresh) : json_null()));
}

static int handle_card_block(struct http_request *r)
{
    json_t *body;
    if (http_body_json(r, &body))
        return r->err.code;
    struct block_arg a = {r, {NULL, 0}};
    int rc = fdl_json_decode(body, block_fields, 2, &a.in, "", &r->err);
    rc = rc ? http_fail(r, &r->err) : http_write(r, NULL, NULL, run_card_block, &a);
    json_decref(body);
    return rc;
}

static int handle_card_get(struct http_request *r)
{
    struct fdl_card c;
    WITH_READER(r, st,
                fdl_svc_card_get(&r->srv->svc, st, &r->actor, r->params[0], &c, &r->err));
    return http_reply(r, 200, http_card_json(&c));
}

/* ---- purchases and refunds ---- */

struct purchase_arg {
    struct http_request *r;
    int dry_run;
    char txn[FDL_MAX_ID_LEN + 1]; /* the stored form of req.txn_id (http_txn_in) */
    struct fdl_purchase_request req;
    json_t *lines;
    const char *card;
    json_t *coupons; /* routes_coupons.c decodes it */
};

#define PA(f) offsetof(struct purchase_arg, f)
static const struct fdl_json_field purchase_fields[] = {
    {"txn_id", FDL_JSON_ID, 1, 1, FDL_MAX_ID_LEN, PA(req.txn_id)},
    {"member_id", FDL_JSON_INT, 0, 1, INT64_MAX, PA(req.member_id)},
    {"card", FDL_JSON_STRING, 0, 1, 64, PA(card)},
    {"store", FDL_JSON_STRING, 0, 1, FDL_MAX_ID_LEN, PA(req.store_code)},
    {"channel", FDL_JSON_STRING, 0, 1, 15, PA(req.channel)},
    {"time", FDL_JSON_TIME, 0, 0, 40, PA(req.occurred_at_s)},
    {"currency", FDL_JSON_STRING, 1, 3, 3, PA(req.currency)},
    {"redeem_points", FDL_JSON_INT, 0, 0, FDL_MAX_POINTS, PA(req.redeem_points)},
    {"lines", FDL_JSON_ARRAY, 1, 1, FDL_MAX_BASKET_LINES, PA(lines)},
    /* -- early access -- */
    /* -- coupons -- */
    {"coupons", FDL_JSON_ARRAY, 0, 0, FDL_MAX_COUPONS_PER_PURCHASE, PA(coupons)},
    /* -- punch cards -- */
    {"stamp_rewards", FDL_JSON_ARRAY, 0, 0, FDL_MAX_STAMP_REWARDS_PER_PURCHASE,
     PA(req.stamp_rewards_json)},
    /* -- rewards -- */
    /* -- stored value and membership -- */
    /* -- referrals -- */
};
#undef PA

struct line_input {
    struct fdl_line_request req;
    json_t *labels;
};

#define LR(f) offsetof(struct line_input, req.f)
static const struct fdl_json_field line_fields[] = {
    {"sku", FDL_JSON_STRING, 1, 1, FDL_MAX_ID_LEN, LR(sku)},
    {"category", FDL_JSON_STRING, 0, 1, FDL_MAX_ID_LEN, LR(category)},
    {"quantity", FDL_JSON_INT, 1, 1, FDL_MAX_LINE_QUANTITY, LR(quantity)},
    {"unit_price", FDL_JSON_INT, 1, 0, FDL_MAX_UNIT_PRICE_MINOR, LR(unit_price_minor)},
    {"labels", FDL_JSON_ARRAY, 0, 0, FDL_MAX_LINE_LABELS,
     offsetof(struct line_input, labels)},
};
#undef LR

/* Decodes lines[i] of a purchase into *out (labels point into the tree). */
static int decode_line(json_t *line, size_t i, struct fdl_line_request *out,
                       struct fdl_error *err)
{
    char path[32];
    snprintf(path, sizeof(path), "lines[%zu]", i);
    if (!json_is_object(line))
        return fdl_error_set(err, FDL_EFIELD_TYPE, path, "expected an object");
    struct line_input in;
    memset(&in, 0, sizeof(in));
    int rc = fdl_json_decode(line, line_fields,
                             sizeof(line_fields) / sizeof(*line_fields), &in, path, err);
    size_t k;
    json_t *label;
    if (rc == 0 && in.labels)
        json_array_foreach(in.labels, k, label)
        {
            size_t len = json_is_string(label) ? json_string_length(label) : 0;
            if (len < 1 || len > FDL_MAX_ID_LEN) {
                char where[FDL_ERROR_FIELD_MAX];
                snprintf(where, sizeof(where), "%s.labels[%zu]", path, k);
                return fdl_error_set(err, FDL_EFIELD_TYPE, where,
                                     "expected a string of 1 to %d bytes",
                                     FDL_MAX_ID_LEN);
            }
            in.req.labels[in.req.label_count++] = json_string_value(label);
        }
    if (rc == 0)
        *out = in.req;
    return rc;
}

static const char *const channels[] = {"till", "web", "app", NULL};

static int decode_purchase(struct http_request *r, json_t *body, struct purchase_arg *a,
                           struct fdl_line_request *lines)
{
    int rc = fdl_json_decode(body, purchase_fields,
                             sizeof(purchase_fields) / sizeof(*purchase_fields), a, "",
                             &r->err);
    if (rc)
        return rc;
    if (!!a->card == !!a->req.member_id)
        return fdl_error_set(&r->err, FDL_EINVALID, "card",
                             "give exactly one of card or member_id");
    a->req.card_number = a->card;
    if (a->req.channel) {
        int known = 0;
        for (int i = 0; channels[i]; i++)
            known |= strcmp(channels[i], a->req.channel) == 0;
        if (!known)
            return fdl_error_set(&r->err, FDL_EINVALID, "channel",
                                 "must be till, web or app");
    }
    size_t i;
    json_t *line;
    json_array_foreach(a->lines, i, line)
    {
        if ((rc = decode_line(line, i, &lines[i], &r->err)))
            return rc;
    }
    a->req.lines = lines;
    a->req.line_count = json_array_size(a->lines);
    if (a->coupons && (rc = http_coupons_decode(a->coupons, &a->req, &r->err)))
        return rc;
    return http_stamp_rewards_decode(&a->req, &r->err);
}

/* Records the purchase, or, for a dry run, answers what it would record
 * (the writer then rolls it back). */
static int run_purchase(struct fdl_store *st, struct fdl_job *job)
{
    struct purchase_arg *a = job->arg;
    struct fdl_purchase_result res;
    int rc = fdl_svc_purchase(&a->r->srv->svc, st, &a->r->actor, &a->req,
                              fdl_clock_now_s(), &res, &job->err);
    if (rc)
        return rc;
    json_t *out = purchase_json(a->r, &res);
    if (out) {
        json_object_set_new(out, "tier", http_tier_json(&res.tier));
        http_tier_add_benefits(out, &res);
    }
    if (out && a->dry_run) {
        json_object_del(out, "id");
        json_object_set_new(out, "dry_run", json_true());
    }
    rc = http_job_answer(job, a->dry_run ? 200 : 201, out);
    fdl_purchase_result_release(&res);
    return rc;
}

static int purchase_request(struct http_request *r, int dry_run)
{
    json_t *body;
    if (http_body_json(r, &body))
        return r->err.code;
    struct purchase_arg a;
    memset(&a, 0, sizeof(a));
    a.r = r;
    a.dry_run = dry_run;
    struct fdl_line_request lines[FDL_MAX_BASKET_LINES];
    int rc = decode_purchase(r, body, &a, lines);
    char key[FDL_MAX_ID_LEN + 8];
    if (rc == 0 && (rc = http_txn_in(r, "txn_id", a.req.txn_id, 0, a.txn)) != 0) {
        json_decref(body);
        return rc;
    }
    a.req.txn_id = a.txn;
    if (rc) {
        rc = http_fail(r, &r->err);
    } else if (dry_run) {
        rc = http_dry_run(r, run_purchase, &a);
    } else {
        snprintf(key, sizeof(key), "txn:%s", a.req.txn_id);
        rc = http_write(r, "txn_id", key, run_purchase, &a);
    }
    json_decref(body);
    return rc;
}

static int handle_purchase(struct http_request *r)
{
    return purchase_request(r, 0);
}

/* Evaluates a purchase exactly as POST /v1/purchases would, and keeps nothing. */
static int handle_purchase_dry_run(struct http_request *r)
{
    return purchase_request(r, 1);
}

static int handle_purchase_get(struct http_request *r)
{
    struct fdl_purchase_result res;
    int64_t now_s = fdl_clock_now_s();
    char txn[FDL_MAX_ID_LEN + 1];
    if (http_txn_in(r, "txn_id", r->params[0], 1, txn))
        return r->err.code;
    WITH_READER(
        r, st,
        fdl_svc_purchase_get(&r->srv->svc, st, &r->actor, txn, now_s, &res, &r->err));
    json_t *out = purchase_json(r, &res);
    json_object_del(out, "messages");
    fdl_purchase_result_release(&res);
    return http_reply(r, 200, out);
}

struct refund_arg {
    struct http_request *r;
    struct fdl_refund_request req;
    json_t *lines;
};

static const struct fdl_json_field refund_fields[] = {
    {"refund_id", FDL_JSON_ID, 1, 1, FDL_MAX_ID_LEN,
     offsetof(struct refund_arg, req.refund_id)},
    {"lines", FDL_JSON_ARRAY, 0, 1, FDL_MAX_BASKET_LINES,
     offsetof(struct refund_arg, lines)},
};

static const struct fdl_json_field refund_line_fields[] = {
    {"line", FDL_JSON_INT, 1, 1, FDL_MAX_BASKET_LINES,
     offsetof(struct fdl_refund_line, line_no)},
    {"quantity", FDL_JSON_INT, 1, 1, FDL_MAX_LINE_QUANTITY,
     offsetof(struct fdl_refund_line, quantity)},
};

static int run_refund(struct fdl_store *st, struct fdl_job *job)
{
    struct refund_arg *a = job->arg;
    struct fdl_refund_result res;
    int rc = fdl_svc_refund(&a->r->srv->svc, st, &a->r->actor, &a->req, fdl_clock_now_s(),
                            &res, &job->err);
    if (rc)
        return rc;
    const struct fdl_refund *f = &res.refund;
    json_t *out = json_pack(
        "{s:o, s:o, s:I, s:I, s:I, s:I, s:o, s:o}", "refund_id",
        http_txn_json(a->r, f->refund_id), "txn_id", http_txn_json(a->r, a->req.txn_id),
        "member_id", (json_int_t)f->member_id, "amount", (json_int_t)f->amount_minor,
        "points_clawed_back", (json_int_t)f->points_clawed, "points_returned",
        (json_int_t)f->points_restored, "balance", http_balance_json(&res.balance),
        "messages", http_messages_json(res.messages, res.message_count));
    if (out) { /* each feature's section of the answer */
        json_object_set_new(out, "stamps", http_stamps_refund_json(&res));
        /* -- currencies -- */
        json_object_set_new(out, "original", http_currency_refund_json(&res));
    }
    return http_job_answer(job, 201, out);
}

static int handle_refund(struct http_request *r)
{
    json_t *body;
    if (http_body_json(r, &body))
        return r->err.code;
    struct refund_arg a;
    memset(&a, 0, sizeof(a));
    a.r = r;
    char txn[FDL_MAX_ID_LEN + 1], refund_id[FDL_MAX_ID_LEN + 1];
    a.req.txn_id = txn;
    struct fdl_refund_line lines[FDL_MAX_BASKET_LINES];
    int rc = http_txn_in(r, "txn_id", r->params[0], 1, txn);
    if (rc) {
        json_decref(body);
        return rc;
    }
    rc = fdl_json_decode(body, refund_fields, 2, &a, "", &r->err);
    if (rc == 0 &&
        (rc = http_txn_in(r, "refund_id", a.req.refund_id, 0, refund_id)) != 0) {
        json_decref(body);
        return rc;
    }
    if (rc == 0)
        a.req.refund_id = refund_id;
    size_t i;
    json_t *line;
    if (a.lines)
        json_array_foreach(a.lines, i, line)
        {
            if (rc)
                break;
            char path[32];
            snprintf(path, sizeof(path), "lines[%zu]", i);
            memset(&lines[i], 0, sizeof(lines[i]));
            rc = json_is_object(line) ? fdl_json_decode(line, refund_line_fields, 2,
                                                        &lines[i], path, &r->err)
                                      : fdl_error_set(&r->err, FDL_EFIELD_TYPE, path,
                                                      "expected an object");
        }
    a.req.lines = lines;
    a.req.line_count = a.lines ? json_array_size(a.lines) : 0;
    if (rc == 0) {
        char key[FDL_MAX_ID_LEN + 8];
        snprintf(key, sizeof(key), "refund:%s", a.req.refund_id);
        rc = http_write(r, "refund_id", key, run_refund, &a);
    } else {
        rc = http_fail(r, &r->err);
    }
    json_decref(body);
    return rc;
}

/* ---- staff and admin ---- */

struct adjust_arg {
    struct http_request *r;
    int64_t member_id, points;
    const char *reason;
};

static const struct fdl_json_field adjust_fields[] = {
    {"points", FDL_JSON_INT, 1, -FDL_MAX_POINTS, FDL_MAX_POINTS,
     offsetof(struct adjust_arg, points)},
    {"reason", FDL_JSON_STRING, 1, 1, FDL_MAX_REASON_LEN,
     offsetof(struct adjust_arg, reason)},
};

static int run_adjust(struct fdl_store *st, struct fdl_job *job)
{
    struct adjust_arg *a = job->arg;
    int64_t entry_id;
    struct fdl_balance b;
    int rc = fdl_svc_adjust(&a->r->srv->svc, st, &a->r->actor, a->member_id, a->points,
                            a->reason, fdl_clock_now_s(), &entry_id, &b, &job->err);
    if (rc)
        return rc;
    return http_job_answer(
        job, 201,
        json_pack("{s:I, s:I, s:I, s:s, s:o}", "entry_id", (json_int_t)entry_id,
                  "member_id", (json_int_t)a->member_id, "points", (json_int_t)a->points,
                  "reason", a->reason, "balance", http_balance_json(&b)));
}

static int handle_adjust(struct http_request *r)
{
    struct adjust_arg a = {r, 0, 0, NULL};
    if (http_param_id(r, 0, "member_id", &a.member_id))
        return r->err.code;
    json_t *body;
    if (http_body_json(r, &body))
        return r->err.code;
    int rc = fdl_json_decode(body, adjust_fields, 2, &a, "", &r->err);
    if (rc == 0 && a.points == 0)
        rc = fdl_error_set(&r->err, FDL_ERANGE, "points", "must not be zero");
    rc = rc ? http_fail(r, &r->err) : http_write(r, NULL, NULL, run_adjust, &a);
    json_decref(body);
    return rc;
}

/* ---- segments ---- */

static json_t *segments_json(int64_t member_id, char (*names)[FDL_SEGMENT_MAX + 1], int n)
{
    json_t *list = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(list, json_string(names[i]));
    return json_pack("{s:I, s:o}", "member_id", (json_int_t)member_id, "segments", list);
}

static int handle_segments_get(struct http_request *r)
{
    int64_t member_id;
    if (http_param_id(r, 0, "member_id", &member_id))
        return r->err.code;
    char names[FDL_MAX_MEMBER_SEGMENTS][FDL_SEGMENT_MAX + 1];
    int n = 0;
    WITH_READER(
        r, st,
        fdl_svc_segments_get(&r->srv->svc, st, &r->actor, member_id, names, &n, &r->err));
    return http_reply(r, 200, segments_json(member_id, names, n));
}

struct segments_arg {
    struct http_request *r;
    int64_t member_id;
    json_t *list;
    const char *names[FDL_MAX_MEMBER_SEGMENTS];
    int n;
};

static int run_segments_set(struct fdl_store *st, struct fdl_job *job)
{
    struct segments_arg *a = job->arg;
    int rc = fdl_svc_segments_set(&a->r->srv->svc, st, &a->r->actor, a->member_id,
                                  a->names, a->n, &job->err);
    char names[FDL_MAX_MEMBER_SEGMENTS][FDL_SEGMENT_MAX + 1];
    int n = 0;
    if (rc == 0)
        rc = fdl_svc_segments_get(&a->r->srv->svc, st, &a->r->actor, a->member_id, names,
                                  &n, &job->err);
    return rc ? rc : http_job_answer(job, 200, segments_json(a->member_id, names, n));
}

static const struct fdl_json_field segments_fields[] = {
    {"segments", FDL_JSON_ARRAY, 1, 0, FDL_MAX_MEMBER_SEGMENTS,
     offsetof(struct segments_arg, list)},
};

static int handle_segments_set(struct http_request *r)
{
    struct segments_arg a;
    memset(&a, 0, sizeof(a));
    a.r = r;
    if (http_param_id(r, 0, "member_id", &a.member_id))
        return r->err.code;
    json_t *body;
    if (http_body_json(r, &body))
        return r->err.code;
    int rc = fdl_json_decode(body, segments_fields, 1, &a, "", &r->err);
    size_t i;
    json_t *v;
    if (rc == 0)
        json_array_foreach(a.list, i, v)
        {
            if (!json_is_string(v)) {
                char field[32];
                snprintf(field, sizeof(field), "segments[%zu]", i);
                rc = fdl_error_set(&r->err, FDL_EFIELD_TYPE, field, "expected a string");
                break;
            }
            a.names[a.n++] = json_string_value(v);
        }
    rc = rc ? http_fail(r, &r->err) : http_write(r, NULL, NULL, run_segments_set, &a);
    json_decref(body);
    return rc;
}

struct key_arg {
    struct http_request *r;
    const char *name, *scopes, *partner;
};

static const struct fdl_json_field key_fields[] = {
    {"name", FDL_JSON_STRING, 1, 1, FDL_MAX_NAME_LEN, offsetof(struct key_arg, name)},
    {"scopes", FDL_JSON_STRING, 1, 3, 9, offsetof(struct key_arg, scopes)},
    {"partner", FDL_JSON_STRING, 0, 1, FDL_PARTNER_ID_MAX,
     offsetof(struct key_arg, partner)},
};

static int run_key_create(struct fdl_store *st, struct fdl_job *job)
{
    struct key_arg *a = job->arg;
    char text[FDL_KEY_TEXT_LEN + 1], partner[FDL_PARTNER_ID_MAX + 1];
    int rc = fdl_svc_partner_for_new(&a->r->srv->svc, st, &a->r->actor, a->partner,
                                     "partner", partner, &job->err);
    if (rc == 0)
        rc = fdl_key_create(st, a->r->actor.program_id, a->name,
                            (unsigned)fdl_scopes_parse(a->scopes), partner, text,
                            &job->err);
    if (rc)
        return rc;
    /* The key is shown once. The idempotency record keeps the answer without
     * it, so a replay says the key exists but cannot show it again. */
    char id[FDL_KEY_ID_LEN + 1];
    memcpy(id, text + 4, FDL_KEY_ID_LEN);
    id[FDL_KEY_ID_LEN] = '\0';
    json_t *recorded =
        json_pack("{s:n, s:s, s:s, s:s, s:b, s:o}", "key", "key_id", id, "name", a->name,
                  "scopes", a->scopes, "shown", 0, "partner", http_opt_string(partner));
    job->record_body = recorded ? json_dumps(recorded, JSON_COMPACT) : NULL;
    json_decref(recorded);
    if (!job->record_body)
        return fdl_error_set(&job->err, FDL_ENOMEM, NULL, "out of memory");
    rc = http_job_answer(job, 201,
                         json_pack("{s:s, s:s, s:s, s:s, s:b, s:o}", "key", text,
                                   "key_id", id, "name", a->name, "scopes", a->scopes,
                                   "shown", 1, "partner", http_opt_string(partner)));
    sodium_memzero(text, sizeof(text));
    return rc;
}

static int handle_key_create(struct http_request *r)
{
    json_t *body;
    if (http_body_json(r, &body))
        return r->err.code;
    struct key_arg a = {r, NULL, NULL, NULL};
    int rc = fdl_json_decode(body, key_fields, sizeof(key_fields) / sizeof(*key_fields),
                             &a, "", &r->err);
    if (rc == 0 && fdl_scopes_parse(a.scopes) < 0)
        rc = fdl_error_set(&r->err, FDL_EINVALID, "scopes",
                           "must be pos, admin or pos,admin");
    rc = rc ? http_fail(r, &r->err) : http_write(r, NULL, NULL, run_key_create, &a);
    json_decref(body);
    return rc;
}

static int handle_expire(struct http_request *r)
{
    int64_t members, points;
    if (no_fields(r))
        return r->err.code;
    struct fdl_audit_row audit;
    http_audit_of(r, &audit);
    if (http_expire_all(r->srv, r->actor.program_id, &audit, &members, &points, &r->err))
        return http_fail(r, &r->err);
    return http_reply(r, 200,
                      json_pack("{s:I, s:I}", "members", (json_int_t)members,
                                "points_expired", (json_int_t)points));
}

/* The partners of a coalition program file, without their rates (those
 * are in the file): [{id, name, stores}]. */
static json_t *partners_json(const struct fdl_program_def *def)
{
    json_t *out = json_array();
    for (size_t i = 0; def && i < def->n_partners; i++) {
        const struct fdl_partner_def *p = &def->partners[i];
        json_t *stores = json_array();
        for (size_t k = 0; k < p->stores.n; k++)
            json_array_append_new(stores, json_string(p->stores.items[k]));
        json_array_append_new(out,
                              json_pack("{s:s, s:s, s:o}", "id", p->id, "name",
                                        p->name ? p->name : p->id, "stores", stores));
    }
    return out;
}

/* The settings in force now (the program file's, once one is applied), its
 * version and, for coalitions, the partners. */
static int handle_program(struct http_request *r)
{
    const struct fdl_program_state *ps = NULL;
    WITH_READER(r, st, fdl_svc_program(&r->srv->svc, st, &r->actor, &ps, &r->err));
    const struct fdl_version_state *ver =
        fdl_program_version_at(&r->srv->svc, ps, fdl_clock_now_s());
    json_t *out = fdl_program_to_json(ver ? &ver->def->program : &ps->program);
    json_object_set_new(out, "id", json_integer(ps->program.id));
    json_object_set_new(out, "version", ver ? json_integer(ver->version) : json_null());
    json_object_set_new(out, "partners", partners_json(ver ? ver->def : NULL));
    return http_reply(r, 200, out);
}

/* Who the caller is: GET /v1/me. */
static int handle_me(struct http_request *r)
{
    const struct fdl_actor *a = &r->actor;
    json_t *scopes = json_array();
    if (a->scopes & FDL_SCOPE_POS)
        json_array_append_new(scopes, json_string("pos"));
    if (a->scopes & FDL_SCOPE_ADMIN)
        json_array_append_new(scopes, json_string("admin"));
    return http_reply(r, 200,
                      json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:o}", "program_id",
                                (json_int_t)a->program_id, "actor", a->name, "kind",
                                a->staff_id ? "staff" : "key", "role",
                                http_opt_string(a->role ? fdl_role_name(a->role) : NULL),
                                "scopes", scopes, "store", http_opt_string(a->store),
                                "partner", http_opt_string(a->partner)));
}

struct version_arg {
    struct http_request *r;
    const char *source;
    int64_t effective_from;
};

static const struct fdl_json_field version_fields[] = {
    {"source", FDL_JSON_STRING, 1, 1, FDL_MAX_PROGRAM_FILE_BYTES,
     offsetof(struct version_arg, source)},
    {"effective_from", FDL_JSON_TIME, 0, 0, 0,
     offsetof(struct version_arg, effective_from)},
};

static int run_version_apply(struct fdl_store *st, struct fdl_job *job)
{
    struct version_arg *a = job->arg;
    int64_t version;
    int64_t now_s = fdl_clock_now_s();
    int64_t from = a->effective_from ? a->effective_from : now_s;
    int rc = fdl_svc_program_apply(&a->r->srv->svc, st, &a->r->actor, a->source,
                                   strlen(a->source), from, now_s, &version, &job->err);
    if (rc)
        return rc;
    return http_job_answer(job, 201,
                           json_pack("{s:I, s:I, s:o, s:o}", "program_id",
                                     (json_int_t)a->r->actor.program_id, "version",
                                     (json_int_t)version, "effective_from",
                                     http_time_json(from), "created_at",
                                     http_time_json(now_s)));
}

static int handle_version_apply(struct http_request *r)
{
    json_t *body;
    if (http_body_json(r, &body))
        return r->err.code;
    struct version_arg a = {r, NULL, 0};
    int rc = fdl_json_decode(body, version_fields, 2, &a, "", &r->err);
    rc = rc ? http_fail(r, &r->err) : http_write(r, NULL, NULL, run_version_apply, &a);
    json_decref(body);
    return rc;
}

static int list_versions(struct fdl_service *svc, struct fdl_store *st,
                         const struct fdl_actor *a, json_t *out, struct fdl_error *err)
{
    const struct fdl_program_state *ps;
    int rc = fdl_svc_program(svc, st, a, &ps, err);
    if (rc)
        return rc;
    const struct fdl_version_state *now =
        fdl_program_version_at(svc, ps, fdl_clock_now_s());
    static _Thread_local struct fdl_version_state versions[FDL_MAX_PROGRAM_VERSIONS];
    int count = fdl_service_versions(svc, ps, versions, FDL_MAX_PROGRAM_VERSIONS);
    for (int i = 0; i < count; i++) {
        const struct fdl_version_state *v = &versions[i];
        json_array_append_new(
            out, json_pack("{s:I, s:o, s:o, s:I, s:b}", "version", (json_int_t)v->version,
                           "effective_from", http_time_json(v->effective_from_s),
                           "created_at", http_time_json(v->created_at_s), "rules",
                           (json_int_t)v->def->n_rules, "in_force",
                           now && v->version == now->version));
    }
    return 0;
}

static int handle_version_list(struct http_request *r)
{
    json_t *items = json_array();
    struct fdl_service *svc = &r->srv->svc;
    int rc = 0;
    struct fdl_store *st = http_reader_get(r->srv, &r->err);
    if (!st)
        rc = r->err.code;
    if (rc == 0) {
        rc = list_versions(svc, st, &r->actor, items, &r->err);
        http_reader_put(r->srv, st);
    }
    if (rc) {
        json_decref(items);
        return http_fail(r, &r->err);
    }
    return http_reply(r, 200, json_pack("{s:o}", "versions", items));
}

/* The rules in force, in plain words for members (text/markdown). */
static int handle_program_explain(struct http_request *r)
{
    const struct fdl_program_state *ps = NULL;
    WITH_READER(r, st, fdl_svc_program(&r->srv->svc, st, &r->actor, &ps, &r->err));
    const struct fdl_version_state *v =
        fdl_program_version_at(&r->srv->svc, ps, fdl_clock_now_s());
    if (!v)
        return http_failf(r, FDL_ENOT_FOUND, "program",
                          "no program file is in force; apply one first");
    char *text = NULL;
    if (fdl_program_explain(v->def, http_query(r, "lang"), &text, &r->err))
        return http_fail(r, &r->err);
    r->raw = text;
    r->raw_len = strlen(text);
    r->status = 200;
    r->content_type = "text/markdown; charset=utf-8";
    return 0;
}

static int handle_clock(struct http_request *r)
{
    json_t *body;
    if (http_body_json(r, &body))
        return r->err.code;
    struct {
        int64_t now;
    } in = {0};
    static const struct fdl_json_field fields[] = {{"now", FDL_JSON_TIME, 1, 0, 40, 0}};
    int rc = fdl_json_decode(body, fields, 1, &in, "", &r->err);
    json_decref(body);
    if (rc)
        return http_fail(r, &r->err);
    fdl_clock_set(in.now);
    return http_reply(r, 200,
                      json_pack("{s:o}", "now", http_time_json(fdl_clock_now_s())));
}

/* ---- the table ---- */

#define POS   FDL_SCOPE_POS | FDL_SCOPE_ADMIN
#define ADMIN FDL_SCOPE_ADMIN
#define SMALL FDL_MAX_SMALL_BODY_BYTES
#define BIG   FDL_MAX_BODY_BYTES
/* Which staff roles may call a route (with a session; API keys go by scope). */
#define R_ADMIN   FDL_ROLE_ADMIN
#define R_AUDITOR FDL_ROLE_AUDITOR
#define R_MANAGER (FDL_ROLE_MANAGER | FDL_ROLE_ADMIN) /* refunds, adjustments */
#define R_TILL    (FDL_ROLE_CASHIER | R_MANAGER)      /* the till's writes */
#define R_ALL     (R_TILL | FDL_ROLE_AUDITOR)         /* reads */

const struct http_route http_routes[] = {
    {"GET", "/healthz", handle_healthz, 0, ROUTE_PUBLIC, 0, "healthz", 0},
    {"GET", "/metrics", handle_metrics, 0, ROUTE_PUBLIC, 0, "metrics", 0},
    {"GET", "/openapi.json", handle_openapi, 0, ROUTE_PUBLIC, 0, "openapi", 0},
    {"GET", "/", handle_page, 0, ROUTE_PUBLIC, 0, "page", 0},
    {"GET", "/till", handle_page, 0, ROUTE_PUBLIC, 0, "page", 0},
    {"GET", "/admin", handle_page, 0, ROUTE_PUBLIC, 0, "page", 0},
    {"GET", "/web/app.js", handle_page, 0, ROUTE_PUBLIC, 0, "page", 0},
    {"GET", "/web/style.css", handle_page, 0, ROUTE_PUBLIC, 0, "page", 0},
    {"GET", "/v1/program", handle_program, POS, 0, 0, "program_get", R_ALL},
    {"GET", "/v1/me", handle_me, POS | ADMIN, 0, 0, "me", R_ALL},
    {"GET", "/v1/program/versions", handle_version_list, POS, 0, 0, "program_versions",
     R_ALL},
    {"GET", "/v1/program/explain", handle_program_explain, POS, 0, 0, "program_explain",
     R_ALL},
    {"POST", "/v1/program/versions", handle_version_apply, ADMIN,
     ROUTE_WRITE | ROUTE_OPERATOR, FDL_MAX_PROGRAM_BODY_BYTES, "program_apply", R_ADMIN},
    {"POST", "/v1/members", handle_enrol, POS, ROUTE_WRITE, SMALL, "member_enrol",
     R_TILL},
    {"GET", "/v1/members", handle_member_lookup, POS, 0, 0, "member_lookup", R_ALL},
    {"GET", "/v1/members/{id}", handle_member_get, POS, 0, 0, "member_get", R_ALL},
    {"GET", "/v1/members/{id}/balance", handle_balance, POS, 0, 0, "balance_get", R_ALL},
    {"GET", "/v1/members/{id}/ledger", handle_history, POS, 0, 0, "ledger_get", R_ALL},
    {"POST", "/v1/members/{id}/cards", handle_card_issue, POS, ROUTE_WRITE, SMALL,
     "card_issue", R_TILL},
    {"GET", "/v1/members/{id}/segments", handle_segments_get, POS, 0, 0, "segments_get",
     R_ALL},
    {"PUT", "/v1/members/{id}/segments", handle_segments_set, ADMIN,
     ROUTE_WRITE | ROUTE_OPERATOR, SMALL, "segments_set", R_ADMIN},
    {"POST", "/v1/members/{id}/adjustments", handle_adjust, ADMIN, ROUTE_WRITE, SMALL,
     "adjustment_create", R_MANAGER},
    {"GET", "/v1/cards/{number}", handle_card_get, POS, 0, 0, "card_get", R_ALL},
    {"POST", "/v1/cards/{number}/block", handle_card_block, POS, ROUTE_WRITE, SMALL,
     "card_block", R_TILL},
    {"POST", "/v1/purchases", handle_purchase, POS, ROUTE_WRITE, BIG, "purchase_create",
     R_TILL},
    {"POST", "/v1/purchases/dry-run", handle_purchase_dry_run, POS, 0, BIG,
     "purchase_dry_run", R_TILL},
    {"GET", "/v1/purchases/{txn_id}", handle_purchase_get, POS, 0, 0, "purchase_get",
     R_ALL},
    {"POST", "/v1/purchases/{txn_id}/refunds", handle_refund, POS, ROUTE_WRITE, BIG,
     "refund_create", R_MANAGER},
    {"POST", "/v1/keys", handle_key_create, ADMIN, ROUTE_WRITE, SMALL, "key_create",
     R_ADMIN},
    {"POST", "/v1/admin/expire", handle_expire, ADMIN, ROUTE_OPERATOR, SMALL,
     "expire_run", R_ADMIN},
    /* -- early access -- */
    {"GET", "/v1/members/{id}/may-buy", http_may_buy, POS, 0, 0, "may_buy", R_ALL},
    /* -- coupons -- */
    {"POST", "/v1/coupons/{campaign}/codes", http_coupon_codes_create, ADMIN,
     ROUTE_WRITE | ROUTE_OPERATOR, SMALL, "coupon_codes_create", R_ADMIN},
    {"GET", "/v1/coupons/{code}/check", http_coupon_check, POS, 0, 0, "coupon_check",
     R_ALL},
    /* -- punch cards -- */
    {"GET", "/v1/members/{id}/stamps", http_handle_member_stamps, POS, 0, 0,
     "member_stamps", R_ALL},
    /* -- rewards -- */
    {"GET", "/v1/rewards", http_rewards_list, POS, 0, 0, "rewards_list", R_ALL},
    {"POST", "/v1/members/{id}/redemptions", http_redemption_reserve, POS, ROUTE_WRITE,
     SMALL, "redemption_reserve", R_TILL},
    {"GET", "/v1/members/{id}/redemptions", http_redemptions_of, POS, 0, 0,
     "redemptions_list", R_ALL},
    {"GET", "/v1/redemptions/{id}", http_redemption_get, POS, 0, 0, "redemption_get",
     R_ALL},
    {"POST", "/v1/redemptions/{id}/commit", http_redemption_commit, POS, ROUTE_WRITE,
     SMALL, "redemption_commit", R_TILL},
    {"POST", "/v1/redemptions/{id}/cancel", http_redemption_cancel, POS, ROUTE_WRITE,
     SMALL, "redemption_cancel", R_TILL},
    /* -- stored value and membership -- */
    {"POST", "/v1/gift-cards", http_gift_sell, POS, ROUTE_WRITE, SMALL, "gift_card_sell",
     R_TILL},
    {"GET", "/v1/gift-cards/{number}", http_gift_get, POS, 0, 0, "gift_card_get", R_ALL},
    {"POST", "/v1/gift-cards/{number}/loads", http_gift_load, POS, ROUTE_WRITE, SMALL,
     "gift_card_load", R_TILL},
    {"POST", "/v1/gift-cards/{number}/redemptions", http_gift_redeem, POS, ROUTE_WRITE,
     SMALL, "gift_card_redeem", R_TILL},
    {"POST", "/v1/gift-cards/{number}/refunds", http_gift_refund, POS, ROUTE_WRITE, SMALL,
     "gift_card_refund", R_MANAGER},
    {"POST", "/v1/gift-cards/{number}/block", http_gift_block, POS, ROUTE_WRITE, SMALL,
     "gift_card_block", R_MANAGER},
    {"POST", "/v1/members/{id}/membership", http_membership_buy, POS, ROUTE_WRITE, SMALL,
     "membership_buy", R_TILL},
    {"GET", "/v1/members/{id}/membership", http_membership_get, POS, 0, 0,
     "membership_get", R_ALL},
    {"GET", "/v1/members/{id}/membership/advice", http_membership_advice, POS, 0, 0,
     "membership_advice", R_ALL},
    /* -- referrals -- */
    {"GET", "/v1/members/{id}/referral", handle_referral_code, POS, 0, 0,
     "referral_code_get", R_ALL},
    {"GET", "/v1/members/{id}/referrals", handle_referrals, POS, 0, 0, "referrals_get",
     R_ALL},
    /* -- currencies -- */
    {"GET", "/v1/currencies", http_currencies_list, POS, 0, 0, "currencies_list", R_ALL},
    {"GET", "/v1/currencies/{code}/rates", http_currency_rates_get, POS, 0, 0,
     "currency_rates_get", R_ALL},
    {"PUT", "/v1/currencies/{code}/rates", http_currency_rate_put, ADMIN,
     ROUTE_WRITE | ROUTE_OPERATOR, SMALL, "currency_rate_put", R_ADMIN},
    /* -- stores, staff and the audit log -- */
    {"POST", "/v1/stores", http_stores_create, ADMIN, ROUTE_WRITE, SMALL, "store_create",
     R_ADMIN},
    {"GET", "/v1/stores", http_stores_list, POS, 0, 0, "stores_list", R_ALL},
    {"PUT", "/v1/stores/{code}", http_store_update, ADMIN, ROUTE_WRITE, SMALL,
     "store_update", R_ADMIN},
    {"POST", "/v1/staff", http_staff_create, ADMIN, ROUTE_WRITE, SMALL, "staff_create",
     R_ADMIN},
    {"GET", "/v1/staff", http_staff_list, ADMIN, 0, 0, "staff_list", R_ADMIN | R_AUDITOR},
    {"PUT", "/v1/staff/{id}/member", http_staff_link, ADMIN, ROUTE_WRITE, SMALL,
     "staff_link", R_ADMIN},
    /* -- staff lifecycle -- */
    {"PATCH", "/v1/staff/{id}", http_staff_update, ADMIN, ROUTE_WRITE, SMALL,
     "staff_update", R_ADMIN},
    {"PUT", "/v1/staff/{id}/password", http_staff_password_set, ADMIN, ROUTE_WRITE, SMALL,
     "staff_password_set", R_ADMIN},
    {"PUT", "/v1/sessions/current/password", http_own_password_change, POS, ROUTE_WRITE,
     SMALL, "own_password_change", R_ALL},
    {"POST", "/v1/sessions", http_session_create, 0, ROUTE_PUBLIC, SMALL,
     "session_create", 0},
    {"DELETE", "/v1/sessions/current", http_session_delete, POS, 0, 0, "session_delete",
     R_ALL},
    {"GET", "/v1/audit-log", http_audit_log, ADMIN, 0, 0, "audit_log",
     R_ADMIN | R_AUDITOR},
    {"GET", "/v1/reports/staff-activity", http_staff_activity, ADMIN, 0, 0,
     "staff_activity", R_MANAGER | R_AUDITOR},
    /* -- coalitions -- */
    {"GET", "/v1/settlements", http_settlements_report, ADMIN, 0, 0, "settlements_report",
     R_ADMIN | R_AUDITOR},
    {"POST", "/v1/settlements", http_settlement_create, ADMIN,
     ROUTE_WRITE | ROUTE_OPERATOR, SMALL, "settlement_create", R_ADMIN},
    {"GET", "/v1/settlements/{id}", http_settlement_get, ADMIN, 0, 0, "settlement_get",
     R_ADMIN | R_AUDITOR},
    {"PUT", "/v1/test/clock", handle_clock, ADMIN, ROUTE_TEST_CLOCK | ROUTE_OPERATOR,
     SMALL, "test_clock", R_ADMIN},
};
const size_t http_route_count = sizeof(http_routes) / sizeof(http_routes[0]);
