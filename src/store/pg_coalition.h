/*
 * pg_coalition.h - the PostgreSQL side of coalition settlement
 * (pg_coalition.c); the ops' contracts are in store.h.
 */
#ifndef FDL_PG_COALITION_H
#define FDL_PG_COALITION_H

#include "store/store.h"

/* Migration schema_coalition: settlement items, settlements and their lines. */
extern const char pg_schema_coalition[];

int pg_lot_issuer_store(struct fdl_store *st, int64_t program_id, int64_t member_id,
                        int64_t lot_id, char out[FDL_MAX_ID_LEN + 1],
                        struct fdl_error *err);
int pg_settlement_item_insert(struct fdl_store *st,
                              const struct fdl_settlement_item *item,
                              struct fdl_error *err);
int pg_settlement_pairs(struct fdl_store *st, int64_t program_id, int64_t from_day,
                        int64_t to_day, int open_only, struct fdl_settlement_pair *out,
                        int max, int *count, struct fdl_error *err);
int pg_settlement_close(struct fdl_store *st, int64_t program_id, int64_t until_day,
                        int64_t now_s, struct fdl_settlement *out, struct fdl_error *err);
int pg_settlement_get(struct fdl_store *st, int64_t program_id, int64_t id,
                      struct fdl_settlement *out, struct fdl_settlement_pair *lines,
                      int max, int *count, struct fdl_error *err);

int pg_settlement_items_reverse(struct fdl_store *st, int64_t program_id,
                                int64_t redemption_id, int64_t day, int64_t now_s,
                                struct fdl_error *err);

/* The migration that gives keys, staff, audit rows, gift cards and reward
 * redemptions their partner. */
extern const char pg_schema_partners[];

#endif
