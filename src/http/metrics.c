/*
 * metrics.c - Prometheus text exposition: requests by route and status
 * class, a latency histogram per route, writer batching, ledger totals.
 * Counters are atomics indexed by route; no lock on the request path.
 */
#include "http/internal.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_MAX_ROUTES 128 /* routes counted apart; a test fails past it */
#define METRICS_BUCKETS    12
#define METRICS_TEXT_MAX   (256 * 1024)

static const double bucket_bounds_s[METRICS_BUCKETS - 1] = {
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0};

struct route_metrics {
    _Atomic uint64_t by_class[6]; /* index status / 100 */
    _Atomic uint64_t buckets[METRICS_BUCKETS];
    _Atomic uint64_t sum_ns;
};

static struct route_metrics route_metrics[METRICS_MAX_ROUTES + 1]; /* last: unmatched */

/* The slot of route_index (http_route_count: unmatched): each route its
 * own, the unmatched requests the last. */
static size_t slot_of(size_t route_index)
{
    return route_index < http_route_count && route_index < METRICS_MAX_ROUTES
               ? route_index
               : METRICS_MAX_ROUTES;
}

/* The label of slot i, or NULL if no route uses it. */
static const char *slot_name(size_t i)
{
    if (i == METRICS_MAX_ROUTES)
        return "unmatched";
    return i < http_route_count ? http_routes[i].name : NULL;
}

int http_metrics_fit(void)
{
    return http_route_count <= METRICS_MAX_ROUTES;
}

void http_metrics_observe(size_t route_index, int status, uint64_t elapsed_ns)
{
    struct route_metrics *m = &route_metrics[slot_of(route_index)];
    int cls = status / 100;
    atomic_fetch_add(&m->by_class[cls >= 1 && cls <= 5 ? cls : 0], 1);
    double s = (double)elapsed_ns / 1e9;
    int b = 0;
    while (b < METRICS_BUCKETS - 1 && s > bucket_bounds_s[b])
        b++;
    atomic_fetch_add(&m->buckets[b], 1);
    atomic_fetch_add(&m->sum_ns, elapsed_ns);
}

struct text {
    char *buf;
    size_t len, cap; /* cap: bytes buf holds, room for the NUL included */
};

static void put(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *fmt, ...)
{
    if (t->len + 1 >= t->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len += (size_t)n < t->cap - t->len ? (size_t)n : t->cap - t->len - 1;
}

static void render_requests(struct text *t)
{
    put(t, "# HELP fidelis_http_requests_total HTTP requests by route and status class.\n"
           "# TYPE fidelis_http_requests_total counter\n");
    for (size_t i = 0; i <= METRICS_MAX_ROUTES; i++) {
        const char *name = slot_name(i);
        for (int c = 1; c <= 5 && name; c++) {
            uint64_t n = atomic_load(&route_metrics[i].by_class[c]);
            if (n)
                put(t, "fidelis_http_requests_total{route=\"%s\",code=\"%dxx\"} %llu\n",
                    name, c, (unsigned long long)n);
        }
    }
    put(t, "# HELP fidelis_http_request_duration_seconds Request latency by route.\n"
           "# TYPE fidelis_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i <= METRICS_MAX_ROUTES; i++) {
        const struct route_metrics *m = &route_metrics[i];
        const char *name = slot_name(i);
        if (!name)
            continue;
        uint64_t cumulative = 0;
        for (int b = 0; b < METRICS_BUCKETS; b++)
            cumulative += atomic_load(&m->buckets[b]);
        if (cumulative == 0)
            continue;
        cumulative = 0;
        for (int b = 0; b < METRICS_BUCKETS; b++) {
            cumulative += atomic_load(&m->buckets[b]);
            if (b < METRICS_BUCKETS - 1)
                put(t,
                    "fidelis_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"}"
                    " %llu\n",
                    name, bucket_bounds_s[b], (unsigned long long)cumulative);
            else
                put(t,
                    "fidelis_http_request_duration_seconds_bucket{route=\"%s\",le=\"+"
                    "Inf\"} %llu\n",
                    name, (unsigned long long)cumulative);
        }
        put(t, "fidelis_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", name,
            (double)atomic_load(&m->sum_ns) / 1e9);
        put(t, "fidelis_http_request_duration_seconds_count{route=\"%s\"} %llu\n", name,
            (unsigned long long)cumulative);
    }
}

