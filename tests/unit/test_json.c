/*
 * test_json.c - strict JSON input: what the parser refuses and how the
 * table-driven decoder reports each kind of bad field.
 *
 * Every refusal is checked for its code and, where the API promises one, the
 * field path a client would see in the problem response.
 */
#include "base/json.h"

#include "base/limits.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* A pointer parse must leave alone when it fails. */
static json_t *const untouched = (json_t *)&check_passed_count;

/* Parses text (strlen bytes) with max_depth; returns the code, frees the tree. */
static int parse_code(const char *text, int max_depth, struct fdl_error *err)
{
    json_t *root = untouched;
    fdl_error_clear(err);
    int rc = fdl_json_parse(text, strlen(text), max_depth, &root, err);
    if (rc == 0) {
        if (root == untouched || !json_is_object(root))
            return -9999;
        json_decref(root);
    } else if (root != untouched || err->code != rc) {
        return -9998;
    }
    return rc;
}

/* Writes `depth` levels of nesting, alternating objects and arrays. */
static void nested(char *out, size_t cap, int depth)
{
    size_t n = 0;
    for (int i = 0; i < depth; i++) {
        if (i % 2 == 0) {
            n += (size_t)snprintf(out + n, cap - n, "{\"k\":");
        } else {
            n += (size_t)snprintf(out + n, cap - n, "[");
        }
    }
    n += (size_t)snprintf(out + n, cap - n, "1");
    for (int i = depth - 1; i >= 0; i--)
        n += (size_t)snprintf(out + n, cap - n, i % 2 == 0 ? "}" : "]");
}

static void test_parse_accepts_an_object(void)
{
    struct fdl_error err;
    json_t *root = NULL;
    const char *text = "{\"a\": 1, \"b\": \"x\"}";
    CHECK_INT(fdl_json_parse(text, strlen(text), FDL_MAX_JSON_DEPTH, &root, &err), 0);
    CHECK(json_is_object(root));
    CHECK_INT(json_integer_value(json_object_get(root, "a")), 1);
    CHECK_STR(json_string_value(json_object_get(root, "b")), "x");
    json_decref(root);
}

static void test_parse_uses_only_len_bytes(void)
{
    struct fdl_error err;
    json_t *root = NULL;
    const char *text = "{\"a\": 1}garbage";
    CHECK_INT(fdl_json_parse(text, 8, FDL_MAX_JSON_DEPTH, &root, &err), 0);
    CHECK_INT(json_integer_value(json_object_get(root, "a")), 1);
    json_decref(root);
}

static void test_parse_refuses_duplicate_keys(void)
{
    struct fdl_error err;
    CHECK_INT(parse_code("{\"a\": 1, \"a\": 2}", 8, &err), FDL_EJSON);
    CHECK_INT(parse_code("{\"o\": {\"a\": 1, \"a\": 1}}", 8, &err), FDL_EJSON);
}

static void test_parse_refuses_invalid_utf8(void)
{
    struct fdl_error err;
    CHECK_INT(parse_code("{\"a\": \"\xff\"}", 8, &err), FDL_EJSON);
    CHECK_INT(parse_code("{\"\xc3\": 1}", 8, &err), FDL_EJSON);
    /* overlong encoding of '/' */
    CHECK_INT(parse_code("{\"a\": \"\xc0\xaf\"}", 8, &err), FDL_EJSON);
    /* valid multi-byte UTF-8 is fine */
    CHECK_INT(parse_code("{\"a\": \"caf\xc3\xa9\"}", 8, &err), 0);
}

static void test_parse_refuses_nul_in_strings(void)
{
    struct fdl_error err;
    CHECK_INT(parse_code("{\"a\": \"x\\u0000y\"}", 8, &err), FDL_EJSON);
    CHECK_INT(parse_code("{\"\\u0000\": 1}", 8, &err), FDL_EJSON);
    /* a raw NUL byte inside the buffer */
    static const char raw[] = "{\"a\": \"x\0y\"}";
    json_t *root = untouched;
    CHECK_INT(fdl_json_parse(raw, sizeof(raw) - 1, 8, &root, &err), FDL_EJSON);
    CHECK(root == untouched);
}

