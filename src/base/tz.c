/*
 * tz.c - TZif (RFC 8536) loading and pure offset arithmetic.
 *
 * Loading reads the whole file (at most FDL_TZ_FILE_MAX_BYTES) into memory,
 * checks every count against the bytes actually present before touching
 * them, and resolves each transition to the UTC offset it starts. Version 1
 * files are read from their 32-bit block; version 2+ files from the 64-bit
 * block plus the footer TZ string, which governs every instant at or after
 * the last transition. Queries only read the loaded zone, so they are pure
 * and thread-safe.
 *
 * Invariants of a loaded zone: transition_times_s is strictly ascending and
 * every offset, in the table or the rule, lies in
 * [TZ_OFFSET_MIN_S, TZ_OFFSET_MAX_S].
 */
#include "base/tz.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TZ_FIELD            "time_zone"
#define TZ_OFFSET_MIN_S     (-89999)           /* RFC 8536: more than -25 hours */
#define TZ_OFFSET_MAX_S     93599              /* RFC 8536: less than 26 hours */
#define TZ_RULE_LIMIT_S     ((int64_t)1 << 60) /* clamp for rule arithmetic */
#define TZ_LOCAL_LIMIT_S    ((int64_t)1 << 59) /* clamp for local_to_utc */
#define TZ_HEADER_BYTES     44
#define TZ_TYPE_MAX         256
#define TZ_FOOTER_MAX_BYTES 128
#define TZ_ABBREVIATION_MAX 32
#define TZ_PATH_MAX_BYTES   4096
#define TZ_SCAN_MAX_CHANGES 64
#define TZ_DAY_S            86400
#define TZ_HOUR_S           3600

enum tz_date_kind {
    TZ_DATE_JULIAN_NO_LEAP, /* Jn: 1..365, February 29 never counted */
    TZ_DATE_JULIAN,         /* n: 0..365, February 29 counted */
    TZ_DATE_MONTH_WEEK_DAY, /* Mm.w.d: weekday d of week w (5 = last) of month m */
};

/* When a POSIX rule switches, as a local time of the offset it switches from. */
struct tz_rule_date {
    enum tz_date_kind kind;
    int day;        /* Jn: 1..365; n: 0..365; Mm.w.d: weekday 0..6, Sunday 0 */
    int week;       /* Mm.w.d only: 1..5 */
    int month;      /* Mm.w.d only: 1..12 */
    int32_t time_s; /* after local midnight, -167h..167h (RFC 8536) */
};

/* A footer TZ string such as "CET-1CEST,M3.5.0,M10.5.0/3". */
struct tz_rule {
    int32_t std_offset_s; /* local = utc + offset: the POSIX sign flipped */
    int32_t dst_offset_s;
    bool has_dst;
    struct tz_rule_date start; /* into DST, in standard local time */
    struct tz_rule_date end;   /* out of DST, in DST local time */
};

struct fdl_tz {
    char name[FDL_TZ_NAME_MAX + 1];
    uint32_t transition_count;
    int64_t *transition_times_s;   /* strictly ascending */
    int32_t *transition_offsets_s; /* in force from transition i until i + 1 */
    int32_t initial_offset_s;      /* before the first transition: type 0 */
    bool has_rule;                 /* the footer governs after the last transition */
    struct tz_rule rule;
};

/* The counts of one TZif header. */
struct tzif_header {
    int version; /* 1, 2, 3, ... */
    uint32_t isut_count;
    uint32_t isstd_count;
    uint32_t leap_count;
    uint32_t time_count;
    uint32_t type_count;
    uint32_t char_count;
};

