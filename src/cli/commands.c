/* commands.c - the CLI commands other than demo. */
#include "cli/cli.h"

#include "base/clock.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/netaddr.h"
#include "http/http.h"
#include "engine/explain.h"
#include "service/coalition.h"
#include "service/keys.h"

#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef FDL_SOURCE_DIR
#define FDL_SOURCE_DIR "."
#endif

int cli_fail(const struct fdl_error *err)
{
    if (err->field[0])
        fprintf(stderr, "fidelis: %s: %s\n", err->field, err->message);
    else
        fprintf(stderr, "fidelis: %s\n",
                err->message[0] ? err->message : fdl_error_title(err->code));
    return 1;
}

static const char *default_db(const char *db)
{
    if (db)
        return db;
    const char *env = getenv("FIDELIS_DB");
    return env && *env ? env : FDL_DEFAULT_DB;
}

int cli_open(struct cli *c, const char *db, int create_key)
{
    memset(c, 0, sizeof(*c));
    c->db = default_db(db);
    c->actor.program_id = 1;
    c->actor.scopes = FDL_SCOPE_POS | FDL_SCOPE_ADMIN;
    snprintf(c->actor.name, sizeof(c->actor.name), "cli");
    if (fdl_store_open(c->db, 1, &c->st, &c->err))
        return cli_fail(&c->err);
    if (cli_begin(c, 1))
        return 1;
    int rc = fdl_service_init(&c->svc, c->st, create_key, &c->err);
    if (cli_end(c, rc)) {
        fdl_store_close(c->st);
        c->st = NULL;
        return 1;
    }
    return 0;
}

void cli_close(struct cli *c)
{
    fdl_service_release(&c->svc);
    fdl_store_close(c->st);
    c->st = NULL;
}

int cli_begin(struct cli *c, int write)
{
    c->writing = write;
    return FDL_STORE_CALL(c->st, begin, write, &c->err) ? cli_fail(&c->err) : 0;
}

/* -- stores, staff and the audit log -- the row of a CLI write. */
static int cli_audit_row(struct cli *c)
{
    struct fdl_audit_row row;
    memset(&row, 0, sizeof(row));
    row.program_id = c->actor.program_id;
    row.at_s = fdl_clock_now_s();
    const struct passwd *pw = getpwuid(geteuid());
    snprintf(row.actor, sizeof(row.actor), "cli:%s", pw ? pw->pw_name : "?");
    snprintf(row.role, sizeof(row.role), "cli");
    snprintf(row.route, sizeof(row.route), "%s", c->what);
    snprintf(row.method, sizeof(row.method), "CLI");
    snprintf(row.path, sizeof(row.path), "fidelis %s", c->what);
    snprintf(row.ref, sizeof(row.ref), "%s", c->ref ? c->ref : "");
    return FDL_STORE_CALL(c->st, audit_insert, &row, &c->err);
}

int cli_end(struct cli *c, int rc)
{
    if (rc == 0 && c->writing && c->what)
        rc = cli_audit_row(c);
    c->what = c->ref = NULL; /* one transaction's */
    if (rc == 0 && FDL_STORE_CALL(c->st, commit, &c->err) == 0)
        return 0;
    FDL_STORE_CALL0(c->st, rollback);
    return cli_fail(&c->err);
}

/* Parses --db and --help only; for commands without other options. */
static int simple_options(int argc, char **argv, const char *help, const char **db)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'd')
            *db = optarg;
        else {
            fputs(help, ch == 'h' ? stdout : stderr);
            return ch == 'h' ? -1 : 2;
        }
    }
    return 0;
}

