/*
 * server.c - libmicrohttpd glue: request lifecycle, routing, authentication,
 * body limits, problem responses, the read pool, the write path and the
 * periodic expiry job. Handlers live in routes.c.
 */
#include "http/internal.h"

#include "base/clock.h"
#include "base/limits.h"
#include "base/log.h"
#include "service/coupons.h"
#include "service/keys.h"
#include "service/staff.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROBLEM_BASE "https://fidelis.dev/problems/"

/* ---- answers ---- */

int http_reply(struct http_request *r, int status, json_t *json)
{
    json_decref(r->json);
    r->status = status;
    r->json = json;
    r->content_type = "application/json";
    return 0;
}

int http_fail(struct http_request *r, const struct fdl_error *err)
{
    char type[128];
    int code = err->code ? err->code : FDL_EINTERNAL;
    snprintf(type, sizeof(type), PROBLEM_BASE "%s", fdl_error_slug(code));
    json_t *p = json_pack("{s:s, s:s, s:i}", "type", type, "title", fdl_error_title(code),
                          "status", fdl_error_status(code));
    if (p && err->message[0])
        json_object_set_new(p, "detail", json_string(err->message));
    if (p && err->field[0])
        json_object_set_new(p, "field", json_string(err->field));
    http_reply(r, fdl_error_status(code), p);
    r->content_type = "application/problem+json";
    r->err = *err;
    return code;
}

