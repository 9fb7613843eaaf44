/*
 * test_expr.c - the condition language: what each operator means, how
 * literals take their types (money scaling above all), where errors point,
 * the limits at and one past their values, and the canonical text.
 *
 * Expected results and columns are worked out by hand from the text of each
 * case (columns are 1-based byte offsets), never read back from the code.
 */
#include "engine/expr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

enum {
    SLOT_TOTAL,
    SLOT_QUANTITY,
    SLOT_TIER,
    SLOT_SEGMENTS,
    SLOT_VISITS,
    SLOT_WEEKDAY,
    SLOT_HOUR,
    SLOT_STORE,
    SLOT_CHANNEL,
    SLOT_CATEGORY,
    SLOT_LABELS,
    SLOT_AMOUNT,
    SLOT_VIP,
    SLOT_NEVER_READ,
    SLOT_COUNT
};

static const struct fdl_expr_var test_vars[] = {
    {"basket.total", FDL_EXPR_MONEY, SLOT_TOTAL},
    {"basket.quantity", FDL_EXPR_INT, SLOT_QUANTITY},
    {"member.tier", FDL_EXPR_STRING, SLOT_TIER},
    {"member.segments", FDL_EXPR_LIST, SLOT_SEGMENTS},
    {"member.visits", FDL_EXPR_INT, SLOT_VISITS},
    {"now.weekday", FDL_EXPR_WEEKDAY, SLOT_WEEKDAY},
    {"now.hour", FDL_EXPR_INT, SLOT_HOUR},
    {"store", FDL_EXPR_STRING, SLOT_STORE},
    {"channel", FDL_EXPR_STRING, SLOT_CHANNEL},
    {"line.category", FDL_EXPR_STRING, SLOT_CATEGORY},
    {"line.labels", FDL_EXPR_LIST, SLOT_LABELS},
    {"line.amount", FDL_EXPR_MONEY, SLOT_AMOUNT},
    {"member.vip", FDL_EXPR_BOOL, SLOT_VIP},
    {"never.read", FDL_EXPR_INT, SLOT_NEVER_READ},
};
#define N_TEST_VARS (sizeof(test_vars) / sizeof(test_vars[0]))

#define EUR 100
#define JPY 1
#define KWD 1000

static const char *const no_labels[] = {"x"};
static const char *const sale_labels[] = {"new", "sale", "organic"};
static const char *const gold_segments[] = {"students"};

/* A Saturday 08:30 purchase of 62.40 EUR at BCN-01 by a gold member. */
static void default_env(struct fdl_expr_value *slots)
{
    slots[SLOT_TOTAL] = fdl_expr_money(6240);
    slots[SLOT_QUANTITY] = fdl_expr_int(3);
    slots[SLOT_TIER] = fdl_expr_cstring("gold");
    slots[SLOT_SEGMENTS] = fdl_expr_list(gold_segments, 1);
    slots[SLOT_VISITS] = fdl_expr_int(5);
    slots[SLOT_WEEKDAY] = fdl_expr_weekday(6);
    slots[SLOT_HOUR] = fdl_expr_int(8);
    slots[SLOT_STORE] = fdl_expr_cstring("BCN-01");
    slots[SLOT_CHANNEL] = fdl_expr_cstring("till");
    slots[SLOT_CATEGORY] = fdl_expr_cstring("coffee");
    slots[SLOT_LABELS] = fdl_expr_list(no_labels, 0);
    slots[SLOT_AMOUNT] = fdl_expr_money(450);
    slots[SLOT_VIP] = fdl_expr_bool(0);
    /* A tag no variable has: if evaluation reads this slot, its type
     * assertion aborts the test. Only short-circuited code may name it. */
    slots[SLOT_NEVER_READ].type = (enum fdl_expr_type)0;
}

static struct fdl_error last_error;

/* Compiles text with field "earn[2].when"; NULL (and last_error) on failure. */
static struct fdl_expr *compile_as(const char *text, int minor_per_unit,
                                   enum fdl_expr_type want)
{
    struct fdl_expr *e = NULL;
    fdl_error_clear(&last_error);
    if (fdl_expr_compile(text, test_vars, N_TEST_VARS, minor_per_unit, want,
                         "earn[2].when", &e, &last_error) != 0) {
        fprintf(stderr, "  (compile of [%s]: %s)\n", text, last_error.message);
        return NULL;
    }
    return e;
}

/* Evaluates condition text in currency minor_per_unit; -1 if it does not compile. */
static int eval_in(const char *text, int minor_per_unit,
                   const struct fdl_expr_value *slots)
{
    struct fdl_expr *e = compile_as(text, minor_per_unit, FDL_EXPR_BOOL);
    if (!e)
        return -1;
    int result = fdl_expr_eval_bool(e, slots);
    fdl_expr_free(e);
    return result;
}

static int eval(const char *text, const struct fdl_expr_value *slots)
{
    return eval_in(text, EUR, slots);
}

/* Evaluates int or money expression text; INT64_MIN + 1 if it does not compile. */
static int64_t eval_number(const char *text, int minor_per_unit, enum fdl_expr_type want,
                           const struct fdl_expr_value *slots)
{
    struct fdl_expr *e = compile_as(text, minor_per_unit, want);
    if (!e)
        return INT64_MIN + 1;
    int64_t result = fdl_expr_eval_int(e, slots);
    fdl_expr_free(e);
    return result;
}

/* The message compiling text fails with, or "(compiled)"; checks code and field. */
static const char *error_in(const char *text, int minor_per_unit, enum fdl_expr_type want)
{
    static char message[FDL_ERROR_MESSAGE_MAX + 32];
    struct fdl_expr *e = (struct fdl_expr *)&message; /* must stay untouched */
    struct fdl_error err;
    fdl_error_clear(&err);
    int rc = fdl_expr_compile(text, test_vars, N_TEST_VARS, minor_per_unit, want,
                              "earn[2].when", &e, &err);
    if (rc == 0) {
        fdl_expr_free(e);
        return "(compiled)";
    }
    if (rc != FDL_EINVALID || err.code != FDL_EINVALID ||
        strcmp(err.field, "earn[2].when") != 0 || e != (struct fdl_expr *)&message)
        return "(wrong code, field, or output touched)";
    snprintf(message, sizeof(message), "%s", err.message);
    return message;
}

