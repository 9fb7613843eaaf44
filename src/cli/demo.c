/*
 * demo.c - `fidelis demo`: a database with the demo program, a few hundred
 * members and a year of purchases, redemptions and returns, generated
 * through the same service calls a till makes (with the clock pinned to
 * each moment of the past year), then served.
 */
#include "cli/cli.h"
#include "cli/demo.h"

#include "base/clock.h"
#include "http/http.h"
#include "service/coupons.h"
#include "service/keys.h"
#include "service/referrals.h"
#include "service/rewards.h"
#include "service/staff.h"
#include "service/stored_value.h"

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

int demo_rng_below(int n)
{
    return (int)(rng_next() % (uint64_t)n);
}
#define rng_below demo_rng_below

const char *demo_name(char out[128])
{
    snprintf(out, 128, "%s %s", first_names[rng_below(N(first_names))],
             last_names[rng_below(N(last_names))]);
    return out;
}

struct demo_member {
    int64_t id, available, since_day;
    int visits_per_100_days;
    int64_t voucher;     /* an open coffee-card voucher to use next time; 0: none */
    int64_t voucher_day; /* when it was issued (it is valid 90 days) */
    int welcomed;        /* used the welcome coupon */
};

/* -- stores, staff and the audit log -- three stores (one an hour behind,
 * on the Canary Islands), their staff, and a cashier who now and then rings
 * up sales on her own card: the staff-activity report flags her. */
#define DEMO_STAFF_PASSWORD "fidelis demo 2026"

static const struct demo_store {
    const char *code, *name, *zone, *address, *cashier;
} demo_stores[] = {
    {"BCN-01", "Mercat Barcelona", "Europe/Madrid", "Carrer de Mallorca 1, Barcelona",
     "ana"},
    {"MAD-01", "Mercado Madrid", "Europe/Madrid", "Calle de Alcalá 10, Madrid", "pau"},
    {"LPA-01", "Mercado Las Palmas", "Atlantic/Canary", "Calle Triana 5, Las Palmas",
     "nerea"},
};

static const struct demo_staff {
    const char *login, *name, *role, *store;
} demo_staff[] = {
    {"owner", "Laia Ferrer", "admin", NULL},
    {"marta", "Marta Soler", "manager", "BCN-01"},
    {"ana", "Ana Puig", "cashier", "BCN-01"},
    {"pau", "Pau Casals", "cashier", "MAD-01"},
    {"nerea", "Nerea Ruiz", "cashier", "LPA-01"},
    {"aude", "Aude Font", "auditor", NULL},
};

static struct fdl_actor cashiers[N(demo_stores)];
static int64_t ana_member_id; /* the cashier's own loyalty card */

static int demo_staff_setup(struct cli *c, int64_t at)
{
    int rc = 0;
    for (size_t i = 0; i < N(demo_stores) && rc == 0; i++)
        rc = demo_store_put(c, demo_stores[i].code, demo_stores[i].name,
                            demo_stores[i].zone, demo_stores[i].address, at);
    struct fdl_enrol_request own = {
        .name = "Ana Puig", .email = "ana.puig@example.com", .home_store = "BCN-01"};
    struct fdl_member m;
    struct fdl_card card;
    if (rc == 0 &&
        (rc = fdl_svc_enrol(&c->svc, c->st, &c->actor, &own, &m, &card, &c->err)) == 0)
        ana_member_id = m.id;
    for (size_t i = 0; i < N(demo_staff) && rc == 0; i++) {
        const struct demo_staff *d = &demo_staff[i];
        struct fdl_staff st;
        memset(&st, 0, sizeof(st));
        snprintf(st.login, sizeof(st.login), "%s", d->login);
        snprintf(st.name, sizeof(st.name), "%s", d->name);
        snprintf(st.store_code, sizeof(st.store_code), "%s", d->store ? d->store : "");
        st.role = fdl_role_parse(d->role);
        st.member_id = strcmp(d->login, "ana") == 0 ? ana_member_id : 0;
        rc = fdl_password_hash(DEMO_STAFF_PASSWORD, d->login, st.password_hash, &c->err);
        if (rc == 0)
            rc = fdl_svc_staff_create(&c->svc, c->st, &c->actor, NULL, &st, at, &c->err);
        for (size_t k = 0; k < N(demo_stores) && rc == 0; k++)
            if (strcmp(demo_stores[k].cashier, d->login) == 0) {
                struct fdl_actor *a = &cashiers[k];
                *a = c->actor;
                a->scopes = FDL_SCOPE_POS;
                a->role = FDL_ROLE_CASHIER;
                a->staff_id = st.id;
                snprintf(a->name, sizeof(a->name), "staff:%s", d->login);
                snprintf(a->store, sizeof(a->store), "%s", d->store);
                snprintf(a->client_ip, sizeof(a->client_ip), "10.0.%zu.21", k + 1);
            }
    }
    return rc;
}