int http_failf(struct http_request *r, int code, const char *field, const char *fmt, ...)
{
    struct fdl_error err;
    fdl_error_clear(&err);
    err.code = code;
    snprintf(err.field, sizeof(err.field), "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err.message, sizeof(err.message), fmt, ap);
    va_end(ap);
    return http_fail(r, &err);
}

/* ---- the read pool ---- */

struct fdl_store *http_reader_get(struct http_server *srv, struct fdl_error *err)
{
    struct fdl_store *st = NULL;
    pthread_mutex_lock(&srv->pool_lock);
    if (srv->pool_count > 0)
        st = srv->pool[--srv->pool_count];
    pthread_mutex_unlock(&srv->pool_lock);
    if (!st && fdl_store_open(srv->cfg.db_uri, 0, &st, err) != 0)
        return NULL;
    return st;
}

void http_reader_put(struct http_server *srv, struct fdl_store *st)
{
    pthread_mutex_lock(&srv->pool_lock);
    if (srv->pool_count < HTTP_READER_POOL) {
        srv->pool[srv->pool_count++] = st;
        st = NULL;
    }
    pthread_mutex_unlock(&srv->pool_lock);
    fdl_store_close(st);
}

/* ---- request helpers ---- */

const char *http_query(struct http_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

int http_body_json(struct http_request *r, json_t **out)
{
    const char *type =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
    if (!type || strncmp(type, "application/json", 16) != 0 ||
        (type[16] && type[16] != ';' && type[16] != ' '))
        return http_failf(r, FDL_EMEDIA_TYPE, "Content-Type", "send application/json");
    if (r->body_len == 0)
        return http_failf(r, FDL_EJSON, NULL, "the body is empty");
    if (fdl_json_parse(r->body, r->body_len, FDL_MAX_JSON_DEPTH, out, &r->err))
        return http_fail(r, &r->err);
    return 0;
}

int http_job_answer(struct fdl_job *job, int status, json_t *obj)
{
    if (!obj)
        return fdl_error_set(&job->err, FDL_ENOMEM, NULL, "out of memory");
    job->status = status;
    job->body = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    return job->body ? 0 : fdl_error_set(&job->err, FDL_ENOMEM, NULL, "out of memory");
}

int http_idempotency_key(struct http_request *r, const char *natural_key, char *key,
                         size_t cap)
{
    const char *header =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Idempotency-Key");
    if (natural_key) {
        snprintf(key, cap, "%s", natural_key);
    } else if (!header || !*header) {
        return http_failf(r, FDL_EMISSING_FIELD, "Idempotency-Key",
                          "this write needs an Idempotency-Key header");
    } else if (strlen(header) > FDL_MAX_IDEMPOTENCY_KEY_LEN) {
        return http_failf(r, FDL_ERANGE, "Idempotency-Key", "at most %d bytes",
                          FDL_MAX_IDEMPOTENCY_KEY_LEN);
    } else if (r->actor.partner[0]) { /* -- partner isolation -- */
        snprintf(key, cap, "pkey:%s/%s", r->actor.partner, header);
    } else {
        snprintf(key, cap, "key:%s", header);
    }
    return 0;
}

int http_write(struct http_request *r, const char *natural_field, const char *natural_key,
               int (*run)(struct fdl_store *st, struct fdl_job *job), void *arg)
{
    char key[HTTP_IDEMPOTENCY_KEY_MAX];
    if (http_idempotency_key(r, natural_key, key, sizeof(key)))
        return r->err.code;
    struct fdl_job job;
    memset(&job, 0, sizeof(job));
    job.program_id = r->actor.program_id;
    job.idempotency_key = key;
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, sizeof(job.request_hash));
    crypto_generichash_update(&h, (const unsigned char *)r->route->name,
                              strlen(r->route->name));
    crypto_generichash_update(&h, (const unsigned char *)r->url, strlen(r->url) + 1);
    if (r->hash_body)
        crypto_generichash_update(&h, (const unsigned char *)r->hash_body,
                                  r->hash_body_len);
    else if (r->body)
        crypto_generichash_update(&h, (const unsigned char *)r->body, r->body_len);
    crypto_generichash_final(&h, job.request_hash, sizeof(job.request_hash));
    job.run = run;
    job.arg = arg;
    /* -- stores, staff and the audit log -- */
    struct fdl_audit_row audit;
    http_audit_of(r, &audit);
    job.audit = &audit;
    if (fdl_writer_submit(r->srv->writer, &job) != 0) {
        if (job.rc == FDL_EIDEMPOTENCY_MISMATCH && natural_field)
            snprintf(job.err.field, sizeof(job.err.field), "%s", natural_field);
        return http_fail(r, &job.err);
    }
    r->status = job.status;
    r->raw = job.body;
    r->raw_len = strlen(job.body);
    r->content_type = "application/json";
    r->replayed = job.replayed;
    return 0;
}

int http_write_unkeyed(struct http_request *r,
                       int (*run)(struct fdl_store *st, struct fdl_job *job), void *arg)
{
    struct fdl_job job;
    memset(&job, 0, sizeof(job));
    job.program_id = r->actor.program_id;
    job.run = run;
    job.arg = arg;
    struct fdl_audit_row audit;
    http_audit_of(r, &audit);
    job.audit = &audit;
    if (fdl_writer_submit(r->srv->writer, &job) != 0)
        return http_fail(r, &job.err);
    r->status = job.status;
    r->raw = job.body;
    r->raw_len = strlen(job.body);
    r->content_type = "application/json";
    return 0;
}

int http_dry_run(struct http_request *r,
                 int (*run)(struct fdl_store *st, struct fdl_job *job), void *arg)
{
    struct fdl_job job;
    memset(&job, 0, sizeof(job));
    job.program_id = r->actor.program_id;
    job.run = run;
    job.arg = arg;
    job.discard = 1;
    if (fdl_writer_submit(r->srv->writer, &job) != 0)
        return http_fail(r, &job.err);
    r->status = 200;
    r->raw = job.body;
    r->raw_len = strlen(job.body);
    r->content_type = "application/json";
    return 0;
}

/* ---- routing and authentication ---- */

/* Matches url against pattern, capturing "{x}" segments. */
static int route_match(const char *pattern, const char *url, struct http_request *r)
{
    int n = 0;
    while (*pattern && *url) {
        if (*pattern != '/' || *url != '/')
            return 0;
        pattern++, url++;
        const char *pe = strchrnul(pattern, '/'), *ue = strchrnul(url, '/');
        if (*pattern == '{') {
            size_t len = (size_t)(ue - url);
            if (len == 0 || len >= HTTP_PARAM_MAX || n >= HTTP_MAX_PARAMS)
                return 0;
            memcpy(r->params[n], url, len);
            r->params[n++][len] = '\0';
        } else if (pe - pattern != ue - url ||
                   memcmp(pattern, url, (size_t)(pe - pattern))) {
            return 0;
        }
        pattern = pe, url = ue;
    }
    if (*pattern || *url)
        return 0;
    r->param_count = n;
    return 1;
}

/* Finds the route; 0 found, FDL_ENOT_FOUND, or FDL_EMETHOD (path known,
 * with the methods it accepts in r->allow). */
static int route_find(struct http_request *r)
{
    size_t allow_len = 0;
    for (size_t i = 0; i < http_route_count; i++) {
        const struct http_route *rt = &http_routes[i];
        if ((rt->flags & ROUTE_TEST_CLOCK) && !r->srv->cfg.test_clock)
            continue;
        if (!route_match(rt->path, r->url, r))
            continue;
        if (strcmp(rt->method, r->method) == 0) {
            r->route = rt;
            r->route_index = i;
            return 0;
        }
        if (!strstr(r->allow, rt->method))
            allow_len +=
                (size_t)snprintf(r->allow + allow_len, sizeof(r->allow) - allow_len,
                                 "%s%s", allow_len ? ", " : "", rt->method);
    }
    return allow_len ? FDL_EMETHOD : FDL_ENOT_FOUND;
}

static const char *presented_key(struct MHD_Connection *c)
{
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (auth && strncmp(auth, "Bearer ", 7) == 0)
        return auth + 7;
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Api-Key");
}

unsigned http_route_roles(const struct http_route *rt)
{
    if (rt->roles)
        return rt->roles;
    unsigned roles = rt->scope & FDL_SCOPE_POS
                         ? FDL_ROLE_CASHIER | FDL_ROLE_MANAGER | FDL_ROLE_ADMIN
                         : FDL_ROLE_ADMIN;
    return strcmp(rt->method, "GET") == 0 ? roles | FDL_ROLE_AUDITOR : roles;
}

void http_audit_of(const struct http_request *r, struct fdl_audit_row *row)
{
    memset(row, 0, sizeof(*row));
    snprintf(row->actor, sizeof(row->actor), "%s", r->actor.name);
    snprintf(row->role, sizeof(row->role), "%s",
             r->actor.role                       ? fdl_role_name(r->actor.role)
             : r->actor.scopes & FDL_SCOPE_ADMIN ? "admin-key"
                                                 : "pos-key");
    snprintf(row->store_code, sizeof(row->store_code), "%s", r->actor.store);
    snprintf(row->client_ip, sizeof(row->client_ip), "%s", r->actor.client_ip);
    snprintf(row->partner, sizeof(row->partner), "%s", r->actor.partner);
    snprintf(row->route, sizeof(row->route), "%s", r->route->name);
    snprintf(row->method, sizeof(row->method), "%s", r->method);
    snprintf(row->path, sizeof(row->path), "%s", r->url);
}

/* The address the request came from, as text ("" if unknown): the peer's,
 * or behind a trusted reverse proxy the client X-Forwarded-For names. */
static void client_ip(struct http_request *r)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = info ? info->client_addr : NULL;
    char peer[FDL_NETADDR_TEXT_MAX] = "";
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, peer,
                  sizeof(peer));
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, peer,
                  sizeof(peer));
    char client[FDL_NETADDR_TEXT_MAX];
    fdl_client_address(
        &r->srv->trusted, peer,
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Forwarded-For"), client);
    snprintf(r->actor.client_ip, sizeof(r->actor.client_ip), "%s", client);
}

