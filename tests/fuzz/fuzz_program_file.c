/*
 * fuzz_program_file.c - the program file loader on arbitrary bytes.
 *
 * Loads the input as a program file. A refusal must carry a position
 * ("line L, column C: ") and a message and field that are valid UTF-8 (they
 * travel in JSON problem responses); anything else aborts. A file that
 * loads is then applied to a few fixed baskets at different times, so the
 * rules engine and the compiled conditions run on every shape of rule the
 * fuzzer finds, and the results must keep their invariants (line points
 * and awards sum to the total). Replayed over tests/fuzz/corpus_program on
 * every test run (test_fuzz_program_replay); to fuzz, from the top:
 *
 *   scripts/fuzz.sh program SECONDS, which does this:
 *   clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined
 *     -Isrc -include src/base/banned.h [every src/base and src/engine .c
 *     file but log.c] tests/fuzz/fuzz_program_file.c -lyaml -ljansson
 *     -lsodium -lm -o build-fuzz/fuzz_program_file
 *   build-fuzz/fuzz_program_file -max_len=4096 NEW_DIR tests/fuzz/corpus_program
 *   build-fuzz/fuzz_program_file -merge=1 tests/fuzz/corpus_program NEW_DIR
 */
#include "base/limits.h"
#include "base/text.h"
#include "engine/program_file.h"
#include "engine/rules.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(int rc, const struct fdl_error *err)
{
    int line, column;
    if (err->code != rc || !memchr(err->message, '\0', sizeof(err->message)) ||
        !memchr(err->field, '\0', sizeof(err->field)))
        abort();
    if (!fdl_utf8_valid(err->message, strlen(err->message)) ||
        !fdl_utf8_valid(err->field, strlen(err->field)))
        abort();
    if (rc != FDL_ENOMEM && fdl_program_file_error_position(err, &line, &column) != 0)
        abort();
}

static void evaluate(const struct fdl_program_def *def, int hour, int weekday, int first)
{
    static const char *const red[] = {"red"};
    static const char *const two[] = {"blue", "new-season"};
    static const char *const segments[] = {"vip", "students"};
    struct fdl_rules_line lines[] = {
        {"A", "coffee", red, 1, 2, 250, 500},
        {"B", "coats", two, 2, 1, 10000, 10000},
        {"DELIVERY", "services", NULL, 0, 1, 4000, 4000},
        {"FREE", "gift-cards", NULL, 0, 3, 0, 0},
    };
    struct fdl_rules_input in;
    memset(&in, 0, sizeof(in));
    in.lines = lines;
    in.n_lines = 4;
    in.total_minor = 14500;
    in.points_discount_minor = first ? 0 : 1000;
    in.member =
        (struct fdl_rules_member){"gold", segments, 2, 7, 120000, 400, first, !first};
    in.now = (struct fdl_local_time){2026, 12, 5, weekday, hour, 30};
    in.store = "BCN-01";
    in.channel = first ? "till" : "app";

    int64_t line_points[4];
    static struct fdl_rules_award awards[FDL_MAX_RULES * 4];
    struct fdl_rules_result out = {0, line_points, awards, FDL_MAX_RULES * 4, 0};
    struct fdl_error err;
    int rc = fdl_rules_evaluate(def, &in, &out, &err);
    if (rc) {
        if (rc != FDL_ERANGE)
            abort();
        return;
    }
    int64_t by_line = 0, by_award = 0;
    for (size_t i = 0; i < 4; i++) {
        if (line_points[i] < 0)
            abort();
        by_line += line_points[i];
    }
    for (size_t i = 0; i < out.n_awards; i++)
        by_award += awards[i].points;
    if (by_line != out.total_points || by_award != out.total_points ||
        out.total_points < 0 || out.total_points > FDL_MAX_POINTS)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fdl_program_def *def = NULL;
    struct fdl_error err;
    fdl_error_clear(&err);
    int rc = fdl_program_file_load((const char *)data, size, &def, &err);
    if (rc) {
        check_error(rc, &err);
        return 0;
    }
    evaluate(def, 8, 6, 1);
    evaluate(def, 16, 2, 0);
    fdl_program_def_free(def);
    return 0;
}
