/* main.c - `fidelis <command>`: the table of commands and their one-line help. */
#include "cli/cli.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"serve", cli_serve, "run the HTTP API and pages"},
    {"init", cli_init, "create or migrate a database, with a program and API keys"},
    {"demo", cli_demo, "create a demo database with a year of history and serve it"},
    {"program", cli_program, "check and apply program files (versioned earn rules)"},
    {"member", cli_member, "enrol, show and find members"},
    {"card", cli_card, "issue and block cards"},
    {"purchase", cli_purchase, "record a purchase (as a till would)"},
    {"audit", cli_audit, "prove the ledger balances"},
    {"expire", cli_expire, "expire points that are due"},
    {"keys", cli_keys, "create API keys"},
    /* -- migrate -- */
    {"migrate", cli_migrate, "copy programs between databases (SQLite, PostgreSQL)"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: fidelis <command> [options]   (fidelis <command> --help)\n\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\nEvery command takes --db PATH (default %s, or $FIDELIS_DB);\n"
            "a postgresql://... URI instead of a path selects PostgreSQL.\n",
            FDL_DEFAULT_DB);
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "fidelis: libsodium failed to initialise\n");
        return 1;
    }
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "fidelis: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