/* A staff session's token (service/staff.h): its role must be in the
 * route's roles. */
static int authenticate_session(struct http_request *r, const char *token)
{
    struct fdl_store *st = http_reader_get(r->srv, &r->err);
    if (!st)
        return http_fail(r, &r->err);
    int rc = FDL_STORE_CALL(st, begin, 0, &r->err);
    if (rc == 0)
        rc = fdl_svc_session_verify(st, token, fdl_clock_now_s(), &r->actor, &r->err);
    FDL_STORE_CALL0(st, rollback);
    http_reader_put(r->srv, st);
    if (rc)
        return http_fail(r, &r->err);
    if (!(http_route_roles(r->route) & r->actor.role))
        return http_failf(r, FDL_EFORBIDDEN, NULL, "the %s role may not call %s %s",
                          fdl_role_name(r->actor.role), r->route->method, r->route->path);
    return 0;
}

static int authenticate(struct http_request *r)
{
    client_ip(r);
    if (r->route->flags & ROUTE_PUBLIC)
        return 0;
    struct fdl_api_key key;
    const char *text = presented_key(r->conn);
    if (fdl_session_token_like(text))
        return authenticate_session(r, text);
    int64_t now_ns = (int64_t)fdl_clock_mono_ns();
    if (!fdl_key_cache_get(&r->srv->keys, text, now_ns, &key)) {
        struct fdl_store *st = http_reader_get(r->srv, &r->err);
        if (!st)
            return http_fail(r, &r->err);
        int rc = fdl_key_verify(st, text, &key, &r->err);
        http_reader_put(r->srv, st);
        if (rc)
            return http_fail(r, &r->err);
        fdl_key_cache_put(&r->srv->keys, &key, now_ns);
    }
    if (!(key.scopes & r->route->scope))
        return http_failf(r, FDL_EFORBIDDEN, NULL, "this key lacks the %s scope",
                          r->route->scope & FDL_SCOPE_ADMIN ? "admin" : "pos");
    r->actor.program_id = key.program_id;
    r->actor.scopes = key.scopes;
    snprintf(r->actor.name, sizeof(r->actor.name), "key:%s", key.id);
    snprintf(r->actor.partner, sizeof(r->actor.partner), "%s", key.partner);
    return 0;
}

