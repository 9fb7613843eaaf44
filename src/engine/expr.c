/*
 * expr.c - compiling and evaluating conditions (the language is in expr.h).
 *
 * Compilation runs in passes over one private workspace of fixed size
 * (struct expr_compiler, bounded by FDL_EXPR_MAX_LEN):
 *   parse     recursive descent over tokens lexed on demand, into a tree of
 *             nodes (at most one node per token); only `(`, `not` and unary
 *             minus recurse, and their nesting is bounded;
 *   check     types bottom-up: number literals stay untyped until they meet
 *             a typed operand, and arithmetic on literals alone is folded;
 *   generate  postfix instructions, with the common shapes fused (variable
 *             against constant, variable in tuple, strings by reference) and
 *             `not` pushed into comparisons and through and/or (De Morgan);
 *   assemble  one allocation: header, instructions, integer and string
 *             constants, and the canonical text.
 *
 * Invariants of a compiled expression: every jump goes forward within the
 * program; the stack never holds more than FDL_EXPR_MAX_DEPTH values and
 * holds exactly one at OP_END; strings never go on the stack (a string is
 * always a variable or a constant, so string instructions name their
 * operands: a slot if >= 0, constant -1 - ref if < 0).
 */
#include "engine/expr.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPR_MAX_NODES    (FDL_EXPR_MAX_LEN + 1) /* a node per token at most */
#define EXPR_MAX_CODE     (EXPR_MAX_NODES + 1)   /* an instruction per node, END */
#define EXPR_MAX_DECIMALS 18                     /* digits after a literal's point */
#define EXPR_SLICE_MAX    24                     /* source bytes quoted in a message */
#define EXPR_DECIMAL_MAX  48 /* "-9223372036854775807" with a point, and NUL */
#define EXPR_NUMBER       16 /* the type of a number literal not yet typed */

_Static_assert(FDL_EXPR_MAX_TUPLE <= 255, "a tuple's length fits in expr_insn.count");
_Static_assert(FDL_EXPR_MAX_LEN < 0x7fffffff, "offsets fit in an int");

/* Comparisons as masks of the outcomes they accept: bit 0 less, bit 1
 * equal, bit 2 greater. Negating one is mask ^ 7. */
enum expr_cmp {
    CMP_LT = 1,
    CMP_EQ = 2,
    CMP_LE = 3,
    CMP_GT = 4,
    CMP_NE = 5,
    CMP_GE = 6,
};

static const char *const cmp_names[8] = {NULL, "<", "==", "<=", ">", "!=", ">=", NULL};

static const char *const weekday_names[7] = {"mon", "tue", "wed", "thu",
                                             "fri", "sat", "sun"};
static const char *const weekday_long_names[7] = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};

/* ---- Compiled form ---- */

enum expr_op {
    OP_END,
    OP_PUSH,              /* push b */
    OP_LOAD,              /* push slot a (type) */
    OP_LOAD_BOOL,         /* push (slot a != 0) ^ flag */
    OP_NEG,               /* x -> -x */
    OP_ADD,               /* x y -> x + y */
    OP_SUB,               /* x y -> x - y */
    OP_MUL,               /* x y -> x * y */
    OP_CMP,               /* x y -> x <flag> y */
    OP_CMP_VAR_IMM,       /* push slot a <flag> b */
    OP_CMP_VAR_VAR,       /* push slot a <flag> slot b */
    OP_IN_MASK,           /* x -> (x in bit set b) ^ flag */
    OP_VAR_IN_MASK,       /* push (slot a in bit set b) ^ flag */
    OP_IN_INTS,           /* x -> (x in ints[b .. b + count)) ^ flag */
    OP_VAR_IN_INTS,       /* push (slot a in ints[b .. b + count)) ^ flag */
    OP_STR_EQ,            /* push (string a == string b) ^ flag */
    OP_STR_IN_TUPLE,      /* push (string a in strs[b .. b + count)) ^ flag */
    OP_STR_IN_LIST,       /* push (string a in list slot b) ^ flag */
    OP_JUMP_FALSE_OR_POP, /* top false: jump to a, keeping it; else pop */
    OP_JUMP_TRUE_OR_POP,  /* top true: jump to a, keeping it; else pop */
};

struct expr_insn {
    uint8_t op;    /* enum expr_op */
    uint8_t flag;  /* comparison mask, or 1 to negate a membership test */
    uint8_t type;  /* declared type of the slot a LOAD or fused op reads */
    uint8_t count; /* tuple length */
    int32_t a;     /* slot, string reference or jump target */
    int64_t b;     /* constant, slot, string reference, bit set or index */
};

struct expr_str {
    const char *ptr;
    size_t len;
};

struct fdl_expr {
    enum fdl_expr_type type;
    int minor_digits;
    const struct expr_insn *code;
    const int64_t *ints;
    const struct expr_str *strs;
    const char *text; /* canonical, NUL-terminated */
    size_t text_len;
};

/* ---- Workspace ---- */

enum tok_kind {
    TOK_END,
    TOK_NUMBER,
    TOK_STRING,
    TOK_NAME,
    TOK_TRUE,
    TOK_FALSE,
    TOK_WEEKDAY,
    TOK_AND,
    TOK_OR,
    TOK_NOT,
    TOK_IN,
    TOK_LPAREN,
    TOK_RPAREN,
    TOK_COMMA,
    TOK_PLUS,
    TOK_MINUS,
    TOK_STAR,
    TOK_CMP, /* value: enum expr_cmp */
};

struct expr_token {
    enum tok_kind kind;
    int pos, len;         /* bytes of text */
    int64_t value;        /* NUMBER: digits without the point; WEEKDAY 1..7; CMP */
    int decimals;         /* NUMBER: digits after the point */
    int str_off, str_len; /* STRING: decoded bytes in strbuf */
};

enum node_kind {
    NODE_LITERAL,
    NODE_VAR,
    NODE_NEG,
    NODE_NOT,
    NODE_AND,
    NODE_OR,
    NODE_ADD,
    NODE_SUB,
    NODE_MUL,
    NODE_COMPARE,
    NODE_IN,
};

struct expr_node {
    uint8_t kind;         /* enum node_kind */
    uint8_t type;         /* enum fdl_expr_type, or EXPR_NUMBER */
    uint8_t flag;         /* COMPARE: enum expr_cmp; IN: 1 for `not in` */
    uint8_t decimals;     /* untyped number literal: digits after the point */
    int pos;              /* the operator's or token's offset, for messages */
    int start;            /* offset of the subexpression's first byte */
    int left, right;      /* children; IN: right is the list or the first tuple value */
    int count;            /* IN: tuple length (values are nodes right..right+count-1) */
    int64_t value;        /* literal value; VAR: index into vars */
    int str_off, str_len; /* string literal in strbuf */
};

struct expr_compiler {
    const char *text;
    int len;
    const struct fdl_expr_var *vars;
    size_t n_vars;
    int minor_digits;
    const char *field;
    struct fdl_error *err;
    struct expr_token tok; /* the current token */
    int nesting;
    int n_nodes, str_used, n_code, n_ints, n_consts;
    struct expr_node nodes[EXPR_MAX_NODES];
    char strbuf[FDL_EXPR_MAX_LEN + 1];
    struct expr_insn code[EXPR_MAX_CODE];
    int64_t ints[EXPR_MAX_NODES];
    struct {
        int off, len;
    } consts[EXPR_MAX_NODES];
    int first_of[EXPR_MAX_NODES]; /* assembly: the first constant equal to each */
};

/* ---- Small helpers ---- */

static int is_digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

