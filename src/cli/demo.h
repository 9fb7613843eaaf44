/*
 * demo.h - what the parts of `fidelis demo` share: the seeded random
 * numbers, names, applying a program file from a day of the past, and the
 * audit row the API would write for a till sale.
 */
#ifndef FDL_CLI_DEMO_H
#define FDL_CLI_DEMO_H

#include "cli/cli.h"

#include <stdint.h>

/* A number in [0, n) from the demo's seeded generator (--seed). */
int demo_rng_below(int n);

/* A random member's full name, written into out (128 bytes); returns out. */
const char *demo_name(char out[128]);

/* Applies the program file at path to c->actor's program as a version in
 * force from the start of day day0 (days since 1970-01-01, UTC). */
int demo_apply_program(struct cli *c, const char *path, int64_t day0);

/* Registers store code (name, time zone, address or NULL) in c->actor's
 * program at at. */
int demo_store_put(struct cli *c, const char *code, const char *name, const char *zone,
                   const char *address, int64_t at);

/* Writes the audit row the API writes for a sale txn (as stored) rung up
 * by a (a cashier: its name, store, partner and address) at at. */
int demo_audit_sale(struct cli *c, const struct fdl_actor *a, const char *txn,
                    int64_t at);

/*
 * Program 2: the coalition of examples/coalition.yaml — its partners'
 * stores and staff, members members of its own and the days of history
 * from day0 to today: sales at each partner's stores, points redeemed at
 * the others (settlement items), a settlement at each month's end.
 * Inside no transaction (it opens its own). Prints what it made.
 */
int demo_coalition(struct cli *c, int members, int64_t day0, int64_t days);

#endif