int http_txn_in(struct http_request *r, const char *field, const char *id, int query,
                char out[FDL_MAX_ID_LEN + 1])
{
    const char *partner = r->actor.partner;
    const char *named = query ? http_query(r, "partner") : NULL;
    if (named && partner[0])
        return http_failf(r, FDL_EINVALID, "partner",
                          "only the program's operator names a partner");
    if (named && (!*named || strlen(named) > FDL_PARTNER_ID_MAX || strchr(named, '/')))
        return http_failf(r, FDL_EINVALID, "partner", "not a partner id");
    if (named)
        partner = named;
    if (!partner[0]) {
        snprintf(out, FDL_MAX_ID_LEN + 1, "%s", id);
        return 0;
    }
    size_t room = FDL_MAX_ID_LEN - strlen(partner) - 1;
    if (strlen(id) > room)
        return http_failf(r, FDL_ERANGE, field,
                          "length must be 1 to %zu bytes for partner %s", room, partner);
    snprintf(out, FDL_MAX_ID_LEN + 1, "%s/%s", partner, id);
    return 0;
}

const char *http_txn_out(const struct http_request *r, const char *stored)
{
    const char *partner = r->actor.partner;
    if (!stored || !*stored || !partner[0])
        return stored;
    size_t n = strlen(partner);
    return strncmp(stored, partner, n) == 0 && stored[n] == '/' ? stored + n + 1 : NULL;
}

json_t *http_txn_json(const struct http_request *r, const char *stored)
{
    return http_opt_string(http_txn_out(r, stored));
}

/* -- partner isolation -- a coalition partner's key or staff account does
 * not set up the program (service/coalition.h). */
static int authorise_partner(struct http_request *r)
{
    if (!(r->route->flags & ROUTE_OPERATOR) || !r->actor.partner[0])
        return 0;
    return http_failf(r, FDL_EFORBIDDEN, NULL,
                      "%s %s is for the program's operator, not partner %s",
                      r->route->method, r->route->path, r->actor.partner);
}

