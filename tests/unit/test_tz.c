/*
 * test_tz.c - time zones: offsets, local-to-UTC, names, and hostile files.
 *
 * Expected values were taken from `zdump -v` and python3 zoneinfo on the
 * tzdata of the build machine, not from memory. Tests that need system
 * tzdata use $TZDIR as found at start (or /usr/share/zoneinfo); tests of
 * hostile files point TZDIR at a private temporary directory.
 */
#include "base/tz.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static char system_tzdir[4096];
static char temp_tzdir[64];

static void use_system_tzdir(void)
{
    setenv("TZDIR", system_tzdir, 1);
}

static void use_temp_tzdir(void)
{
    setenv("TZDIR", temp_tzdir, 1);
}

static int write_file(const char *dir, const char *name, const void *data, size_t length)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t written = fwrite(data, 1, length, f);
    return (fclose(f) == 0 && written == length) ? 0 : -1;
}

/* Reads a system zone file into buf; returns its length or 0. */
static size_t read_system_zone(const char *name, uint8_t *buf, size_t capacity)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/%s", system_tzdir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t length = fread(buf, 1, capacity, f);
    fclose(f);
    return length;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* A TZif header: version byte and the six counts. */
static size_t put_header(uint8_t *p, uint8_t version, uint32_t time_count,
                         uint32_t type_count, uint32_t char_count)
{
    memset(p, 0, 44);
    memcpy(p, "TZif", 4);
    p[4] = version;
    put_be32(p + 32, time_count);
    put_be32(p + 36, type_count);
    put_be32(p + 40, char_count);
    return 44;
}

/* A version 2 TZif file with no transitions, one type and the given footer. */
static size_t build_footer_zone(uint8_t *buf, int32_t offset_s, const char *footer)
{
    size_t at = 0;
    for (int pass = 0; pass < 2; pass++) {
        at += put_header(buf + at, '2', 0, 1, 4);
        put_be32(buf + at, (uint32_t)offset_s);
        buf[at + 4] = 0;
        buf[at + 5] = 0;
        memcpy(buf + at + 6, "ABC", 4);
        at += 10;
    }
    buf[at++] = '\n';
    memcpy(buf + at, footer, strlen(footer));
    at += strlen(footer);
    buf[at++] = '\n';
    return at;
}

static int load_bytes(const void *data, size_t length, struct fdl_tz **out)
{
    struct fdl_error err = {0};
    if (write_file(temp_tzdir, "Test/Zone", data, length) != 0)
        return -1000;
    use_temp_tzdir();
    int rc = fdl_tz_load("Test/Zone", out, &err);
    use_system_tzdir();
    return rc;
}

/* Loads a hostile file and, if it is accepted, exercises every query. */
static int load_hostile(const void *data, size_t length)
{
    struct fdl_tz *tz = NULL;
    int rc = load_bytes(data, length, &tz);
    if (rc == 0) {
        static const int64_t probes[] = {INT64_MIN,  -1,         0,
                                         1774746000, 4109878800, INT64_MAX};
        for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
            (void)fdl_tz_offset_s(tz, probes[i]);
            (void)fdl_tz_local_to_utc(tz, probes[i]);
        }
        fdl_tz_free(tz);
    }
    return rc;
}

struct offset_case {
    int64_t utc_s;
    int32_t offset_s;
};

/* Checks offsets of zone at each case; returns the failing index or -1. */
static int offsets_match(const struct fdl_tz *tz, const struct offset_case *cases,
                         size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fdl_tz_offset_s(tz, cases[i].utc_s) != cases[i].offset_s) {
            fprintf(stderr, "  %s at %" PRId64 ": got %d, expected %d\n", fdl_tz_name(tz),
                    cases[i].utc_s, fdl_tz_offset_s(tz, cases[i].utc_s),
                    cases[i].offset_s);
            return (int)i;
        }
    return -1;
}

#define OFFSETS_MATCH(tz, cases)                                                         \
    CHECK(offsets_match((tz), (cases), sizeof(cases) / sizeof((cases)[0])) < 0)

