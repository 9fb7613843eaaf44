/*
 * currency.h - ISO 4217 currencies and exchange rates, in integers.
 *
 * Pure code: the table of currency codes with their decimals, the parse and
 * format of an exchange rate given as a decimal string, and the conversion
 * of an amount in minor units of one currency into minor units of another.
 * A rate is stored as an integer count of FDL_RATE_SCALE-ths of a program
 * unit per unit of the other currency ("0.92" is 920000000): no floating
 * point ever touches money or rates.
 */
#ifndef FDL_CURRENCY_H
#define FDL_CURRENCY_H

#include "base/error.h"
#include "engine/program.h"

#include <stddef.h>
#include <stdint.h>

#define FDL_RATE_SCALE     1000000000LL /* rate units per 1 (nine decimals) */
#define FDL_RATE_DECIMALS  9            /* digits after the point a rate may have */
#define FDL_MAX_RATE_UNITS 10000000LL   /* a rate is below 10,000,000 program units */
#define FDL_RATE_TEXT_MAX  32           /* bytes of a formatted rate, with NUL */

/*
 * The decimals of the ISO 4217 currency code (exactly three upper-case
 * letters, NUL-terminated), 0 to 3 (JPY 0, EUR 2, KWD 3), or -1 if code is
 * not a currency in use.
 */
int fdl_currency_decimals(const char *code);

/* The minor units per unit of a currency with decimals (0..3): 1 to 1000. */
int64_t fdl_currency_minor_per_unit(int decimals);

/*
 * Parses a rate: a decimal string of digits with at most one point and at
 * most FDL_RATE_DECIMALS digits after it ("0.92", "161.5", "0.006135"), no
 * sign, exponent or spaces, greater than zero and below FDL_MAX_RATE_UNITS.
 * Sets *rate (in FDL_RATE_SCALE-ths) and returns 0; else FDL_EINVALID or
 * FDL_ERANGE naming field, *rate untouched.
 */
int fdl_rate_parse(const char *text, const char *field, int64_t *rate,
                   struct fdl_error *err);

/* Writes rate (> 0) as the shortest decimal string ("0.92") into buf. */
void fdl_rate_format(int64_t rate, char buf[FDL_RATE_TEXT_MAX]);

/*
 * Converts amount (>= 0, minor units of a currency with from_minor_per_unit
 * minor units per unit) at rate (FDL_RATE_SCALE-ths of a target unit per
 * source unit) into minor units of a currency with to_minor_per_unit, rounded
 * by rounding. Computed exactly in 128-bit integers; returns -1 if the result
 * does not fit below INT64_MAX / 4 (a caller's limit check comes first).
 */
int64_t fdl_currency_convert(int64_t amount, int64_t from_minor_per_unit,
                             int64_t to_minor_per_unit, int64_t rate,
                             enum fdl_rounding rounding);

#endif