int cli_setup_program(struct cli *c, int64_t program_id, int quiet_keys, char *admin_out,
                      char *pos_out)
{
    char admin[FDL_KEY_TEXT_LEN + 1], pos[FDL_KEY_TEXT_LEN + 1];
    int64_t caller = c->actor.program_id;
    c->actor.program_id = program_id; /* the audit row is the new program's */
    c->what = "program_init";
    if (cli_begin(c, 1)) {
        c->actor.program_id = caller;
        return 1;
    }
    int rc = 0;
    if (!fdl_service_program(&c->svc, program_id)) {
        struct fdl_program p;
        fdl_program_default(&p);
        p.id = program_id;
        rc = fdl_service_put_program(&c->svc, c->st, &p, &c->err);
    }
    if (rc == 0)
        rc = fdl_key_create(c->st, program_id, "admin (init)",
                            FDL_SCOPE_ADMIN | FDL_SCOPE_POS, NULL, admin, &c->err);
    if (rc == 0)
        rc = fdl_key_create(c->st, program_id, "till (init)", FDL_SCOPE_POS, NULL, pos,
                            &c->err);
    rc = cli_end(c, rc);
    c->actor.program_id = caller;
    if (rc)
        return 1;
    if (!quiet_keys)
        printf("admin key: %s\ntill key:  %s\n(shown once; store them safely)\n", admin,
               pos);
    if (admin_out)
        memcpy(admin_out, admin, sizeof(admin));
    if (pos_out)
        memcpy(pos_out, pos, sizeof(pos));
    return 0;
}

int cli_init(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"program", required_argument, 0, 'p'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = NULL;
    int64_t program = 1;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'd')
            db = optarg;
        else if (ch == 'p' && (program = atoll(optarg)) >= 1 &&
                 program <= FDL_MAX_PROGRAMS)
            continue;
        else {
            printf("usage: fidelis init [--db PATH] [--program ID]\n"
                   "Creates (or migrates) the database and the card secret, creates "
                   "program\n"
                   "ID (default 1, up to %d) with the default settings if it does not "
                   "exist,\n"
                   "and prints a new admin key and till key for it.\n",
                   FDL_MAX_PROGRAMS);
            return ch == 'h' ? 0 : 2;
        }
    }
    struct cli c;
    if (cli_open(&c, db, 1))
        return 1;
    int rc = cli_setup_program(&c, program, 0, NULL, NULL);
    cli_close(&c);
    return rc;
}

int cli_serve(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"port", required_argument, 0, 'p'},
                                         {"bind", required_argument, 0, 'b'},
                                         {"web", required_argument, 0, 'w'},
                                         {"test-clock", no_argument, 0, 't'},
                                         {"expire-interval", required_argument, 0, 'e'},
                                         {"trusted-proxies", required_argument, 0, 'P'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    struct fdl_http_config cfg = {
        .db_uri = default_db(NULL),
        .bind_address = getenv("FIDELIS_BIND") ? getenv("FIDELIS_BIND") : "127.0.0.1",
        .port = getenv("FIDELIS_PORT") ? atoi(getenv("FIDELIS_PORT")) : FDL_DEFAULT_PORT,
        .web_dir = FDL_SOURCE_DIR "/web",
        .openapi_path = FDL_SOURCE_DIR "/docs/openapi.json",
        .expire_interval_s = 3600,
        .trusted_proxies = getenv("FIDELIS_TRUSTED_PROXIES"),
    };
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            cfg.db_uri = optarg;
            break;
        case 'p':
            cfg.port = atoi(optarg);
            break;
        case 'b':
            cfg.bind_address = optarg;
            break;
        case 'w':
            cfg.web_dir = optarg;
            break;
        case 't':
            cfg.test_clock = 1;
            break;
        case 'e':
            cfg.expire_interval_s = atoi(optarg);
            break;
        case 'P':
            cfg.trusted_proxies = optarg;
            break;
        default:
            printf(
                "usage: fidelis serve [--db PATH] [--port N] [--bind ADDR] [--web DIR]\n"
                "                     [--expire-interval SECONDS] [--test-clock]\n"
                "                     [--trusted-proxies LIST]\n"
                "Serves the JSON API, /healthz, /metrics, /openapi.json and the pages.\n"
                "--trusted-proxies 10.0.0.0/8,::1: the balancers whose X-Forwarded-For\n"
                "names the client (audit log); from no others is it believed.\n"
                "Environment: FIDELIS_DB, FIDELIS_PORT, FIDELIS_BIND,\n"
                "FIDELIS_TRUSTED_PROXIES.\n"
                "--test-clock enables PUT /v1/test/clock (for tests only).\n");
            return ch == 'h' ? 0 : 2;
        }
    }
    if (cfg.port < 0 || cfg.port > 65535) {
        fprintf(stderr, "fidelis: --port must be 0..65535\n");
        return 2;
    }
    struct fdl_networks proxies;
    size_t bad_at = 0;
    if (cfg.trusted_proxies &&
        fdl_networks_parse(cfg.trusted_proxies, &proxies, &bad_at) != 0) {
        fprintf(
            stderr,
            "fidelis: --trusted-proxies: \"%s\" is not an address or network (at most "
            "%d, like 10.0.0.0/8 or ::1)\n",
            cfg.trusted_proxies + bad_at, FDL_MAX_TRUSTED_PROXIES);
        return 2;
    }
    return fdl_http_serve(&cfg);
}