int demo_store_put(struct cli *c, const char *code, const char *name, const char *zone,
                   const char *address, int64_t at)
{
    struct fdl_shop shop;
    memset(&shop, 0, sizeof(shop));
    snprintf(shop.code, sizeof(shop.code), "%s", code);
    snprintf(shop.name, sizeof(shop.name), "%s", name);
    snprintf(shop.time_zone, sizeof(shop.time_zone), "%s", zone);
    snprintf(shop.address, sizeof(shop.address), "%s", address ? address : "");
    return fdl_svc_shop_put(&c->svc, c->st, &c->actor, 1, &shop, at, &c->err);
}

int demo_audit_sale(struct cli *c, const struct fdl_actor *a, const char *txn, int64_t at)
{
    struct fdl_audit_row row;
    memset(&row, 0, sizeof(row));
    row.program_id = a->program_id;
    row.at_s = at;
    snprintf(row.actor, sizeof(row.actor), "%s", a->name);
    snprintf(row.role, sizeof(row.role), "cashier");
    snprintf(row.store_code, sizeof(row.store_code), "%s", a->store);
    snprintf(row.client_ip, sizeof(row.client_ip), "%s", a->client_ip);
    snprintf(row.route, sizeof(row.route), "purchase_create");
    snprintf(row.method, sizeof(row.method), "POST");
    snprintf(row.path, sizeof(row.path), "/v1/purchases");
    snprintf(row.ref, sizeof(row.ref), "txn:%s", txn);
    snprintf(row.partner, sizeof(row.partner), "%s", a->partner);
    row.status = 201;
    return FDL_STORE_CALL(c->st, audit_insert, &row, &c->err);
}

/* The demo program (examples/demo.yaml), applied from the first demo day. */
#define DEMO_PROGRAM_PATH FDL_SOURCE_DIR "/examples/demo.yaml"

int demo_apply_program(struct cli *c, const char *path, int64_t day0)
{
    struct fdl_program_def *def = NULL;
    if (fdl_program_file_load_path(path, &def, &c->err))
        return fdl_error_set(&c->err, c->err.code, NULL, "%s: %s", path, c->err.message);
    fdl_program_def_free(def);
    FILE *f = fopen(path, "rb");
    char *text = f ? malloc(FDL_PROGRAM_FILE_MAX_BYTES + 1) : NULL;
    size_t len = text ? fread(text, 1, FDL_PROGRAM_FILE_MAX_BYTES, f) : 0;
    if (f)
        fclose(f);
    int64_t version = 0, at = day0 * 86400;
    fdl_clock_set(at);
    int rc = text ? fdl_svc_program_apply(&c->svc, c->st, &c->actor, text, len, at, at,
                                          &version, &c->err)
                  : fdl_error_set(&c->err, FDL_ENOMEM, NULL, "cannot read %s", path);
    free(text);
    return rc;
}

static int demo_program(struct cli *c, int64_t day0)
{
    return demo_apply_program(c, DEMO_PROGRAM_PATH, day0);
}

static int demo_enrol(struct cli *c, struct demo_member *dm, int i, int64_t day0,
                      const char *referral_code)
{
    char name[128], email[128], phone[32];
    demo_name(name);
    snprintf(email, sizeof(email), "member%d@example.com", i + 1);
    snprintf(phone, sizeof(phone), "+3460%07d", 1000000 + i);
    struct fdl_enrol_request req = {
        .name = name,
        .email = email,
        .phone = phone,
        .home_store = i % 3 ? "BCN-01" : "MAD-01",
        .has_birthday = 1,
        .birthday_days = fdl_days_from_civil(1950 + rng_below(55), 1 + rng_below(12),
                                             1 + rng_below(28)),
        .marketing_consent = rng_below(3) != 0,
        .referral_code = referral_code};
    dm->since_day = rng_below(60);
    fdl_clock_set((day0 + dm->since_day) * 86400 + 9 * 3600 + rng_below(36000));
    dm->visits_per_100_days = 2 + rng_below(40);
    struct fdl_member m;
    struct fdl_card card;
    int rc = fdl_svc_enrol(&c->svc, c->st, &c->actor, &req, &m, &card, &c->err);
    dm->id = m.id;
    dm->available = m.balance;
    if (rc == 0 && rng_below(10) == 0) { /* some students */
        const char *students[] = {"students"};
        rc = fdl_svc_segments_set(&c->svc, c->st, &c->actor, m.id, students, 1, &c->err);
    }
    if (rc == 0 && rng_below(12) == 0) { /* some pay for Mercat Plus */
        char txn[40];
        struct fdl_membership year;
        snprintf(txn, sizeof(txn), "DEMO-FEE-%lld", (long long)m.id);
        rc = fdl_svc_membership_buy(&c->svc, c->st, &c->actor, m.id, txn,
                                    fdl_clock_now_s(), &year, &c->err);
    }
    return rc;
}