static void test_utc_is_builtin_and_needs_no_tzdata(void)
{
    struct fdl_tz *tz = NULL;
    use_temp_tzdir(); /* holds no UTC file */
    CHECK_INT(fdl_tz_load("UTC", &tz, NULL), 0);
    CHECK_STR(fdl_tz_name(tz), "UTC");
    CHECK_INT(fdl_tz_offset_s(tz, INT64_MIN), 0);
    CHECK_INT(fdl_tz_offset_s(tz, 1774746000), 0);
    CHECK_INT(fdl_tz_offset_s(tz, INT64_MAX), 0);
    CHECK_INT(fdl_tz_local_to_utc(tz, 1774746000), 1774746000);
    fdl_tz_free(tz);
    tz = NULL;
    CHECK_INT(fdl_tz_load("Etc/UTC", &tz, NULL), 0);
    CHECK_STR(fdl_tz_name(tz), "Etc/UTC");
    CHECK_INT(fdl_tz_offset_s(tz, 4109878800), 0);
    fdl_tz_free(tz);
    use_system_tzdir();
    fdl_tz_free(NULL);
}

static void test_madrid_2026_winter_summer_and_exact_transitions(void)
{
    static const struct offset_case cases[] = {
        {1768435200, 3600},     /* 2026-01-15 */
        {1784073600, 7200},     /* 2026-07-15 */
        {1774746000 - 1, 3600}, /* 2026-03-29 00:59:59Z */
        {1774746000, 7200},     /* 2026-03-29 01:00:00Z, last Sunday of March */
        {1792890000 - 1, 7200}, /* 2026-10-25 00:59:59Z */
        {1792890000, 3600},     /* 2026-10-25 01:00:00Z, last Sunday of October */
    };
    struct fdl_tz *tz = NULL;
    CHECK_INT(fdl_tz_load("Europe/Madrid", &tz, NULL), 0);
    CHECK_STR(fdl_tz_name(tz), "Europe/Madrid");
    OFFSETS_MATCH(tz, cases);
    fdl_tz_free(tz);
}

static void test_madrid_2100_comes_from_the_footer_rule(void)
{
    /* The file's table ends in 2037; these are beyond it. */
    static const struct offset_case cases[] = {
        {4103654400, 3600},                             /* 2100-01-15 */
        {4119292800, 7200},                             /* 2100-07-15 */
        {4109878800 - 1, 3600},                         /* 2100-03-28 00:59:59Z */
        {4109878800, 7200},     {4128627600 - 1, 7200}, /* 2100-10-31 00:59:59Z */
        {4128627600, 3600},
    };
    struct fdl_tz *tz = NULL;
    CHECK_INT(fdl_tz_load("Europe/Madrid", &tz, NULL), 0);
    OFFSETS_MATCH(tz, cases);
    fdl_tz_free(tz);
}

static void test_new_york_2026_and_2100(void)
{
    static const struct offset_case cases[] = {
        {1768435200, -18000}, {1772953200 - 1, -18000}, /* 2026-03-08 07:00Z */
        {1772953200, -14400}, {1793512800 - 1, -14400}, /* 2026-11-01 06:00Z */
        {1793512800, -18000}, {4108690800 - 1, -18000}, /* 2100-03-14 07:00Z */
        {4108690800, -14400}, {4129250400 - 1, -14400}, /* 2100-11-07 06:00Z */
        {4129250400, -18000},
    };
    struct fdl_tz *tz = NULL;
    CHECK_INT(fdl_tz_load("America/New_York", &tz, NULL), 0);
    OFFSETS_MATCH(tz, cases);
    fdl_tz_free(tz);
}

static void test_kolkata_is_five_thirty_and_was_lmt_before_1900(void)
{
    static const struct offset_case cases[] = {
        {1768435200, 19800}, {4119292800, 19800}, {-2208988800, 19270}, /* 1900: LMT */
        {INT64_MIN, 21208},                                             /* type 0 */
        {INT64_MAX, 19800},
    };
    struct fdl_tz *tz = NULL;
    CHECK_INT(fdl_tz_load("Asia/Kolkata", &tz, NULL), 0);
    OFFSETS_MATCH(tz, cases);
    fdl_tz_free(tz);
}

static void test_moscow_has_no_dst_now_but_had_plus_four_in_2012(void)
{
    static const struct offset_case cases[] = {
        {1768435200, 10800},
        {1784073600, 10800},
        {4119292800, 10800},
        {1338508800, 14400},
    };
    struct fdl_tz *tz = NULL;
    CHECK_INT(fdl_tz_load("Europe/Moscow", &tz, NULL), 0);
    OFFSETS_MATCH(tz, cases);
    fdl_tz_free(tz);
}