/* Prints the stored-value audit (money, kept apart from points); 1 if bad. */
static int cli_sv_audit_report(const struct fdl_sv_audit *sv)
{
    int bad = sv->unbalanced_entries || sv->card_mismatches || sv->cashback_mismatches ||
              sv->negative_cards;
    printf("stored value: checked %lld entries, %lld postings, %lld cards, %lld "
           "membership years\n",
           (long long)sv->entries, (long long)sv->postings, (long long)sv->cards,
           (long long)sv->memberships);
    printf("stored value (minor units): sold %lld, spent %lld, on cards %lld\n",
           (long long)sv->sold_minor, (long long)sv->spent_minor,
           (long long)sv->outstanding_minor);
    printf("unbalanced money entries: %lld\ncard balance != postings: %lld\n"
           "negative cards: %lld\ncashback != membership years: %lld\n",
           (long long)sv->unbalanced_entries, (long long)sv->card_mismatches,
           (long long)sv->negative_cards, (long long)sv->cashback_mismatches);
    if (bad)
        printf("first bad money entry %lld, card %lld, member %lld\n",
               (long long)sv->first_bad_entry, (long long)sv->first_bad_card,
               (long long)sv->first_bad_member);
    return bad;
}

int cli_audit(int argc, char **argv)
{
    const char *db = NULL;
    int rc = simple_options(
        argc, argv,
        "usage: fidelis audit [--db PATH]\n"
        "Checks that every journal entry balances and every member's\n"
        "balance equals their postings and their open lots. Exit 0 if so.\n",
        &db);
    if (rc)
        return rc < 0 ? 0 : rc;
    struct cli c;
    if (cli_open(&c, db, 0))
        return 1;
    struct fdl_audit a;
    struct fdl_sv_audit sv;
    rc = FDL_STORE_CALL(c.st, audit, &a, &c.err);
    if (rc == 0)
        rc = FDL_STORE_CALL(c.st, sv_audit, &sv, &c.err);
    cli_close(&c);
    if (rc)
        return cli_fail(&c.err);
    int bad = a.unbalanced_entries || a.balance_mismatches || a.lot_mismatches ||
              a.move_mismatches;
    bad |= cli_sv_audit_report(&sv);
    printf("checked %lld entries, %lld postings, %lld members, %lld lots\n",
           (long long)a.entries, (long long)a.postings, (long long)a.members,
           (long long)a.lots);
    printf("unbalanced entries: %lld%s\n", (long long)a.unbalanced_entries,
           a.first_bad_entry ? " (see entry)" : "");
    printf("balance != postings: %lld\npostings != lots: %lld\nlot != moves: %lld\n",
           (long long)a.balance_mismatches, (long long)a.lot_mismatches,
           (long long)a.move_mismatches);
    if (bad)
        printf("first bad entry %lld, member %lld, lot %lld\n",
               (long long)a.first_bad_entry, (long long)a.first_bad_member,
               (long long)a.first_bad_lot);
    printf("%s\n", bad ? "AUDIT FAILED" : "audit clean");
    return bad ? 1 : 0;
}

