/*
 * fuzz_input.c - one fuzz target for every parser of untrusted input that
 * the pure core owns. The first byte picks the parser; the rest is its input:
 *   0  strict JSON parse + table decoding (a purchase-shaped table, nested lines)
 *   1  card number check
 *   2  UTF-8 validation and search folding
 *   3  RFC 3339 timestamps and dates
 *   4  program settings JSON
 * Built with libFuzzer (make it with scripts/fuzz.sh) and, for every test
 * run, with replay.c, which feeds it each file of tests/fuzz/corpus.
 */
#include "base/clock.h"
#include "base/json.h"
#include "base/text.h"
#include "engine/card.h"
#include "engine/program.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_line {
    const char *sku;
    int64_t quantity, price;
};

struct fuzz_purchase {
    const char *txn;
    int64_t member, time;
    json_t *lines;
    int flag;
};

static const struct fdl_json_field purchase_fields[] = {
    {"txn_id", FDL_JSON_STRING, 1, 1, 64, offsetof(struct fuzz_purchase, txn)},
    {"member_id", FDL_JSON_INT, 0, 1, INT64_MAX, offsetof(struct fuzz_purchase, member)},
    {"time", FDL_JSON_TIME, 0, 0, 0, offsetof(struct fuzz_purchase, time)},
    {"lines", FDL_JSON_ARRAY, 1, 1, 200, offsetof(struct fuzz_purchase, lines)},
    {"flag", FDL_JSON_BOOL, 0, 0, 1, offsetof(struct fuzz_purchase, flag)},
};

static const struct fdl_json_field line_fields[] = {
    {"sku", FDL_JSON_STRING, 1, 1, 64, offsetof(struct fuzz_line, sku)},
    {"quantity", FDL_JSON_INT, 1, 1, 100000, offsetof(struct fuzz_line, quantity)},
    {"unit_price", FDL_JSON_INT, 1, 0, 100000000, offsetof(struct fuzz_line, price)},
};

static void fuzz_json(const char *s, size_t n)
{
    json_t *root;
    struct fdl_error err;
    if (fdl_json_parse(s, n, 8, &root, &err))
        return;
    struct fuzz_purchase p;
    memset(&p, 0, sizeof(p));
    if (fdl_json_decode(root, purchase_fields, 5, &p, "", &err) == 0) {
        size_t i;
        json_t *line;
        json_array_foreach(p.lines, i, line)
        {
            struct fuzz_line l;
            if (json_is_object(line))
                fdl_json_decode(line, line_fields, 3, &l, "lines[0]", &err);
        }
    }
    json_decref(root);
}

static void fuzz_card(const char *s)
{
    static struct fdl_card_key key; /* all zero: fine for fuzzing */
    char digits[FDL_CARD_DIGITS + 1];
    struct fdl_error err;
    if (fdl_card_check(&key, 1, s, "card", digits, &err) == 0) {
        char pretty[FDL_CARD_FORMATTED_MAX];
        fdl_card_format(digits, pretty);
    }
}

static void fuzz_text(const char *s, size_t n)
{
    char out[512];
    fdl_utf8_valid(s, n);
    if (fdl_text_fold(s, n, out, sizeof(out)) >= 0) {
        char *words[8];
        fdl_text_words(out, words, 8);
    }
}

static void fuzz_time(const char *s)
{
    int64_t t, d;
    char text[FDL_TIME_TEXT_MAX], date[16];
    if (fdl_time_parse(s, &t) == 0)
        fdl_time_format(t, text);
    if (fdl_date_parse(s, &d) == 0)
        fdl_date_format(d, date);
}

static void fuzz_program(const char *s, size_t n)
{
    json_t *root;
    struct fdl_error err;
    if (fdl_json_parse(s, n, 8, &root, &err))
        return;
    struct fdl_program p;
    fdl_program_default(&p);
    if (fdl_program_from_json(root, &p, &err) == 0)
        json_decref(fdl_program_to_json(&p));
    json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    /* A NUL-terminated copy: some parsers take C strings. */
    char *s = malloc(size);
    if (!s)
        return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    size_t n = size - 1;
    switch (data[0] % 5) {
    case 0:
        fuzz_json(s, n);
        break;
    case 1:
        fuzz_card(s);
        break;
    case 2:
        fuzz_text(s, n);
        break;
    case 3:
        fuzz_time(s);
        break;
    case 4:
        fuzz_program(s, n);
        break;
    }
    free(s);
    return 0;
}
