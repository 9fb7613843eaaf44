/*
 * bench_writer.c - durable purchases per second through the group-commit
 * writer, beside raw SQLite loops that write the same rows.
 *
 * Subject: T threads (1, 4, 16, 64) each submit purchases to one writer
 * (fdl_writer_submit with a job that runs fdl_svc_purchase and encodes a
 * receipt, idempotency key "txn:<id>", as the HTTP server does). A purchase
 * is counted when fdl_writer_submit returns, i.e. when its batch is on disk.
 *
 * Peer: one thread, plain sqlite3 with prepared statements, the same rows
 * per purchase (purchase, 3 lines, entry, 2 postings, lot, lot move, member
 * balance, idempotency record with a receipt-sized body), one transaction
 * per purchase - what "durable" costs without group commit. The same loop
 * with B purchases per transaction (B = 4, 16, 64) is shown for reference:
 * the ceiling group commit could reach on these rows.
 *
 * Both databases are fresh (this program's schema, via fdl_store_open with
 * migrate), in one temporary directory, WAL, synchronous=FULL (or NORMAL if
 * FIDELIS_SQLITE_SYNC=NORMAL, for both). Every run measures every
 * configuration once, in rotated order, so a shared machine's drifting load
 * hits all of them alike; the table shows medians over the runs and the
 * median of each configuration's run-by-run ratios to the peer.
 */
#include "base/clock.h"
#include "engine/program.h"
#include "service/service.h"
#include "service/writer.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define BENCH_MAX_RUNS     25
#define BENCH_MAX_THREADS  64
#define BENCH_MAX_MEMBERS  100000
#define BENCH_BASKET_LINES 3
#define BENCH_BODY_MAX     1024
#define BENCH_PATH_MAX     512

enum config_kind { CONFIG_WRITER, CONFIG_RAW };

struct config {
    enum config_kind kind;
    int n; /* writer: submitting threads; raw: purchases per transaction */
    const char *label;
    double rate[BENCH_MAX_RUNS];  /* purchases per second, per run */
    double batch[BENCH_MAX_RUNS]; /* writer: mean jobs per commit, per run */
};

static struct config configs[] = {
    {CONFIG_RAW, 1, "raw sqlite, 1 purchase/commit (peer)", {0}, {0}},
    {CONFIG_WRITER, 1, "writer, T=1", {0}, {0}},
    {CONFIG_WRITER, 4, "writer, T=4", {0}, {0}},
    {CONFIG_WRITER, 16, "writer, T=16", {0}, {0}},
    {CONFIG_WRITER, 64, "writer, T=64", {0}, {0}},
    {CONFIG_RAW, 4, "raw sqlite, 4 purchases/commit", {0}, {0}},
    {CONFIG_RAW, 16, "raw sqlite, 16 purchases/commit", {0}, {0}},
    {CONFIG_RAW, 64, "raw sqlite, 64 purchases/commit", {0}, {0}},
};
#define CONFIG_COUNT ((int)(sizeof(configs) / sizeof(configs[0])))

static struct {
    int runs, members;
    double seconds;
    char dir[BENCH_PATH_MAX];
    int keep;
    int only;            /* -1: every configuration; else only those of this kind */
    const char *program; /* a program file the writer's purchases earn under, or NULL */
} opt = {5, 1000, 2.0, "", 0, -1, NULL};

static _Atomic uint64_t next_txn = 1; /* txn ids, unique across all runs */

static void die(const char *what, const struct fdl_error *err)
{
    fprintf(stderr, "bench_writer: %s: %s%s%s\n", what,
            err && err->field[0] ? err->field : "", err && err->field[0] ? ": " : "",
            err ? err->message : strerror(errno));
    exit(1);
}

static double now_s(void)
{
    return (double)fdl_clock_mono_ns() / 1e9;
}

/* The basket every purchase buys: 3 lines, 34.99 EUR, 34 points. */
static const struct fdl_line_request basket[BENCH_BASKET_LINES] = {
    {.sku = "COF-LAT", .category = "coffee", .quantity = 2, .unit_price_minor = 260},
    {.sku = "BAK-CRO", .category = "bakery", .quantity = 1, .unit_price_minor = 180},
    {.sku = "GRO-OIL", .category = "grocery", .quantity = 1, .unit_price_minor = 2799},
};