static void test_lord_howe_has_thirty_minute_dst(void)
{
    static const struct offset_case cases[] = {
        {1768435200, 39600},     {1784073600, 37800},
        {1775314800 - 1, 39600},                          /* 2026-04-04 15:00Z */
        {1775314800, 37800},     {1791041400 - 1, 37800}, /* 2026-10-03 15:30Z */
        {1791041400, 39600},     {4110447600 - 1, 39600}, /* 2100-04-03 15:00Z */
        {4110447600, 37800},     {4126174200 - 1, 37800}, /* 2100-10-02 15:30Z */
        {4126174200, 39600},
    };
    struct fdl_tz *tz = NULL;
    int rc = fdl_tz_load("Australia/Lord_Howe", &tz, NULL);
    if (rc == FDL_ENOT_FOUND) {
        printf("     (Australia/Lord_Howe not installed, skipped)\n");
        return;
    }
    CHECK_INT(rc, 0);
    OFFSETS_MATCH(tz, cases);
    fdl_tz_free(tz);
}

struct local_case {
    const char *zone;
    int64_t local_s;
    int64_t utc_s;
};

static void test_local_to_utc_gap_uses_offset_before_and_overlap_takes_earlier(void)
{
    static const struct local_case cases[] = {
        {"Europe/Madrid", 1784116800, 1784109600},    /* 2026-07-15 12:00, unambiguous */
        {"Europe/Madrid", 1774751400, 1774747800},    /* 2026-03-29 02:30 gap -> 01:30Z */
        {"Europe/Madrid", 1792895400, 1792888200},    /* 2026-10-25 02:30 -> 00:30Z */
        {"Europe/Madrid", 4109884200, 4109880600},    /* 2100-03-28 02:30 gap (footer) */
        {"Europe/Madrid", 4128633000, 4128625800},    /* 2100-10-31 02:30 overlap */
        {"America/New_York", 1772937000, 1772955000}, /* 2026-03-08 02:30 gap */
        {"America/New_York", 1793496600, 1793511000}, /* 2026-11-01 01:30 overlap */
        {"Australia/Lord_Howe", 1791080100, 1791042300}, /* 2026-10-04 02:15 gap */
        {"Australia/Lord_Howe", 1775353500, 1775313900}, /* 2026-04-05 01:45 overlap */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fdl_tz *tz = NULL;
        int rc = fdl_tz_load(cases[i].zone, &tz, NULL);
        if (rc == FDL_ENOT_FOUND && strcmp(cases[i].zone, "Australia/Lord_Howe") == 0)
            continue;
        CHECK_INT(rc, 0);
        int64_t utc_s = fdl_tz_local_to_utc(tz, cases[i].local_s);
        fdl_tz_free(tz);
        if (utc_s != cases[i].utc_s)
            fprintf(stderr, "  case %zu (%s)\n", i, cases[i].zone);
        CHECK_INT(utc_s, cases[i].utc_s);
    }
}

/* For every 15 minutes of 2026 and 2100, local_to_utc inverts offset, or
 * returns the earlier instant of an overlap. */
static void test_local_to_utc_round_trips(void)
{
    static const char *const zones[] = {"Europe/Madrid", "America/New_York",
                                        "Asia/Kolkata", "Europe/Dublin",
                                        "Asia/Jerusalem"};
    static const int64_t year_starts_s[] = {1767225600, 4102444800}; /* 2026, 2100 */
    for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
        struct fdl_tz *tz = NULL;
        CHECK_INT(fdl_tz_load(zones[z], &tz, NULL), 0);
        int failures = 0;
        for (size_t y = 0; y < 2; y++)
            for (int64_t u = year_starts_s[y]; u < year_starts_s[y] + 366 * 86400;
                 u += 900) {
                int64_t local_s = u + fdl_tz_offset_s(tz, u);
                int64_t back_s = fdl_tz_local_to_utc(tz, local_s);
                if (back_s != u &&
                    !(back_s < u && back_s + fdl_tz_offset_s(tz, back_s) == local_s))
                    failures++;
            }
        fdl_tz_free(tz);
        CHECK_INT(failures, 0);
    }
}