int cli_expire_all(struct cli *c, int64_t now_s, int64_t *total_members,
                   int64_t *total_points)
{
    int rc = 0;
    *total_members = *total_points = 0;
    for (int i = 0; i < c->svc.program_count && rc == 0; i++) {
        int64_t members = 1, points;
        while (members > 0 && rc == 0) {
            if ((rc = cli_begin(c, 1)))
                break;
            int64_t program_id = c->svc.programs[i].program.id;
            rc = fdl_svc_expire_batch(&c->svc, c->st, program_id, now_s, &members,
                                      &points, &c->err);
            /* a batch that changed something is audited, for its program */
            int64_t caller = c->actor.program_id;
            const char *what = c->what;
            c->actor.program_id = program_id;
            c->what = members > 0 ? "expire_run" : NULL;
            rc = cli_end(c, rc);
            c->actor.program_id = caller;
            c->what = what;
            *total_members += members;
            *total_points += points;
        }
    }
    return rc;
}

int cli_expire(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"now", required_argument, 0, 'n'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = NULL;
    int64_t now_s = fdl_clock_now_s();
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'd')
            db = optarg;
        else if (ch == 'n' && fdl_time_parse(optarg, &now_s) == 0)
            continue;
        else {
            printf("usage: fidelis expire [--db PATH] [--now RFC3339]\n"
                   "Posts expiry entries for every lot due at --now (default: now).\n"
                   "Running it twice expires nothing twice.\n");
            return ch == 'h' ? 0 : 2;
        }
    }
    struct cli c;
    if (cli_open(&c, db, 0))
        return 1;
    int64_t members, points;
    int rc = cli_expire_all(&c, now_s, &members, &points);
    cli_close(&c);
    if (rc == 0)
        printf("expired %lld points of %lld members\n", (long long)points,
               (long long)members);
    return rc;
}

int cli_keys(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"scope", required_argument, 0, 's'},
                                         {"name", required_argument, 0, 'n'},
                                         {"program", required_argument, 0, 'p'},
                                         {"partner", required_argument, 0, 'P'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = NULL, *scope = "pos", *name = "cli", *partner = NULL;
    int64_t program = 1;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            db = optarg;
            break;
        case 's':
            scope = optarg;
            break;
        case 'n':
            name = optarg;
            break;
        case 'p':
            program = atoll(optarg);
            break;
        case 'P':
            partner = optarg;
            break;
        default:
            printf(
                "usage: fidelis keys create [--scope pos|admin|pos,admin] [--name NAME]\n"
                "                           [--program ID] [--partner ID] [--db PATH]\n"
                "Prints a new API key once; only its hash is stored. With --partner the\n"
                "key acts for that coalition partner and sees only its data.\n");
            return ch == 'h' ? 0 : 2;
        }
    }
    if (optind >= argc || strcmp(argv[optind], "create") != 0 ||
        fdl_scopes_parse(scope) < 0) {
        fprintf(stderr, "usage: fidelis keys create [--scope pos|admin|pos,admin]\n");
        return 2;
    }
    struct cli c;
    if (cli_open(&c, db, 0))
        return 1;
    char key[FDL_KEY_TEXT_LEN + 1];
    c.what = "key_create";
    c.actor.program_id = program;
    int rc = cli_begin(&c, 1);
    if (rc == 0 && !fdl_service_program(&c.svc, program))
        rc = fdl_error_set(&c.err, FDL_ENOT_FOUND, "program", "no program %lld",
                           (long long)program);
    char for_partner[FDL_PARTNER_ID_MAX + 1] = "";
    if (rc == 0 && partner) {
        struct fdl_actor operator_ = {.program_id = program, .scopes = FDL_SCOPE_ADMIN};
        rc = fdl_svc_partner_for_new(&c.svc, c.st, &operator_, partner, "partner",
                                     for_partner, &c.err);
    }
    if (rc == 0)
        rc = fdl_key_create(c.st, program, name, (unsigned)fdl_scopes_parse(scope),
                            for_partner, key, &c.err);
    rc = cli_end(&c, rc);
    cli_close(&c);
    if (rc == 0)
        printf("%s\n", key);
    return rc;
}