/* The request body a till would send, for the idempotency hash. */
static int request_text(char *buf, size_t cap, const char *txn_id, int64_t member_id)
{
    return snprintf(
        buf, cap,
        "{\"txn_id\":\"%s\",\"member_id\":%lld,\"currency\":\"EUR\",\"lines\":["
        "{\"sku\":\"COF-LAT\",\"category\":\"coffee\",\"quantity\":2,\"unit_price\":260},"
        "{\"sku\":\"BAK-CRO\",\"category\":\"bakery\",\"quantity\":1,\"unit_price\":180},"
        "{\"sku\":\"GRO-OIL\",\"category\":\"grocery\",\"quantity\":1,"
        "\"unit_price\":2799}]}",
        txn_id, (long long)member_id);
}

/* ---- setup ---- */

static const struct fdl_actor bench_actor = {
    .program_id = 1, .scopes = FDL_SCOPE_POS | FDL_SCOPE_ADMIN, .name = "key:bench"};

/* Applies the program file at path to svc's program, in force from the epoch. */
static int apply_program(struct fdl_service *svc, struct fdl_store *st, const char *path,
                         struct fdl_error *err)
{
    static char text[FDL_PROGRAM_FILE_MAX_BYTES];
    FILE *f = fopen(path, "rb");
    if (!f)
        return fdl_error_set(err, FDL_ENOT_FOUND, NULL, "cannot open %s", path);
    size_t len = fread(text, 1, sizeof(text), f);
    fclose(f);
    int64_t version;
    return fdl_svc_program_apply(svc, st, &bench_actor, text, len, 0, 0, &version, err);
}

/* Creates the database at path with the default program (and the program
 * file, when with_program) and opt.members members. */
static void setup_db(const char *path, struct fdl_service *svc, int with_program)
{
    struct fdl_error err;
    fdl_error_clear(&err);
    struct fdl_store *st;
    if (fdl_store_open(path, 1, &st, &err))
        die(path, &err);
    struct fdl_program p;
    fdl_program_default(&p);
    int rc = FDL_STORE_CALL(st, begin, 1, &err);
    if (rc == 0)
        rc = fdl_service_init(svc, st, 1, &err);
    if (rc == 0)
        rc = fdl_service_put_program(svc, st, &p, &err);
    if (rc == 0 && with_program && opt.program)
        rc = apply_program(svc, st, opt.program, &err);
    for (int i = 1; rc == 0 && i <= opt.members; i++) {
        char name[64], email[64];
        snprintf(name, sizeof(name), "Bench Member %d", i);
        snprintf(email, sizeof(email), "m%d@bench.example", i);
        struct fdl_enrol_request req = {.name = name, .email = email};
        struct fdl_member m;
        struct fdl_card card;
        rc = fdl_svc_enrol(svc, st, &bench_actor, &req, &m, &card, &err);
    }
    if (rc == 0)
        rc = FDL_STORE_CALL(st, commit, &err);
    if (rc)
        die("setup", &err);
    fdl_store_close(st);
}

/* ---- the subject: purchases through the writer ---- */

static struct fdl_service writer_svc;

struct purchase_job {
    struct fdl_purchase_request req;
    char txn_id[32];
};

/* The receipt the server would store and send (routes.c purchase_json, abridged). */
static json_t *receipt_json(const struct fdl_purchase_result *res)
{
    const struct fdl_purchase *p = &res->purchase;
    json_t *lines = json_array();
    for (int i = 0; i < p->line_count; i++) {
        const struct fdl_purchase_line *l = &res->lines[i];
        json_array_append_new(
            lines, json_pack("{s:i, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "line",
                             l->line_no, "sku", l->sku, "category", l->category,
                             "quantity", (json_int_t)l->quantity, "unit_price",
                             (json_int_t)l->unit_price_minor, "amount",
                             (json_int_t)l->amount_minor, "points", (json_int_t)l->points,
                             "redeemed_points", (json_int_t)l->redeemed_points,
                             "refunded_quantity", (json_int_t)l->refunded_quantity));
    }
    json_t *messages = json_array();
    for (int i = 0; i < res->message_count; i++)
        json_array_append_new(messages, json_string(res->messages[i]));
    return json_pack(
        "{s:I, s:s, s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:{s:I, s:I, s:I}, s:o}",
        "id", (json_int_t)p->id, "txn_id", p->txn_id, "member_id",
        (json_int_t)p->member_id, "channel", p->channel, "currency", p->currency, "total",
        (json_int_t)p->total_minor, "discount", (json_int_t)p->discount_minor,
        "points_earned", (json_int_t)p->points_earned, "points_redeemed",
        (json_int_t)p->points_redeemed, "lines", lines, "balance", "total",
        (json_int_t)res->balance.total, "available", (json_int_t)res->balance.available,
        "pending", (json_int_t)res->balance.pending, "messages", messages);
}

