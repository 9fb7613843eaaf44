/*
 * pg_coupons.h - the PostgreSQL backend's coupon ops (pg_coupons.c), for
 * the ops table in pg.c. Each is the op of the same name in
 * store/store.h's struct fdl_store_ops, with that contract.
 */
#ifndef FDL_PG_COUPONS_H
#define FDL_PG_COUPONS_H

#include "store/store.h"

int pg_coupon_code_insert(struct fdl_store *st, int64_t program_id,
                          const unsigned char *hash, const char *campaign,
                          int64_t member_id, int64_t now_s, struct fdl_error *err);
int pg_coupon_code_get(struct fdl_store *st, int64_t program_id,
                       const unsigned char *hash, char *campaign, size_t cap,
                       int64_t *member_id, struct fdl_error *err);
int pg_coupon_uses_count(struct fdl_store *st, int64_t program_id, const char *campaign,
                         int64_t member_id, int64_t *count, struct fdl_error *err);
int pg_coupon_code_used(struct fdl_store *st, int64_t program_id,
                        const unsigned char *hash, int *used, struct fdl_error *err);
int pg_coupon_use_insert(struct fdl_store *st, int64_t program_id, int64_t member_id,
                         int64_t purchase_id, const char *campaign,
                         const unsigned char *hash, const char *masked,
                         int64_t discount_minor, int64_t now_s, struct fdl_error *err);
int pg_coupon_uses_of_purchase(struct fdl_store *st, int64_t program_id,
                               int64_t member_id, int64_t purchase_id,
                               struct fdl_coupon_applied *out, int max, int *count,
                               struct fdl_error *err);
int pg_coupon_uses_return(struct fdl_store *st, int64_t program_id, int64_t member_id,
                          int64_t purchase_id, struct fdl_error *err);

#endif
