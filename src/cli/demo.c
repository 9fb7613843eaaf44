/*
 * demo.c - `fidelis demo`: a database with the demo program, a few hundred
 * members and a year of purchases, redemptions and returns, generated
 * through the same service calls a till makes (with the clock pinned to
 * each moment of the past year), then served.
 */
#include "cli/cli.h"

#include "base/clock.h"
#include "http/http.h"
#include "service/keys.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FDL_SOURCE_DIR
#define FDL_SOURCE_DIR "."
#endif

#define DEMO_DAYS        456 /* fifteen months: the oldest points have already expired */
#define DEMO_MAX_MEMBERS 5000

static const char *const first_names[] = {
    "José",   "María",  "Jordi",   "Núria", "Lucía",  "Àlex",  "Pau",
    "Mònica", "Carmen", "Iñaki",   "Ольга", "Иван",   "Елена", "Сергей",
    "Anna",   "Joan",   "Marta",   "Sofía", "Pablo",  "Laia",  "Ángel",
    "Montse", "Dmitri", "Наталья", "Òscar", "Andreu", "Raquel"};
static const char *const last_names[] = {
    "García",    "Martínez", "Puig",    "Vallès",  "Ferrer",  "López",
    "Sánchez",   "Иванов",   "Петрова", "Соколов", "Casals",  "Rovira",
    "Fernández", "Muñoz",    "Serra",   "Pérez",   "Gómez",   "Font",
    "Кузнецов",  "Ruiz",     "Giménez", "Torrent", "Navarro", "Soler"};

struct demo_product {
    const char *sku, *category;
    int64_t price_minor;
};

static const struct demo_product products[] = {
    {"COF-ESP", "coffee", 150},    {"COF-LAT", "coffee", 260},
    {"BAK-CRO", "bakery", 180},    {"BAK-PAN", "bakery", 240},
    {"DAI-MLK", "dairy", 119},     {"DAI-YOG", "dairy", 245},
    {"DAI-CHE", "dairy", 450},     {"FRU-APL", "produce", 289},
    {"FRU-ORA", "produce", 199},   {"VEG-TOM", "produce", 235},
    {"MEA-CHK", "meat", 699},      {"MEA-HAM", "meat", 1250},
    {"FIS-SAL", "fish", 1190},     {"PAN-RIC", "pantry", 165},
    {"PAN-OIL", "pantry", 895},    {"PAN-PAS", "pantry", 99},
    {"DRI-WAT", "drinks", 65},     {"DRI-WIN", "drinks", 790},
    {"DRI-CAV", "drinks", 1150},   {"HOM-DET", "household", 1099},
    {"HOM-PAP", "household", 499}, {"BTY-SHA", "beauty", 389},
    {"BTY-CRE", "beauty", 1590},   {"SWE-CHO", "sweets", 215},
};
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* xorshift64*: deterministic, seeded by --seed, good enough for demo data. */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static int rng_below(int n)
{
    return (int)(rng_next() % (uint64_t)n);
}

struct demo_member {
    int64_t id, available, since_day;
    int visits_per_100_days;
};

static int demo_enrol(struct cli *c, struct demo_member *dm, int i, int64_t day0)
{
    char name[128], email[128], phone[32];
    const char *first = first_names[rng_below(N(first_names))];
    const char *last = last_names[rng_below(N(last_names))];
    snprintf(name, sizeof(name), "%s %s", first, last);
    snprintf(email, sizeof(email), "member%d@example.com", i + 1);
    snprintf(phone, sizeof(phone), "+3460%07d", 1000000 + i);
    struct fdl_enrol_request req = {
        name,
        email,
        phone,
        i % 3 ? "BCN-01" : "MAD-01",
        1,
        fdl_days_from_civil(1950 + rng_below(55), 1 + rng_below(12), 1 + rng_below(28)),
        rng_below(3) != 0};
    dm->since_day = rng_below(60);
    fdl_clock_set((day0 + dm->since_day) * 86400 + 9 * 3600 + rng_below(36000));
    dm->visits_per_100_days = 2 + rng_below(40);
    struct fdl_member m;
    struct fdl_card card;
    int rc = fdl_svc_enrol(&c->svc, c->st, &c->actor, &req, &m, &card, &c->err);
    dm->id = m.id;
    dm->available = 0;
    return rc;
}