/* The job's run: inside the writer's savepoint, like routes.c run_purchase. */
static int run_purchase(struct fdl_store *st, struct fdl_job *job)
{
    struct purchase_job *pj = job->arg;
    struct fdl_purchase_result res;
    int rc = fdl_svc_purchase(&writer_svc, st, &bench_actor, &pj->req, fdl_clock_now_s(),
                              &res, &job->err);
    if (rc)
        return rc;
    json_t *receipt = receipt_json(&res);
    fdl_purchase_result_release(&res);
    job->body = receipt ? json_dumps(receipt, JSON_COMPACT) : NULL;
    json_decref(receipt);
    job->status = 201;
    return job->body ? 0 : fdl_error_set(&job->err, FDL_ENOMEM, NULL, "out of memory");
}

struct submitter {
    pthread_t thread;
    struct fdl_writer *writer;
    double deadline_s;
    uint64_t done;
};

static void *submitter_main(void *arg)
{
    struct submitter *s = arg;
    while (now_s() < s->deadline_s) {
        uint64_t n = atomic_fetch_add(&next_txn, 1);
        struct purchase_job pj;
        memset(&pj, 0, sizeof(pj));
        snprintf(pj.txn_id, sizeof(pj.txn_id), "w%llu", (unsigned long long)n);
        pj.req.member_id = (int64_t)(n % (uint64_t)opt.members) + 1;
        pj.req.txn_id = pj.txn_id;
        pj.req.currency = "EUR";
        pj.req.lines = basket;
        pj.req.line_count = BENCH_BASKET_LINES;

        struct fdl_job job;
        memset(&job, 0, sizeof(job));
        char key[48], body[BENCH_BODY_MAX];
        snprintf(key, sizeof(key), "txn:%s", pj.txn_id);
        int len = request_text(body, sizeof(body), pj.txn_id, pj.req.member_id);
        crypto_generichash(job.request_hash, sizeof(job.request_hash),
                           (unsigned char *)body, (unsigned long long)len, NULL, 0);
        job.program_id = 1;
        job.idempotency_key = key;
        job.run = run_purchase;
        job.arg = &pj;
        if (fdl_writer_submit(s->writer, &job) != 0 || job.replayed)
            die("purchase through the writer", &job.err);
        free(job.body);
        s->done++;
    }
    return NULL;
}

/* Runs threads submitters for opt.seconds; returns purchases/s and the mean batch. */
static double measure_writer(struct fdl_writer *w, int threads, double *batch)
{
    static struct submitter subs[BENCH_MAX_THREADS];
    uint64_t batches0, jobs0, batches1, jobs1;
    fdl_writer_stats(w, &batches0, &jobs0);
    double start = now_s();
    for (int i = 0; i < threads; i++) {
        subs[i] = (struct submitter){0, w, start + opt.seconds, 0};
        if (pthread_create(&subs[i].thread, NULL, submitter_main, &subs[i]) != 0)
            die("pthread_create", NULL);
    }
    uint64_t done = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(subs[i].thread, NULL);
        done += subs[i].done;
    }
    double elapsed = now_s() - start;
    fdl_writer_stats(w, &batches1, &jobs1);
    *batch =
        batches1 > batches0 ? (double)(jobs1 - jobs0) / (double)(batches1 - batches0) : 0;
    return (double)done / elapsed;
}

/* ---- the peer: the same rows, plain sqlite3 ---- */

