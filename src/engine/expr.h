/*
 * expr.h - the condition language of rule files: parsed once, evaluated often.
 *
 * A shop owner writes a condition in the program file, for example
 *
 *     basket.total >= 50 and member.tier in ("gold", "platinum")
 *         and now.weekday in (sat, sun)
 *
 * fdl_expr_compile() parses and type-checks it once, against the variables
 * its caller offers, into a flat program of instructions; fdl_expr_eval_bool()
 * then runs that program for each purchase or line without allocating,
 * copying strings or failing.
 *
 * Types
 *   bool     true, false; results of comparisons, `in`, and, or, not
 *   int      64-bit integers: 3, -12
 *   money    64-bit minor units (cents): variables only; see literals below
 *   string   UTF-8: "coffee", "caf\"e\\" (escapes: \" and \\ only)
 *   weekday  mon tue wed thu fri sat sun, valued 1 (Monday) .. 7 (Sunday),
 *            as ISO 8601 and engine/rules.h number them; ordered mon < sun
 *   list     a list of strings (line labels, member segments): variables
 *            only, and only as the right side of `in`
 *
 * Number literals have no type of their own: they take the type of what
 * they meet. Beside money, 12.5 means 12.50 currency units (1250 minor units
 * when minor_per_unit is 100); a literal with more decimals than the
 * currency has is an error (12.505 in euros; any decimals in yen). Beside an
 * int, or as the factor of a `*`, a literal must be whole. Arithmetic on
 * literals alone is folded at compile time (10 + 2.5 is 12.5).
 *
 * Operators, loosest first (all binary ones left-associative):
 *   or                    bool or bool (short-circuit)
 *   and                   bool and bool (short-circuit)
 *   not                   not bool
 *   == != < <= > >=       same type on both sides; < <= > >= only on int,
 *   in, not in            money and weekday. Comparisons do not chain.
 *                         `x in (a, b, ...)`: a tuple of literals of x's
 *                         type, only right of `in`; `s in list` for a string
 *                         s and a list variable
 *   + -                   int + int, money + money (and -)
 *   *                     int * int, money * int, int * money
 *   - (unary)             negation of int or money
 * plus parentheses. Arithmetic saturates at the int64 limits rather than
 * wrapping (no rule file can reach them with real amounts).
 *
 * Variables are dotted names ([A-Za-z_][A-Za-z0-9_]* joined by '.') that the
 * caller declares, each with a type and a slot: its index in the array of
 * values the caller passes to every evaluation. Keywords (and or not in true
 * false mon..sun) are reserved.
 *
 * Errors. Compilation fails with FDL_EINVALID, err->field set to the
 * caller's field path (say "earn[2].when") and err->message starting with
 * "column N: " (the 1-based byte offset in text), then what is wrong:
 * "column 17: cannot compare money with string", "column 1: unknown
 * variable 'basket.totl'; did you mean 'basket.total'?". Programmer errors
 * (bad declarations, a value of the wrong type in a slot) are assertions.
 *
 * Limits, enforced at compile time so that evaluation never needs a check:
 * the text's length, the nesting of parentheses, `not` and unary minus, the
 * evaluation stack, and the length of one tuple (below).
 */
#ifndef FDL_EXPR_H
#define FDL_EXPR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/error.h"

#define FDL_EXPR_MAX_LEN            1024    /* bytes of condition text */
#define FDL_EXPR_MAX_DEPTH          32      /* nesting, and evaluation stack entries */
#define FDL_EXPR_MAX_TUPLE          64      /* values in one (a, b, ...) */
#define FDL_EXPR_MAX_NAME_LEN       64      /* bytes in one variable name */
#define FDL_EXPR_MAX_VARS           256     /* variables one compile may declare */
#define FDL_EXPR_MAX_MINOR_PER_UNIT 1000000 /* minor units per currency unit */

enum fdl_expr_type {
    FDL_EXPR_BOOL = 1, /* 0 is left out so a zeroed value is never valid */
    FDL_EXPR_INT,
    FDL_EXPR_MONEY,
    FDL_EXPR_STRING,
    FDL_EXPR_WEEKDAY,
    FDL_EXPR_LIST,
};

/* A variable the caller offers: its name in conditions, its type, its slot. */
struct fdl_expr_var {
    const char *name; /* dotted name, at most FDL_EXPR_MAX_NAME_LEN bytes */
    enum fdl_expr_type type;
    int slot; /* index into the values array passed to evaluation, >= 0 */
};

/*
 * The current value of one variable. type must be the variable's declared
 * type (evaluation asserts it). Strings are not copied: they must stay
 * valid during the evaluation only. List items are NUL-terminated strings.
 */
