/*
 * test_earn.c - points for amounts, allocation to lines, redeemable points,
 * and the program settings they depend on (defaults, JSON in and out).
 *
 * Expected values are worked out by hand in the comments (or with Python's
 * integers for the large ones), never by calling the code under test.
 */
#include "engine/earn.h"
#include "engine/program.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static struct fdl_program program_with(int minor_per_unit, int64_t points_per_unit,
                                       enum fdl_rounding rounding)
{
    struct fdl_program p;
    fdl_program_default(&p);
    p.minor_per_unit = minor_per_unit;
    p.points_per_unit = points_per_unit;
    p.rounding = rounding;
    return p;
}

/* ---- fdl_earn_points ---- */

static void test_earn_rounds_down_by_default(void)
{
    struct fdl_program p;
    fdl_program_default(&p);
    CHECK_INT(p.rounding, FDL_ROUND_DOWN);
    CHECK_INT(fdl_earn_points(&p, 1299), 12); /* 12.99 */
    CHECK_INT(fdl_earn_points(&p, 1250), 12);
    CHECK_INT(fdl_earn_points(&p, 1249), 12);
    CHECK_INT(fdl_earn_points(&p, 1201), 12);
    CHECK_INT(fdl_earn_points(&p, 1200), 12);
    CHECK_INT(fdl_earn_points(&p, 99), 0);
    CHECK_INT(fdl_earn_points(&p, 0), 0);
}

static void test_earn_rounds_half_up(void)
{
    struct fdl_program p = program_with(100, 1, FDL_ROUND_HALF_UP);
    CHECK_INT(fdl_earn_points(&p, 1299), 13);
    CHECK_INT(fdl_earn_points(&p, 1250), 13); /* exactly half goes up */
    CHECK_INT(fdl_earn_points(&p, 1249), 12);
    CHECK_INT(fdl_earn_points(&p, 1201), 12);
    CHECK_INT(fdl_earn_points(&p, 49), 0);
    CHECK_INT(fdl_earn_points(&p, 50), 1);
    CHECK_INT(fdl_earn_points(&p, 0), 0);
}

static void test_earn_rounds_up(void)
{
    struct fdl_program p = program_with(100, 1, FDL_ROUND_UP);
    CHECK_INT(fdl_earn_points(&p, 1299), 13);
    CHECK_INT(fdl_earn_points(&p, 1250), 13);
    CHECK_INT(fdl_earn_points(&p, 1249), 13);
    CHECK_INT(fdl_earn_points(&p, 1201), 13);
    CHECK_INT(fdl_earn_points(&p, 1200), 12); /* whole units are not rounded */
    CHECK_INT(fdl_earn_points(&p, 1), 1);
    CHECK_INT(fdl_earn_points(&p, 0), 0);
}

static void test_earn_currency_without_minor_units(void)
{
    /* JPY: one minor unit is one yen, so there is never a fraction. */
    for (int r = FDL_ROUND_DOWN; r <= FDL_ROUND_UP; r++) {
        struct fdl_program p = program_with(1, 1, (enum fdl_rounding)r);
        CHECK_INT(fdl_earn_points(&p, 1299), 1299);
        CHECK_INT(fdl_earn_points(&p, 1), 1);
        CHECK_INT(fdl_earn_points(&p, 0), 0);
    }
}

static void test_earn_several_points_per_unit(void)
{
    for (int r = FDL_ROUND_DOWN; r <= FDL_ROUND_UP; r++) {
        struct fdl_program p = program_with(100, 4, (enum fdl_rounding)r);
        CHECK_INT(fdl_earn_points(&p, 15200), 608); /* 152.00 x 4 */
    }
    /* 152.99 x 4 = 611.96 */
    struct fdl_program p = program_with(100, 4, FDL_ROUND_DOWN);
    CHECK_INT(fdl_earn_points(&p, 15299), 611);
    p.rounding = FDL_ROUND_HALF_UP;
    CHECK_INT(fdl_earn_points(&p, 15299), 612);
    p.rounding = FDL_ROUND_UP;
    CHECK_INT(fdl_earn_points(&p, 15299), 612);
    /* 0 points per unit earns nothing */
    p.points_per_unit = 0;
    CHECK_INT(fdl_earn_points(&p, 15299), 0);
}

