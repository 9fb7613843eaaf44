/*
 * test_tiers.c - tier levels: the worked case from the issue, every
 * function at its boundaries (exactly at a level's min and one below),
 * calendar-year windows around New Year, rolling windows across month ends
 * and leap days, reviews one level down or to the qualified level, grace,
 * and progress up to and at the top.
 *
 * Days are local day numbers (base/clock.h), written as civil dates.
 */
#include "engine/tiers.h"

#include "base/clock.h"
#include "engine/program_file.h"
#include "engine/rules.h"

#include <stdint.h>
#include <string.h>

#include "check.h"

static int64_t day_of(int64_t y, int m, int d)
{
    return fdl_days_from_civil(y, m, d);
}

/* Bronze >= 0, silver >= 10,000.00, gold >= 20,000.00 EUR spent, in cents. */
static struct fdl_tier_def spend_table(void)
{
    struct fdl_tier_def t;
    memset(&t, 0, sizeof(t));
    t.enabled = 1;
    t.basis = FDL_TIER_BASIS_SPEND;
    t.window = FDL_TIER_WINDOW_CALENDAR_YEAR;
    t.window_months = 12;
    t.downgrade = FDL_TIER_DOWNGRADE_ONE_LEVEL;
    t.n_levels = 3;
    t.levels[0] = (struct fdl_tier_level){"bronze", 0};
    t.levels[1] = (struct fdl_tier_level){"silver", 1000000};
    t.levels[2] = (struct fdl_tier_level){"gold", 2000000};
    return t;
}

static struct fdl_tier_def rolling(int months, int grace_months)
{
    struct fdl_tier_def t = spend_table();
    t.window = FDL_TIER_WINDOW_ROLLING;
    t.window_months = months;
    t.grace_months = grace_months;
    return t;
}

/* Checks fdl_tier_window(t, day) == [start, end). */
static int window_is(const struct fdl_tier_def *t, int64_t day, int64_t start,
                     int64_t end)
{
    int64_t s = -1, e = -1;
    fdl_tier_window(t, day, &s, &e);
    if (s == start && e == end)
        return 1;
    char d[16], gs[16], ge[16], ws[16], we[16];
    fdl_date_format(day, d);
    fdl_date_format(s, gs);
    fdl_date_format(e, ge);
    fdl_date_format(start, ws);
    fdl_date_format(end, we);
    fprintf(stderr, "  window of %s: [%s, %s), expected [%s, %s)\n", d, gs, ge, ws, we);
    return 0;
}

/* ---- the worked case ---- */

static void test_8000_spent_plus_3000_becomes_silver(void)
{
    /* The table as a program file writes it: mins in currency units. */
    const char *text = "program: {name: T, currency: EUR, time_zone: Europe/Madrid}\n"
                       "tiers:\n"
                       "  basis: spend\n"
                       "  levels:\n"
                       "    - { name: bronze, min: 0 }\n"
                       "    - { name: silver, min: 10000 }\n"
                       "    - { name: gold, min: 20000 }\n";
    struct fdl_program_def *def = NULL;
    struct fdl_error err;
    CHECK_INT(fdl_program_file_load(text, strlen(text), &def, &err), 0);
    struct fdl_tier_def t = def->tiers; /* a copy: names outlive the definition */
    fdl_program_def_free(def);
    int before = fdl_tier_qualify(&t, 800000); /* 8,000.00 spent: bronze */
    int after = fdl_tier_after_purchase(&t, before, 800000 + 300000);
    int64_t missing = 0;
    int next = fdl_tier_progress(&t, 1100000, &missing);
    CHECK_STR(fdl_tier_name(&t, before), "bronze");
    CHECK_STR(fdl_tier_name(&t, after), "silver");
    CHECK_INT(next, 2);
    CHECK_INT(missing, 900000); /* 9,000.00 more to gold */
}

/* ---- levels ---- */

