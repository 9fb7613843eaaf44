/*
 * test_program_file.c - the YAML program file: every key, every refusal
 * with its line, column and key path, the limits at and past their values,
 * and the example programs in examples/.
 *
 * Positions are counted by hand from the texts (1-based lines and columns,
 * as an editor shows them).
 */
#include "engine/program_file.h"

#include "base/clock.h"
#include "base/limits.h"
#include "engine/rules.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "source.h"

/* Lines 1-4 of most texts below; "earn:" is then line 5, the first rule line 6. */
#define PROGRAM "program:\n  name: Test\n  currency: EUR\n  time_zone: Europe/Madrid\n"
#define EARN    PROGRAM "earn:\n"

/* A pointer load must leave alone when it fails. */
static struct fdl_program_def *const untouched =
    (struct fdl_program_def *)&check_passed_count;

static struct fdl_program_def *load_text(const char *text, size_t len)
{
    struct fdl_program_def *def = NULL;
    struct fdl_error err;
    if (fdl_program_file_load(text, len, &def, &err) != 0) {
        fprintf(stderr, "  load failed: %s: %s\n", err.field, err.message);
        return NULL;
    }
    return def;
}

static struct fdl_program_def *load(const char *text)
{
    return load_text(text, strlen(text));
}

static struct fdl_error last_error;

/*
 * Loads text[0..len) expecting failure with code at line:column on field;
 * prints what came instead and returns 0 if it does not match.
 */
static int refused_n(const char *text, size_t len, int code, int line, int column,
                     const char *field)
{
    struct fdl_program_def *def = untouched;
    struct fdl_error *err = &last_error;
    fdl_error_clear(err);
    int rc = fdl_program_file_load(text, len, &def, err);
    int l = 0, c = 0;
    fdl_program_file_error_position(err, &l, &c);
    if (rc == 0)
        fdl_program_def_free(def);
    if (rc != code || err->code != rc || l != line || c != column ||
        strcmp(err->field, field) != 0 || def != untouched) {
        fprintf(stderr,
                "  got %d at %d:%d on \"%s\" (%s)\n  expected %d at %d:%d on \"%s\"\n",
                rc, l, c, err->field, err->message, code, line, column, field);
        return 0;
    }
    return 1;
}

static int refused(const char *text, int code, int line, int column, const char *field)
{
    return refused_n(text, strlen(text), code, line, column, field);
}

/* The message of the last refusal contains needle. */
static int said(const char *needle)
{
    if (strstr(last_error.message, needle))
        return 1;
    fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", last_error.message, needle);
    return 0;
}

/* ---- what loads ---- */

static void test_minimal_file_takes_defaults(void)
{
    struct fdl_program_def *def = load("# the least a program says\n" PROGRAM);
    CHECK(def);
    const struct fdl_program *p = &def->program;
    CHECK_STR(p->name, "Test");
    CHECK_STR(p->currency, "EUR");
    CHECK_INT(p->minor_per_unit, 100);
    CHECK_STR(p->time_zone, "Europe/Madrid");
    CHECK_INT(p->rounding, FDL_ROUND_DOWN);
    CHECK_STR(p->language, "en");
    CHECK_INT(p->expiry_months, 12);
    CHECK_INT(p->pending_days, 0);
    CHECK_INT(p->point_value_minor, 1);
    CHECK_INT(def->n_rules, 0);
    fdl_program_def_free(def);
}

static void test_every_key(void)
{
    const char *text =
        "# every key there is\n"
        "program:\n"
        "  name: Café Test\n"
        "  currency: KWD\n"
        "  minor_per_unit: 1000\n"
        "  time_zone: Asia/Kuwait\n"
        "  rounding: half-up\n"
        "  language: ru\n"
        "points:\n"
        "  expiry_months: 6\n"
        "  pending_days: 14\n"
        "  value: 0.005\n"
        "earn:\n"
        "  - id: base\n"
        "    description: The base rate\n"
        "    rate: 2.5\n"
        "    on: gross\n"
        "    skus: [B, A]\n"
        "    categories: [c]\n"
        "    labels: [l]\n"
        "    exclude: { skus: [X], categories: [y], labels: [z] }\n"
        "    stores: [S2, S1]\n"
        "    channels: [till]\n"
        "    tiers: [gold]\n"
        "    weekdays: [sun, mon]\n"
        "    hours: \"07:30-11:00\"\n"
        "    valid_from: 2026-12-01\n"
        "    valid_until: 2026-12-31\n"
        "    min_spend: 10.125\n"
        "    cap: 500\n"
        "    stop: true\n"
        "    when: basket.total >= 10 and now.weekday in (sat, sun)\n"
        "    when_line: line.quantity > 1\n"
        "  - id: more\n"
        "    multiplier: 1.25\n"
        "  - id: birthday\n"
        "    bonus: 50\n"
        "    per: unit\n"
        "    event: birthday\n"
        "  - {id: first, bonus: 5, per: line, event: first_purchase, stop: false}\n";
    struct fdl_program_def *def = load(text);
    CHECK(def);
    const struct fdl_program *p = &def->program;
    CHECK_STR(p->name, "Café Test");
    CHECK_STR(p->currency, "KWD");
    CHECK_INT(p->minor_per_unit, 1000);
    CHECK_STR(p->time_zone, "Asia/Kuwait");
    CHECK_INT(p->rounding, FDL_ROUND_HALF_UP);
    CHECK_STR(p->language, "ru");
    CHECK_INT(p->expiry_months, 6);
    CHECK_INT(p->pending_days, 14);
    CHECK_INT(p->point_value_minor, 5);
    CHECK_INT(p->points_per_unit, 0); /* the first rule has filters */
    CHECK_INT(def->n_rules, 4);

    const struct fdl_rule *r = &def->rules[0];
    CHECK_STR(r->id, "base");
    CHECK_STR(r->description, "The base rate");
    CHECK_INT(r->line, 14);
    CHECK_INT(r->kind, FDL_RULE_RATE);
    CHECK_INT(r->rate_milli, 2500);
    CHECK_INT(r->basis, FDL_BASIS_GROSS);
    CHECK_INT(r->skus.n, 2);
    CHECK_STR(r->skus.items[0], "A"); /* sorted */
    CHECK_STR(r->skus.items[1], "B");
    CHECK_STR(r->categories.items[0], "c");
    CHECK_STR(r->labels.items[0], "l");
    CHECK_STR(r->exclude_skus.items[0], "X");
    CHECK_STR(r->exclude_categories.items[0], "y");
    CHECK_STR(r->exclude_labels.items[0], "z");
    CHECK_STR(r->stores.items[0], "S1");
    CHECK_STR(r->channels.items[0], "till");
    CHECK_STR(r->tiers.items[0], "gold");
    CHECK_INT(r->weekdays_mask, (1 << 0) | (1 << 6));
    CHECK_INT(r->has_hours, 1);
    CHECK_INT(r->hours_from_min, 7 * 60 + 30);
    CHECK_INT(r->hours_until_min, 11 * 60);
    CHECK_INT(r->has_valid_from, 1);
    CHECK_INT(r->valid_from_day, fdl_days_from_civil(2026, 12, 1));
    CHECK_INT(r->valid_until_day, fdl_days_from_civil(2026, 12, 31));
    CHECK_INT(r->min_spend_minor, 10125);
    CHECK_INT(r->cap_points, 500);
    CHECK_INT(r->stop, 1);
    CHECK(r->when != NULL);
    CHECK(r->when_line != NULL);

    r = &def->rules[1];
    CHECK_INT(r->kind, FDL_RULE_MULTIPLIER);
    CHECK_INT(r->multiplier_centi, 125);
    CHECK_STR(r->description, "");
    CHECK(r->when == NULL);

    r = &def->rules[2];
    CHECK_INT(r->kind, FDL_RULE_BONUS);
    CHECK_INT(r->bonus_points, 50);
    CHECK_INT(r->per, FDL_PER_UNIT);
    CHECK_INT(r->event, FDL_EVENT_BIRTHDAY);

    r = &def->rules[3];
    CHECK_INT(r->per, FDL_PER_LINE);
    CHECK_INT(r->event, FDL_EVENT_FIRST_PURCHASE);
    CHECK_INT(r->stop, 0);
    fdl_program_def_free(def);
}