static const char *error_of(const char *text)
{
    return error_in(text, EUR, FDL_EXPR_BOOL);
}

/* The canonical text of condition text; "(failed)" if it does not compile. */
static const char *canonical_in(const char *text, int minor_per_unit)
{
    static char out[2 * FDL_EXPR_MAX_LEN];
    struct fdl_expr *e = compile_as(text, minor_per_unit, FDL_EXPR_BOOL);
    if (!e)
        return "(failed)";
    fdl_expr_format(e, out, sizeof(out));
    fdl_expr_free(e);
    return out;
}

static const char *canonical(const char *text)
{
    return canonical_in(text, EUR);
}

/* ---- The worked examples ---- */

static void test_example_basket_tier_weekend(void)
{
    const char *text = "basket.total >= 50 and member.tier in (\"gold\", \"platinum\") "
                       "and now.weekday in (sat, sun)";
    struct fdl_expr_value s[SLOT_COUNT];
    default_env(s);
    CHECK_INT(eval(text, s), 1);
    s[SLOT_TOTAL] = fdl_expr_money(4999); /* 49.99 < 50.00 */
    CHECK_INT(eval(text, s), 0);
    default_env(s);
    s[SLOT_TIER] = fdl_expr_cstring("silver");
    CHECK_INT(eval(text, s), 0);
    s[SLOT_TIER] = fdl_expr_cstring("platinum");
    CHECK_INT(eval(text, s), 1);
    s[SLOT_WEEKDAY] = fdl_expr_weekday(5); /* Friday */
    CHECK_INT(eval(text, s), 0);
    s[SLOT_WEEKDAY] = fdl_expr_weekday(7);
    CHECK_INT(eval(text, s), 1);
}

static void test_example_category_without_sale_label(void)
{
    const char *text = "line.category == \"coffee\" and not (\"sale\" in line.labels)";
    struct fdl_expr_value s[SLOT_COUNT];
    default_env(s);
    CHECK_INT(eval(text, s), 1); /* no labels */
    s[SLOT_LABELS] = fdl_expr_list(sale_labels, 3);
    CHECK_INT(eval(text, s), 0);
    s[SLOT_LABELS] = fdl_expr_list(sale_labels, 1); /* just "new" */
    CHECK_INT(eval(text, s), 1);
    s[SLOT_CATEGORY] = fdl_expr_cstring("tea");
    CHECK_INT(eval(text, s), 0);
}

static void test_example_breakfast_hours_or_store(void)
{
    const char *text =
        "now.hour >= 7 and now.hour < 10 or store in (\"BCN-01\", \"BCN-02\")";
    struct fdl_expr_value s[SLOT_COUNT];
    default_env(s);
    s[SLOT_STORE] = fdl_expr_cstring("MAD-01");
    CHECK_INT(eval(text, s), 1); /* 8 o'clock */
    s[SLOT_HOUR] = fdl_expr_int(10);
    CHECK_INT(eval(text, s), 0);
    s[SLOT_HOUR] = fdl_expr_int(6);
    CHECK_INT(eval(text, s), 0);
    s[SLOT_STORE] = fdl_expr_cstring("BCN-02");
    CHECK_INT(eval(text, s), 1); /* `and` binds tighter than `or` */
}

static void test_example_visits_and_channel(void)
{
    const char *text = "member.visits >= 3 and channel != \"web\"";
    struct fdl_expr_value s[SLOT_COUNT];
    default_env(s);
    CHECK_INT(eval(text, s), 1);
    s[SLOT_CHANNEL] = fdl_expr_cstring("web");
    CHECK_INT(eval(text, s), 0);
    s[SLOT_CHANNEL] = fdl_expr_cstring("webshop");
    CHECK_INT(eval(text, s), 1);
    s[SLOT_VISITS] = fdl_expr_int(2);
    CHECK_INT(eval(text, s), 0);
}

/* ---- Operators ---- */

static void test_comparisons_on_ints_each_outcome(void)
{
    struct fdl_expr_value s[SLOT_COUNT];
    default_env(s); /* visits 5 */
    CHECK_INT(eval("member.visits == 5", s), 1);
    CHECK_INT(eval("member.visits == 4", s), 0);
    CHECK_INT(eval("member.visits != 5", s), 0);
    CHECK_INT(eval("member.visits != 6", s), 1);
    CHECK_INT(eval("member.visits < 6", s), 1);
    CHECK_INT(eval("member.visits < 5", s), 0);
    CHECK_INT(eval("member.visits <= 5", s), 1);
    CHECK_INT(eval("member.visits <= 4", s), 0);
    CHECK_INT(eval("member.visits > 4", s), 1);
    CHECK_INT(eval("member.visits > 5", s), 0);
    CHECK_INT(eval("member.visits >= 5", s), 1);
    CHECK_INT(eval("member.visits >= 6", s), 0);
    CHECK_INT(eval("member.visits>=-1", s), 1);
}

static void test_comparisons_with_literal_on_the_left(void)
{
    struct fdl_expr_value s[SLOT_COUNT];
    default_env(s); /* visits 5 */
    CHECK_INT(eval("3 < member.visits", s), 1);
    CHECK_INT(eval("5 < member.visits", s), 0);
    CHECK_INT(eval("5 <= member.visits", s), 1);
    CHECK_INT(eval("6 > member.visits", s), 1);
    CHECK_INT(eval("5 >= member.visits", s), 1);
    CHECK_INT(eval("4 >= member.visits", s), 0);
    CHECK_INT(eval("62.40 == basket.total", s), 1);
}