static void test_index_finds_levels_by_name(void)
{
    struct fdl_tier_def t = spend_table();
    CHECK_INT(fdl_tier_index(&t, "bronze"), 0);
    CHECK_INT(fdl_tier_index(&t, "silver"), 1);
    CHECK_INT(fdl_tier_index(&t, "gold"), 2);
    CHECK_INT(fdl_tier_index(&t, ""), 0); /* never ranked: the first level */
    CHECK_INT(fdl_tier_index(&t, NULL), 0);
    CHECK_INT(fdl_tier_index(&t, "Gold"), -1);
    CHECK_INT(fdl_tier_index(&t, "platinum"), -1);
    CHECK_INT(fdl_tier_index(&t, "gol"), -1);
    CHECK_STR(fdl_tier_name(&t, 2), "gold");
}

static void test_qualify_at_and_below_each_min(void)
{
    struct fdl_tier_def t = spend_table();
    CHECK_INT(fdl_tier_qualify(&t, 0), 0);
    CHECK_INT(fdl_tier_qualify(&t, 999999), 0);
    CHECK_INT(fdl_tier_qualify(&t, 1000000), 1);
    CHECK_INT(fdl_tier_qualify(&t, 1999999), 1);
    CHECK_INT(fdl_tier_qualify(&t, 2000000), 2);
    CHECK_INT(fdl_tier_qualify(&t, INT64_MAX), 2);
    /* Refunds beyond purchases in the window: still the first level. */
    CHECK_INT(fdl_tier_qualify(&t, -1), 0);
    CHECK_INT(fdl_tier_qualify(&t, INT64_MIN), 0);
}

static void test_upgrade_is_immediate_and_never_lowers(void)
{
    struct fdl_tier_def t = spend_table();
    CHECK_INT(fdl_tier_after_purchase(&t, 0, 999999), 0);
    CHECK_INT(fdl_tier_after_purchase(&t, 0, 1000000), 1);
    CHECK_INT(fdl_tier_after_purchase(&t, 0, 2000000), 2); /* two levels at once */
    CHECK_INT(fdl_tier_after_purchase(&t, 1, 1999999), 1);
    CHECK_INT(fdl_tier_after_purchase(&t, 1, 2000000), 2);
    /* A gold member in a new, empty window stays gold until the review. */
    CHECK_INT(fdl_tier_after_purchase(&t, 2, 0), 2);
    CHECK_INT(fdl_tier_after_purchase(&t, 2, -500), 2);
}

static void test_review_one_level_steps_down_once(void)
{
    struct fdl_tier_def t = spend_table();
    CHECK_INT(fdl_tier_review(&t, 2, 0), 1);
    CHECK_INT(fdl_tier_review(&t, 2, 1999999), 1);
    CHECK_INT(fdl_tier_review(&t, 2, 2000000), 2);
    CHECK_INT(fdl_tier_review(&t, 1, 0), 0);
    CHECK_INT(fdl_tier_review(&t, 1, 999999), 0);
    CHECK_INT(fdl_tier_review(&t, 1, 1000000), 1);
    CHECK_INT(fdl_tier_review(&t, 0, 0), 0);
    CHECK_INT(fdl_tier_review(&t, 0, -1), 0);
    /* A window worth more than the level held lifts the member. */
    CHECK_INT(fdl_tier_review(&t, 0, 2000000), 2);
}

static void test_review_to_qualified_drops_to_the_window(void)
{
    struct fdl_tier_def t = spend_table();
    t.downgrade = FDL_TIER_DOWNGRADE_TO_QUALIFIED;
    CHECK_INT(fdl_tier_review(&t, 2, 0), 0);
    CHECK_INT(fdl_tier_review(&t, 2, 999999), 0);
    CHECK_INT(fdl_tier_review(&t, 2, 1000000), 1);
    CHECK_INT(fdl_tier_review(&t, 2, 1999999), 1);
    CHECK_INT(fdl_tier_review(&t, 2, 2000000), 2);
    CHECK_INT(fdl_tier_review(&t, 1, 999999), 0);
    CHECK_INT(fdl_tier_review(&t, 0, 1000000), 1);
}