/* Refuses a declared body over the route's limit before reading any of it. */
static int check_length(struct http_request *r)
{
    const char *len =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Length");
    if (!len)
        return 0;
    char *end;
    unsigned long long n = strtoull(len, &end, 10);
    if (*end == '\0' && n > 0 && r->route->body_limit_bytes == 0)
        return http_failf(r, FDL_EINVALID, NULL, "this request takes no body");
    if (*end || n > r->route->body_limit_bytes)
        return http_failf(r, FDL_ETOO_LARGE, NULL, "the body may be at most %zu bytes",
                          r->route->body_limit_bytes);
    return 0;
}

/* ---- MHD callbacks ---- */

static enum MHD_Result send_answer(struct http_request *r)
{
    char *text = r->raw;
    size_t len = r->raw_len;
    if (!text && r->json) {
        text = json_dumps(r->json, JSON_COMPACT);
        len = text ? strlen(text) : 0;
        r->raw = text;
        r->raw_len = len;
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        len, text ? text : (char *)"", MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    if (r->content_type)
        MHD_add_response_header(resp, "Content-Type", r->content_type);
    if (r->replayed)
        MHD_add_response_header(resp, "Idempotent-Replayed", "true");
    if (r->status == 405 && r->allow[0])
        MHD_add_response_header(resp, "Allow", r->allow);
    if (r->status == 429) { /* too-many-attempts: the longest a window can still last */
        char seconds[24];
        snprintf(seconds, sizeof(seconds), "%d",
                 r->route && strcmp(r->route->name, "session_create") == 0
                     ? FDL_LOGIN_FAILURE_WINDOW_S
                     : FDL_COUPON_FAILURE_WINDOW_S);
        MHD_add_response_header(resp, "Retry-After", seconds);
    }
    enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    r->responded = 1;
    return ok;
}

static struct http_request *request_new(struct http_server *srv, struct MHD_Connection *c,
                                        const char *url, const char *method)
{
    struct http_request *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->srv = srv;
    r->conn = c;
    r->url = url;
    r->method = method;
    r->start_ns = fdl_clock_mono_ns();
    r->route_index = http_route_count; /* "unmatched" in metrics */
    int rc = route_find(r);
    if (rc)
        http_failf(r, rc, NULL,
                   rc == FDL_EMETHOD ? "%s is not allowed here" : "no route for %s",
                   rc == FDL_EMETHOD ? method : url);
    else if (authenticate(r) == 0 && authorise_partner(r) == 0)
        check_length(r);
    return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    (void)version;
    struct http_request *r = *req_cls;
    if (!r) {
        r = request_new(cls, c, url, method);
        if (!r)
            return MHD_NO;
        *req_cls = r;
        return r->status ? send_answer(r) : MHD_YES;
    }
    if (r->responded) {
        *upload_data_size = 0; /* discard what follows a refusal */
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        if (!r->body_too_large && r->body_len + n <= r->route->body_limit_bytes) {
            char *b = realloc(r->body, r->body_len + n + 1);
            if (!b)
                return MHD_NO;
            memcpy(b + r->body_len, upload_data, n);
            r->body = b;
            r->body_len += n;
            r->body[r->body_len] = '\0';
        } else {
            r->body_too_large = 1;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->body_too_large && r->route->body_limit_bytes == 0)
        http_failf(r, FDL_EINVALID, NULL, "this request takes no body");
    else if (r->body_too_large)
        http_failf(r, FDL_ETOO_LARGE, NULL, "the body may be at most %zu bytes",
                   r->route->body_limit_bytes);
    else if (r->route->handle(r) == 0 && r->status == 0)
        http_failf(r, FDL_EINTERNAL, NULL, "the handler gave no answer");
    return send_answer(r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    struct http_request *r = *req_cls;
    if (!r)
        return;
    uint64_t elapsed = fdl_clock_mono_ns() - r->start_ns;
    http_metrics_observe(r->route_index, r->status, elapsed);
    if (r->status >= 500) {
        char status[16];
        snprintf(status, sizeof(status), "%d", r->status);
        fdl_log(FDL_LOG_ERROR, "request_failed", "method", r->method, "path", r->url,
                "status", status, "detail", r->err.message, NULL);
    }
    json_decref(r->json);
    free(r->raw);
    free(r->body);
    free(r);
    *req_cls = NULL;
}

/* ---- lifecycle ---- */

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n >= 0 && n < 16 * 1024 * 1024 && fseek(f, 0, SEEK_SET) == 0 &&
            (buf = malloc((size_t)n + 1)) != NULL) {
            *len = fread(buf, 1, (size_t)n, f);
            buf[*len] = '\0';
        }
    }
    fclose(f);
    return buf;
}