static void test_comparisons_of_two_variables(void)
{
    struct fdl_expr_value s[SLOT_COUNT];
    default_env(s); /* total 62.40, amount 4.50, store BCN-01, channel till */
    CHECK_INT(eval("basket.total > line.amount", s), 1);
    CHECK_INT(eval("basket.total <= line.amount", s), 0);
    CHECK_INT(eval("store == channel", s), 0);
    CHECK_INT(eval("store != channel", s), 1);
    s[SLOT_CHANNEL] = fdl_expr_cstring("BCN-01");
    CHECK_INT(eval("store == channel", s), 1);
    CHECK_INT(eval("now.hour == member.visits", s), 0);
    CHECK_INT(eval("member.vip == member.vip", s), 1);
}

static void test_and_or_not_truth_tables(void)
{
    struct fdl_expr_value s[SLOT_COUNT];
    default_env(s);
    CHECK_INT(eval("true and true", s), 1);
    CHECK_INT(eval("true and false", s), 0);
    CHECK_INT(eval("false and true", s), 0);
    CHECK_INT(eval("false or false", s), 0);
    CHECK_INT(eval("false or true", s), 1);
    CHECK_INT(eval("true or false", s), 1);
    CHECK_INT(eval("not true", s), 0);
    CHECK_INT(eval("not false", s), 1);
    CHECK_INT(eval("not not true", s), 1);
}

static void test_precedence_of_logic(void)
{
    struct fdl_expr_value s[SLOT_COUNT];
    default_env(s);
    /* or < and: true or (false and false) */
    CHECK_INT(eval("true or false and false", s), 1);
    CHECK_INT(eval("(true or false) and false", s), 0);
    /* and < not: (not false) and false */
    CHECK_INT(eval("not false and false", s), 0);
    CHECK_INT(eval("not (false and false)", s), 1);
    /* not < comparison: not (1 == 2) */
    CHECK_INT(eval("not 1 == 2", s), 1);
    CHECK_INT(eval("not member.visits in (5, 6)", s), 0);
}

static void test_precedence_and_associativity_of_arithmetic(void)
{
    struct fdl_expr_value s[SLOT_COUNT];
    default_env(s); /* quantity 3, visits 5 */
    CHECK_INT(eval_number("basket.quantity + member.visits * 2", EUR, FDL_EXPR_INT, s),
              13);
    CHECK_INT(eval_number("(basket.quantity + member.visits) * 2", EUR, FDL_EXPR_INT, s),
              16);
    CHECK_INT(eval_number("member.visits - basket.quantity - 1", EUR, FDL_EXPR_INT, s),
              1);
    CHECK_INT(eval_number("member.visits - (basket.quantity - 1)", EUR, FDL_EXPR_INT, s),
              3);
    CHECK_INT(eval_number("-basket.quantity * 2", EUR, FDL_EXPR_INT, s), -6);
    CHECK_INT(eval_number("-(basket.quantity + 1)", EUR, FDL_EXPR_INT, s), -4);
    CHECK_INT(eval_number("--basket.quantity", EUR, FDL_EXPR_INT, s), 3);
    CHECK_INT(eval_number("2 + 3 * 4", EUR, FDL_EXPR_INT, s), 14); /* folded */
    CHECK_INT(eval_number("10 - 2 - 3", EUR, FDL_EXPR_INT, s), 5);
    /* Arithmetic binds tighter than comparison. */
    CHECK_INT(eval("basket.quantity + 2 == member.visits", s), 1);
    CHECK_INT(eval("-member.visits < 0", s), 1);
}

static void test_and_or_short_circuit_skip_the_right_side(void)
{
    struct fdl_expr_value s[SLOT_COUNT];
    default_env(s); /* reading never.read would abort: see default_env */
    CHECK_INT(eval("false and never.read == 1", s), 0);
    CHECK_INT(eval("true or never.read == 1", s), 1);
    CHECK_INT(eval("member.visits > 100 and never.read == 1", s), 0);
    CHECK_INT(eval("member.visits > 1 or never.read == 1 and never.read == 2", s), 1);
    CHECK_INT(eval("not (member.visits > 1 or never.read == 1)", s), 0);
    CHECK_INT(eval("not (member.visits < 1 and never.read == 1)", s), 1);
    CHECK_INT(
        eval("member.visits < 1 and never.read == 1 and never.read == 2 or true", s), 1);
    /* The right side is evaluated when the left does not decide. */
    s[SLOT_NEVER_READ] = fdl_expr_int(1);
    CHECK_INT(eval("true and never.read == 1", s), 1);
    CHECK_INT(eval("false or never.read == 2", s), 0);
}

static void test_not_pushed_into_comparisons_keeps_meaning(void)
{
    struct fdl_expr_value s[SLOT_COUNT];
    default_env(s); /* visits 5 */
    static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">="};
    for (int v = 4; v <= 6; v++) {
        for (int i = 0; i < 6; i++) {
            char plain[64], negated[64];
            snprintf(plain, sizeof(plain), "member.visits %s %d", ops[i], v);
            snprintf(negated, sizeof(negated), "not (member.visits %s %d)", ops[i], v);
            int p = eval(plain, s), n = eval(negated, s);
            CHECK(p == 0 || p == 1);
            CHECK_INT(n, !p);
        }
    }
    CHECK_INT(eval("not (store == \"BCN-01\")", s), 0);
    CHECK_INT(eval("not (store != \"BCN-01\")", s), 1);
    CHECK_INT(eval("not member.vip", s), 1);
    CHECK_INT(eval("not (member.vip or false)", s), 1);
    CHECK_INT(eval("not (true and not member.vip)", s), 0);
}

/* ---- Literals and types ---- */

static void test_money_literal_means_whole_units(void)
{
    struct fdl_expr_value s[SLOT_COUNT];
    default_env(s);
    s[SLOT_TOTAL] = fdl_expr_money(1250);
    CHECK_INT(eval("basket.total >= 12.5", s), 1);
    CHECK_INT(eval("basket.total == 12.50", s), 1);
    CHECK_INT(eval("basket.total == 12.5", s), 1);
    CHECK_INT(eval("basket.total > 12.49", s), 1);
    CHECK_INT(eval("basket.total >= 13", s), 0); /* 13 is 1300 minor */
    CHECK_INT(eval("basket.total == 1250", s), 0);
    s[SLOT_TOTAL] = fdl_expr_money(1249);
    CHECK_INT(eval("basket.total >= 12.5", s), 0);
    s[SLOT_TOTAL] = fdl_expr_money(-5);
    CHECK_INT(eval("basket.total == -0.05", s), 1);
}