static void test_progress_to_the_next_level(void)
{
    struct fdl_tier_def t = spend_table();
    int64_t missing = -1;
    CHECK_INT(fdl_tier_progress(&t, 0, &missing), 1);
    CHECK_INT(missing, 1000000);
    CHECK_INT(fdl_tier_progress(&t, 999999, &missing), 1);
    CHECK_INT(missing, 1);
    CHECK_INT(fdl_tier_progress(&t, 1000000, &missing), 2);
    CHECK_INT(missing, 1000000);
    CHECK_INT(fdl_tier_progress(&t, 1999999, &missing), 2);
    CHECK_INT(missing, 1);
    /* Net refunds: the whole way, and more. */
    CHECK_INT(fdl_tier_progress(&t, -500, &missing), 1);
    CHECK_INT(missing, 1000500);
    CHECK_INT(fdl_tier_progress(&t, INT64_MIN, &missing), 1);
    CHECK_INT(missing, INT64_MAX);
}

static void test_progress_at_the_top(void)
{
    struct fdl_tier_def t = spend_table();
    int64_t missing = -1;
    CHECK_INT(fdl_tier_progress(&t, 2000000, &missing), -1);
    CHECK_INT(missing, 0);
    missing = -1;
    CHECK_INT(fdl_tier_progress(&t, INT64_MAX, &missing), -1);
    CHECK_INT(missing, 0);
}

static void test_progress_in_points_reads_as_the_issue_says(void)
{
    /* "120 more points to Gold". */
    struct fdl_tier_def t = spend_table();
    t.basis = FDL_TIER_BASIS_POINTS;
    t.levels[1].min = 500;
    t.levels[2].min = 1000;
    int64_t missing = 0;
    int next = fdl_tier_progress(&t, 880, &missing);
    CHECK_STR(fdl_tier_name(&t, next), "gold");
    CHECK_INT(missing, 120);
}

static void test_without_levels_everyone_is_level_zero(void)
{
    struct fdl_tier_def t;
    memset(&t, 0, sizeof(t));
    int64_t missing = -1;
    CHECK_INT(fdl_tier_index(&t, ""), 0);
    CHECK_INT(fdl_tier_index(&t, "gold"), -1);
    CHECK_STR(fdl_tier_name(&t, 0), "");
    CHECK_INT(fdl_tier_qualify(&t, 123456), 0);
    CHECK_INT(fdl_tier_after_purchase(&t, 0, 123456), 0);
    CHECK_INT(fdl_tier_review(&t, 0, 0), 0);
    CHECK_INT(fdl_tier_progress(&t, 5, &missing), -1);
    CHECK_INT(missing, 0);
}

static void test_a_single_level(void)
{
    struct fdl_tier_def t = spend_table();
    t.n_levels = 1;
    int64_t missing = -1;
    CHECK_INT(fdl_tier_qualify(&t, 5000000), 0);
    CHECK_INT(fdl_tier_progress(&t, 0, &missing), -1);
    CHECK_INT(fdl_tier_review(&t, 0, 0), 0);
}

static void test_ten_levels(void)
{
    struct fdl_tier_def t = spend_table();
    t.n_levels = FDL_MAX_TIER_LEVELS;
    for (int i = 0; i < FDL_MAX_TIER_LEVELS; i++) {
        snprintf(t.levels[i].name, sizeof(t.levels[i].name), "l%d", i);
        t.levels[i].min = (int64_t)i * 100;
    }
    int64_t missing = 0;
    CHECK_INT(fdl_tier_qualify(&t, 899), 8);
    CHECK_INT(fdl_tier_qualify(&t, 900), 9);
    CHECK_INT(fdl_tier_index(&t, "l9"), 9);
    CHECK_INT(fdl_tier_progress(&t, 899, &missing), 9);
    CHECK_INT(missing, 1);
    CHECK_INT(fdl_tier_review(&t, 9, 0), 8);
}

/* ---- windows ---- */

