/*
 * test_clock.c - civil dates, month arithmetic, RFC 3339 and the pinned clock.
 *
 * Known instants were computed with Python's calendar.timegm and datetime,
 * not with the code under test. The civil-date sweep checks that successive
 * day numbers walk the calendar one day at a time (month lengths from the
 * Gregorian leap rule), so it does not trust the algorithm it exercises.
 */
#include "base/clock.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "check.h"

static void test_epoch_is_day_zero(void)
{
    CHECK_INT(fdl_days_from_civil(1970, 1, 1), 0);
    CHECK_INT(fdl_days_from_civil(1969, 12, 31), -1);
    CHECK_INT(fdl_days_from_civil(2026, 11, 23), 20780);
    CHECK_INT(fdl_days_from_civil(1990, 5, 17), 7441);
    CHECK_INT(fdl_days_from_civil(1600, 1, 1), -135140);
    CHECK_INT(fdl_days_from_civil(2400, 12, 31), 157419);
    int64_t y;
    int m, d;
    fdl_civil_from_days(0, &y, &m, &d);
    CHECK(y == 1970 && m == 1 && d == 1);
    fdl_civil_from_days(-1, &y, &m, &d);
    CHECK(y == 1969 && m == 12 && d == 31);
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static void test_days_in_month_follows_gregorian_leap_rule(void)
{
    CHECK_INT(fdl_days_in_month(2024, 2), 29);
    CHECK_INT(fdl_days_in_month(2023, 2), 28);
    CHECK_INT(fdl_days_in_month(1900, 2), 28);
    CHECK_INT(fdl_days_in_month(2000, 2), 29);
    CHECK_INT(fdl_days_in_month(2026, 1), 31);
    CHECK_INT(fdl_days_in_month(2026, 4), 30);
    CHECK_INT(fdl_days_in_month(2026, 12), 31);
}

/* Walks every day from 1600-01-01 to 2400-12-31: each day number maps to the
 * day after the previous one's date, and maps back to its own number. */
static void test_civil_days_round_trip_day_by_day_1600_to_2400(void)
{
    static const int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t first = fdl_days_from_civil(1600, 1, 1);
    int64_t last = fdl_days_from_civil(2400, 12, 31);
    int64_t ey = 1600;
    int em = 1, ed = 1;
    long leap_days = 0;
    for (int64_t n = first; n <= last; n++) {
        int64_t y;
        int m, d;
        fdl_civil_from_days(n, &y, &m, &d);
        CHECK(y == ey && m == em && d == ed);
        CHECK_INT(fdl_days_from_civil(y, m, d), n);
        if (m == 2 && d == 29)
            leap_days++;
        int length = month_days[em - 1] + (em == 2 && is_leap(ey));
        if (++ed > length) {
            ed = 1;
            if (++em > 12) {
                em = 1;
                ey++;
            }
        }
    }
    /* 801 years, 97 leap years per 400 plus 2400 itself: 194 + 1 */
    CHECK_INT(leap_days, 195);
}

static void test_add_months_clamps_to_end_of_month(void)
{
    int64_t y = 2026;
    int m = 1, d = 31;
    fdl_add_months(&y, &m, &d, 1);
    CHECK(y == 2026 && m == 2 && d == 28);

    y = 2024, m = 1, d = 31;
    fdl_add_months(&y, &m, &d, 1);
    CHECK(y == 2024 && m == 2 && d == 29);

    y = 2026, m = 3, d = 31;
    fdl_add_months(&y, &m, &d, 1);
    CHECK(y == 2026 && m == 4 && d == 30);

    y = 2024, m = 2, d = 29;
    fdl_add_months(&y, &m, &d, 24);
    CHECK(y == 2026 && m == 2 && d == 28);

    y = 2026, m = 1, d = 31;
    fdl_add_months(&y, &m, &d, 12);
    CHECK(y == 2027 && m == 1 && d == 31);
}

static void test_add_months_december_rolls_into_next_year(void)
{
    int64_t y = 2026;
    int m = 12, d = 15;
    fdl_add_months(&y, &m, &d, 1);
    CHECK(y == 2027 && m == 1 && d == 15);

    y = 2026, m = 11, d = 30;
    fdl_add_months(&y, &m, &d, 14);
    CHECK(y == 2028 && m == 1 && d == 30);

    y = 2026, m = 5, d = 5;
    fdl_add_months(&y, &m, &d, 0);
    CHECK(y == 2026 && m == 5 && d == 5);
}

static void test_add_months_negative_goes_back(void)
{
    int64_t y = 2026;
    int m = 1, d = 10;
    fdl_add_months(&y, &m, &d, -1);
    CHECK(y == 2025 && m == 12 && d == 10);

    y = 2026, m = 3, d = 31;
    fdl_add_months(&y, &m, &d, -1);
    CHECK(y == 2026 && m == 2 && d == 28);

    y = 2026, m = 1, d = 15;
    fdl_add_months(&y, &m, &d, -13);
    CHECK(y == 2024 && m == 12 && d == 15);

    y = 2026, m = 6, d = 1;
    fdl_add_months(&y, &m, &d, -120);
    CHECK(y == 2016 && m == 6 && d == 1);

    /* Before year 0 the month index is negative: floor division, not truncation. */
    y = 0, m = 1, d = 1;
    fdl_add_months(&y, &m, &d, -1);
    CHECK(y == -1 && m == 12 && d == 1);
}

static void test_time_parse_utc_z(void)
{
    int64_t t = 0;
    CHECK_INT(fdl_time_parse("2026-11-23T18:30:00Z", &t), 0);
    CHECK_INT(t, 1795458600);
    CHECK_INT(fdl_time_parse("1970-01-01T00:00:00Z", &t), 0);
    CHECK_INT(t, 0);
    CHECK_INT(fdl_time_parse("1969-12-31T23:59:59Z", &t), 0);
    CHECK_INT(t, -1);
    CHECK_INT(fdl_time_parse("2024-02-29T12:00:00Z", &t), 0);
    CHECK_INT(t, 1709208000);
}

static void test_time_parse_applies_offsets(void)
{
    int64_t t = 0;
    CHECK_INT(fdl_time_parse("2026-11-23T19:30:00+01:00", &t), 0);
    CHECK_INT(t, 1795458600);
    CHECK_INT(fdl_time_parse("2026-11-23T13:00:00-05:30", &t), 0);
    CHECK_INT(t, 1795458600);
    CHECK_INT(fdl_time_parse("2026-11-23T18:30:00+00:00", &t), 0);
    CHECK_INT(t, 1795458600);
    CHECK_INT(fdl_time_parse("2026-11-23T18:30:00-00:00", &t), 0);
    CHECK_INT(t, 1795458600);
    /* An offset can move the instant across midnight and the year. */
    CHECK_INT(fdl_time_parse("1970-01-01T00:59:59+01:00", &t), 0);
    CHECK_INT(t, -1);
}

static void test_time_parse_truncates_fractions(void)
{
    int64_t t = 0;
    CHECK_INT(fdl_time_parse("2026-11-23T18:30:00.999Z", &t), 0);
    CHECK_INT(t, 1795458600);
    CHECK_INT(fdl_time_parse("2026-11-23T18:30:00.5+01:00", &t), 0);
    CHECK_INT(t, 1795458600 - 3600);
    CHECK_INT(fdl_time_parse("2026-11-23T18:30:00.123456789Z", &t), 0);
    CHECK_INT(t, 1795458600);
}

static void test_time_parse_accepts_lower_case_t_and_z(void)
{
    int64_t t = 0;
    CHECK_INT(fdl_time_parse("2026-11-23t18:30:00z", &t), 0);
    CHECK_INT(t, 1795458600);
}

static void test_time_parse_refuses_malformed_and_leaves_out_untouched(void)
{
    static const char *const bad[] = {
        "",
        "2026-11-23",
        "2026-11-23T18:30Z",
        "2026-11-23T18:30:00",                         /* missing zone */
        "2026-11-23T18:30:00.5",                       /* missing zone after fraction */
        "2026-13-01T00:00:00Z",                        /* month 13 */
        "2026-00-01T00:00:00Z",                        /* month 0 */
        "2026-02-30T00:00:00Z",                        /* Feb 30 */
        "2023-02-29T00:00:00Z",                        /* not a leap year */
        "2026-11-00T00:00:00Z",                        /* day 0 */
        "2026-11-23T24:00:00Z",                        /* hour 24 */
        "2026-11-23T18:60:00Z",                        /* minute 60 */
        "2026-11-23T18:30:60Z",                        /* leap second */
        "2026-11-23T18:30:00Zx",                       /* trailing junk */
        "2026-11-23T18:30:00+01:00 ",                  /* trailing space */
        "2026-11-23T18:30:00+01:00Z",                  /* offset and Z */
        "2026-11-23T18:30:00.Z",                       /* fraction with no digits */
        "2026-11-23T18:30:00+01",                      /* offset without minutes */
        "2026-11-23T18:30:00+1:00",                    /* one-digit offset hour */
        "2026-11-23T18:30:00+24:00",                   /* offset hour out of range */
        "2026-11-23X18:30:00Z",                        /* wrong separator */
        "2026/11/23T18:30:00Z",                        /* wrong date separator */
        "2026-11-23T18-30-00Z",                        /* wrong time separator */
        "20261-1-23T18:30:00Z",                        /* wrong field widths */
        "2026-11-23T18:30:00.1234567890123456789012Z", /* too long */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t t = 42;
        if (fdl_time_parse(bad[i], &t) != -1 || t != 42) {
            fprintf(stderr, "  accepted or touched out: \"%s\"\n", bad[i]);
            CHECK(0);
        }
    }
    int64_t t = 42;
    CHECK_INT(fdl_time_parse(NULL, &t), -1);
    CHECK_INT(t, 42);
}

static void test_date_parse_accepts_only_yyyy_mm_dd(void)
{
    int64_t days = 0;
    CHECK_INT(fdl_date_parse("1990-05-17", &days), 0);
    CHECK_INT(days, 7441);
    CHECK_INT(fdl_date_parse("2024-02-29", &days), 0);
    CHECK_INT(days, fdl_days_from_civil(2024, 2, 29));
    days = 42;
    CHECK_INT(fdl_date_parse("1990-5-17", &days), -1);
    CHECK_INT(fdl_date_parse("1990-05-17T", &days), -1);
    CHECK_INT(fdl_date_parse("2023-02-29", &days), -1);
    CHECK_INT(fdl_date_parse("1990-13-01", &days), -1);
    CHECK_INT(fdl_date_parse("", &days), -1);
    CHECK_INT(days, 42);
}

static void test_time_format_known_instants(void)
{
    char out[FDL_TIME_TEXT_MAX];
    fdl_time_format(0, out);
    CHECK_STR(out, "1970-01-01T00:00:00Z");
    fdl_time_format(1795458600, out);
    CHECK_STR(out, "2026-11-23T18:30:00Z");
    fdl_time_format(-1, out);
    CHECK_STR(out, "1969-12-31T23:59:59Z");
    fdl_time_format(-62135596800LL, out);
    CHECK_STR(out, "0001-01-01T00:00:00Z");
    fdl_time_format(253402300799LL, out);
    CHECK_STR(out, "9999-12-31T23:59:59Z");
    char date[16];
    fdl_date_format(7441, date);
    CHECK_STR(date, "1990-05-17");
    fdl_date_format(-1, date);
    CHECK_STR(date, "1969-12-31");
}

static void test_time_format_then_parse_round_trips(void)
{
    /* Steps by a prime so every second-of-day and many dates are visited. */
    for (int64_t t = -62135596800LL; t <= 253402300799LL; t += 9999991) {
        char out[FDL_TIME_TEXT_MAX];
        fdl_time_format(t, out);
        int64_t back = 0;
        CHECK_INT(fdl_time_parse(out, &back), 0);
        CHECK_INT(back, t);
    }
    for (int64_t days = -719162; days <= 2932896; days += 997) {
        char out[16];
        fdl_date_format(days, out);
        int64_t back = 0;
        CHECK_INT(fdl_date_parse(out, &back), 0);
        CHECK_INT(back, days);
    }
}

static void test_pinned_clock_returns_pinned_time_until_unpinned(void)
{
    fdl_clock_set(1795458600);
    CHECK_INT(fdl_clock_now_s(), 1795458600);
    CHECK_INT(fdl_clock_now_s(), 1795458600);
    fdl_clock_set(1795458600 + 86400);
    CHECK_INT(fdl_clock_now_s(), 1795458600 + 86400);
    fdl_clock_set(0);
    int64_t system_now = (int64_t)time(NULL);
    int64_t now = fdl_clock_now_s();
    CHECK(now >= system_now - 5 && now <= system_now + 5);
}

static void test_monotonic_clock_never_goes_back(void)
{
    uint64_t previous = fdl_clock_mono_ns();
    for (int i = 0; i < 1000; i++) {
        uint64_t now = fdl_clock_mono_ns();
        CHECK(now >= previous);
        previous = now;
    }
}

int main(void)
{
    RUN(test_epoch_is_day_zero);
    RUN(test_days_in_month_follows_gregorian_leap_rule);
    RUN(test_civil_days_round_trip_day_by_day_1600_to_2400);
    RUN(test_add_months_clamps_to_end_of_month);
    RUN(test_add_months_december_rolls_into_next_year);
    RUN(test_add_months_negative_goes_back);
    RUN(test_time_parse_utc_z);
    RUN(test_time_parse_applies_offsets);
    RUN(test_time_parse_truncates_fractions);
    RUN(test_time_parse_accepts_lower_case_t_and_z);
    RUN(test_time_parse_refuses_malformed_and_leaves_out_untouched);
    RUN(test_date_parse_accepts_only_yyyy_mm_dd);
    RUN(test_time_format_known_instants);
    RUN(test_time_format_then_parse_round_trips);
    RUN(test_pinned_clock_returns_pinned_time_until_unpinned);
    RUN(test_monotonic_clock_never_goes_back);
    return check_done();
}