static void test_money_literal_in_zero_and_three_decimal_currencies(void)
{
    struct fdl_expr_value s[SLOT_COUNT];
    default_env(s);
    s[SLOT_TOTAL] = fdl_expr_money(500); /* 500 yen */
    CHECK_INT(eval_in("basket.total >= 500", JPY, s), 1);
    CHECK_INT(eval_in("basket.total >= 501", JPY, s), 0);
    CHECK_STR(error_in("basket.total >= 500.5", JPY, FDL_EXPR_BOOL),
              "column 17: 500.5 has more decimals than the currency's 0");
    CHECK_STR(error_in("basket.total >= 500.0", JPY, FDL_EXPR_BOOL),
              "column 17: 500.0 has more decimals than the currency's 0");
    s[SLOT_TOTAL] = fdl_expr_money(1125); /* 1.125 dinars */
    CHECK_INT(eval_in("basket.total == 1.125", KWD, s), 1);
    CHECK_INT(eval_in("basket.total == 1.12", KWD, s), 0);
    CHECK_INT(eval_in("basket.total > 1.12", KWD, s), 1);
}

static void test_money_literal_with_too_many_decimals_is_an_error(void)
{
    CHECK_STR(error_of("basket.total >= 12.505"),
              "column 17: 12.505 has more decimals than the currency's 2");
    CHECK_STR(error_of("line.amount in (1, 2.5, 0.001)"),
              "column 25: 0.001 has more decimals than the currency's 2");
}

static void test_money_arithmetic(void)
{
    struct fdl_expr_value s[SLOT_COUNT];
    default_env(s); /* total 62.40, amount 4.50, quantity 3 */
    CHECK_INT(eval("basket.total + line.amount == 66.90", s), 1);
    CHECK_INT(eval("basket.total - line.amount == 57.9", s), 1);
    CHECK_INT(eval("line.amount * 3 == 13.50", s), 1);
    CHECK_INT(eval("3 * line.amount == 13.50", s), 1);
    CHECK_INT(eval("line.amount * basket.quantity >= 13.5", s), 1);
    CHECK_INT(eval("basket.total >= line.amount + 50", s), 1); /* 50 is 50.00 */
    CHECK_INT(eval_number("line.amount * 2 + 0.5", EUR, FDL_EXPR_MONEY, s), 950);
    CHECK_INT(eval_number("12.5", EUR, FDL_EXPR_MONEY, s), 1250);
    CHECK_INT(eval_number("-line.amount", EUR, FDL_EXPR_MONEY, s), -450);
}

static void test_money_type_errors(void)
{
    CHECK_STR(error_of("basket.total * line.amount > 1"),
              "column 14: cannot multiply money by money");
    CHECK_STR(error_of("basket.total * 1.5 > 1"), "column 16: 1.5 is not a whole number");
    CHECK_STR(error_of("basket.total + basket.quantity > 1"),
              "column 14: '+' needs two ints or two money values, not money and int");
    CHECK_STR(error_of("basket.total == member.visits"),
              "column 17: cannot compare money with int");
    CHECK_STR(error_of("basket.total >= \"x\""),
              "column 17: cannot compare money with string");
}

static void test_int_literals_must_be_whole_beside_ints(void)
{
    struct fdl_expr_value s[SLOT_COUNT];
    default_env(s);
    CHECK_INT(eval("member.visits >= 3", s), 1);
    CHECK_STR(error_of("member.visits >= 2.5"), "column 18: 2.5 is not a whole number");
    CHECK_STR(error_of("1.5 < 2"), "column 1: 1.5 is not a whole number");
    CHECK_INT(eval("1 < 2", s), 1);
}

static void test_literal_arithmetic_is_folded(void)
{
    struct fdl_expr_value s[SLOT_COUNT];
    default_env(s);
    s[SLOT_TOTAL] = fdl_expr_money(1250);
    CHECK_INT(eval("basket.total == 10 + 2.5", s), 1);
    CHECK_INT(eval("basket.total == 2 * 6.25", s), 1);
    CHECK_INT(eval("basket.total == -(-12.5)", s), 1);
    CHECK_STR(canonical("basket.total == 10 + 2.5"), "basket.total == 12.50");
    CHECK_STR(canonical("member.visits > 2 * 3 - 1"), "member.visits > 5");
    CHECK_STR(error_of("member.visits > 9223372036854775807 + 1"),
              "column 37: number is too large");
    CHECK_STR(error_of("member.visits > 9223372036854775808"),
              "column 17: number is too large");
}

static void test_in_tuple_of_strings(void)
{
    struct fdl_expr_value s[SLOT_COUNT];
    default_env(s); /* tier gold */
    CHECK_INT(eval("member.tier in (\"gold\")", s), 1);
    CHECK_INT(eval("member.tier in (\"silver\", \"gold\", \"platinum\")", s), 1);
    CHECK_INT(eval("member.tier in (\"silver\", \"platinum\")", s), 0);
    CHECK_INT(eval("member.tier in (\"gol\", \"golden\", \"Gold\")", s), 0);
    CHECK_INT(eval("member.tier not in (\"silver\", \"platinum\")", s), 1);
    CHECK_INT(eval("\"gold\" in (\"gold\", \"x\")", s), 1);
    s[SLOT_TIER] = fdl_expr_string(NULL, 0);
    CHECK_INT(eval("member.tier in (\"\", \"gold\")", s), 1);
    CHECK_INT(eval("member.tier in (\"gold\")", s), 0);
}