static void test_parse_refuses_non_object_root(void)
{
    struct fdl_error err;
    CHECK_INT(parse_code("[1, 2]", 8, &err), FDL_EJSON);
    CHECK_INT(parse_code("\"text\"", 8, &err), FDL_EJSON);
    CHECK_INT(parse_code("42", 8, &err), FDL_EJSON);
    CHECK_INT(parse_code("null", 8, &err), FDL_EJSON);
    CHECK_INT(parse_code("true", 8, &err), FDL_EJSON);
}

static void test_parse_refuses_malformed_json(void)
{
    struct fdl_error err;
    CHECK_INT(parse_code("", 8, &err), FDL_EJSON);
    CHECK_INT(parse_code("{", 8, &err), FDL_EJSON);
    CHECK_INT(parse_code("{\"a\":}", 8, &err), FDL_EJSON);
    CHECK_INT(parse_code("{\"a\": 1,}", 8, &err), FDL_EJSON);
    CHECK_INT(parse_code("{'a': 1}", 8, &err), FDL_EJSON);
    CHECK_INT(parse_code("{\"a\": 1} {\"b\": 2}", 8, &err), FDL_EJSON);
}

static void test_parse_accepts_nesting_at_the_limit(void)
{
    struct fdl_error err;
    char text[256];
    nested(text, sizeof(text), 8);
    CHECK_INT(parse_code(text, 8, &err), 0);
    nested(text, sizeof(text), FDL_MAX_JSON_DEPTH);
    CHECK_INT(parse_code(text, FDL_MAX_JSON_DEPTH, &err), 0);
    nested(text, sizeof(text), 1);
    CHECK_INT(parse_code(text, 1, &err), 0);
}

static void test_parse_refuses_nesting_one_past_the_limit(void)
{
    struct fdl_error err;
    char text[256];
    nested(text, sizeof(text), 9);
    CHECK_INT(parse_code(text, 8, &err), FDL_ETOO_DEEP);
    nested(text, sizeof(text), FDL_MAX_JSON_DEPTH + 1);
    CHECK_INT(parse_code(text, FDL_MAX_JSON_DEPTH, &err), FDL_ETOO_DEEP);
    nested(text, sizeof(text), 2);
    CHECK_INT(parse_code(text, 1, &err), FDL_ETOO_DEEP);
    /* Siblings do not add up: two objects side by side are depth 2, not 3. */
    CHECK_INT(parse_code("{\"a\": {}, \"b\": [], \"c\": {}}", 2, &err), 0);
}

static void test_parse_does_not_count_brackets_inside_strings(void)
{
    struct fdl_error err;
    CHECK_INT(parse_code("{\"a\": \"[[[[[[[[[[{{{{{{{{{{\"}", 1, &err), 0);
    CHECK_INT(parse_code("{\"[[[[{{{{\": \"]]]]}}}}\"}", 1, &err), 0);
    /* An escaped quote does not end the string early. */
    CHECK_INT(parse_code("{\"a\": \"\\\"[[[[[[[[[[\"}", 1, &err), 0);
    /* An escaped backslash does end it: the nesting after it counts. */
    CHECK_INT(parse_code("{\"a\": \"\\\\\", \"b\": [[1]]}", 3, &err), 0);
    CHECK_INT(parse_code("{\"a\": \"\\\\\", \"b\": [[1]]}", 2, &err), FDL_ETOO_DEEP);
}

