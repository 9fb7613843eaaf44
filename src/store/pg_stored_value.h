/*
 * pg_stored_value.h - the PostgreSQL ops of stored value and paid
 * membership (pg_stored_value.c), for the backend's ops table in pg.c.
 * Each does what its op in store.h promises, as sqlite_stored_value.h's do.
 */
#ifndef FDL_PG_STORED_VALUE_H
#define FDL_PG_STORED_VALUE_H

#include "store/store.h"

int pg_sv_card_insert(struct fdl_store *st, struct fdl_sv_card *c, struct fdl_error *err);
int pg_sv_card_get(struct fdl_store *st, int64_t program_id, const char *number,
                   struct fdl_sv_card *out, struct fdl_error *err);
int pg_sv_card_get_id(struct fdl_store *st, int64_t program_id, int64_t id,
                      struct fdl_sv_card *out, struct fdl_error *err);
int pg_sv_card_update(struct fdl_store *st, const struct fdl_sv_card *c,
                      struct fdl_error *err);
int pg_sv_entry_insert(struct fdl_store *st, int64_t program_id,
                       const struct fdl_sv_entry *e, const char *txn_id,
                       const char *actor, int64_t now_s, int64_t *entry_id,
                       struct fdl_error *err);
int pg_sv_history(struct fdl_store *st, int64_t program_id, int64_t card_id,
                  struct fdl_sv_history_row *out, int max, int *count,
                  struct fdl_error *err);
int pg_sv_redemption_get(struct fdl_store *st, int64_t program_id, int64_t card_id,
                         const char *txn_id, struct fdl_sv_redemption *out,
                         struct fdl_error *err);
int pg_sv_redemption_put(struct fdl_store *st, int64_t program_id,
                         const struct fdl_sv_redemption *r, int64_t now_s,
                         struct fdl_error *err);
int pg_membership_insert(struct fdl_store *st, struct fdl_membership *m,
                         struct fdl_error *err);
int pg_membership_at(struct fdl_store *st, int64_t program_id, int64_t member_id,
                     int64_t t_s, struct fdl_membership *out, struct fdl_error *err);
int pg_membership_latest(struct fdl_store *st, int64_t program_id, int64_t member_id,
                         struct fdl_membership *out, struct fdl_error *err);
int pg_membership_get(struct fdl_store *st, int64_t program_id, int64_t id,
                      struct fdl_membership *out, struct fdl_error *err);
int pg_membership_update(struct fdl_store *st, const struct fdl_membership *m,
                         struct fdl_error *err);
int pg_memberships_due(struct fdl_store *st, int64_t program_id, int64_t now_s, int limit,
                       int64_t *ids, int *count, struct fdl_error *err);
int pg_cashback_get(struct fdl_store *st, int64_t program_id, int64_t purchase_id,
                    struct fdl_cashback_row *out, struct fdl_error *err);
int pg_cashback_put(struct fdl_store *st, int64_t program_id,
                    const struct fdl_cashback_row *row, struct fdl_error *err);
int pg_sv_audit(struct fdl_store *st, struct fdl_sv_audit *out, struct fdl_error *err);

#endif
