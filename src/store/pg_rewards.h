/*
 * pg_rewards.h - the PostgreSQL backend's reward ops (pg_rewards.c),
 * for pg.c's ops table. Their contracts are in store.h.
 */
#ifndef FDL_PG_REWARDS_H
#define FDL_PG_REWARDS_H

#include "store/store.h"

int pg_redemption_insert(struct fdl_store *st, struct fdl_redemption *r,
                         struct fdl_error *err);
int pg_redemption_get(struct fdl_store *st, int64_t program_id, int64_t id,
                      struct fdl_redemption *out, struct fdl_error *err);
int pg_redemption_update(struct fdl_store *st, const struct fdl_redemption *r,
                         struct fdl_error *err);
int pg_redemptions_of(struct fdl_store *st, int64_t program_id, int64_t member_id,
                      int64_t before_id, int limit, struct fdl_redemption *out,
                      int *count, struct fdl_error *err);
int pg_redemption_counts(struct fdl_store *st, int64_t program_id, const char *reward_id,
                         int64_t member_id, int64_t since_s, int64_t *stock_used,
                         int64_t *member_used, struct fdl_error *err);
int pg_redemptions_hold_expired(struct fdl_store *st, int64_t program_id, int64_t now_s,
                                int limit, int64_t *ids, int *count,
                                struct fdl_error *err);
int pg_redemption_entitled(struct fdl_store *st, int64_t program_id, int64_t member_id,
                           const char *launch, int64_t now_s, int *entitled,
                           struct fdl_error *err);

#endif
