/*
 * test_currency.c - ISO 4217 decimals, exchange-rate strings and integer
 * conversion (engine/currency.h).
 *
 * Expected values are worked out by hand in the comments, never by calling
 * the code under test.
 */
#include "engine/currency.h"

#include <stdint.h>
#include <string.h>

#include "check.h"

static void test_decimals_of_known_and_unknown_codes(void)
{
    CHECK_INT(fdl_currency_decimals("EUR"), 2);
    CHECK_INT(fdl_currency_decimals("JPY"), 0);
    CHECK_INT(fdl_currency_decimals("KWD"), 3);
    CHECK_INT(fdl_currency_decimals("XXX"), -1);
    CHECK_INT(fdl_currency_decimals("eur"), -1);
    CHECK_INT(fdl_currency_decimals("EU"), -1);
    CHECK_INT(fdl_currency_decimals("EURO"), -1);
    CHECK_INT(fdl_currency_decimals(""), -1);
    CHECK_INT(fdl_currency_minor_per_unit(0), 1);
    CHECK_INT(fdl_currency_minor_per_unit(3), 1000);
}

static int64_t parsed(const char *text)
{
    struct fdl_error err;
    int64_t rate = -7;
    int rc = fdl_rate_parse(text, "rate", &rate, &err);
    if (rc) /* a failure names the field, and leaves the output alone */
        return strcmp(err.field, "rate") == 0 && rate == -7 ? rc : 12345;
    return rate;
}

static void test_rate_parse_accepts_decimals_up_to_nine(void)
{
    CHECK_INT(parsed("0.92"), 920000000);
    CHECK_INT(parsed("1"), 1000000000);
    CHECK_INT(parsed("161.5"), 161500000000LL);
    CHECK_INT(parsed("0.000000001"), 1);
    CHECK_INT(parsed("0.006135"), 6135000);
    CHECK_INT(parsed("007.5"), 7500000000LL);
    CHECK_INT(parsed("9999999.999999999"), 9999999999999999LL);
}

static void test_rate_parse_refuses_hostile_text(void)
{
    CHECK_INT(parsed("0"), FDL_ERANGE);
    CHECK_INT(parsed("0.000000000"), FDL_ERANGE);
    CHECK_INT(parsed("10000000"), FDL_ERANGE);
    CHECK_INT(parsed("123456789012345678901234567890"), FDL_ERANGE);
    CHECK_INT(parsed("0.0000000001"), FDL_EINVALID);
    CHECK_INT(parsed("-1"), FDL_EINVALID);
    CHECK_INT(parsed("+1"), FDL_EINVALID);
    CHECK_INT(parsed("1e3"), FDL_EINVALID);
    CHECK_INT(parsed(" 1"), FDL_EINVALID);
    CHECK_INT(parsed("1."), FDL_EINVALID);
    CHECK_INT(parsed(".5"), FDL_EINVALID);
    CHECK_INT(parsed("1.2.3"), FDL_EINVALID);
    CHECK_INT(parsed(""), FDL_EINVALID);
    CHECK_INT(parsed("1,5"), FDL_EINVALID);
}

static void test_rate_format_is_shortest(void)
{
    char buf[FDL_RATE_TEXT_MAX];
    fdl_rate_format(920000000, buf);
    CHECK_STR(buf, "0.92");
    fdl_rate_format(1000000000, buf);
    CHECK_STR(buf, "1");
    fdl_rate_format(1, buf);
    CHECK_STR(buf, "0.000000001");
    fdl_rate_format(9999999999999999LL, buf);
    CHECK_STR(buf, "9999999.999999999");
}

static void test_convert_rounds_as_told(void)
{
    /* 1999 JPY at 0.006135 EUR: 12.263865 EUR = 1226.3865 cents */
    CHECK_INT(fdl_currency_convert(1999, 1, 100, 6135000, FDL_ROUND_DOWN), 1226);
    CHECK_INT(fdl_currency_convert(1999, 1, 100, 6135000, FDL_ROUND_HALF_UP), 1226);
    CHECK_INT(fdl_currency_convert(1999, 1, 100, 6135000, FDL_ROUND_UP), 1227);
    /* 12.345 KWD at 2.98: 36.7881 EUR */
    CHECK_INT(fdl_currency_convert(12345, 1000, 100, 2980000000LL, FDL_ROUND_DOWN), 3678);
    CHECK_INT(fdl_currency_convert(12345, 1000, 100, 2980000000LL, FDL_ROUND_HALF_UP),
              3679);
    /* 10.50 USD at 0.5 into JPY-like (1 minor per unit): 5.25 -> 5 / 5 / 6 */
    CHECK_INT(fdl_currency_convert(1050, 100, 1, 500000000, FDL_ROUND_DOWN), 5);
    CHECK_INT(fdl_currency_convert(1050, 100, 1, 500000000, FDL_ROUND_HALF_UP), 5);
    CHECK_INT(fdl_currency_convert(1050, 100, 1, 500000000, FDL_ROUND_UP), 6);
    /* exactly half: 1.00 at 0.005 into cents = 0.5 cent -> half-up 1 */
    CHECK_INT(fdl_currency_convert(100, 100, 100, 5000000, FDL_ROUND_HALF_UP), 1);
    CHECK_INT(fdl_currency_convert(0, 100, 100, 5000000, FDL_ROUND_UP), 0);
}

static void test_convert_large_values_do_not_overflow(void)
{
    /* 2e15 minor units at the largest rate into 1000 minor per unit: too big */
    CHECK_INT(fdl_currency_convert(2000000000000000LL, 1, 1000, 9999999999999999LL,
                                   FDL_ROUND_DOWN),
              -1);
    /* 10^13 cents at 1.0 stays 10^13 */
    CHECK_INT(
        fdl_currency_convert(10000000000000LL, 100, 100, 1000000000, FDL_ROUND_DOWN),
        10000000000000LL);
}

int main(void)
{
    RUN(test_decimals_of_known_and_unknown_codes);
    RUN(test_rate_parse_accepts_decimals_up_to_nine);
    RUN(test_rate_parse_refuses_hostile_text);
    RUN(test_rate_format_is_shortest);
    RUN(test_convert_rounds_as_told);
    RUN(test_convert_large_values_do_not_overflow);
    return check_done();
}