static void run_expiry(struct http_server *srv);

static int server_start(struct http_server *srv, struct fdl_error *err)
{
    if (!http_metrics_fit())
        return fdl_error_set(err, FDL_EINTERNAL, NULL,
                             "more routes than metrics slots (METRICS_MAX_ROUTES)");
    struct fdl_store *st;
    int rc = fdl_store_open(srv->cfg.db_uri, 1, &st, err);
    if (rc)
        return rc;
    rc = fdl_service_init(&srv->svc, st, 0, err);
    fdl_store_close(st);
    if (rc)
        return rc;
    if ((rc = fdl_writer_start(srv->cfg.db_uri, &srv->writer, err)))
        return rc;
    srv->openapi = read_file(srv->cfg.openapi_path, &srv->openapi_len);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)srv->cfg.port);
    if (inet_pton(AF_INET, srv->cfg.bind_address, &addr.sin_addr) != 1)
        return fdl_error_set(err, FDL_EINVALID, "bind", "not an IPv4 address");
    srv->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL |
            MHD_USE_ERROR_LOG,
        (uint16_t)srv->cfg.port, NULL, NULL, on_request, srv, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, srv, MHD_OPTION_CONNECTION_LIMIT, (unsigned)FDL_MAX_CONNECTIONS,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)FDL_CONNECTION_TIMEOUT_S,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_END);
    if (!srv->daemon)
        return fdl_error_set(err, FDL_EINTERNAL, "port", "cannot listen on %s:%d",
                             srv->cfg.bind_address, srv->cfg.port);
    return 0;
}

static void server_stop(struct http_server *srv)
{
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    fdl_writer_stop(srv->writer);
    for (int i = 0; i < srv->pool_count; i++)
        fdl_store_close(srv->pool[i]);
    free(srv->openapi);
    fdl_service_release(&srv->svc);
    fdl_key_cache_release(&srv->keys);
}