static void print_member(const struct fdl_member *m)
{
    printf("member %lld  %s  email=%s phone=%s balance=%lld\n", (long long)m->id, m->name,
           m->email[0] ? m->email : "-", m->phone[0] ? m->phone : "-",
           (long long)m->balance);
}

int cli_member(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'},    {"name", required_argument, 0, 'n'},
        {"email", required_argument, 0, 'e'}, {"phone", required_argument, 0, 'p'},
        {"help", no_argument, 0, 'h'},        {0, 0, 0, 0}};
    const char *db = NULL;
    struct fdl_enrol_request req = {0};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            db = optarg;
            break;
        case 'n':
            req.name = optarg;
            break;
        case 'e':
            req.email = optarg;
            break;
        case 'p':
            req.phone = optarg;
            break;
        default:
            printf("usage: fidelis member enrol --name NAME [--email E] [--phone P]\n"
                   "       fidelis member show ID\n"
                   "       fidelis member find WORDS...\n");
            return ch == 'h' ? 0 : 2;
        }
    }
    const char *verb = optind < argc ? argv[optind] : "";
    struct cli c;
    if (cli_open(&c, db, 0))
        return 1;
    int rc;
    if (strcmp(verb, "enrol") == 0 && req.name) {
        struct fdl_member m;
        struct fdl_card card;
        c.what = "member_enrol";
        rc = cli_begin(&c, 1) ||
             cli_end(&c, fdl_svc_enrol(&c.svc, c.st, &c.actor, &req, &m, &card, &c.err));
        if (rc == 0) {
            print_member(&m);
            printf("card %s\n", card.number);
        }
    } else if (strcmp(verb, "show") == 0 && optind + 1 < argc) {
        struct fdl_member m;
        rc = cli_begin(&c, 0) ||
             cli_end(&c, fdl_svc_member_get(&c.svc, c.st, &c.actor,
                                            atoll(argv[optind + 1]), &m, &c.err));
        if (rc == 0)
            print_member(&m);
    } else if (strcmp(verb, "find") == 0 && optind + 1 < argc) {
        struct fdl_member found[FDL_MAX_PAGE_SIZE];
        int count = 0;
        rc =
            cli_begin(&c, 0) ||
            cli_end(&c, fdl_svc_member_search(&c.svc, c.st, &c.actor, argv[optind + 1], 0,
                                              FDL_MAX_PAGE_SIZE, found, &count, &c.err));
        for (int i = 0; rc == 0 && i < count; i++)
            print_member(&found[i]);
    } else {
        fprintf(stderr, "usage: fidelis member enrol|show|find ... (see --help)\n");
        rc = 2;
    }
    cli_close(&c);
    return rc;
}

int cli_card(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"reason", required_argument, 0, 'r'},
                                         {"replace", no_argument, 0, 'R'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = NULL, *reason = "lost";
    int replace = 0, ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            db = optarg;
            break;
        case 'r':
            reason = optarg;
            break;
        case 'R':
            replace = 1;
            break;
        default:
            printf("usage: fidelis card issue MEMBER_ID\n"
                   "       fidelis card block NUMBER [--reason TEXT] [--replace]\n");
            return ch == 'h' ? 0 : 2;
        }
    }
    if (optind + 1 >= argc) {
        fprintf(stderr, "usage: fidelis card issue|block ... (see --help)\n");
        return 2;
    }
    struct cli c;
    if (cli_open(&c, db, 0))
        return 1;
    struct fdl_card card, fresh;
    int rc;
    if (strcmp(argv[optind], "issue") == 0) {
        c.what = "card_issue";
        rc = cli_begin(&c, 1) ||
             cli_end(&c, fdl_svc_card_issue(&c.svc, c.st, &c.actor,
                                            atoll(argv[optind + 1]), &card, &c.err));
        if (rc == 0)
            printf("card %s for member %lld\n", card.number, (long long)card.member_id);
    } else if (strcmp(argv[optind], "block") == 0) {
        c.what = "card_block";
        rc = cli_begin(&c, 1) ||
             cli_end(&c, fdl_svc_card_block(&c.svc, c.st, &c.actor, argv[optind + 1],
                                            reason, replace, &card, &fresh, &c.err));
        if (rc == 0)
            printf("blocked %s%s%s\n", card.number, replace ? "; new card " : "",
                   replace ? fresh.number : "");
    } else {
        fprintf(stderr, "usage: fidelis card issue|block ... (see --help)\n");
        rc = 2;
    }
    cli_close(&c);
    return rc;
}