static int demo_purchase(struct cli *c, struct demo_member *dm, int64_t day, int64_t *seq)
{
    struct fdl_line_request lines[6];
    int n = 1 + rng_below(6);
    for (int k = 0; k < n; k++) {
        const struct demo_product *p = &products[rng_below(N(products))];
        lines[k] = (struct fdl_line_request){.sku = p->sku,
                                             .category = p->category,
                                             .quantity = 1 + rng_below(3),
                                             .unit_price_minor = p->price_minor};
    }
    char txn[40];
    snprintf(txn, sizeof(txn), "DEMO-%06lld", (long long)++*seq);
    int64_t now_s = day * 86400 + 8 * 3600 + rng_below(12 * 3600);
    fdl_clock_set(now_s);
    struct fdl_purchase_request req = {
        .member_id = dm->id,
        .txn_id = txn,
        .store_code = rng_below(3) ? "BCN-01" : "MAD-01",
        .channel = rng_below(5) ? "till" : "web",
        .currency = "EUR",
        .occurred_at_s = now_s,
        .redeem_points = dm->available >= 500 && rng_below(8) == 0 ? 500 : 0,
        .line_count = (size_t)n,
        .lines = lines};
    struct fdl_purchase_result res;
    int rc = fdl_svc_purchase(&c->svc, c->st, &c->actor, &req, now_s, &res, &c->err);
    if (rc)
        return rc;
    dm->available = res.balance.available;
    fdl_purchase_result_release(&res);
    if (rng_below(60) == 0) { /* a return a little later the same day */
        struct fdl_refund_line back = {1, 1};
        struct fdl_refund_request rr = {txn, txn, 1, &back};
        struct fdl_refund_result rres;
        fdl_clock_set(now_s + 1800);
        rc = fdl_svc_refund(&c->svc, c->st, &c->actor, &rr, now_s + 1800, &rres, &c->err);
        if (rc == 0)
            dm->available = rres.balance.available;
    }
    return rc;
}

static int demo_generate(struct cli *c, int members)
{
    struct demo_member *dm = calloc((size_t)members, sizeof(*dm));
    if (!dm)
        return 1;
    int64_t today = fdl_clock_now_s() / 86400, day0 = today - DEMO_DAYS, seq = 0;
    int rc = cli_begin(c, 1);
    for (int i = 0; i < members && rc == 0; i++)
        rc = demo_enrol(c, &dm[i], i, day0);
    if (rc == 0)
        rc = cli_end(c, rc);
    for (int64_t d = 0; d < DEMO_DAYS && rc == 0; d++) {
        if ((rc = cli_begin(c, 1)))
            break;
        for (int i = 0; i < members && rc == 0; i++)
            if (d >= dm[i].since_day && rng_below(100) < dm[i].visits_per_100_days)
                rc = demo_purchase(c, &dm[i], day0 + d, &seq);
        rc = cli_end(c, rc);
    }
    fdl_clock_set(0);
    free(dm);
    int64_t expired_members = 0, expired_points = 0;
    if (rc == 0)
        rc = cli_expire_all(c, fdl_clock_now_s(), &expired_members, &expired_points);
    if (rc == 0)
        printf("demo: %d members, %lld purchases over %d days; %lld points expired\n",
               members, (long long)seq, DEMO_DAYS, (long long)expired_points);
    return rc;
}

int cli_demo(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"members", required_argument, 0, 'm'},
                                         {"seed", required_argument, 0, 's'},
                                         {"port", required_argument, 0, 'p'},
                                         {"no-serve", no_argument, 0, 'n'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = "fidelis-demo.db";
    int members = 300, port = 8080, serve = 1, ch;
    rng_state = 0x9E3779B97F4A7C15ULL;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            db = optarg;
            break;
        case 'm':
            members = atoi(optarg);
            break;
        case 's':
            rng_state ^= (uint64_t)strtoull(optarg, NULL, 10) * 0xBF58476D1CE4E5B9ULL;
            break;
        case 'p':
            port = atoi(optarg);
            break;
        case 'n':
            serve = 0;
            break;
        default:
            printf(
                "usage: fidelis demo [--db PATH] [--members N] [--seed S] [--port N]\n"
                "                    [--no-serve]\n"
                "Creates PATH (default fidelis-demo.db) with the demo program, N "
                "members\n"
                "(default 300) and a year of history, prints API keys, and serves it.\n"
                "An existing demo database is reused as it is.\n");
            return ch == 'h' ? 0 : 2;
        }
    }
    if (members < 1 || members > DEMO_MAX_MEMBERS) {
        fprintf(stderr, "fidelis: --members must be 1..%d\n", DEMO_MAX_MEMBERS);
        return 2;
    }
    struct cli c;
    if (cli_open(&c, db, 1))
        return 1;
    struct fdl_totals totals = {0};
    int rc = FDL_STORE_CALL(c.st, totals, 1, &totals, &c.err);
    int fresh = rc != 0 || totals.members == 0;
    rc = cli_setup_program(&c, 1, 0, NULL, NULL);
    if (rc == 0 && fresh)
        rc = demo_generate(&c, members);
    cli_close(&c);
    if (rc || !serve)
        return rc;
    printf("serving http://127.0.0.1:%d  (till page: /till; Ctrl-C stops)\n", port);
    fflush(stdout);
    struct fdl_http_config cfg = {.db_uri = db,
                                  .bind_address = "127.0.0.1",
                                  .port = port,
                                  .web_dir = FDL_SOURCE_DIR "/web",
                                  .openapi_path = FDL_SOURCE_DIR "/docs/openapi.json",
                                  .expire_interval_s = 3600};
    return fdl_http_serve(&cfg);
}