static void test_earn_large_amounts_do_not_overflow(void)
{
    struct fdl_program p = program_with(100, 1000, FDL_ROUND_DOWN);
    CHECK(fdl_earn_points(&p, 2000000000000000LL) == 20000000000000000LL);
    /* amount x rate (9e19) does not fit in int64 though the result does */
    for (int r = FDL_ROUND_DOWN; r <= FDL_ROUND_UP; r++) {
        p.rounding = (enum fdl_rounding)r;
        CHECK(fdl_earn_points(&p, 90000000000000000LL) == 900000000000000000LL);
    }
    /* (2e15 + 1) x 999 / 100 = 19980000000000009.99 */
    p.points_per_unit = 999;
    p.rounding = FDL_ROUND_DOWN;
    CHECK(fdl_earn_points(&p, 2000000000000001LL) == 19980000000000009LL);
    p.rounding = FDL_ROUND_HALF_UP;
    CHECK(fdl_earn_points(&p, 2000000000000001LL) == 19980000000000010LL);
    p.rounding = FDL_ROUND_UP;
    CHECK(fdl_earn_points(&p, 2000000000000001LL) == 19980000000000010LL);
}

/* ---- fdl_allocate ---- */

static int64_t sum_of(const int64_t *v, size_t n)
{
    int64_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    return s;
}

static void test_allocate_exact_proportions(void)
{
    const int64_t weights[] = {1, 2, 3, 4};
    int64_t out[4];
    fdl_allocate(100, weights, 4, out);
    CHECK(out[0] == 10 && out[1] == 20 && out[2] == 30 && out[3] == 40);
}

static void test_allocate_leftover_goes_to_largest_remainders(void)
{
    /* 10 x {1,2,4}/7 = 1.43, 2.86, 5.71: floors 1,2,5 leave 2 units for the
     * remainders .86 and .71 */
    const int64_t weights[] = {1, 2, 4};
    int64_t out[3];
    fdl_allocate(10, weights, 3, out);
    CHECK(out[0] == 1 && out[1] == 3 && out[2] == 6);
}

