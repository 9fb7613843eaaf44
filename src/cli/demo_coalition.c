/*
 * demo_coalition.c - program 2 of `fidelis demo`: Barrio Club, the
 * coalition of examples/coalition.yaml. A bakery, a bookshop and a cinema
 * each have their stores, an admin and a cashier; members shop at all three
 * and now and then spend their points at another partner than the one that
 * issued them, which makes settlement items; the operator settles at each
 * month's end, so the last month is open. Sales go through the same service
 * calls as the API, as each partner's cashier, with the partner's
 * transaction ids ("<partner>/<id>", as the API keeps them) and the audit
 * rows the API writes.
 */
#include "cli/demo.h"

#include "base/clock.h"
#include "service/coalition.h"
#include "service/keys.h"
#include "service/staff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FDL_SOURCE_DIR
#define FDL_SOURCE_DIR "."
#endif

#define COALITION_PROGRAM      2
#define COALITION_PROGRAM_PATH FDL_SOURCE_DIR "/examples/coalition.yaml"
#define COALITION_PASSWORD     "fidelis demo 2026"
#define COALITION_REDEEM       300 /* points a member spends at once */
#define COALITION_MAX_MEMBERS  2000
#define N(a)                   (sizeof(a) / sizeof((a)[0]))

static const struct partner_shop {
    const char *partner, *store, *name;
} shops[] = {
    {"horno", "PAN-01", "Horno San Pablo, Calle Mayor"},
    {"horno", "PAN-02", "Horno San Pablo, Plaza Nueva"},
    {"libros", "LIB-01", "Libros del Barrio"},
    {"cine", "CINE-01", "Cine Sol"},
};

/* What each partner sells: sku, category, price. */
static const struct basket_item {
    const char *partner, *sku, *category;
    int64_t price_minor;
} items[] = {
    {"horno", "PAN-BAR", "bread", 120},       {"horno", "PAN-INT", "bread", 260},
    {"horno", "BOL-CHO", "pastry", 180},      {"horno", "TAR-MAN", "pastry", 1450},
    {"libros", "LIB-NOV", "books", 1990},     {"libros", "LIB-INF", "books", 1250},
    {"libros", "LIB-TXT", "textbooks", 3200}, {"cine", "ENT-GEN", "tickets", 850},
    {"cine", "PALOMIT", "snacks", 450},       {"cine", "REFRESC", "snacks", 350},
};

static struct fdl_actor cashier[N(shops)];

/* The partner's admin and one cashier per shop, signing in as
 * "<login>@<partner>/2". */
static int coalition_staff(struct cli *c, int64_t at)
{
    int rc = 0;
    for (size_t i = 0; i < N(shops) && rc == 0; i++)
        rc = demo_store_put(c, shops[i].store, shops[i].name, "Europe/Madrid", NULL, at);
    for (size_t i = 0; i < N(shops) && rc == 0; i++) {
        struct fdl_staff s;
        memset(&s, 0, sizeof(s));
        int first = i == 0 || strcmp(shops[i - 1].partner, shops[i].partner) != 0;
        if (first) { /* the partner's admin */
            snprintf(s.login, sizeof(s.login), "admin");
            snprintf(s.name, sizeof(s.name), "Admin %s", shops[i].partner);
            s.role = FDL_ROLE_ADMIN;
            rc = fdl_password_hash(COALITION_PASSWORD, s.login, s.password_hash, &c->err);
            if (rc == 0)
                rc = fdl_svc_staff_create(&c->svc, c->st, &c->actor, shops[i].partner, &s,
                                          at, &c->err);
        }
        memset(&s, 0, sizeof(s));
        snprintf(s.login, sizeof(s.login), "caja%zu", i + 1);
        demo_name(s.name);
        snprintf(s.store_code, sizeof(s.store_code), "%s", shops[i].store);
        s.role = FDL_ROLE_CASHIER;
        if (rc == 0)
            rc = fdl_password_hash(COALITION_PASSWORD, s.login, s.password_hash, &c->err);
        if (rc == 0)
            rc = fdl_svc_staff_create(&c->svc, c->st, &c->actor, NULL, &s, at, &c->err);
        struct fdl_actor *a = &cashier[i];
        *a = c->actor;
        a->scopes = FDL_SCOPE_POS;
        a->role = FDL_ROLE_CASHIER;
        a->staff_id = s.id;
        snprintf(a->name, sizeof(a->name), "staff:%s", s.login);
        snprintf(a->store, sizeof(a->store), "%s", shops[i].store);
        snprintf(a->partner, sizeof(a->partner), "%s", shops[i].partner);
        snprintf(a->client_ip, sizeof(a->client_ip), "10.2.%zu.11", i + 1);
    }
    return rc;
}

/* One sale of member at shop k on day; spends COALITION_REDEEM points when
 * asked and the member has them. */