enum raw_stmt {
    RAW_BEGIN,
    RAW_COMMIT,
    RAW_PURCHASE,
    RAW_LINE,
    RAW_ENTRY,
    RAW_POSTING,
    RAW_LOT,
    RAW_MOVE,
    RAW_BALANCE,
    RAW_IDEM,
    RAW_COUNT
};

static const char *const raw_sql[RAW_COUNT] = {
    [RAW_BEGIN] = "BEGIN IMMEDIATE",
    [RAW_COMMIT] = "COMMIT",
    [RAW_PURCHASE] =
        "INSERT INTO purchases (program_id, member_id, txn_id, store_code, channel,"
        " currency, occurred_at, recorded_at, total_minor, discount_minor,"
        " points_earned, points_redeemed, line_count)"
        " VALUES (1, ?1, ?2, '', 'till', 'EUR', ?3, ?3, ?4, 0, ?5, 0, ?6)",
    [RAW_LINE] =
        "INSERT INTO purchase_lines (purchase_id, line_no, sku, category, quantity,"
        " unit_price_minor, amount_minor, points, redeemed_points)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0)",
    [RAW_ENTRY] = "INSERT INTO entries (program_id, member_id, kind, purchase_id, actor,"
                  " created_at) VALUES (1, ?1, 1, ?2, 'key:bench', ?3)",
    [RAW_POSTING] =
        "INSERT INTO postings (entry_id, seq, program_id, member_id, account, amount)"
        " VALUES (?1, ?2, 1, ?3, ?4, ?5)",
    [RAW_LOT] =
        "INSERT INTO lots (program_id, member_id, remaining, available_at, expires_at,"
        " purchase_id) VALUES (1, ?1, ?2, ?3, ?4, ?5)",
    [RAW_MOVE] = "INSERT INTO lot_moves (program_id, member_id, entry_id, lot_id, delta)"
                 " VALUES (1, ?1, ?2, ?3, ?4)",
    [RAW_BALANCE] =
        "UPDATE members SET balance = balance + ?2 WHERE id = ?1 AND program_id = 1",
    [RAW_IDEM] = "INSERT INTO idempotency (program_id, key, request_hash, status, body,"
                 " created_at) VALUES (1, ?1, ?2, 201, ?3, ?4)",
};

struct raw_db {
    sqlite3 *db;
    sqlite3_stmt *q[RAW_COUNT];
};

static void raw_check(struct raw_db *r, int rc, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "bench_writer: raw %s: %s\n", what, sqlite3_errmsg(r->db));
        exit(1);
    }
}

static void raw_exec(struct raw_db *r, const char *sql)
{
    raw_check(r, sqlite3_exec(r->db, sql, NULL, NULL, NULL), sql);
}

/* Opens path with the pragmas the store uses (sqlite.c configure()). */
static void raw_open(struct raw_db *r, const char *path)
{
    memset(r, 0, sizeof(*r));
    raw_check(
        r,
        sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL),
        "open");
    const char *sync = getenv("FIDELIS_SQLITE_SYNC");
    raw_exec(r, "PRAGMA journal_mode = WAL");
    raw_exec(r, sync && strcasecmp(sync, "NORMAL") == 0 ? "PRAGMA synchronous = NORMAL"
                                                        : "PRAGMA synchronous = FULL");
    raw_exec(r, "PRAGMA foreign_keys = ON");
    raw_exec(r, "PRAGMA temp_store = MEMORY");
    for (int i = 0; i < RAW_COUNT; i++)
        raw_check(r,
                  sqlite3_prepare_v3(r->db, raw_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                     &r->q[i], NULL),
                  raw_sql[i]);
}

static void raw_close(struct raw_db *r)
{
    for (int i = 0; i < RAW_COUNT; i++)
        sqlite3_finalize(r->q[i]);
    sqlite3_close(r->db);
}

static int64_t raw_step(struct raw_db *r, enum raw_stmt s)
{
    raw_check(r, sqlite3_step(r->q[s]), raw_sql[s]);
    sqlite3_reset(r->q[s]);
    return sqlite3_last_insert_rowid(r->db);
}

