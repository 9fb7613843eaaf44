/*
 * http.h - the HTTP server: JSON API, static pages, health and metrics.
 *
 * Thin by design: a route table maps method and path to a handler that
 * decodes the request, calls the service (reads directly on a pooled read
 * connection, writes through the group-commit writer) and encodes the
 * answer. Errors are RFC 9457 problem documents built from the error table.
 */
#ifndef FDL_HTTP_H
#define FDL_HTTP_H

struct fdl_http_config {
    const char *db_uri;
    const char *bind_address;    /* default 127.0.0.1 */
    int port;                    /* default FDL_DEFAULT_PORT; 0 picks a free one */
    const char *web_dir;         /* static pages; default the source tree's web/ */
    const char *openapi_path;    /* default the source tree's docs/openapi.json */
    int test_clock;              /* allow PUT /v1/test/clock (tests only) */
    int expire_interval_s;       /* how often the server runs the expiry job; 0 = never */
    const char *trusted_proxies; /* networks whose X-Forwarded-For is believed
                                    (base/netaddr.h list); NULL or "": none */
    int threads;                 /* unused with thread-per-connection; reserved */
};

/*
 * Serves until SIGINT or SIGTERM, then drains in-flight writes and returns
 * 0; returns non-zero if the server could not start (the reason is logged).
 * Prints {"event":"listening","port":...} once ready.
 */
int fdl_http_serve(const struct fdl_http_config *cfg);

#endif