static int is_name_start(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

static int is_name_char(int ch)
{
    return is_name_start(ch) || is_digit(ch);
}

static int max_int(int a, int b)
{
    return a > b ? a : b;
}

static const int64_t powers_of_ten[EXPR_MAX_DECIMALS + 1] = {
    1LL,
    10LL,
    100LL,
    1000LL,
    10000LL,
    100000LL,
    1000000LL,
    10000000LL,
    100000000LL,
    1000000000LL,
    10000000000LL,
    100000000000LL,
    1000000000000LL,
    10000000000000LL,
    100000000000000LL,
    1000000000000000LL,
    10000000000000000LL,
    100000000000000000LL,
    1000000000000000000LL,
};

const char *fdl_expr_type_name(enum fdl_expr_type type)
{
    switch ((int)type) {
    case FDL_EXPR_BOOL:
        return "bool";
    case FDL_EXPR_INT:
        return "int";
    case FDL_EXPR_MONEY:
        return "money";
    case FDL_EXPR_STRING:
        return "string";
    case FDL_EXPR_WEEKDAY:
        return "weekday";
    case FDL_EXPR_LIST:
        return "list";
    case EXPR_NUMBER:
        return "number";
    }
    return "?";
}

static const char *type_name(int type)
{
    return fdl_expr_type_name((enum fdl_expr_type)type);
}

/*
 * Length of the UTF-8 character at s[0..n) (1..4), or 0 if it is not valid
 * UTF-8 (overlong forms, surrogates and code points past U+10FFFF included).
 */
static int utf8_char_len(const unsigned char *s, size_t n)
{
    unsigned b = s[0];
    int len;
    unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (b < 0x80)
        return 1;
    if (b >= 0xC2 && b <= 0xDF)
        len = 2;
    else if (b >= 0xE0 && b <= 0xEF) {
        len = 3;
        lo = b == 0xE0 ? 0xA0 : 0x80;
        hi = b == 0xED ? 0x9F : 0xBF;
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4;
        lo = b == 0xF0 ? 0x90 : 0x80;
        hi = b == 0xF4 ? 0x8F : 0xBF;
    } else
        return 0;
    if (n < (size_t)len || s[1] < lo || s[1] > hi)
        return 0;
    for (int i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

/* Writes m / 10^decimals as a decimal ("-0.05", "12.50") into out. */
static void format_decimal(char *out, size_t cap, int64_t m, int decimals)
{
    assert(decimals >= 0 && decimals <= EXPR_MAX_DECIMALS);
    uint64_t magnitude = m < 0 ? 0 - (uint64_t)m : (uint64_t)m;
    uint64_t scale = (uint64_t)powers_of_ten[decimals];
    if (decimals == 0)
        snprintf(out, cap, "%s%llu", m < 0 ? "-" : "", (unsigned long long)magnitude);
    else
        snprintf(out, cap, "%s%llu.%0*llu", m < 0 ? "-" : "",
                 (unsigned long long)(magnitude / scale), decimals,
                 (unsigned long long)(magnitude % scale));
}

/* ---- Errors ---- */

static int fail(struct expr_compiler *c, int pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fails compilation: "column <pos + 1>: <message>". Returns FDL_EINVALID. */
static int fail(struct expr_compiler *c, int pos, const char *fmt, ...)
{
    char message[FDL_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    return fdl_error_set(c->err, FDL_EINVALID, c->field, "column %d: %s", pos + 1,
                         message);
}

/*
 * Describes the token t for a message: "the end of the expression", or its
 * source text quoted (cut at EXPR_SLICE_MAX bytes, on a character boundary,
 * so the message stays valid UTF-8).
 */
static const char *describe(const struct expr_compiler *c, const struct expr_token *t,
                            char *buf, size_t cap)
{
    if (t->kind == TOK_END)
        return "the end of the expression";
    int n = t->len;
    if (n > EXPR_SLICE_MAX) {
        n = EXPR_SLICE_MAX;
        while (n > 0 && ((unsigned char)c->text[t->pos + n] & 0xC0) == 0x80)
            n--;
    }
    snprintf(buf, cap, "'%.*s%s'", n, c->text + t->pos, n < t->len ? "..." : "");
    return buf;
}

/* fail() with "<what>, found <the current token>". */
static int fail_found(struct expr_compiler *c, const char *what)
{
    char buf[EXPR_SLICE_MAX + 8];
    return fail(c, c->tok.pos, "%s, found %s", what,
                describe(c, &c->tok, buf, sizeof(buf)));
}

/* ---- Lexer ---- */

static int lex_string(struct expr_compiler *c, int pos, struct expr_token *t)
{
    const unsigned char *s = (const unsigned char *)c->text;
    int i = pos + 1;
    t->kind = TOK_STRING;
    t->str_off = c->str_used;
    for (;;) {
        if (i >= c->len)
            return fail(c, pos, "unterminated string: it needs a closing '\"'");
        unsigned ch = s[i];
        int n = 1;
        if (ch == '"')
            break;
        if (ch == '\\') {
            if (i + 1 < c->len && (s[i + 1] == '"' || s[i + 1] == '\\'))
                ch = s[++i];
            else if (i + 1 < c->len && s[i + 1] >= 0x20 && s[i + 1] < 0x7F)
                return fail(c, i,
                            "unknown escape '\\%c' (only \\\" and \\\\ are allowed)",
                            s[i + 1]);
            else
                return fail(c, i, "a '\\' in a string must be followed by '\"' or '\\'");
        } else if (ch < 0x20 || ch == 0x7F) {
            return fail(c, i, "control character 0x%02X in a string", ch);
        } else if (ch >= 0x80 && (n = utf8_char_len(s + i, (size_t)(c->len - i))) == 0) {
            return fail(c, i, "invalid UTF-8 in a string");
        }
        assert(c->str_used + n <= FDL_EXPR_MAX_LEN);
        memcpy(c->strbuf + c->str_used, s + i, (size_t)n);
        c->str_used += n;
        i += n;
    }
    t->str_len = c->str_used - t->str_off;
    t->len = i + 1 - pos;
    return 0;
}

static int lex_number(struct expr_compiler *c, int pos, struct expr_token *t)
{
    const char *s = c->text;
    int i = pos;
    int64_t m = 0;
    t->kind = TOK_NUMBER;
    t->decimals = 0;
    for (; i < c->len && is_digit(s[i]); i++) {
        if (m > (INT64_MAX - (s[i] - '0')) / 10)
            return fail(c, pos, "number is too large");
        m = m * 10 + (s[i] - '0');
    }
    if (i < c->len && s[i] == '.' && i + 1 < c->len && is_digit(s[i + 1])) {
        for (i++; i < c->len && is_digit(s[i]); i++) {
            if (++t->decimals > EXPR_MAX_DECIMALS)
                return fail(c, pos, "number has more than %d decimals",
                            EXPR_MAX_DECIMALS);
            if (m > (INT64_MAX - (s[i] - '0')) / 10)
                return fail(c, pos, "number is too large");
            m = m * 10 + (s[i] - '0');
        }
    }
    if (i < c->len && (is_name_char(s[i]) || s[i] == '.')) {
        int end = i;
        while (end < c->len && end - pos < EXPR_SLICE_MAX &&
               (is_name_char(s[end]) || s[end] == '.'))
            end++;
        return fail(c, pos, "malformed number '%.*s'", end - pos, s + pos);
    }
    t->value = m;
    t->len = i - pos;
    return 0;
}

/* The keyword spelt s[0..n), or TOK_NAME; a weekday's number goes in *value. */
static enum tok_kind keyword(const char *s, int n, int64_t *value)
{
    static const struct {
        const char *word;
        enum tok_kind kind;
    } words[] = {{"and", TOK_AND}, {"or", TOK_OR},     {"not", TOK_NOT},
                 {"in", TOK_IN},   {"true", TOK_TRUE}, {"false", TOK_FALSE}};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if ((size_t)n == strlen(words[i].word) &&
            memcmp(s, words[i].word, (size_t)n) == 0)
            return words[i].kind;
    for (int d = 0; d < 7; d++)
        if (n == 3 && memcmp(s, weekday_names[d], 3) == 0) {
            *value = d + 1;
            return TOK_WEEKDAY;
        }
    return TOK_NAME;
}

static int lex_name(struct expr_compiler *c, int pos, struct expr_token *t)
{
    const char *s = c->text;
    int i = pos, dotted = 0;
    for (;;) {
        while (i < c->len && is_name_char(s[i]))
            i++;
        if (i >= c->len || s[i] != '.')
            break;
        if (i + 1 >= c->len || !is_name_start(s[i + 1]))
            return fail(c, i, "a '.' in a name must be followed by a letter or '_'");
        dotted = 1;
        i++;
    }
    if (i - pos > FDL_EXPR_MAX_NAME_LEN)
        return fail(c, pos, "name is longer than %d bytes", FDL_EXPR_MAX_NAME_LEN);
    t->len = i - pos;
    t->kind = dotted ? TOK_NAME : keyword(s + pos, t->len, &t->value);
    return 0;
}

/* Operators and punctuation; fails on anything else. */
static int lex_symbol(struct expr_compiler *c, int pos, struct expr_token *t)
{
    unsigned char ch = (unsigned char)c->text[pos];
    unsigned char next = pos + 1 < c->len ? (unsigned char)c->text[pos + 1] : 0;
    t->len = 1;
    switch (ch) {
    case '(':
        t->kind = TOK_LPAREN;
        return 0;
    case ')':
        t->kind = TOK_RPAREN;
        return 0;
    case ',':
        t->kind = TOK_COMMA;
        return 0;
    case '+':
        t->kind = TOK_PLUS;
        return 0;
    case '-':
        t->kind = TOK_MINUS;
        return 0;
    case '*':
        t->kind = TOK_STAR;
        return 0;
    case '<':
    case '>':
        t->kind = TOK_CMP;
        t->len = next == '=' ? 2 : 1;
        t->value = (ch == '<' ? CMP_LT : CMP_GT) | (next == '=' ? CMP_EQ : 0);
        return 0;
    case '=':
    case '!':
        if (next != '=')
            return fail(c, pos,
                        ch == '=' ? "'=' is not an operator; compare with '=='"
                                  : "'!' is not an operator; use 'not' or '!='");
        t->kind = TOK_CMP;
        t->len = 2;
        t->value = ch == '=' ? CMP_EQ : CMP_NE;
        return 0;
    case '&':
        return fail(c, pos, "'&' is not an operator; use 'and'");
    case '|':
        return fail(c, pos, "'|' is not an operator; use 'or'");
    case '\'':
        return fail(c, pos, "strings are written in double quotes: \"...\"");
    }
    if (ch > 0x20 && ch < 0x7F)
        return fail(c, pos, "unexpected character '%c'", ch);
    return fail(c, pos, "unexpected byte 0x%02X", ch);
}

/* Reads the token at or after pos (skipping blanks) into t. */
static int lex(struct expr_compiler *c, int pos, struct expr_token *t)
{
    const char *s = c->text;
    while (pos < c->len &&
           (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n' || s[pos] == '\r'))
        pos++;
    t->pos = pos;
    t->len = 0;
    if (pos >= c->len) {
        t->kind = TOK_END;
        return 0;
    }
    if (s[pos] == '"')
        return lex_string(c, pos, t);
    if (is_digit(s[pos]))
        return lex_number(c, pos, t);
    if (is_name_start(s[pos]))
        return lex_name(c, pos, t);
    return lex_symbol(c, pos, t);
}

static int advance(struct expr_compiler *c)
{
    return lex(c, c->tok.pos + c->tok.len, &c->tok);
}

/* Whether the token after the current one is `in` (lexing it leaves no trace). */
static int next_is_in(struct expr_compiler *c)
{
    struct expr_token t;
    int saved = c->str_used;
    int rc = lex(c, c->tok.pos + c->tok.len, &t);
    c->str_used = saved;
    return rc == 0 && t.kind == TOK_IN;
}

/* ---- Variables ---- */

/* Levenshtein distance of a[0..an) and b[0..bn), both <= FDL_EXPR_MAX_NAME_LEN. */
static int edit_distance(const char *a, int an, const char *b, int bn)
{
    int row[FDL_EXPR_MAX_NAME_LEN + 1];
    assert(an <= FDL_EXPR_MAX_NAME_LEN && bn <= FDL_EXPR_MAX_NAME_LEN);
    for (int j = 0; j <= bn; j++)
        row[j] = j;
    for (int i = 1; i <= an; i++) {
        int diagonal = row[0];
        row[0] = i;
        for (int j = 1; j <= bn; j++) {
            int above = row[j];
            int best = diagonal + (a[i - 1] != b[j - 1]);
            if (above + 1 < best)
                best = above + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diagonal = above;
        }
    }
    return row[bn];
}

/*
 * The declared name closest to s[0..n) if it is within 2 edits (and fewer
 * edits than s has bytes), ties going to the first declared; the weekday
 * keyword for a weekday's full name; else NULL.
 */
static const char *suggest(const struct expr_compiler *c, const char *s, int n)
{
    for (int d = 0; d < 7; d++)
        if ((size_t)n == strlen(weekday_long_names[d]) &&
            memcmp(s, weekday_long_names[d], (size_t)n) == 0)
            return weekday_names[d];
    const char *best = NULL;
    int best_distance = 3;
    for (size_t i = 0; i < c->n_vars; i++) {
        const char *name = c->vars[i].name;
        int d = edit_distance(s, n, name, (int)strlen(name));
        if (d < best_distance && d < n) {
            best = name;
            best_distance = d;
        }
    }
    return best;
}

/* Index of the declared variable named s[0..n), or -1. */
static int find_var(const struct expr_compiler *c, const char *s, int n)
{
    for (size_t i = 0; i < c->n_vars; i++)
        if (strlen(c->vars[i].name) == (size_t)n &&
            memcmp(c->vars[i].name, s, (size_t)n) == 0)
            return (int)i;
    return -1;
}

/* ---- Parser ---- */

static int new_node(struct expr_compiler *c, enum node_kind kind, int pos)
{
    assert(c->n_nodes < EXPR_MAX_NODES);
    struct expr_node *n = &c->nodes[c->n_nodes];
    memset(n, 0, sizeof(*n));
    n->kind = (uint8_t)kind;
    n->pos = pos;
    n->start = pos;
    n->left = n->right = -1;
    return c->n_nodes++;
}

static int new_binary(struct expr_compiler *c, enum node_kind kind, int pos, int l, int r)
{
    int n = new_node(c, kind, pos);
    c->nodes[n].left = l;
    c->nodes[n].right = r;
    c->nodes[n].start = c->nodes[l].start;
    return n;
}

/* Enters a nested construct at pos; the caller calls leave() after it. */
static int enter(struct expr_compiler *c, int pos)
{
    if (c->nesting >= FDL_EXPR_MAX_DEPTH)
        return fail(c, pos, "expression is nested too deeply (more than %d levels)",
                    FDL_EXPR_MAX_DEPTH);
    c->nesting++;
    return 0;
}

static void leave(struct expr_compiler *c)
{
    assert(c->nesting > 0);
    c->nesting--;
}

/* A node for the current token, a literal, then advances. */
static int parse_literal(struct expr_compiler *c)
{
    const struct expr_token *t = &c->tok;
    int n = new_node(c, NODE_LITERAL, t->pos);
    struct expr_node *node = &c->nodes[n];
    switch (t->kind) {
    case TOK_NUMBER:
        node->type = EXPR_NUMBER;
        node->value = t->value;
        node->decimals = (uint8_t)t->decimals;
        break;
    case TOK_STRING:
        node->type = FDL_EXPR_STRING;
        node->str_off = t->str_off;
        node->str_len = t->str_len;
        break;
    case TOK_WEEKDAY:
        node->type = FDL_EXPR_WEEKDAY;
        node->value = t->value;
        break;
    default:
        assert(t->kind == TOK_TRUE || t->kind == TOK_FALSE);
        node->type = FDL_EXPR_BOOL;
        node->value = t->kind == TOK_TRUE;
    }
    int rc = advance(c);
    return rc < 0 ? rc : n;
}

static int parse_variable(struct expr_compiler *c)
{
    const char *name = c->text + c->tok.pos;
    int index = find_var(c, name, c->tok.len);
    if (index < 0) {
        const char *hint = suggest(c, name, c->tok.len);
        if (hint)
            return fail(c, c->tok.pos, "unknown variable '%.*s'; did you mean '%s'?",
                        c->tok.len, name, hint);
        return fail(c, c->tok.pos, "unknown variable '%.*s'", c->tok.len, name);
    }
    int n = new_node(c, NODE_VAR, c->tok.pos);
    c->nodes[n].type = (uint8_t)c->vars[index].type;
    c->nodes[n].value = index;
    int rc = advance(c);
    return rc < 0 ? rc : n;
}

static int parse_or(struct expr_compiler *c);

static int parse_parenthesized(struct expr_compiler *c)
{
    int open = c->tok.pos;
    int rc = enter(c, open);
    if (rc < 0 || (rc = advance(c)) < 0)
        return rc;
    int n = parse_or(c);
    if (n < 0)
        return n;
    leave(c);
    if (c->tok.kind == TOK_COMMA)
        return fail(c, c->tok.pos, "a tuple like (a, b) can only follow 'in'");
    if (c->tok.kind != TOK_RPAREN) {
        char what[64];
        snprintf(what, sizeof(what), "expected ')' to close the '(' at column %d",
                 open + 1);
        return fail_found(c, what);
    }
    c->nodes[n].start = open;
    rc = advance(c);
    return rc < 0 ? rc : n;
}

static int parse_primary(struct expr_compiler *c)
{
    switch (c->tok.kind) {
    case TOK_NUMBER:
    case TOK_STRING:
    case TOK_TRUE:
    case TOK_FALSE:
    case TOK_WEEKDAY:
        return parse_literal(c);
    case TOK_NAME:
        return parse_variable(c);
    case TOK_LPAREN:
        return parse_parenthesized(c);
    default:
        return fail_found(c, "expected a value");
    }
}

/* Negates the untyped number literal n in place. */
static int negate_literal(struct expr_compiler *c, int n, int pos)
{
    struct expr_node *node = &c->nodes[n];
    assert(node->kind == NODE_LITERAL && node->type == EXPR_NUMBER);
    if (node->value == INT64_MIN)
        return fail(c, pos, "number is too large");
    node->value = -node->value;
    node->start = pos;
    return n;
}

static int parse_unary(struct expr_compiler *c)
{
    if (c->tok.kind != TOK_MINUS)
        return parse_primary(c);
    int pos = c->tok.pos;
    int rc = enter(c, pos);
    if (rc < 0 || (rc = advance(c)) < 0)
        return rc;
    int child = parse_unary(c);
    if (child < 0)
        return child;
    leave(c);
    const struct expr_node *node = &c->nodes[child];
    if (node->kind == NODE_LITERAL && node->type == EXPR_NUMBER)
        return negate_literal(c, child, pos);
    int n = new_node(c, NODE_NEG, pos);
    c->nodes[n].left = child;
    return n;
}

/* One binary operator of a precedence level: the token and the node it makes. */
struct binary_op {
    enum tok_kind tok;
    enum node_kind node;
};

/*
 * A left-associative level: operand (op operand)*, where op is one of
 * ops[0..n). Every binary level of the grammar is one call of this.
 */
static int parse_level(struct expr_compiler *c, int (*operand)(struct expr_compiler *),
                       const struct binary_op *ops, size_t n)
{
    int l = operand(c);
    while (l >= 0) {
        size_t i = 0;
        while (i < n && ops[i].tok != c->tok.kind)
            i++;
        if (i == n)
            break;
        int pos = c->tok.pos, rc = advance(c);
        if (rc < 0)
            return rc;
        int r = operand(c);
        if (r < 0)
            return r;
        l = new_binary(c, ops[i].node, pos, l, r);
    }
    return l;
}

static int parse_product(struct expr_compiler *c)
{
    static const struct binary_op ops[] = {{TOK_STAR, NODE_MUL}};
    return parse_level(c, parse_unary, ops, 1);
}

static int parse_sum(struct expr_compiler *c)
{
    static const struct binary_op ops[] = {{TOK_PLUS, NODE_ADD}, {TOK_MINUS, NODE_SUB}};
    return parse_level(c, parse_product, ops, 2);
}

/* One value of a tuple: a literal, or a number with a minus sign. */
static int parse_tuple_value(struct expr_compiler *c)
{
    int pos = c->tok.pos;
    switch (c->tok.kind) {
    case TOK_NUMBER:
    case TOK_STRING:
    case TOK_TRUE:
    case TOK_FALSE:
    case TOK_WEEKDAY:
        return parse_literal(c);
    case TOK_MINUS: {
        int rc = advance(c);
        if (rc < 0)
            return rc;
        if (c->tok.kind != TOK_NUMBER)
            return fail_found(c, "expected a number after '-' in a tuple");
        int n = parse_literal(c);
        return n < 0 ? n : negate_literal(c, n, pos);
    }
    default:
        return fail_found(c, "a tuple holds literal values only (numbers, strings, "
                             "true, false, weekdays)");
    }
}

/* The tuple of `in` (the current token is its '('), into node n. */
static int parse_tuple(struct expr_compiler *c, int n)
{
    int rc = advance(c);
    if (rc < 0)
        return rc;
    if (c->tok.kind == TOK_RPAREN)
        return fail(c, c->tok.pos, "empty tuple: list at least one value");
    for (;;) {
        if (c->nodes[n].count == FDL_EXPR_MAX_TUPLE)
            return fail(c, c->tok.pos, "tuple has more than %d values",
                        FDL_EXPR_MAX_TUPLE);
        int value = parse_tuple_value(c);
        if (value < 0)
            return value;
        if (c->nodes[n].count++ == 0)
            c->nodes[n].right = value;
        assert(value == c->nodes[n].right + c->nodes[n].count - 1);
        if (c->tok.kind == TOK_RPAREN)
            break;
        if (c->tok.kind != TOK_COMMA)
            return fail_found(c, "expected ',' or ')' in the tuple");
        if ((rc = advance(c)) < 0)
            return rc;
    }
    rc = advance(c);
    return rc < 0 ? rc : n;
}

/* `l in ...` or `l not in ...`; the current token is `in`, at pos. */
static int parse_in(struct expr_compiler *c, int l, int pos, int negated)
{
    int n = new_binary(c, NODE_IN, pos, l, -1);
    c->nodes[n].flag = (uint8_t)negated;
    int rc = advance(c);
    if (rc < 0)
        return rc;
    if (c->tok.kind == TOK_LPAREN)
        return parse_tuple(c, n);
    if (c->tok.kind != TOK_NAME)
        return fail_found(c, "expected a tuple like (\"a\", \"b\") or a list variable "
                             "after 'in'");
    int r = parse_variable(c);
    if (r < 0)
        return r;
    c->nodes[n].right = r;
    return n;
}

static int at_comparison(struct expr_compiler *c)
{
    return c->tok.kind == TOK_CMP || c->tok.kind == TOK_IN ||
           (c->tok.kind == TOK_NOT && next_is_in(c));
}

static int parse_comparison(struct expr_compiler *c)
{
    int l = parse_sum(c);
    if (l < 0 || !at_comparison(c))
        return l;
    int pos = c->tok.pos, n, rc;
    if (c->tok.kind == TOK_CMP) {
        int cmp = (int)c->tok.value;
        if ((rc = advance(c)) < 0)
            return rc;
        int r = parse_sum(c);
        if (r < 0)
            return r;
        n = new_binary(c, NODE_COMPARE, pos, l, r);
        c->nodes[n].flag = (uint8_t)cmp;
    } else {
        int negated = c->tok.kind == TOK_NOT;
        if (negated && (rc = advance(c)) < 0)
            return rc;
        n = parse_in(c, l, pos, negated);
        if (n < 0)
            return n;
    }
    if (at_comparison(c))
        return fail(c, c->tok.pos, "comparisons do not chain; join them with 'and'");
    return n;
}

static int parse_not(struct expr_compiler *c)
{
    if (c->tok.kind != TOK_NOT)
        return parse_comparison(c);
    int pos = c->tok.pos;
    int rc = enter(c, pos);
    if (rc < 0 || (rc = advance(c)) < 0)
        return rc;
    int child = parse_not(c);
    if (child < 0)
        return child;
    leave(c);
    int n = new_node(c, NODE_NOT, pos);
    c->nodes[n].left = child;
    return n;
}

static int parse_and(struct expr_compiler *c)
{
    static const struct binary_op ops[] = {{TOK_AND, NODE_AND}};
    return parse_level(c, parse_not, ops, 1);
}

static int parse_or(struct expr_compiler *c)
{
    static const struct binary_op ops[] = {{TOK_OR, NODE_OR}};
    return parse_level(c, parse_and, ops, 1);
}

/* The whole text: one expression and nothing after it. Returns the root. */
static int parse(struct expr_compiler *c)
{
    int rc = lex(c, 0, &c->tok);
    if (rc < 0)
        return rc;
    if (c->tok.kind == TOK_END)
        return fail(c, 0, "the expression is empty");
    int root = parse_or(c);
    if (root < 0)
        return root;
    assert(c->nesting == 0);
    if (c->tok.kind != TOK_END)
        return fail_found(c, "expected an operator or the end of the expression");
    return root;
}

/* ---- Types ---- */

static int is_untyped(const struct expr_compiler *c, int n)
{
    return c->nodes[n].type == EXPR_NUMBER;
}

static int is_numeric(int type)
{
    return type == FDL_EXPR_INT || type == FDL_EXPR_MONEY;
}

/* Gives the untyped literal n the type `type` (int or money), checking its decimals. */
static int coerce(struct expr_compiler *c, int n, int type)
{
    struct expr_node *node = &c->nodes[n];
    char text[EXPR_DECIMAL_MAX];
    assert(node->kind == NODE_LITERAL && node->type == EXPR_NUMBER && is_numeric(type));
    format_decimal(text, sizeof(text), node->value, node->decimals);
    int digits = type == FDL_EXPR_MONEY ? c->minor_digits : 0;
    if (node->decimals > digits && type == FDL_EXPR_INT)
        return fail(c, node->start, "%s is not a whole number", text);
    if (node->decimals > digits)
        return fail(c, node->start, "%s has more decimals than the currency's %d", text,
                    digits);
    int64_t scale = powers_of_ten[digits - node->decimals];
    if (__builtin_mul_overflow(node->value, scale, &node->value))
        return fail(c, node->start, "%s is too large", text);
    node->type = (uint8_t)type;
    node->decimals = 0;
    return 0;
}

/* Scales literal n's value up to `decimals` digits after the point. */
static int rescale(struct expr_compiler *c, struct expr_node *n, int decimals, int pos)
{
    if (decimals > EXPR_MAX_DECIMALS ||
        __builtin_mul_overflow(n->value, powers_of_ten[decimals - n->decimals],
                               &n->value))
        return fail(c, pos, "number is too large");
    n->decimals = (uint8_t)decimals;
    return 0;
}

/* Folds n, an arithmetic node on two untyped literals, into one such literal. */
static int fold(struct expr_compiler *c, int n)
{
    struct expr_node *node = &c->nodes[n];
    struct expr_node l = c->nodes[node->left], r = c->nodes[node->right];
    int64_t value;
    int rc = 0, overflow, decimals = max_int(l.decimals, r.decimals);
    if (node->kind == NODE_MUL) {
        decimals = l.decimals + r.decimals;
        overflow = decimals > EXPR_MAX_DECIMALS ||
                   __builtin_mul_overflow(l.value, r.value, &value);
    } else {
        if ((rc = rescale(c, &l, decimals, node->pos)) < 0 ||
            (rc = rescale(c, &r, decimals, node->pos)) < 0)
            return rc;
        overflow = node->kind == NODE_ADD
                       ? __builtin_add_overflow(l.value, r.value, &value)
                       : __builtin_sub_overflow(l.value, r.value, &value);
    }
    if (overflow || value == INT64_MIN) /* literals stay within +-INT64_MAX */
        return fail(c, node->pos, "number is too large");
    node->kind = NODE_LITERAL;
    node->type = EXPR_NUMBER;
    node->value = value;
    node->decimals = (uint8_t)decimals;
    node->left = node->right = -1;
    return 0;
}

static int check(struct expr_compiler *c, int n);

static int check_neg(struct expr_compiler *c, int n)
{
    struct expr_node *node = &c->nodes[n];
    int rc = check(c, node->left);
    if (rc < 0)
        return rc;
    const struct expr_node *child = &c->nodes[node->left];
    if (child->type == EXPR_NUMBER) {
        int64_t value = child->value;
        int decimals = child->decimals;
        if (value == INT64_MIN)
            return fail(c, node->pos, "number is too large");
        node->kind = NODE_LITERAL;
        node->type = EXPR_NUMBER;
        node->value = -value;
        node->decimals = (uint8_t)decimals;
        node->left = -1;
        return 0;
    }
    if (!is_numeric(child->type))
        return fail(c, child->start, "'-' needs int or money, not %s",
                    type_name(child->type));
    node->type = child->type;
    return 0;
}

/* Checks that child (an operand of op) is a bool. */
static int want_bool(struct expr_compiler *c, int child, const char *op)
{
    int rc = check(c, child);
    if (rc < 0)
        return rc;
    const struct expr_node *node = &c->nodes[child];
    if (node->type != FDL_EXPR_BOOL)
        return fail(c, node->start, "'%s' needs a bool, not %s", op,
                    type_name(node->type));
    return 0;
}

static int check_logic(struct expr_compiler *c, int n)
{
    struct expr_node *node = &c->nodes[n];
    const char *op = node->kind == NODE_NOT   ? "not"
                     : node->kind == NODE_AND ? "and"
                                              : "or";
    int rc = want_bool(c, node->left, op);
    if (rc < 0 || (node->kind != NODE_NOT && (rc = want_bool(c, node->right, op)) < 0))
        return rc;
    node->type = FDL_EXPR_BOOL;
    return 0;
}

/* Checks that child, an operand of arithmetic op, is int, money or a number. */
static int want_number(struct expr_compiler *c, int child, const char *op)
{
    int rc = check(c, child);
    if (rc < 0)
        return rc;
    const struct expr_node *node = &c->nodes[child];
    if (node->type != EXPR_NUMBER && !is_numeric(node->type))
        return fail(c, node->start, "'%s' needs int or money, not %s", op,
                    type_name(node->type));
    return 0;
}

static int check_arith(struct expr_compiler *c, int n)
{
    struct expr_node *node = &c->nodes[n];
    const char *op = node->kind == NODE_ADD ? "+" : node->kind == NODE_SUB ? "-" : "*";
    int l = node->left, r = node->right, rc;
    if ((rc = want_number(c, l, op)) < 0 || (rc = want_number(c, r, op)) < 0)
        return rc;
    if (is_untyped(c, l) && is_untyped(c, r))
        return fold(c, n);
    if (node->kind == NODE_MUL) {
        /* A literal factor counts times: a whole int, even beside money. */
        if ((is_untyped(c, l) && (rc = coerce(c, l, FDL_EXPR_INT)) < 0) ||
            (is_untyped(c, r) && (rc = coerce(c, r, FDL_EXPR_INT)) < 0))
            return rc;
        int lt = c->nodes[l].type, rt = c->nodes[r].type;
        if (lt == FDL_EXPR_MONEY && rt == FDL_EXPR_MONEY)
            return fail(c, node->pos, "cannot multiply money by money");
        node->type =
            lt == FDL_EXPR_MONEY || rt == FDL_EXPR_MONEY ? FDL_EXPR_MONEY : FDL_EXPR_INT;
        return 0;
    }
    if ((is_untyped(c, l) && (rc = coerce(c, l, c->nodes[r].type)) < 0) ||
        (is_untyped(c, r) && (rc = coerce(c, r, c->nodes[l].type)) < 0))
        return rc;
    int lt = c->nodes[l].type, rt = c->nodes[r].type;
    if (lt != rt)
        return fail(c, node->pos,
                    "'%s' needs two ints or two money values, not %s and %s", op,
                    type_name(lt), type_name(rt));
    node->type = (uint8_t)lt;
    return 0;
}

/* Checks child, an operand of a comparison: anything but a list. */
static int want_comparable(struct expr_compiler *c, int child)
{
    int rc = check(c, child);
    if (rc < 0)
        return rc;
    if (c->nodes[child].type == FDL_EXPR_LIST)
        return fail(c, c->nodes[child].start,
                    "a list can only be the right side of 'in'");
    return 0;
}

/*
 * Makes the untyped literal `literal` the type of `other` (int or money),
 * for comparison; `right` is where a mismatch is reported.
 */
static int unify(struct expr_compiler *c, int literal, int other, int left, int right)
{
    int type = c->nodes[other].type;
    if (type == EXPR_NUMBER)
        type = FDL_EXPR_INT;
    if (!is_numeric(type))
        return fail(c, c->nodes[right].start, "cannot compare %s with %s",
                    type_name(c->nodes[left].type), type_name(c->nodes[right].type));
    return coerce(c, literal, type);
}

static int check_compare(struct expr_compiler *c, int n)
{
    struct expr_node *node = &c->nodes[n];
    int l = node->left, r = node->right, rc;
    if ((rc = want_comparable(c, l)) < 0 || (rc = want_comparable(c, r)) < 0)
        return rc;
    if ((is_untyped(c, l) && (rc = unify(c, l, r, l, r)) < 0) ||
        (is_untyped(c, r) && (rc = unify(c, r, l, l, r)) < 0))
        return rc;
    int lt = c->nodes[l].type, rt = c->nodes[r].type;
    if (lt != rt)
        return fail(c, c->nodes[r].start, "cannot compare %s with %s", type_name(lt),
                    type_name(rt));
    int ordering = node->flag != CMP_EQ && node->flag != CMP_NE;
    if (ordering && !is_numeric(lt) && lt != FDL_EXPR_WEEKDAY)
        return fail(c, node->pos, "'%s' needs int, money or weekday values, not %s",
                    cmp_names[node->flag], type_name(lt));
    node->type = FDL_EXPR_BOOL;
    return 0;
}

static int check_in_list(struct expr_compiler *c, int n)
{
    const struct expr_node *node = &c->nodes[n];
    const struct expr_node *l = &c->nodes[node->left], *r = &c->nodes[node->right];
    if (r->type != FDL_EXPR_LIST)
        return fail(c, r->start,
                    "'in' needs a tuple like (\"a\", \"b\") or a list, but '%s' is %s",
                    c->vars[r->value].name, type_name(r->type));
    if (l->type != FDL_EXPR_STRING)
        return fail(c, l->start, "a list holds strings, not %s", type_name(l->type));
    return 0;
}

static int check_in(struct expr_compiler *c, int n)
{
    struct expr_node *node = &c->nodes[n];
    int l = node->left, rc;
    if ((rc = want_comparable(c, l)) < 0 ||
        (is_untyped(c, l) && (rc = coerce(c, l, FDL_EXPR_INT)) < 0))
        return rc;
    node->type = FDL_EXPR_BOOL;
    if (node->count == 0)
        return check_in_list(c, n);
    int lt = c->nodes[l].type;
    for (int v = node->right; v < node->right + node->count; v++) {
        if (is_untyped(c, v) && is_numeric(lt) && (rc = coerce(c, v, lt)) < 0)
            return rc;
        if (c->nodes[v].type != lt)
            return fail(c, c->nodes[v].start, "cannot compare %s with %s", type_name(lt),
                        type_name(c->nodes[v].type));
    }
    return 0;
}

/* Types node n and its subtree, folding and typing literals; 0 or an error. */
static int check(struct expr_compiler *c, int n)
{
    switch ((enum node_kind)c->nodes[n].kind) {
    case NODE_LITERAL:
    case NODE_VAR:
        return 0;
    case NODE_NEG:
        return check_neg(c, n);
    case NODE_NOT:
    case NODE_AND:
    case NODE_OR:
        return check_logic(c, n);
    case NODE_ADD:
    case NODE_SUB:
    case NODE_MUL:
        return check_arith(c, n);
    case NODE_COMPARE:
        return check_compare(c, n);
    case NODE_IN:
        return check_in(c, n);
    }
    assert(0);
    return FDL_EINTERNAL;
}

static int check_root(struct expr_compiler *c, int root, enum fdl_expr_type want)
{
    int rc = check(c, root);
    if (rc < 0)
        return rc;
    if (is_untyped(c, root) && is_numeric((int)want) &&
        (rc = coerce(c, root, (int)want)) < 0)
        return rc;
    if (c->nodes[root].type != want)
        return fail(c, c->nodes[root].start, "the expression must be %s, not %s",
                    type_name((int)want), type_name(c->nodes[root].type));
    return 0;
}

/* ---- Code generation ---- */

static int emit(struct expr_compiler *c, enum expr_op op, int flag, int a, int64_t b)
{
    assert(c->n_code < EXPR_MAX_CODE);
    struct expr_insn *insn = &c->code[c->n_code];
    memset(insn, 0, sizeof(*insn));
    insn->op = (uint8_t)op;
    insn->flag = (uint8_t)flag;
    insn->a = a;
    insn->b = b;
    return c->n_code++;
}

/* Emits an instruction that reads variable node v: its slot and type. */
static int emit_var(struct expr_compiler *c, enum expr_op op, int flag, int v, int64_t b)
{
    const struct fdl_expr_var *var = &c->vars[c->nodes[v].value];
    int i = emit(c, op, flag, var->slot, b);
    c->code[i].type = (uint8_t)var->type;
    return i;
}

static int add_const(struct expr_compiler *c, int off, int len)
{
    assert(c->n_consts < EXPR_MAX_NODES);
    c->consts[c->n_consts].off = off;
    c->consts[c->n_consts].len = len;
    return c->n_consts++;
}

/* The string reference of node n: its slot if a variable, -1 - constant if a literal. */
static int string_ref(struct expr_compiler *c, int n)
{
    const struct expr_node *node = &c->nodes[n];
    assert(node->type == FDL_EXPR_STRING);
    if (node->kind == NODE_VAR)
        return c->vars[node->value].slot;
    const char *s = c->strbuf + node->str_off;
    for (int i = 0; i < c->n_consts; i++)
        if (c->consts[i].len == node->str_len &&
            memcmp(c->strbuf + c->consts[i].off, s, (size_t)node->str_len) == 0)
            return -1 - i;
    return -1 - add_const(c, node->str_off, node->str_len);
}

static int generate(struct expr_compiler *c, int n, int negate);

/* The comparison mask seen from the other side: a < b is b > a. */
static int mirror(int mask)
{
    return (mask & CMP_EQ) | (mask & CMP_LT ? CMP_GT : 0) | (mask & CMP_GT ? CMP_LT : 0);
}

static int generate_compare(struct expr_compiler *c, int n, int negate)
{
    const struct expr_node *node = &c->nodes[n];
    const struct expr_node *l = &c->nodes[node->left], *r = &c->nodes[node->right];
    int mask = negate ? node->flag ^ 7 : node->flag;
    if (l->type == FDL_EXPR_STRING) {
        emit(c, OP_STR_EQ, mask == CMP_NE, string_ref(c, node->left),
             string_ref(c, node->right));
        return 1;
    }
    if (l->type != FDL_EXPR_BOOL) {
        if (l->kind == NODE_VAR && r->kind == NODE_LITERAL) {
            emit_var(c, OP_CMP_VAR_IMM, mask, node->left, r->value);
            return 1;
        }
        if (l->kind == NODE_LITERAL && r->kind == NODE_VAR) {
            emit_var(c, OP_CMP_VAR_IMM, mirror(mask), node->right, l->value);
            return 1;
        }
        if (l->kind == NODE_VAR && r->kind == NODE_VAR) {
            emit_var(c, OP_CMP_VAR_VAR, mask, node->left, c->vars[r->value].slot);
            return 1;
        }
    }
    int need_l = generate(c, node->left, 0);
    int need_r = need_l < 0 ? need_l : generate(c, node->right, 0);
    if (need_r < 0)
        return need_r;
    emit(c, OP_CMP, mask, 0, 0);
    return max_int(need_l, 1 + need_r);
}

/* `x in (tuple)` for int, money, weekday and bool x. */
static int generate_in_ints(struct expr_compiler *c, int n, int negate)
{
    const struct expr_node *node = &c->nodes[n];
    int first = c->n_ints;
    uint64_t bits = 0;
    int small = 1; /* every value fits a 64-bit set */
    for (int v = node->right; v < node->right + node->count; v++) {
        int64_t value = c->nodes[v].value;
        if (value >= 0 && value < 64)
            bits |= (uint64_t)1 << value;
        else
            small = 0;
        c->ints[c->n_ints++] = value;
    }
    if (small)
        c->n_ints = first; /* the set replaces the list */
    int var = c->nodes[node->left].kind == NODE_VAR &&
              c->nodes[node->left].type != FDL_EXPR_BOOL;
    enum expr_op op =
        small ? (var ? OP_VAR_IN_MASK : OP_IN_MASK) : (var ? OP_VAR_IN_INTS : OP_IN_INTS);
    int64_t b = small ? (int64_t)bits : first;
    int need = 1, i;
    if (var) {
        i = emit_var(c, op, negate, node->left, b);
    } else {
        if ((need = generate(c, node->left, 0)) < 0)
            return need;
        i = emit(c, op, negate, 0, b);
    }
    c->code[i].count = (uint8_t)node->count;
    return need;
}

static int generate_in(struct expr_compiler *c, int n, int negate)
{
    const struct expr_node *node = &c->nodes[n];
    negate ^= node->flag;
    if (node->count == 0) {
        emit(c, OP_STR_IN_LIST, negate, string_ref(c, node->left),
             c->vars[c->nodes[node->right].value].slot);
        return 1;
    }
    if (c->nodes[node->left].type != FDL_EXPR_STRING)
        return generate_in_ints(c, n, negate);
    int first = c->n_consts;
    for (int v = node->right; v < node->right + node->count; v++)
        add_const(c, c->nodes[v].str_off, c->nodes[v].str_len);
    int i = emit(c, OP_STR_IN_TUPLE, negate, string_ref(c, node->left), first);
    c->code[i].count = (uint8_t)node->count;
    return 1;
}

/* `a and b` (or `a or b`), negated by De Morgan: not a or not b. */
static int generate_logic(struct expr_compiler *c, int n, int negate)
{
    const struct expr_node *node = &c->nodes[n];
    int is_and = (node->kind == NODE_AND) != negate;
    int need_l = generate(c, node->left, negate);
    if (need_l < 0)
        return need_l;
    int jump = emit(c, is_and ? OP_JUMP_FALSE_OR_POP : OP_JUMP_TRUE_OR_POP, 0, 0, 0);
    int need_r = generate(c, node->right, negate);
    if (need_r < 0)
        return need_r;
    c->code[jump].a = c->n_code;
    return max_int(need_l, need_r);
}

static int generate_arith(struct expr_compiler *c, int n)
{
    const struct expr_node *node = &c->nodes[n];
    enum expr_op op = node->kind == NODE_ADD   ? OP_ADD
                      : node->kind == NODE_SUB ? OP_SUB
                                               : OP_MUL;
    int need_l = generate(c, node->left, 0);
    int need_r = need_l < 0 ? need_l : generate(c, node->right, 0);
    if (need_r < 0)
        return need_r;
    emit(c, op, 0, 0, 0);
    return max_int(need_l, 1 + need_r);
}

static int generate_leaf(struct expr_compiler *c, int n, int negate)
{
    const struct expr_node *node = &c->nodes[n];
    assert(node->type != FDL_EXPR_STRING && node->type != FDL_EXPR_LIST);
    assert(!negate || node->type == FDL_EXPR_BOOL);
    if (node->kind == NODE_LITERAL)
        emit(c, OP_PUSH, 0, 0, node->value ^ negate);
    else if (node->type == FDL_EXPR_BOOL)
        emit_var(c, OP_LOAD_BOOL, negate, n, 0);
    else
        emit_var(c, OP_LOAD, 0, n, 0);
    return 1;
}

/*
 * Emits the code of node n (negated if negate, for bools) and returns the
 * stack entries it needs, or an error if that is more than the limit.
 */
static int generate(struct expr_compiler *c, int n, int negate)
{
    int need;
    switch ((enum node_kind)c->nodes[n].kind) {
    case NODE_LITERAL:
    case NODE_VAR:
        need = generate_leaf(c, n, negate);
        break;
    case NODE_NOT:
        need = generate(c, c->nodes[n].left, !negate);
        break;
    case NODE_NEG:
        need = generate(c, c->nodes[n].left, 0);
        if (need >= 0)
            emit(c, OP_NEG, 0, 0, 0);
        break;
    case NODE_AND:
    case NODE_OR:
        need = generate_logic(c, n, negate);
        break;
    case NODE_ADD:
    case NODE_SUB:
    case NODE_MUL:
        need = generate_arith(c, n);
        break;
    case NODE_COMPARE:
        need = generate_compare(c, n, negate);
        break;
    case NODE_IN:
        need = generate_in(c, n, negate);
        break;
    default:
        assert(0);
        return FDL_EINTERNAL;
    }
    if (need > FDL_EXPR_MAX_DEPTH)
        return fail(c, c->nodes[n].pos,
                    "expression is nested too deeply (more than %d levels)",
                    FDL_EXPR_MAX_DEPTH);
    return need;
}

/* Points each jump that lands on a jump of its own kind past that one. */
static void thread_jumps(struct expr_compiler *c)
{
    for (int i = 0; i < c->n_code; i++) {
        struct expr_insn *insn = &c->code[i];
        if (insn->op != OP_JUMP_FALSE_OR_POP && insn->op != OP_JUMP_TRUE_OR_POP)
            continue;
        while (c->code[insn->a].op == insn->op) {
            assert(c->code[insn->a].a > insn->a);
            insn->a = c->code[insn->a].a;
        }
    }
}

/* ---- Canonical text ---- */

/* Counts every byte, stores those that fit. */
struct expr_writer {
    char *buf;
    size_t cap, len;
};

static void put(struct expr_writer *w, const char *s, size_t n)
{
    if (w->len < w->cap)
        memcpy(w->buf + w->len, s, n < w->cap - w->len ? n : w->cap - w->len);
    w->len += n;
}

static void put_str(struct expr_writer *w, const char *s)
{
    put(w, s, strlen(s));
}

/* How tightly node n binds: 1 (or) .. 8 (a literal or a variable). */
static int level(const struct expr_compiler *c, int n)
{
    switch ((enum node_kind)c->nodes[n].kind) {
    case NODE_OR:
        return 1;
    case NODE_AND:
        return 2;
    case NODE_NOT:
        return 3;
    case NODE_COMPARE:
    case NODE_IN:
        return 4;
    case NODE_ADD:
    case NODE_SUB:
        return 5;
    case NODE_MUL:
        return 6;
    case NODE_NEG:
        return 7;
    case NODE_LITERAL:
    case NODE_VAR:
        break;
    }
    return 8;
}

static void write_node(const struct expr_compiler *c, struct expr_writer *w, int n);

static void write_operand(const struct expr_compiler *c, struct expr_writer *w, int n,
                          int parenthesize)
{
    if (parenthesize)
        put(w, "(", 1);
    write_node(c, w, n);
    if (parenthesize)
        put(w, ")", 1);
}

static void write_string(struct expr_writer *w, const char *s, int n)
{
    put(w, "\"", 1);
    for (int i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\')
            put(w, "\\", 1);
        put(w, s + i, 1);
    }
    put(w, "\"", 1);
}

static void write_literal(const struct expr_compiler *c, struct expr_writer *w, int n)
{
    const struct expr_node *node = &c->nodes[n];
    char text[EXPR_DECIMAL_MAX];
    switch (node->type) {
    case FDL_EXPR_BOOL:
        put_str(w, node->value ? "true" : "false");
        return;
    case FDL_EXPR_WEEKDAY:
        put_str(w, weekday_names[node->value - 1]);
        return;
    case FDL_EXPR_STRING:
        write_string(w, c->strbuf + node->str_off, node->str_len);
        return;
    case FDL_EXPR_MONEY:
        format_decimal(text, sizeof(text), node->value, c->minor_digits);
        break;
    default:
        assert(node->type == FDL_EXPR_INT);
        format_decimal(text, sizeof(text), node->value, 0);
    }
    put_str(w, text);
}

static void write_in(const struct expr_compiler *c, struct expr_writer *w, int n)
{
    const struct expr_node *node = &c->nodes[n];
    write_operand(c, w, node->left, level(c, node->left) <= 4);
    put_str(w, node->flag ? " not in " : " in ");
    if (node->count == 0) {
        write_node(c, w, node->right);
        return;
    }
    put(w, "(", 1);
    for (int v = node->right; v < node->right + node->count; v++) {
        if (v > node->right)
            put(w, ", ", 2);
        write_literal(c, w, v);
    }
    put(w, ")", 1);
}

/* Left-associative binary node n: the right operand needs parentheses at its own level.
 */
static void write_binary(const struct expr_compiler *c, struct expr_writer *w, int n,
                         const char *op)
{
    const struct expr_node *node = &c->nodes[n];
    int my = level(c, n), l = level(c, node->left), r = level(c, node->right);
    /* An `and` inside an `or` is parenthesized for the reader, not the parser. */
    int clarify = node->kind == NODE_OR;
    write_operand(c, w, node->left,
                  l < my || (clarify && c->nodes[node->left].kind == NODE_AND) ||
                      (my == 4 && l == 4));
    put_str(w, op);
    write_operand(c, w, node->right, r <= my || (clarify && r == 2));
}

static void write_node(const struct expr_compiler *c, struct expr_writer *w, int n)
{
    const struct expr_node *node = &c->nodes[n];
    switch ((enum node_kind)node->kind) {
    case NODE_LITERAL:
        write_literal(c, w, n);
        return;
    case NODE_VAR:
        put_str(w, c->vars[node->value].name);
        return;
    case NODE_NEG:
        put(w, "-", 1);
        write_operand(c, w, node->left, level(c, node->left) < 7);
        return;
    case NODE_NOT:
        put_str(w, "not ");
        write_operand(c, w, node->left,
                      level(c, node->left) != 3 && level(c, node->left) < 8);
        return;
    case NODE_OR:
        write_binary(c, w, n, " or ");
        return;
    case NODE_AND:
        write_binary(c, w, n, " and ");
        return;
    case NODE_ADD:
        write_binary(c, w, n, " + ");
        return;
    case NODE_SUB:
        write_binary(c, w, n, " - ");
        return;
    case NODE_MUL:
        write_binary(c, w, n, " * ");
        return;
    case NODE_COMPARE: {
        char op[8];
        snprintf(op, sizeof(op), " %s ", cmp_names[node->flag]);
        write_binary(c, w, n, op);
        return;
    }
    case NODE_IN:
        write_in(c, w, n);
        return;
    }
}

/* ---- Assembly ---- */

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

/* Bytes of the constant strings, each stored once however often used. */
static size_t const_bytes(const struct expr_compiler *c, int *first_of)
{
    size_t bytes = 0;
    for (int i = 0; i < c->n_consts; i++) {
        first_of[i] = i;
        for (int j = 0; j < i; j++)
            if (c->consts[j].len == c->consts[i].len &&
                memcmp(c->strbuf + c->consts[j].off, c->strbuf + c->consts[i].off,
                       (size_t)c->consts[i].len) == 0) {
                first_of[i] = first_of[j];
                break;
            }
        if (first_of[i] == i)
            bytes += (size_t)c->consts[i].len;
    }
    return bytes;
}

/* Copies the constants into strs and chars, sharing equal strings. */
static void store_consts(const struct expr_compiler *c, const int *first_of,
                         struct expr_str *strs, char *chars)
{
    size_t used = 0;
    for (int i = 0; i < c->n_consts; i++) {
        if (first_of[i] != i) {
            strs[i] = strs[first_of[i]];
            continue;
        }
        memcpy(chars + used, c->strbuf + c->consts[i].off, (size_t)c->consts[i].len);
        strs[i].ptr = chars + used;
        strs[i].len = (size_t)c->consts[i].len;
        used += (size_t)c->consts[i].len;
    }
}

/* One allocation: header, code, ints, string table, string bytes, text. */
static int assemble(struct expr_compiler *c, int root, enum fdl_expr_type want,
                    struct fdl_expr **out)
{
    struct expr_writer measure = {NULL, 0, 0};
    write_node(c, &measure, root);
    size_t chars = const_bytes(c, c->first_of);
    size_t at_code = align8(sizeof(struct fdl_expr));
    size_t at_ints = at_code + align8((size_t)c->n_code * sizeof(struct expr_insn));
    size_t at_strs = at_ints + align8((size_t)c->n_ints * sizeof(int64_t));
    size_t at_chars = at_strs + align8((size_t)c->n_consts * sizeof(struct expr_str));
    size_t at_text = at_chars + chars;
    char *mem = malloc(at_text + measure.len + 1);
    if (!mem)
        return fdl_error_set(c->err, FDL_ENOMEM, c->field, "out of memory");
    struct fdl_expr *e = (struct fdl_expr *)(void *)mem;
    e->type = want;
    e->minor_digits = c->minor_digits;
    e->code =
        memcpy(mem + at_code, c->code, (size_t)c->n_code * sizeof(struct expr_insn));
    e->ints = c->n_ints
                  ? memcpy(mem + at_ints, c->ints, (size_t)c->n_ints * sizeof(int64_t))
                  : NULL;
    e->strs = (const struct expr_str *)(void *)(mem + at_strs);
    store_consts(c, c->first_of, (struct expr_str *)(void *)(mem + at_strs),
                 mem + at_chars);
    struct expr_writer w = {mem + at_text, measure.len + 1, 0};
    write_node(c, &w, root);
    mem[at_text + measure.len] = '\0';
    e->text = mem + at_text;
    e->text_len = measure.len;
    *out = e;
    return 0;
}

/* ---- Compilation ---- */

#ifndef NDEBUG
/* Whether the declarations are well formed (a programmer error if not). */
static int vars_valid(const struct fdl_expr_var *vars, size_t n_vars)
{
    for (size_t i = 0; i < n_vars; i++) {
        const char *name = vars[i].name;
        size_t len = name ? strlen(name) : 0;
        int64_t ignored;
        if (len == 0 || len > FDL_EXPR_MAX_NAME_LEN || !is_name_start(name[0]) ||
            name[len - 1] == '.' || vars[i].slot < 0 || vars[i].type < FDL_EXPR_BOOL ||
            vars[i].type > FDL_EXPR_LIST || keyword(name, (int)len, &ignored) != TOK_NAME)
            return 0;
        for (size_t j = 1; j < len; j++)
            if (!is_name_char(name[j]) &&
                !(name[j] == '.' && name[j - 1] != '.' && is_name_start(name[j + 1])))
                return 0;
        for (size_t j = 0; j < i; j++)
            if (strcmp(vars[j].name, name) == 0)
                return 0;
    }
    return 1;
}
#endif

/* Digits after the point of a currency with minor_per_unit, or -1. */
static int minor_digits_of(int minor_per_unit)
{
    int digits = 0;
    for (int64_t p = 1; p <= FDL_EXPR_MAX_MINOR_PER_UNIT; p *= 10, digits++)
        if (p == minor_per_unit)
            return digits;
    return -1;
}

static int compile(struct expr_compiler *c, enum fdl_expr_type want,
                   struct fdl_expr **out)
{
    int root = parse(c);
    if (root < 0)
        return root;
    int rc = check_root(c, root, want);
    if (rc < 0)
        return rc;
    int need = generate(c, root, 0);
    if (need < 0)
        return need;
    emit(c, OP_END, 0, 0, 0);
    thread_jumps(c);
    return assemble(c, root, want, out);
}

int fdl_expr_compile(const char *text, const struct fdl_expr_var *vars, size_t n_vars,
                     int minor_per_unit, enum fdl_expr_type want, const char *field,
                     struct fdl_expr **out, struct fdl_error *err)
{
    assert(text && out && (vars || n_vars == 0) && n_vars <= FDL_EXPR_MAX_VARS);
    assert(want == FDL_EXPR_BOOL || want == FDL_EXPR_INT || want == FDL_EXPR_MONEY);
    assert(vars_valid(vars, n_vars));
    int minor_digits = minor_digits_of(minor_per_unit);
    if (minor_digits < 0)
        return fdl_error_set(err, FDL_EINVALID, field,
                             "minor_per_unit must be a power of ten from 1 to %d, not %d",
                             FDL_EXPR_MAX_MINOR_PER_UNIT, minor_per_unit);
    size_t len = strnlen(text, FDL_EXPR_MAX_LEN + 1);
    if (len > FDL_EXPR_MAX_LEN)
        return fdl_error_set(err, FDL_EINVALID, field,
                             "column %d: the expression is longer than %d bytes",
                             FDL_EXPR_MAX_LEN + 1, FDL_EXPR_MAX_LEN);
    struct expr_compiler *c = malloc(sizeof(*c));
    if (!c)
        return fdl_error_set(err, FDL_ENOMEM, field, "out of memory");
    c->text = text;
    c->len = (int)len;
    c->vars = vars;
    c->n_vars = n_vars;
    c->minor_digits = minor_digits;
    c->field = field;
    c->err = err;
    c->nesting = c->n_nodes = c->str_used = c->n_code = c->n_ints = c->n_consts = 0;
    int rc = compile(c, want, out);
    free(c);
    return rc;
}

void fdl_expr_free(struct fdl_expr *e)
{
    free(e);
}

size_t fdl_expr_format(const struct fdl_expr *e, char *out, size_t cap)
{
    assert(e && (out || cap == 0));
    if (cap > 0) {
        size_t n = e->text_len < cap ? e->text_len : cap - 1;
        memcpy(out, e->text, n);
        out[n] = '\0';
    }
    return e->text_len;
}

/* ---- Evaluation ---- */

static inline int64_t slot_int(const struct fdl_expr_value *slots, int32_t slot,
                               unsigned type)
{
    assert(slots[slot].type == (enum fdl_expr_type)type);
    (void)type;
    return slots[slot].as.i;
}

/* 1 if x <mask> y (see enum expr_cmp). */
static inline int64_t compare(int64_t x, int64_t y, unsigned mask)
{
    return (mask >> ((x >= y) + (x > y))) & 1;
}

static inline struct expr_str string_at(const struct fdl_expr *e,
                                        const struct fdl_expr_value *slots, int64_t ref)
{
    if (ref < 0)
        return e->strs[-1 - ref];
    assert(slots[ref].type == FDL_EXPR_STRING);
    assert(slots[ref].as.str.ptr || slots[ref].as.str.len == 0);
    return (struct expr_str){slots[ref].as.str.ptr, slots[ref].as.str.len};
}

/*
 * Whether a equals b. Condition strings are short (tiers, store codes), so
 * comparing a word at a time inline beats a call to memcmp; long ones still
 * go to memcmp.
 */
static inline int string_equal(struct expr_str a, struct expr_str b)
{
    if (a.len != b.len)
        return 0;
    if (a.len > 32)
        return memcmp(a.ptr, b.ptr, a.len) == 0;
    size_t i = 0;
    for (; i + 8 <= a.len; i += 8) {
        uint64_t x, y;
        memcpy(&x, a.ptr + i, 8);
        memcpy(&y, b.ptr + i, 8);
        if (x != y)
            return 0;
    }
    for (; i < a.len; i++)
        if (a.ptr[i] != b.ptr[i])
            return 0;
    return 1;
}

/* Whether a equals the C string item (never reading past item's NUL). */
static inline int string_equal_c(struct expr_str a, const char *item)
{
    size_t i = 0;
    for (; i < a.len; i++)
        if (item[i] != a.ptr[i] || item[i] == '\0')
            return 0;
    return item[i] == '\0';
}

static int64_t in_strings(struct expr_str s, const struct expr_str *set, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (string_equal(s, set[i]))
            return 1;
    return 0;
}

static int64_t in_list(struct expr_str s, const struct fdl_expr_value *list)
{
    assert(list->type == FDL_EXPR_LIST);
    for (size_t i = 0; i < list->as.list.count; i++) {
        assert(list->as.list.items[i]);
        if (string_equal_c(s, list->as.list.items[i]))
            return 1;
    }
    return 0;
}

static inline int64_t in_ints(int64_t x, const int64_t *set, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (set[i] == x)
            return 1;
    return 0;
}

static inline int64_t in_mask(int64_t x, int64_t bits)
{
    return x >= 0 && x < 64 && (((uint64_t)bits >> x) & 1);
}

static inline int64_t add_saturating(int64_t x, int64_t y)
{
    int64_t r;
    if (__builtin_add_overflow(x, y, &r))
        return y > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

static inline int64_t sub_saturating(int64_t x, int64_t y)
{
    int64_t r;
    if (__builtin_sub_overflow(x, y, &r))
        return y < 0 ? INT64_MAX : INT64_MIN;
    return r;
}

static inline int64_t mul_saturating(int64_t x, int64_t y)
{
    int64_t r;
    if (__builtin_mul_overflow(x, y, &r))
        return (x < 0) == (y < 0) ? INT64_MAX : INT64_MIN;
    return r;
}

/*
 * Pushes the result r of the test at pc, or, when the next instruction is
 * the jump of an `and` / `or` (as in every chain of conditions), performs
 * that jump at once. Returns the next instruction.
 */
static inline const struct expr_insn *test_done(const struct fdl_expr *e,
                                                const struct expr_insn *pc,
                                                int64_t *stack, int *sp, int64_t r)
{
    const struct expr_insn *next = pc + 1;
    if (next->op == OP_JUMP_FALSE_OR_POP || next->op == OP_JUMP_TRUE_OR_POP) {
        if (r != (next->op == OP_JUMP_TRUE_OR_POP))
            return pc + 2; /* the jump would pop r */
        stack[(*sp)++] = r;
        return e->code + next->a;
    }
    stack[(*sp)++] = r;
    return next;
}

/* Runs e's code; the value left on the stack is the result. */
static int64_t run(const struct fdl_expr *e, const struct fdl_expr_value *slots)
{
    int64_t stack[FDL_EXPR_MAX_DEPTH];
    int sp = 0; /* entries in use */
    const struct expr_insn *pc = e->code;
    for (;;) {
        int64_t r; /* a test's result */
        switch ((enum expr_op)pc->op) {
        case OP_END:
            assert(sp == 1);
            return stack[0];
        case OP_PUSH:
            stack[sp++] = pc->b;
            pc++;
            continue;
        case OP_LOAD:
            stack[sp++] = slot_int(slots, pc->a, pc->type);
            pc++;
            continue;
        case OP_NEG:
            stack[sp - 1] = sub_saturating(0, stack[sp - 1]);
            pc++;
            continue;
        case OP_ADD:
            sp--;
            stack[sp - 1] = add_saturating(stack[sp - 1], stack[sp]);
            pc++;
            continue;
        case OP_SUB:
            sp--;
            stack[sp - 1] = sub_saturating(stack[sp - 1], stack[sp]);
            pc++;
            continue;
        case OP_MUL:
            sp--;
            stack[sp - 1] = mul_saturating(stack[sp - 1], stack[sp]);
            pc++;
            continue;
        case OP_JUMP_FALSE_OR_POP:
            if (!stack[sp - 1]) {
                pc = e->code + pc->a;
                continue;
            }
            sp--;
            pc++;
            continue;
        case OP_JUMP_TRUE_OR_POP:
            if (stack[sp - 1]) {
                pc = e->code + pc->a;
                continue;
            }
            sp--;
            pc++;
            continue;
        /* Tests: each sets r and goes on to test_done(). */
        case OP_LOAD_BOOL:
            r = (slot_int(slots, pc->a, FDL_EXPR_BOOL) != 0) ^ pc->flag;
            break;
        case OP_CMP:
            sp -= 2;
            r = compare(stack[sp], stack[sp + 1], pc->flag);
            break;
        case OP_CMP_VAR_IMM:
            r = compare(slot_int(slots, pc->a, pc->type), pc->b, pc->flag);
            break;
        case OP_CMP_VAR_VAR:
            r = compare(slot_int(slots, pc->a, pc->type),
                        slot_int(slots, (int32_t)pc->b, pc->type), pc->flag);
            break;
        case OP_IN_MASK:
            r = in_mask(stack[--sp], pc->b) ^ pc->flag;
            break;
        case OP_VAR_IN_MASK:
            r = in_mask(slot_int(slots, pc->a, pc->type), pc->b) ^ pc->flag;
            break;
        case OP_IN_INTS:
            r = in_ints(stack[--sp], e->ints + pc->b, pc->count) ^ pc->flag;
            break;
        case OP_VAR_IN_INTS:
            r = in_ints(slot_int(slots, pc->a, pc->type), e->ints + pc->b, pc->count) ^
                pc->flag;
            break;
        case OP_STR_EQ:
            r = string_equal(string_at(e, slots, pc->a), string_at(e, slots, pc->b)) ^
                pc->flag;
            break;
        case OP_STR_IN_TUPLE:
            r = in_strings(string_at(e, slots, pc->a), e->strs + pc->b, pc->count) ^
                pc->flag;
            break;
        case OP_STR_IN_LIST:
            r = in_list(string_at(e, slots, pc->a), &slots[pc->b]) ^ pc->flag;
            break;
        default:
            assert(0);
            return 0;
        }
        pc = test_done(e, pc, stack, &sp, r);
    }
}

int fdl_expr_eval_bool(const struct fdl_expr *e, const struct fdl_expr_value *slots)
{
    assert(e && e->type == FDL_EXPR_BOOL);
    int64_t result = run(e, slots);
    assert(result == 0 || result == 1);
    return (int)result;
}

int64_t fdl_expr_eval_int(const struct fdl_expr *e, const struct fdl_expr_value *slots)
{
    assert(e && (e->type == FDL_EXPR_INT || e->type == FDL_EXPR_MONEY));
    return run(e, slots);
}