/* One purchase's rows (inside the caller's transaction). */
static void raw_purchase(struct raw_db *r)
{
    uint64_t n = atomic_fetch_add(&next_txn, 1);
    int64_t member = (int64_t)(n % (uint64_t)opt.members) + 1, now = fdl_clock_now_s();
    int64_t total = 0, points = 34;
    for (int i = 0; i < BENCH_BASKET_LINES; i++)
        total += basket[i].quantity * basket[i].unit_price_minor;
    char txn_id[32], key[48], body[BENCH_BODY_MAX], receipt[2 * BENCH_BODY_MAX];
    snprintf(txn_id, sizeof(txn_id), "r%llu", (unsigned long long)n);
    snprintf(key, sizeof(key), "txn:%s", txn_id);
    int len = request_text(body, sizeof(body), txn_id, member);
    unsigned char hash[32];
    crypto_generichash(hash, sizeof(hash), (unsigned char *)body, (unsigned long long)len,
                       NULL, 0);
    /* A receipt of the size the writer stores (the request text twice is close). */
    snprintf(receipt, sizeof(receipt), "%s%s", body, body);

    sqlite3_stmt **q = r->q;
    sqlite3_bind_int64(q[RAW_PURCHASE], 1, member);
    sqlite3_bind_text(q[RAW_PURCHASE], 2, txn_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q[RAW_PURCHASE], 3, now);
    sqlite3_bind_int64(q[RAW_PURCHASE], 4, total);
    sqlite3_bind_int64(q[RAW_PURCHASE], 5, points);
    sqlite3_bind_int(q[RAW_PURCHASE], 6, BENCH_BASKET_LINES);
    int64_t purchase = raw_step(r, RAW_PURCHASE);
    for (int i = 0; i < BENCH_BASKET_LINES; i++) {
        const struct fdl_line_request *l = &basket[i];
        int64_t amount = l->quantity * l->unit_price_minor;
        sqlite3_bind_int64(q[RAW_LINE], 1, purchase);
        sqlite3_bind_int(q[RAW_LINE], 2, i + 1);
        sqlite3_bind_text(q[RAW_LINE], 3, l->sku, -1, SQLITE_STATIC);
        sqlite3_bind_text(q[RAW_LINE], 4, l->category, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q[RAW_LINE], 5, l->quantity);
        sqlite3_bind_int64(q[RAW_LINE], 6, l->unit_price_minor);
        sqlite3_bind_int64(q[RAW_LINE], 7, amount);
        sqlite3_bind_int64(q[RAW_LINE], 8, points * amount / total);
        raw_step(r, RAW_LINE);
    }
    sqlite3_bind_int64(q[RAW_ENTRY], 1, member);
    sqlite3_bind_int64(q[RAW_ENTRY], 2, purchase);
    sqlite3_bind_int64(q[RAW_ENTRY], 3, now);
    int64_t entry = raw_step(r, RAW_ENTRY);
    for (int seq = 1; seq <= 2; seq++) {
        sqlite3_bind_int64(q[RAW_POSTING], 1, entry);
        sqlite3_bind_int(q[RAW_POSTING], 2, seq);
        sqlite3_bind_int64(q[RAW_POSTING], 3, member);
        sqlite3_bind_int(q[RAW_POSTING], 4, seq == 1 ? 1 : 2); /* member, issued */
        sqlite3_bind_int64(q[RAW_POSTING], 5, seq == 1 ? points : -points);
        raw_step(r, RAW_POSTING);
    }
    sqlite3_bind_int64(q[RAW_LOT], 1, member);
    sqlite3_bind_int64(q[RAW_LOT], 2, points);
    sqlite3_bind_int64(q[RAW_LOT], 3, now);
    sqlite3_bind_int64(q[RAW_LOT], 4, now + 366 * 86400);
    sqlite3_bind_int64(q[RAW_LOT], 5, purchase);
    int64_t lot = raw_step(r, RAW_LOT);
    sqlite3_bind_int64(q[RAW_MOVE], 1, member);
    sqlite3_bind_int64(q[RAW_MOVE], 2, entry);
    sqlite3_bind_int64(q[RAW_MOVE], 3, lot);
    sqlite3_bind_int64(q[RAW_MOVE], 4, points);
    raw_step(r, RAW_MOVE);
    sqlite3_bind_int64(q[RAW_BALANCE], 1, member);
    sqlite3_bind_int64(q[RAW_BALANCE], 2, points);
    raw_step(r, RAW_BALANCE);
    sqlite3_bind_text(q[RAW_IDEM], 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q[RAW_IDEM], 2, hash, sizeof(hash), SQLITE_STATIC);
    sqlite3_bind_text(q[RAW_IDEM], 3, receipt, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q[RAW_IDEM], 4, now);
    raw_step(r, RAW_IDEM);
    for (int i = 0; i < RAW_COUNT; i++)
        sqlite3_clear_bindings(q[i]); /* the texts bound above live on this stack */
}