int fdl_http_serve(const struct fdl_http_config *cfg)
{
    static struct http_server srv; /* one per process; signal handling is global anyway */
    memset(&srv, 0, sizeof(srv));
    srv.cfg = *cfg;
    pthread_mutex_init(&srv.pool_lock, NULL);
    fdl_key_cache_init(&srv.keys);
    struct fdl_error err;
    fdl_error_clear(&err);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    size_t bad_at = 0;
    if (fdl_networks_parse(cfg->trusted_proxies ? cfg->trusted_proxies : "", &srv.trusted,
                           &bad_at) != 0) {
        fdl_log(FDL_LOG_ERROR, "start_failed", "field", "trusted_proxies", "detail",
                "not a list of addresses and networks", NULL);
        return 1;
    }
    if (server_start(&srv, &err) != 0) {
        fdl_log(FDL_LOG_ERROR, "start_failed", "field", err.field, "detail", err.message,
                NULL);
        server_stop(&srv);
        return 1;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(srv.daemon, MHD_DAEMON_INFO_BIND_PORT);
    char port[16];
    snprintf(port, sizeof(port), "%u", info ? info->port : (unsigned)cfg->port);
    char db[FDL_STORE_URI_LOG_MAX];
    fdl_store_uri_for_log(cfg->db_uri, db, sizeof(db));
    fdl_log(FDL_LOG_INFO, "listening", "address", cfg->bind_address, "port", port, "db",
            db, NULL);
    int64_t next_expiry = fdl_clock_mono_ns() / 1000000000u;
    while (!stop_requested) {
        usleep(100 * 1000);
        int64_t now = (int64_t)(fdl_clock_mono_ns() / 1000000000u);
        if (cfg->expire_interval_s > 0 && now >= next_expiry) {
            run_expiry(&srv);
            next_expiry = now + cfg->expire_interval_s;
        }
    }
    fdl_log(FDL_LOG_INFO, "stopping", NULL);
    server_stop(&srv);
    return 0;
}

/* ---- the expiry job, through the writer like any write ---- */

struct expiry_arg {
    struct http_server *srv;
    const struct fdl_audit_row *audit; /* who ran it (a request), or NULL: the job */
    int64_t program_id, members, points;
};

/* One batch; a batch that changed something is audited in its transaction,
 * as the request that ran it or as "job:expire". */
static int expiry_run(struct fdl_store *st, struct fdl_job *job)
{
    struct expiry_arg *a = job->arg;
    job->status = 200;
    job->body = NULL;
    int64_t now_s = fdl_clock_now_s();
    int rc = fdl_svc_expire_batch(&a->srv->svc, st, a->program_id, now_s, &a->members,
                                  &a->points, &job->err);
    if (rc || a->members == 0)
        return rc;
    struct fdl_audit_row row;
    memset(&row, 0, sizeof(row));
    if (a->audit) {
        row = *a->audit;
    } else {
        snprintf(row.actor, sizeof(row.actor), "job:expire");
        snprintf(row.role, sizeof(row.role), "job");
        snprintf(row.route, sizeof(row.route), "expire_run");
        snprintf(row.method, sizeof(row.method), "JOB");
        snprintf(row.path, sizeof(row.path), "expiry job");
    }
    row.program_id = a->program_id;
    row.at_s = now_s;
    row.status = 200;
    snprintf(row.ref, sizeof(row.ref), "expired:%lld members, %lld points",
             (long long)a->members, (long long)a->points);
    return FDL_STORE_CALL(st, audit_insert, &row, &job->err);
}

int http_expire_all(struct http_server *srv, int64_t program_id,
                    const struct fdl_audit_row *audit, int64_t *members, int64_t *points,
                    struct fdl_error *err)
{
    *members = *points = 0;
    int64_t ids[FDL_MAX_PROGRAMS];
    int n = fdl_service_program_ids(&srv->svc, ids, FDL_MAX_PROGRAMS);
    for (int i = 0; i < n; i++) {
        if (program_id && ids[i] != program_id)
            continue;
        struct expiry_arg a = {srv, audit, ids[i], 1, 0};
        while (a.members > 0) {
            struct fdl_job job;
            memset(&job, 0, sizeof(job));
            job.program_id = a.program_id;
            job.run = expiry_run;
            job.arg = &a;
            if (fdl_writer_submit(srv->writer, &job) != 0) {
                *err = job.err;
                return job.rc;
            }
            *members += a.members;
            *points += a.points;
        }
    }
    return 0;
}

static void run_expiry(struct http_server *srv)
{
    int64_t members, points;
    struct fdl_error err;
    fdl_error_clear(&err);
    if (http_expire_all(srv, 0, NULL, &members, &points, &err) != 0) {
        fdl_log(FDL_LOG_ERROR, "expiry_failed", "detail", err.message, NULL);
    } else if (points > 0) {
        char m[32], p[32];
        snprintf(m, sizeof(m), "%lld", (long long)members);
        snprintf(p, sizeof(p), "%lld", (long long)points);
        fdl_log(FDL_LOG_INFO, "expired", "members", m, "points", p, NULL);
    }
}
