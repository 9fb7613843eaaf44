/*
 * tiers.h - tiers (levels): who is bronze, silver or gold, and until when.
 *
 * A program may rank its members in levels (the program file's `tiers:`
 * section, engine/program_file.h) by one measure counted over a
 * qualification window: money paid net of refunds (spend), points earned
 * (points) or purchases (visits). The window is the calendar year or the
 * last N months (rolling). A member moves up the moment a purchase brings
 * the window's value to a higher level's minimum; a member moves down only
 * at a review, after the window closes and a grace period has passed,
 * either one level or straight to the level the closed window qualifies
 * for. Benefits are earn rules that name levels in their `tiers:` lists.
 *
 * Everything here is pure arithmetic on a struct fdl_tier_def and local day
 * numbers (days since 1970-01-01 on the program's local calendar, as
 * base/clock.h counts them); the caller counts the values in a window and
 * stores each member's level. Invariants of a definition with levels (the
 * loader guarantees them; hand-built ones must keep them): 1 to
 * FDL_MAX_TIER_LEVELS levels, the first with min 0, mins strictly
 * ascending, names distinct. A definition without levels (enabled 0, as a
 * program without a tiers section has) behaves as one nameless level 0.
 */
#ifndef FDL_TIERS_H
#define FDL_TIERS_H

#include <stddef.h>
#include <stdint.h>

#define FDL_MAX_TIER_LEVELS        10              /* levels in one program */
#define FDL_TIER_NAME_MAX          64              /* bytes in a level name: [a-z0-9_-] */
#define FDL_MAX_TIER_WINDOW_MONTHS 36              /* a rolling window's length */
#define FDL_MAX_TIER_GRACE_MONTHS  12              /* months a downgrade waits */
#define FDL_MAX_TIER_MIN           1000000000000LL /* a level's min (minor units for spend) */
#define FDL_MAX_TIER_BENEFITS      10  /* member-facing benefit texts of one level */
#define FDL_TIER_BENEFIT_MAX       120 /* bytes in one benefit text */

enum fdl_tier_basis {
    FDL_TIER_BASIS_SPEND,  /* `basis: spend`: money paid net of refunds, minor units */
    FDL_TIER_BASIS_POINTS, /* `basis: points`: points earned */
    FDL_TIER_BASIS_VISITS, /* `basis: visits`: purchases */
};

enum fdl_tier_window {
    FDL_TIER_WINDOW_CALENDAR_YEAR, /* `window: calendar-year`: Jan 1 .. Dec 31, local */
    FDL_TIER_WINDOW_ROLLING,       /* `window: rolling`: the last window_months months */
};

enum fdl_tier_downgrade {
    FDL_TIER_DOWNGRADE_ONE_LEVEL, /* `downgrade: one-level`: at most one level a review */
    FDL_TIER_DOWNGRADE_TO_QUALIFIED, /* `downgrade: to-qualified`: to what the window
                                        earned */
};

struct fdl_tier_level {
    char name[FDL_TIER_NAME_MAX + 1];
    int64_t min; /* the least value that qualifies: minor units for spend */
};

struct fdl_tier_def {
    int enabled; /* 1 if the program has a tiers section (then n_levels >= 1) */
    enum fdl_tier_basis basis;
    enum fdl_tier_window window;
    int window_months; /* rolling: 1..FDL_MAX_TIER_WINDOW_MONTHS; calendar-year: 12 */
    enum fdl_tier_downgrade downgrade;
    int grace_months; /* 0..FDL_MAX_TIER_GRACE_MONTHS */
    size_t n_levels;  /* ascending by min; levels[0].min == 0 */
    struct fdl_tier_level levels[FDL_MAX_TIER_LEVELS];
};

/*
 * The qualification window containing local day `day`, as local day
 * numbers [*start_day, *end_day). Calendar year: Jan 1 of day's year to
 * the next Jan 1. Rolling: the window_months months ending with `day`
 * inclusive, that is end = day + 1 and start = end - window_months months,
 * the day clamped to the month's end by fdl_add_months (so the 1-month
 * window ending 2026-03-30 starts 2026-02-28).
 */
void fdl_tier_window(const struct fdl_tier_def *t, int64_t day, int64_t *start_day,
                     int64_t *end_day);

/*
 * The index of the level called name, or -1 if there is none. "" and NULL
 * are level 0: a member never ranked holds the first level.
 */
int fdl_tier_index(const struct fdl_tier_def *t, const char *name);

/* The name of level index (0 <= index < n_levels), or "" without levels. */
const char *fdl_tier_name(const struct fdl_tier_def *t, int index);

/*
 * The highest level whose min is at most value; 0 when none is (a
 * negative value: refunds beyond purchases) and without levels.
 */
int fdl_tier_qualify(const struct fdl_tier_def *t, int64_t value);

/*
 * Upgrades happen at once: the level after a purchase that brings the
 * current window's value to `value`, for a member at level current:
 * max(current, fdl_tier_qualify(value)). Never lower than current.
 */
int fdl_tier_after_purchase(const struct fdl_tier_def *t, int current, int64_t value);

/*
 * The level after a review of a member at level current whose closed
 * window (fdl_tier_reviewed_window) reached value_in_closed_window.
 * one-level: max(qualify(value), current - 1); to-qualified: qualify(value).
 * A value above current's level lifts the member there either way.
 */
int fdl_tier_review(const struct fdl_tier_def *t, int current,
                    int64_t value_in_closed_window);

/*
 * Progress towards the next level above the one value qualifies for:
 * returns that level's index and sets *missing to how much more it takes
 * (minor units, points or visits; saturating at INT64_MAX), or returns -1
 * and sets *missing to 0 at the top level (and without levels). "120 more
 * points to gold" is levels[return].name with *missing.
 */
int fdl_tier_progress(const struct fdl_tier_def *t, int64_t value, int64_t *missing);

/*
 * When a level held on local day `day` is next reviewed: the end of its
 * qualification period plus grace_months (fdl_add_months, clamped).
 * Calendar year: the period is the year containing day, so the review is
 * Jan 1 of the next year plus grace. Rolling: the period is the
 * window_months months starting on day (the day the member reached the
 * level), so the review is day + window_months months plus grace. (A
 * rolling window *ending* on day would end the next day and review a
 * fresh level at once.) After a review, the next one is
 * fdl_tier_review_day(t, end_day) with the end_day of the window just
 * reviewed, so periods follow each other without gaps and grace does not
 * drift the schedule.
 */
int64_t fdl_tier_review_day(const struct fdl_tier_def *t, int64_t day);

/*
 * The closed window whose value decides the review that
 * fdl_tier_review_day(t, day) schedules: the qualification window that
 * ends where the period ends and grace begins (fdl_tier_window of the
 * period's last day). Calendar year: the year containing day. Rolling:
 * the window_months months from day (clamping may add a day or two at the
 * start when day is late in a month: from 2026-03-31, one month ends
 * 2026-04-30 and its window starts 2026-03-30).
 */
void fdl_tier_reviewed_window(const struct fdl_tier_def *t, int64_t day,
                              int64_t *start_day, int64_t *end_day);

/* Names of the enums, as written in the program file. */
const char *fdl_tier_basis_name(enum fdl_tier_basis basis);
const char *fdl_tier_window_name(enum fdl_tier_window window);
const char *fdl_tier_downgrade_name(enum fdl_tier_downgrade downgrade);

#endif