static void test_calendar_year_around_new_year(void)
{
    struct fdl_tier_def t = spend_table();
    int64_t y2026 = day_of(2026, 1, 1), y2027 = day_of(2027, 1, 1),
            y2028 = day_of(2028, 1, 1);
    CHECK(window_is(&t, day_of(2026, 1, 1), y2026, y2027));
    CHECK(window_is(&t, day_of(2026, 7, 14), y2026, y2027));
    CHECK(window_is(&t, day_of(2026, 12, 31), y2026, y2027));
    CHECK(window_is(&t, day_of(2027, 1, 1), y2027, y2028));
    /* A leap year is 366 days long. */
    CHECK(window_is(&t, day_of(2024, 2, 29), day_of(2024, 1, 1), day_of(2025, 1, 1)));
    CHECK_INT(day_of(2025, 1, 1) - day_of(2024, 1, 1), 366);
    /* Before 1970 (negative day numbers). */
    CHECK(window_is(&t, day_of(1969, 12, 31), day_of(1969, 1, 1), day_of(1970, 1, 1)));
    CHECK(window_is(&t, day_of(1970, 1, 1), 0, 365));
}

static void test_rolling_window_across_month_ends(void)
{
    struct fdl_tier_def one = rolling(1, 0), three = rolling(3, 0),
                        twelve = rolling(12, 0);
    /* The N months ending with the day, inclusive. */
    CHECK(window_is(&twelve, day_of(2026, 3, 15), day_of(2025, 3, 16),
                    day_of(2026, 3, 16)));
    CHECK(window_is(&one, day_of(2026, 3, 31), day_of(2026, 3, 1), day_of(2026, 4, 1)));
    CHECK(window_is(&one, day_of(2026, 4, 1), day_of(2026, 3, 2), day_of(2026, 4, 2)));
    /* Clamped: a month before 2026-03-31 is 2026-02-28. */
    CHECK(window_is(&one, day_of(2026, 3, 30), day_of(2026, 2, 28), day_of(2026, 3, 31)));
    CHECK(window_is(&one, day_of(2026, 3, 29), day_of(2026, 2, 28), day_of(2026, 3, 30)));
    CHECK(window_is(&one, day_of(2026, 3, 27), day_of(2026, 2, 28), day_of(2026, 3, 28)));
    /* Across New Year. */
    CHECK(window_is(&three, day_of(2027, 1, 15), day_of(2026, 10, 16),
                    day_of(2027, 1, 16)));
    CHECK(
        window_is(&three, day_of(2026, 12, 31), day_of(2026, 10, 1), day_of(2027, 1, 1)));
    CHECK(
        window_is(&twelve, day_of(2026, 12, 31), day_of(2026, 1, 1), day_of(2027, 1, 1)));
    struct fdl_tier_def longest = rolling(FDL_MAX_TIER_WINDOW_MONTHS, 0);
    CHECK(window_is(&longest, day_of(2026, 12, 31), day_of(2024, 1, 1),
                    day_of(2027, 1, 1)));
}

static void test_rolling_window_and_leap_days(void)
{
    struct fdl_tier_def one = rolling(1, 0), twelve = rolling(12, 0);
    /* Ending 2024-02-28: the window ends before the leap day. */
    CHECK(window_is(&one, day_of(2024, 2, 28), day_of(2024, 1, 29), day_of(2024, 2, 29)));
    /* Ending on the leap day: all of February. */
    CHECK(window_is(&one, day_of(2024, 2, 29), day_of(2024, 2, 1), day_of(2024, 3, 1)));
    CHECK(
        window_is(&twelve, day_of(2024, 2, 29), day_of(2023, 3, 1), day_of(2024, 3, 1)));
    /* A year later there is no 29th: the window ending 2025-02-28 spans the
     * leap day and is 366 days long. */
    CHECK(
        window_is(&twelve, day_of(2025, 2, 28), day_of(2024, 3, 1), day_of(2025, 3, 1)));
    CHECK(window_is(&twelve, day_of(2025, 2, 27), day_of(2024, 2, 28),
                    day_of(2025, 2, 28)));
    /* 2024-03-30 less a month is 2024-02-29 (clamped from 30). */
    CHECK(window_is(&one, day_of(2024, 3, 29), day_of(2024, 2, 29), day_of(2024, 3, 30)));
}

