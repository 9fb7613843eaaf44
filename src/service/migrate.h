/*
 * migrate.h - `fidelis migrate`: copying a program's rows (or every
 * program's) from one store to another, of either backend, as they are.
 */
#ifndef FDL_SERVICE_MIGRATE_H
#define FDL_SERVICE_MIGRATE_H

#include "store/store.h"

/* What a copy moved and what the audits on both sides found. */
struct fdl_migrate_report {
    int64_t rows[FDL_MIGRATE_MAX_TABLES]; /* by index in fdl_store_tables */
    int64_t total_rows;
    int programs;                     /* programs copied */
    struct fdl_totals source, target; /* summed over the programs copied */
    struct fdl_audit source_audit, target_audit;
    struct fdl_sv_audit source_sv_audit, target_sv_audit;
};

/*
 * Checks that every table of both schemas is in fdl_store_tables and every
 * listed table is in both (FDL_ESTORE naming the table otherwise), so no
 * table is ever left behind.
 */
int fdl_migrate_check_schema(struct fdl_store *st, struct fdl_error *err);

/*
 * Copies program_id's rows (0: every program's) from `from` to `to`, both
 * open with the current schema and no transaction: ids kept, the meta rows
 * (card secret) too. Refuses, changing nothing, when the program is not in
 * the source (FDL_ENOT_FOUND, "program"), when the target holds any row of
 * it (FDL_ECONFLICT naming the table), or when the target holds other
 * programs under another card secret (FDL_ECONFLICT, "card_key"). The copy
 * is one transaction on the target, read from one snapshot of the source;
 * before it commits, the target's row counts, ledger totals and audits must
 * match the source's (FDL_ECONFLICT otherwise, nothing kept). Fills *out.
 */
int fdl_migrate(struct fdl_store *from, struct fdl_store *to, int64_t program_id,
                struct fdl_migrate_report *out, struct fdl_error *err);

/* 0 if program_id (0: any program) is in `from` (no transaction open),
 * else FDL_ENOT_FOUND naming "program". */
int fdl_migrate_source_check(struct fdl_store *from, int64_t program_id,
                             struct fdl_error *err);

/* 1 if the audits in r found nothing wrong. */
int fdl_migrate_audits_clean(const struct fdl_migrate_report *r);

#endif
