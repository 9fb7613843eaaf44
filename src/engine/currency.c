/* currency.c - ISO 4217 decimals, rate strings, integer conversion. */
#include "engine/currency.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

/* ISO 4217 codes in use, each with its number of decimals (those up to 3). */
static const char iso4217[] =
    "AED2AFN2ALL2AMD2ANG2AOA2ARS2AUD2AWG2AZN2BAM2BBD2BDT2BGN2BHD3BIF0BMD2BND2BOB2BOV2"
    "BRL2BSD2BTN2BWP2BYN2BZD2CAD2CDF2CHE2CHF2CHW2CLP0CNY2COP2COU2CRC2CUC2CUP2CVE2CZK2"
    "DJF0DKK2DOP2DZD2EGP2ERN2ETB2EUR2FJD2FKP2GBP2GEL2GHS2GIP2GMD2GNF0GTQ2GYD2HKD2HNL2"
    "HTG2HUF2IDR2ILS2INR2IQD3IRR2ISK0JMD2JOD3JPY0KES2KGS2KHR2KMF0KPW2KRW0KWD3KYD2KZT2"
    "LAK2LBP2LKR2LRD2LSL2LYD3MAD2MDL2MGA2MKD2MMK2MNT2MOP2MRU2MUR2MVR2MWK2MXN2MXV2MYR2"
    "MZN2NAD2NGN2NIO2NOK2NPR2NZD2OMR3PAB2PEN2PGK2PHP2PKR2PLN2PYG0QAR2RON2RSD2RUB2RWF0"
    "SAR2SBD2SCR2SDG2SEK2SGD2SHP2SLE2SLL2SOS2SRD2SSP2STN2SVC2SYP2SZL2THB2TJS2TMT2TND3"
    "TOP2TRY2TTD2TWD2TZS2UAH2UGX0USD2USN2UYI0UYU2UZS2VED2VES2VND0VUV0WST2XAF0XCD2XCG2"
    "XOF0XPF0YER2ZAR2ZMW2ZWG2ZWL2";

int fdl_currency_decimals(const char *code)
{
    assert(code);
    if (strlen(code) != 3)
        return -1;
    for (size_t i = 0; i + 4 <= sizeof(iso4217) - 1; i += 4)
        if (memcmp(iso4217 + i, code, 3) == 0)
            return iso4217[i + 3] - '0';
    return -1;
}

int64_t fdl_currency_minor_per_unit(int decimals)
{
    assert(decimals >= 0 && decimals <= 3);
    int64_t m = 1;
    for (int i = 0; i < decimals; i++)
        m *= 10;
    return m;
}

int fdl_rate_parse(const char *text, const char *field, int64_t *rate,
                   struct fdl_error *err)
{
    assert(text && rate);
    int64_t units = 0, frac = 0;
    int int_digits = 0, frac_digits = 0, point = 0;
    for (const char *c = text; *c; c++) {
        if (*c == '.' && !point) {
            point = 1;
        } else if (*c >= '0' && *c <= '9') {
            if (!point) {
                if (++int_digits > 8 || units >= FDL_MAX_RATE_UNITS)
                    return fdl_error_set(err, FDL_ERANGE, field, "must be below %lld",
                                         (long long)FDL_MAX_RATE_UNITS);
                units = units * 10 + (*c - '0');
            } else {
                if (++frac_digits > FDL_RATE_DECIMALS)
                    return fdl_error_set(err, FDL_EINVALID, field,
                                         "has more than %d decimals", FDL_RATE_DECIMALS);
                frac = frac * 10 + (*c - '0');
            }
        } else {
            return fdl_error_set(err, FDL_EINVALID, field,
                                 "must be a decimal number like \"0.92\"");
        }
    }
    if (int_digits == 0 || (point && frac_digits == 0))
        return fdl_error_set(err, FDL_EINVALID, field,
                             "must be a decimal number like \"0.92\"");
    if (units >= FDL_MAX_RATE_UNITS)
        return fdl_error_set(err, FDL_ERANGE, field, "must be below %lld",
                             (long long)FDL_MAX_RATE_UNITS);
    for (int i = frac_digits; i < FDL_RATE_DECIMALS; i++)
        frac *= 10;
    int64_t value = units * FDL_RATE_SCALE + frac;
    if (value <= 0)
        return fdl_error_set(err, FDL_ERANGE, field, "must be greater than zero");
    *rate = value;
    return 0;
}

void fdl_rate_format(int64_t rate, char buf[FDL_RATE_TEXT_MAX])
{
    assert(rate > 0);
    int64_t frac = rate % FDL_RATE_SCALE;
    int n = snprintf(buf, FDL_RATE_TEXT_MAX, "%lld", (long long)(rate / FDL_RATE_SCALE));
    if (frac == 0)
        return;
    char digits[FDL_RATE_DECIMALS + 1];
    snprintf(digits, sizeof(digits), "%09lld", (long long)frac);
    int len = FDL_RATE_DECIMALS;
    while (len > 0 && digits[len - 1] == '0')
        len--;
    snprintf(buf + n, (size_t)(FDL_RATE_TEXT_MAX - n), ".%.*s", len, digits);
}

int64_t fdl_currency_convert(int64_t amount, int64_t from_minor_per_unit,
                             int64_t to_minor_per_unit, int64_t rate,
                             enum fdl_rounding rounding)
{
    assert(amount >= 0 && from_minor_per_unit > 0 && to_minor_per_unit > 0 && rate > 0);
    /* amount/from units x rate/SCALE x to minor per unit */
    __int128 num = (__int128)amount * rate * to_minor_per_unit;
    __int128 den = (__int128)from_minor_per_unit * FDL_RATE_SCALE;
    __int128 q;
    switch (rounding) {
    case FDL_ROUND_HALF_UP:
        q = (num * 2 + den) / (den * 2);
        break;
    case FDL_ROUND_UP:
        q = (num + den - 1) / den;
        break;
    case FDL_ROUND_DOWN:
    default:
        q = num / den;
        break;
    }
    if (q > INT64_MAX / 4)
        return -1;
    return (int64_t)q;
}