/* Gift cards sold during the demo, spent at the till now and then. */
#define DEMO_GIFT_CARDS 40
static struct fdl_sv_card gift_cards[DEMO_GIFT_CARDS];
static int gift_card_count;

static int demo_gift_card(struct cli *c, const char *txn)
{
    int64_t now_s = fdl_clock_now_s();
    if (gift_card_count < DEMO_GIFT_CARDS && rng_below(120) == 0)
        return fdl_svc_gift_card_sell(&c->svc, c->st, &c->actor,
                                      2500 + 500 * rng_below(6), "EUR", 0, now_s,
                                      &gift_cards[gift_card_count++], &c->err);
    if (gift_card_count == 0 || rng_below(40) != 0)
        return 0;
    struct fdl_sv_card *g = &gift_cards[rng_below(gift_card_count)];
    if (g->balance_minor < 1000)
        return 0;
    return fdl_svc_gift_card_redeem(&c->svc, c->st, &c->actor, g->number, 1000, txn,
                                    now_s, g, &c->err);
}

/* A reward now and then: reserved at the till and committed with the sale. */
static int demo_reward(struct cli *c, struct demo_member *dm, const char *txn)
{
    if (dm->available < 500 || rng_below(10) != 0)
        return 0;
    const char *reward = rng_below(2) ? "free-coffee" : "five-off";
    struct fdl_redemption d;
    struct fdl_balance b;
    char code[FDL_COUPON_FORMATTED_MAX];
    int64_t now_s = fdl_clock_now_s();
    int rc = fdl_svc_reward_reserve(&c->svc, c->st, &c->actor, dm->id, reward, 1, now_s,
                                    &d, &b, &c->err);
    if (rc == 0)
        rc = fdl_svc_redemption_commit(&c->svc, c->st, &c->actor, d.id, txn, now_s, &d,
                                       code, sizeof(code), &c->err);
    if (rc == 0)
        dm->available = b.available;
    return rc;
}

/* Whether the basket has a coffee a coffee-card voucher can make free. */
static int has_coffee(const struct fdl_line_request *lines, int n)
{
    for (int k = 0; k < n; k++)
        if (strcmp(lines[k].sku, "COF-ESP") == 0 || strcmp(lines[k].sku, "COF-LAT") == 0)
            return 1;
    return 0;
}

