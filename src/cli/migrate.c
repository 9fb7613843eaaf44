/* migrate.c - `fidelis migrate`: moving programs between databases of
 * either backend (service/migrate.h), with a summary of what moved. */
#include "cli/cli.h"
#include "service/migrate.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char migrate_help[] =
    "usage: fidelis migrate --from URI --to URI [--program N]\n"
    "Copies program N (default: every program) with its whole history, ids\n"
    "kept, from one database to another: an SQLite path or a postgresql://\n"
    "URI on either side. The card secret, program versions and API keys go\n"
    "too. The target must hold nothing of the program; the copy is one\n"
    "transaction on it, kept only if the audits on both sides are clean and\n"
    "the target's row counts and ledger totals equal the source's.\n";

static void print_summary(const char *from, const char *to,
                          const struct fdl_migrate_report *r)
{
    char from_log[FDL_STORE_URI_LOG_MAX], to_log[FDL_STORE_URI_LOG_MAX];
    fdl_store_uri_for_log(from, from_log, sizeof(from_log));
    fdl_store_uri_for_log(to, to_log, sizeof(to_log));
    printf("migrated %d program(s), %lld rows, from %s to %s\n", r->programs,
           (long long)r->total_rows, from_log, to_log);
    for (size_t t = 0; t < fdl_store_table_count; t++)
        if (fdl_store_tables[t].scope != FDL_TABLE_META)
            printf("  %-22s %lld\n", fdl_store_tables[t].name, (long long)r->rows[t]);
    const struct fdl_totals *s = &r->source, *d = &r->target;
    printf("%-12s %10s %10s\n", "", "source", "target");
    const struct {
        const char *name;
        int64_t a, b;
    } lines[] = {
        {"members", s->members, d->members},
        {"cards", s->cards, d->cards},
        {"purchases", s->purchases, d->purchases},
        {"issued", s->issued, d->issued},
        {"redeemed", s->redeemed, d->redeemed},
        {"expired", s->expired, d->expired},
        {"adjusted", s->adjusted, d->adjusted},
        {"outstanding", s->outstanding, d->outstanding},
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        printf("%-12s %10lld %10lld\n", lines[i].name, (long long)lines[i].a,
               (long long)lines[i].b);
    printf("audit source: %lld entries, %lld members, %lld lots: clean\n",
           (long long)r->source_audit.entries, (long long)r->source_audit.members,
           (long long)r->source_audit.lots);
    printf("audit target: %lld entries, %lld members, %lld lots: clean\n",
           (long long)r->target_audit.entries, (long long)r->target_audit.members,
           (long long)r->target_audit.lots);
}

/* The schema version st holds equals this build's (an older source is
 * brought up to date by `fidelis init` first: migrate does not change it). */
static int check_version(struct fdl_store *st, const char *side, struct fdl_error *err)
{
    char text[32];
    int rc = FDL_STORE_CALL(st, meta_get, "schema_version", text, sizeof(text), err);
    if (rc == FDL_ENOT_FOUND)
        return fdl_error_set(err, FDL_ENOT_FOUND, side, "not a Fidelis database");
    if (rc == 0 && atoll(text) != fdl_store_ops_of(st)->schema_version)
        rc = fdl_error_set(err, FDL_ECONFLICT, side,
                           "schema version %s, not this build's %d: run `fidelis init "
                           "--db` on it first",
                           text, fdl_store_ops_of(st)->schema_version);
    return rc;
}

int cli_migrate(int argc, char **argv)
{
    static const struct option opts[] = {{"from", required_argument, 0, 'f'},
                                         {"to", required_argument, 0, 't'},
                                         {"program", required_argument, 0, 'p'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *from = NULL, *to = NULL;
    int64_t program_id = 0;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end = NULL;
        if (ch == 'f')
            from = optarg;
        else if (ch == 't')
            to = optarg;
        else if (ch == 'p' && (program_id = strtoll(optarg, &end, 10)) >= 1 &&
                 program_id <= FDL_MAX_PROGRAMS && *end == '\0')
            continue;
        else {
            if (ch == 'p')
                fprintf(stderr, "fidelis: --program: a number from 1 to %d\n",
                        FDL_MAX_PROGRAMS);
            fputs(migrate_help, ch == 'h' ? stdout : stderr);
            return ch == 'h' ? 0 : 2;
        }
    }
    if (!from || !to || optind != argc) {
        fputs(migrate_help, stderr);
        return 2;
    }
    struct fdl_error err = {0};
    if (!fdl_store_is_postgres(from) && access(from, R_OK) != 0) {
        fdl_error_set(&err, FDL_ENOT_FOUND, "from", "no database file %s", from);
        return cli_fail(&err);
    }
    struct fdl_store *src = NULL, *dst = NULL;
    int rc = fdl_store_open(from, 0, &src, &err);
    if (rc == 0)
        rc = check_version(src, "from", &err);
    if (rc == 0)
        rc = fdl_migrate_source_check(src, program_id, &err);
    if (rc == 0)
        rc = fdl_store_open(to, 1, &dst, &err);
    struct fdl_migrate_report *r = calloc(1, sizeof(*r));
    if (rc == 0 && !r)
        rc = fdl_error_set(&err, FDL_ENOMEM, NULL, "out of memory");
    if (rc == 0)
        rc = fdl_migrate(src, dst, program_id, r, &err);
    if (rc == 0)
        print_summary(from, to, r);
    free(r);
    fdl_store_close(dst);
    fdl_store_close(src);
    return rc ? cli_fail(&err) : 0;
}