static void test_in_list_variable(void)
{
    struct fdl_expr_value s[SLOT_COUNT];
    default_env(s);
    CHECK_INT(eval("\"sale\" in line.labels", s), 0); /* empty list */
    s[SLOT_LABELS] = fdl_expr_list(sale_labels, 3);
    CHECK_INT(eval("\"sale\" in line.labels", s), 1);
    CHECK_INT(eval("\"organic\" in line.labels", s), 1);
    CHECK_INT(eval("\"sal\" in line.labels", s), 0);
    CHECK_INT(eval("\"sales\" in line.labels", s), 0);
    CHECK_INT(eval("\"sale\" not in line.labels", s), 0);
    CHECK_INT(eval("member.tier in member.segments", s), 0);
    s[SLOT_TIER] = fdl_expr_cstring("students");
    CHECK_INT(eval("member.tier in member.segments", s), 1);
    /* A string variable with a NUL inside never equals a shorter item. */
    s[SLOT_TIER] = fdl_expr_string("students\0x", 10);
    CHECK_INT(eval("member.tier in member.segments", s), 0);
}

static void test_in_tuple_of_numbers(void)
{
    struct fdl_expr_value s[SLOT_COUNT];
    default_env(s); /* visits 5, hour 8, total 62.40 */
    CHECK_INT(eval("member.visits in (1, 5, 9)", s), 1);
    CHECK_INT(eval("member.visits in (1, 9)", s), 0);
    CHECK_INT(eval("member.visits in (100, -5, 5000000000)", s), 0);
    s[SLOT_VISITS] = fdl_expr_int(-5);
    CHECK_INT(eval("member.visits in (100, -5, 5000000000)", s), 1);
    s[SLOT_VISITS] = fdl_expr_int(64);
    CHECK_INT(eval("member.visits in (0, 63)", s), 0);
    CHECK_INT(eval("member.visits in (0, 64)", s), 1);
    CHECK_INT(eval("basket.total in (62.4, 10)", s), 1);
    CHECK_INT(eval("basket.total in (62, 10)", s), 0);
    CHECK_INT(eval("basket.total - 2.40 in (60, 10)", s), 1);
    CHECK_INT(eval("now.hour + 1 not in (9, 10)", s), 0);
    CHECK_INT(eval("member.vip in (false)", s), 1);
    CHECK_INT(eval("3 in (1, 2, 3)", s), 1);
}

static void test_weekdays_compare_in_iso_order(void)
{
    struct fdl_expr_value s[SLOT_COUNT];
    default_env(s); /* Saturday */
    CHECK_INT(eval("now.weekday == sat", s), 1);
    CHECK_INT(eval("now.weekday in (sat, sun)", s), 1);
    CHECK_INT(eval("now.weekday in (mon, tue, wed, thu, fri)", s), 0);
    CHECK_INT(eval("now.weekday >= fri", s), 1);
    CHECK_INT(eval("now.weekday < sun", s), 1);
    CHECK_INT(eval("mon < sun and sun > sat", s), 1);
    s[SLOT_WEEKDAY] = fdl_expr_weekday(1);
    CHECK_INT(eval("now.weekday == mon and now.weekday <= tue", s), 1);
    CHECK_INT(eval("now.weekday not in (sat, sun)", s), 1);
    CHECK_STR(error_of("now.weekday == 6"),
              "column 16: cannot compare weekday with number");
    CHECK_STR(error_of("now.weekday == saturday"),
              "column 16: unknown variable 'saturday'; did you mean 'sat'?");
}

static void test_string_equality_is_bytewise_utf8(void)
{
    struct fdl_expr_value s[SLOT_COUNT];
    default_env(s);
    s[SLOT_STORE] = fdl_expr_cstring("Caf\xc3\xa9 \xc3\x91 \xe6\x9d\xb1\xe4\xba\xac");
    CHECK_INT(eval("store == \"Caf\xc3\xa9 \xc3\x91 \xe6\x9d\xb1\xe4\xba\xac\"", s), 1);
    /* The same text with a combining accent is other bytes: not equal. */
    CHECK_INT(eval("store == \"Cafe\xcc\x81 \xc3\x91 \xe6\x9d\xb1\xe4\xba\xac\"", s), 0);
    CHECK_INT(eval("store == \"caf\xc3\xa9 \xc3\x91 \xe6\x9d\xb1\xe4\xba\xac\"", s), 0);
    s[SLOT_STORE] = fdl_expr_cstring("say \"hi\" \\o/");
    CHECK_INT(eval("store == \"say \\\"hi\\\" \\\\o/\"", s), 1);
    s[SLOT_STORE] = fdl_expr_cstring("");
    CHECK_INT(eval("store == \"\"", s), 1);
    CHECK_INT(eval("store != \"\"", s), 0);
}

static void test_bool_variables_and_literals(void)
{
    struct fdl_expr_value s[SLOT_COUNT];
    default_env(s);
    CHECK_INT(eval("member.vip", s), 0);
    CHECK_INT(eval("not member.vip", s), 1);
    CHECK_INT(eval("member.vip == false", s), 1);
    CHECK_INT(eval("member.vip != true and true", s), 1);
    s[SLOT_VIP] = fdl_expr_bool(1);
    CHECK_INT(eval("member.vip", s), 1);
    CHECK_INT(eval("member.vip == true", s), 1);
    CHECK_INT(eval("true == true and false != true", s), 1);
}

static void test_eval_int_and_money_expressions(void)
{
    struct fdl_expr_value s[SLOT_COUNT];
    default_env(s); /* quantity 3, amount 4.50 */
    CHECK_INT(eval_number("basket.quantity * 10 + 5", EUR, FDL_EXPR_INT, s), 35);
    CHECK_INT(eval_number("7", EUR, FDL_EXPR_INT, s), 7);
    CHECK_INT(eval_number("line.amount * 2", EUR, FDL_EXPR_MONEY, s), 900);
    CHECK_INT(eval_number("line.amount * 2", JPY, FDL_EXPR_MONEY, s), 900);
    CHECK_INT(eval_number("100", JPY, FDL_EXPR_MONEY, s), 100);
    CHECK_STR(error_in("line.amount", EUR, FDL_EXPR_INT),
              "column 1: the expression must be int, not money");
    CHECK_STR(error_in("7.5", EUR, FDL_EXPR_INT), "column 1: 7.5 is not a whole number");
}