static void check_rejected(const char *name, int code)
{
    struct fdl_error err = {0};
    struct fdl_tz *sentinel = (struct fdl_tz *)&err;
    struct fdl_tz *tz = sentinel;
    CHECK_INT(fdl_tz_load(name, &tz, &err), code);
    CHECK(tz == sentinel); /* untouched */
    CHECK_INT(err.code, code);
    CHECK_STR(err.field, "time_zone");
    CHECK(err.message[0] != '\0');
}

static void test_rejects_bad_names(void)
{
    char name65[66], name64[65];
    memset(name65, 'A', 65);
    name65[65] = '\0';
    memset(name64, 'A', 64);
    name64[64] = '\0';
    int failed_before = check_current_failed;
    check_rejected("../etc/passwd", FDL_EINVALID);
    check_rejected("Europe/../../etc/passwd", FDL_EINVALID);
    check_rejected("/etc/passwd", FDL_EINVALID);
    check_rejected("", FDL_EINVALID);
    check_rejected(name65, FDL_EINVALID);
    check_rejected("Europe/Madrid ", FDL_EINVALID);
    check_rejected("Europe\\Madrid", FDL_EINVALID);
    check_rejected("Europe/Madrid\n", FDL_EINVALID);
    check_rejected(name64, FDL_ENOT_FOUND); /* at the limit: valid, just missing */
    CHECK_INT(check_current_failed, failed_before);
}

static void test_missing_zone_is_not_found(void)
{
    int failed_before = check_current_failed;
    check_rejected("Europe/Atlantis", FDL_ENOT_FOUND);
    check_rejected("Europe", FDL_ENOT_FOUND);  /* a directory */
    check_rejected("Europe/", FDL_ENOT_FOUND); /* a directory */
    check_rejected("Mars/Olympus_Mons-1", FDL_ENOT_FOUND);
    CHECK_INT(check_current_failed, failed_before);
}

struct footer_case {
    const char *footer;
    int32_t type_offset_s;
    struct {
        int64_t at_s;
        int32_t before_s, after_s;
    } changes[4]; /* the changes of 2027 and 2028, from zdump and python3 zoneinfo */
};

static void test_footer_rule_forms(void)
{
    static const struct footer_case cases[] = {
        {"EST5EDT,M3.2.0,M11.1.0",
         -18000,
         {{1805007600, -18000, -14400},
          {1825567200, -14400, -18000},
          {1836457200, -18000, -14400},
          {1857016800, -14400, -18000}}},
        {"AAA-1BBB,J60/2,J300/3", /* Jn: March 1 even in leap years */
         3600,
         {{1803862800, 3600, 7200},
          {1824598800, 7200, 3600},
          {1835485200, 3600, 7200},
          {1856221200, 7200, 3600}}},
        {"AAA-1BBB,59/2,299/3", /* n: zero-based, February 29 in leap years (zdump;
                                   python3.11 zoneinfo is a day early here) */
         3600,
         {{1803862800, 3600, 7200},
          {1824598800, 7200, 3600},
          {1835398800, 3600, 7200},
          {1856134800, 7200, 3600}}},
        {"IST-2IDT,M3.4.4/26,M10.5.0", /* hours beyond 24 */
         7200,
         {{1806019200, 7200, 10800},
          {1824937200, 10800, 7200},
          {1837468800, 7200, 10800},
          {1856386800, 10800, 7200}}},
        {"<-04>4<-03>,M9.1.6/24,M4.1.6/24", /* southern hemisphere */
         -14400,
         {{1806807600, -10800, -14400},
          {1820116800, -14400, -10800},
          {1838257200, -10800, -14400},
          {1851566400, -14400, -10800}}},
        {"<-02>2<-01>,M3.5.0/-1,M10.5.0/0", /* negative time */
         -7200,
         {{1806195600, -7200, -3600},
          {1824944400, -3600, -7200},
          {1837645200, -7200, -3600},
          {1856394000, -3600, -7200}}},
        {"IST-1GMT0,M10.5.0,M3.5.0/1", /* negative DST (Dublin) */
         3600,
         {{1806195600, 0, 3600},
          {1824944400, 3600, 0},
          {1837645200, 0, 3600},
          {1856394000, 3600, 0}}},
        {"<+10>-10<+11>,M10.1.0/-100,M4.1.0/150", /* days of spill either way */
         36000,
         {{1807297200, 39600, 36000},
          {1822125600, 36000, 39600},
          {1838746800, 39600, 36000},
          {1853575200, 36000, 39600}}},
    };
    uint8_t buf[512];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fdl_tz *tz = NULL;
        size_t length = build_footer_zone(buf, cases[i].type_offset_s, cases[i].footer);
        if (load_bytes(buf, length, &tz) != 0)
            fprintf(stderr, "  footer \"%s\" rejected\n", cases[i].footer);
        CHECK(tz != NULL);
        int failures = 0;
        for (size_t c = 0; c < 4; c++) {
            int64_t at_s = cases[i].changes[c].at_s;
            failures += fdl_tz_offset_s(tz, at_s - 1) != cases[i].changes[c].before_s;
            failures += fdl_tz_offset_s(tz, at_s) != cases[i].changes[c].after_s;
        }
        fdl_tz_free(tz);
        if (failures)
            fprintf(stderr, "  footer \"%s\"\n", cases[i].footer);
        CHECK_INT(failures, 0);
    }
}