int cli_purchase(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'},     {"member", required_argument, 0, 'm'},
        {"card", required_argument, 0, 'c'},   {"txn", required_argument, 0, 't'},
        {"amount", required_argument, 0, 'a'}, {"redeem", required_argument, 0, 'r'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    const char *db = NULL;
    struct fdl_line_request line = {.sku = "ITEM", .quantity = 1};
    struct fdl_purchase_request req = {0};
    req.lines = &line;
    req.line_count = 1;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            db = optarg;
            break;
        case 'm':
            req.member_id = atoll(optarg);
            break;
        case 'c':
            req.card_number = optarg;
            break;
        case 't':
            req.txn_id = optarg;
            break;
        case 'a':
            line.unit_price_minor = atoll(optarg);
            break;
        case 'r':
            req.redeem_points = atoll(optarg);
            break;
        default:
            printf("usage: fidelis purchase (--member ID | --card NUMBER) --txn ID\n"
                   "                        --amount MINOR_UNITS [--redeem POINTS]\n");
            return ch == 'h' ? 0 : 2;
        }
    }
    if (!req.txn_id || (!req.member_id && !req.card_number) ||
        line.unit_price_minor <= 0 || line.unit_price_minor > FDL_MAX_UNIT_PRICE_MINOR ||
        req.redeem_points < 0) {
        fprintf(stderr,
                "fidelis: give --txn, --member or --card, and a positive --amount\n");
        return 2;
    }
    struct cli c;
    if (cli_open(&c, db, 0))
        return 1;
    const struct fdl_program_state *ps = fdl_service_program(&c.svc, 1);
    req.currency = ps ? ps->program.currency : "EUR";
    struct fdl_purchase_result res;
    char ref[FDL_MAX_ID_LEN + 8];
    snprintf(ref, sizeof(ref), "txn:%s", req.txn_id ? req.txn_id : "");
    c.what = "purchase_create";
    c.ref = ref;
    int rc = cli_begin(&c, 1) ||
             cli_end(&c, fdl_svc_purchase(&c.svc, c.st, &c.actor, &req, fdl_clock_now_s(),
                                          &res, &c.err));
    if (rc == 0) {
        for (int i = 0; i < res.message_count; i++)
            printf("%s\n", res.messages[i]);
        fdl_purchase_result_release(&res);
    }
    cli_close(&c);
    return rc;
}

