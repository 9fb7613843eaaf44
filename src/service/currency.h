/*
 * currency.h - multi-currency: a program's exchange-rate table and purchases
 * in a currency other than the program's.
 *
 * Rates are history: each is in force from its effective time until the
 * next one of the same currency, and none is ever changed or deleted (a
 * correction is a new rate from a new time). A purchase in another currency
 * is converted in the purchase's `check` hook (service/internal.h), before
 * any other feature sees it, at the rate in force at the purchase's time
 * (the till's `time`): the basket total is converted with integer
 * arithmetic and the program's rounding, and allocated to the lines by
 * largest remainder so the converted lines sum exactly to it; each line's
 * unit price becomes its converted amount divided by its quantity, rounded
 * down. From then on points, tiers, stamps, coupons, cashback and referrals
 * see program-currency amounts only. The purchase records the till's
 * currency, its original total, the rate and the converted total; refunds
 * are computed from the stored converted lines (so at the purchase's own
 * rate) and also give the amount in the till's currency, cumulatively in
 * proportion to the converted total, so refunding everything gives back
 * exactly the original total (less what coupons took, in proportion).
 */
#ifndef FDL_SERVICE_CURRENCY_H
#define FDL_SERVICE_CURRENCY_H

#include "service/service.h"

/*
 * Adds a rate for currency code (ISO 4217, not the program's own) from
 * effective_from_s on: rate is in FDL_RATE_SCALE-ths of a program unit per
 * unit of code. Needs the admin scope. An unknown code or the program's own
 * currency is FDL_EINVALID naming "code". A rate from the same time that
 * exists already is answered as it is (*created 0) if it is the same rate,
 * and is FDL_ECONFLICT naming "effective_from" otherwise. *out is the rate
 * as stored.
 */
int fdl_svc_rate_put(struct fdl_service *svc, struct fdl_store *st,
                     const struct fdl_actor *a, const char *code, int64_t rate,
                     int64_t effective_from_s, int64_t now_s,
                     struct fdl_currency_rate *out, int *created, struct fdl_error *err);

/* The program's currencies with rates, by code, at most max, each with the
 * rate in force at now_s and the next one; and the program's own currency. */
int fdl_svc_currencies(struct fdl_service *svc, struct fdl_store *st,
                       const struct fdl_actor *a, int64_t now_s, char program_currency[4],
                       struct fdl_currency_summary *out, int max, int *count,
                       struct fdl_error *err);

/* The rates of currency code with effective time before before_s (0: all),
 * newest first, at most limit. An unknown code is FDL_EINVALID naming "code". */
int fdl_svc_rates_of(struct fdl_service *svc, struct fdl_store *st,
                     const struct fdl_actor *a, const char *code, int64_t before_s,
                     int limit, struct fdl_currency_rate *out, int *count,
                     struct fdl_error *err);

#endif
