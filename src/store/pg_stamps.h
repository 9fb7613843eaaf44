/*
 * pg_stamps.h - the PostgreSQL punch-card ops (pg_stamps.c), for
 * pg.c's ops table. Each does what its slot in struct fdl_store_ops
 * (store/store.h) says.
 */
#ifndef FDL_PG_STAMPS_H
#define FDL_PG_STAMPS_H

#include "store/store.h"

int pg_stamp_card_get(struct fdl_store *st, int64_t program_id, int64_t member_id,
                      const char *card_id, struct fdl_stamp_card_state *out,
                      struct fdl_error *err);
int pg_stamp_card_put(struct fdl_store *st, const struct fdl_stamp_card_state *c,
                      struct fdl_error *err);
int pg_stamp_cards_list(struct fdl_store *st, int64_t program_id, int64_t member_id,
                        struct fdl_stamp_card_state *out, int max, int *count,
                        struct fdl_error *err);
int pg_stamp_cards_lapsed(struct fdl_store *st, int64_t program_id, int64_t now_s,
                          struct fdl_stamp_card_state *out, int max, int *count,
                          struct fdl_error *err);
int pg_stamp_voucher_insert(struct fdl_store *st, struct fdl_stamp_voucher *v,
                            struct fdl_error *err);
int pg_stamp_voucher_get(struct fdl_store *st, int64_t program_id, int64_t id,
                         struct fdl_stamp_voucher *out, struct fdl_error *err);
int pg_stamp_voucher_update(struct fdl_store *st, const struct fdl_stamp_voucher *v,
                            struct fdl_error *err);
int pg_stamp_vouchers_list(struct fdl_store *st, int64_t program_id, int64_t member_id,
                           const char *card_id, int status, const char *used_txn,
                           struct fdl_stamp_voucher *out, int max, int *count,
                           struct fdl_error *err);
int pg_stamp_grant_insert(struct fdl_store *st, int64_t program_id, int64_t member_id,
                          int64_t purchase_id, const struct fdl_stamp_grant *g,
                          struct fdl_error *err);
int pg_stamp_grants_of(struct fdl_store *st, int64_t program_id, int64_t purchase_id,
                       struct fdl_stamp_grant **out, size_t *count,
                       struct fdl_error *err);
int pg_stamp_grant_update(struct fdl_store *st, int64_t program_id, int64_t purchase_id,
                          const struct fdl_stamp_grant *g, struct fdl_error *err);

#endif