/* Writes purchases for opt.seconds, per_commit per transaction; returns purchases/s. */
static double measure_raw(struct raw_db *r, int per_commit)
{
    double start = now_s(), deadline = start + opt.seconds;
    uint64_t done = 0;
    while (now_s() < deadline) {
        raw_step(r, RAW_BEGIN);
        for (int i = 0; i < per_commit; i++)
            raw_purchase(r);
        raw_step(r, RAW_COMMIT);
        done += (uint64_t)per_commit;
    }
    return (double)done / (now_s() - start);
}

/* ---- report ---- */

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *values, int n)
{
    double sorted[BENCH_MAX_RUNS];
    memcpy(sorted, values, (size_t)n * sizeof(*values));
    qsort(sorted, (size_t)n, sizeof(*sorted), compare_double);
    return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

static void report(void)
{
    double peer = median(configs[0].rate, opt.runs);
    printf("%-38s %10s %9s %9s %8s %8s\n", "configuration", "median/s", "min/s", "max/s",
           "x peer", "batch");
    for (int c = 0; c < CONFIG_COUNT; c++) {
        struct config *k = &configs[c];
        double lo = k->rate[0], hi = k->rate[0];
        for (int r = 1; r < opt.runs; r++) {
            lo = k->rate[r] < lo ? k->rate[r] : lo;
            hi = k->rate[r] > hi ? k->rate[r] : hi;
        }
        double m = median(k->rate, opt.runs);
        if (m == 0) /* not measured (--only) */
            continue;
        /* The ratio to the peer is taken run by run (both measured within
         * seconds of each other), then the median of those. */
        char batch[16], ratio[16] = "-";
        if (peer > 0) {
            double ratios[BENCH_MAX_RUNS];
            for (int r = 0; r < opt.runs; r++)
                ratios[r] = k->rate[r] / configs[0].rate[r];
            snprintf(ratio, sizeof(ratio), "%.2f", median(ratios, opt.runs));
        }
        if (k->kind == CONFIG_WRITER)
            snprintf(batch, sizeof(batch), "%.1f", median(k->batch, opt.runs));
        else
            snprintf(batch, sizeof(batch), "%d", k->n);
        printf("%-38s %10.0f %9.0f %9.0f %8s %8s\n", k->label, m, lo, hi, ratio, batch);
    }
}

/* How big the writer's database grew: a purchase loads its member's open lots. */
static void report_growth(const char *path)
{
    sqlite3 *db;
    sqlite3_stmt *q;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT (SELECT count(*) FROM purchases),"
                           " (SELECT count(*) FROM lots WHERE remaining != 0),"
                           " (SELECT count(*) FROM members)",
                           -1, &q, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench_writer: %s: %s\n", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return;
    }
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int64(q, 2) > 0)
        printf("writer database at the end: %lld purchases, %.0f open lots per member\n",
               (long long)sqlite3_column_int64(q, 0),
               (double)sqlite3_column_int64(q, 1) / (double)sqlite3_column_int64(q, 2));
    sqlite3_finalize(q);
    sqlite3_close(db);
}

/* ---- main ---- */

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: bench_writer [--runs N] [--seconds S] [--members M] [--dir DIR] "
        "[--keep]\n"
        "                    [--program FILE]  (the writer's purchases earn under it)\n"
        "                    [--only writer|raw]   (for profiling one side)\n"
        "Durable purchases/s through the group-commit writer (T = 1, 4, 16, 64)\n"
        "beside a raw SQLite loop writing the same rows. Medians of N runs.\n");
}

