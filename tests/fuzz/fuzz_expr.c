/*
 * fuzz_expr.c - the condition language (engine/expr.h) under arbitrary input.
 *
 * The first byte picks what the whole expression must be (bool, int, money)
 * and the currency (0, 2 or 3 decimals); the rest, up to its first NUL, is
 * the text, compiled against a fixed set of variables of every type. Then:
 *   - a failure must be FDL_EINVALID with our field and a "column N: "
 *     message in valid UTF-8 (messages end up in JSON problem documents);
 *   - a success is evaluated against a few environments (extreme values
 *     included); its canonical text must compile again (unless it grew past
 *     a limit) to the same canonical text and the same results, and a bool
 *     one wrapped in `not (...)` must give the opposite results.
 * Any broken promise aborts. Built with libFuzzer, and with replay.c for
 * every test run over tests/fuzz/corpus_expr.
 */
#include "engine/expr.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_FIELD "earn[0].when"
#define FUZZ_ENVS  3

static const struct fdl_expr_var fuzz_vars[] = {
    {"basket.total", FDL_EXPR_MONEY, 0},  {"basket.quantity", FDL_EXPR_INT, 1},
    {"member.tier", FDL_EXPR_STRING, 2},  {"member.segments", FDL_EXPR_LIST, 3},
    {"now.weekday", FDL_EXPR_WEEKDAY, 4}, {"now.hour", FDL_EXPR_INT, 5},
    {"store", FDL_EXPR_STRING, 6},        {"line.labels", FDL_EXPR_LIST, 7},
    {"line.amount", FDL_EXPR_MONEY, 8},   {"member.vip", FDL_EXPR_BOOL, 9},
};
#define FUZZ_N_VARS (sizeof(fuzz_vars) / sizeof(fuzz_vars[0]))

static const char *const some_labels[] = {"sale", "", "caf\xc3\xa9", "gold"};

static void fuzz_env(int which, struct fdl_expr_value *s)
{
    static const int64_t ints[FUZZ_ENVS] = {0, 1250, INT64_MAX};
    int64_t i = ints[which];
    s[0] = fdl_expr_money(which == 2 ? INT64_MIN : i);
    s[1] = fdl_expr_int(i);
    s[2] = which == 0 ? fdl_expr_string(NULL, 0) : fdl_expr_cstring("gold");
    s[3] = fdl_expr_list(some_labels, which == 0 ? 0 : 4);
    s[4] = fdl_expr_weekday(1 + which * 3);
    s[5] = fdl_expr_int(-i);
    s[6] = fdl_expr_string("sale\0x", which == 1 ? 6 : 4);
    s[7] = fdl_expr_list(some_labels, (size_t)which);
    s[8] = fdl_expr_money(i / 2);
    s[9] = fdl_expr_bool(which & 1);
}

static int utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80                  ? 1
                : *p >= 0xC2 && *p <= 0xDF ? 2
                : *p >= 0xE0 && *p <= 0xEF ? 3
                : *p >= 0xF0 && *p <= 0xF4 ? 4
                                           : 0;
        if (n == 0)
            return 0;
        for (int i = 1; i < n; i++)
            if ((p[i] & 0xC0) != 0x80)
                return 0;
        p += n;
    }
    return 1;
}

static void check_failure(int rc, const struct fdl_error *err)
{
    if (rc != FDL_EINVALID || err->code != FDL_EINVALID ||
        strcmp(err->field, FUZZ_FIELD) != 0 || strncmp(err->message, "column ", 7) != 0 ||
        !utf8_valid(err->message))
        abort();
}

static int64_t fuzz_eval(const struct fdl_expr *e, enum fdl_expr_type want,
                         const struct fdl_expr_value *slots)
{
    return want == FDL_EXPR_BOOL ? fdl_expr_eval_bool(e, slots)
                                 : fdl_expr_eval_int(e, slots);
}

/* The canonical text of e must compile to itself and mean the same. */
static void check_round_trip(const struct fdl_expr *e, enum fdl_expr_type want,
                             int minor_per_unit, const int64_t *results)
{
    static char text[8 * FDL_EXPR_MAX_LEN];
    static char again[8 * FDL_EXPR_MAX_LEN];
    size_t n = fdl_expr_format(e, text, sizeof(text));
    if (n >= sizeof(text))
        abort();
    if (n > FDL_EXPR_MAX_LEN)
        return; /* the canonical text may outgrow the limit */
    struct fdl_expr *e2 = NULL;
    struct fdl_error err;
    int rc = fdl_expr_compile(text, fuzz_vars, FUZZ_N_VARS, minor_per_unit, want,
                              FUZZ_FIELD, &e2, &err);
    if (rc != 0) {
        /* Added parentheses may pass the nesting limit; nothing else may fail. */
        if (!strstr(err.message, "nested too deeply"))
            abort();
        return;
    }
    fdl_expr_format(e2, again, sizeof(again));
    if (strcmp(text, again) != 0)
        abort();
    struct fdl_expr_value slots[FUZZ_N_VARS];
    for (int i = 0; i < FUZZ_ENVS; i++) {
        fuzz_env(i, slots);
        if (fuzz_eval(e2, want, slots) != results[i])
            abort();
    }
    fdl_expr_free(e2);
}

/* A condition wrapped in not (...) must give the opposite result everywhere. */
static void check_negation(const char *text, int minor_per_unit, const int64_t *results)
{
    static char negated[FDL_EXPR_MAX_LEN + 16];
    snprintf(negated, sizeof(negated), "not (%s)", text);
    struct fdl_expr *e = NULL;
    struct fdl_error err;
    if (fdl_expr_compile(negated, fuzz_vars, FUZZ_N_VARS, minor_per_unit, FDL_EXPR_BOOL,
                         FUZZ_FIELD, &e, &err) != 0) {
        if (!strstr(err.message, "nested too deeply") &&
            !strstr(err.message, "longer than"))
            abort();
        return;
    }
    struct fdl_expr_value slots[FUZZ_N_VARS];
    for (int i = 0; i < FUZZ_ENVS; i++) {
        fuzz_env(i, slots);
        if (fdl_expr_eval_bool(e, slots) != !results[i])
            abort();
    }
    fdl_expr_free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum fdl_expr_type wants[3] = {FDL_EXPR_BOOL, FDL_EXPR_INT,
                                                FDL_EXPR_MONEY};
    static const int currencies[3] = {100, 1, 1000};
    if (size < 1 || size > 4 * FDL_EXPR_MAX_LEN)
        return 0;
    enum fdl_expr_type want = wants[data[0] % 3];
    int minor_per_unit = currencies[(data[0] / 3) % 3];
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';

    struct fdl_expr *e = NULL;
    struct fdl_error err;
    int rc = fdl_expr_compile(text, fuzz_vars, FUZZ_N_VARS, minor_per_unit, want,
                              FUZZ_FIELD, &e, &err);
    if (rc != 0) {
        check_failure(rc, &err);
    } else {
        struct fdl_expr_value slots[FUZZ_N_VARS];
        int64_t results[FUZZ_ENVS];
        for (int i = 0; i < FUZZ_ENVS; i++) {
            fuzz_env(i, slots);
            results[i] = fuzz_eval(e, want, slots);
        }
        check_round_trip(e, want, minor_per_unit, results);
        if (want == FDL_EXPR_BOOL)
            check_negation(text, minor_per_unit, results);
        fdl_expr_free(e);
    }
    free(text);
    return 0;
}