static void test_arithmetic_saturates_instead_of_wrapping(void)
{
    struct fdl_expr_value s[SLOT_COUNT];
    default_env(s);
    s[SLOT_QUANTITY] = fdl_expr_int(INT64_MAX);
    CHECK_INT(eval_number("basket.quantity + 1", EUR, FDL_EXPR_INT, s), INT64_MAX);
    CHECK_INT(eval_number("basket.quantity * 2", EUR, FDL_EXPR_INT, s), INT64_MAX);
    CHECK_INT(eval_number("basket.quantity * -2", EUR, FDL_EXPR_INT, s), INT64_MIN);
    CHECK_INT(eval_number("-basket.quantity - 2", EUR, FDL_EXPR_INT, s), INT64_MIN);
    s[SLOT_QUANTITY] = fdl_expr_int(INT64_MIN);
    CHECK_INT(eval_number("-basket.quantity", EUR, FDL_EXPR_INT, s), INT64_MAX);
    CHECK_INT(eval_number("basket.quantity - 1", EUR, FDL_EXPR_INT, s), INT64_MIN);
}

/* ---- Errors, each with its column ---- */

static void test_error_unknown_variable_suggests_a_close_name(void)
{
    CHECK_STR(error_of("basket.totl >= 5"),
              "column 1: unknown variable 'basket.totl'; did you mean 'basket.total'?");
    CHECK_STR(error_of("store == \"a\" and chanel == \"web\""),
              "column 18: unknown variable 'chanel'; did you mean 'channel'?");
    CHECK_STR(error_of("member.tire == \"gold\""), /* a swap is two edits */
              "column 1: unknown variable 'member.tire'; did you mean 'member.tier'?");
    CHECK_STR(error_of("colour == \"red\""), "column 1: unknown variable 'colour'");
    CHECK_STR(error_of("x"), "column 1: unknown variable 'x'");
}

static void test_error_type_mismatch_points_at_the_right_side(void)
{
    CHECK_STR(error_of("basket.total >= \"50\""),
              "column 17: cannot compare money with string");
    CHECK_STR(error_of("store == 5"), "column 10: cannot compare string with number");
    CHECK_STR(error_of("5 == store"), "column 6: cannot compare number with string");
    CHECK_STR(error_of("store < \"b\""),
              "column 7: '<' needs int, money or weekday values, "
              "not string");
    CHECK_STR(error_of("member.vip > false"),
              "column 12: '>' needs int, money or weekday values, not bool");
    CHECK_STR(error_of("member.tier in (\"gold\", 3)"),
              "column 25: cannot compare string with number");
    CHECK_STR(error_of("now.weekday in (sat, \"sun\")"),
              "column 22: cannot compare weekday with string");
    CHECK_STR(error_of("line.labels == \"sale\""),
              "column 1: a list can only be the right side of 'in'");
    CHECK_STR(
        error_of("\"sale\" in store"),
        "column 11: 'in' needs a tuple like (\"a\", \"b\") or a list, but 'store' is "
        "string");
    CHECK_STR(error_of("member.visits in line.labels"),
              "column 1: a list holds strings, not int");
    CHECK_STR(error_of("store + 1 == 2"), "column 1: '+' needs int or money, not string");
    CHECK_STR(error_of("-store == 1"), "column 2: '-' needs int or money, not string");
    CHECK_STR(error_of("not 5"), "column 5: 'not' needs a bool, not number");
    CHECK_STR(error_of("member.vip and member.visits"),
              "column 16: 'and' needs a bool, not int");
    CHECK_STR(error_of("store or true"), "column 1: 'or' needs a bool, not string");
}

static void test_error_unterminated_string(void)
{
    CHECK_STR(error_of("store == \"BCN"),
              "column 10: unterminated string: it needs a closing '\"'");
    CHECK_STR(error_of("store == \"BCN\\\""),
              "column 10: unterminated string: it needs a closing '\"'");
}

static void test_error_bad_characters_in_strings(void)
{
    CHECK_STR(error_of("store == \"a\\nb\""),
              "column 12: unknown escape '\\n' (only \\\" and \\\\ are allowed)");
    CHECK_STR(error_of("store == \"a\tb\""),
              "column 12: control character 0x09 in a string");
    CHECK_STR(error_of("store == \"a\xc3\""), "column 12: invalid UTF-8 in a string");
    CHECK_STR(error_of("store == \"\xed\xa0\x80\""), /* a UTF-16 surrogate */
              "column 11: invalid UTF-8 in a string");
}

static void test_error_trailing_junk(void)
{
    CHECK_STR(
        error_of("store == \"a\" store"),
        "column 14: expected an operator or the end of the expression, found 'store'");
    CHECK_STR(error_of("(true))"),
              "column 7: expected an operator or the end of the expression, found ')'");
    CHECK_STR(error_of("true not"),
              "column 6: expected an operator or the end of the expression, found 'not'");
}

static void test_error_syntax(void)
{
    CHECK_STR(error_of("member.visits > "),
              "column 17: expected a value, found the end of the expression");
    CHECK_STR(
        error_of("(member.visits > 1"),
        "column 19: expected ')' to close the '(' at column 1, found the end of the "
        "expression");
    CHECK_STR(error_of("store = \"a\""),
              "column 7: '=' is not an operator; compare with '=='");
    CHECK_STR(error_of("true && true"), "column 6: '&' is not an operator; use 'and'");
    CHECK_STR(error_of("!member.vip"),
              "column 1: '!' is not an operator; use 'not' or '!='");
    CHECK_STR(error_of("store == 'a'"),
              "column 10: strings are written in double quotes: \"...\"");
    CHECK_STR(error_of("1 < 2 < 3"),
              "column 7: comparisons do not chain; join them with 'and'");
    CHECK_STR(error_of("store in ()"), "column 11: empty tuple: list at least one value");
    CHECK_STR(error_of("(1, 2) == 1"),
              "column 3: a tuple like (a, b) can only follow 'in'");
    CHECK_STR(
        error_of("store in (channel)"),
        "column 11: a tuple holds literal values only (numbers, strings, true, false, "
        "weekdays), found 'channel'");
    CHECK_STR(
        error_of("store in \"a\""),
        "column 10: expected a tuple like (\"a\", \"b\") or a list variable after 'in', "
        "found '\"a\"'");
    CHECK_STR(error_of("member.visits > 12abc"), "column 17: malformed number '12abc'");
    CHECK_STR(error_of("member.visits > 12."), "column 17: malformed number '12.'");
    CHECK_STR(error_of("basket. total > 1"),
              "column 7: a '.' in a name must be followed by a letter or '_'");
    CHECK_STR(error_of("store == \"a\" # comment"),
              "column 14: unexpected character '#'");
    CHECK_STR(error_of("store == \xc3\xa9"), "column 10: unexpected byte 0xC3");
}

