/*
 * bench_rules.c - how long the earn rules engine takes for one purchase.
 *
 * Loads a program file (default bench/programs/fifty-rules.yaml: 50 rules,
 * all of which give points to the purchase below) with
 * fdl_program_file_load(), builds one purchase of 10 lines (varied skus,
 * categories, labels, quantities and prices, 2.00 EUR of it paid with
 * points), a member and a local time, and evaluates it again and again:
 *
 *   rules  fdl_rules_evaluate(): every rule, its filters, conditions, line
 *          matching, allocation, caps and awards;
 *   flat   the peer, what a program without a program file does for the
 *          same basket (service.c, earn_flat): fdl_earn_points() on what
 *          was paid at 1 point per euro (the file's base rate, same
 *          rounding), then fdl_allocate() of those points to the 10 lines
 *          by amount.
 *
 * Every evaluation's result is compared with the first one's (total, each
 * line's points, the number of awards; all awards at the end of each run):
 * the engine is pure, so any difference is a bug and exits 1. The same
 * check runs on both paths, so it costs both alike (a few dozen
 * instructions).
 *
 * Modes:
 *   bench_rules [--evals N] [--runs R] [PROGRAM]
 *       wall clock: R runs (default 5), alternating the paths so a shared
 *       machine's load falls on both alike, of N rules evaluations (default
 *       200000) and 10 N flat ones; prints the medians as
 *       "rules_eval: <ns> ns/eval, <evals/s> evals/s" (and flat_eval).
 *   bench_rules --count N [--path rules|flat] [PROGRAM]
 *       one warm-up evaluation, then exactly N, and nothing else: for
 *       valgrind --tool=callgrind, run at two counts so that the difference
 *       of the instruction totals is N evaluations without any setup
 *       (scripts/bench.sh, step "rules").
 * Plain timing, no assertions on the figures.
 */
#include "base/error.h"
#include "engine/earn.h"
#include "engine/program_file.h"
#include "engine/rules.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef FDL_SOURCE_DIR
#define FDL_SOURCE_DIR "."
#endif
#define DEFAULT_PROGRAM FDL_SOURCE_DIR "/bench/programs/fifty-rules.yaml"

#define N_LINES     10
#define MAX_RUNS    99
#define FLAT_FACTOR 10 /* flat evaluations per rules evaluation in a timed run */

/* ---- the purchase ---- */

static const char *const l_own_brand[] = {"own-brand"};
static const char *const l_organic_local[] = {"organic", "local"};
static const char *const l_fair_trade[] = {"fair-trade"};
static const char *const l_oil[] = {"own-brand", "local"};
static const char *const l_new_season[] = {"new-season"};
static const char *const l_family_pack[] = {"family-pack"};
static const char *const l_fresh[] = {"fresh"};
static const char *const l_bread[] = {"fresh", "own-brand"};

/* The fields of a line, its amount being quantity x unit price. */
#define LINE(sku, category, labels, n_labels, quantity, unit)                            \
    sku, category, labels, n_labels, quantity, unit, (quantity) * (unit)

/* 10 lines, 21 units, 122.52 EUR. */
static const struct fdl_rules_line lines[N_LINES] = {
    {LINE("MILK-1L", "dairy", l_own_brand, 1, 6, 95)},
    {LINE("BANANA-KG", "fruit", l_organic_local, 2, 2, 210)},
    {LINE("COFFEE-500", "coffee", l_fair_trade, 1, 1, 649)},
    {LINE("OLIVE-OIL-1L", "pantry", l_oil, 2, 2, 895)},
    {LINE("RIOJA-2020", "wine", l_new_season, 1, 3, 1250)},
    {LINE("SHAMPOO-400", "personal-care", NULL, 0, 1, 425)},
    {LINE("NAPPIES-L", "baby", l_family_pack, 1, 2, 1499)},
    {LINE("SALMON-FILLET", "fish", l_fresh, 1, 1, 1180)},
    {LINE("RYE-BREAD", "bakery", l_bread, 2, 2, 230)},
    {LINE("BAG", "bags", NULL, 0, 1, 10)},
};

static const char *const segments[] = {"family", "newsletter", "vip"};

static struct fdl_rules_input purchase(void)
{
    struct fdl_rules_input in = {
        .lines = lines,
        .n_lines = N_LINES,
        .points_discount_minor = 200, /* 200 points redeemed at 0.01 EUR */
        .member = {.tier = "gold",
                   .segments = segments,
                   .n_segments = 3,
                   .visits = 42,
                   .spend_minor = 125000,
                   .days_since_enrol = 400},
        /* Saturday 14 March 2026, 11:30 in Madrid. */
        .now =
            {.year = 2026, .month = 3, .day = 14, .weekday = 6, .hour = 11, .minute = 30},
        .store = "MAD-03",
        .channel = "till",
    };
    for (size_t i = 0; i < N_LINES; i++)
        in.total_minor += lines[i].amount_minor;
    return in;
}

/* ---- the two paths ---- */

