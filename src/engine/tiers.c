/*
 * tiers.c - tier levels: windows, qualification, upgrades, reviews.
 *
 * Pure integer arithmetic on a definition the program file loader built
 * (or a test wrote by hand). Levels are few (FDL_MAX_TIER_LEVELS), so
 * every lookup is a linear scan. Calendar arithmetic is base/clock.h's:
 * months are added with the day clamped to the month's end.
 */
#include "engine/tiers.h"

#include "base/clock.h"
#include "engine/rules.h"

#include <assert.h>
#include <string.h>

_Static_assert(FDL_TIER_NAME_MAX <= FDL_RULE_ITEM_MAX,
               "an earn rule's tiers list must be able to name every level");
_Static_assert(FDL_MAX_TIER_LEVELS < 64, "levels are indexed by int");

/* The definition keeps its invariants (tiers.h); checked in debug builds. */
static void check_def(const struct fdl_tier_def *t)
{
    assert(t);
    assert(t->n_levels <= FDL_MAX_TIER_LEVELS);
    assert(!t->enabled || t->n_levels >= 1);
    assert(t->n_levels == 0 || t->levels[0].min == 0);
    assert(t->window != FDL_TIER_WINDOW_ROLLING ||
           (t->window_months >= 1 && t->window_months <= FDL_MAX_TIER_WINDOW_MONTHS));
    assert(t->grace_months >= 0 && t->grace_months <= FDL_MAX_TIER_GRACE_MONTHS);
    (void)t;
}

/* The level indexes a member can hold: 0 .. n_levels - 1 (just 0 without levels). */
static void check_level(const struct fdl_tier_def *t, int level)
{
    assert(level >= 0);
    assert((size_t)level < t->n_levels || (t->n_levels == 0 && level == 0));
    (void)t;
    (void)level;
}

/* day + months months, the day of the month clamped. */
static int64_t add_months_to_day(int64_t day, int months)
{
    int64_t y;
    int m, d;
    fdl_civil_from_days(day, &y, &m, &d);
    fdl_add_months(&y, &m, &d, months);
    return fdl_days_from_civil(y, m, d);
}

void fdl_tier_window(const struct fdl_tier_def *t, int64_t day, int64_t *start_day,
                     int64_t *end_day)
{
    check_def(t);
    assert(start_day && end_day);
    int64_t start, end;
    if (t->window == FDL_TIER_WINDOW_ROLLING) {
        end = day + 1;
        start = add_months_to_day(end, -t->window_months);
    } else {
        int64_t y;
        int m, d;
        fdl_civil_from_days(day, &y, &m, &d);
        start = fdl_days_from_civil(y, 1, 1);
        end = fdl_days_from_civil(y + 1, 1, 1);
    }
    assert(start <= day && day < end);
    *start_day = start;
    *end_day = end;
}

int fdl_tier_index(const struct fdl_tier_def *t, const char *name)
{
    check_def(t);
    if (!name || !*name)
        return 0;
    for (size_t i = 0; i < t->n_levels; i++)
        if (strcmp(t->levels[i].name, name) == 0)
            return (int)i;
    return -1;
}

const char *fdl_tier_name(const struct fdl_tier_def *t, int index)
{
    check_def(t);
    check_level(t, index);
    return t->n_levels ? t->levels[index].name : "";
}

int fdl_tier_qualify(const struct fdl_tier_def *t, int64_t value)
{
    check_def(t);
    int level = 0;
    for (size_t i = 1; i < t->n_levels && t->levels[i].min <= value; i++) {
        assert(t->levels[i].min > t->levels[i - 1].min);
        level = (int)i;
    }
    return level;
}

int fdl_tier_after_purchase(const struct fdl_tier_def *t, int current, int64_t value)
{
    check_level(t, current);
    int qualified = fdl_tier_qualify(t, value);
    int level = qualified > current ? qualified : current;
    assert(level >= current);
    return level;
}

int fdl_tier_review(const struct fdl_tier_def *t, int current,
                    int64_t value_in_closed_window)
{
    check_level(t, current);
    int qualified = fdl_tier_qualify(t, value_in_closed_window);
    int level = qualified;
    if (t->downgrade == FDL_TIER_DOWNGRADE_ONE_LEVEL && current - 1 > level)
        level = current - 1;
    check_level(t, level);
    return level;
}

int fdl_tier_progress(const struct fdl_tier_def *t, int64_t value, int64_t *missing)
{
    assert(missing);
    int next = fdl_tier_qualify(t, value) + 1;
    if ((size_t)next >= t->n_levels) {
        *missing = 0;
        return -1;
    }
    int64_t min = t->levels[next].min;
    assert(min > value);
    /* min - value overflows only for values far below zero. */
    *missing = value < min - INT64_MAX ? INT64_MAX : min - value;
    assert(*missing > 0);
    return next;
}

/* The end of the qualification period that a level held on `day` belongs to. */
static int64_t period_end(const struct fdl_tier_def *t, int64_t day)
{
    if (t->window == FDL_TIER_WINDOW_ROLLING)
        return add_months_to_day(day, t->window_months);
    int64_t start, end;
    fdl_tier_window(t, day, &start, &end);
    return end;
}

int64_t fdl_tier_review_day(const struct fdl_tier_def *t, int64_t day)
{
    check_def(t);
    int64_t end = period_end(t, day);
    int64_t review = add_months_to_day(end, t->grace_months);
    assert(review > day && review >= end);
    return review;
}

void fdl_tier_reviewed_window(const struct fdl_tier_def *t, int64_t day,
                              int64_t *start_day, int64_t *end_day)
{
    check_def(t);
    int64_t end = period_end(t, day);
    assert(end > day);
    fdl_tier_window(t, end - 1, start_day, end_day);
    assert(*end_day == end);
}

const char *fdl_tier_basis_name(enum fdl_tier_basis basis)
{
    switch (basis) {
    case FDL_TIER_BASIS_SPEND:
        return "spend";
    case FDL_TIER_BASIS_POINTS:
        return "points";
    case FDL_TIER_BASIS_VISITS:
        return "visits";
    }
    return "?";
}

const char *fdl_tier_window_name(enum fdl_tier_window window)
{
    switch (window) {
    case FDL_TIER_WINDOW_CALENDAR_YEAR:
        return "calendar-year";
    case FDL_TIER_WINDOW_ROLLING:
        return "rolling";
    }
    return "?";
}

const char *fdl_tier_downgrade_name(enum fdl_tier_downgrade downgrade)
{
    switch (downgrade) {
    case FDL_TIER_DOWNGRADE_ONE_LEVEL:
        return "one-level";
    case FDL_TIER_DOWNGRADE_TO_QUALIFIED:
        return "to-qualified";
    }
    return "?";
}