/* Reads a whole file (at most FDL_MAX_PROGRAM_FILE_BYTES) into a malloc'd buffer. */
static char *read_program_file(const char *path, size_t *len, struct fdl_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fdl_error_set(err, FDL_ENOT_FOUND, path, "cannot open the file");
        return NULL;
    }
    char *buf = malloc(FDL_MAX_PROGRAM_FILE_BYTES + 1);
    size_t n = buf ? fread(buf, 1, FDL_MAX_PROGRAM_FILE_BYTES + 1, f) : 0;
    fclose(f);
    if (!buf) {
        fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    if (n > FDL_MAX_PROGRAM_FILE_BYTES) {
        free(buf);
        fdl_error_set(err, FDL_ETOO_LARGE, path, "the file is over %d bytes",
                      FDL_MAX_PROGRAM_FILE_BYTES);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int program_usage(int status)
{
    fputs("usage: fidelis program check FILE\n"
          "       fidelis program apply FILE [--effective RFC3339] [--program ID] [--db "
          "PATH]\n"
          "       fidelis program versions [--program ID] [--db PATH]\n"
          "       fidelis program explain FILE [--lang en|es|ca|ru]\n"
          "check validates a program file (errors give line and column); apply installs\n"
          "it as a new version effective from --effective (default now): purchases\n"
          "from then on earn under it, earlier ones keep what they earned. explain\n"
          "writes the program's rules for members in plain words (default: the\n"
          "program's language).\n",
          status ? stderr : stdout);
    return status;
}

int cli_program(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'},      {"effective", required_argument, 0, 'e'},
        {"program", required_argument, 0, 'p'}, {"lang", required_argument, 0, 'l'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
    const char *db = NULL, *lang = NULL;
    int64_t effective = 0, program = 1;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'd')
            db = optarg;
        else if (ch == 'e' && fdl_time_parse(optarg, &effective) == 0)
            continue;
        else if (ch == 'p' && (program = atoll(optarg)) >= 1 &&
                 program <= FDL_MAX_PROGRAMS)
            continue;
        else if (ch == 'l')
            lang = optarg;
        else
            return program_usage(ch == 'h' ? 0 : 2);
    }
    const char *verb = optind < argc ? argv[optind] : "";
    const char *path = optind + 1 < argc ? argv[optind + 1] : NULL;
    struct fdl_error err;
    fdl_error_clear(&err);
    size_t len = 0;
    char *text = NULL;
    if (strcmp(verb, "check") == 0 || strcmp(verb, "apply") == 0 ||
        strcmp(verb, "explain") == 0) {
        if (!path)
            return program_usage(2);
        if (!(text = read_program_file(path, &len, &err)))
            return cli_fail(&err);
    }
    int rc;
    if (strcmp(verb, "check") == 0) {
        rc = fdl_svc_program_check(text, len, &err);
        if (rc == 0)
            printf("%s: valid\n", path);
        else
            fprintf(stderr, "%s: %s%s%s\n", path, err.field, err.field[0] ? ": " : "",
                    err.message);
        free(text);
        return rc ? 1 : 0;
    }
    if (strcmp(verb, "explain") == 0) {
        struct fdl_program_def *def = NULL;
        char *words = NULL;
        rc = fdl_program_file_load(text, len, &def, &err);
        if (rc == 0)
            rc = fdl_program_explain(def, lang, &words, &err);
        if (rc == 0)
            fputs(words, stdout);
        else
            fprintf(stderr, "%s: %s%s%s\n", path, err.field, err.field[0] ? ": " : "",
                    err.message);
        free(words);
        fdl_program_def_free(def);
        free(text);
        return rc ? 1 : 0;
    }
    if (strcmp(verb, "apply") != 0 && strcmp(verb, "versions") != 0) {
        free(text);
        return program_usage(2);
    }
    struct cli c;
    if (cli_open(&c, db, 0)) {
        free(text);
        return 1;
    }
    c.actor.program_id = program;
    int64_t now_s = fdl_clock_now_s(), version = 0;
    if (strcmp(verb, "apply") == 0) {
        c.what = "program_apply";
        rc = cli_begin(&c, 1) ||
             cli_end(&c, fdl_svc_program_apply(&c.svc, c.st, &c.actor, text, len,
                                               effective ? effective : now_s, now_s,
                                               &version, &c.err));
        if (rc == 0)
            printf("program %lld: version %lld applied\n", (long long)program,
                   (long long)version);
    } else {
        const struct fdl_program_state *ps = NULL;
        rc = cli_begin(&c, 0) ||
             cli_end(&c, fdl_svc_program(&c.svc, c.st, &c.actor, &ps, &c.err));
        const struct fdl_version_state *now =
            rc ? NULL : fdl_program_version_at(&c.svc, ps, now_s);
        static struct fdl_version_state versions[FDL_MAX_PROGRAM_VERSIONS];
        int count =
            rc ? 0 : fdl_service_versions(&c.svc, ps, versions, FDL_MAX_PROGRAM_VERSIONS);
        for (int i = 0; i < count; i++) {
            char from[FDL_TIME_TEXT_MAX];
            fdl_time_format(versions[i].effective_from_s, from);
            printf("version %lld  effective %s  %zu rules%s\n",
                   (long long)versions[i].version, from, versions[i].def->n_rules,
                   now && now->version == versions[i].version ? "  (in force)" : "");
        }
    }
    free(text);
    cli_close(&c);
    return rc;
}
