/*
 * internal.h - what the HTTP layer's files share: the server, a request,
 * the route table, and helpers for handlers.
 */
#ifndef FDL_HTTP_INTERNAL_H
#define FDL_HTTP_INTERNAL_H

#include "base/netaddr.h"
#include "http/http.h"

#include "base/error.h"
#include "base/json.h"
#include "service/keys.h"
#include "service/service.h"
#include "service/writer.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>

#define HTTP_MAX_PARAMS  3
#define HTTP_PARAM_MAX   80
#define HTTP_READER_POOL 64

struct http_request;

/* Route flags */
#define ROUTE_PUBLIC     1u /* no API key */
#define ROUTE_WRITE      2u /* mutating: goes through the writer, idempotent */
#define ROUTE_TEST_CLOCK 4u /* only with --test-clock */
#define ROUTE_OPERATOR                                                                   \
    8u /* the program's set-up: not for a coalition partner's callers */

struct http_route {
    const char *method;
    const char *path; /* segments; "{x}" captures one */
    int (*handle)(struct http_request *r);
    unsigned scope; /* FDL_SCOPE_* needed (any of) */
    unsigned flags;
    size_t body_limit_bytes;
    const char *name; /* for metrics and logs */
    /* -- stores, staff and the audit log -- */
    unsigned roles; /* FDL_ROLE_* a staff session needs (any of); 0: as the scope
                       implies (http_route_roles) */
};

/* The roles that may call rt: its roles column, or for 0 what its scope
 * implies (pos: cashier, manager, admin; admin: admin), with the auditor
 * on every GET. */
unsigned http_route_roles(const struct http_route *rt);

/* Fills row with r's actor, route, method, path and client address (the
 * writer adds the rest) for a write's audit entry. */
void http_audit_of(const struct http_request *r, struct fdl_audit_row *row);

extern const struct http_route http_routes[];
extern const size_t http_route_count;

struct http_server {
    struct fdl_http_config cfg;
    struct fdl_service svc;
    struct fdl_key_cache keys; /* verified API keys (service/keys.h) */
    struct fdl_writer *writer;
    struct MHD_Daemon *daemon;
    pthread_mutex_t pool_lock;
    struct fdl_store *pool[HTTP_READER_POOL];
    int pool_count;
    char *openapi; /* the OpenAPI document, served as is */
    size_t openapi_len;
    struct fdl_networks trusted; /* reverse proxies (cfg.trusted_proxies) */
};

struct http_request {
    struct http_server *srv;
    struct MHD_Connection *conn;
    const struct http_route *route;
    size_t route_index;
    const char *method, *url;
    char params[HTTP_MAX_PARAMS][HTTP_PARAM_MAX];
    int param_count;
    struct fdl_actor actor;
    uint64_t start_ns;
    char *body;
    size_t body_len;
    int body_too_large;
    int responded;
    /* The answer: either json (owned) or raw bytes (owned), with status. */
    int status;
    json_t *json;
    char *raw;
    size_t raw_len;
    const char *content_type;
    int replayed;
    char allow[32]; /* methods the path accepts, for 405 answers */
    /* -- stores, staff and the audit log -- */
    const char *hash_body; /* if set: what http_write hashes instead of the body
                              (a body with a password left out) */
    size_t hash_body_len;
    struct fdl_error err;
};

/* Sets r's answer to status with json (reference stolen). Returns 0. */
int http_reply(struct http_request *r, int status, json_t *json);

/* Sets r's answer to the problem for err (err->code must be set). Returns err->code. */
int http_fail(struct http_request *r, const struct fdl_error *err);