static void test_parse_refuses_integer_too_big_for_int64(void)
{
    struct fdl_error err;
    CHECK_INT(parse_code("{\"a\": 9223372036854775808}", 8, &err), FDL_ERANGE);
    CHECK_STR(err.field, "a");
    CHECK_INT(parse_code("{\"a\": -9223372036854775809}", 8, &err), FDL_ERANGE);
    CHECK_INT(parse_code("{\"l\": [1, {\"q\": 99999999999999999999}]}", 8, &err),
              FDL_ERANGE);
    CHECK_STR(err.field, "l[1].q");
    json_t *root = NULL;
    const char *text = "{\"a\": 9223372036854775807, \"b\": -9223372036854775808}";
    CHECK_INT(fdl_json_parse(text, strlen(text), 8, &root, &err), 0);
    CHECK(json_integer_value(json_object_get(root, "a")) == INT64_MAX);
    CHECK(json_integer_value(json_object_get(root, "b")) == INT64_MIN);
    json_decref(root);
}

/* ---- decoding ---- */

struct sample {
    const char *sku;
    int64_t quantity;
    int gift;
    int64_t at_s;
    int64_t birthday_days;
    json_t *tags;
    json_t *meta;
};

#define SO(f) offsetof(struct sample, f)
static const struct fdl_json_field sample_fields[] = {
    {"sku", FDL_JSON_STRING, 1, 1, 8, SO(sku)},
    {"quantity", FDL_JSON_INT, 0, 1, 100000, SO(quantity)},
    {"gift", FDL_JSON_BOOL, 0, 0, 1, SO(gift)},
    {"at", FDL_JSON_TIME, 0, 0, 40, SO(at_s)},
    /* min/max mean nothing for dates; tables leave them 0 */
    {"birthday", FDL_JSON_DATE, 0, 0, 0, SO(birthday_days)},
    {"tags", FDL_JSON_ARRAY, 0, 0, 3, SO(tags)},
    {"meta", FDL_JSON_OBJECT, 0, 0, 0, SO(meta)},
};
#undef SO
#define SAMPLE_FIELDS (sizeof(sample_fields) / sizeof(sample_fields[0]))

static const struct sample sample_unset = {"unset", -7, 7, -7, -7, NULL, NULL};

/* Parses text and decodes it into *out (starting from sample_unset) under
 * path; returns the decode code, with err filled. The tree is kept in *tree. */
static int decode_text(const char *text, const char *path, struct sample *out,
                       struct fdl_error *err, json_t **tree)
{
    *out = sample_unset;
    fdl_error_clear(err);
    *tree = NULL;
    if (fdl_json_parse(text, strlen(text), FDL_MAX_JSON_DEPTH, tree, err))
        return -9999;
    int rc = fdl_json_decode(*tree, sample_fields, SAMPLE_FIELDS, out, path, err);
    if (rc != 0 && err->code != rc)
        return -9998;
    return rc;
}

static void test_decode_fills_every_kind(void)
{
    struct sample s;
    struct fdl_error err;
    json_t *tree;
    const char *text =
        "{\"sku\": \"A-1\", \"quantity\": 3, \"gift\": true,"
        " \"at\": \"2026-11-23T19:30:00+01:00\", \"birthday\": \"1990-05-17\","
        " \"tags\": [\"x\", \"y\"], \"meta\": {\"k\": 1}}";
    int rc = decode_text(text, "", &s, &err, &tree);
    CHECK_INT(rc, 0);
    CHECK_STR(s.sku, "A-1");
    CHECK_INT(s.quantity, 3);
    CHECK_INT(s.gift, 1);
    CHECK_INT(s.at_s, 1795458600);
    CHECK_INT(s.birthday_days, 7441);
    CHECK(json_is_array(s.tags) && json_array_size(s.tags) == 2);
    CHECK(json_is_object(s.meta) && json_object_get(s.meta, "k"));
    json_decref(tree);
}

static void test_decode_leaves_absent_optional_fields_untouched(void)
{
    struct sample s;
    struct fdl_error err;
    json_t *tree;
    CHECK_INT(decode_text("{\"sku\": \"A\"}", "", &s, &err, &tree), 0);
    CHECK_STR(s.sku, "A");
    CHECK_INT(s.quantity, sample_unset.quantity);
    CHECK_INT(s.gift, sample_unset.gift);
    CHECK_INT(s.at_s, sample_unset.at_s);
    CHECK_INT(s.birthday_days, sample_unset.birthday_days);
    CHECK(s.tags == NULL && s.meta == NULL);
    json_decref(tree);
}