static void test_minor_per_unit_defaults_from_the_currency(void)
{
    struct fdl_program_def *jpy =
        load("program: {name: T, currency: JPY, time_zone: Asia/Tokyo}\n"
             "earn: [{id: b, bonus: 1, min_spend: 1000}]\n");
    struct fdl_program_def *kwd =
        load("program: {name: T, currency: KWD, time_zone: UTC}\n");
    CHECK(jpy && kwd);
    CHECK_INT(jpy->program.minor_per_unit, 1);
    CHECK_INT(jpy->rules[0].min_spend_minor, 1000);
    CHECK_INT(kwd->program.minor_per_unit, 1000);
    fdl_program_def_free(jpy);
    fdl_program_def_free(kwd);
}

static void test_flat_rate_is_kept_as_points_per_unit(void)
{
    struct fdl_program_def *def = load(EARN "  - {id: base, rate: 4}\n");
    CHECK(def);
    CHECK_INT(def->program.points_per_unit, 4);
    fdl_program_def_free(def);
}

static void test_block_and_quoted_scalars(void)
{
    struct fdl_program_def *def = load(EARN "  - id: 'quoted'\n"
                                            "    bonus: 5\n"
                                            "    description: >\n"
                                            "      folded text\n"
                                            "    when: |\n"
                                            "      basket.total >= 10\n"
                                            "        and basket.lines > 1\n");
    CHECK(def);
    CHECK_STR(def->rules[0].id, "quoted");
    CHECK_STR(def->rules[0].description, "folded text\n");
    fdl_program_def_free(def);
}

/* ---- structure errors ---- */

static void test_empty_file_is_refused(void)
{
    CHECK(refused("", FDL_EINVALID, 1, 1, ""));
    CHECK(said("empty"));
    CHECK(refused("# only a comment\n\n", FDL_EINVALID, 1, 1, ""));
    CHECK(refused("---\n", FDL_EINVALID, 1, 1, ""));
    struct fdl_program_def *def = untouched;
    struct fdl_error err;
    CHECK_INT(fdl_program_file_load(NULL, 0, &def, &err), FDL_EINVALID);
    CHECK(def == untouched);
}

static void test_root_must_be_a_mapping(void)
{
    CHECK(refused("- a\n- b\n", FDL_EINVALID, 1, 1, ""));
    CHECK(said("mapping"));
    CHECK(refused("hello\n", FDL_EINVALID, 1, 1, ""));
}

static void test_unknown_keys(void)
{
    CHECK(refused(PROGRAM "colour: red\n", FDL_EUNKNOWN_FIELD, 5, 1, "colour"));
    CHECK(said("\"colour\""));
    CHECK(refused("program:\n  name: Test\n  curency: EUR\n", FDL_EUNKNOWN_FIELD, 3, 3,
                  "program.curency"));
    CHECK(refused(EARN "  - id: base\n    rate: 4\n    ratee: 5\n", FDL_EUNKNOWN_FIELD, 8,
                  5, "earn[0].ratee"));
    CHECK(refused(EARN "  - id: base\n    rate: 4\n    exclude: {sku: [A]}\n",
                  FDL_EUNKNOWN_FIELD, 8, 15, "earn[0].exclude.sku"));
    CHECK(refused(PROGRAM "points:\n  expiry: 3\n", FDL_EUNKNOWN_FIELD, 6, 3,
                  "points.expiry"));
}

static void test_duplicate_keys(void)
{
    CHECK(refused("program:\n  name: Test\n  name: Other\n", FDL_EINVALID, 3, 3,
                  "program.name"));
    CHECK(said("twice"));
}

static void test_missing_keys_and_values(void)
{
    CHECK(refused("points: {expiry_months: 1}\n", FDL_EMISSING_FIELD, 1, 1, "program"));
    CHECK(refused("program:\n  currency: EUR\n  time_zone: UTC\n", FDL_EMISSING_FIELD, 2,
                  3, "program.name"));
    CHECK(refused("program:\n  name:\n  currency: EUR\n  time_zone: UTC\n",
                  FDL_EMISSING_FIELD, 2, 3, "program.name"));
    CHECK(refused(EARN "  - rate: 4\n", FDL_EMISSING_FIELD, 6, 5, "earn[0].id"));
    CHECK(
        refused(EARN "  - id: base\n    cap: 5\n", FDL_EMISSING_FIELD, 6, 5, "earn[0]"));
    CHECK(said("one of rate, multiplier or bonus"));
}

static void test_wrong_types(void)
{
    CHECK(refused(EARN "  - id: base\n    rate: [1]\n", FDL_EFIELD_TYPE, 7, 11,
                  "earn[0].rate"));
    CHECK(refused(EARN "  - id: base\n    rate: \"4\"\n", FDL_EFIELD_TYPE, 7, 11,
                  "earn[0].rate"));
    CHECK(said("string"));
    CHECK(refused(EARN "  - id: base\n    rate: 4\n    stop: yes\n", FDL_EFIELD_TYPE, 8,
                  11, "earn[0].stop"));
    CHECK(refused(EARN "  - id: base\n    bonus: 1.5\n", FDL_EFIELD_TYPE, 7, 12,
                  "earn[0].bonus"));
    CHECK(refused(EARN "  - id: base\n    rate: 4\n    skus: A\n", FDL_EFIELD_TYPE, 8, 11,
                  "earn[0].skus"));
    CHECK(refused("program:\n  name: [a]\n  currency: EUR\n", FDL_EFIELD_TYPE, 2, 9,
                  "program.name"));
    CHECK(refused(PROGRAM "earn: {a: 1}\n", FDL_EFIELD_TYPE, 5, 7, "earn"));
    CHECK(refused(PROGRAM "points: 3\n", FDL_EFIELD_TYPE, 5, 9, "points"));
    CHECK(refused(EARN "  - just a string\n", FDL_EFIELD_TYPE, 6, 5, "earn[0]"));
    CHECK(refused("? [a]\n: b\n", FDL_EFIELD_TYPE, 1, 3, ""));
}

/* ---- YAML features a program file refuses ---- */

static void test_anchors_and_aliases_are_refused(void)
{
    CHECK(refused("program:\n  name: &n Test\n", FDL_EINVALID, 2, 9, ""));
    CHECK(said("anchors"));
    CHECK(refused("program:\n  name: *n\n", FDL_EINVALID, 2, 9, ""));
    CHECK(said("aliases"));
    /* The billion laughs: refused at its first anchor, before any expansion. */
    CHECK(refused("a: &a [lol, lol]\nb: &b [*a, *a]\nc: [*b, *b]\n", FDL_EINVALID, 1, 4,
                  ""));
}

