/* clock.c - system and pinned clocks, civil dates, RFC 3339. */
#include "base/clock.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static _Atomic int64_t clock_pinned_s;

int64_t fdl_clock_now_s(void)
{
    int64_t pinned = atomic_load(&clock_pinned_s);
    if (pinned)
        return pinned;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

void fdl_clock_set(int64_t now_s)
{
    atomic_store(&clock_pinned_s, now_s);
}

uint64_t fdl_clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Howard Hinnant's algorithms, valid over the whole int64 range we use. */
int64_t fdl_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void fdl_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int fdl_days_in_month(int64_t y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 ? 28 + leap : days[m - 1];
}

void fdl_add_months(int64_t *y, int *m, int *d, int months)
{
    int64_t index = *y * 12 + (*m - 1) + months;
    int64_t year = index >= 0 ? index / 12 : (index - 11) / 12;
    *y = year;
    *m = (int)(index - year * 12) + 1;
    int last = fdl_days_in_month(*y, *m);
    if (*d > last)
        *d = last;
}

static int parse_digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int parse_date_part(const char *s, int *y, int *m, int *d)
{
    if (parse_digits(s, 4, y) || s[4] != '-' || parse_digits(s + 5, 2, m) ||
        s[7] != '-' || parse_digits(s + 8, 2, d))
        return -1;
    if (*y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > fdl_days_in_month(*y, *m))
        return -1;
    return 0;
}

int fdl_date_parse(const char *text, int64_t *out_days)
{
    int y, m, d;
    if (!text || strlen(text) != 10 || parse_date_part(text, &y, &m, &d))
        return -1;
    *out_days = fdl_days_from_civil(y, m, d);
    return 0;
}

int fdl_time_parse(const char *text, int64_t *out_s)
{
    int y, mo, d, h, mi, s;
    if (!text || strlen(text) < 20 || strlen(text) > 40)
        return -1;
    if (parse_date_part(text, &y, &mo, &d))
        return -1;
    if ((text[10] != 'T' && text[10] != 't') || parse_digits(text + 11, 2, &h) ||
        text[13] != ':' || parse_digits(text + 14, 2, &mi) || text[16] != ':' ||
        parse_digits(text + 17, 2, &s))
        return -1;
    if (h > 23 || mi > 59 || s > 59) /* leap seconds are not representable here */
        return -1;
    const char *p = text + 19;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    int offset_s = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (parse_digits(p + 1, 2, &oh) || p[3] != ':' || parse_digits(p + 4, 2, &om) ||
            oh > 23 || om > 59)
            return -1;
        offset_s = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return -1;
    }
    if (*p)
        return -1;
    *out_s = fdl_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset_s;
    return 0;
}

void fdl_time_format(int64_t t_s, char out[FDL_TIME_TEXT_MAX])
{
    int64_t days = t_s >= 0 ? t_s / 86400 : (t_s - 86399) / 86400;
    int64_t rem = t_s - days * 86400;
    int64_t y;
    int m, d;
    fdl_civil_from_days(days, &y, &m, &d);
    snprintf(out, FDL_TIME_TEXT_MAX, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)y, m,
             d, (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
}

void fdl_date_format(int64_t days, char out[16])
{
    int64_t y;
    int m, d;
    fdl_civil_from_days(days, &y, &m, &d);
    snprintf(out, 16, "%04lld-%02d-%02d", (long long)y, m, d);
}