/* Shortcut: fdl_error_set on r->err then http_fail. */
int http_failf(struct http_request *r, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A read connection from the pool (opened on demand), and its return. */
struct fdl_store *http_reader_get(struct http_server *srv, struct fdl_error *err);
void http_reader_put(struct http_server *srv, struct fdl_store *st);

/* Path parameter i as an id (digits, no sign or leading zero, 1..INT64_MAX)
 * into *out; anything else answers 404 naming field and returns its code. */
int http_param_id(struct http_request *r, int i, const char *field, int64_t *out);

/* An optional integer query argument in [min, max] into *out (untouched
 * when absent); anything else answers 400 out-of-range naming it. */
int http_query_int(struct http_request *r, const char *name, int64_t min, int64_t max,
                   int64_t *out);

/* Query argument, or NULL. */
const char *http_query(struct http_request *r, const char *name);

/* Parses r's body as a JSON object (strict; see base/json.h). */
int http_body_json(struct http_request *r, json_t **out);

/*
 * Runs a write: hashes the request, takes the idempotency key (natural_key,
 * the value of body field natural_field, if given; else the Idempotency-Key
 * header, which is then required), hands run/arg to the writer and turns
 * its outcome into r's answer. A reused key names natural_field (or the
 * header) in the 409 problem.
 */
int http_write(struct http_request *r, const char *natural_field, const char *natural_key,
               int (*run)(struct fdl_store *st, struct fdl_job *job), void *arg);

/* Runs a write that has no idempotency key (opening and ending a session:
 * a retry opens another session, or ends an ended one, which harms
 * nothing); it is audited like any other write. */
int http_write_unkeyed(struct http_request *r,
                       int (*run)(struct fdl_store *st, struct fdl_job *job), void *arg);

/* Like http_write, but the writer rolls the work back after answering: a dry
 * run that sees exactly what a real write would, and changes nothing. */
int http_dry_run(struct http_request *r,
                 int (*run)(struct fdl_store *st, struct fdl_job *job), void *arg);

/* Sets job's answer: status and the compact JSON of obj (reference stolen). */
int http_job_answer(struct fdl_job *job, int status, json_t *obj);

/* Encoders shared by the route files: an RFC 3339 time; a string or null
 * when empty; a member; a card; a balance; receipt messages; a tier status
 * (null when the program has no tiers). Each returns a new reference. */
json_t *http_time_json(int64_t t_s);
json_t *http_opt_string(const char *s);

/*
 * Expires what is due in program_id (0: every program), batch by batch,
 * each through the writer in its own transaction; *members and *points add
 * up what the batches did. A batch that changed something writes an audit
 * row in its transaction: audit's (the request that ran it) or, with audit
 * NULL, the expiry job's ("job:expire").
 */
int http_expire_all(struct http_server *srv, int64_t program_id,
                    const struct fdl_audit_row *audit, int64_t *members, int64_t *points,
                    struct fdl_error *err);

/*
 * The idempotency record's key of write r: natural_key when the write has
 * one (a purchase's "txn:<id>"), else its Idempotency-Key header's, per
 * partner (required; at most FDL_MAX_IDEMPOTENCY_KEY_LEN bytes). Writes it
 * into key (cap bytes, HTTP_IDEMPOTENCY_KEY_MAX is enough); 0, or the error
 * code (answered).
 */
#define HTTP_IDEMPOTENCY_KEY_MAX (FDL_MAX_IDEMPOTENCY_KEY_LEN + FDL_PARTNER_ID_MAX + 16)
int http_idempotency_key(struct http_request *r, const char *natural_key, char *key,
                         size_t cap);

/*
 * -- partner isolation -- Transaction ids (txn_id, refund_id) and
 * idempotency keys are per coalition partner: the id T a partner's caller
 * sends is kept as "<partner>/T" ('/' is never in an id a caller sends), so
 * two partners may both use T and neither meets the other's. The operator
 * keeps its ids as sent and reaches a partner's with ?partner=<id> where a
 * route takes one.
 *
 * http_txn_in writes the stored form of the caller's id into out; a
 * partner's id that would not fit FDL_MAX_ID_LEN is FDL_ERANGE naming field
 * (and answered). With query set, the route's "partner" query parameter is
 * honoured for the operator (a partner's caller naming one is FDL_EINVALID).
 * Returns 0 or the error code (already answered).
 */
int http_txn_in(struct http_request *r, const char *field, const char *id, int query,
                char out[FDL_MAX_ID_LEN + 1]);

/* The id the caller knows for a stored id: the operator sees it as stored;
 * a partner sees its own without the prefix, and NULL for anybody else's. */
const char *http_txn_out(const struct http_request *r, const char *stored);

/* http_txn_out as JSON: a string, or null. */
json_t *http_txn_json(const struct http_request *r, const char *stored);
json_t *http_member_json(const struct fdl_member *m);
json_t *http_card_json(const struct fdl_card *c);
json_t *http_balance_json(const struct fdl_balance *b);
json_t *http_messages_json(char (*messages)[FDL_MESSAGE_MAX], int count);
json_t *http_tier_json(const struct fdl_tier_status *t);

/* Runs `call` (which may use st) in a read transaction on a pooled
 * connection; on failure answers r's error and returns from the handler. */
#define WITH_READER(r, st, call)                                                         \
    do {                                                                                 \
        struct fdl_store *st = http_reader_get((r)->srv, &(r)->err);                     \
        if (!st)                                                                         \
            return http_fail((r), &(r)->err);                                            \
        int rc_ = FDL_STORE_CALL(st, begin, 0, &(r)->err);                               \
        if (rc_ == 0)                                                                    \
            rc_ = (call);                                                                \
        FDL_STORE_CALL0(st, rollback);                                                   \
        http_reader_put((r)->srv, st);                                                   \
        if (rc_)                                                                         \
            return http_fail((r), &(r)->err);                                            \
    } while (0)

/* Handlers of the feature route files (routes_<feature>.c). */
/* -- early access -- */
int http_may_buy(struct http_request *r);
/* -- coupons -- */
/* POST /v1/coupons/{campaign}/codes and GET /v1/coupons/{code}/check. */
int http_coupon_codes_create(struct http_request *r);
int http_coupon_check(struct http_request *r);
/* The purchase body's `coupons` list (codes point into list) into req. */
int http_coupons_decode(json_t *list, struct fdl_purchase_request *req,
                        struct fdl_error *err);
/* Adds the purchase answer's coupon fields to out (made by purchase_json):
 * coupon_discount, coupons, and each line's coupon_discount. */
void http_coupons_section(json_t *out, const struct fdl_purchase_result *res);
/* -- punch cards -- */
/* Turns the purchase's decoded stamp_rewards array into voucher ids
 * (FDL_EFIELD_TYPE / FDL_ERANGE naming stamp_rewards[i] otherwise). */
int http_stamp_rewards_decode(struct fdl_purchase_request *req, struct fdl_error *err);
/* The `stamps` sections of a purchase's and a refund's answers. */
json_t *http_stamps_purchase_json(const struct fdl_purchase_result *res);
json_t *http_stamps_refund_json(const struct fdl_refund_result *res);
/* GET /v1/members/{id}/stamps: the member's cards and vouchers. */
int http_handle_member_stamps(struct http_request *r);
/* Adds `benefits` (the member's level's texts) to the `tier` object of a
 * purchase's answer, when it has one. */
void http_tier_add_benefits(json_t *purchase, const struct fdl_purchase_result *res);
/* The benefits of member m's level in the program in force now, as a list. */
json_t *http_member_tier_benefits(struct http_request *r, const struct fdl_member *m);
/* -- rewards -- */
int http_rewards_list(struct http_request *r);
int http_redemption_reserve(struct http_request *r);
int http_redemptions_of(struct http_request *r);
int http_redemption_get(struct http_request *r);
int http_redemption_commit(struct http_request *r);
int http_redemption_cancel(struct http_request *r);
/* -- stored value and membership -- */
/* Gift cards and the paid membership (routes_stored_value.c). */
int http_gift_sell(struct http_request *r);
int http_gift_get(struct http_request *r);
int http_gift_load(struct http_request *r);
int http_gift_redeem(struct http_request *r);
int http_gift_refund(struct http_request *r);
int http_gift_block(struct http_request *r);
int http_membership_buy(struct http_request *r);
int http_membership_get(struct http_request *r);
int http_membership_advice(struct http_request *r);
/* Adds the purchase answer's membership and advisor sections, when set. */
void http_membership_sections(json_t *out, const struct fdl_purchase_result *res);
/* -- stores, staff and the audit log -- */
int http_stores_create(struct http_request *r);
int http_stores_list(struct http_request *r);
int http_store_update(struct http_request *r);
int http_staff_create(struct http_request *r);
int http_staff_list(struct http_request *r);
int http_staff_link(struct http_request *r);
int http_session_create(struct http_request *r);
int http_session_delete(struct http_request *r);
/* -- staff lifecycle -- */
int http_staff_update(struct http_request *r);
int http_staff_password_set(struct http_request *r);
int http_own_password_change(struct http_request *r);
int http_audit_log(struct http_request *r);
int http_staff_activity(struct http_request *r);
/* -- referrals -- */
int handle_referral_code(struct http_request *r);
int handle_referrals(struct http_request *r);
/* The `referral` section of a purchase answer: null unless it qualified. */
json_t *http_referral_purchase_json(const struct fdl_purchase_result *res);
/* -- currencies -- */
/* PUT /v1/currencies/{code}/rates, GET /v1/currencies, GET .../{code}/rates. */
int http_currency_rate_put(struct http_request *r);
int http_currencies_list(struct http_request *r);
int http_currency_rates_get(struct http_request *r);
/* The `original` sections of a purchase's and a refund's answers: the till's
 * currency, amount and the rate used, or null if there was no conversion. */
json_t *http_currency_purchase_json(const struct fdl_purchase_result *res);
json_t *http_currency_refund_json(const struct fdl_refund_result *res);

/* Metrics: count a finished request; render the exposition text (malloc'd). */
void http_metrics_observe(size_t route_index, int status, uint64_t elapsed_ns);
/* 1 if every route of the table has a metrics slot of its own (the server
 * refuses to start otherwise, so a new route cannot be miscounted). */
int http_metrics_fit(void);
char *http_metrics_render(struct http_server *srv, size_t *len);

/* -- coalitions -- */
/* GET /v1/settlements (report), POST /v1/settlements, GET /v1/settlements/{id}. */
int http_settlements_report(struct http_request *r);
int http_settlement_create(struct http_request *r);
int http_settlement_get(struct http_request *r);

#endif