static int coalition_sale(struct cli *c, int64_t member, size_t k, int64_t day,
                          int64_t *seq, int redeem)
{
    const struct fdl_actor *a = &cashier[k];
    struct fdl_line_request lines[3];
    int n = 0, want = 1 + demo_rng_below(3);
    for (int tries = 0; n < want && tries < 40; tries++) {
        const struct basket_item *it = &items[demo_rng_below((int)N(items))];
        if (strcmp(it->partner, a->partner) != 0)
            continue;
        lines[n++] = (struct fdl_line_request){.sku = it->sku,
                                               .category = it->category,
                                               .quantity = 1 + demo_rng_below(2),
                                               .unit_price_minor = it->price_minor};
    }
    char txn[48];
    snprintf(txn, sizeof(txn), "%s/B-%06lld", a->partner, (long long)++*seq);
    int64_t now_s = day * 86400 + 9 * 3600 + demo_rng_below(12 * 3600);
    fdl_clock_set(now_s);
    struct fdl_purchase_request req = {.member_id = member,
                                       .txn_id = txn,
                                       .store_code = a->store,
                                       .channel = "till",
                                       .currency = "EUR",
                                       .occurred_at_s = now_s,
                                       .line_count = (size_t)n,
                                       .lines = lines};
    if (redeem) {
        struct fdl_balance b;
        int rc = fdl_svc_balance(&c->svc, c->st, a, member, now_s, &b, &c->err);
        if (rc)
            return rc;
        int64_t total = 0;
        for (int i = 0; i < n; i++)
            total += lines[i].quantity * lines[i].unit_price_minor;
        if (b.available >= COALITION_REDEEM && total >= COALITION_REDEEM)
            req.redeem_points = COALITION_REDEEM;
    }
    struct fdl_purchase_result res;
    int rc = fdl_svc_purchase(&c->svc, c->st, a, &req, now_s, &res, &c->err);
    if (rc == 0) {
        fdl_purchase_result_release(&res);
        rc = demo_audit_sale(c, a, txn, now_s);
    }
    return rc;
}

/* Settles what is open up to the day before `day` (the operator). */
static int coalition_settle(struct cli *c, int64_t day, int *settlements)
{
    static struct fdl_settlement_pair lines[FDL_SETTLEMENT_MAX_PAIRS];
    struct fdl_settlement s;
    int count = 0;
    int64_t now_s = day * 86400 + 8 * 3600;
    fdl_clock_set(now_s);
    int rc = fdl_svc_settle(&c->svc, c->st, &c->actor, day - 1, now_s, &s, lines,
                            FDL_SETTLEMENT_MAX_PAIRS, &count, &c->err);
    if (rc == 0 && s.id)
        ++*settlements;
    return rc;
}

int demo_coalition(struct cli *c, int members, int64_t day0, int64_t days)
{
    if (members > COALITION_MAX_MEMBERS)
        members = COALITION_MAX_MEMBERS;
    int64_t *ids = calloc((size_t)members, sizeof(*ids));
    if (!ids)
        return fdl_error_set(&c->err, FDL_ENOMEM, NULL, "out of memory");
    char admin[FDL_KEY_TEXT_LEN + 1], till[FDL_KEY_TEXT_LEN + 1];
    int rc = cli_setup_program(c, COALITION_PROGRAM, 1, admin, till);
    int64_t caller = c->actor.program_id;
    c->actor.program_id = COALITION_PROGRAM;
    if (rc == 0)
        rc = cli_begin(c, 1);
    if (rc == 0)
        rc = demo_apply_program(c, COALITION_PROGRAM_PATH, day0);
    if (rc == 0)
        rc = coalition_staff(c, day0 * 86400);
    for (int i = 0; i < members && rc == 0; i++) {
        char name[128], email[96];
        snprintf(email, sizeof(email), "barrio%d@example.com", i + 1);
        struct fdl_enrol_request req = {.name = demo_name(name), .email = email};
        struct fdl_member m;
        struct fdl_card card;
        fdl_clock_set(day0 * 86400 + 10 * 3600);
        rc = fdl_svc_enrol(&c->svc, c->st, &c->actor, &req, &m, &card, &c->err);
        ids[i] = m.id;
    }
    if (rc == 0)
        rc = cli_end(c, rc);
    int64_t seq = 0;
    int settlements = 0;
    for (int64_t d = 0; d < days && rc == 0; d++) {
        if ((rc = cli_begin(c, 1)))
            break;
        int64_t y;
        int mo, dd;
        fdl_civil_from_days(day0 + d, &y, &mo, &dd);
        if (dd == 1 && d > 0)
            rc = coalition_settle(c, day0 + d, &settlements);
        for (int i = 0; i < members && rc == 0; i++)
            if (demo_rng_below(100) < 6)
                rc = coalition_sale(c, ids[i], (size_t)demo_rng_below((int)N(shops)),
                                    day0 + d, &seq, demo_rng_below(5) == 0);
        rc = cli_end(c, rc);
    }
    fdl_clock_set(0);
    c->actor.program_id = caller;
    free(ids);
    if (rc == 0) {
        printf("demo coalition (program 2, Barrio Club): %d members, %lld sales at 3 "
               "partners, %d monthly settlements\n"
               "  operator admin key: %s\n"
               "  partners' staff sign in as admin@horno/2, admin@libros/2, "
               "admin@cine/2, caja1@horno/2 ... (password \"%s\")\n",
               members, (long long)seq, settlements, admin, COALITION_PASSWORD);
    }
    return rc;
}