static void test_tags_and_documents_are_refused(void)
{
    CHECK(refused("program:\n  name: !!str Test\n", FDL_EINVALID, 2, 9, ""));
    CHECK(said("tags"));
    CHECK(refused(PROGRAM "---\nprogram: {}\n", FDL_EINVALID, 5, 1, ""));
    CHECK(said("one YAML document"));
}

static void test_yaml_syntax_errors_have_positions(void)
{
    struct fdl_program_def *def = untouched;
    struct fdl_error err;
    const char *text = "program:\n  name: [Test\n  currency: EUR\n";
    CHECK_INT(fdl_program_file_load(text, strlen(text), &def, &err), FDL_EINVALID);
    int line = 0, column = 0;
    CHECK_INT(fdl_program_file_error_position(&err, &line, &column), 0);
    CHECK(line >= 2);
    CHECK(strstr(err.message, "YAML") != NULL);
    CHECK(def == untouched);
    CHECK(refused("program:\n  name: \"Test\n", FDL_EINVALID, 3, 1, ""));
}

static void test_invalid_utf8_and_control_characters(void)
{
    CHECK(refused("program:\n  name: \xff\n", FDL_EINVALID, 2, 9, ""));
    CHECK(refused("program:\n  name: \"a\\0b\"\n", FDL_EINVALID, 2, 9, "program.name"));
    CHECK(said("control"));
    CHECK(refused("program:\n  name: \"a\\tb\"\n", FDL_EINVALID, 2, 9, "program.name"));
}

/* ---- limits ---- */

static void test_file_size_limit(void)
{
    size_t cap = FDL_PROGRAM_FILE_MAX_BYTES + 1;
    char *text = malloc(cap);
    CHECK(text);
    size_t n = (size_t)snprintf(text, cap, "%s", PROGRAM);
    while (n < FDL_PROGRAM_FILE_MAX_BYTES) {
        size_t left = FDL_PROGRAM_FILE_MAX_BYTES - n;
        size_t k = left > 64 ? 64 : left;
        text[n] = '#';
        memset(text + n + 1, 'x', k - 1);
        text[n + k - 1] = '\n';
        n += k;
    }
    struct fdl_program_def *def = load_text(text, FDL_PROGRAM_FILE_MAX_BYTES);
    int at_limit_ok = def != NULL;
    fdl_program_def_free(def);
    text[FDL_PROGRAM_FILE_MAX_BYTES] = '\n';
    int past_limit =
        refused_n(text, FDL_PROGRAM_FILE_MAX_BYTES + 1, FDL_ETOO_LARGE, 1, 1, "");
    free(text);
    CHECK(at_limit_ok);
    CHECK(past_limit);
}

static void test_nesting_limit(void)
{
    /* The root mapping is level 1: seven nested lists are the most. */
    CHECK(refused(PROGRAM "x: [[[[[[[1]]]]]]]\n", FDL_EUNKNOWN_FIELD, 5, 1, "x"));
    CHECK(refused(PROGRAM "x: [[[[[[[[1]]]]]]]]\n", FDL_ETOO_DEEP, 5, 11, ""));
    /* Deep nesting far beyond the limit fails as fast. */
    char text[4096];
    size_t n = (size_t)snprintf(text, sizeof(text), "x: ");
    for (int i = 0; i < 1000; i++)
        text[n++] = '[';
    text[n] = '\0';
    CHECK(refused(text, FDL_ETOO_DEEP, 1, 11, ""));
}

static void test_node_limit(void)
{
    /* 20000 nodes: the root mapping, its key and a list of the rest. */
    size_t cap = 3 * FDL_PROGRAM_FILE_MAX_NODES + 64;
    char *text = malloc(cap);
    CHECK(text);
    size_t n = (size_t)snprintf(text, cap, "x: [");
    for (int i = 0; i < FDL_PROGRAM_FILE_MAX_NODES - 4; i++)
        n += (size_t)snprintf(text + n, cap - n, "1,");
    snprintf(text + n, cap - n, "1]\n");
    int at_limit = refused(text, FDL_EUNKNOWN_FIELD, 1, 1, "x");
    snprintf(text + n, cap - n, "1,1]\n");
    int past = refused(text, FDL_ERANGE, 1, 5 + 2 * (FDL_PROGRAM_FILE_MAX_NODES - 3), "");
    free(text);
    CHECK(at_limit);
    CHECK(past);
}

static void test_rule_count_limit(void)
{
    size_t cap = 64 * (FDL_MAX_RULES + 2) + 256;
    char *text = malloc(cap);
    CHECK(text);
    size_t n = (size_t)snprintf(text, cap, "%s", EARN);
    for (int i = 0; i < FDL_MAX_RULES; i++)
        n += (size_t)snprintf(text + n, cap - n, "  - {id: r%d, bonus: 1}\n", i);
    struct fdl_program_def *def = load(text);
    int at_limit = def && def->n_rules == FDL_MAX_RULES;
    fdl_program_def_free(def);
    snprintf(text + n, cap - n, "  - {id: one-more, bonus: 1}\n");
    int past = refused(text, FDL_ERANGE, 6 + FDL_MAX_RULES, 5, "earn[100]");
    free(text);
    CHECK(at_limit);
    CHECK(past);
}