struct fdl_expr_value {
    enum fdl_expr_type type;
    union {
        int64_t i; /* bool (0 or 1), int, money (minor units), weekday (1..7) */
        struct {
            const char *ptr; /* may be NULL if len is 0 */
            size_t len;
        } str;
        struct {
            const char *const *items; /* count non-NULL C strings */
            size_t count;
        } list;
    } as;
};

/* A compiled expression: immutable, one allocation, shareable by threads. */
struct fdl_expr;

/*
 * fdl_expr_compile() parses the NUL-terminated text and type-checks it
 * against vars[0..n_vars) (names unique and well-formed, slots >= 0), for a
 * currency of minor_per_unit minor units per unit (a power of ten: 1 for
 * JPY, 100 for EUR, 1000 for KWD). want is the type the whole expression
 * must have: FDL_EXPR_BOOL for a condition, FDL_EXPR_INT or FDL_EXPR_MONEY
 * for a computed amount.
 *
 * On success stores a new expression in *out (free it with fdl_expr_free)
 * and returns 0. On failure returns FDL_EINVALID (FDL_ENOMEM if memory ran
 * out) with err (may be NULL) filled as described above, field set to field
 * (may be NULL), and *out untouched. Compilation allocates; it is linear in
 * the text's length, except that an unknown name is compared with every
 * declared one to suggest a correction.
 */
int fdl_expr_compile(const char *text, const struct fdl_expr_var *vars, size_t n_vars,
                     int minor_per_unit, enum fdl_expr_type want, const char *field,
                     struct fdl_expr **out, struct fdl_error *err);

/*
 * fdl_expr_eval_bool() evaluates e (compiled with want FDL_EXPR_BOOL)
 * against slots, which must hold a value of the declared type at every slot
 * the expression's variables name, and returns 0 or 1. `and` and `or` skip
 * their right side when the left decides, so slots the skipped side names
 * are not read. Allocates nothing, cannot fail, safe to call concurrently.
 */
int fdl_expr_eval_bool(const struct fdl_expr *e, const struct fdl_expr_value *slots);

/*
 * fdl_expr_eval_int() is fdl_expr_eval_bool() for an expression compiled
 * with want FDL_EXPR_INT or FDL_EXPR_MONEY (then the result is in minor
 * units).
 */
int64_t fdl_expr_eval_int(const struct fdl_expr *e, const struct fdl_expr_value *slots);

/* fdl_expr_free() frees e; NULL is fine. */
void fdl_expr_free(struct fdl_expr *e);

/*
 * fdl_expr_format() writes e's canonical text, for explaining a rule: one
 * space around operators, parentheses only where needed (and always around
 * an `and` inside an `or` and a comparison under `not`), literals normalized
 * (money with the currency's decimals: 12.50) and folded. Compiling the
 * canonical text again gives the same expression. Like snprintf, it writes
 * at most cap bytes including a NUL (nothing if cap is 0) and returns the
 * full text's length, so a result >= cap means it was cut short.
 */
size_t fdl_expr_format(const struct fdl_expr *e, char *out, size_t cap);

/* The name of a type as messages write it: "bool", "money", ... */
const char *fdl_expr_type_name(enum fdl_expr_type type);

/* Values for the slots array. */
static inline struct fdl_expr_value fdl_expr_bool(int b)
{
    return (struct fdl_expr_value){.type = FDL_EXPR_BOOL, .as.i = b != 0};
}

static inline struct fdl_expr_value fdl_expr_int(int64_t i)
{
    return (struct fdl_expr_value){.type = FDL_EXPR_INT, .as.i = i};
}

static inline struct fdl_expr_value fdl_expr_money(int64_t minor)
{
    return (struct fdl_expr_value){.type = FDL_EXPR_MONEY, .as.i = minor};
}

/* iso_weekday: 1 = Monday .. 7 = Sunday. */
static inline struct fdl_expr_value fdl_expr_weekday(int iso_weekday)
{
    return (struct fdl_expr_value){.type = FDL_EXPR_WEEKDAY, .as.i = iso_weekday};
}

static inline struct fdl_expr_value fdl_expr_string(const char *ptr, size_t len)
{
    return (struct fdl_expr_value){.type = FDL_EXPR_STRING, .as.str = {ptr, len}};
}

/* A NUL-terminated string; NULL counts as "". */
static inline struct fdl_expr_value fdl_expr_cstring(const char *s)
{
    return s ? fdl_expr_string(s, strlen(s)) : fdl_expr_string("", 0);
}

static inline struct fdl_expr_value fdl_expr_list(const char *const *items, size_t count)
{
    return (struct fdl_expr_value){.type = FDL_EXPR_LIST, .as.list = {items, count}};
}

#endif