/* One sale of dm's on day; at_store >= 0 forces a till sale at that store. */
static int demo_purchase(struct cli *c, struct demo_member *dm, int64_t day, int64_t *seq,
                         int at_store)
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
    int64_t total = 0;
    for (int k = 0; k < n; k++)
        total += lines[k].quantity * lines[k].unit_price_minor;
    /* most sales at the till of one of the stores, rung up by its cashier;
     * one in five online (no store) */
    int web = at_store < 0 && rng_below(5) == 0;
    size_t store = at_store >= 0       ? (size_t)at_store
                   : rng_below(6) == 0 ? 2
                                       : (size_t)rng_below(2);
    const struct fdl_actor *actor = web ? &c->actor : &cashiers[store];
    struct fdl_purchase_request req = {.member_id = dm->id,
                                       .txn_id = txn,
                                       .store_code = web ? "" : demo_stores[store].code,
                                       .channel = web ? "web" : "till",
                                       .currency = "EUR",
                                       .occurred_at_s = now_s,
                                       .line_count = (size_t)n,
                                       .lines = lines};
    if (dm->available >= 500 && rng_below(8) == 0) {
        /* points earned a year ago may have lapsed since: ask */
        struct fdl_balance b;
        int rc = fdl_svc_balance(&c->svc, c->st, &c->actor, dm->id, now_s, &b, &c->err);
        if (rc)
            return rc;
        req.redeem_points = b.available >= 500 ? 500 : 0;
    }
    if (!dm->welcomed && total >= 2000 && rng_below(2) == 0) {
        req.coupons[0] = "BENVINGUT";
        req.coupon_count = 1;
        dm->welcomed = 1;
    }
    if (dm->voucher && day - dm->voucher_day > 80)
        dm->voucher = 0;
    if (dm->voucher && has_coffee(lines, n)) {
        req.stamp_rewards[0] = dm->voucher;
        req.stamp_reward_count = 1;
        dm->voucher = 0;
    }
    struct fdl_purchase_result res;
    int rc = fdl_svc_purchase(&c->svc, c->st, actor, &req, now_s, &res, &c->err);
    if (rc == 0 && !web)
        rc = demo_audit_sale(c, actor, txn, now_s);
    if (rc)
        return rc;
    dm->available = res.balance.available;
    for (int k = 0; k < res.stamp_card_count; k++)
        if (res.stamps[k].voucher_count > 0) {
            dm->voucher = res.stamps[k].voucher_ids[0];
            dm->voucher_day = day;
        }
    fdl_purchase_result_release(&res);
    if ((rc = demo_reward(c, dm, txn)) || (rc = demo_gift_card(c, txn)))
        return rc;
    if (rng_below(60) == 0) { /* a return a little later the same day */
        struct fdl_refund_line back = {1, 1};
        struct fdl_refund_request rr = {txn, txn, 1, &back};
        struct fdl_refund_result rres;
        fdl_clock_set(now_s + 1800);
        rc = fdl_svc_refund(&c->svc, c->st, &c->actor, &rr, now_s + 1800, &rres, &c->err);
        if (rc == 0)
            dm->available = rres.balance.available;
        dm->voucher = 0; /* the refund may have taken the card's voucher back */
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
    if (rc == 0)
        rc = demo_program(c, day0);
    if (rc == 0)
        rc = demo_staff_setup(c, day0 * 86400);
    struct demo_member ana = {.id = ana_member_id, .visits_per_100_days = 0};
    int *referred = calloc((size_t)members, sizeof(*referred));
    if (!referred)
        rc = 1;
    for (int i = 0; i < members && rc == 0; i++) {
        /* One in eight is brought by a friend (at most two each). */
        struct fdl_referral_code_info code;
        int j = i > 10 ? rng_below(i) : 0;
        int by_friend = i > 10 && rng_below(8) == 0 && referred[j] < 2;
        if (by_friend && (rc = fdl_svc_referral_code(&c->svc, c->st, &c->actor, dm[j].id,
                                                     fdl_clock_now_s(), &code, &c->err)))
            break;
        if (by_friend)
            referred[j]++;
        rc = demo_enrol(c, &dm[i], i, day0, by_friend ? code.code : NULL);
    }
    free(referred);
    if (rc == 0)
        rc = cli_end(c, rc);
    for (int64_t d = 0; d < DEMO_DAYS && rc == 0; d++) {
        if ((rc = cli_begin(c, 1)))
            break;
        for (int i = 0; i < members && rc == 0; i++)
            if (d >= dm[i].since_day && rng_below(100) < dm[i].visits_per_100_days)
                rc = demo_purchase(c, &dm[i], day0 + d, &seq, -1);
        /* now and then the cashier rings up a sale on her own card */
        if (rc == 0 && rng_below(9) == 0)
            rc = demo_purchase(c, &ana, day0 + d, &seq, 0);
        rc = cli_end(c, rc);
    }
    fdl_clock_set(0);
    free(dm);
    /* -- coalitions -- program 2 */
    if (rc == 0)
        rc = demo_coalition(c, members / 3 + 1, day0, DEMO_DAYS);
    int64_t expired_members = 0, expired_points = 0;
    if (rc == 0)
        rc = cli_expire_all(c, fdl_clock_now_s(), &expired_members, &expired_points);
    if (rc == 0) {
        printf("demo: %d members, %lld purchases over %d days; %lld points expired\n",
               members, (long long)seq, DEMO_DAYS, (long long)expired_points);
        printf("demo staff (password \"%s\"):", DEMO_STAFF_PASSWORD);
        for (size_t i = 0; i < N(demo_staff); i++)
            printf(" %s (%s%s%s)", demo_staff[i].login, demo_staff[i].role,
                   demo_staff[i].store ? " at " : "",
                   demo_staff[i].store ? demo_staff[i].store : "");
        printf("\n");
    }
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