static void test_decode_treats_null_as_absent(void)
{
    struct sample s;
    struct fdl_error err;
    json_t *tree;
    int rc =
        decode_text("{\"sku\": \"A\", \"quantity\": null, \"gift\": null, \"at\": null,"
                    " \"birthday\": null, \"tags\": null, \"meta\": null}",
                    "", &s, &err, &tree);
    CHECK_INT(rc, 0);
    CHECK_INT(s.quantity, sample_unset.quantity);
    CHECK_INT(s.gift, sample_unset.gift);
    CHECK_INT(s.at_s, sample_unset.at_s);
    CHECK(s.tags == NULL && s.meta == NULL);
    json_decref(tree);

    /* A required field that is null is missing. */
    rc = decode_text("{\"sku\": null}", "", &s, &err, &tree);
    json_decref(tree);
    CHECK_INT(rc, FDL_EMISSING_FIELD);
    CHECK_STR(err.field, "sku");
}

static void test_decode_refuses_unknown_field_naming_its_path(void)
{
    struct sample s;
    struct fdl_error err;
    json_t *tree;
    int rc = decode_text("{\"sku\": \"A\", \"x\": 1}", "lines[0]", &s, &err, &tree);
    json_decref(tree);
    CHECK_INT(rc, FDL_EUNKNOWN_FIELD);
    CHECK_STR(err.field, "lines[0].x");

    rc = decode_text("{\"sku\": \"A\", \"x\": 1}", "", &s, &err, &tree);
    json_decref(tree);
    CHECK_INT(rc, FDL_EUNKNOWN_FIELD);
    CHECK_STR(err.field, "x");

    rc = decode_text("{\"sku\": \"A\", \"x\": 1}", NULL, &s, &err, &tree);
    json_decref(tree);
    CHECK_INT(rc, FDL_EUNKNOWN_FIELD);
    CHECK_STR(err.field, "x");

    /* Even a null value under an unknown key is refused. */
    rc = decode_text("{\"sku\": \"A\", \"SKU\": null}", "", &s, &err, &tree);
    json_decref(tree);
    CHECK_INT(rc, FDL_EUNKNOWN_FIELD);
    CHECK_STR(err.field, "SKU");
}

static void test_decode_refuses_missing_required_field(void)
{
    struct sample s;
    struct fdl_error err;
    json_t *tree;
    int rc = decode_text("{\"quantity\": 1}", "lines[2]", &s, &err, &tree);
    json_decref(tree);
    CHECK_INT(rc, FDL_EMISSING_FIELD);
    CHECK_STR(err.field, "lines[2].sku");
}