static void test_every_rolling_window_holds_its_day(void)
{
    for (int months = 1; months <= FDL_MAX_TIER_WINDOW_MONTHS; months++) {
        struct fdl_tier_def t = rolling(months, 0);
        for (int64_t day = day_of(2023, 12, 1); day < day_of(2025, 3, 1); day++) {
            int64_t start, end;
            fdl_tier_window(&t, day, &start, &end);
            CHECK_INT(end, day + 1);
            CHECK(start <= day);
            /* About months x 30.4 days: between 28 and 31 per month. */
            CHECK(end - start >= 28 * months && end - start <= 31 * months + 3);
        }
    }
}

/* ---- reviews ---- */

static void test_review_day_calendar_year(void)
{
    struct fdl_tier_def t = spend_table();
    CHECK_INT(fdl_tier_review_day(&t, day_of(2026, 1, 1)), day_of(2027, 1, 1));
    CHECK_INT(fdl_tier_review_day(&t, day_of(2026, 6, 15)), day_of(2027, 1, 1));
    CHECK_INT(fdl_tier_review_day(&t, day_of(2026, 12, 31)), day_of(2027, 1, 1));
    CHECK_INT(fdl_tier_review_day(&t, day_of(2027, 1, 1)), day_of(2028, 1, 1));
    t.grace_months = 1;
    CHECK_INT(fdl_tier_review_day(&t, day_of(2026, 12, 31)), day_of(2027, 2, 1));
    t.grace_months = FDL_MAX_TIER_GRACE_MONTHS;
    CHECK_INT(fdl_tier_review_day(&t, day_of(2026, 12, 31)), day_of(2028, 1, 1));
    int64_t start, end;
    fdl_tier_reviewed_window(&t, day_of(2026, 6, 15), &start, &end);
    CHECK_INT(start, day_of(2026, 1, 1));
    CHECK_INT(end, day_of(2027, 1, 1));
}

static void test_review_day_rolling(void)
{
    struct fdl_tier_def t = rolling(12, 0);
    int64_t start, end;
    /* Gold reached on 2026-03-15 holds for 12 months from that day. */
    CHECK_INT(fdl_tier_review_day(&t, day_of(2026, 3, 15)), day_of(2027, 3, 15));
    fdl_tier_reviewed_window(&t, day_of(2026, 3, 15), &start, &end);
    CHECK_INT(start, day_of(2026, 3, 15));
    CHECK_INT(end, day_of(2027, 3, 15));
    /* From the leap day: a year later is clamped to 2025-02-28. */
    CHECK_INT(fdl_tier_review_day(&t, day_of(2024, 2, 29)), day_of(2025, 2, 28));
    t.grace_months = 1;
    CHECK_INT(fdl_tier_review_day(&t, day_of(2026, 3, 15)), day_of(2027, 4, 15));
    /* Grace does not move the window reviewed. */
    fdl_tier_reviewed_window(&t, day_of(2026, 3, 15), &start, &end);
    CHECK_INT(end, day_of(2027, 3, 15));
    /* One month from 2026-01-31 ends 2026-02-28; a month's grace more, 03-28. */
    struct fdl_tier_def one = rolling(1, 1);
    CHECK_INT(fdl_tier_review_day(&one, day_of(2026, 1, 31)), day_of(2026, 3, 28));
    /* From 2026-03-31 one month ends 2026-04-30; its window starts 03-30. */
    fdl_tier_reviewed_window(&one, day_of(2026, 3, 31), &start, &end);
    CHECK_INT(start, day_of(2026, 3, 30));
    CHECK_INT(end, day_of(2026, 4, 30));
}

