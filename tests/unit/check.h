/*
 * check.h - the smallest unit-test harness that does the job.
 *
 * Each tests/unit/test_*.c is its own executable. A test is a function
 * `static void name(void)` registered with RUN(name) from main(); CHECK
 * macros record a failure (with file and line) and return from the test.
 * check_done() prints "N passed, N failed" (counting test functions) and
 * returns the exit status, so scripts/test.sh can total every suite.
 */
#ifndef FDL_CHECK_H
#define FDL_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_passed_count;
static int check_failed_count;
static int check_current_failed;

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);   \
            check_current_failed = 1;                                                    \
            return;                                                                      \
        }                                                                                \
    } while (0)

#define CHECK_INT(a, b)                                                                  \
    do {                                                                                 \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                  \
        if (check_a_ != check_b_) {                                                      \
            fprintf(stderr, "  %s:%d: %s == %lld, expected %s == %lld\n", __FILE__,      \
                    __LINE__, #a, check_a_, #b, check_b_);                               \
            check_current_failed = 1;                                                    \
            return;                                                                      \
        }                                                                                \
    } while (0)

#define CHECK_STR(a, b)                                                                  \
    do {                                                                                 \
        const char *check_a_ = (a), *check_b_ = (b);                                     \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {                 \
            fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__,        \
                    __LINE__, #a, check_a_ ? check_a_ : "(null)",                        \
                    check_b_ ? check_b_ : "(null)");                                     \
            check_current_failed = 1;                                                    \
            return;                                                                      \
        }                                                                                \
    } while (0)

#define RUN(fn)                                                                          \
    do {                                                                                 \
        check_current_failed = 0;                                                        \
        fn();                                                                            \
        if (check_current_failed) {                                                      \
            check_failed_count++;                                                        \
            printf("FAIL %s\n", #fn);                                                    \
        } else {                                                                         \
            check_passed_count++;                                                        \
            printf("ok   %s\n", #fn);                                                    \
        }                                                                                \
    } while (0)

static inline int check_done(void)
{
    printf("%d passed, %d failed\n", check_passed_count, check_failed_count);
    return check_failed_count ? 1 : 0;
}

#endif