static void test_list_length_limit(void)
{
    char text[4096];
    size_t n =
        (size_t)snprintf(text, sizeof(text), EARN "  - id: r\n    rate: 1\n    skus: [");
    for (int i = 0; i < FDL_MAX_RULE_LIST_ITEMS; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%sS%d", i ? "," : "", i);
    snprintf(text + n, sizeof(text) - n, "]\n");
    struct fdl_program_def *def = load(text);
    CHECK(def);
    CHECK_INT(def->rules[0].skus.n, FDL_MAX_RULE_LIST_ITEMS);
    fdl_program_def_free(def);
    snprintf(text + n, sizeof(text) - n, ",S100]\n");
    CHECK(refused(text, FDL_ERANGE, 8, 11, "earn[0].skus"));
}

static void test_string_length_limits(void)
{
    char text[1024];
    char name[FDL_PROGRAM_NAME_MAX + 2];
    memset(name, 'n', sizeof(name) - 1);
    name[FDL_PROGRAM_NAME_MAX] = '\0';
    snprintf(text, sizeof(text), "program: {name: %s, currency: EUR, time_zone: UTC}\n",
             name);
    struct fdl_program_def *def = load(text);
    CHECK(def);
    fdl_program_def_free(def);
    name[FDL_PROGRAM_NAME_MAX] = 'n';
    name[FDL_PROGRAM_NAME_MAX + 1] = '\0';
    snprintf(text, sizeof(text), "program: {name: %s, currency: EUR, time_zone: UTC}\n",
             name);
    CHECK(refused(text, FDL_ERANGE, 1, 17, "program.name"));

    char id[FDL_RULE_ID_MAX + 2];
    memset(id, 'i', sizeof(id) - 1);
    id[FDL_RULE_ID_MAX] = '\0';
    snprintf(text, sizeof(text), EARN "  - {id: %s, bonus: 1}\n", id);
    def = load(text);
    CHECK(def);
    fdl_program_def_free(def);
    id[FDL_RULE_ID_MAX] = 'i';
    id[FDL_RULE_ID_MAX + 1] = '\0';
    snprintf(text, sizeof(text), EARN "  - {id: %s, bonus: 1}\n", id);
    CHECK(refused(text, FDL_ERANGE, 6, 10, "earn[0].id"));
}

/* ---- values ---- */

static void test_bad_currency(void)
{
    CHECK(refused("program:\n  name: T\n  currency: EURO\n", FDL_EINVALID, 3, 13,
                  "program.currency"));
    CHECK(said("ISO 4217"));
    CHECK(refused("program:\n  name: T\n  currency: eur\n", FDL_EINVALID, 3, 13,
                  "program.currency"));
    CHECK(refused("program:\n  name: T\n  currency: XYZ\n", FDL_EINVALID, 3, 13,
                  "program.currency"));
}

static void test_too_many_decimals(void)
{
    CHECK(refused(EARN "  - id: b\n    bonus: 5\n    min_spend: 10.001\n", FDL_EINVALID,
                  8, 16, "earn[0].min_spend"));
    CHECK(said("EUR allows at most 2"));
    CHECK(refused("program: {name: T, currency: JPY, time_zone: Asia/Tokyo}\n"
                  "earn: [{id: b, bonus: 1, min_spend: 10.5}]\n",
                  FDL_EINVALID, 2, 37, "earn[0].min_spend"));
    CHECK(said("JPY has no decimals"));
    CHECK(refused(PROGRAM "points:\n  value: 0.001\n", FDL_EINVALID, 6, 10,
                  "points.value"));
    CHECK(
        refused(EARN "  - {id: r, rate: 1.2345}\n", FDL_EINVALID, 6, 19, "earn[0].rate"));
    CHECK(refused(EARN "  - {id: r, rate: 1}\n  - {id: m, multiplier: 1.125}\n",
                  FDL_EINVALID, 7, 25, "earn[1].multiplier"));
    /* Three decimals are fine in dinars. */
    struct fdl_program_def *def =
        load("program: {name: T, currency: KWD, time_zone: UTC}\n"
             "earn: [{id: b, bonus: 1, min_spend: 10.001}]\n");
    CHECK(def);
    CHECK_INT(def->rules[0].min_spend_minor, 10001);
    fdl_program_def_free(def);
}

static void test_malformed_numbers(void)
{
    CHECK(
        refused(EARN "  - {id: r, rate: 1.}\n", FDL_EFIELD_TYPE, 6, 19, "earn[0].rate"));
    CHECK(
        refused(EARN "  - {id: r, rate: .5}\n", FDL_EFIELD_TYPE, 6, 19, "earn[0].rate"));
    CHECK(
        refused(EARN "  - {id: r, rate: -1}\n", FDL_EFIELD_TYPE, 6, 19, "earn[0].rate"));
    CHECK(
        refused(EARN "  - {id: r, rate: 1e3}\n", FDL_EFIELD_TYPE, 6, 19, "earn[0].rate"));
    CHECK(refused(EARN "  - {id: r, bonus: 007}\n", FDL_EFIELD_TYPE, 6, 20,
                  "earn[0].bonus"));
    CHECK(refused(EARN "  - {id: r, bonus: 99999999999999999999}\n", FDL_ERANGE, 6, 20,
                  "earn[0].bonus"));
    CHECK(refused(EARN "  - {id: r, rate: 9999999999999}\n", FDL_ERANGE, 6, 19,
                  "earn[0].rate"));
}

static void test_ranges(void)
{
    CHECK(refused(EARN "  - {id: r, rate: 0}\n", FDL_ERANGE, 6, 19, "earn[0].rate"));
    CHECK(refused(EARN "  - {id: r, rate: 1001}\n", FDL_ERANGE, 6, 19, "earn[0].rate"));
    CHECK(refused(EARN "  - {id: r, rate: 1}\n  - {id: m, multiplier: 1}\n", FDL_ERANGE,
                  7, 25, "earn[1].multiplier"));
    CHECK(refused(EARN "  - {id: r, bonus: 0}\n", FDL_ERANGE, 6, 20, "earn[0].bonus"));
    CHECK(refused(EARN "  - {id: r, bonus: 5, cap: 0}\n", FDL_ERANGE, 6, 28,
                  "earn[0].cap"));
    CHECK(refused(PROGRAM "points: {expiry_months: 121}\n", FDL_ERANGE, 5, 25,
                  "points.expiry_months"));
    CHECK(refused(PROGRAM "points: {pending_days: -1}\n", FDL_ERANGE, 5, 24,
                  "points.pending_days"));
    CHECK(refused(PROGRAM "points: {value: 0}\n", FDL_ERANGE, 5, 17, "points.value"));
    CHECK(refused(PROGRAM "  minor_per_unit: 7\n", FDL_EINVALID, 5, 19,
                  "program.minor_per_unit"));
    CHECK(refused(PROGRAM "  minor_per_unit: 0\n", FDL_ERANGE, 5, 19,
                  "program.minor_per_unit"));
}

static void test_enumerations(void)
{
    CHECK(refused(PROGRAM "  rounding: sideways\n", FDL_EINVALID, 5, 13,
                  "program.rounding"));
    CHECK(refused(PROGRAM "  language: de\n", FDL_EINVALID, 5, 13, "program.language"));
    CHECK(refused("program: {name: T, currency: EUR, time_zone: ../etc/passwd}\n",
                  FDL_EINVALID, 1, 46, "program.time_zone"));
    CHECK(refused(EARN "  - {id: r, bonus: 5, event: anniversary}\n", FDL_EINVALID, 6, 30,
                  "earn[0].event"));
    CHECK(refused(EARN "  - {id: r, bonus: 5, per: week}\n", FDL_EINVALID, 6, 28,
                  "earn[0].per"));
    CHECK(refused(EARN "  - {id: r, rate: 5, on: paid}\n", FDL_EINVALID, 6, 26,
                  "earn[0].on"));
}

static void test_rule_ids(void)
{
    CHECK(refused(EARN "  - {id: a, rate: 1}\n  - {id: a, bonus: 5}\n", FDL_EINVALID, 7,
                  10, "earn[1].id"));
    CHECK(said("already used by earn[0]"));
    CHECK(refused(EARN "  - {id: a b, rate: 1}\n", FDL_EINVALID, 6, 10, "earn[0].id"));
}

static void test_one_way_to_give_points(void)
{
    CHECK(refused(EARN "  - id: base\n    rate: 4\n    bonus: 5\n", FDL_EINVALID, 8, 5,
                  "earn[0].bonus"));
    CHECK(said("not both rate and bonus"));
    CHECK(refused(EARN "  - {id: r, rate: 1}\n  - {id: m, multiplier: 2, bonus: 1}\n",
                  FDL_EINVALID, 7, 28, "earn[1].bonus"));
}

static void test_keys_that_belong_to_another_kind(void)
{
    CHECK(refused(EARN "  - {id: r, bonus: 5, on: net}\n", FDL_EINVALID, 6, 23,
                  "earn[0].on"));
    CHECK(refused(EARN "  - {id: r, rate: 5, per: unit}\n", FDL_EINVALID, 6, 22,
                  "earn[0].per"));
    CHECK(refused(EARN "  - {id: m, multiplier: 2}\n  - {id: r, rate: 1}\n", FDL_EINVALID,
                  6, 25, "earn[0].multiplier"));
    CHECK(said("rate rule before it"));
}

static void test_time_filters(void)
{
    CHECK(refused(EARN "  - {id: r, bonus: 5, hours: 7-11}\n", FDL_EINVALID, 6, 30,
                  "earn[0].hours"));
    CHECK(refused(EARN "  - {id: r, bonus: 5, hours: \"10:00-10:00\"}\n", FDL_EINVALID, 6,
                  30, "earn[0].hours"));
    CHECK(refused(EARN "  - {id: r, bonus: 5, hours: \"07:00-25:00\"}\n", FDL_EINVALID, 6,
                  30, "earn[0].hours"));
    CHECK(refused(EARN "  - {id: r, bonus: 5, hours: \"24:00-02:00\"}\n", FDL_EINVALID, 6,
                  30, "earn[0].hours"));
    CHECK(refused(EARN "  - {id: r, bonus: 5, weekdays: [sat, sunday]}\n", FDL_EINVALID,
                  6, 39, "earn[0].weekdays[1]"));
    CHECK(refused(EARN "  - {id: r, bonus: 5, weekdays: [sat, sat]}\n", FDL_EINVALID, 6,
                  39, "earn[0].weekdays[1]"));
    CHECK(refused(EARN "  - {id: r, bonus: 5, weekdays: []}\n", FDL_EINVALID, 6, 33,
                  "earn[0].weekdays"));
    CHECK(refused(EARN "  - {id: r, bonus: 5, valid_from: 2026-02-30}\n", FDL_EINVALID, 6,
                  35, "earn[0].valid_from"));
    CHECK(refused(
        EARN "  - {id: r, bonus: 5, valid_from: 2026-12-02, valid_until: 2026-12-01}\n",
        FDL_EINVALID, 6, 60, "earn[0].valid_until"));
    struct fdl_program_def *def = load(
        EARN "  - {id: r, bonus: 5, valid_from: 2026-12-01, valid_until: 2026-12-01}\n");
    CHECK(def);
    fdl_program_def_free(def);
}

static void test_lists(void)
{
    CHECK(refused(EARN "  - {id: r, rate: 1, skus: []}\n", FDL_EINVALID, 6, 28,
                  "earn[0].skus"));
    CHECK(refused(EARN "  - {id: r, rate: 1, skus: [A, A]}\n", FDL_EINVALID, 6, 32,
                  "earn[0].skus[1]"));
    CHECK(refused(EARN "  - {id: r, rate: 1, skus: [A, [B]]}\n", FDL_EFIELD_TYPE, 6, 32,
                  "earn[0].skus[1]"));
    CHECK(refused(EARN "  - {id: r, rate: 1, exclude: {}}\n", FDL_EINVALID, 6, 31,
                  "earn[0].exclude"));
}

/* ---- conditions ---- */

static void test_bad_expression_points_into_the_file(void)
{
    /* "membr" is byte 24 of the condition, which starts at column 11. */
    CHECK(refused(EARN "  - id: r\n    bonus: 5\n"
                       "    when: basket.total >= 10 and membr.tier == \"gold\"\n",
                  FDL_EINVALID, 8, 34, "earn[0].when"));
    CHECK(said("membr.tier"));
    /* Quoted: one column further for the quote. */
    CHECK(refused(EARN "  - id: r\n    bonus: 5\n"
                       "    when: 'basket.total >= 10 and membr.tier == \"gold\"'\n",
                  FDL_EINVALID, 8, 35, "earn[0].when"));
    CHECK(refused(EARN "  - id: r\n    bonus: 5\n    when: basket.total\n", FDL_EINVALID,
                  8, 11, "earn[0].when"));
    CHECK(refused(EARN "  - id: r\n    bonus: 5\n    when: [a]\n", FDL_EFIELD_TYPE, 8, 11,
                  "earn[0].when"));
}

static void test_line_variables_only_in_when_line(void)
{
    CHECK(refused(EARN "  - id: r\n    bonus: 5\n    when: line.quantity > 1\n",
                  FDL_EINVALID, 8, 11, "earn[0].when"));
    CHECK(said("when_line"));
    struct fdl_program_def *def = load(
        EARN
        "  - id: r\n    bonus: 5\n    when_line: line.quantity > 1 and store == \"A\"\n");
    CHECK(def);
    fdl_program_def_free(def);
}

static void test_error_position_reader(void)
{
    struct fdl_error err;
    int line = -1, column = -1;
    fdl_error_set(&err, FDL_EINVALID, "x", "line 12, column 7: bad");
    CHECK_INT(fdl_program_file_error_position(&err, &line, &column), 0);
    CHECK_INT(line, 12);
    CHECK_INT(column, 7);
    fdl_error_set(&err, FDL_EINVALID, "x", "no position");
    CHECK_INT(fdl_program_file_error_position(&err, &line, &column), -1);
    CHECK_INT(line, 12);
}

/* ---- tiers ---- */

/* Lines 1-4 as above, then "tiers:" on line 5 and its keys from line 6. */
#define TIERS PROGRAM "tiers:\n"
/* A levels line that loads, for tests about the other keys. */
#define LEVELS "  levels: [{name: member, min: 0}, {name: gold, min: 100}]\n"

static void test_tiers_section_loads(void)
{
    struct fdl_program_def *def = load(TIERS "  basis: spend\n"
                                             "  window: rolling\n"
                                             "  months: 18\n"
                                             "  downgrade: to-qualified\n"
                                             "  grace_months: 2\n"
                                             "  levels:\n"
                                             "    - { name: bronze, min: 0 }\n"
                                             "    - { name: silver, min: 10000 }\n"
                                             "    - { name: gold_2, min: 20000.50 }\n"
                                             "earn:\n"
                                             "  - {id: base, rate: 1}\n"
                                             "  - {id: gold-x2, multiplier: 2, "
                                             "tiers: [gold_2, silver]}\n");
    CHECK(def);
    const struct fdl_tier_def *t = &def->tiers;
    CHECK_INT(t->enabled, 1);
    CHECK_INT(t->basis, FDL_TIER_BASIS_SPEND);
    CHECK_INT(t->window, FDL_TIER_WINDOW_ROLLING);
    CHECK_INT(t->window_months, 18);
    CHECK_INT(t->downgrade, FDL_TIER_DOWNGRADE_TO_QUALIFIED);
    CHECK_INT(t->grace_months, 2);
    CHECK_INT(t->n_levels, 3);
    CHECK_STR(t->levels[0].name, "bronze");
    CHECK_INT(t->levels[0].min, 0);
    CHECK_STR(t->levels[1].name, "silver");
    CHECK_INT(t->levels[1].min, 1000000); /* money: cents */
    CHECK_STR(t->levels[2].name, "gold_2");
    CHECK_INT(t->levels[2].min, 2000050);
    CHECK_INT(def->rules[1].tiers.n, 2);
    fdl_program_def_free(def);
}

static void test_tiers_defaults_and_bases(void)
{
    struct fdl_program_def *def = load(TIERS "  basis: visits\n" LEVELS);
    CHECK(def);
    CHECK_INT(def->tiers.basis, FDL_TIER_BASIS_VISITS);
    CHECK_INT(def->tiers.window, FDL_TIER_WINDOW_CALENDAR_YEAR);
    CHECK_INT(def->tiers.window_months, 12);
    CHECK_INT(def->tiers.downgrade, FDL_TIER_DOWNGRADE_ONE_LEVEL);
    CHECK_INT(def->tiers.grace_months, 0);
    CHECK_INT(def->tiers.levels[1].min, 100); /* visits: no scaling */
    fdl_program_def_free(def);
    def = load(TIERS "  basis: points\n" LEVELS);
    CHECK(def);
    CHECK_INT(def->tiers.basis, FDL_TIER_BASIS_POINTS);
    CHECK_INT(def->tiers.levels[1].min, 100);
    fdl_program_def_free(def);
    /* Spend in yen: no decimals, no scaling. */
    def = load(
        "program: {name: T, currency: JPY, time_zone: Asia/Tokyo}\n"
        "tiers: {basis: spend, levels: [{name: a, min: 0}, {name: b, min: 50000}]}\n");
    CHECK(def);
    CHECK_INT(def->tiers.levels[1].min, 50000);
    fdl_program_def_free(def);
    /* No tiers section: no levels. */
    def = load(PROGRAM);
    CHECK(def);
    CHECK_INT(def->tiers.enabled, 0);
    CHECK_INT(def->tiers.n_levels, 0);
    fdl_program_def_free(def);
}

static void test_tiers_structure_errors(void)
{
    CHECK(refused(PROGRAM "tiers: [gold]\n", FDL_EFIELD_TYPE, 5, 8, "tiers"));
    CHECK(refused(TIERS "  basis: spend\n" LEVELS "  colour: gold\n", FDL_EUNKNOWN_FIELD,
                  8, 3, "tiers.colour"));
    CHECK(refused(TIERS LEVELS, FDL_EMISSING_FIELD, 6, 3, "tiers.basis"));
    CHECK(refused(TIERS "  basis: spend\n", FDL_EMISSING_FIELD, 6, 3, "tiers.levels"));
    CHECK(refused(TIERS "  basis: spend\n  levels:\n", FDL_EMISSING_FIELD, 7, 3,
                  "tiers.levels"));
    CHECK(refused(TIERS "  basis: spend\n  levels: gold\n", FDL_EFIELD_TYPE, 7, 11,
                  "tiers.levels"));
    CHECK(refused(TIERS "  basis: spend\n  levels: []\n", FDL_EINVALID, 7, 11,
                  "tiers.levels"));
    CHECK(refused(TIERS "  basis: spend\n  levels: [gold]\n", FDL_EFIELD_TYPE, 7, 12,
                  "tiers.levels[0]"));
    CHECK(refused(TIERS "  basis: spend\n  levels:\n    - {name: a, min: 0, bonus: 5}\n",
                  FDL_EUNKNOWN_FIELD, 8, 25, "tiers.levels[0].bonus"));
    CHECK(refused(TIERS "  basis: spend\n  levels:\n    - {min: 0}\n", FDL_EMISSING_FIELD,
                  8, 7, "tiers.levels[0].name"));
    CHECK(refused(TIERS "  basis: spend\n  levels:\n    - name: a\n", FDL_EMISSING_FIELD,
                  8, 7, "tiers.levels[0].min"));
}

static void test_tiers_enumerations_and_ranges(void)
{
    CHECK(refused(TIERS "  basis: money\n" LEVELS, FDL_EINVALID, 6, 10, "tiers.basis"));
    CHECK(said("spend, points or visits"));
    CHECK(refused(TIERS "  basis: spend\n  window: yearly\n" LEVELS, FDL_EINVALID, 7, 11,
                  "tiers.window"));
    CHECK(refused(TIERS "  basis: spend\n  downgrade: two-levels\n" LEVELS, FDL_EINVALID,
                  7, 14, "tiers.downgrade"));
    CHECK(refused(TIERS "  basis: spend\n  grace_months: 13\n" LEVELS, FDL_ERANGE, 7, 17,
                  "tiers.grace_months"));
    CHECK(refused(TIERS "  basis: spend\n  grace_months: -1\n" LEVELS, FDL_ERANGE, 7, 17,
                  "tiers.grace_months"));
    CHECK(refused(TIERS "  basis: spend\n  grace_months: 1.5\n" LEVELS, FDL_EFIELD_TYPE,
                  7, 17, "tiers.grace_months"));
    struct fdl_program_def *def =
        load(TIERS "  basis: spend\n  grace_months: 12\n" LEVELS);
    CHECK(def);
    CHECK_INT(def->tiers.grace_months, 12);
    fdl_program_def_free(def);
}

static void test_tiers_rolling_window_needs_months(void)
{
    CHECK(refused(TIERS "  basis: spend\n  window: rolling\n" LEVELS, FDL_EMISSING_FIELD,
                  7, 3, "tiers.months"));
    CHECK(said("rolling window needs"));
    CHECK(refused(TIERS "  basis: spend\n  months: 12\n" LEVELS, FDL_EINVALID, 7, 3,
                  "tiers.months"));
    CHECK(said("only to window: rolling"));
    CHECK(refused(TIERS "  basis: spend\n  window: calendar-year\n  months: 12\n" LEVELS,
                  FDL_EINVALID, 8, 3, "tiers.months"));
    CHECK(refused(TIERS "  basis: spend\n  window: rolling\n  months: 0\n" LEVELS,
                  FDL_ERANGE, 8, 11, "tiers.months"));
    CHECK(refused(TIERS "  basis: spend\n  window: rolling\n  months: 37\n" LEVELS,
                  FDL_ERANGE, 8, 11, "tiers.months"));
    CHECK(refused(TIERS "  basis: spend\n  window: rolling\n  months: \"6\"\n" LEVELS,
                  FDL_EFIELD_TYPE, 8, 11, "tiers.months"));
    struct fdl_program_def *one =
        load(TIERS "  basis: spend\n  window: rolling\n  months: 1\n" LEVELS);
    struct fdl_program_def *most =
        load(TIERS "  basis: spend\n  window: rolling\n  months: 36\n" LEVELS);
    int ok = one && most && one->tiers.window_months == 1 &&
             most->tiers.window_months == FDL_MAX_TIER_WINDOW_MONTHS;
    fdl_program_def_free(one);
    fdl_program_def_free(most);
    CHECK(ok);
}

static void test_tier_level_names(void)
{
    CHECK(refused(TIERS "  basis: spend\n  levels: [{name: Gold, min: 0}]\n",
                  FDL_EINVALID, 7, 19, "tiers.levels[0].name"));
    CHECK(said("lowercase"));
    CHECK(refused(TIERS "  basis: spend\n  levels: [{name: 'go ld', min: 0}]\n",
                  FDL_EINVALID, 7, 19, "tiers.levels[0].name"));
    CHECK(refused(TIERS "  basis: spend\n  levels: [{name: a.b, min: 0}]\n", FDL_EINVALID,
                  7, 19, "tiers.levels[0].name"));
    CHECK(refused(TIERS "  basis: spend\n  levels: [{name: '', min: 0}]\n", FDL_ERANGE, 7,
                  19, "tiers.levels[0].name"));
    CHECK(refused(TIERS "  basis: spend\n  levels: [{name: [a], min: 0}]\n",
                  FDL_EFIELD_TYPE, 7, 19, "tiers.levels[0].name"));
    CHECK(refused(TIERS "  basis: spend\n  levels:\n"
                        "    - {name: gold, min: 0}\n"
                        "    - {name: gold, min: 5}\n",
                  FDL_EINVALID, 9, 14, "tiers.levels[1].name"));
    CHECK(said("already tiers.levels[0]"));

    /* 64 bytes load, 65 do not. */
    char name[FDL_TIER_NAME_MAX + 2], text[512];
    memset(name, 'g', sizeof(name) - 1);
    name[FDL_TIER_NAME_MAX] = '\0';
    snprintf(text, sizeof(text), TIERS "  basis: spend\n  levels: [{name: %s, min: 0}]\n",
             name);
    struct fdl_program_def *def = load(text);
    CHECK(def);
    CHECK_INT(strlen(def->tiers.levels[0].name), FDL_TIER_NAME_MAX);
    fdl_program_def_free(def);
    name[FDL_TIER_NAME_MAX] = 'g';
    name[FDL_TIER_NAME_MAX + 1] = '\0';
    snprintf(text, sizeof(text), TIERS "  basis: spend\n  levels: [{name: %s, min: 0}]\n",
             name);
    CHECK(refused(text, FDL_ERANGE, 7, 19, "tiers.levels[0].name"));
}

static void test_tier_level_mins(void)
{
    /* The first level starts at 0. */
    CHECK(refused(TIERS "  basis: spend\n  levels: [{name: a, min: 1}]\n", FDL_EINVALID,
                  7, 27, "tiers.levels[0].min"));
    CHECK(said("must be 0"));
    /* Strictly ascending: equal is refused, and so is lower. */
    CHECK(refused(TIERS "  basis: visits\n  levels:\n"
                        "    - {name: a, min: 0}\n"
                        "    - {name: b, min: 10}\n"
                        "    - {name: c, min: 10}\n",
                  FDL_EINVALID, 10, 22, "tiers.levels[2].min"));
    CHECK(said("(b)"));
    CHECK(refused(TIERS "  basis: visits\n  levels:\n"
                        "    - {name: a, min: 0}\n"
                        "    - {name: b, min: 10}\n"
                        "    - {name: c, min: 9}\n",
                  FDL_EINVALID, 10, 22, "tiers.levels[2].min"));
    /* Spend is money: the currency's decimals, no more. */
    CHECK(refused(TIERS "  basis: spend\n  levels: [{name: a, min: 0}, {name: b, min: "
                        "10.001}]\n",
                  FDL_EINVALID, 7, 46, "tiers.levels[1].min"));
    CHECK(said("EUR allows at most 2"));
    CHECK(refused(TIERS "  basis: spend\n  levels: [{name: a, min: -1}]\n",
                  FDL_EFIELD_TYPE, 7, 27, "tiers.levels[0].min"));
    CHECK(refused(TIERS "  basis: spend\n  levels: [{name: a, min: 0}, {name: b, min: "
                        "10000000000.01}]\n",
                  FDL_ERANGE, 7, 46, "tiers.levels[1].min"));
    /* Points and visits are whole numbers. */
    CHECK(refused(TIERS "  basis: points\n  levels: [{name: a, min: 0}, {name: b, min: "
                        "10.5}]\n",
                  FDL_EFIELD_TYPE, 7, 46, "tiers.levels[1].min"));
    CHECK(refused(TIERS "  basis: visits\n  levels: [{name: a, min: -1}]\n", FDL_ERANGE,
                  7, 27, "tiers.levels[0].min"));
    CHECK(refused(TIERS "  basis: points\n  levels: [{name: a, min: 0}, {name: b, min: "
                        "1000000000001}]\n",
                  FDL_ERANGE, 7, 46, "tiers.levels[1].min"));
    /* The largest min is fine. */
    struct fdl_program_def *def =
        load(TIERS "  basis: spend\n  levels: [{name: a, min: 0}, {name: b, min: "
                   "10000000000}]\n");
    CHECK(def);
    CHECK_INT(def->tiers.levels[1].min, FDL_MAX_TIER_MIN);
    fdl_program_def_free(def);
}

static void test_tier_level_count_limit(void)
{
    char text[2048];
    size_t n = (size_t)snprintf(text, sizeof(text), TIERS "  basis: visits\n  levels:\n");
    for (int i = 0; i < FDL_MAX_TIER_LEVELS; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "    - {name: l%d, min: %d}\n",
                              i, i * 10);
    struct fdl_program_def *def = load(text);
    CHECK(def);
    CHECK_INT(def->tiers.n_levels, FDL_MAX_TIER_LEVELS);
    fdl_program_def_free(def);
    snprintf(text + n, sizeof(text) - n, "    - {name: one-more, min: 1000}\n");
    CHECK(refused(text, FDL_ERANGE, 8 + FDL_MAX_TIER_LEVELS, 7, "tiers.levels[10]"));
    CHECK(said("at most 10 tier levels"));
}

static void test_rule_tiers_must_be_declared_levels(void)
{
    const char *tiers = "tiers:\n"
                        "  basis: spend\n"
                        "  levels: [{name: silver, min: 0}, {name: gold, min: 100}]\n";
    char text[1024];
    /* tiers on lines 5-7, earn on 8, the rule on 9. */
    snprintf(text, sizeof(text),
             PROGRAM "%searn:\n  - {id: r, rate: 1, tiers: [gold, platinum]}\n", tiers);
    CHECK(refused(text, FDL_EINVALID, 9, 36, "earn[0].tiers[1]"));
    CHECK(said("\"platinum\" is not a level in tiers.levels (silver, gold)"));
    /* The same with the tiers section after earn: sections load in their order. */
    snprintf(text, sizeof(text),
             PROGRAM
             "earn:\n  - {id: r, rate: 1}\n  - {id: s, bonus: 5, tiers: [Gold]}\n%s",
             tiers);
    CHECK(refused(text, FDL_EINVALID, 7, 31, "earn[1].tiers[0]"));
    /* Declared levels load. */
    snprintf(text, sizeof(text),
             PROGRAM "%searn:\n  - {id: r, rate: 1, tiers: [gold, silver]}\n", tiers);
    struct fdl_program_def *def = load(text);
    CHECK(def);
    fdl_program_def_free(def);
    /* Without a tiers section, a rule may name any tier. */
    def = load(EARN "  - {id: r, rate: 1, tiers: [platinum]}\n");
    CHECK(def);
    fdl_program_def_free(def);
}

/* ---- the examples ---- */

static struct fdl_program_def *load_example(const char *name)
{
    char path[4096], rel[256];
    snprintf(rel, sizeof(rel), "examples/%s", name);
    source_path(rel, path, sizeof(path));
    struct fdl_program_def *def = NULL;
    struct fdl_error err;
    if (fdl_program_file_load_path(path, &def, &err) != 0) {
        fprintf(stderr, "  %s: %s: %s\n", path, err.field, err.message);
        return NULL;
    }
    return def;
}

static const char *const example_names[] = {"coffee-chain.yaml", "grocery.yaml",
                                            "boutique.yaml", "coalition.yaml"};

static void test_every_example_loads(void)
{
    for (size_t i = 0; i < sizeof(example_names) / sizeof(*example_names); i++) {
        struct fdl_program_def *def = load_example(example_names[i]);
        CHECK(def);
        CHECK(def->n_rules >= 4);
        CHECK_STR(def->program.currency, "EUR");
        fdl_program_def_free(def);
    }
}

static void test_missing_file(void)
{
    struct fdl_program_def *def = untouched;
    struct fdl_error err;
    CHECK_INT(fdl_program_file_load_path("/nonexistent/program.yaml", &def, &err),
              FDL_ENOT_FOUND);
    CHECK(def == untouched);
}

/* Points the definition gives a basket of lines (sku, category, qty, price). */
struct example_line {
    const char *sku, *category;
    int64_t qty, price_minor;
};

static int64_t example_points(const struct fdl_program_def *def,
                              const struct example_line *el, size_t n,
                              struct fdl_rules_input *in)
{
    struct fdl_rules_line lines[8];
    int64_t line_points[8];
    struct fdl_rules_award awards[64];
    in->total_minor = 0;
    for (size_t i = 0; i < n; i++) {
        lines[i] = (struct fdl_rules_line){el[i].sku,
                                           el[i].category,
                                           NULL,
                                           0,
                                           el[i].qty,
                                           el[i].price_minor,
                                           el[i].qty * el[i].price_minor};
        in->total_minor += lines[i].amount_minor;
    }
    in->lines = lines;
    in->n_lines = n;
    struct fdl_rules_result r = {0, line_points, awards, 64, 0};
    struct fdl_error err;
    if (fdl_rules_evaluate(def, in, &r, &err) != 0) {
        fprintf(stderr, "  %s: %s\n", err.field, err.message);
        return -1;
    }
    return r.total_points;
}

static void test_coffee_chain_earns_as_its_comments_say(void)
{
    struct fdl_program_def *def = load_example("coffee-chain.yaml");
    CHECK(def);
    /* First visit, Monday 08:15 at the till: two lattes at 2.50 and a
     * croissant at 1.80 = 6.80. base 27, coffee 2 x 10, happy hour +27,
     * welcome 100. */
    struct example_line basket[] = {{"LATTE", "coffee", 2, 250},
                                    {"CROISSANT", "pastry", 1, 180}};
    struct fdl_rules_input in = {0};
    in.now = (struct fdl_local_time){2026, 11, 23, 1, 8, 15};
    in.channel = "till";
    in.member.first_purchase = 1;
    CHECK_INT(example_points(def, basket, 2, &in), 27 + 20 + 27 + 100);
    /* Afternoon, a later visit: base 27, coffee 20, pastry 20. */
    in.now.hour = 16;
    in.member.first_purchase = 0;
    CHECK_INT(example_points(def, basket, 2, &in), 27 + 20 + 20);
    fdl_program_def_free(def);
}

static void test_example_tiers(void)
{
    struct fdl_program_def *boutique = load_example("boutique.yaml");
    struct fdl_program_def *coffee = load_example("coffee-chain.yaml");
    CHECK(boutique && coffee);
    const struct fdl_tier_def *b = &boutique->tiers, *c = &coffee->tiers;
    int ok = b->enabled && b->basis == FDL_TIER_BASIS_SPEND &&
             fdl_tier_index(b, "gold") > 0 && fdl_tier_index(b, "platinum") > 0 &&
             c->enabled && c->basis == FDL_TIER_BASIS_VISITS &&
             c->window == FDL_TIER_WINDOW_ROLLING && fdl_tier_index(c, "gold") > 0;
    /* The boutique's gold starts at 1000 EUR, as its launch rule says. */
    int gold_at_1000 = fdl_tier_qualify(b, 100000) == fdl_tier_index(b, "gold") &&
                       fdl_tier_qualify(b, 99999) == 0;
    /* A gold boutique member earns double: a 120.00 coat, 120 + 120. */
    struct example_line coat[] = {{"COAT", "coats", 1, 12000}};
    struct fdl_rules_input in = {0};
    in.now = (struct fdl_local_time){2026, 11, 24, 2, 18, 0};
    in.member.tier = "gold";
    int64_t gold_points = example_points(boutique, coat, 1, &in);
    in.member.tier = "member";
    int64_t member_points = example_points(boutique, coat, 1, &in);
    fdl_program_def_free(boutique);
    fdl_program_def_free(coffee);
    CHECK(ok);
    CHECK(gold_at_1000);
    CHECK_INT(gold_points, 240);
    CHECK_INT(member_points, 120);
}

static void test_coalition_rates_follow_the_store(void)
{
    struct fdl_program_def *def = load_example("coalition.yaml");
    CHECK(def);
    struct example_line bread[] = {{"BREAD", "bread", 2, 500}};
    struct fdl_rules_input in = {0};
    in.now = (struct fdl_local_time){2026, 11, 24, 2, 18, 0}; /* a Tuesday */
    in.store = "PAN-02";
    in.channel = "till";
    CHECK_INT(example_points(def, bread, 1, &in), 30);
    in.store = "LIB-01";
    CHECK_INT(example_points(def, bread, 1, &in), 20);
    /* Cinema in the app on a Tuesday: snacks 5.00 -> 5, two tickets 25 + 25 each. */
    struct example_line cinema[] = {{"TICKET", "tickets", 2, 800},
                                    {"POP", "snacks", 1, 500}};
    in.store = "CINE-01";
    in.channel = "app";
    CHECK_INT(example_points(def, cinema, 2, &in), 5 + 50 + 50);
    in.channel = "till";
    CHECK_INT(example_points(def, cinema, 2, &in), 5 + 50);
    fdl_program_def_free(def);
}

int main(void)
{
    RUN(test_minimal_file_takes_defaults);
    RUN(test_every_key);
    RUN(test_minor_per_unit_defaults_from_the_currency);
    RUN(test_flat_rate_is_kept_as_points_per_unit);
    RUN(test_block_and_quoted_scalars);
    RUN(test_empty_file_is_refused);
    RUN(test_root_must_be_a_mapping);
    RUN(test_unknown_keys);
    RUN(test_duplicate_keys);
    RUN(test_missing_keys_and_values);
    RUN(test_wrong_types);
    RUN(test_anchors_and_aliases_are_refused);
    RUN(test_tags_and_documents_are_refused);
    RUN(test_yaml_syntax_errors_have_positions);
    RUN(test_invalid_utf8_and_control_characters);
    RUN(test_file_size_limit);
    RUN(test_nesting_limit);
    RUN(test_node_limit);
    RUN(test_rule_count_limit);
    RUN(test_list_length_limit);
    RUN(test_string_length_limits);
    RUN(test_bad_currency);
    RUN(test_too_many_decimals);
    RUN(test_malformed_numbers);
    RUN(test_ranges);
    RUN(test_enumerations);
    RUN(test_rule_ids);
    RUN(test_one_way_to_give_points);
    RUN(test_keys_that_belong_to_another_kind);
    RUN(test_time_filters);
    RUN(test_lists);
    RUN(test_bad_expression_points_into_the_file);
    RUN(test_line_variables_only_in_when_line);
    RUN(test_error_position_reader);
    RUN(test_tiers_section_loads);
    RUN(test_tiers_defaults_and_bases);
    RUN(test_tiers_structure_errors);
    RUN(test_tiers_enumerations_and_ranges);
    RUN(test_tiers_rolling_window_needs_months);
    RUN(test_tier_level_names);
    RUN(test_tier_level_mins);
    RUN(test_tier_level_count_limit);
    RUN(test_rule_tiers_must_be_declared_levels);
    RUN(test_every_example_loads);
    RUN(test_missing_file);
    RUN(test_coffee_chain_earns_as_its_comments_say);
    RUN(test_coalition_rates_follow_the_store);
    RUN(test_example_tiers);
    return check_done();
}