static void parse_options(int argc, char **argv)
{
    static const struct option opts[] = {{"runs", required_argument, 0, 'r'},
                                         {"seconds", required_argument, 0, 's'},
                                         {"members", required_argument, 0, 'm'},
                                         {"dir", required_argument, 0, 'd'},
                                         {"keep", no_argument, 0, 'k'},
                                         {"only", required_argument, 0, 'o'},
                                         {"program", required_argument, 0, 'p'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'r':
            opt.runs = atoi(optarg);
            break;
        case 's':
            opt.seconds = atof(optarg);
            break;
        case 'm':
            opt.members = atoi(optarg);
            break;
        case 'd':
            snprintf(opt.dir, sizeof(opt.dir), "%s", optarg);
            break;
        case 'k':
            opt.keep = 1;
            break;
        case 'p':
            opt.program = optarg;
            break;
        case 'o':
            opt.only = strcmp(optarg, "writer") == 0 ? CONFIG_WRITER
                       : strcmp(optarg, "raw") == 0  ? CONFIG_RAW
                                                     : -2;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            exit(2);
        }
    }
    if (opt.runs < 1 || opt.runs > BENCH_MAX_RUNS || opt.seconds <= 0 ||
        opt.members < 1 || opt.members > BENCH_MAX_MEMBERS || opt.only == -2) {
        fprintf(stderr,
                "bench_writer: --runs 1..%d, --seconds > 0, --members 1..%d, "
                "--only writer|raw\n",
                BENCH_MAX_RUNS, BENCH_MAX_MEMBERS);
        exit(2);
    }
}

static void remove_db(const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char p[BENCH_PATH_MAX + 8];
        snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
        unlink(p);
    }
}

int main(int argc, char **argv)
{
    parse_options(argc, argv);
    if (sodium_init() < 0)
        die("sodium_init", NULL);
    if (!opt.dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(opt.dir, sizeof(opt.dir), "%s/fidelis-bench-XXXXXX",
                 tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(opt.dir))
            die("mkdtemp", NULL);
    } else if (mkdir(opt.dir, 0700) != 0 && errno != EEXIST) {
        die(opt.dir, NULL);
    }
    char writer_path[BENCH_PATH_MAX], raw_path[BENCH_PATH_MAX];
    snprintf(writer_path, sizeof(writer_path), "%.400s/writer.db", opt.dir);
    snprintf(raw_path, sizeof(raw_path), "%.400s/raw.db", opt.dir);
    remove_db(writer_path);
    remove_db(raw_path);

    struct fdl_service raw_svc;
    setup_db(writer_path, &writer_svc, 1);
    setup_db(raw_path, &raw_svc, 0);
    fdl_service_release(&raw_svc);
    struct fdl_error err;
    fdl_error_clear(&err);
    struct fdl_writer *writer;
    if (fdl_writer_start(writer_path, &writer, &err))
        die("fdl_writer_start", &err);
    struct raw_db raw;
    raw_open(&raw, raw_path);

    const char *sync = getenv("FIDELIS_SQLITE_SYNC");
    if (opt.program)
        printf("bench_writer: the writer's purchases earn under %s\n", opt.program);
    printf("bench_writer: %d members, %d-line baskets, WAL, synchronous=%s, %d runs x "
           "%.1f s "
           "per configuration, in %s\n",
           opt.members, BENCH_BASKET_LINES,
           sync && strcasecmp(sync, "NORMAL") == 0 ? "NORMAL" : "FULL", opt.runs,
           opt.seconds, opt.dir);
    fflush(stdout);
    for (int r = 0; r < opt.runs; r++) {
        for (int i = 0; i < CONFIG_COUNT; i++) {
            struct config *k = &configs[(i + r) % CONFIG_COUNT];
            if (opt.only >= 0 && (int)k->kind != opt.only)
                continue;
            if (k->kind == CONFIG_WRITER)
                k->rate[r] = measure_writer(writer, k->n, &k->batch[r]);
            else
                k->rate[r] = measure_raw(&raw, k->n);
        }
    }
    report();

    fdl_writer_stop(writer);
    raw_close(&raw);
    report_growth(writer_path);
    fdl_service_release(&writer_svc);
    if (!opt.keep) {
        remove_db(writer_path);
        remove_db(raw_path);
        rmdir(opt.dir);
    }
    return 0;
}
