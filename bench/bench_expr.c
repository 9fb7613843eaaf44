/*
 * bench_expr.c - how long one evaluation of a compiled condition takes.
 *
 * Two conditions, compiled once against the rule variables' shapes:
 *   example      the first worked example of engine/expr.h (money against a
 *                literal, a string in a 2-tuple, a weekday in a 2-tuple);
 *   conjunction  ten conditions joined by `and`, all true, so every one runs
 *                (ints, money, strings, a weekday set, a list lookup).
 * Each is evaluated EVALS_PER_RUN times per run, the basket total changing
 * every time so nothing can be hoisted out of the loop; the median of RUNS
 * runs is printed as "expr_eval: N ns/eval". Plain timing, no assertions.
 */
#include "engine/expr.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define RUNS          5
#define EVALS_PER_RUN 10000000L

static const struct fdl_expr_var bench_vars[] = {
    {"basket.total", FDL_EXPR_MONEY, 0},   {"basket.quantity", FDL_EXPR_INT, 1},
    {"member.tier", FDL_EXPR_STRING, 2},   {"member.visits", FDL_EXPR_INT, 3},
    {"now.weekday", FDL_EXPR_WEEKDAY, 4},  {"now.hour", FDL_EXPR_INT, 5},
    {"store", FDL_EXPR_STRING, 6},         {"channel", FDL_EXPR_STRING, 7},
    {"line.category", FDL_EXPR_STRING, 8}, {"line.labels", FDL_EXPR_LIST, 9},
    {"line.amount", FDL_EXPR_MONEY, 10},
};
#define N_BENCH_VARS (sizeof(bench_vars) / sizeof(bench_vars[0]))

static const char example[] =
    "basket.total >= 50 and member.tier in (\"gold\", \"platinum\") "
    "and now.weekday in (sat, sun)";

static const char conjunction[] =
    "basket.total >= 50 and basket.quantity >= 2 and member.tier in (\"gold\", "
    "\"platinum\") and member.visits >= 3 and now.weekday in (sat, sun) and now.hour >= "
    "7 "
    "and now.hour < 22 and store != \"MAD-09\" and channel == \"till\" and not (\"sale\" "
    "in "
    "line.labels)";

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median ns per evaluation of text over RUNS runs; -1 if it does not compile. */
static double measure(const char *text)
{
    static const char *const labels[] = {"new", "organic", "local"};
    struct fdl_expr_value slots[N_BENCH_VARS] = {
        fdl_expr_money(6240),         fdl_expr_int(3),
        fdl_expr_cstring("platinum"), fdl_expr_int(12),
        fdl_expr_weekday(7),          fdl_expr_int(9),
        fdl_expr_cstring("BCN-01"),   fdl_expr_cstring("till"),
        fdl_expr_cstring("coffee"),   fdl_expr_list(labels, 3),
        fdl_expr_money(450),
    };
    struct fdl_expr *e;
    struct fdl_error err;
    if (fdl_expr_compile(text, bench_vars, N_BENCH_VARS, 100, FDL_EXPR_BOOL, "bench", &e,
                         &err) != 0) {
        fprintf(stderr, "bench_expr: %s\n", err.message);
        return -1;
    }
    double ns[RUNS];
    volatile long sink = 0;
    for (int run = 0; run < RUNS; run++) {
        long trues = 0;
        double start = now_ns();
        for (long i = 0; i < EVALS_PER_RUN; i++) {
            slots[0].as.i = 5000 + (i & 1023); /* always >= 50.00 */
            trues += fdl_expr_eval_bool(e, slots);
        }
        ns[run] = (now_ns() - start) / (double)EVALS_PER_RUN;
        sink += trues;
    }
    (void)sink;
    fdl_expr_free(e);
    qsort(ns, RUNS, sizeof(ns[0]), compare_doubles);
    return ns[RUNS / 2];
}

int main(void)
{
    double a = measure(example), b = measure(conjunction);
    if (a < 0 || b < 0)
        return 1;
    printf("expr_eval: %.1f ns/eval (first example: 3 conditions)\n", a);
    printf("expr_eval: %.1f ns/eval (conjunction of 10 conditions)\n", b);
    return 0;
}