/*
 * The ledger gauges scan the ledger (there are no running totals, which
 * would be a hot row on every write). Scrapes that arrive while a scan runs
 * wait for it and share its figures, so a burst of scrapers costs one scan,
 * while a scrape that starts after one finished always sees fresh figures.
 */
#define LEDGER_TEXT_MAX (16 * 1024)

static pthread_mutex_t ledger_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ledger_done = PTHREAD_COND_INITIALIZER;
static int ledger_running;
static uint64_t ledger_generation;
static char ledger_text[LEDGER_TEXT_MAX];

static void scan_ledger(struct http_server *srv, struct text *t)
{
    struct fdl_error err;
    struct fdl_store *st = http_reader_get(srv, &err);
    if (!st)
        return;
    put(t, "# HELP fidelis_points Ledger totals in points by program and account.\n"
           "# TYPE fidelis_points gauge\n");
    int64_t ids[FDL_MAX_PROGRAMS];
    int n = fdl_service_program_ids(&srv->svc, ids, FDL_MAX_PROGRAMS);
    for (int i = 0; i < n; i++) {
        struct fdl_totals tot;
        int64_t pid = ids[i];
        if (FDL_STORE_CALL(st, totals, pid, &tot, &err) != 0)
            continue;
        put(t,
            "fidelis_points{program=\"%lld\",account=\"issued\"} %lld\n"
            "fidelis_points{program=\"%lld\",account=\"redeemed\"} %lld\n"
            "fidelis_points{program=\"%lld\",account=\"expired\"} %lld\n"
            "fidelis_points{program=\"%lld\",account=\"adjusted\"} %lld\n"
            "fidelis_points{program=\"%lld\",account=\"outstanding\"} %lld\n"
            "fidelis_members{program=\"%lld\"} %lld\n"
            "fidelis_purchases{program=\"%lld\"} %lld\n",
            (long long)pid, (long long)tot.issued, (long long)pid,
            (long long)tot.redeemed, (long long)pid, (long long)tot.expired,
            (long long)pid, (long long)tot.adjusted, (long long)pid,
            (long long)tot.outstanding, (long long)pid, (long long)tot.members,
            (long long)pid, (long long)tot.purchases);
    }
    http_reader_put(srv, st);
}

static void render_ledger(struct http_server *srv, struct text *t)
{
    pthread_mutex_lock(&ledger_lock);
    if (ledger_running) {
        uint64_t seen = ledger_generation;
        while (ledger_generation == seen)
            pthread_cond_wait(&ledger_done, &ledger_lock);
        put(t, "%s", ledger_text);
        pthread_mutex_unlock(&ledger_lock);
        return;
    }
    ledger_running = 1;
    pthread_mutex_unlock(&ledger_lock);

    static _Thread_local char buf[LEDGER_TEXT_MAX];
    struct text mine = {buf, 0, sizeof(buf)};
    scan_ledger(srv, &mine);
    buf[mine.len] = '\0';

    pthread_mutex_lock(&ledger_lock);
    memcpy(ledger_text, buf, sizeof(ledger_text));
    ledger_running = 0;
    ledger_generation++;
    pthread_cond_broadcast(&ledger_done);
    pthread_mutex_unlock(&ledger_lock);
    put(t, "%s", buf);
}

char *http_metrics_render(struct http_server *srv, size_t *len)
{
    struct text t = {malloc(METRICS_TEXT_MAX + 1), 0, METRICS_TEXT_MAX + 1};
    if (!t.buf)
        return NULL;
    render_requests(&t);
    uint64_t batches, jobs;
    fdl_writer_stats(srv->writer, &batches, &jobs);
    put(&t,
        "# HELP fidelis_writer_batches_total Durable commits (each may hold many "
        "writes).\n"
        "# TYPE fidelis_writer_batches_total counter\nfidelis_writer_batches_total %llu\n"
        "# HELP fidelis_writer_jobs_total Writes run by the writer.\n"
        "# TYPE fidelis_writer_jobs_total counter\nfidelis_writer_jobs_total %llu\n",
        (unsigned long long)batches, (unsigned long long)jobs);
    render_ledger(srv, &t);
    t.buf[t.len] = '\0';
    *len = t.len;
    return t.buf;
}