static void test_footer_simple_and_all_year_dst(void)
{
    uint8_t buf[512];
    struct fdl_tz *tz = NULL;
    CHECK_INT(load_bytes(buf, build_footer_zone(buf, 10800, "<+03>-3"), &tz), 0);
    CHECK_INT(fdl_tz_offset_s(tz, 0), 10800);
    CHECK_INT(fdl_tz_offset_s(tz, 4119292800), 10800);
    CHECK_INT(fdl_tz_local_to_utc(tz, 10800), 0);
    fdl_tz_free(tz);
    tz = NULL;
    /* RFC 8536 3.3.1: DST all year. */
    CHECK_INT(load_bytes(buf, build_footer_zone(buf, -18000, "EST5EDT,0/0,J365/25"), &tz),
              0);
    CHECK_INT(fdl_tz_offset_s(tz, 1830000000), -14400);
    CHECK_INT(fdl_tz_offset_s(tz, 1830297600), -14400);
    CHECK_INT(fdl_tz_offset_s(tz, 1861920000 - 1), -14400);
    CHECK_INT(fdl_tz_offset_s(tz, 1861920000), -14400);
    CHECK_INT(fdl_tz_offset_s(tz, 4000000000), -14400);
    fdl_tz_free(tz);
    tz = NULL;
    /* An empty footer: the last (here the only) type holds forever. */
    CHECK_INT(load_bytes(buf, build_footer_zone(buf, 19800, ""), &tz), 0);
    CHECK_INT(fdl_tz_offset_s(tz, 4119292800), 19800);
    fdl_tz_free(tz);
}

static void test_rejects_bad_footers(void)
{
    static const char *const footers[] = {
        "CET-1CEST",                     /* DST with no rule */
        "CET-1CEST,M3.5.0",              /* one date */
        "AB0",                           /* name too short */
        "CET-25",                        /* offset hours beyond 24 */
        "CET",                           /* no offset */
        "CET-1CEST,M13.1.0,M10.5.0",     /* month 13 */
        "CET-1CEST,M3.6.0,M10.5.0",      /* week 6 */
        "CET-1CEST,M3.5.7,M10.5.0",      /* weekday 7 */
        "CET-1CEST,M3.5.0,M10.5.0/168",  /* time beyond 167 hours */
        "CET-1CEST,J0,J365",             /* J0 */
        "CET-1CEST,366,J365",            /* day 366 */
        "UTC0 ",                         /* trailing space */
        "<UTC0",                         /* unclosed quote */
        "CET-1:60",                      /* minutes 60 */
        "CET-1CEST,M3.5.0,M10.5.0/3,J1", /* a third date */
    };
    uint8_t buf[512];
    for (size_t i = 0; i < sizeof(footers) / sizeof(footers[0]); i++) {
        struct fdl_tz *tz = NULL;
        int rc = load_bytes(buf, build_footer_zone(buf, 3600, footers[i]), &tz);
        if (rc != FDL_EINVALID)
            fprintf(stderr, "  footer \"%s\" accepted\n", footers[i]);
        CHECK_INT(rc, FDL_EINVALID);
        CHECK(tz == NULL);
    }
}