static void test_error_empty_expression(void)
{
    CHECK_STR(error_of(""), "column 1: the expression is empty");
    CHECK_STR(error_of("  \t\n"), "column 1: the expression is empty");
}

static void test_error_too_long_at_and_past_the_limit(void)
{
    char text[FDL_EXPR_MAX_LEN + 2];
    memset(text, ' ', sizeof(text));
    memcpy(text, "true", 4);
    text[FDL_EXPR_MAX_LEN] = '\0'; /* exactly the limit */
    CHECK_STR(error_of(text), "(compiled)");
    text[FDL_EXPR_MAX_LEN] = ' ';
    text[FDL_EXPR_MAX_LEN + 1] = '\0';
    CHECK_STR(error_of(text), "column 1025: the expression is longer than 1024 bytes");
}

/* depth nested copies of open, then "true", then depth copies of close. */
static const char *nested(int depth, const char *open, const char *middle,
                          const char *close)
{
    static char text[FDL_EXPR_MAX_LEN + 1];
    size_t n = 0;
    text[0] = '\0';
    for (int i = 0; i < depth; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%s", open);
    n += (size_t)snprintf(text + n, sizeof(text) - n, "%s", middle);
    for (int i = 0; i < depth; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%s", close);
    return text;
}

static void test_error_too_deep_at_and_past_the_limit(void)
{
    CHECK_STR(error_of(nested(32, "(", "true", ")")), "(compiled)");
    CHECK_STR(error_of(nested(33, "(", "true", ")")),
              "column 33: expression is nested too deeply (more than 32 levels)");
    CHECK_STR(error_of(nested(32, "not ", "true", "")), "(compiled)");
    CHECK_STR(error_of(nested(33, "not ", "true", "")),
              "column 129: expression is nested too deeply (more than 32 levels)");
    CHECK_STR(error_in(nested(32, "-", "basket.quantity", ""), EUR, FDL_EXPR_INT),
              "(compiled)");
    CHECK_STR(error_in(nested(33, "-", "basket.quantity", ""), EUR, FDL_EXPR_INT),
              "column 33: expression is nested too deeply (more than 32 levels)");
}

static void test_error_evaluation_stack_at_and_past_the_limit(void)
{
    /* "q + (q + (... q))": each level keeps one more value on the stack,
     * so depth parentheses need depth + 1 entries. */
    struct fdl_expr_value s[SLOT_COUNT];
    default_env(s); /* quantity 3 */
    const char *text = nested(31, "basket.quantity + (", "basket.quantity", ")");
    CHECK_INT(eval_number(text, EUR, FDL_EXPR_INT, s), 3 * 32);
    CHECK_STR(error_in(nested(32, "basket.quantity + (", "basket.quantity", ")"), EUR,
                       FDL_EXPR_INT),
              "column 17: expression is nested too deeply (more than 32 levels)");
    /* A long flat chain needs only two entries, whatever its length. */
    char chain[FDL_EXPR_MAX_LEN + 1];
    size_t n = (size_t)snprintf(chain, sizeof(chain), "member.visits == 5");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(chain + n, sizeof(chain) - n, " and member.visits < %d",
                              10 + i);
    CHECK(n <= FDL_EXPR_MAX_LEN);
    CHECK_INT(eval(chain, s), 1);
}

static void test_error_non_bool_where_bool_is_wanted(void)
{
    CHECK_STR(error_of("basket.total"),
              "column 1: the expression must be bool, not money");
    CHECK_STR(error_of("member.visits + 1"),
              "column 1: the expression must be bool, not int");
    CHECK_STR(error_of("  (store)"), "column 3: the expression must be bool, not string");
    CHECK_STR(error_of("12"), "column 1: the expression must be bool, not number");
    CHECK_STR(error_of("line.labels"), "column 1: the expression must be bool, not list");
    CHECK_STR(error_in("member.vip", EUR, FDL_EXPR_MONEY),
              "column 1: the expression must be money, not bool");
}

static void test_error_tuple_at_and_past_the_limit(void)
{
    char text[FDL_EXPR_MAX_LEN + 1];
    size_t n = (size_t)snprintf(text, sizeof(text), "member.visits in (0");
    for (int i = 1; i < FDL_EXPR_MAX_TUPLE; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, ",%d", i);
    snprintf(text + n, sizeof(text) - n, ")");
    CHECK_STR(error_of(text), "(compiled)");
    snprintf(text + n, sizeof(text) - n, ",64)"); /* the 65th value is at n + 2 */
    char expected[80];
    snprintf(expected, sizeof(expected), "column %zu: tuple has more than 64 values",
             n + 2);
    CHECK_STR(error_of(text), expected);
}

static void test_error_name_at_and_past_the_limit(void)
{
    char text[100];
    memset(text, 'a', 64);
    text[64] = '\0';
    CHECK_STR(error_of(text),
              "column 1: unknown variable "
              "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'");
    memset(text, 'a', 65);
    text[65] = '\0';
    CHECK_STR(error_of(text), "column 1: name is longer than 64 bytes");
}

static void test_error_bad_minor_per_unit(void)
{
    struct fdl_error err;
    struct fdl_expr *e = NULL;
    CHECK_INT(fdl_expr_compile("true", test_vars, N_TEST_VARS, 50, FDL_EXPR_BOOL, "x", &e,
                               &err),
              FDL_EINVALID);
    CHECK(e == NULL);
    CHECK_STR(err.message,
              "minor_per_unit must be a power of ten from 1 to 1000000, not 50");
    CHECK_INT(
        fdl_expr_compile("true", test_vars, N_TEST_VARS, 0, FDL_EXPR_BOOL, "x", &e, NULL),
        FDL_EINVALID);
}

/* ---- Canonical text ---- */

static void test_format_is_canonical(void)
{
    CHECK_STR(canonical("basket.total>=50 and member.tier in(\"gold\",\"platinum\")and "
                        "now.weekday in (sat,sun)"),
              "basket.total >= 50.00 and member.tier in (\"gold\", \"platinum\") and "
              "now.weekday in (sat, sun)");
    CHECK_STR(canonical("now.hour >= 7 and now.hour < 10 or store in (\"BCN-01\")"),
              "(now.hour >= 7 and now.hour < 10) or store in (\"BCN-01\")");
    CHECK_STR(canonical("line.category == \"coffee\" and not (\"sale\" in line.labels)"),
              "line.category == \"coffee\" and not (\"sale\" in line.labels)");
    CHECK_STR(canonical("((member.visits)) > (1)"), "member.visits > 1");
    CHECK_STR(canonical("not not member.vip"), "not not member.vip");
    CHECK_STR(canonical("not member.visits == 1"), "not (member.visits == 1)");
    CHECK_STR(canonical("member.visits - (basket.quantity - 1) == -(now.hour * 2)"),
              "member.visits - (basket.quantity - 1) == -(now.hour * 2)");
    CHECK_STR(canonical("(member.visits - basket.quantity) - 1 == 0"),
              "member.visits - basket.quantity - 1 == 0");
    CHECK_STR(canonical("member.vip or (member.vip or member.vip)"),
              "member.vip or (member.vip or member.vip)");
    CHECK_STR(canonical("(member.vip == true) == false"),
              "(member.vip == true) == false");
    CHECK_STR(canonical("store == \"say \\\"hi\\\" \\\\\""),
              "store == \"say \\\"hi\\\" \\\\\"");
    CHECK_STR(canonical("basket.total in (1, -0.5) and line.amount * -2 < -1"),
              "basket.total in (1.00, -0.50) and line.amount * -2 < -1.00");
    CHECK_STR(canonical_in("basket.total > 1000", JPY), "basket.total > 1000");
    CHECK_STR(canonical("\"x\" not in member.segments"), "\"x\" not in member.segments");
}

static void test_format_round_trips(void)
{
    static const char *const texts[] = {
        ("basket.total >= 50 and member.tier in (\"gold\", \"platinum\") and now.weekday "
         "in (sat, sun)"),
        "now.hour >= 7 and now.hour < 10 or store in (\"BCN-01\", \"BCN-02\")",
        "not (member.vip and not (member.visits in (1, 2)) or false)",
        "-(-member.visits) * -3 - -4 == 5 - 2 * 3",
        "member.visits in (-1, 100000000000) and basket.total - line.amount > 0.01",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        char first[2 * FDL_EXPR_MAX_LEN];
        snprintf(first, sizeof(first), "%s", canonical(texts[i]));
        CHECK_STR(canonical(first), first);
    }
}

static void test_format_truncates_like_snprintf(void)
{
    struct fdl_expr *e = compile_as("member.visits>1", EUR, FDL_EXPR_BOOL);
    CHECK(e != NULL);
    char out[8];
    memset(out, 'z', sizeof(out));
    size_t n = fdl_expr_format(e, out, sizeof(out));
    size_t whole = fdl_expr_format(e, NULL, 0);
    fdl_expr_free(e);
    CHECK_INT(n, strlen("member.visits > 1"));
    CHECK_INT(whole, n);
    CHECK_STR(out, "member.");
}

int main(void)
{
    RUN(test_example_basket_tier_weekend);
    RUN(test_example_category_without_sale_label);
    RUN(test_example_breakfast_hours_or_store);
    RUN(test_example_visits_and_channel);
    RUN(test_comparisons_on_ints_each_outcome);
    RUN(test_comparisons_with_literal_on_the_left);
    RUN(test_comparisons_of_two_variables);
    RUN(test_and_or_not_truth_tables);
    RUN(test_precedence_of_logic);
    RUN(test_precedence_and_associativity_of_arithmetic);
    RUN(test_and_or_short_circuit_skip_the_right_side);
    RUN(test_not_pushed_into_comparisons_keeps_meaning);
    RUN(test_money_literal_means_whole_units);
    RUN(test_money_literal_in_zero_and_three_decimal_currencies);
    RUN(test_money_literal_with_too_many_decimals_is_an_error);
    RUN(test_money_arithmetic);
    RUN(test_money_type_errors);
    RUN(test_int_literals_must_be_whole_beside_ints);
    RUN(test_literal_arithmetic_is_folded);
    RUN(test_in_tuple_of_strings);
    RUN(test_in_list_variable);
    RUN(test_in_tuple_of_numbers);
    RUN(test_weekdays_compare_in_iso_order);
    RUN(test_string_equality_is_bytewise_utf8);
    RUN(test_bool_variables_and_literals);
    RUN(test_eval_int_and_money_expressions);
    RUN(test_arithmetic_saturates_instead_of_wrapping);
    RUN(test_error_unknown_variable_suggests_a_close_name);
    RUN(test_error_type_mismatch_points_at_the_right_side);
    RUN(test_error_unterminated_string);
    RUN(test_error_bad_characters_in_strings);
    RUN(test_error_trailing_junk);
    RUN(test_error_syntax);
    RUN(test_error_empty_expression);
    RUN(test_error_too_long_at_and_past_the_limit);
    RUN(test_error_too_deep_at_and_past_the_limit);
    RUN(test_error_evaluation_stack_at_and_past_the_limit);
    RUN(test_error_non_bool_where_bool_is_wanted);
    RUN(test_error_tuple_at_and_past_the_limit);
    RUN(test_error_name_at_and_past_the_limit);
    RUN(test_error_bad_minor_per_unit);
    RUN(test_format_is_canonical);
    RUN(test_format_round_trips);
    RUN(test_format_truncates_like_snprintf);
    return check_done();
}