static void test_decode_refuses_wrong_types(void)
{
    static const struct {
        const char *text, *field;
    } cases[] = {
        {"{\"sku\": \"A\", \"quantity\": 1.5}", "quantity"},
        {"{\"sku\": \"A\", \"quantity\": 2.0}", "quantity"},
        {"{\"sku\": \"A\", \"quantity\": \"5\"}", "quantity"},
        {"{\"sku\": \"A\", \"quantity\": true}", "quantity"},
        {"{\"sku\": 5}", "sku"},
        {"{\"sku\": [\"A\"]}", "sku"},
        {"{\"sku\": \"A\", \"gift\": 1}", "gift"},
        {"{\"sku\": \"A\", \"gift\": \"true\"}", "gift"},
        {"{\"sku\": \"A\", \"at\": 1795458600}", "at"},
        {"{\"sku\": \"A\", \"at\": \"2026-11-23\"}", "at"},
        {"{\"sku\": \"A\", \"at\": \"2026-11-23T18:30:00\"}", "at"},
        {"{\"sku\": \"A\", \"birthday\": \"1990-02-30\"}", "birthday"},
        {"{\"sku\": \"A\", \"birthday\": \"1990-05-17T00:00:00Z\"}", "birthday"},
        {"{\"sku\": \"A\", \"birthday\": 7441}", "birthday"},
        {"{\"sku\": \"A\", \"tags\": {}}", "tags"},
        {"{\"sku\": \"A\", \"meta\": []}", "meta"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sample s;
        struct fdl_error err;
        json_t *tree;
        int rc = decode_text(cases[i].text, "", &s, &err, &tree);
        json_decref(tree);
        if (rc != FDL_EFIELD_TYPE || strcmp(err.field, cases[i].field) != 0) {
            fprintf(stderr, "  %s: rc %d field \"%s\"\n", cases[i].text, rc, err.field);
            CHECK(0);
        }
    }
}

/* The tree of the last decode_one, kept so decoded strings stay valid. */
static json_t *kept_tree;

/* Decodes one field value; returns the code (0 on success). */
static int decode_one(const char *field, const char *value_json, struct sample *s,
                      struct fdl_error *err)
{
    json_decref(kept_tree);
    kept_tree = NULL;
    char text[256];
    snprintf(text, sizeof(text), "{\"sku\": \"A\", \"%s\": %s}", field, value_json);
    if (strcmp(field, "sku") == 0)
        snprintf(text, sizeof(text), "{\"sku\": %s}", value_json);
    int rc = decode_text(text, "", s, err, &kept_tree);
    return rc;
}

static void test_decode_int_range_inclusive_at_limits(void)
{
    struct sample s;
    struct fdl_error err;
    CHECK_INT(decode_one("quantity", "1", &s, &err), 0);
    CHECK_INT(s.quantity, 1);
    CHECK_INT(decode_one("quantity", "100000", &s, &err), 0);
    CHECK_INT(s.quantity, 100000);
    CHECK_INT(decode_one("quantity", "0", &s, &err), FDL_ERANGE);
    CHECK_STR(err.field, "quantity");
    CHECK_INT(decode_one("quantity", "100001", &s, &err), FDL_ERANGE);
    CHECK_STR(err.field, "quantity");
    CHECK_INT(decode_one("quantity", "-1", &s, &err), FDL_ERANGE);
    CHECK_INT(decode_one("quantity", "9223372036854775807", &s, &err), FDL_ERANGE);
}

static void test_decode_int_accepts_full_int64_range(void)
{
    static const struct fdl_json_field wide[] = {
        {"v", FDL_JSON_INT, 1, INT64_MIN, INT64_MAX, 0},
    };
    const char *text = "{\"v\": -9223372036854775808}";
    struct fdl_error err;
    json_t *tree = NULL;
    CHECK_INT(fdl_json_parse(text, strlen(text), 8, &tree, &err), 0);
    int64_t v = 0;
    CHECK_INT(fdl_json_decode(tree, wide, 1, &v, "", &err), 0);
    json_decref(tree);
    CHECK(v == INT64_MIN);
}

static void test_decode_string_length_in_bytes_at_limits(void)
{
    struct sample s;
    struct fdl_error err;
    CHECK_INT(decode_one("sku", "\"A\"", &s, &err), 0);
    CHECK_STR(s.sku, "A");
    CHECK_INT(decode_one("sku", "\"ABCDEFGH\"", &s, &err), 0);
    CHECK_STR(s.sku, "ABCDEFGH");
    CHECK_INT(decode_one("sku", "\"\"", &s, &err), FDL_ERANGE);
    CHECK_STR(err.field, "sku");
    CHECK_INT(decode_one("sku", "\"ABCDEFGHI\"", &s, &err), FDL_ERANGE);
    CHECK_STR(err.field, "sku");
    /* 4 x "é" is 8 bytes (fits), 4 characters plus one more byte does not */
    CHECK_INT(decode_one("sku", "\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"", &s, &err), 0);
    CHECK_INT(decode_one("sku", "\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9x\"", &s, &err),
              FDL_ERANGE);
}

static void test_decode_array_element_count_at_limits(void)
{
    struct sample s;
    struct fdl_error err;
    CHECK_INT(decode_one("tags", "[]", &s, &err), 0);
    CHECK_INT(json_array_size(s.tags), 0);
    CHECK_INT(decode_one("tags", "[1, 2, 3]", &s, &err), 0);
    CHECK_INT(decode_one("tags", "[1, 2, 3, 4]", &s, &err), FDL_ERANGE);
    CHECK_STR(err.field, "tags");
}

static void test_decode_time_and_date_kinds(void)
{
    struct sample s;
    struct fdl_error err;
    CHECK_INT(decode_one("at", "\"2026-11-23T18:30:00Z\"", &s, &err), 0);
    CHECK_INT(s.at_s, 1795458600);
    CHECK_INT(decode_one("at", "\"2026-11-23T18:30:00.250-05:30\"", &s, &err), 0);
    CHECK_INT(s.at_s, 1795458600 + 5 * 3600 + 1800);
    CHECK_INT(decode_one("at", "\"2026-13-23T18:30:00Z\"", &s, &err), FDL_EFIELD_TYPE);
    CHECK_STR(err.field, "at");
    CHECK_INT(decode_one("birthday", "\"1990-05-17\"", &s, &err), 0);
    CHECK_INT(s.birthday_days, 7441);
    CHECK_INT(decode_one("birthday", "\"1970-01-01\"", &s, &err), 0);
    CHECK_INT(s.birthday_days, 0);
    CHECK_INT(decode_one("birthday", "\"\"", &s, &err), FDL_EFIELD_TYPE);
    CHECK_STR(err.field, "birthday");
}

static void test_decode_error_paths_nest(void)
{
    struct sample s;
    struct fdl_error err;
    json_t *tree;
    int rc =
        decode_text("{\"sku\": \"A\", \"quantity\": 0}", "lines[12]", &s, &err, &tree);
    json_decref(tree);
    CHECK_INT(rc, FDL_ERANGE);
    CHECK_STR(err.field, "lines[12].quantity");
    rc = decode_text("{\"sku\": 1}", "order.lines[0]", &s, &err, &tree);
    json_decref(tree);
    CHECK_INT(rc, FDL_EFIELD_TYPE);
    CHECK_STR(err.field, "order.lines[0].sku");
}

static void test_type_names_for_messages(void)
{
    json_t *values[] = {json_object(),  json_array(), json_string("s"), json_integer(1),
                        json_real(1.5), json_true(),  json_false(),     json_null()};
    static const char *const names[] = {"object", "array",   "string",  "integer",
                                        "number", "boolean", "boolean", "null"};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        const char *name = fdl_json_type_name(values[i]);
        int same = strcmp(name, names[i]) == 0;
        json_decref(values[i]);
        CHECK(same);
    }
}

int main(void)
{
    RUN(test_parse_accepts_an_object);
    RUN(test_parse_uses_only_len_bytes);
    RUN(test_parse_refuses_duplicate_keys);
    RUN(test_parse_refuses_invalid_utf8);
    RUN(test_parse_refuses_nul_in_strings);
    RUN(test_parse_refuses_non_object_root);
    RUN(test_parse_refuses_malformed_json);
    RUN(test_parse_accepts_nesting_at_the_limit);
    RUN(test_parse_refuses_nesting_one_past_the_limit);
    RUN(test_parse_does_not_count_brackets_inside_strings);
    RUN(test_parse_refuses_integer_too_big_for_int64);
    RUN(test_decode_fills_every_kind);
    RUN(test_decode_leaves_absent_optional_fields_untouched);
    RUN(test_decode_treats_null_as_absent);
    RUN(test_decode_refuses_unknown_field_naming_its_path);
    RUN(test_decode_refuses_missing_required_field);
    RUN(test_decode_refuses_wrong_types);
    RUN(test_decode_int_range_inclusive_at_limits);
    RUN(test_decode_int_accepts_full_int64_range);
    RUN(test_decode_string_length_in_bytes_at_limits);
    RUN(test_decode_array_element_count_at_limits);
    RUN(test_decode_time_and_date_kinds);
    RUN(test_decode_error_paths_nest);
    RUN(test_type_names_for_messages);
    json_decref(kept_tree);
    return check_done();
}