static void test_version_1_file_uses_32_bit_data(void)
{
    uint8_t buf[128];
    size_t at = put_header(buf, 0, 1, 2, 4);
    put_be32(buf + at, 1000000000); /* 2001-09-09 01:46:40Z */
    buf[at + 4] = 1;                /* to type 1 */
    at += 5;
    put_be32(buf + at, 3600);
    buf[at + 4] = 0;
    buf[at + 5] = 0;
    put_be32(buf + at + 6, 7200);
    buf[at + 10] = 1;
    buf[at + 11] = 0;
    at += 12;
    memcpy(buf + at, "ABC", 4);
    at += 4;
    struct fdl_tz *tz = NULL;
    CHECK_INT(load_bytes(buf, at, &tz), 0);
    CHECK_INT(fdl_tz_offset_s(tz, 999999999), 3600);
    CHECK_INT(fdl_tz_offset_s(tz, 1000000000), 7200);
    CHECK_INT(fdl_tz_offset_s(tz, INT64_MAX), 7200);
    fdl_tz_free(tz);
}

static void test_hostile_truncated_header_and_huge_counts(void)
{
    uint8_t buf[256];
    CHECK_INT(load_hostile("", 0), FDL_EINVALID);
    CHECK_INT(load_hostile("TZif2", 5), FDL_EINVALID);
    put_header(buf, '2', 0, 1, 4);
    CHECK_INT(load_hostile(buf, 43), FDL_EINVALID);
    CHECK_INT(load_hostile(buf, 44), FDL_EINVALID); /* no data */
    memset(buf + 20, 0xff, 24);                     /* every count 2^32 - 1 */
    CHECK_INT(load_hostile(buf, sizeof(buf)), FDL_EINVALID);
    put_header(buf, '2', 0x7fffffff, 1, 1);
    CHECK_INT(load_hostile(buf, sizeof(buf)), FDL_EINVALID);
    put_header(buf, '2', 0, 1, 0xffffffffu);
    CHECK_INT(load_hostile(buf, sizeof(buf)), FDL_EINVALID);
    /* A valid version 1 part followed by a huge version 2 header. */
    size_t at = build_footer_zone(buf, 0, "UTC0");
    put_header(buf + 54, '2', 0xfffffff0u, 1, 4);
    CHECK_INT(load_hostile(buf, at), FDL_EINVALID);
    put_header(buf, '2', 0, 0, 4); /* no types */
    CHECK_INT(load_hostile(buf, sizeof(buf)), FDL_EINVALID);
    put_header(buf, '2', 0, 257, 4); /* too many types */
    CHECK_INT(load_hostile(buf, sizeof(buf)), FDL_EINVALID);
}

static void test_hostile_crafted_tables(void)
{
    uint8_t buf[256];
    /* One well-formed leap-second record in the 64-bit block ("right/"
     * zones): unsupported, refused rather than silently ignored. */
    size_t at = build_footer_zone(buf, 0, "UTC0");
    buf[54 + 28 + 3] = 1;
    memmove(buf + 108 + 12, buf + 108, at - 108);
    memset(buf + 108, 0, 12);
    CHECK_INT(load_hostile(buf, at + 12), FDL_EINVALID);
    /* Offset out of range, isdst 2, designation index past the end. */
    at = build_footer_zone(buf, 100000, "UTC0");
    CHECK_INT(load_hostile(buf, at), FDL_EINVALID);
    at = build_footer_zone(buf, 0, "UTC0");
    buf[44 + 4] = 2;
    buf[54 + 44 + 4] = 2;
    CHECK_INT(load_hostile(buf, at), FDL_EINVALID);
    at = build_footer_zone(buf, 0, "UTC0");
    buf[44 + 5] = 4;
    buf[54 + 44 + 5] = 4;
    CHECK_INT(load_hostile(buf, at), FDL_EINVALID);
    /* Footer missing its final newline, or absent. */
    at = build_footer_zone(buf, 0, "UTC0");
    CHECK_INT(load_hostile(buf, at - 1), FDL_EINVALID);
    CHECK_INT(load_hostile(buf, 108), FDL_EINVALID);
    /* A NUL inside the footer. */
    at = build_footer_zone(buf, 0, "UTC0");
    buf[at - 3] = '\0';
    CHECK_INT(load_hostile(buf, at), FDL_EINVALID);
}