/* ---- civil-date arithmetic (proleptic Gregorian, after Howard Hinnant) ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
    assert(b > 0);
    int64_t q = a / b;
    return (a % b < 0) ? q - 1 : q;
}

static int64_t clamp_s(int64_t t, int64_t limit)
{
    return t < -limit ? -limit : (t > limit ? limit : t);
}

/* Days since 1970-01-01 of year-month-day. */
static int64_t days_from_civil(int64_t year, int month, int day)
{
    assert(month >= 1 && month <= 12 && day >= 1 && day <= 31);
    year -= month <= 2;
    int64_t era = floor_div(year, 400);
    int64_t year_of_era = year - era * 400;
    int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    int64_t day_of_era =
        year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

/* The year of days since 1970-01-01. */
static int64_t year_from_days(int64_t days)
{
    days += 719468;
    int64_t era = floor_div(days, 146097);
    int64_t day_of_era = days - era * 146097;
    int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year =
        day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t march_month = (5 * day_of_year + 2) / 153; /* 0 = March */
    return year_of_era + era * 400 + (march_month >= 10);
}

static bool is_leap_year(int64_t year)
{
    return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

/* 0 = Sunday; 1970-01-01 was a Thursday. */
static int weekday_from_days(int64_t days)
{
    return (int)((days % 7 + 7 + 4) % 7);
}

/* ---- POSIX TZ rules (the footer) ---- */

static int64_t month_week_day(const struct tz_rule_date *date, int64_t year)
{
    int64_t first = days_from_civil(year, date->month, 1);
    int64_t next_month = date->month == 12 ? days_from_civil(year + 1, 1, 1)
                                           : days_from_civil(year, date->month + 1, 1);
    int64_t day =
        first + (date->day - weekday_from_days(first) + 7) % 7 + 7 * (date->week - 1);
    if (day >= next_month) /* week 5 means the last such weekday */
        day -= 7;
    assert(day >= first && day < next_month);
    return day;
}

/* Days since 1970-01-01 of the local date on which date falls in year. */
static int64_t rule_date_days(const struct tz_rule_date *date, int64_t year)
{
    int64_t jan1 = days_from_civil(year, 1, 1);
    switch (date->kind) {
    case TZ_DATE_JULIAN_NO_LEAP:
        return jan1 + date->day - 1 + (is_leap_year(year) && date->day >= 60);
    case TZ_DATE_JULIAN:
        return jan1 + date->day;
    case TZ_DATE_MONTH_WEEK_DAY:
        return month_week_day(date, year);
    }
    assert(!"unknown rule date kind");
    return jan1;
}

/* The instants at which rule enters and leaves DST in year. */
static void rule_changes_s(const struct tz_rule *rule, int64_t year, int64_t *start_s,
                           int64_t *end_s)
{
    *start_s = rule_date_days(&rule->start, year) * TZ_DAY_S + rule->start.time_s -
               rule->std_offset_s;
    *end_s = rule_date_days(&rule->end, year) * TZ_DAY_S + rule->end.time_s -
             rule->dst_offset_s;
}

/* The year, on the standard local clock, of utc_s (already clamped). */
static int64_t rule_year(const struct tz_rule *rule, int64_t utc_s)
{
    return year_from_days(floor_div(utc_s + rule->std_offset_s, TZ_DAY_S));
}

/*
 * The offset of the latest change at or before utc_s. Changes may spill into
 * neighbouring years (times up to 167 hours), so four years are examined; on
 * a tie the later year's change wins, which keeps "DST all year" rules
 * (end of one year == start of the next) in DST.
 */
static int32_t rule_offset_s(const struct tz_rule *rule, int64_t utc_s)
{
    if (!rule->has_dst)
        return rule->std_offset_s;
    int64_t t = clamp_s(utc_s, TZ_RULE_LIMIT_S);
    int64_t year = rule_year(rule, t);
    int64_t latest_s = INT64_MIN;
    int32_t offset_s = rule->std_offset_s;
    for (int64_t y = year - 2; y <= year + 1; y++) {
        int64_t start_s, end_s;
        rule_changes_s(rule, y, &start_s, &end_s);
        if (start_s <= t && start_s >= latest_s) {
            latest_s = start_s;
            offset_s = rule->dst_offset_s;
        }
        if (end_s <= t && end_s >= latest_s) {
            latest_s = end_s;
            offset_s = rule->std_offset_s;
        }
    }
    assert(latest_s != INT64_MIN);
    return offset_s;
}

/* The first rule change strictly after utc_s, or INT64_MAX. */
static int64_t rule_next_change_s(const struct tz_rule *rule, int64_t utc_s)
{
    if (!rule->has_dst)
        return INT64_MAX;
    int64_t year = rule_year(rule, clamp_s(utc_s, TZ_RULE_LIMIT_S));
    int64_t next_s = INT64_MAX;
    for (int64_t y = year - 1; y <= year + 2; y++) {
        int64_t start_s, end_s;
        rule_changes_s(rule, y, &start_s, &end_s);
        if (start_s > utc_s && start_s < next_s)
            next_s = start_s;
        if (end_s > utc_s && end_s < next_s)
            next_s = end_s;
    }
    return next_s;
}

/* ---- POSIX TZ string parsing ---- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Reads 1..max_digits decimal digits in [min, max]. */
static bool parse_number(const char **p, int max_digits, int min, int max, int *value)
{
    const char *s = *p;
    int v = 0, digits = 0;
    while (is_digit(*s) && digits < max_digits) {
        v = v * 10 + (*s++ - '0');
        digits++;
    }
    if (digits == 0 || is_digit(*s) || v < min || v > max)
        return false;
    *value = v;
    *p = s;
    return true;
}

/* An abbreviation: three or more letters, or <...> of letters, digits, + and -. */
static bool parse_abbreviation(const char **p)
{
    const char *s = *p;
    int length = 0;
    if (*s == '<') {
        s++;
        while (is_alpha(*s) || is_digit(*s) || *s == '+' || *s == '-') {
            s++;
            length++;
        }
        if (*s++ != '>')
            return false;
    } else {
        while (is_alpha(*s)) {
            s++;
            length++;
        }
    }
    if (length < 3 || length > TZ_ABBREVIATION_MAX)
        return false;
    *p = s;
    return true;
}

/* [+-]hh[:mm[:ss]] with hh <= max_hours, as signed seconds. */
static bool parse_hms(const char **p, int max_hours, int32_t *seconds)
{
    const char *s = *p;
    int sign = 1, hours = 0, minutes = 0, secs = 0;
    if (*s == '+' || *s == '-')
        sign = *s++ == '-' ? -1 : 1;
    if (!parse_number(&s, 3, 0, max_hours, &hours))
        return false;
    if (*s == ':') {
        s++;
        if (!parse_number(&s, 2, 0, 59, &minutes))
            return false;
        if (*s == ':') {
            s++;
            if (!parse_number(&s, 2, 0, 59, &secs))
                return false;
        }
    }
    *seconds = sign * (hours * TZ_HOUR_S + minutes * 60 + secs);
    *p = s;
    return true;
}

/* Jn, n or Mm.w.d, then an optional /time (default 02:00). */
static bool parse_rule_date(const char **p, struct tz_rule_date *date)
{
    const char *s = *p;
    memset(date, 0, sizeof(*date));
    if (*s == 'J') {
        s++;
        date->kind = TZ_DATE_JULIAN_NO_LEAP;
        if (!parse_number(&s, 3, 1, 365, &date->day))
            return false;
    } else if (*s == 'M') {
        s++;
        date->kind = TZ_DATE_MONTH_WEEK_DAY;
        if (!parse_number(&s, 2, 1, 12, &date->month) || *s++ != '.' ||
            !parse_number(&s, 1, 1, 5, &date->week) || *s++ != '.' ||
            !parse_number(&s, 1, 0, 6, &date->day))
            return false;
    } else {
        date->kind = TZ_DATE_JULIAN;
        if (!parse_number(&s, 3, 0, 365, &date->day))
            return false;
    }
    date->time_s = 2 * TZ_HOUR_S;
    if (*s == '/') {
        s++;
        if (!parse_hms(&s, 167, &date->time_s))
            return false;
    }
    *p = s;
    return true;
}

/* Parses the NUL-terminated TZ string s; returns NULL or why it is rejected. */
static const char *rule_parse(const char *s, struct tz_rule *rule)
{
    int32_t posix_s;
    memset(rule, 0, sizeof(*rule));
    if (!parse_abbreviation(&s) || !parse_hms(&s, 24, &posix_s))
        return "bad standard time in footer";
    rule->std_offset_s = -posix_s;
    if (*s == '\0')
        return NULL;
    if (!parse_abbreviation(&s))
        return "bad DST name in footer";
    rule->dst_offset_s = rule->std_offset_s + TZ_HOUR_S;
    if (*s != ',' && *s != '\0') {
        if (!parse_hms(&s, 24, &posix_s))
            return "bad DST offset in footer";
        rule->dst_offset_s = -posix_s;
    }
    if (*s++ != ',')
        return "footer has DST but no rule";
    if (!parse_rule_date(&s, &rule->start) || *s++ != ',' ||
        !parse_rule_date(&s, &rule->end) || *s != '\0')
        return "bad DST rule in footer";
    rule->has_dst = true;
    return NULL;
}

/* ---- TZif parsing ---- */

static uint32_t read_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t read_be64(const uint8_t *p)
{
    uint64_t v = (uint64_t)read_be32(p) << 32 | read_be32(p + 4);
    int64_t s;
    memcpy(&s, &v,
           sizeof(s)); /* two's complement, without implementation-defined casts */
    return s;
}

static int64_t read_time(const uint8_t *p, unsigned time_bytes)
{
    return time_bytes == 8 ? read_be64(p) : (int64_t)(int32_t)read_be32(p);
}

static const char *header_parse(const uint8_t *data, size_t length, struct tzif_header *h)
{
    if (length < TZ_HEADER_BYTES)
        return "truncated header";
    if (memcmp(data, "TZif", 4) != 0)
        return "not a TZif file";
    if (data[4] == 0)
        h->version = 1;
    else if (data[4] >= '2' && data[4] <= '9')
        h->version = data[4] - '0';
    else
        return "unknown TZif version";
    h->isut_count = read_be32(data + 20);
    h->isstd_count = read_be32(data + 24);
    h->leap_count = read_be32(data + 28);
    h->time_count = read_be32(data + 32);
    h->type_count = read_be32(data + 36);
    h->char_count = read_be32(data + 40);
    if (h->type_count == 0 || h->type_count > TZ_TYPE_MAX || h->char_count == 0)
        return "bad type or character count";
    if ((h->isut_count != 0 && h->isut_count != h->type_count) ||
        (h->isstd_count != 0 && h->isstd_count != h->type_count))
        return "bad indicator count";
    return NULL;
}

/* Bytes of the data block after h; no overflow, every factor is below 2^32. */
static uint64_t block_bytes(const struct tzif_header *h, unsigned time_bytes)
{
    return (uint64_t)h->time_count * (time_bytes + 1) + (uint64_t)h->type_count * 6 +
           h->char_count + (uint64_t)h->leap_count * (time_bytes + 4) + h->isstd_count +
           h->isut_count;
}

/* Validates the local time types and stores their offsets. */
static const char *types_parse(const struct tzif_header *h, const uint8_t *types,
                               int32_t *offsets_s)
{
    for (uint32_t i = 0; i < h->type_count; i++) {
        const uint8_t *info = types + 6 * (size_t)i;
        int32_t offset_s = (int32_t)read_be32(info);
        if (offset_s < TZ_OFFSET_MIN_S || offset_s > TZ_OFFSET_MAX_S)
            return "UTC offset out of range";
        if (info[4] > 1 || info[5] >= h->char_count)
            return "bad local time type";
        offsets_s[i] = offset_s;
    }
    return NULL;
}

static bool flags_valid(const uint8_t *flags, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++)
        if (flags[i] > 1)
            return false;
    return true;
}

/* Reads the transitions into tz, resolving each to its offset. */
static int transitions_parse(struct fdl_tz *tz, const struct tzif_header *h,
                             const uint8_t *block, unsigned time_bytes,
                             const int32_t *type_offsets_s, const char **why)
{
    uint32_t count = h->time_count;
    const uint8_t *indices = block + (size_t)count * time_bytes;
    if (count == 0)
        return 0;
    tz->transition_times_s = malloc(count * sizeof(int64_t));
    tz->transition_offsets_s = malloc(count * sizeof(int32_t));
    if (!tz->transition_times_s || !tz->transition_offsets_s) {
        *why = "out of memory";
        return FDL_ENOMEM;
    }
    for (uint32_t i = 0; i < count; i++) {
        int64_t time_s = read_time(block + (size_t)i * time_bytes, time_bytes);
        if (i > 0 && time_s <= tz->transition_times_s[i - 1]) {
            *why = "transition times not ascending";
            return FDL_EINVALID;
        }
        if (indices[i] >= h->type_count) {
            *why = "transition to an unknown type";
            return FDL_EINVALID;
        }
        tz->transition_times_s[i] = time_s;
        tz->transition_offsets_s[i] = type_offsets_s[indices[i]];
    }
    tz->transition_count = count;
    return 0;
}

/* Parses one data block (block_bytes(h) bytes, already checked present). */
static int block_parse(struct fdl_tz *tz, const struct tzif_header *h,
                       const uint8_t *block, unsigned time_bytes, const char **why)
{
    int32_t type_offsets_s[TZ_TYPE_MAX];
    const uint8_t *types = block + (size_t)h->time_count * (time_bytes + 1);
    const uint8_t *flags = types + 6 * (size_t)h->type_count + h->char_count;
    assert(h->type_count >= 1 && h->type_count <= TZ_TYPE_MAX);
    if (h->leap_count != 0) {
        *why = "leap-second zones are not supported";
        return FDL_EINVALID;
    }
    if ((*why = types_parse(h, types, type_offsets_s)) != NULL)
        return FDL_EINVALID;
    if (!flags_valid(flags, h->isstd_count + h->isut_count)) {
        *why = "bad standard/UT indicator";
        return FDL_EINVALID;
    }
    tz->initial_offset_s = type_offsets_s[0];
    return transitions_parse(tz, h, block, time_bytes, type_offsets_s, why);
}

/* The footer: '\n', a TZ string (possibly empty), '\n'. */
static const char *footer_parse(struct fdl_tz *tz, const uint8_t *data, size_t length)
{
    char text[TZ_FOOTER_MAX_BYTES + 1];
    if (length < 2 || data[0] != '\n')
        return "missing footer";
    const uint8_t *newline = memchr(data + 1, '\n', length - 1);
    if (!newline)
        return "unterminated footer";
    size_t text_bytes = (size_t)(newline - (data + 1));
    if (text_bytes == 0)
        return NULL;
    if (text_bytes > TZ_FOOTER_MAX_BYTES)
        return "footer too long";
    if (memchr(data + 1, '\0', text_bytes))
        return "NUL in footer";
    memcpy(text, data + 1, text_bytes);
    text[text_bytes] = '\0';
    const char *why = rule_parse(text, &tz->rule);
    tz->has_rule = why == NULL;
    return why;
}

static int tzif_parse(struct fdl_tz *tz, const uint8_t *data, size_t length,
                      const char **why)
{
    struct tzif_header h;
    if ((*why = header_parse(data, length, &h)) != NULL)
        return FDL_EINVALID;
    size_t at = TZ_HEADER_BYTES;
    uint64_t bytes = block_bytes(&h, 4);
    if (bytes > length - at) {
        *why = "truncated data";
        return FDL_EINVALID;
    }
    if (h.version == 1)
        return block_parse(tz, &h, data + at, 4, why);
    at += (size_t)bytes;
    if ((*why = header_parse(data + at, length - at, &h)) != NULL)
        return FDL_EINVALID;
    at += TZ_HEADER_BYTES;
    bytes = block_bytes(&h, 8);
    if (h.version < 2 || bytes > length - at) {
        *why = "truncated or bad 64-bit data";
        return FDL_EINVALID;
    }
    int rc = block_parse(tz, &h, data + at, 8, why);
    if (rc != 0)
        return rc;
    at += (size_t)bytes;
    return (*why = footer_parse(tz, data + at, length - at)) != NULL ? FDL_EINVALID : 0;
}

/* ---- loading ---- */

static bool name_valid(const char *name)
{
    size_t length = strnlen(name, FDL_TZ_NAME_MAX + 1);
    if (length == 0 || length > FDL_TZ_NAME_MAX || name[0] == '/' || strstr(name, ".."))
        return false;
    for (size_t i = 0; i < length; i++) {
        char c = name[i];
        if (!is_alpha(c) && !is_digit(c) && c != '_' && c != '+' && c != '-' && c != '/')
            return false;
    }
    return true;
}

/* Reads the regular file at path, at most FDL_TZ_FILE_MAX_BYTES. */
static int file_read(const char *path, uint8_t **data_out, size_t *length_out,
                     const char **why)
{
    struct stat st;
    uint8_t *data = NULL;
    size_t length = 0;
    int rc = FDL_ENOT_FOUND;
    *why = "no such time zone";
    /* O_NONBLOCK so a FIFO planted in TZDIR cannot hang us; no effect on files. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return rc;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        goto done;
    rc = FDL_EINVALID;
    *why = "file too large";
    if (st.st_size > FDL_TZ_FILE_MAX_BYTES)
        goto done;
    size_t capacity = (size_t)st.st_size;
    rc = FDL_ENOMEM;
    *why = "out of memory";
    if (!(data = malloc(capacity ? capacity : 1)))
        goto done;
    while (length < capacity) {
        ssize_t n = read(fd, data + length, capacity - length);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        length += (size_t)n;
    }
    rc = 0;
    *data_out = data;
    *length_out = length;
    data = NULL;
done:
    free(data);
    close(fd);
    return rc;
}

static int zone_read(struct fdl_tz *tz, const char *name, const char **why)
{
    char path[TZ_PATH_MAX_BYTES];
    const char *dir = getenv("TZDIR");
    if (!dir || !*dir)
        dir = FDL_TZ_DEFAULT_DIR;
    int n = snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        *why = "TZDIR too long";
        return FDL_ENOT_FOUND;
    }
    uint8_t *data = NULL;
    size_t length = 0;
    int rc = file_read(path, &data, &length, why);
    if (rc == 0)
        rc = tzif_parse(tz, data, length, why);
    free(data);
    return rc;
}

static bool is_builtin_utc(const char *name)
{
    return strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0;
}

int fdl_tz_load(const char *name, struct fdl_tz **out, struct fdl_error *err)
{
    assert(name != NULL);
    assert(out != NULL);
    if (!name_valid(name))
        return fdl_error_set(err, FDL_EINVALID, TZ_FIELD,
                             "\"%.*s\" is not a valid time zone name", FDL_TZ_NAME_MAX,
                             name);
    struct fdl_tz *tz = calloc(1, sizeof(*tz));
    if (!tz)
        return fdl_error_set(err, FDL_ENOMEM, TZ_FIELD,
                             "out of memory loading time zone");
    memcpy(tz->name, name, strlen(name) + 1); /* name_valid bounded the length */
    const char *why = NULL;
    int rc = is_builtin_utc(name) ? 0 : zone_read(tz, name, &why);
    if (rc != 0) {
        fdl_tz_free(tz);
        return fdl_error_set(err, rc, TZ_FIELD, "time zone \"%s\": %s", name, why);
    }
    *out = tz;
    return 0;
}

void fdl_tz_free(struct fdl_tz *tz)
{
    if (!tz)
        return;
    free(tz->transition_times_s);
    free(tz->transition_offsets_s);
    free(tz);
}

const char *fdl_tz_name(const struct fdl_tz *tz)
{
    assert(tz != NULL);
    return tz->name;
}

/* ---- queries ---- */

/* The last transition at or before utc_s; needs times[0] <= utc_s < times[last]. */
static uint32_t transition_index(const struct fdl_tz *tz, int64_t utc_s)
{
    uint32_t low = 0, high = tz->transition_count - 1;
    assert(tz->transition_times_s[low] <= utc_s && utc_s < tz->transition_times_s[high]);
    while (high - low > 1) {
        uint32_t mid = low + (high - low) / 2;
        if (tz->transition_times_s[mid] <= utc_s)
            low = mid;
        else
            high = mid;
    }
    return low;
}

/* True when utc_s is governed by the footer rule or the last table entry. */
static bool after_table(const struct fdl_tz *tz, int64_t utc_s)
{
    uint32_t count = tz->transition_count;
    return count == 0 || utc_s >= tz->transition_times_s[count - 1];
}

int32_t fdl_tz_offset_s(const struct fdl_tz *tz, int64_t utc_s)
{
    assert(tz != NULL);
    uint32_t count = tz->transition_count;
    if (after_table(tz, utc_s)) {
        if (tz->has_rule)
            return rule_offset_s(&tz->rule, utc_s);
        return count == 0 ? tz->initial_offset_s : tz->transition_offsets_s[count - 1];
    }
    if (utc_s < tz->transition_times_s[0])
        return tz->initial_offset_s;
    return tz->transition_offsets_s[transition_index(tz, utc_s)];
}

/* The first instant after utc_s at which the offset may change, or INT64_MAX. */
static int64_t next_change_s(const struct fdl_tz *tz, int64_t utc_s)
{
    if (after_table(tz, utc_s))
        return tz->has_rule ? rule_next_change_s(&tz->rule, utc_s) : INT64_MAX;
    if (utc_s < tz->transition_times_s[0])
        return tz->transition_times_s[0];
    return tz->transition_times_s[transition_index(tz, utc_s) + 1];
}

/*
 * Every solution u of u + offset(u) == local_s lies in
 * [local_s - TZ_OFFSET_MAX_S, local_s - TZ_OFFSET_MIN_S], so walk the spans
 * of constant offset through that window in order: the first span that
 * contains its candidate local_s - offset gives the earliest solution. If
 * none does, local_s is in a gap, and the last span whose wall-clock range
 * lies wholly before local_s is the one in force before the gap.
 */
int64_t fdl_tz_local_to_utc(const struct fdl_tz *tz, int64_t local_s)
{
    assert(tz != NULL);
    local_s = clamp_s(local_s, TZ_LOCAL_LIMIT_S);
    int64_t span_s = local_s - TZ_OFFSET_MAX_S;
    int64_t last_s = local_s - TZ_OFFSET_MIN_S;
    int32_t before_s = fdl_tz_offset_s(tz, span_s);
    for (int i = 0; i < TZ_SCAN_MAX_CHANGES && span_s <= last_s; i++) {
        int32_t offset_s = fdl_tz_offset_s(tz, span_s);
        int64_t span_end_s = next_change_s(tz, span_s);
        int64_t candidate_s = local_s - offset_s;
        assert(span_end_s > span_s);
        if (candidate_s >= span_s && candidate_s < span_end_s)
            return candidate_s;
        if (candidate_s >= span_end_s) /* the whole span reads earlier than local_s */
            before_s = offset_s;
        span_s = span_end_s;
    }
    return local_s - before_s;
}
