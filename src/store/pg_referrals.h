/*
 * pg_referrals.h - the PostgreSQL backend's referral ops (pg_referrals.c),
 * for the ops table in pg.c. Each is the op of the same name in
 * store/store.h's struct fdl_store_ops, with that contract.
 */
#ifndef FDL_PG_REFERRALS_H
#define FDL_PG_REFERRALS_H

#include "store/store.h"

int pg_referral_insert(struct fdl_store *st, const struct fdl_referral *r,
                       struct fdl_error *err);
int pg_referral_get(struct fdl_store *st, int64_t program_id, int64_t referee_id,
                    struct fdl_referral *out, struct fdl_error *err);
int pg_referral_update(struct fdl_store *st, const struct fdl_referral *r,
                       struct fdl_error *err);
int pg_referral_counts(struct fdl_store *st, int64_t program_id, int64_t referrer_id,
                       int64_t from_s, int64_t to_s, int64_t *pending, int64_t *waiting,
                       int64_t *rewarded, struct fdl_error *err);
int pg_referral_contact_used(struct fdl_store *st, int64_t program_id,
                             const char *email_key, const char *phone_key,
                             int *email_used, int *phone_used, struct fdl_error *err);
int pg_referrals_due(struct fdl_store *st, int64_t program_id, int64_t now_s, int limit,
                     int64_t *referee_ids, int *count, struct fdl_error *err);
int pg_referrals_of(struct fdl_store *st, int64_t program_id, int64_t referrer_id,
                    int64_t after_id, int limit, struct fdl_referral *out, int *count,
                    struct fdl_error *err);

#endif