static void test_allocate_ties_go_to_lower_index(void)
{
    const int64_t three[] = {1, 1, 1};
    int64_t out[10];
    fdl_allocate(10, three, 3, out);
    CHECK(out[0] == 4 && out[1] == 3 && out[2] == 3);
    fdl_allocate(11, three, 3, out);
    CHECK(out[0] == 4 && out[1] == 4 && out[2] == 3);

    const int64_t ten[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    fdl_allocate(7, ten, 10, out);
    for (int i = 0; i < 10; i++)
        CHECK_INT(out[i], i < 7 ? 1 : 0);

    /* equal remainders among unequal weights: 5 x {2,1,2,1}/6 ->
     * 1.67, .83, 1.67, .83: floors 1,0,1,0, remainders 4,5,4,5 (sixths);
     * the 3 units left go to indexes 1 and 3 (5/6), then 0 before 2 (4/6) */
    const int64_t mixed[] = {2, 1, 2, 1};
    fdl_allocate(5, mixed, 4, out);
    CHECK(out[0] == 2 && out[1] == 1 && out[2] == 1 && out[3] == 1);
}

static void test_allocate_zero_weight_gets_nothing(void)
{
    const int64_t weights[] = {0, 1, 1};
    int64_t out[3];
    fdl_allocate(11, weights, 3, out);
    CHECK(out[0] == 0 && out[1] == 6 && out[2] == 5);
}

static void test_allocate_all_zero_weights_gives_all_to_first(void)
{
    const int64_t weights[] = {0, 0, 0};
    int64_t out[3] = {-1, -1, -1};
    fdl_allocate(9, weights, 3, out);
    CHECK(out[0] == 9 && out[1] == 0 && out[2] == 0);
    fdl_allocate(0, weights, 3, out);
    CHECK(out[0] == 0 && out[1] == 0 && out[2] == 0);
}

static void test_allocate_zero_total_and_single_part(void)
{
    const int64_t weights[] = {3, 5};
    int64_t out[2] = {-1, -1};
    fdl_allocate(0, weights, 2, out);
    CHECK(out[0] == 0 && out[1] == 0);
    const int64_t one[] = {7};
    fdl_allocate(12345, one, 1, out);
    CHECK_INT(out[0], 12345);
}

static void test_allocate_large_values_sum_exactly(void)
{
    /* 200 lines at the largest price x quantity (1e13 minor each), a movement
     * of a billion points: total x weight (1e22) needs more than 64 bits. */
    enum { LINES = 200 };
    int64_t weights[LINES], out[LINES];
    for (int i = 0; i < LINES; i++)
        weights[i] = 10000000000000LL - i;
    fdl_allocate(999999999, weights, LINES, out);
    CHECK(sum_of(out, LINES) == 999999999);
    for (int i = 0; i < LINES; i++)
        CHECK(out[i] == 4999999 || out[i] == 5000000);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Random totals and weights: the parts sum to the total, each is the floor
 * of its exact share or one more, and no part that got the extra unit has a
 * smaller remainder (or the same remainder and a higher index) than one that
 * did not. */
static void test_allocate_random_is_exact_and_largest_remainder(void)
{
    for (int round = 0; round < 2000; round++) {
        size_t n = 1 + rng_next() % 12;
        int64_t weights[12], out[12];
        int64_t total = (int64_t)(rng_next() % 100000);
        for (size_t i = 0; i < n; i++)
            weights[i] = (rng_next() % 4 == 0) ? 0 : (int64_t)(rng_next() % 1000000);
        fdl_allocate(total, weights, n, out);
        CHECK(sum_of(out, n) == total);
        int64_t ws = sum_of(weights, n);
        if (ws == 0) {
            CHECK(out[0] == total);
            continue;
        }
        __int128 rem[12];
        int extra[12];
        for (size_t i = 0; i < n; i++) {
            __int128 exact = (__int128)total * weights[i];
            int64_t floor_share = (int64_t)(exact / ws);
            rem[i] = exact % ws;
            CHECK(out[i] == floor_share || out[i] == floor_share + 1);
            extra[i] = out[i] == floor_share + 1;
        }
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                if (extra[i] && !extra[j])
                    CHECK(rem[i] > rem[j] || (rem[i] == rem[j] && i < j));
    }
}

/* ---- fdl_share ---- */

static void test_share_rounds_down(void)
{
    CHECK_INT(fdl_share(10, 1, 3), 3);
    CHECK_INT(fdl_share(10, 2, 3), 6);
    CHECK_INT(fdl_share(10, 3, 3), 10);
    CHECK_INT(fdl_share(10, 0, 3), 0);
    CHECK_INT(fdl_share(0, 1, 3), 0);
    CHECK_INT(fdl_share(999, 1, 1000), 0);
}

static void test_share_large_values_do_not_overflow(void)
{
    CHECK(fdl_share(1000000000, 10000000000000LL - 1, 10000000000000LL) == 999999999);
    CHECK(fdl_share(INT64_MAX / 2, 3, 4) == 3458764513820540927LL);
    CHECK(fdl_share(INT64_MAX, INT64_MAX, INT64_MAX) == INT64_MAX);
}

/* ---- fdl_redeemable_points ---- */

static void test_redeemable_points_capped_by_basket(void)
{
    struct fdl_program p;
    fdl_program_default(&p); /* one point buys 1 minor unit */
    CHECK_INT(fdl_redeemable_points(&p, 200, 300), 200);
    CHECK_INT(fdl_redeemable_points(&p, 300, 300), 300);
    CHECK_INT(fdl_redeemable_points(&p, 500, 300), 300);
    CHECK_INT(fdl_redeemable_points(&p, 0, 300), 0);
    CHECK_INT(fdl_redeemable_points(&p, 500, 0), 0);
}

static void test_redeemable_points_never_discount_below_zero(void)
{
    struct fdl_program p;
    fdl_program_default(&p);
    p.point_value_minor = 5;
    /* 12.99 absorbs 259 points of 0.05 (12.95), not 260 (13.00) */
    CHECK_INT(fdl_redeemable_points(&p, 1000, 1299), 259);
    CHECK_INT(fdl_redeemable_points(&p, 100, 1299), 100);
    CHECK_INT(fdl_redeemable_points(&p, 1000, 4), 0);
    for (int64_t total = 0; total < 2000; total += 7) {
        int64_t points = fdl_redeemable_points(&p, 1000000, total);
        CHECK(points * 5 <= total && (points + 1) * 5 > total);
    }
}

/* ---- program settings ---- */

static void test_program_default_is_the_demo_program(void)
{
    struct fdl_program p;
    fdl_program_default(&p);
    CHECK_STR(p.name, "Fidelis demo");
    CHECK_STR(p.currency, "EUR");
    CHECK_INT(p.minor_per_unit, 100);
    CHECK_STR(p.time_zone, "Europe/Madrid");
    CHECK_INT(p.points_per_unit, 1);
    CHECK_INT(p.rounding, FDL_ROUND_DOWN);
    CHECK_INT(p.expiry_months, 12);
    CHECK_INT(p.pending_days, 0);
    CHECK_INT(p.point_value_minor, 1);
    CHECK_STR(p.language, "en");
}

/* Parses text into a json object (the test's input is always valid JSON). */
static json_t *object(const char *text)
{
    json_error_t jerr;
    json_t *obj = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (!obj) {
        fprintf(stderr, "bad test JSON: %s\n", text);
        abort();
    }
    return obj;
}

/* Applies text to a default program; returns the code and the result in *p. */
static int apply(const char *text, struct fdl_program *p, struct fdl_error *err)
{
    fdl_program_default(p);
    fdl_error_clear(err);
    json_t *obj = object(text);
    int rc = fdl_program_from_json(obj, p, err);
    json_decref(obj);
    return rc;
}

static void test_program_from_empty_object_keeps_defaults(void)
{
    struct fdl_program p, def;
    struct fdl_error err;
    fdl_program_default(&def);
    CHECK_INT(apply("{}", &p, &err), 0);
    CHECK_STR(p.name, def.name);
    CHECK_STR(p.currency, def.currency);
    CHECK_INT(p.minor_per_unit, def.minor_per_unit);
    CHECK_STR(p.time_zone, def.time_zone);
    CHECK_INT(p.points_per_unit, def.points_per_unit);
    CHECK_INT(p.rounding, def.rounding);
    CHECK_INT(p.expiry_months, def.expiry_months);
    CHECK_INT(p.pending_days, def.pending_days);
    CHECK_INT(p.point_value_minor, def.point_value_minor);
    CHECK_STR(p.language, def.language);
    CHECK_INT(p.id, def.id);
}

static void test_program_from_json_sets_every_key(void)
{
    struct fdl_program p;
    struct fdl_error err;
    int rc = apply("{\"name\": \"Caf\xc3\xa9 Club\", \"currency\": \"JPY\","
                   " \"minor_per_unit\": 1, \"time_zone\": \"Asia/Tokyo\","
                   " \"points_per_unit\": 4, \"rounding\": \"half-up\","
                   " \"expiry_months\": 0, \"pending_days\": 14,"
                   " \"point_value_minor\": 10, \"language\": \"ca\"}",
                   &p, &err);
    CHECK_INT(rc, 0);
    CHECK_STR(p.name, "Caf\xc3\xa9 Club");
    CHECK_STR(p.currency, "JPY");
    CHECK_INT(p.minor_per_unit, 1);
    CHECK_STR(p.time_zone, "Asia/Tokyo");
    CHECK_INT(p.points_per_unit, 4);
    CHECK_INT(p.rounding, FDL_ROUND_HALF_UP);
    CHECK_INT(p.expiry_months, 0);
    CHECK_INT(p.pending_days, 14);
    CHECK_INT(p.point_value_minor, 10);
    CHECK_STR(p.language, "ca");
}

static void test_program_from_json_keeps_keys_it_does_not_name(void)
{
    struct fdl_program p;
    struct fdl_error err;
    CHECK_INT(apply("{\"points_per_unit\": 3, \"rounding\": \"up\"}", &p, &err), 0);
    CHECK_INT(p.points_per_unit, 3);
    CHECK_INT(p.rounding, FDL_ROUND_UP);
    CHECK_STR(p.name, "Fidelis demo");
    CHECK_STR(p.currency, "EUR");
    CHECK_INT(p.expiry_months, 12);
    CHECK_STR(p.language, "en");
}

/* Applies text to p (already set up) and checks it fails with code on field,
 * leaving every byte of p as it was. */
static int refused_untouched(const char *text, int code, const char *field)
{
    struct fdl_program p, before;
    struct fdl_error err;
    fdl_program_default(&p);
    snprintf(p.name, sizeof(p.name), "Before");
    p.rounding = FDL_ROUND_UP;
    memcpy(&before, &p, sizeof(p));
    fdl_error_clear(&err);
    json_t *obj = object(text);
    int rc = fdl_program_from_json(obj, &p, &err);
    json_decref(obj);
    if (rc != code || err.code != code || strcmp(err.field, field) != 0 ||
        memcmp(&before, &p, sizeof(p)) != 0) {
        fprintf(stderr, "  %s: rc %d field \"%s\" (%s)\n", text, rc, err.field,
                err.message);
        return 0;
    }
    return 1;
}

static void test_program_refuses_unknown_key_and_leaves_program_untouched(void)
{
    CHECK(refused_untouched("{\"colour\": \"red\"}", FDL_EUNKNOWN_FIELD, "colour"));
    CHECK(refused_untouched("{\"name\": \"After\", \"points_per_units\": 2}",
                            FDL_EUNKNOWN_FIELD, "points_per_units"));
    CHECK(refused_untouched("{\"id\": 7}", FDL_EUNKNOWN_FIELD, "id"));
}

static void test_program_refuses_bad_currency(void)
{
    CHECK(refused_untouched("{\"currency\": \"eur\"}", FDL_EINVALID, "currency"));
    CHECK(refused_untouched("{\"currency\": \"E1R\"}", FDL_EINVALID, "currency"));
    CHECK(refused_untouched("{\"name\": \"After\", \"currency\": \"EU \"}", FDL_EINVALID,
                            "currency"));
    CHECK(refused_untouched("{\"currency\": \"EURO\"}", FDL_ERANGE, "currency"));
    CHECK(refused_untouched("{\"currency\": \"EU\"}", FDL_ERANGE, "currency"));
    CHECK(refused_untouched("{\"currency\": 978}", FDL_EFIELD_TYPE, "currency"));
}

static void test_program_refuses_bad_rounding(void)
{
    CHECK(refused_untouched("{\"rounding\": \"nearest\"}", FDL_EINVALID, "rounding"));
    CHECK(refused_untouched("{\"name\": \"After\", \"rounding\": \"Down\"}", FDL_EINVALID,
                            "rounding"));
    CHECK(refused_untouched("{\"rounding\": \"\"}", FDL_ERANGE, "rounding"));
    CHECK(refused_untouched("{\"rounding\": 1}", FDL_EFIELD_TYPE, "rounding"));
}

static void test_program_refuses_bad_language(void)
{
    CHECK(refused_untouched("{\"language\": \"fr\"}", FDL_EINVALID, "language"));
    CHECK(refused_untouched("{\"name\": \"After\", \"language\": \"EN\"}", FDL_EINVALID,
                            "language"));
    CHECK(refused_untouched("{\"language\": \"eng\"}", FDL_ERANGE, "language"));
}

static void test_program_refuses_values_out_of_range(void)
{
    CHECK(
        refused_untouched("{\"points_per_unit\": 1001}", FDL_ERANGE, "points_per_unit"));
    CHECK(refused_untouched("{\"points_per_unit\": -1}", FDL_ERANGE, "points_per_unit"));
    CHECK(refused_untouched("{\"expiry_months\": 121}", FDL_ERANGE, "expiry_months"));
    CHECK(refused_untouched("{\"pending_days\": 366}", FDL_ERANGE, "pending_days"));
    CHECK(refused_untouched("{\"minor_per_unit\": 0}", FDL_ERANGE, "minor_per_unit"));
    CHECK(
        refused_untouched("{\"point_value_minor\": 0}", FDL_ERANGE, "point_value_minor"));
    CHECK(refused_untouched("{\"name\": \"\"}", FDL_ERANGE, "name"));
    CHECK(refused_untouched("{\"points_per_unit\": 1.5}", FDL_EFIELD_TYPE,
                            "points_per_unit"));

    struct fdl_program p;
    struct fdl_error err;
    CHECK_INT(apply("{\"points_per_unit\": 1000, \"expiry_months\": 120,"
                    " \"pending_days\": 365}",
                    &p, &err),
              0);
    CHECK_INT(p.points_per_unit, FDL_MAX_POINTS_PER_UNIT);
    CHECK_INT(p.expiry_months, FDL_MAX_EXPIRY_MONTHS);
    CHECK_INT(p.pending_days, FDL_MAX_PENDING_DAYS);
}

static void test_program_name_length_at_limit(void)
{
    char name[FDL_PROGRAM_NAME_MAX + 2];
    memset(name, 'n', sizeof(name));
    name[FDL_PROGRAM_NAME_MAX] = '\0';
    char text[300];
    snprintf(text, sizeof(text), "{\"name\": \"%s\"}", name);
    struct fdl_program p;
    struct fdl_error err;
    CHECK_INT(apply(text, &p, &err), 0);
    CHECK_STR(p.name, name);

    name[FDL_PROGRAM_NAME_MAX] = 'n';
    name[FDL_PROGRAM_NAME_MAX + 1] = '\0';
    snprintf(text, sizeof(text), "{\"name\": \"%s\"}", name);
    CHECK(refused_untouched(text, FDL_ERANGE, "name"));
}

static void test_program_round_trips_through_json(void)
{
    struct fdl_program p;
    struct fdl_error err;
    CHECK_INT(apply("{\"name\": \"Round trip\", \"currency\": \"GBP\","
                    " \"minor_per_unit\": 100, \"time_zone\": \"Europe/London\","
                    " \"points_per_unit\": 7, \"rounding\": \"up\","
                    " \"expiry_months\": 36, \"pending_days\": 30,"
                    " \"point_value_minor\": 2, \"language\": \"es\"}",
                    &p, &err),
              0);
    json_t *obj = fdl_program_to_json(&p);
    CHECK(obj != NULL);
    CHECK_INT(json_object_size(obj), 10);
    CHECK_STR(json_string_value(json_object_get(obj, "rounding")), "up");
    CHECK_INT(json_integer_value(json_object_get(obj, "points_per_unit")), 7);

    /* Read back into a program that differs everywhere. */
    struct fdl_program back;
    fdl_program_default(&back);
    int rc = fdl_program_from_json(obj, &back, &err);
    json_decref(obj);
    CHECK_INT(rc, 0);
    CHECK_STR(back.name, "Round trip");
    CHECK_STR(back.currency, "GBP");
    CHECK_INT(back.minor_per_unit, 100);
    CHECK_STR(back.time_zone, "Europe/London");
    CHECK_INT(back.points_per_unit, 7);
    CHECK_INT(back.rounding, FDL_ROUND_UP);
    CHECK_INT(back.expiry_months, 36);
    CHECK_INT(back.pending_days, 30);
    CHECK_INT(back.point_value_minor, 2);
    CHECK_STR(back.language, "es");
}

static void test_program_default_round_trips_through_json(void)
{
    struct fdl_program p, back;
    struct fdl_error err;
    fdl_program_default(&p);
    json_t *obj = fdl_program_to_json(&p);
    CHECK(obj != NULL);
    memset(&back, 0, sizeof(back));
    fdl_program_default(&back);
    back.points_per_unit = 99;
    back.rounding = FDL_ROUND_HALF_UP;
    snprintf(back.language, sizeof(back.language), "ru");
    int rc = fdl_program_from_json(obj, &back, &err);
    json_decref(obj);
    CHECK_INT(rc, 0);
    CHECK_INT(back.points_per_unit, 1);
    CHECK_INT(back.rounding, FDL_ROUND_DOWN);
    CHECK_STR(back.language, "en");
}

static void test_rounding_names_parse_back(void)
{
    CHECK_STR(fdl_rounding_name(FDL_ROUND_DOWN), "down");
    CHECK_STR(fdl_rounding_name(FDL_ROUND_HALF_UP), "half-up");
    CHECK_STR(fdl_rounding_name(FDL_ROUND_UP), "up");
    for (int r = FDL_ROUND_DOWN; r <= FDL_ROUND_UP; r++)
        CHECK_INT(fdl_rounding_parse(fdl_rounding_name((enum fdl_rounding)r)), r);
    CHECK_INT(fdl_rounding_parse("half_up"), -1);
    CHECK_INT(fdl_rounding_parse(""), -1);
}

int main(void)
{
    RUN(test_earn_rounds_down_by_default);
    RUN(test_earn_rounds_half_up);
    RUN(test_earn_rounds_up);
    RUN(test_earn_currency_without_minor_units);
    RUN(test_earn_several_points_per_unit);
    RUN(test_earn_large_amounts_do_not_overflow);
    RUN(test_allocate_exact_proportions);
    RUN(test_allocate_leftover_goes_to_largest_remainders);
    RUN(test_allocate_ties_go_to_lower_index);
    RUN(test_allocate_zero_weight_gets_nothing);
    RUN(test_allocate_all_zero_weights_gives_all_to_first);
    RUN(test_allocate_zero_total_and_single_part);
    RUN(test_allocate_large_values_sum_exactly);
    RUN(test_allocate_random_is_exact_and_largest_remainder);
    RUN(test_share_rounds_down);
    RUN(test_share_large_values_do_not_overflow);
    RUN(test_redeemable_points_capped_by_basket);
    RUN(test_redeemable_points_never_discount_below_zero);
    RUN(test_program_default_is_the_demo_program);
    RUN(test_program_from_empty_object_keeps_defaults);
    RUN(test_program_from_json_sets_every_key);
    RUN(test_program_from_json_keeps_keys_it_does_not_name);
    RUN(test_program_refuses_unknown_key_and_leaves_program_untouched);
    RUN(test_program_refuses_bad_currency);
    RUN(test_program_refuses_bad_rounding);
    RUN(test_program_refuses_bad_language);
    RUN(test_program_refuses_values_out_of_range);
    RUN(test_program_name_length_at_limit);
    RUN(test_program_round_trips_through_json);
    RUN(test_program_default_round_trips_through_json);
    RUN(test_rounding_names_parse_back);
    return check_done();
}