struct bench {
    const struct fdl_program_def *def;
    struct fdl_rules_input in;
    struct fdl_program flat; /* def's settings at the base rate, 1 point per euro */
    int64_t amounts[N_LINES];
    /* Outputs of the evaluation under way. */
    int64_t line_points[N_LINES];
    struct fdl_rules_award *awards;
    struct fdl_rules_result out;
    /* The first evaluation's results, which every later one must repeat. */
    int64_t ref_total, ref_line_points[N_LINES];
    size_t ref_n_awards;
    struct fdl_rules_award *ref_awards;
    int64_t flat_ref_total, flat_ref_line_points[N_LINES];
    size_t cap;
};

/* One rules evaluation, checked. Returns 0, or -1 if it differs or fails. */
static int eval_rules(struct bench *b)
{
    struct fdl_error err;
    memset(b->line_points, 0xff, sizeof(b->line_points));
    b->out = (struct fdl_rules_result){-1, b->line_points, b->awards, b->cap, 0};
    if (fdl_rules_evaluate(b->def, &b->in, &b->out, &err) != 0) {
        fprintf(stderr, "bench_rules: fdl_rules_evaluate: %s: %s\n", err.field,
                err.message);
        return -1;
    }
    if (b->out.total_points != b->ref_total || b->out.n_awards != b->ref_n_awards ||
        memcmp(b->line_points, b->ref_line_points, sizeof(b->line_points)) != 0) {
        fprintf(stderr,
                "bench_rules: the engine disagrees with itself: %lld points, "
                "%zu awards (first evaluation: %lld, %zu)\n",
                (long long)b->out.total_points, b->out.n_awards, (long long)b->ref_total,
                b->ref_n_awards);
        return -1;
    }
    return 0;
}

/* All the awards of the last evaluation against the first's. */
static int check_awards(const struct bench *b)
{
    if (memcmp(b->awards, b->ref_awards, b->ref_n_awards * sizeof(*b->awards)) != 0) {
        fprintf(stderr, "bench_rules: the engine disagrees with itself on the awards\n");
        return -1;
    }
    return 0;
}

/* One flat evaluation (earn_flat in service.c without its allocations), checked. */
static int eval_flat(struct bench *b)
{
    memset(b->line_points, 0xff, sizeof(b->line_points));
    int64_t points =
        fdl_earn_points(&b->flat, b->in.total_minor - b->in.points_discount_minor);
    fdl_allocate(points, b->amounts, N_LINES, b->line_points);
    if (points != b->flat_ref_total ||
        memcmp(b->line_points, b->flat_ref_line_points, sizeof(b->line_points)) != 0) {
        fprintf(stderr, "bench_rules: the flat path disagrees with itself\n");
        return -1;
    }
    return 0;
}

/* Loads the program and computes the reference results. */
static int setup(struct bench *b, const char *path, struct fdl_program_def **def)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench_rules: cannot open %s\n", path);
        return -1;
    }
    static char text[FDL_PROGRAM_FILE_MAX_BYTES + 1];
    size_t len = fread(text, 1, sizeof(text), f);
    int read_error = ferror(f);
    fclose(f);
    if (read_error || len > FDL_PROGRAM_FILE_MAX_BYTES) {
        fprintf(stderr, "bench_rules: cannot read %s (or it is too large)\n", path);
        return -1;
    }
    struct fdl_error err;
    if (fdl_program_file_load(text, len, def, &err) != 0) {
        fprintf(stderr, "bench_rules: %s: %s: %s\n", path, err.field, err.message);
        return -1;
    }
    memset(b, 0, sizeof(*b));
    b->def = *def;
    b->in = purchase();
    b->flat = (*def)->program;
    b->flat.points_per_unit = 1;
    for (size_t i = 0; i < N_LINES; i++)
        b->amounts[i] = lines[i].amount_minor;
    b->cap = fdl_rules_max_awards(*def, N_LINES);
    b->awards = calloc(b->cap ? b->cap : 1, sizeof(*b->awards));
    b->ref_awards = calloc(b->cap ? b->cap : 1, sizeof(*b->awards));
    if (!b->awards || !b->ref_awards) {
        fprintf(stderr, "bench_rules: out of memory\n");
        return -1;
    }

    /* The references: evaluate once, then require the same ever after. */
    struct fdl_rules_result out = {0, b->ref_line_points, b->ref_awards, b->cap, 0};
    if (fdl_rules_evaluate(*def, &b->in, &out, &err) != 0) {
        fprintf(stderr, "bench_rules: fdl_rules_evaluate: %s: %s\n", err.field,
                err.message);
        return -1;
    }
    b->ref_total = out.total_points;
    b->ref_n_awards = out.n_awards;
    b->flat_ref_total =
        fdl_earn_points(&b->flat, b->in.total_minor - b->in.points_discount_minor);
    fdl_allocate(b->flat_ref_total, b->amounts, N_LINES, b->flat_ref_line_points);
    return 0;
}

