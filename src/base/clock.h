/*
 * clock.h - time for Fidelis: whole seconds since the Unix epoch, UTC.
 *
 * Storage is UTC seconds, the wire is RFC 3339. The process clock can be
 * pinned (fdl_clock_set) so tests can move time forward without sleeping;
 * the server only allows that with --test-clock. Civil-date arithmetic here
 * is proleptic Gregorian and pure; time zones live in base/tz.h.
 */
#ifndef FDL_CLOCK_H
#define FDL_CLOCK_H

#include <stdint.h>

#define FDL_TIME_TEXT_MAX 32 /* "YYYY-MM-DDTHH:MM:SSZ" plus room */

/* Current time: the pinned time if one is set, else the system clock. Thread-safe. */
int64_t fdl_clock_now_s(void);

/* Pins the clock at now_s (0 unpins it). Thread-safe. */
void fdl_clock_set(int64_t now_s);

/* Monotonic nanoseconds, for measuring latency. */
uint64_t fdl_clock_mono_ns(void);

/* Days since 1970-01-01 of the civil date y-m-d (m 1..12, d 1..31). */
int64_t fdl_days_from_civil(int64_t y, int m, int d);

/* Civil date of day number days (inverse of fdl_days_from_civil). */
void fdl_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* Days in month m of year y. */
int fdl_days_in_month(int64_t y, int m);

/* The date months after y-m-d, the day clamped to the month's last day
 * (2026-01-31 + 1 month = 2026-02-28). months may be negative. */
void fdl_add_months(int64_t *y, int *m, int *d, int months);

/*
 * Parses an RFC 3339 timestamp ("2026-11-23T18:30:00Z", "...+01:00", with
 * optional fraction, which is truncated) into UTC seconds. Returns 0, or -1
 * if text is not a valid timestamp (out untouched).
 */
int fdl_time_parse(const char *text, int64_t *out_s);

/* Parses a date "YYYY-MM-DD" into a day number. Returns 0 or -1. */
int fdl_date_parse(const char *text, int64_t *out_days);

/* Writes t_s as "YYYY-MM-DDTHH:MM:SSZ" into out (FDL_TIME_TEXT_MAX bytes). */
void fdl_time_format(int64_t t_s, char out[FDL_TIME_TEXT_MAX]);

/* Writes day number days as "YYYY-MM-DD" into out (at least 16 bytes). */
void fdl_date_format(int64_t days, char out[16]);

#endif
