/*
 * cli.h - the command-line tool's shared pieces: options common to every
 * command, opening the store and service, and running a write in one
 * durable transaction.
 */
#ifndef FDL_CLI_H
#define FDL_CLI_H

#include "service/service.h"

#define FDL_DEFAULT_DB "fidelis.db"

struct cli {
    const char *db;
    struct fdl_store *st;
    struct fdl_service svc;
    struct fdl_actor actor;
    struct fdl_error err;
    /* -- stores, staff and the audit log -- */
    const char *what; /* the command's audit route ("member_enrol"); NULL: not audited */
    const char *ref;  /* what it wrote, for the audit row's ref ("" none) */
    int writing;      /* the open transaction is a write */
};

/* Opens --db (migrating it) and loads the service; create_key makes the card
 * secret on a new database. Prints the error and returns non-zero on failure. */
int cli_open(struct cli *c, const char *db, int create_key);
void cli_close(struct cli *c);

/* begin(write) ... commit, or rollback on failure; prints the error. A
 * write that succeeds commits with an audit row (actor "cli:<user>", role
 * "cli", route c->what, method "CLI") unless c->what is NULL. */
int cli_begin(struct cli *c, int write);
int cli_end(struct cli *c, int rc);

/* Prints err to stderr as "fidelis: field: message". Returns 1. */
int cli_fail(const struct fdl_error *err);

/* Command entry points (argc/argv start at the command name). */
int cli_init(int argc, char **argv);
int cli_serve(int argc, char **argv);
int cli_demo(int argc, char **argv);
int cli_audit(int argc, char **argv);
int cli_expire(int argc, char **argv);
int cli_keys(int argc, char **argv);
int cli_member(int argc, char **argv);
int cli_card(int argc, char **argv);
int cli_purchase(int argc, char **argv);
int cli_program(int argc, char **argv);
/* -- migrate -- */
int cli_migrate(int argc, char **argv);

/* Expires every due lot of every program at now_s, batch by batch, each
 * batch in its own durable transaction. */
int cli_expire_all(struct cli *c, int64_t now_s, int64_t *members, int64_t *points);

/* Creates program_id with the default settings if it does not exist, and a
 * pos and an admin key for it, printing them unless quiet_keys. */
int cli_setup_program(struct cli *c, int64_t program_id, int quiet_keys,
                      char *admin_key_out, char *pos_key_out);

#endif