static void test_reviews_follow_each_other_without_drift(void)
{
    /* The next review is scheduled from the end of the window just reviewed. */
    struct fdl_tier_def t = rolling(6, 2);
    int64_t start, end;
    int64_t first = fdl_tier_review_day(&t, day_of(2026, 1, 10));
    CHECK_INT(first, day_of(2026, 9, 10));
    fdl_tier_reviewed_window(&t, day_of(2026, 1, 10), &start, &end);
    CHECK_INT(end, day_of(2026, 7, 10));
    CHECK_INT(fdl_tier_review_day(&t, end), day_of(2027, 3, 10));
    fdl_tier_reviewed_window(&t, end, &start, &end);
    CHECK_INT(start, day_of(2026, 7, 10));
    CHECK_INT(end, day_of(2027, 1, 10));

    struct fdl_tier_def year = spend_table();
    year.grace_months = 1;
    fdl_tier_reviewed_window(&year, day_of(2026, 5, 10), &start, &end);
    CHECK_INT(fdl_tier_review_day(&year, end), day_of(2028, 2, 1));
}

static void test_a_gold_year_then_a_quiet_one(void)
{
    /* Calendar year, a month's grace: gold reached in May 2026 is reviewed
     * on 2027-02-01 against 2026, then on 2028-02-01 against 2027. */
    struct fdl_tier_def t = spend_table();
    t.grace_months = 1;
    int64_t reached = day_of(2026, 5, 10), start, end;
    int level = fdl_tier_after_purchase(&t, 0, 2100000);
    CHECK_INT(level, 2);
    CHECK_INT(fdl_tier_review_day(&t, reached), day_of(2027, 2, 1));
    fdl_tier_reviewed_window(&t, reached, &start, &end);
    level = fdl_tier_review(&t, level, 2500000); /* 2026 kept it */
    CHECK_INT(level, 2);
    /* During the grace month a small purchase changes nothing. */
    CHECK_INT(fdl_tier_after_purchase(&t, level, 5000), 2);
    CHECK_INT(fdl_tier_review_day(&t, end), day_of(2028, 2, 1));
    CHECK_INT(fdl_tier_review(&t, level, 50000), 1); /* 500.00 in 2027 */
    t.downgrade = FDL_TIER_DOWNGRADE_TO_QUALIFIED;
    CHECK_INT(fdl_tier_review(&t, level, 50000), 0);
}

static void test_enum_names(void)
{
    CHECK_STR(fdl_tier_basis_name(FDL_TIER_BASIS_SPEND), "spend");
    CHECK_STR(fdl_tier_basis_name(FDL_TIER_BASIS_POINTS), "points");
    CHECK_STR(fdl_tier_basis_name(FDL_TIER_BASIS_VISITS), "visits");
    CHECK_STR(fdl_tier_window_name(FDL_TIER_WINDOW_CALENDAR_YEAR), "calendar-year");
    CHECK_STR(fdl_tier_window_name(FDL_TIER_WINDOW_ROLLING), "rolling");
    CHECK_STR(fdl_tier_downgrade_name(FDL_TIER_DOWNGRADE_ONE_LEVEL), "one-level");
    CHECK_STR(fdl_tier_downgrade_name(FDL_TIER_DOWNGRADE_TO_QUALIFIED), "to-qualified");
}

int main(void)
{
    RUN(test_8000_spent_plus_3000_becomes_silver);
    RUN(test_index_finds_levels_by_name);
    RUN(test_qualify_at_and_below_each_min);
    RUN(test_upgrade_is_immediate_and_never_lowers);
    RUN(test_review_one_level_steps_down_once);
    RUN(test_review_to_qualified_drops_to_the_window);
    RUN(test_progress_to_the_next_level);
    RUN(test_progress_at_the_top);
    RUN(test_progress_in_points_reads_as_the_issue_says);
    RUN(test_without_levels_everyone_is_level_zero);
    RUN(test_a_single_level);
    RUN(test_ten_levels);
    RUN(test_calendar_year_around_new_year);
    RUN(test_rolling_window_across_month_ends);
    RUN(test_rolling_window_and_leap_days);
    RUN(test_every_rolling_window_holds_its_day);
    RUN(test_review_day_calendar_year);
    RUN(test_review_day_rolling);
    RUN(test_reviews_follow_each_other_without_drift);
    RUN(test_a_gold_year_then_a_quiet_one);
    RUN(test_enum_names);
    return check_done();
}