/* How many rules gave the purchase points (the awards name them, in rule order). */
static size_t rules_giving_points(const struct bench *b)
{
    size_t n = 0;
    for (size_t i = 0; i < b->ref_n_awards; i++)
        n += i == 0 || b->ref_awards[i].rule != b->ref_awards[i - 1].rule;
    return n;
}

/* ---- timing ---- */

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

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), compare_doubles);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ns per evaluation of n evaluations of one path; -1 if a result differed. */
static double timed_run(struct bench *b, int flat, long n)
{
    double start = now_ns();
    for (long i = 0; i < n; i++)
        if ((flat ? eval_flat(b) : eval_rules(b)) != 0)
            return -1;
    double ns = (now_ns() - start) / (double)n;
    return flat || check_awards(b) == 0 ? ns : -1;
}

static int usage(void)
{
    fprintf(stderr, "usage: bench_rules [--evals N] [--runs R] [PROGRAM]\n"
                    "       bench_rules --count N [--path rules|flat] [PROGRAM]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *path = DEFAULT_PROGRAM;
    long evals = 200000, count = -1;
    int runs = 5, flat = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        char *end = NULL;
        if (strcmp(a, "--evals") == 0 && i + 1 < argc) {
            evals = strtol(argv[++i], &end, 10);
            if (*end || evals < 1)
                return usage();
        } else if (strcmp(a, "--runs") == 0 && i + 1 < argc) {
            runs = (int)strtol(argv[++i], &end, 10);
            if (*end || runs < 1 || runs > MAX_RUNS)
                return usage();
        } else if (strcmp(a, "--count") == 0 && i + 1 < argc) {
            count = strtol(argv[++i], &end, 10);
            if (*end || count < 0)
                return usage();
        } else if (strcmp(a, "--path") == 0 && i + 1 < argc) {
            const char *p = argv[++i];
            if (strcmp(p, "rules") != 0 && strcmp(p, "flat") != 0)
                return usage();
            flat = strcmp(p, "flat") == 0;
        } else if (a[0] == '-') {
            return usage();
        } else {
            path = a;
        }
    }

    struct bench b;
    struct fdl_program_def *def = NULL;
    if (setup(&b, path, &def) != 0)
        return 1;
    int rc = 0;

    if (count >= 0) {
        /* Callgrind: a warm-up, then exactly count evaluations. */
        if ((flat ? eval_flat(&b) : eval_rules(&b)) != 0)
            rc = 1;
        for (long i = 0; rc == 0 && i < count; i++)
            if ((flat ? eval_flat(&b) : eval_rules(&b)) != 0)
                rc = 1;
        if (rc == 0 && !flat && check_awards(&b) != 0)
            rc = 1;
        if (rc == 0)
            printf("%s_eval: %ld evaluations, %lld points each\n",
                   flat ? "flat" : "rules", count,
                   (long long)(flat ? b.flat_ref_total : b.ref_total));
    } else {
        printf("program: %s: %zu rules, %zu of them gave points\n", path, def->n_rules,
               rules_giving_points(&b));
        printf("purchase: %d lines, %.2f EUR (%.2f paid with points): rules %lld points "
               "in %zu awards; flat %lld points\n",
               N_LINES, (double)b.in.total_minor / 100,
               (double)b.in.points_discount_minor / 100, (long long)b.ref_total,
               b.ref_n_awards, (long long)b.flat_ref_total);
        fflush(stdout);
        double rules_ns[MAX_RUNS], flat_ns[MAX_RUNS];
        long flat_evals = evals * FLAT_FACTOR;
        /* Warm-up: caches, branch predictors, the CPU's clock. */
        if (timed_run(&b, 0, evals / 10 + 1) < 0 ||
            timed_run(&b, 1, flat_evals / 10 + 1) < 0)
            rc = 1;
        for (int r = 0; rc == 0 && r < runs; r++) {
            rules_ns[r] = timed_run(&b, 0, evals);
            flat_ns[r] = timed_run(&b, 1, flat_evals);
            if (rules_ns[r] < 0 || flat_ns[r] < 0)
                rc = 1;
        }
        if (rc == 0) {
            /* median() sorts, so the runs' range is at the ends. */
            double rn = median(rules_ns, runs), fn = median(flat_ns, runs);
            printf("rules_eval: %.0f ns/eval, %.0f evals/s (median of %d runs x %ld; "
                   "runs %.0f..%.0f ns)\n",
                   rn, 1e9 / rn, runs, evals, rules_ns[0], rules_ns[runs - 1]);
            printf("flat_eval: %.1f ns/eval, %.0f evals/s (median of %d runs x %ld; "
                   "runs %.1f..%.1f ns)\n",
                   fn, 1e9 / fn, runs, flat_evals, flat_ns[0], flat_ns[runs - 1]);
            printf("rules/flat: %.0fx the time\n", rn / fn);
        }
    }
    free(b.awards);
    free(b.ref_awards);
    fdl_program_def_free(def);
    return rc;
}