static void test_hostile_real_file_truncated_at_every_seventh_byte(void)
{
    static uint8_t zone[FDL_TZ_FILE_MAX_BYTES];
    size_t length = read_system_zone("Europe/Madrid", zone, sizeof(zone));
    CHECK(length > 100);
    struct fdl_tz *tz = NULL;
    CHECK_INT(load_bytes(zone, length, &tz), 0); /* the copy itself is fine */
    CHECK_INT(fdl_tz_offset_s(tz, 1774746000), 7200);
    fdl_tz_free(tz);
    for (size_t cut = 0; cut < length; cut += 7) {
        int rc = load_hostile(zone, cut);
        if (rc != FDL_EINVALID)
            fprintf(stderr, "  truncated at %zu: %d\n", cut, rc);
        CHECK_INT(rc, FDL_EINVALID);
    }
}

static uint64_t xorshift_next(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

static void test_hostile_random_bytes_and_mutations_never_crash(void)
{
    static uint8_t zone[FDL_TZ_FILE_MAX_BYTES];
    uint8_t noise[2048];
    uint64_t state = 0x9e3779b97f4a7c15u;
    for (int round = 0; round < 300; round++) {
        size_t length = xorshift_next(&state) % sizeof(noise);
        for (size_t i = 0; i < length; i++)
            noise[i] = (uint8_t)xorshift_next(&state);
        if (round % 2 && length >= 5)
            memcpy(noise, "TZif2", 5); /* get past the magic */
        CHECK(load_hostile(noise, length) != 0 || length >= 44);
    }
    size_t length = read_system_zone("Europe/Madrid", zone, sizeof(zone));
    CHECK(length > 100);
    static const uint8_t flips[] = {0x01, 0x80, 0xff};
    for (size_t i = 0; i < length; i++)
        for (size_t f = 0; f < sizeof(flips); f++) {
            zone[i] ^= flips[f];
            (void)load_hostile(zone, length); /* accepted or refused, never a crash */
            zone[i] ^= flips[f];
        }
}

static void test_file_over_the_size_cap_is_refused(void)
{
    size_t length = FDL_TZ_FILE_MAX_BYTES + 1;
    uint8_t *big = calloc(1, length);
    CHECK(big != NULL);
    build_footer_zone(big, 0, "UTC0"); /* a valid zone, then zeros */
    int rc = load_hostile(big, length);
    free(big);
    CHECK_INT(rc, FDL_EINVALID);
}

static void make_temp_tzdir(void)
{
    const char *dir = getenv("TZDIR");
    snprintf(system_tzdir, sizeof(system_tzdir), "%s",
             dir && *dir ? dir : FDL_TZ_DEFAULT_DIR);
    snprintf(temp_tzdir, sizeof(temp_tzdir), "/tmp/fdl_test_tz_XXXXXX");
    if (!mkdtemp(temp_tzdir)) {
        perror("mkdtemp");
        exit(2);
    }
    char sub[128];
    snprintf(sub, sizeof(sub), "%s/Test", temp_tzdir);
    if (mkdir(sub, 0700) != 0) {
        perror("mkdir");
        exit(2);
    }
}

static void remove_temp_tzdir(void)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/Test/Zone", temp_tzdir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/Test", temp_tzdir);
    rmdir(path);
    rmdir(temp_tzdir);
}

int main(void)
{
    make_temp_tzdir();
    use_system_tzdir();
    RUN(test_utc_is_builtin_and_needs_no_tzdata);
    RUN(test_madrid_2026_winter_summer_and_exact_transitions);
    RUN(test_madrid_2100_comes_from_the_footer_rule);
    RUN(test_new_york_2026_and_2100);
    RUN(test_kolkata_is_five_thirty_and_was_lmt_before_1900);
    RUN(test_moscow_has_no_dst_now_but_had_plus_four_in_2012);
    RUN(test_lord_howe_has_thirty_minute_dst);
    RUN(test_local_to_utc_gap_uses_offset_before_and_overlap_takes_earlier);
    RUN(test_local_to_utc_round_trips);
    RUN(test_rejects_bad_names);
    RUN(test_missing_zone_is_not_found);
    RUN(test_footer_rule_forms);
    RUN(test_footer_simple_and_all_year_dst);
    RUN(test_rejects_bad_footers);
    RUN(test_version_1_file_uses_32_bit_data);
    RUN(test_hostile_truncated_header_and_huge_counts);
    RUN(test_hostile_crafted_tables);
    RUN(test_hostile_real_file_truncated_at_every_seventh_byte);
    RUN(test_hostile_random_bytes_and_mutations_never_crash);
    RUN(test_file_over_the_size_cap_is_refused);
    remove_temp_tzdir();
    return check_done();
}
