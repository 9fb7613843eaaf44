/*
 * pg_currency.h - the PostgreSQL side of exchange rates and converted
 * purchases (pg_currency.c); the ops' contracts are in store.h.
 */
#ifndef FDL_PG_CURRENCY_H
#define FDL_PG_CURRENCY_H

#include "store/store.h"

/* Migration schema_currency: the rate table and the purchases' conversion columns. */
extern const char pg_schema_currency[];

int pg_currency_rate_insert(struct fdl_store *st, int64_t program_id,
                            const struct fdl_currency_rate *r, struct fdl_error *err);
int pg_currency_rate_at(struct fdl_store *st, int64_t program_id, const char *currency,
                        int64_t t_s, struct fdl_currency_rate *out,
                        struct fdl_error *err);
int pg_currency_rates_of(struct fdl_store *st, int64_t program_id, const char *currency,
                         int64_t before_s, int limit, struct fdl_currency_rate *out,
                         int *count, struct fdl_error *err);
int pg_currencies_list(struct fdl_store *st, int64_t program_id, int64_t now_s,
                       struct fdl_currency_summary *out, int max, int *count,
                       struct fdl_error *err);
int pg_purchase_conversion_set(struct fdl_store *st, int64_t program_id,
                               int64_t member_id, int64_t purchase_id,
                               const struct fdl_purchase_conversion *c,
                               struct fdl_error *err);
int pg_purchase_conversion_get(struct fdl_store *st, int64_t program_id,
                               int64_t member_id, int64_t purchase_id,
                               struct fdl_purchase_conversion *out,
                               struct fdl_error *err);

#endif
