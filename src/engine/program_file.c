/*
 * program_file.c - the YAML program file: parse, check, compile.
 *
 * Two stages. build_tree() turns libyaml's events into a small tree of
 * scalars, lists and mappings with their positions, refusing what a program
 * file never needs and an attacker loves (anchors, aliases, tags, several
 * documents, deep nesting, huge node counts). The schema stage walks the
 * tree one section at a time; each mapping is first checked against its
 * table of known keys (unknown and duplicate keys are errors), then each
 * value goes through a typed getter that reports the key path and the
 * line and column of the offending node. Sections are a table, so adding
 * one (punch cards, ...) is a function and a row.
 *
 * Memory: the tree lives in a scratch arena freed when loading ends; the
 * definition owns a second arena holding its rules, strings and sets, plus
 * the compiled conditions (freed one by one).
 */
#include "engine/program_file.h"

#include "base/clock.h"
#include "base/limits.h"
#include "engine/currency.h"
#include "engine/expr.h"
#include "engine/stamps.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ---- arenas ---- */

#define ARENA_CHUNK_BYTES (16 * 1024)

struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    max_align_t data[];
};

struct arena {
    struct arena_chunk *head;
    size_t *total_bytes; /* shared budget of one load */
};

struct fdl_program_def_memory {
    struct arena arena;
    size_t total_bytes;
};

static void *arena_alloc(struct arena *a, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (n == 0)
        n = sizeof(max_align_t);
    struct arena_chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > ARENA_CHUNK_BYTES ? n : ARENA_CHUNK_BYTES;
        if (*a->total_bytes + cap > FDL_PROGRAM_FILE_MAX_MEMORY)
            return NULL;
        c = malloc(sizeof(*c) + cap);
        if (!c)
            return NULL;
        *a->total_bytes += cap;
        c->used = 0;
        c->cap = cap;
        c->next = a->head;
        a->head = c;
    }
    void *p = (unsigned char *)c->data + c->used;
    c->used += n;
    return p;
}

static void arena_release(struct arena *a)
{
    struct arena_chunk *c = a->head;
    while (c) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
}

static char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* ---- the tree ---- */

enum ynode_kind { YNODE_SCALAR, YNODE_LIST, YNODE_MAPPING };

struct ynode {
    enum ynode_kind kind;
    int line, column; /* 1-based start */
    yaml_scalar_style_t style;
    int single_line;  /* scalar: starts and ends on the same line */
    const char *text; /* scalar: NUL-terminated, may contain NULs before len */
    size_t len;
    struct ynode *first, *last, *next; /* children; a mapping alternates key, value */
    size_t count;
};

struct loader {
    struct arena tree;
    struct arena *keep;
    size_t tree_bytes;
    struct fdl_error *err;
    struct fdl_program_def *def;
    int minor_per_unit;
    int money_decimals;
};

#define PATH_MAX_BYTES 128

/* Cuts a partial UTF-8 sequence left at the end of s by a truncating snprintf. */
static void utf8_trim(char *s)
{
    size_t n = strlen(s), start = n;
    while (start > 0 && ((unsigned char)s[start - 1] & 0xc0) == 0x80 && n - start < 3)
        start--;
    if (start == 0 || ((unsigned char)s[start - 1] & 0x80) == 0)
        return; /* no multi-byte sequence at the end */
    unsigned char lead = (unsigned char)s[start - 1];
    size_t want = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    if (n - (start - 1) < want)
        s[start - 1] = '\0';
}

static int fail_at(struct loader *ld, int code, int line, int column, const char *path,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int fail_at(struct loader *ld, int code, int line, int column, const char *path,
                   const char *fmt, ...)
{
    char detail[FDL_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    fdl_error_set(ld->err, code, path, "line %d, column %d: %s", line, column, detail);
    if (ld->err) {
        utf8_trim(ld->err->field);
        utf8_trim(ld->err->message);
    }
    return code;
}

#define fail(ld, code, node, path, ...)                                                  \
    fail_at((ld), (code), (node)->line, (node)->column, (path), __VA_ARGS__)

static int nomem(struct loader *ld)
{
    return fdl_error_set(ld->err, FDL_ENOMEM, "",
                         "out of memory loading the program file");
}

/*
 * Writes a short, printable, valid-UTF-8 rendering of a scalar for messages:
 * at most 32 bytes (cut on a character boundary), control bytes as '?'.
 */
static void quote(const struct ynode *n, char out[48])
{
    size_t o = 0, i = 0;
    const unsigned char *s = (const unsigned char *)n->text;
    while (i < n->len && o < 32) {
        size_t clen = s[i] < 0x80 ? 1 : s[i] >= 0xf0 ? 4 : s[i] >= 0xe0 ? 3 : 2;
        if (i + clen > n->len || o + clen > 32)
            break;
        if (s[i] < 0x20 || s[i] == 0x7f) {
            out[o++] = '?';
        } else {
            memcpy(out + o, s + i, clen);
            o += clen;
        }
        i += clen;
    }
    if (i < n->len) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

static const char *kind_name(const struct ynode *n)
{
    switch (n->kind) {
    case YNODE_LIST:
        return "a list";
    case YNODE_MAPPING:
        return "a mapping";
    case YNODE_SCALAR:
        break;
    }
    return "a scalar";
}

/* Line and column of byte offset in text (for reader errors, which have no mark). */
static void position_of(const char *text, size_t len, size_t offset, int *line,
                        int *column)
{
    *line = 1;
    *column = 1;
    for (size_t i = 0; i < offset && i < len; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *column = 1;
        } else if (((unsigned char)text[i] & 0xc0) != 0x80) {
            (*column)++;
        }
    }
}

static int syntax_error(struct loader *ld, const yaml_parser_t *p, const char *text,
                        size_t len)
{
    if (p->error == YAML_MEMORY_ERROR)
        return nomem(ld);
    int line, column;
    if (p->error == YAML_READER_ERROR) {
        position_of(text, len, p->problem_offset, &line, &column);
    } else {
        line = (int)p->problem_mark.line + 1;
        column = (int)p->problem_mark.column + 1;
    }
    const char *problem = p->problem ? p->problem : "not valid YAML";
    if (p->context)
        return fail_at(ld, FDL_EINVALID, line, column, "", "YAML: %s %s", p->context,
                       problem);
    return fail_at(ld, FDL_EINVALID, line, column, "", "YAML: %s", problem);
}

static struct ynode *new_node(struct loader *ld, enum ynode_kind kind, yaml_mark_t start)
{
    struct ynode *n = arena_alloc(&ld->tree, sizeof(*n));
    if (!n)
        return NULL;
    memset(n, 0, sizeof(*n));
    n->kind = kind;
    n->line = (int)start.line + 1;
    n->column = (int)start.column + 1;
    return n;
}

static void attach(struct ynode *parent, struct ynode *child)
{
    if (parent->last)
        parent->last->next = child;
    else
        parent->first = child;
    parent->last = child;
    parent->count++;
}

/* Checks an event's anchor and tag; a program file uses neither. */
static int plain_event(struct loader *ld, const yaml_event_t *ev,
                       const yaml_char_t *anchor, const yaml_char_t *tag)
{
    int line = (int)ev->start_mark.line + 1, column = (int)ev->start_mark.column + 1;
    if (anchor)
        return fail_at(ld, FDL_EINVALID, line, column, "",
                       "anchors (&name) are not allowed in a program file");
    if (tag)
        return fail_at(ld, FDL_EINVALID, line, column, "",
                       "tags (!name) are not allowed in a program file");
    return 0;
}

struct builder {
    struct ynode *stack[FDL_PROGRAM_FILE_MAX_DEPTH];
    int depth;
    size_t nodes;
    int documents;
    struct ynode *root;
};

/* Handles one event; sets *done at the end of the stream. */
static int build_event(struct loader *ld, struct builder *b, const yaml_event_t *ev,
                       int *done)
{
    int line = (int)ev->start_mark.line + 1, column = (int)ev->start_mark.column + 1;
    int rc = 0;
    struct ynode *n = NULL;
    switch (ev->type) {
    case YAML_STREAM_END_EVENT:
        *done = 1;
        return 0;
    case YAML_DOCUMENT_START_EVENT:
        if (++b->documents > 1)
            return fail_at(ld, FDL_EINVALID, line, column, "",
                           "a program file holds one YAML document");
        return 0;
    case YAML_ALIAS_EVENT:
        return fail_at(ld, FDL_EINVALID, line, column, "",
                       "aliases (*name) are not allowed in a program file");
    case YAML_SCALAR_EVENT:
        rc = plain_event(ld, ev, ev->data.scalar.anchor, ev->data.scalar.tag);
        if (rc)
            return rc;
        n = new_node(ld, YNODE_SCALAR, ev->start_mark);
        if (!n)
            return nomem(ld);
        n->style = ev->data.scalar.style;
        n->single_line = ev->start_mark.line == ev->end_mark.line;
        n->len = ev->data.scalar.length;
        n->text = arena_strndup(&ld->tree, (const char *)ev->data.scalar.value, n->len);
        if (!n->text)
            return nomem(ld);
        break;
    case YAML_SEQUENCE_START_EVENT:
        rc = plain_event(ld, ev, ev->data.sequence_start.anchor,
                         ev->data.sequence_start.tag);
        if (rc)
            return rc;
        n = new_node(ld, YNODE_LIST, ev->start_mark);
        break;
    case YAML_MAPPING_START_EVENT:
        rc = plain_event(ld, ev, ev->data.mapping_start.anchor,
                         ev->data.mapping_start.tag);
        if (rc)
            return rc;
        n = new_node(ld, YNODE_MAPPING, ev->start_mark);
        break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        if (b->depth > 0)
            b->depth--;
        return 0;
    default:
        return 0;
    }
    if (!n)
        return nomem(ld);
    if (++b->nodes > FDL_PROGRAM_FILE_MAX_NODES)
        return fail_at(ld, FDL_ERANGE, line, column, "",
                       "a program file has at most %d nodes", FDL_PROGRAM_FILE_MAX_NODES);
    if (b->depth > 0)
        attach(b->stack[b->depth - 1], n);
    else if (!b->root)
        b->root = n;
    if (n->kind != YNODE_SCALAR) {
        if (b->depth == FDL_PROGRAM_FILE_MAX_DEPTH)
            return fail_at(ld, FDL_ETOO_DEEP, line, column, "",
                           "nesting deeper than %d levels", FDL_PROGRAM_FILE_MAX_DEPTH);
        b->stack[b->depth++] = n;
    }
    return 0;
}

/* Parses text into a tree of ynodes in ld->tree; *root is NULL for an empty stream. */
static int build_tree(struct loader *ld, const char *text, size_t len,
                      struct ynode **root)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return nomem(ld);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    struct builder b;
    memset(&b, 0, sizeof(b));
    int rc = 0, done = 0;
    while (!done && rc == 0) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = syntax_error(ld, &parser, text, len);
            break;
        }
        rc = build_event(ld, &b, &ev, &done);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    if (rc == 0)
        *root = b.root;
    return rc;
}

/* ---- paths and keys ---- */

/* Paths longer than PATH_MAX_BYTES are cut (error fields hold fewer anyway). */
static void path_key(char out[PATH_MAX_BYTES], const char *path, const char *key)
{
    if (snprintf(out, PATH_MAX_BYTES, "%s%s%s", path, *path ? "." : "", key) < 0)
        out[0] = '\0';
}

static void path_index(char out[PATH_MAX_BYTES], const char *path, size_t i)
{
    if (snprintf(out, PATH_MAX_BYTES, "%s[%zu]", path, i) < 0)
        out[0] = '\0';
}

static int is_null(const struct ynode *n)
{
    if (n->kind != YNODE_SCALAR || n->style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    return n->len == 0 || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
           strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0;
}

/*
 * Checks that map is a mapping whose keys are all in allowed[0..n), each at
 * most once, and that no value is null. Errors point at the key.
 */
static int check_keys(struct loader *ld, const struct ynode *map, const char *path,
                      const char *const *allowed, size_t n)
{
    if (map->kind != YNODE_MAPPING)
        return fail(ld, FDL_EFIELD_TYPE, map, path,
                    "%s must be a mapping of keys, not %s", *path ? path : "the file",
                    kind_name(map));
    unsigned char seen[64] = {0};
    for (const struct ynode *k = map->first; k; k = k->next->next) {
        const struct ynode *v = k->next;
        char q[48], sub[PATH_MAX_BYTES];
        if (k->kind != YNODE_SCALAR)
            return fail(ld, FDL_EFIELD_TYPE, k, path, "keys must be names, not %s",
                        kind_name(k));
        size_t i = 0;
        while (i < n &&
               (strlen(allowed[i]) != k->len || strcmp(allowed[i], k->text) != 0))
            i++;
        quote(k, q);
        if (i == n) {
            path_key(sub, path, q);
            return fail(ld, FDL_EUNKNOWN_FIELD, k, sub, "unknown key \"%s\"%s%s", q,
                        *path ? " in " : "", path);
        }
        path_key(sub, path, allowed[i]);
        if (seen[i])
            return fail(ld, FDL_EINVALID, k, sub, "key \"%s\" appears twice", q);
        seen[i] = 1;
        if (is_null(v))
            return fail(ld, FDL_EMISSING_FIELD, k, sub, "\"%s\" has no value", q);
    }
    return 0;
}

/* The value of key in mapping map (checked by check_keys), or NULL. */
static const struct ynode *get(const struct ynode *map, const char *key)
{
    for (const struct ynode *k = map->first; k; k = k->next->next)
        if (strcmp(k->text, key) == 0)
            return k->next;
    return NULL;
}

/* The key node of key in map, for errors about a key's presence. */
static const struct ynode *get_key(const struct ynode *map, const char *key)
{
    for (const struct ynode *k = map->first; k; k = k->next->next)
        if (strcmp(k->text, key) == 0)
            return k;
    return NULL;
}

static int missing(struct loader *ld, const struct ynode *map, const char *path,
                   const char *key)
{
    char sub[PATH_MAX_BYTES];
    path_key(sub, path, key);
    return fail(ld, FDL_EMISSING_FIELD, map, sub, "%s needs \"%s\"",
                *path ? path : "the file", key);
}

/* ---- typed values ---- */

static int need_scalar(struct loader *ld, const struct ynode *n, const char *path,
                       const char *what)
{
    if (n->kind != YNODE_SCALAR)
        return fail(ld, FDL_EFIELD_TYPE, n, path, "must be %s, not %s", what,
                    kind_name(n));
    return 0;
}

/*
 * A string of min..max bytes without control characters (multi_line
 * allows newlines and tabs, for conditions); *out is a copy in the
 * definition's arena.
 */
static int get_text(struct loader *ld, const struct ynode *n, const char *path,
                    size_t min, size_t max, int multi_line, const char **out)
{
    int rc = need_scalar(ld, n, path, "a string");
    if (rc)
        return rc;
    for (size_t i = 0; i < n->len; i++) {
        unsigned char c = (unsigned char)n->text[i];
        if ((c < 0x20 && !(multi_line && (c == '\n' || c == '\t'))) || c == 0x7f)
            return fail(ld, FDL_EINVALID, n, path, "must not contain control characters");
    }
    if (n->len < min || n->len > max)
        return fail(ld, FDL_ERANGE, n, path, "must be %zu to %zu bytes long", min, max);
    const char *copy = arena_strndup(ld->keep, n->text, n->len);
    if (!copy)
        return nomem(ld);
    *out = copy;
    return 0;
}

/* A string copied into a fixed buffer of cap bytes (max = cap - 1). */
static int get_text_into(struct loader *ld, const struct ynode *n, const char *path,
                         size_t min, char *buf, size_t cap)
{
    const char *s = NULL;
    int rc = get_text(ld, n, path, min, cap - 1, 0, &s);
    if (rc == 0)
        snprintf(buf, cap, "%s", s);
    return rc;
}

static int not_a_number(struct loader *ld, const struct ynode *n, const char *path,
                        const char *what)
{
    char q[48];
    quote(n, q);
    if (n->style != YAML_PLAIN_SCALAR_STYLE)
        return fail(ld, FDL_EFIELD_TYPE, n, path, "must be %s, not the string \"%s\"",
                    what, q);
    return fail(ld, FDL_EFIELD_TYPE, n, path, "must be %s, not \"%s\"", what, q);
}

/* A whole number in [min, max], written plainly ("12", not "12.0" or "'12'"). */
static int get_int(struct loader *ld, const struct ynode *n, const char *path,
                   int64_t min, int64_t max, int64_t *out)
{
    int rc = need_scalar(ld, n, path, "a whole number");
    if (rc)
        return rc;
    const char *s = n->text;
    size_t i = s[0] == '-' ? 1 : 0;
    size_t digits = n->len - i;
    if (n->style != YAML_PLAIN_SCALAR_STYLE || digits == 0 || (digits > 1 && s[i] == '0'))
        return not_a_number(ld, n, path, "a whole number");
    int64_t v = 0;
    for (; i < n->len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return not_a_number(ld, n, path, "a whole number");
        if (v > INT64_MAX / 10 - 9) /* beyond every range: say so, without overflow */
            return fail(ld, FDL_ERANGE, n, path, "must be between %lld and %lld",
                        (long long)min, (long long)max);
        v = v * 10 + (s[i] - '0');
    }
    if (s[0] == '-')
        v = -v;
    if (v < min || v > max)
        return fail(ld, FDL_ERANGE, n, path, "must be between %lld and %lld",
                    (long long)min, (long long)max);
    *out = v;
    return 0;
}

/*
 * A non-negative decimal ("4", "0.01", "1.5") with at most `decimals`
 * digits after the point, as an integer scaled by 10^decimals. `unit`
 * names what limits the decimals in the message ("EUR").
 */
static int get_decimal(struct loader *ld, const struct ynode *n, const char *path,
                       int decimals, const char *unit, int64_t min, int64_t max,
                       int64_t *out)
{
    int rc = need_scalar(ld, n, path, "a number");
    if (rc)
        return rc;
    const char *s = n->text;
    size_t i = 0, int_digits = 0, frac_digits = 0;
    int64_t v = 0;
    if (n->style != YAML_PLAIN_SCALAR_STYLE)
        return not_a_number(ld, n, path, "a number");
    while (i < n->len && s[i] >= '0' && s[i] <= '9') {
        if (++int_digits > 12)
            return fail(ld, FDL_ERANGE, n, path, "is too large");
        v = v * 10 + (s[i++] - '0');
    }
    if (i < n->len && s[i] == '.') {
        i++;
        while (i < n->len && s[i] >= '0' && s[i] <= '9') {
            if (++frac_digits > (size_t)decimals) {
                if (decimals == 0)
                    return fail(ld, FDL_EINVALID, n, path, "%s has no decimals", unit);
                return fail(ld, FDL_EINVALID, n, path,
                            "has too many decimals: %s allows at most %d", unit,
                            decimals);
            }
            v = v * 10 + (s[i++] - '0');
        }
        if (frac_digits == 0)
            return not_a_number(ld, n, path, "a number");
    }
    if (i != n->len || int_digits == 0)
        return not_a_number(ld, n, path, "a number");
    for (size_t d = frac_digits; d < (size_t)decimals; d++)
        v *= 10;
    if (v < min || v > max)
        return fail(ld, FDL_ERANGE, n, path, "is out of range");
    *out = v;
    return 0;
}

/* Money in currency units with at most the currency's decimals, as minor units. */
static int get_money(struct loader *ld, const struct ynode *n, const char *path,
                     int64_t min, int64_t max, int64_t *out)
{
    return get_decimal(ld, n, path, ld->money_decimals, ld->def->program.currency, min,
                       max, out);
}

static int get_bool(struct loader *ld, const struct ynode *n, const char *path, int *out)
{
    int rc = need_scalar(ld, n, path, "true or false");
    if (rc)
        return rc;
    if (n->style == YAML_PLAIN_SCALAR_STYLE) {
        if (!strcmp(n->text, "true") || !strcmp(n->text, "True") ||
            !strcmp(n->text, "TRUE")) {
            *out = 1;
            return 0;
        }
        if (!strcmp(n->text, "false") || !strcmp(n->text, "False") ||
            !strcmp(n->text, "FALSE")) {
            *out = 0;
            return 0;
        }
    }
    char q[48];
    quote(n, q);
    return fail(ld, FDL_EFIELD_TYPE, n, path, "must be true or false, not \"%s\"", q);
}

/* One of names[0..count) (a NULL-terminated list); *out is its index. */
static int get_enum(struct loader *ld, const struct ynode *n, const char *path,
                    const char *const *names, const char *choices, int *out)
{
    int rc = need_scalar(ld, n, path, choices);
    if (rc)
        return rc;
    for (int i = 0; names[i]; i++) {
        if (strlen(names[i]) == n->len && strcmp(names[i], n->text) == 0) {
            *out = i;
            return 0;
        }
    }
    char q[48];
    quote(n, q);
    return fail(ld, FDL_EINVALID, n, path, "must be %s, not \"%s\"", choices, q);
}

static int get_date(struct loader *ld, const struct ynode *n, const char *path,
                    int64_t *out_day)
{
    int rc = need_scalar(ld, n, path, "a date (YYYY-MM-DD)");
    if (rc)
        return rc;
    if (n->len != 10 || strlen(n->text) != 10 || fdl_date_parse(n->text, out_day) != 0) {
        char q[48];
        quote(n, q);
        return fail(ld, FDL_EINVALID, n, path, "must be a date YYYY-MM-DD, not \"%s\"",
                    q);
    }
    return 0;
}

/* A `valid_from` / `valid_until` pair of local dates (inclusive); until
 * before from is an error naming valid_until. Absent keys leave their
 * outputs untouched. */
static int get_date_window(struct loader *ld, const struct ynode *map, const char *path,
                           int64_t *from_day, int *has_from, int64_t *until_day,
                           int *has_until)
{
    char sub[PATH_MAX_BYTES];
    const struct ynode *v;
    int rc;
    if ((v = get(map, "valid_from"))) {
        path_key(sub, path, "valid_from");
        if ((rc = get_date(ld, v, sub, from_day)))
            return rc;
        *has_from = 1;
    }
    if ((v = get(map, "valid_until"))) {
        path_key(sub, path, "valid_until");
        if ((rc = get_date(ld, v, sub, until_day)))
            return rc;
        *has_until = 1;
        if (*has_from && *until_day < *from_day)
            return fail(ld, FDL_EINVALID, v, sub, "is before valid_from");
    }
    return 0;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A list of 1..FDL_MAX_RULE_LIST_ITEMS distinct identifiers, as a sorted set. */
/* A list of 1 to max_items distinct texts of 1 to max_bytes each, in file
 * order, into *out (arena memory); shape says what the list should look
 * like when it is not one. */
static int get_distinct_texts(struct loader *ld, const struct ynode *n, const char *path,
                              size_t max_items, size_t max_bytes, const char *shape,
                              const char ***out)
{
    if (n->kind != YNODE_LIST)
        return fail(ld, FDL_EFIELD_TYPE, n, path, "must be %s, not %s", shape,
                    kind_name(n));
    if (n->count == 0)
        return fail(ld, FDL_EINVALID, n, path, "must not be empty");
    if (n->count > max_items)
        return fail(ld, FDL_ERANGE, n, path, "has more than %zu entries", max_items);
    const char **items = arena_alloc(ld->keep, n->count * sizeof(*items));
    if (!items)
        return nomem(ld);
    size_t i = 0;
    for (const struct ynode *e = n->first; e; e = e->next, i++) {
        char sub[PATH_MAX_BYTES];
        path_index(sub, path, i);
        int rc = get_text(ld, e, sub, 1, max_bytes, 0, &items[i]);
        if (rc)
            return rc;
        for (size_t j = 0; j < i; j++)
            if (strcmp(items[j], items[i]) == 0)
                return fail(ld, FDL_EINVALID, e, sub, "\"%s\" is listed twice", items[i]);
    }
    *out = items;
    return 0;
}

static int get_set(struct loader *ld, const struct ynode *n, const char *path,
                   struct fdl_string_set *out)
{
    const char **items;
    int rc = get_distinct_texts(ld, n, path, FDL_MAX_RULE_LIST_ITEMS, FDL_RULE_ITEM_MAX,
                                "a list like [a, b]", &items);
    if (rc)
        return rc;
    qsort(items, n->count, sizeof(*items), compare_strings);
    out->items = items;
    out->n = n->count;
    return 0;
}

/* ---- currencies ---- */

/* The decimals of currency code (len bytes), or -1 if it is not an ISO 4217
 * code (the table lives in engine/currency.c, shared with exchange rates). */
static int currency_decimals(const char *code, size_t len)
{
    char buf[4];
    if (len != 3)
        return -1;
    memcpy(buf, code, 3);
    buf[3] = 0;
    return fdl_currency_decimals(buf);
}

/* ---- section: program ---- */

static int valid_zone_name(const char *s)
{
    if (!*s || *s == '/' || strstr(s, ".."))
        return 0;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '-' || c == '/'))
            return 0;
    }
    return 1;
}

static const char *const rounding_names[] = {"down", "half-up", "up", NULL};
static const char *const language_names[] = {"en", "es", "ca", "ru", NULL};

/* currency (required) and minor_per_unit (defaults from the currency). */
static int load_currency(struct loader *ld, const struct ynode *map, const char *path)
{
    struct fdl_program *p = &ld->def->program;
    char sub[PATH_MAX_BYTES];
    const struct ynode *v = get(map, "currency");
    int rc;
    if (!v)
        return 0;
    path_key(sub, path, "currency");
    if ((rc = need_scalar(ld, v, sub, "a currency code")))
        return rc;
    int decimals = currency_decimals(v->text, v->len);
    if (decimals < 0) {
        char q[48];
        quote(v, q);
        return fail(ld, FDL_EINVALID, v, sub,
                    "\"%s\" is not an ISO 4217 currency code like EUR", q);
    }
    snprintf(p->currency, sizeof(p->currency), "%s", v->text);
    int64_t minor = 1;
    for (int i = 0; i < decimals; i++)
        minor *= 10;
    if ((v = get(map, "minor_per_unit"))) {
        path_key(sub, path, "minor_per_unit");
        if ((rc = get_int(ld, v, sub, 1, 1000, &minor)))
            return rc;
        if (minor != 1 && minor != 10 && minor != 100 && minor != 1000)
            return fail(ld, FDL_EINVALID, v, sub, "must be 1, 10, 100 or 1000");
    }
    p->minor_per_unit = (int)minor;
    ld->minor_per_unit = (int)minor;
    ld->money_decimals = minor == 1 ? 0 : minor == 10 ? 1 : minor == 100 ? 2 : 3;

    return 0;
}

static int load_program(struct loader *ld, const struct ynode *map, const char *path)
{
    static const char *const keys[] = {"name",      "currency", "minor_per_unit",
                                       "time_zone", "rounding", "language"};
    struct fdl_program *p = &ld->def->program;
    char sub[PATH_MAX_BYTES];
    const struct ynode *v;
    int rc = check_keys(ld, map, path, keys, sizeof(keys) / sizeof(*keys));
    if (rc)
        return rc;
    /* Values in the order a reader checks them; then what is missing. */
    path_key(sub, path, "name");
    if ((v = get(map, "name")) &&
        (rc = get_text_into(ld, v, sub, 1, p->name, sizeof(p->name))))
        return rc;
    if ((rc = load_currency(ld, map, path)))
        return rc;
    path_key(sub, path, "time_zone");
    if ((v = get(map, "time_zone"))) {
        if ((rc = get_text_into(ld, v, sub, 1, p->time_zone, sizeof(p->time_zone))))
            return rc;
        if (!valid_zone_name(p->time_zone))
            return fail(ld, FDL_EINVALID, v, sub,
                        "must be an IANA time zone name like Europe/Madrid");
    }
    int choice;
    if ((v = get(map, "rounding"))) {
        path_key(sub, path, "rounding");
        if ((rc = get_enum(ld, v, sub, rounding_names, "down, half-up or up", &choice)))
            return rc;
        p->rounding = (enum fdl_rounding)choice;
    }
    if ((v = get(map, "language"))) {
        path_key(sub, path, "language");
        if ((rc = get_enum(ld, v, sub, language_names, "en, es, ca or ru", &choice)))
            return rc;
        snprintf(p->language, sizeof(p->language), "%s", language_names[choice]);
    }
    static const char *const required[] = {"name", "currency", "time_zone"};
    for (size_t i = 0; i < 3; i++)
        if (!get(map, required[i]))
            return missing(ld, map, path, required[i]);
    return 0;
}

/* ---- section: points ---- */

static int load_points(struct loader *ld, const struct ynode *map, const char *path)
{
    static const char *const keys[] = {"expiry_months", "pending_days", "value"};
    struct fdl_program *p = &ld->def->program;
    char sub[PATH_MAX_BYTES];
    const struct ynode *v;
    int64_t x;
    int rc = check_keys(ld, map, path, keys, sizeof(keys) / sizeof(*keys));
    if (rc)
        return rc;
    if ((v = get(map, "expiry_months"))) {
        path_key(sub, path, "expiry_months");
        if ((rc = get_int(ld, v, sub, 0, FDL_MAX_EXPIRY_MONTHS, &x)))
            return rc;
        p->expiry_months = (int)x;
    }
    if ((v = get(map, "pending_days"))) {
        path_key(sub, path, "pending_days");
        if ((rc = get_int(ld, v, sub, 0, FDL_MAX_PENDING_DAYS, &x)))
            return rc;
        p->pending_days = (int)x;
    }
    if ((v = get(map, "value"))) {
        path_key(sub, path, "value");
        if ((rc = get_money(ld, v, sub, 0, 1000000, &x)))
            return rc;
        if (x < 1)
            return fail(ld, FDL_ERANGE, v, sub, "must be at least one minor unit of %s",
                        p->currency);
        p->point_value_minor = x;
    }
    return 0;
}

/* ---- section: tiers ---- */

static const char *const tier_basis_names[] = {"spend", "points", "visits", NULL};
static const char *const tier_window_names[] = {"calendar-year", "rolling", NULL};
static const char *const tier_downgrade_names[] = {"one-level", "to-qualified", NULL};

static int valid_level_name(const char *s)
{
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* benefits: 1..FDL_MAX_TIER_BENEFITS distinct one-line texts, kept in order. */
static int load_tier_benefits(struct loader *ld, const struct ynode *list,
                              const char *path, struct fdl_tier_benefits *out)
{
    const char **items;
    int rc = get_distinct_texts(ld, list, path, FDL_MAX_TIER_BENEFITS,
                                FDL_TIER_BENEFIT_MAX, "a list of short texts", &items);
    if (rc)
        return rc;
    out->items = items;
    out->n = list->count;
    return 0;
}

/* levels[index]: {name, min, benefits}, its min above the level before it. */
static int load_tier_level(struct loader *ld, const struct ynode *map, const char *path,
                           size_t index)
{
    static const char *const keys[] = {"name", "min", "benefits"};
    struct fdl_tier_def *t = &ld->def->tiers;
    struct fdl_tier_level *level = &t->levels[index];
    char sub[PATH_MAX_BYTES];
    const struct ynode *v;
    int rc = check_keys(ld, map, path, keys, 3);
    if (rc)
        return rc;
    if (!(v = get(map, "name")))
        return missing(ld, map, path, "name");
    path_key(sub, path, "name");
    if ((rc = get_text_into(ld, v, sub, 1, level->name, sizeof(level->name))))
        return rc;
    if (!valid_level_name(level->name))
        return fail(ld, FDL_EINVALID, v, sub,
                    "a level name has only lowercase letters, digits, '-' and '_'");
    for (size_t i = 0; i < index; i++)
        if (strcmp(t->levels[i].name, level->name) == 0)
            return fail(ld, FDL_EINVALID, v, sub,
                        "level \"%s\" is already tiers.levels[%zu]", level->name, i);
    if (!(v = get(map, "min")))
        return missing(ld, map, path, "min");
    path_key(sub, path, "min");
    if (t->basis == FDL_TIER_BASIS_SPEND)
        rc = get_money(ld, v, sub, 0, FDL_MAX_TIER_MIN, &level->min);
    else
        rc = get_int(ld, v, sub, 0, FDL_MAX_TIER_MIN, &level->min);
    if (rc)
        return rc;
    if (index == 0 && level->min != 0)
        return fail(ld, FDL_EINVALID, v, sub,
                    "the first level is where every member starts: its min must be 0");
    if (index > 0 && level->min <= t->levels[index - 1].min)
        return fail(ld, FDL_EINVALID, v, sub,
                    "must be more than the min of the level before it (%s)",
                    t->levels[index - 1].name);
    path_key(sub, path, "benefits");
    if ((v = get(map, "benefits")))
        return load_tier_benefits(ld, v, sub, &ld->def->tier_benefits[index]);
    return 0;
}

static int load_tier_levels(struct loader *ld, const struct ynode *list, const char *path)
{
    if (list->kind != YNODE_LIST)
        return fail(ld, FDL_EFIELD_TYPE, list, path, "must be a list of levels, not %s",
                    kind_name(list));
    if (list->count == 0)
        return fail(ld, FDL_EINVALID, list, path, "must not be empty");
    char sub[PATH_MAX_BYTES];
    if (list->count > FDL_MAX_TIER_LEVELS) {
        const struct ynode *e = list->first;
        for (int i = 0; i < FDL_MAX_TIER_LEVELS; i++)
            e = e->next;
        path_index(sub, path, FDL_MAX_TIER_LEVELS);
        return fail(ld, FDL_ERANGE, e, sub, "a program has at most %d tier levels",
                    FDL_MAX_TIER_LEVELS);
    }
    size_t i = 0;
    for (const struct ynode *e = list->first; e; e = e->next, i++) {
        path_index(sub, path, i);
        int rc = load_tier_level(ld, e, sub, i);
        if (rc)
            return rc;
    }
    ld->def->tiers.n_levels = list->count;
    return 0;
}

/* window and months: a rolling window needs months, a calendar year has none. */
static int load_tier_window(struct loader *ld, const struct ynode *map, const char *path)
{
    struct fdl_tier_def *t = &ld->def->tiers;
    char sub[PATH_MAX_BYTES];
    const struct ynode *v;
    int rc, choice;
    t->window = FDL_TIER_WINDOW_CALENDAR_YEAR;
    t->window_months = 12;
    if ((v = get(map, "window"))) {
        path_key(sub, path, "window");
        if ((rc = get_enum(ld, v, sub, tier_window_names, "calendar-year or rolling",
                           &choice)))
            return rc;
        t->window = (enum fdl_tier_window)choice;
    }
    path_key(sub, path, "months");
    if (!(v = get(map, "months"))) {
        if (t->window == FDL_TIER_WINDOW_ROLLING)
            return fail(ld, FDL_EMISSING_FIELD, get_key(map, "window"), sub,
                        "a rolling window needs \"months\": its length, 1 to %d",
                        FDL_MAX_TIER_WINDOW_MONTHS);
        return 0;
    }
    if (t->window != FDL_TIER_WINDOW_ROLLING)
        return fail(ld, FDL_EINVALID, get_key(map, "months"), sub,
                    "\"months\" applies only to window: rolling (a calendar year is 12)");
    int64_t months;
    if ((rc = get_int(ld, v, sub, 1, FDL_MAX_TIER_WINDOW_MONTHS, &months)))
        return rc;
    t->window_months = (int)months;
    return 0;
}

static int load_tiers(struct loader *ld, const struct ynode *map, const char *path)
{
    static const char *const keys[] = {"basis",     "window",       "months",
                                       "downgrade", "grace_months", "levels"};
    struct fdl_tier_def *t = &ld->def->tiers;
    char sub[PATH_MAX_BYTES];
    const struct ynode *v;
    int rc = check_keys(ld, map, path, keys, sizeof(keys) / sizeof(*keys));
    if (rc)
        return rc;
    int choice;
    if (!(v = get(map, "basis")))
        return missing(ld, map, path, "basis");
    path_key(sub, path, "basis");
    if ((rc = get_enum(ld, v, sub, tier_basis_names, "spend, points or visits", &choice)))
        return rc;
    t->basis = (enum fdl_tier_basis)choice;
    if ((rc = load_tier_window(ld, map, path)))
        return rc;
    if ((v = get(map, "downgrade"))) {
        path_key(sub, path, "downgrade");
        if ((rc = get_enum(ld, v, sub, tier_downgrade_names, "one-level or to-qualified",
                           &choice)))
            return rc;
        t->downgrade = (enum fdl_tier_downgrade)choice;
    }
    if ((v = get(map, "grace_months"))) {
        int64_t grace;
        path_key(sub, path, "grace_months");
        if ((rc = get_int(ld, v, sub, 0, FDL_MAX_TIER_GRACE_MONTHS, &grace)))
            return rc;
        t->grace_months = (int)grace;
    }
    if (!(v = get(map, "levels")))
        return missing(ld, map, path, "levels");
    path_key(sub, path, "levels");
    if ((rc = load_tier_levels(ld, v, sub)))
        return rc;
    t->enabled = 1;
    return 0;
}

/*
 * With a tiers section, every name in a rule's tiers list must be one of
 * its levels (a misspelt level would silently never match). list is the
 * list as written, so errors point at the entry.
 */
static int check_rule_tiers(struct loader *ld, const struct ynode *list, const char *path)
{
    const struct fdl_tier_def *t = &ld->def->tiers;
    if (!t->enabled)
        return 0;
    size_t i = 0;
    for (const struct ynode *e = list->first; e; e = e->next, i++) {
        if (fdl_tier_index(t, e->text) >= 0)
            continue;
        char names[FDL_ERROR_MESSAGE_MAX] = "", q[48], sub[PATH_MAX_BYTES];
        size_t used = 0;
        for (size_t j = 0; j < t->n_levels && used < sizeof(names); j++) {
            int n = snprintf(names + used, sizeof(names) - used, "%s%s", j ? ", " : "",
                             t->levels[j].name);
            used += n > 0 ? (size_t)n : 0;
        }
        quote(e, q);
        path_index(sub, path, i);
        return fail(ld, FDL_EINVALID, e, sub,
                    "\"%s\" is not a level in tiers.levels (%s)", q, names);
    }
    return 0;
}

/* ---- section: partners (coalitions) ---- */

static int valid_rule_id(const char *s);

static int load_partner(struct loader *ld, const struct ynode *map, const char *path,
                        struct fdl_partner_def *parts, size_t index)
{
    static const char *const keys[] = {"id", "name", "stores", "settlement_rate"};
    struct fdl_partner_def *pt = &parts[index];
    char sub[PATH_MAX_BYTES];
    const struct ynode *v;
    int rc = check_keys(ld, map, path, keys, sizeof(keys) / sizeof(*keys));
    if (rc)
        return rc;
    for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++)
        if (!get(map, keys[i]))
            return missing(ld, map, path, keys[i]);
    path_key(sub, path, "id");
    v = get(map, "id");
    if ((rc = get_text_into(ld, v, sub, 1, pt->id, sizeof(pt->id))))
        return rc;
    if (!valid_rule_id(pt->id))
        return fail(ld, FDL_EINVALID, v, sub,
                    "a partner id has only letters, digits, '-', '_' and '.'");
    for (size_t i = 0; i < index; i++)
        if (strcmp(parts[i].id, pt->id) == 0)
            return fail(ld, FDL_EINVALID, v, sub,
                        "partner id \"%s\" is already used by partners[%zu]", pt->id, i);
    path_key(sub, path, "name");
    if ((rc = get_text(ld, get(map, "name"), sub, 1, FDL_PARTNER_NAME_MAX, 0, &pt->name)))
        return rc;
    path_key(sub, path, "stores");
    v = get(map, "stores");
    if ((rc = get_set(ld, v, sub, &pt->stores)))
        return rc;
    for (size_t k = 0; k < pt->stores.n; k++)
        for (size_t i = 0; i < index; i++)
            for (size_t j = 0; j < parts[i].stores.n; j++)
                if (strcmp(parts[i].stores.items[j], pt->stores.items[k]) == 0)
                    return fail(ld, FDL_EINVALID, v, sub,
                                "store \"%s\" already belongs to partner \"%s\"",
                                pt->stores.items[k], parts[i].id);
    path_key(sub, path, "settlement_rate");
    v = get(map, "settlement_rate");
    if ((rc = need_scalar(ld, v, sub, "a decimal number like 0.008")))
        return rc;
    char text[FDL_RATE_TEXT_MAX];
    struct fdl_error perr;
    memset(&perr, 0, sizeof(perr));
    if (v->len >= sizeof(text) || v->style != YAML_PLAIN_SCALAR_STYLE)
        return not_a_number(ld, v, sub, "a decimal number like 0.008");
    memcpy(text, v->text, v->len);
    text[v->len] = 0;
    if (fdl_rate_parse(text, "settlement_rate", &pt->settlement_rate, &perr))
        return fail(ld, FDL_EINVALID, v, sub,
                    "must be a decimal number of money per point above 0, like 0.008");
    if (pt->settlement_rate >= FDL_PARTNER_MAX_RATE * FDL_RATE_SCALE)
        return fail(ld, FDL_ERANGE, v, sub, "must be below %d per point",
                    FDL_PARTNER_MAX_RATE);
    return 0;
}

/* partners: the coalition's merchants (rules.h struct fdl_partner_def). */
static int load_partners(struct loader *ld, const struct ynode *list, const char *path)
{
    if (list->kind != YNODE_LIST)
        return fail(ld, FDL_EFIELD_TYPE, list, path, "must be a list of partners, not %s",
                    kind_name(list));
    if (list->count == 0)
        return fail(ld, FDL_EINVALID, list, path, "must not be empty");
    if (list->count > FDL_MAX_PARTNERS)
        return fail(ld, FDL_ERANGE, list, path, "a program has at most %d partners",
                    FDL_MAX_PARTNERS);
    struct fdl_partner_def *parts = arena_alloc(ld->keep, list->count * sizeof(*parts));
    if (!parts)
        return nomem(ld);
    memset(parts, 0, list->count * sizeof(*parts));
    size_t i = 0;
    for (const struct ynode *e = list->first; e; e = e->next, i++) {
        char sub[PATH_MAX_BYTES];
        path_index(sub, path, i);
        if (e->kind != YNODE_MAPPING)
            return fail(ld, FDL_EFIELD_TYPE, e, sub, "must be a mapping, not %s",
                        kind_name(e));
        int rc = load_partner(ld, e, sub, parts, i);
        if (rc)
            return rc;
    }
    ld->def->partners = parts;
    ld->def->n_partners = list->count;
    return 0;
}

/* ---- section: earn ---- */

static const char *const rule_keys[] = {
    "id",       "description", "rate",     "multiplier", "bonus",      "on",
    "per",      "event",       "skus",     "categories", "labels",     "exclude",
    "when",     "when_line",   "weekdays", "hours",      "valid_from", "valid_until",
    "stores",   "channels",    "tiers",    "min_spend",  "cap",        "stop",
    "segments", "partners",
};

static const char *const basis_names[] = {"net", "gross", NULL};
static const char *const per_names[] = {"purchase", "line", "unit", NULL};
static const char *const event_names[] = {"none", "first_purchase", "birthday", "signup",
                                          NULL};
static const char *const weekday_names[] = {"mon", "tue", "wed", "thu",
                                            "fri", "sat", "sun", NULL};

static int valid_rule_id(const char *s)
{
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

/* "HH:MM" at s (5 bytes) as minutes; until allows 24:00. Returns -1 if bad. */
static int parse_clock(const char *s, int allow_24)
{
    for (int i = 0; i < 5; i++)
        if (i == 2 ? s[i] != ':' : (s[i] < '0' || s[i] > '9'))
            return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && (m != 0 || !allow_24)))
        return -1;
    return h * 60 + m;
}

static int load_hours(struct loader *ld, const struct ynode *v, const char *path,
                      struct fdl_rule *r)
{
    int rc = need_scalar(ld, v, path, "a time window like \"07:00-11:00\"");
    if (rc)
        return rc;
    int from = -1, until = -1;
    if (v->len == 11 && v->text[5] == '-') {
        from = parse_clock(v->text, 0);
        until = parse_clock(v->text + 6, 1);
    }
    if (from < 0 || until < 0) {
        char q[48];
        quote(v, q);
        return fail(ld, FDL_EINVALID, v, path,
                    "must be a local time window like \"07:00-11:00\", not \"%s\"", q);
    }
    if (from == until)
        return fail(ld, FDL_EINVALID, v, path, "is an empty window");
    r->has_hours = 1;
    r->hours_from_min = from;
    r->hours_until_min = until;
    return 0;
}

static int load_weekdays(struct loader *ld, const struct ynode *v, const char *path,
                         struct fdl_rule *r)
{
    if (v->kind != YNODE_LIST)
        return fail(ld, FDL_EFIELD_TYPE, v, path,
                    "must be a list like [sat, sun], not %s", kind_name(v));
    if (v->count == 0)
        return fail(ld, FDL_EINVALID, v, path, "must not be empty");
    size_t i = 0;
    for (const struct ynode *e = v->first; e; e = e->next, i++) {
        char sub[PATH_MAX_BYTES];
        int day, rc;
        path_index(sub, path, i);
        if ((rc = get_enum(ld, e, sub, weekday_names,
                           "mon, tue, wed, thu, fri, sat or sun", &day)))
            return rc;
        if (r->weekdays_mask & (1u << day))
            return fail(ld, FDL_EINVALID, e, sub, "%s is listed twice",
                        weekday_names[day]);
        r->weekdays_mask |= 1u << day;
    }
    return 0;
}

static int load_exclude(struct loader *ld, const struct ynode *map, const char *path,
                        struct fdl_rule *r)
{
    static const char *const keys[] = {"skus", "categories", "labels"};
    struct fdl_string_set *sets[] = {&r->exclude_skus, &r->exclude_categories,
                                     &r->exclude_labels};
    int rc = check_keys(ld, map, path, keys, 3);
    if (rc)
        return rc;
    if (map->count == 0)
        return fail(ld, FDL_EINVALID, map, path, "must name skus, categories or labels");
    for (size_t i = 0; i < 3; i++) {
        const struct ynode *v = get(map, keys[i]);
        char sub[PATH_MAX_BYTES];
        path_key(sub, path, keys[i]);
        if (v && (rc = get_set(ld, v, sub, sets[i])))
            return rc;
    }
    return 0;
}

/* Map offset `at` inside a condition's text to its line and column in the file. */
static void expr_position(const struct ynode *v, size_t at, int *line, int *column)
{
    *line = v->line;
    *column = v->column;
    int quoted = v->style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                 v->style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    if (!v->single_line || !(quoted || v->style == YAML_PLAIN_SCALAR_STYLE))
        return; /* block or folded text: the condition's start is the best we know */
    int col = v->column + (quoted ? 1 : 0);
    for (size_t i = 0; i < at && i < v->len; i++)
        if (((unsigned char)v->text[i] & 0xc0) != 0x80)
            col++;
    *column = col;
}

/*
 * Compiles a `when:` (line_level 0: purchase variables only) or
 * `when_line:` condition, moving the compiler's "column N" (a byte offset
 * in the condition) to the line and column in the file.
 */
static int load_condition(struct loader *ld, const struct ynode *v, const char *path,
                          int line_level, struct fdl_expr **out)
{
    const char *text;
    int rc = get_text(ld, v, path, 1, FDL_EXPR_MAX_LEN, 1, &text);
    if (rc)
        return rc;
    size_t n_purchase, n_all;
    const struct fdl_expr_var *vars = fdl_rules_variables(&n_purchase, &n_all);
    struct fdl_error e;
    fdl_error_clear(&e);
    rc = fdl_expr_compile(text, vars, line_level ? n_all : n_purchase, ld->minor_per_unit,
                          FDL_EXPR_BOOL, path, out, &e);
    if (rc == FDL_ENOMEM)
        return nomem(ld);
    if (rc == 0)
        return 0;
    int offset = 1, used = 0;
    if (sscanf(e.message, "column %d: %n", &offset, &used) != 1 || used == 0 ||
        offset < 1)
        offset = 1;
    int line, column;
    expr_position(v, (size_t)offset - 1, &line, &column);
    if (!line_level) {
        /* Would it compile with the line variables? Then say where they belong. */
        struct fdl_expr *probe = NULL;
        if (fdl_expr_compile(text, vars, n_all, ld->minor_per_unit, FDL_EXPR_BOOL, path,
                             &probe, NULL) == 0) {
            fdl_expr_free(probe);
            return fail_at(ld, FDL_EINVALID, line, column, path,
                           "line.* variables are allowed only in when_line");
        }
    }
    return fail_at(ld, FDL_EINVALID, line, column, path, "%s", e.message + used);
}

/* The points-giving part: exactly one of rate, multiplier, bonus. */
static int load_rule_kind(struct loader *ld, const struct ynode *map, const char *path,
                          struct fdl_rule *r, int has_rate_before)
{
    static const char *const kinds[] = {"rate", "multiplier", "bonus"};
    const struct ynode *found = NULL;
    int kind = -1, rc = 0;
    char sub[PATH_MAX_BYTES];
    for (int i = 0; i < 3; i++) {
        const struct ynode *k = get_key(map, kinds[i]);
        if (!k)
            continue;
        if (found) {
            path_key(sub, path, kinds[i]);
            return fail(ld, FDL_EINVALID, k, sub,
                        "a rule has one of rate, multiplier or bonus, not both %s and %s",
                        kinds[kind], kinds[i]);
        }
        found = k;
        kind = i;
    }
    if (!found)
        return fail(ld, FDL_EMISSING_FIELD, map, path,
                    "a rule needs one of rate, multiplier or bonus");
    r->kind = (enum fdl_rule_kind)kind;
    path_key(sub, path, kinds[kind]);
    const struct ynode *v = found->next;
    switch (r->kind) {
    case FDL_RULE_RATE:
        rc = get_decimal(ld, v, sub, 3, "a rate", 0, FDL_MAX_RULE_RATE_MILLI,
                         &r->rate_milli);
        if (rc == 0 && r->rate_milli == 0)
            rc = fail(ld, FDL_ERANGE, v, sub, "must be more than 0");
        break;
    case FDL_RULE_MULTIPLIER:
        rc = get_decimal(ld, v, sub, 2, "a multiplier", 0, FDL_MAX_RULE_MULTIPLIER_CENTI,
                         &r->multiplier_centi);
        if (rc == 0 && r->multiplier_centi <= 100)
            rc = fail(ld, FDL_ERANGE, v, sub, "must be more than 1");
        if (rc == 0 && !has_rate_before)
            rc = fail(ld, FDL_EINVALID, v, sub,
                      "a multiplier multiplies the points of a rate rule before it; "
                      "there is none");
        break;
    case FDL_RULE_BONUS:
        rc = get_int(ld, v, sub, 1, FDL_MAX_POINTS, &r->bonus_points);
        break;
    }
    if (rc)
        return rc;
    if ((v = get(map, "on"))) {
        path_key(sub, path, "on");
        if (r->kind != FDL_RULE_RATE)
            return fail(ld, FDL_EINVALID, get_key(map, "on"), sub,
                        "\"on\" applies only to rate rules");
        int basis;
        if ((rc = get_enum(ld, v, sub, basis_names, "net or gross", &basis)))
            return rc;
        r->basis = (enum fdl_rule_basis)basis;
    }
    if ((v = get(map, "per"))) {
        path_key(sub, path, "per");
        if (r->kind != FDL_RULE_BONUS)
            return fail(ld, FDL_EINVALID, get_key(map, "per"), sub,
                        "\"per\" applies only to bonus rules");
        int per;
        if ((rc = get_enum(ld, v, sub, per_names, "purchase, line or unit", &per)))
            return rc;
        r->per = (enum fdl_rule_per)per;
    }
    return 0;
}

/*
 * partners: [ids] narrows the rule to the partners' stores: it becomes the
 * set of their stores (intersected with the rule's own stores: list, if
 * any). An unknown partner, or an empty intersection, is an error.
 */
static int rule_partners(struct loader *ld, const struct ynode *v, const char *path,
                         struct fdl_rule *r)
{
    struct fdl_string_set ids;
    int rc = get_set(ld, v, path, &ids);
    if (rc)
        return rc;
    const struct fdl_program_def *def = ld->def;
    size_t total = 0;
    for (size_t i = 0; i < ids.n; i++) {
        size_t j = 0;
        while (j < def->n_partners && strcmp(def->partners[j].id, ids.items[i]) != 0)
            j++;
        if (j == def->n_partners)
            return fail(ld, FDL_EINVALID, v, path,
                        "\"%s\" is not a partner of the partners: section", ids.items[i]);
        total += def->partners[j].stores.n;
    }
    const char **items = arena_alloc(ld->keep, (total + 1) * sizeof(*items));
    if (!items)
        return nomem(ld);
    size_t n = 0;
    for (size_t j = 0; j < def->n_partners; j++) {
        int chosen = 0;
        for (size_t i = 0; i < ids.n; i++)
            chosen |= strcmp(def->partners[j].id, ids.items[i]) == 0;
        for (size_t k = 0; chosen && k < def->partners[j].stores.n; k++) {
            const char *code = def->partners[j].stores.items[k];
            int keep = r->stores.n == 0;
            for (size_t m = 0; m < r->stores.n; m++)
                keep |= strcmp(r->stores.items[m], code) == 0;
            if (keep)
                items[n++] = code;
        }
    }
    if (n == 0)
        return fail(ld, FDL_EINVALID, v, path,
                    "none of these partners' stores is in the rule's stores");
    qsort(items, n, sizeof(*items), compare_strings);
    r->stores.items = items;
    r->stores.n = n;
    return 0;
}

/* The filters: which purchases and lines the rule applies to. */
static int load_rule_filters(struct loader *ld, const struct ynode *map, const char *path,
                             struct fdl_rule *r)
{
    static const char *const set_keys[] = {"skus",     "categories", "labels",  "stores",
                                           "channels", "tiers",      "segments"};
    struct fdl_string_set *sets[] = {&r->skus,    &r->categories, &r->labels,
                                     &r->stores,  &r->channels,   &r->tiers,
                                     &r->segments};
    char sub[PATH_MAX_BYTES];
    const struct ynode *v;
    int rc;
    for (size_t i = 0; i < sizeof(sets) / sizeof(*sets); i++) {
        path_key(sub, path, set_keys[i]);
        if ((v = get(map, set_keys[i])) && (rc = get_set(ld, v, sub, sets[i])))
            return rc;
    }
    path_key(sub, path, "tiers");
    if ((v = get(map, "tiers")) && (rc = check_rule_tiers(ld, v, sub)))
        return rc;
    path_key(sub, path, "partners");
    if ((v = get(map, "partners")) && (rc = rule_partners(ld, v, sub, r)))
        return rc;
    path_key(sub, path, "exclude");
    if ((v = get(map, "exclude")) && (rc = load_exclude(ld, v, sub, r)))
        return rc;
    path_key(sub, path, "event");
    if ((v = get(map, "event"))) {
        int event;
        if ((rc = get_enum(ld, v, sub, event_names + 1,
                           "first_purchase, birthday or signup", &event)))
            return rc;
        r->event = (enum fdl_rule_event)(event + 1);
    }
    path_key(sub, path, "weekdays");
    if ((v = get(map, "weekdays")) && (rc = load_weekdays(ld, v, sub, r)))
        return rc;
    path_key(sub, path, "hours");
    if ((v = get(map, "hours")) && (rc = load_hours(ld, v, sub, r)))
        return rc;
    if ((rc = get_date_window(ld, map, path, &r->valid_from_day, &r->has_valid_from,
                              &r->valid_until_day, &r->has_valid_until)))
        return rc;
    path_key(sub, path, "min_spend");
    if ((v = get(map, "min_spend")) &&
        (rc = get_money(ld, v, sub, 0, FDL_MAX_UNIT_PRICE_MINOR * 1000,
                        &r->min_spend_minor)))
        return rc;
    path_key(sub, path, "cap");
    if ((v = get(map, "cap")) &&
        (rc = get_int(ld, v, sub, 1, FDL_MAX_POINTS, &r->cap_points)))
        return rc;
    path_key(sub, path, "stop");
    if ((v = get(map, "stop")) && (rc = get_bool(ld, v, sub, &r->stop)))
        return rc;
    path_key(sub, path, "when");
    if ((v = get(map, "when")) && (rc = load_condition(ld, v, sub, 0, &r->when)))
        return rc;
    path_key(sub, path, "when_line");
    if ((v = get(map, "when_line")) &&
        (rc = load_condition(ld, v, sub, 1, &r->when_line)))
        return rc;
    return 0;
}

/*
 * A sign-up rule gives a bonus when a member joins: there is no basket,
 * store or time of day, so only its id, description, bonus, date window,
 * cap and stop mean anything, and any other key is an error.
 */
static int check_signup_rule(struct loader *ld, const struct ynode *map, const char *path,
                             const struct fdl_rule *r)
{
    static const char *const allowed[] = {"id",         "description", "bonus", "event",
                                          "valid_from", "valid_until", "cap",   "stop"};
    char sub[PATH_MAX_BYTES];
    if (r->kind != FDL_RULE_BONUS) {
        path_key(sub, path, "event");
        return fail(ld, FDL_EINVALID, get(map, "event"), sub,
                    "a signup rule gives a bonus (no rate or multiplier)");
    }
    for (const struct ynode *k = map->first; k; k = k->next->next) {
        int ok = 0;
        for (size_t j = 0; j < sizeof(allowed) / sizeof(*allowed); j++)
            ok |= strcmp(k->text, allowed[j]) == 0;
        if (!ok) {
            path_key(sub, path, k->text);
            return fail(ld, FDL_EINVALID, k, sub,
                        "a signup rule is given at enrolment, without a purchase: "
                        "\"%s\" does not apply to it",
                        k->text);
        }
    }
    return 0;
}

static int load_rule(struct loader *ld, const struct ynode *map, const char *path,
                     struct fdl_rule *rules, size_t index)
{
    struct fdl_rule *r = &rules[index];
    char sub[PATH_MAX_BYTES];
    const struct ynode *v;
    int rc = check_keys(ld, map, path, rule_keys, sizeof(rule_keys) / sizeof(*rule_keys));
    if (rc)
        return rc;
    memset(r, 0, sizeof(*r));
    r->line = map->line;
    r->description = "";
    if (!(v = get(map, "id")))
        return missing(ld, map, path, "id");
    path_key(sub, path, "id");
    if ((rc = get_text_into(ld, v, sub, 1, r->id, sizeof(r->id))))
        return rc;
    if (!valid_rule_id(r->id))
        return fail(ld, FDL_EINVALID, v, sub,
                    "a rule id has only letters, digits, '-', '_' and '.'");
    int has_rate_before = 0;
    for (size_t i = 0; i < index; i++) {
        if (strcmp(rules[i].id, r->id) == 0)
            return fail(ld, FDL_EINVALID, v, sub,
                        "rule id \"%s\" is already used by earn[%zu]", r->id, i);
        has_rate_before |= rules[i].kind == FDL_RULE_RATE;
    }
    path_key(sub, path, "description");
    if ((v = get(map, "description")) &&
        (rc = get_text(ld, v, sub, 1, FDL_RULE_TEXT_MAX, 1, &r->description)))
        return rc;
    if ((rc = load_rule_kind(ld, map, path, r, has_rate_before)))
        return rc;
    if ((rc = load_rule_filters(ld, map, path, r)))
        return rc;
    return r->event == FDL_EVENT_SIGNUP ? check_signup_rule(ld, map, path, r) : 0;
}

static int load_earn(struct loader *ld, const struct ynode *list, const char *path)
{
    if (list->kind != YNODE_LIST)
        return fail(ld, FDL_EFIELD_TYPE, list, path, "must be a list of rules, not %s",
                    kind_name(list));
    if (list->count > FDL_MAX_RULES) {
        const struct ynode *e = list->first;
        for (int i = 0; i < FDL_MAX_RULES; i++)
            e = e->next;
        char sub[PATH_MAX_BYTES];
        path_index(sub, path, FDL_MAX_RULES);
        return fail(ld, FDL_ERANGE, e, sub, "a program has at most %d earn rules",
                    FDL_MAX_RULES);
    }
    struct fdl_rule *rules = arena_alloc(ld->keep, (list->count + 1) * sizeof(*rules));
    if (!rules)
        return nomem(ld);
    memset(rules, 0, (list->count + 1) * sizeof(*rules));
    ld->def->rules = rules;
    size_t i = 0;
    for (const struct ynode *e = list->first; e; e = e->next, i++) {
        char sub[PATH_MAX_BYTES];
        path_index(sub, path, i);
        int rc = load_rule(ld, e, sub, rules, i);
        ld->def->n_rules = i + 1; /* so a failure frees this rule's conditions too */
        if (rc)
            return rc;
    }
    ld->def->n_rules = list->count;
    return 0;
}

/* ---- section: membership ---- */

#include "engine/stored_value.h"

/* membership: a paid membership year with cashback (engine/stored_value.h). */
static int load_membership(struct loader *ld, const struct ynode *map, const char *path)
{
    static const char *const keys[] = {"name", "fee", "cashback_percent", "cashback_cap",
                                       "advisor"};
    struct fdl_membership_def *m = &ld->def->membership;
    char sub[PATH_MAX_BYTES];
    const struct ynode *v;
    int rc = check_keys(ld, map, path, keys, sizeof(keys) / sizeof(*keys));
    if (rc)
        return rc;
    static const char *const required[] = {"fee", "cashback_percent", "cashback_cap"};
    for (size_t i = 0; i < sizeof(required) / sizeof(*required); i++)
        if (!get(map, required[i]))
            return missing(ld, map, path, required[i]);
    snprintf(m->name, sizeof(m->name), "Membership");
    if ((v = get(map, "name"))) {
        const char *name;
        path_key(sub, path, "name");
        if ((rc = get_text(ld, v, sub, 1, FDL_MEMBERSHIP_NAME_MAX, 0, &name)))
            return rc;
        snprintf(m->name, sizeof(m->name), "%s", name);
    }
    path_key(sub, path, "fee");
    if ((rc = get_money(ld, get(map, "fee"), sub, 0, FDL_MEMBERSHIP_MAX_FEE_MINOR,
                        &m->fee_minor)))
        return rc;
    path_key(sub, path, "cashback_percent");
    v = get(map, "cashback_percent");
    if ((rc = get_decimal(ld, v, sub, 2, "a percentage", 0, FDL_MEMBERSHIP_MAX_BP,
                          &m->cashback_bp)))
        return rc;
    if (m->cashback_bp == 0)
        return fail(ld, FDL_ERANGE, v, sub, "must be more than 0");
    path_key(sub, path, "cashback_cap");
    v = get(map, "cashback_cap");
    if ((rc = get_money(ld, v, sub, 0, FDL_MEMBERSHIP_MAX_CAP_MINOR, &m->cap_minor)))
        return rc;
    if (m->cap_minor == 0)
        return fail(ld, FDL_ERANGE, v, sub, "must be more than 0");
    if ((v = get(map, "advisor"))) {
        path_key(sub, path, "advisor");
        if ((rc = get_bool(ld, v, sub, &m->advisor)))
            return rc;
    }
    m->enabled = 1;
    return 0;
}

/* ---- section: stamps ---- */

static const char *const stamp_per_names[] = {"item", "visit", NULL};

/* reward: exactly one of free_item (with valid_days) or points. */
static int load_stamp_reward(struct loader *ld, const struct ynode *map, const char *path,
                             struct fdl_stamp_card_def *c)
{
    static const char *const keys[] = {"free_item", "points", "valid_days"};
    char sub[PATH_MAX_BYTES];
    const struct ynode *v, *free_item = get_key(map, "free_item");
    int rc = check_keys(ld, map, path, keys, sizeof(keys) / sizeof(*keys));
    if (rc)
        return rc;
    const struct ynode *points = get_key(map, "points");
    if (free_item && points)
        return fail(ld, FDL_EINVALID, points, path,
                    "a reward is either free_item or points, not both");
    if (!free_item && !points)
        return fail(ld, FDL_EMISSING_FIELD, map, path,
                    "a reward needs free_item (a list of skus) or points");
    c->valid_days = FDL_DEFAULT_STAMP_VALID_DAYS;
    if (points) {
        c->reward = FDL_STAMP_REWARD_POINTS;
        path_key(sub, path, "points");
        if ((rc = get_int(ld, points->next, sub, 1, FDL_MAX_STAMP_REWARD_POINTS,
                          &c->reward_points)))
            return rc;
        if ((v = get_key(map, "valid_days"))) {
            path_key(sub, path, "valid_days");
            return fail(ld, FDL_EINVALID, v, sub,
                        "valid_days applies only to a free_item voucher");
        }
        return 0;
    }
    c->reward = FDL_STAMP_REWARD_FREE_ITEM;
    path_key(sub, path, "free_item");
    if ((rc = get_set(ld, free_item->next, sub, &c->free_items)))
        return rc;
    if (c->free_items.n > FDL_MAX_STAMP_FREE_ITEMS)
        return fail(ld, FDL_ERANGE, free_item->next, sub, "has more than %d skus",
                    FDL_MAX_STAMP_FREE_ITEMS);
    path_key(sub, path, "valid_days");
    if ((v = get(map, "valid_days")) &&
        (rc = get_int(ld, v, sub, 1, FDL_MAX_STAMP_VALID_DAYS, &c->valid_days)))
        return rc;
    return 0;
}

/* stamps[index]: one card. */
static int load_stamp_card(struct loader *ld, const struct ynode *map, const char *path,
                           struct fdl_stamp_card_def *cards, size_t index)
{
    static const char *const keys[] = {"id",          "name",      "goal",
                                       "per",         "skus",      "categories",
                                       "labels",      "min_spend", "max_per_purchase",
                                       "expiry_days", "reward"};
    struct fdl_stamp_card_def *c = &cards[index];
    char sub[PATH_MAX_BYTES];
    const struct ynode *v;
    int rc = check_keys(ld, map, path, keys, sizeof(keys) / sizeof(*keys));
    if (rc)
        return rc;
    if (!(v = get(map, "id")))
        return missing(ld, map, path, "id");
    path_key(sub, path, "id");
    if ((rc = get_text_into(ld, v, sub, 1, c->id, sizeof(c->id))))
        return rc;
    if (!valid_rule_id(c->id))
        return fail(ld, FDL_EINVALID, v, sub,
                    "a card id has only letters, digits, '-', '_' and '.'");
    for (size_t i = 0; i < index; i++)
        if (strcmp(cards[i].id, c->id) == 0)
            return fail(ld, FDL_EINVALID, v, sub,
                        "card id \"%s\" is already used by stamps[%zu]", c->id, i);
    if (!(v = get(map, "name")))
        return missing(ld, map, path, "name");
    path_key(sub, path, "name");
    if ((rc = get_text_into(ld, v, sub, 1, c->name, sizeof(c->name))))
        return rc;
    if (!(v = get(map, "goal")))
        return missing(ld, map, path, "goal");
    path_key(sub, path, "goal");
    if ((rc = get_int(ld, v, sub, 2, FDL_MAX_STAMP_GOAL, &c->goal)))
        return rc;
    int per = 0;
    path_key(sub, path, "per");
    if ((v = get(map, "per")) &&
        (rc = get_enum(ld, v, sub, stamp_per_names, "item or visit", &per)))
        return rc;
    c->per = (enum fdl_stamp_per)per;
    static const char *const set_keys[] = {"skus", "categories", "labels"};
    struct fdl_string_set *sets[] = {&c->skus, &c->categories, &c->labels};
    for (size_t i = 0; i < 3; i++) {
        path_key(sub, path, set_keys[i]);
        if ((v = get(map, set_keys[i])) && (rc = get_set(ld, v, sub, sets[i])))
            return rc;
    }
    path_key(sub, path, "min_spend");
    if ((v = get(map, "min_spend")) &&
        (rc = get_money(ld, v, sub, 0, FDL_MAX_UNIT_PRICE_MINOR * 1000,
                        &c->min_spend_minor)))
        return rc;
    path_key(sub, path, "max_per_purchase");
    if ((v = get(map, "max_per_purchase")) &&
        (rc = get_int(ld, v, sub, 1, FDL_MAX_STAMPS_PER_PURCHASE, &c->max_per_purchase)))
        return rc;
    path_key(sub, path, "expiry_days");
    if ((v = get(map, "expiry_days")) &&
        (rc = get_int(ld, v, sub, 1, FDL_MAX_STAMP_EXPIRY_DAYS, &c->expiry_days)))
        return rc;
    if (!(v = get(map, "reward")))
        return missing(ld, map, path, "reward");
    path_key(sub, path, "reward");
    return load_stamp_reward(ld, v, sub, c);
}

static int load_stamps(struct loader *ld, const struct ynode *list, const char *path)
{
    if (list->kind != YNODE_LIST)
        return fail(ld, FDL_EFIELD_TYPE, list, path, "must be a list of cards, not %s",
                    kind_name(list));
    char sub[PATH_MAX_BYTES];
    if (list->count > FDL_MAX_STAMP_CARDS) {
        const struct ynode *e = list->first;
        for (int i = 0; i < FDL_MAX_STAMP_CARDS; i++)
            e = e->next;
        path_index(sub, path, FDL_MAX_STAMP_CARDS);
        return fail(ld, FDL_ERANGE, e, sub, "a program has at most %d stamp cards",
                    FDL_MAX_STAMP_CARDS);
    }
    struct fdl_stamp_card_def *cards =
        arena_alloc(ld->keep, (list->count + 1) * sizeof(*cards));
    if (!cards)
        return nomem(ld);
    memset(cards, 0, (list->count + 1) * sizeof(*cards));
    size_t i = 0;
    for (const struct ynode *e = list->first; e; e = e->next, i++) {
        path_index(sub, path, i);
        int rc = load_stamp_card(ld, e, sub, cards, i);
        if (rc)
            return rc;
    }
    ld->def->stamp_cards = cards;
    ld->def->n_stamp_cards = list->count;
    return 0;
}

/* ---- the file ---- */

/* ---- section: launches (early access) ---- */

#include "engine/coupons.h"
#include "engine/rewards.h"

static const char *const reward_kind_names[] = {"discount",     "product", "merchandise",
                                                "early_access", "coupon",  NULL};
static const char *const reward_period_names[] = {"lifetime", "year", "month", NULL};

/* An id of 1..FDL_REWARD_ID_MAX bytes of [A-Za-z0-9._-] into buf. */
static int get_item_id(struct loader *ld, const struct ynode *v, const char *path,
                       char *buf, size_t cap)
{
    int rc = get_text_into(ld, v, path, 1, buf, cap);
    if (rc == 0 && !valid_rule_id(buf))
        rc = fail(ld, FDL_EINVALID, v, path,
                  "an id has only letters, digits, '-', '_' and '.'");
    return rc;
}

/* "YYYY-MM-DDTHH:MM", a local time, as local seconds. */
static int get_local_time(struct loader *ld, const struct ynode *n, const char *path,
                          int64_t *out_local_s)
{
    int rc = need_scalar(ld, n, path, "a local time YYYY-MM-DDTHH:MM");
    if (rc)
        return rc;
    char date[11];
    int64_t day;
    int minutes = -1;
    if (n->len == 16 && strlen(n->text) == 16 && n->text[10] == 'T') {
        memcpy(date, n->text, 10);
        date[10] = '\0';
        if (fdl_date_parse(date, &day) == 0)
            minutes = parse_clock(n->text + 11, 0);
    }
    if (minutes < 0) {
        char q[48];
        quote(n, q);
        return fail(ld, FDL_EINVALID, n, path,
                    "must be a local time YYYY-MM-DDTHH:MM, not \"%s\"", q);
    }
    *out_local_s = day * 86400 + (int64_t)minutes * 60;
    return 0;
}

/* early: a mapping of tier level -> days of head start. */
static int load_launch_early(struct loader *ld, const struct ynode *map, const char *path,
                             struct fdl_launch *l)
{
    const struct fdl_tier_def *t = &ld->def->tiers;
    if (map->kind != YNODE_MAPPING)
        return fail(ld, FDL_EFIELD_TYPE, map, path,
                    "must be a mapping of tier level to days, not %s", kind_name(map));
    if (!t->enabled)
        return fail(ld, FDL_EINVALID, map, path,
                    "early windows are given to tier levels: add a tiers section");
    if (map->count / 2 > FDL_MAX_TIER_LEVELS)
        return fail(ld, FDL_ERANGE, map, path, "at most %d levels", FDL_MAX_TIER_LEVELS);
    l->early = arena_alloc(ld->keep, (map->count / 2 + 1) * sizeof(*l->early));
    if (!l->early)
        return nomem(ld);
    for (const struct ynode *k = map->first; k; k = k->next->next) {
        char sub[PATH_MAX_BYTES], q[48];
        if (k->kind != YNODE_SCALAR)
            return fail(ld, FDL_EFIELD_TYPE, k, path, "keys must be level names, not %s",
                        kind_name(k));
        quote(k, q);
        path_key(sub, path, q);
        if (fdl_tier_index(t, k->text) < 0 || strlen(k->text) != k->len)
            return fail(ld, FDL_EINVALID, k, sub, "\"%s\" is not a level in tiers.levels",
                        q);
        for (size_t i = 0; i < l->n_early; i++)
            if (strcmp(l->early[i].tier, k->text) == 0)
                return fail(ld, FDL_EINVALID, k, sub, "level \"%s\" appears twice", q);
        int64_t days;
        int rc = get_int(ld, k->next, sub, 1, FDL_MAX_EARLY_DAYS, &days);
        if (rc)
            return rc;
        const char *name = arena_strndup(ld->keep, k->text, k->len);
        if (!name)
            return nomem(ld);
        l->early[l->n_early++] = (struct fdl_launch_early){name, (int)days};
    }
    return 0;
}

static int load_launch(struct loader *ld, const struct ynode *map, const char *path,
                       struct fdl_launch_list *list)
{
    static const char *const keys[] = {"id",         "name",     "skus",
                                       "categories", "opens_at", "early"};
    struct fdl_launch *l = &list->items[list->n];
    char sub[PATH_MAX_BYTES];
    const struct ynode *v;
    int rc = check_keys(ld, map, path, keys, sizeof(keys) / sizeof(*keys));
    if (rc)
        return rc;
    if (!(v = get(map, "id")))
        return missing(ld, map, path, "id");
    path_key(sub, path, "id");
    if ((rc = get_item_id(ld, v, sub, l->id, sizeof(l->id))))
        return rc;
    for (size_t i = 0; i < list->n; i++)
        if (strcmp(list->items[i].id, l->id) == 0)
            return fail(ld, FDL_EINVALID, v, sub,
                        "launch \"%s\" is already launches[%zu]", l->id, i);
    l->name = l->id;
    if ((v = get(map, "name"))) {
        path_key(sub, path, "name");
        if ((rc = get_text(ld, v, sub, 1, FDL_REWARD_NAME_MAX, 0, &l->name)))
            return rc;
    }
    if ((v = get(map, "skus"))) {
        path_key(sub, path, "skus");
        if ((rc = get_set(ld, v, sub, &l->skus)))
            return rc;
    }
    if ((v = get(map, "categories"))) {
        path_key(sub, path, "categories");
        if ((rc = get_set(ld, v, sub, &l->categories)))
            return rc;
    }
    if (!l->skus.n && !l->categories.n)
        return missing(ld, map, path, "skus");
    if (!(v = get(map, "opens_at")))
        return missing(ld, map, path, "opens_at");
    path_key(sub, path, "opens_at");
    if ((rc = get_local_time(ld, v, sub, &l->opens_local_s)))
        return rc;
    if ((v = get(map, "early"))) {
        path_key(sub, path, "early");
        if ((rc = load_launch_early(ld, v, sub, l)))
            return rc;
    }
    list->n++;
    return 0;
}

static int load_launches(struct loader *ld, const struct ynode *list, const char *path)
{
    if (list->kind != YNODE_LIST)
        return fail(ld, FDL_EFIELD_TYPE, list, path, "must be a list of launches, not %s",
                    kind_name(list));
    if (list->count > FDL_MAX_LAUNCHES)
        return fail(ld, FDL_ERANGE, list, path, "a program has at most %d launches",
                    FDL_MAX_LAUNCHES);
    struct fdl_launch_list *out = arena_alloc(ld->keep, sizeof(*out));
    struct fdl_launch *items = arena_alloc(ld->keep, (list->count + 1) * sizeof(*items));
    if (!out || !items)
        return nomem(ld);
    memset(items, 0, (list->count + 1) * sizeof(*items));
    *out = (struct fdl_launch_list){0, items};
    size_t i = 0;
    for (const struct ynode *e = list->first; e; e = e->next, i++) {
        char sub[PATH_MAX_BYTES];
        path_index(sub, path, i);
        int rc = load_launch(ld, e, sub, out);
        if (rc)
            return rc;
    }
    ld->def->launches = out;
    return 0;
}

/* ---- section: rewards ---- */

static const char *const reward_keys[] = {
    "id",    "name",       "kind",        "cost",       "sku",
    "value", "launch",     "stock",       "per_member", "per_member_period",
    "tiers", "valid_from", "valid_until", "campaign"};

/* The key only one kind takes: required for it, refused for the others. */
static int reward_kind_key(struct loader *ld, const struct ynode *map, const char *path,
                           const char *key, enum fdl_reward_kind owner,
                           enum fdl_reward_kind kind)
{
    const struct ynode *k = get_key(map, key);
    char sub[PATH_MAX_BYTES];
    path_key(sub, path, key);
    if (kind == owner && !k)
        return fail(ld, FDL_EMISSING_FIELD, get_key(map, "kind"), sub,
                    "a reward of kind %s needs \"%s\"", fdl_reward_kind_name(owner), key);
    if (kind != owner && k)
        return fail(ld, FDL_EINVALID, k, sub, "\"%s\" is only for rewards of kind %s",
                    key, fdl_reward_kind_name(owner));
    return 0;
}

static int load_reward_kind(struct loader *ld, const struct ynode *map, const char *path,
                            struct fdl_reward *r)
{
    char sub[PATH_MAX_BYTES];
    const struct ynode *v;
    int rc, choice;
    if (!(v = get(map, "kind")))
        return missing(ld, map, path, "kind");
    path_key(sub, path, "kind");
    if ((rc =
             get_enum(ld, v, sub, reward_kind_names,
                      "discount, product, merchandise, early_access or coupon", &choice)))
        return rc;
    r->kind = (enum fdl_reward_kind)choice;
    if ((rc = reward_kind_key(ld, map, path, "sku", FDL_REWARD_PRODUCT, r->kind)) ||
        (rc = reward_kind_key(ld, map, path, "value", FDL_REWARD_DISCOUNT, r->kind)) ||
        (rc = reward_kind_key(ld, map, path, "launch", FDL_REWARD_EARLY_ACCESS,
                              r->kind)) ||
        (rc = reward_kind_key(ld, map, path, "campaign", FDL_REWARD_COUPON, r->kind)))
        return rc;
    if ((v = get(map, "campaign"))) {
        path_key(sub, path, "campaign");
        if ((rc = get_text(ld, v, sub, 1, FDL_RULE_ID_MAX, 0, &r->campaign)))
            return rc;
        size_t i = 0;
        while (i < ld->def->n_coupons && strcmp(ld->def->coupons[i].id, r->campaign) != 0)
            i++;
        if (i == ld->def->n_coupons)
            return fail(ld, FDL_EINVALID, v, sub, "\"%s\" is not a campaign in coupons",
                        r->campaign);
        if (!ld->def->coupons[i].single_use)
            return fail(ld, FDL_EINVALID, v, sub,
                        "\"%s\" has a generic code; a reward gives a single_use "
                        "campaign's code",
                        r->campaign);
    }
    if ((v = get(map, "sku"))) {
        path_key(sub, path, "sku");
        if ((rc = get_text(ld, v, sub, 1, FDL_MAX_ID_LEN, 0, &r->sku)))
            return rc;
    }
    if ((v = get(map, "value"))) {
        path_key(sub, path, "value");
        if ((rc = get_money(ld, v, sub, 1, FDL_MAX_UNIT_PRICE_MINOR, &r->value_minor)))
            return rc;
    }
    if ((v = get(map, "launch"))) {
        path_key(sub, path, "launch");
        if ((rc = get_text(ld, v, sub, 1, FDL_REWARD_ID_MAX, 0, &r->launch)))
            return rc;
        const struct fdl_launch_list *ls = ld->def->launches;
        size_t i = 0;
        while (ls && i < ls->n && strcmp(ls->items[i].id, r->launch) != 0)
            i++;
        if (!ls || i == ls->n)
            return fail(ld, FDL_EINVALID, v, sub, "\"%s\" is not a launch in launches",
                        r->launch);
    }
    return 0;
}

static int load_reward_limits(struct loader *ld, const struct ynode *map,
                              const char *path, struct fdl_reward *r)
{
    char sub[PATH_MAX_BYTES];
    const struct ynode *v;
    int rc, choice;
    if ((v = get(map, "stock"))) {
        path_key(sub, path, "stock");
        if ((rc = get_int(ld, v, sub, 1, FDL_MAX_REWARD_STOCK, &r->stock)))
            return rc;
    }
    if ((v = get(map, "per_member"))) {
        path_key(sub, path, "per_member");
        if ((rc = get_int(ld, v, sub, 1, FDL_MAX_REWARD_PER_MEMBER, &r->per_member)))
            return rc;
    }
    if ((v = get(map, "per_member_period"))) {
        path_key(sub, path, "per_member_period");
        if (!r->per_member)
            return fail(ld, FDL_EINVALID, get_key(map, "per_member_period"), sub,
                        "\"per_member_period\" needs \"per_member\"");
        if ((rc = get_enum(ld, v, sub, reward_period_names, "lifetime, year or month",
                           &choice)))
            return rc;
        r->period = (enum fdl_reward_period)choice;
    }
    if ((v = get(map, "tiers"))) {
        path_key(sub, path, "tiers");
        if (!ld->def->tiers.enabled)
            return fail(ld, FDL_EINVALID, v, sub,
                        "rewards for tier levels need a tiers section");
        if ((rc = get_set(ld, v, sub, &r->tiers)) || (rc = check_rule_tiers(ld, v, sub)))
            return rc;
    }
    if ((rc = get_date_window(ld, map, path, &r->valid_from_day, &r->has_valid_from,
                              &r->valid_until_day, &r->has_valid_until)))
        return rc;
    return 0;
}

static int load_reward(struct loader *ld, const struct ynode *map, const char *path,
                       struct fdl_reward_catalog *c)
{
    struct fdl_reward *r = &c->items[c->n];
    char sub[PATH_MAX_BYTES];
    const struct ynode *v;
    int rc = check_keys(ld, map, path, reward_keys,
                        sizeof(reward_keys) / sizeof(*reward_keys));
    if (rc)
        return rc;
    r->line = map->line;
    if (!(v = get(map, "id")))
        return missing(ld, map, path, "id");
    path_key(sub, path, "id");
    if ((rc = get_item_id(ld, v, sub, r->id, sizeof(r->id))))
        return rc;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->items[i].id, r->id) == 0)
            return fail(ld, FDL_EINVALID, v, sub, "reward \"%s\" is already %s[%zu]",
                        r->id, "rewards", i);
    if (!(v = get(map, "name")))
        return missing(ld, map, path, "name");
    path_key(sub, path, "name");
    if ((rc = get_text(ld, v, sub, 1, FDL_REWARD_NAME_MAX, 0, &r->name)))
        return rc;
    if (!(v = get(map, "cost")))
        return missing(ld, map, path, "cost");
    path_key(sub, path, "cost");
    if ((rc = get_int(ld, v, sub, 1, FDL_MAX_REWARD_COST, &r->cost_points)))
        return rc;
    if ((rc = load_reward_kind(ld, map, path, r)) ||
        (rc = load_reward_limits(ld, map, path, r)))
        return rc;
    c->n++;
    return 0;
}

static int load_reward_items(struct loader *ld, const struct ynode *list,
                             const char *path, struct fdl_reward_catalog *c)
{
    if (list->kind != YNODE_LIST)
        return fail(ld, FDL_EFIELD_TYPE, list, path, "must be a list of rewards, not %s",
                    kind_name(list));
    if (list->count > FDL_MAX_REWARDS)
        return fail(ld, FDL_ERANGE, list, path, "a catalogue has at most %d rewards",
                    FDL_MAX_REWARDS);
    c->items = arena_alloc(ld->keep, (list->count + 1) * sizeof(*c->items));
    if (!c->items)
        return nomem(ld);
    memset(c->items, 0, (list->count + 1) * sizeof(*c->items));
    size_t i = 0;
    for (const struct ynode *e = list->first; e; e = e->next, i++) {
        char sub[PATH_MAX_BYTES];
        path_index(sub, path, i);
        int rc = load_reward(ld, e, sub, c);
        if (rc)
            return rc;
    }
    return 0;
}

/* rewards: either the list of rewards, or {hold_minutes, items: [...]}. */
static int load_rewards(struct loader *ld, const struct ynode *node, const char *path)
{
    static const char *const keys[] = {"hold_minutes", "items"};
    struct fdl_reward_catalog *c = arena_alloc(ld->keep, sizeof(*c));
    if (!c)
        return nomem(ld);
    memset(c, 0, sizeof(*c));
    c->hold_minutes = FDL_DEFAULT_HOLD_MINUTES;
    int rc;
    if (node->kind == YNODE_LIST) {
        rc = load_reward_items(ld, node, path, c);
    } else {
        char sub[PATH_MAX_BYTES];
        const struct ynode *v;
        if ((rc = check_keys(ld, node, path, keys, 2)))
            return rc;
        if ((v = get(node, "hold_minutes"))) {
            int64_t minutes;
            path_key(sub, path, "hold_minutes");
            if ((rc = get_int(ld, v, sub, 1, FDL_MAX_HOLD_MINUTES, &minutes)))
                return rc;
            c->hold_minutes = (int)minutes;
        }
        if (!(v = get(node, "items")))
            return missing(ld, node, path, "items");
        path_key(sub, path, "items");
        rc = load_reward_items(ld, v, sub, c);
    }
    if (rc == 0)
        ld->def->rewards = c;
    return rc;
}

/* ---- the file ---- */

/* ---- section: coupons ---- */

#include "engine/coupons.h"

static const char *const coupon_keys[] = {
    "id",         "name",        "code",       "single_use", "effect",
    "valid_from", "valid_until", "min_basket", "per_member", "limit",
    "stacking",   "skus",        "categories", "labels",     "tiers"};
static const char *const coupon_effect_keys[] = {"percent", "amount", "free_item"};
static const char *const stacking_names[] = {"exclusive", "stackable", NULL};

/* `effect: {percent: 10}` | `{amount: 5.00}` | `{free_item: [sku, ...]}`. */
static int load_coupon_effect(struct loader *ld, const struct ynode *map,
                              const char *path, struct fdl_coupon_campaign *c)
{
    int rc = check_keys(ld, map, path, coupon_effect_keys, 3);
    if (rc)
        return rc;
    if (map->count != 2)
        return fail(ld, FDL_EINVALID, map, path,
                    "an effect has exactly one of percent, amount or free_item");
    char sub[PATH_MAX_BYTES];
    const struct ynode *v;
    if ((v = get(map, "percent"))) {
        c->effect = FDL_COUPON_PERCENT;
        path_key(sub, path, "percent");
        return get_int(ld, v, sub, 1, FDL_MAX_COUPON_PERCENT, &c->percent);
    }
    if ((v = get(map, "amount"))) {
        c->effect = FDL_COUPON_AMOUNT;
        path_key(sub, path, "amount");
        return get_money(ld, v, sub, 1, FDL_MAX_UNIT_PRICE_MINOR, &c->amount_minor);
    }
    v = get(map, "free_item");
    c->effect = FDL_COUPON_FREE_ITEM;
    path_key(sub, path, "free_item");
    return get_set(ld, v, sub, &c->free_skus);
}

/* The generic code: normalised as a till's input will be, and unique. */
static int load_coupon_code(struct loader *ld, const struct ynode *v, const char *path,
                            struct fdl_coupon_campaign *campaigns, size_t index)
{
    struct fdl_coupon_campaign *c = &campaigns[index];
    int rc = get_text_into(ld, v, path, 1, c->display, sizeof(c->display));
    if (rc)
        return rc;
    int n = fdl_coupon_normalize(c->display, c->code);
    if (n < FDL_COUPON_GENERIC_MIN)
        return fail(ld, FDL_EINVALID, v, path,
                    "a code has %d to %d letters and digits (spaces and '-' ignored)",
                    FDL_COUPON_GENERIC_MIN, FDL_COUPON_GENERIC_MAX);
    if (n == FDL_COUPON_CODE_CHARS)
        return fail(ld, FDL_EINVALID, v, path,
                    "a generic code must not have %d characters, the length of "
                    "single-use codes",
                    FDL_COUPON_CODE_CHARS);
    for (size_t i = 0; i < index; i++)
        if (!campaigns[i].single_use && strcmp(campaigns[i].code, c->code) == 0)
            return fail(ld, FDL_EINVALID, v, path, "coupons[%zu] already uses this code",
                        i);
    return 0;
}

static int load_coupon_limits(struct loader *ld, const struct ynode *map,
                              const char *path, struct fdl_coupon_campaign *c)
{
    char sub[PATH_MAX_BYTES];
    const struct ynode *v;
    int rc;
    if ((rc = get_date_window(ld, map, path, &c->valid_from_day, &c->has_valid_from,
                              &c->valid_until_day, &c->has_valid_until)))
        return rc;
    path_key(sub, path, "min_basket");
    if ((v = get(map, "min_basket")) &&
        (rc = get_money(ld, v, sub, 0, FDL_MAX_UNIT_PRICE_MINOR * 1000,
                        &c->min_basket_minor)))
        return rc;
    path_key(sub, path, "per_member");
    if ((v = get(map, "per_member")) &&
        (rc = get_int(ld, v, sub, 1, FDL_MAX_COUPON_LIMIT, &c->per_member)))
        return rc;
    path_key(sub, path, "limit");
    if ((v = get(map, "limit")) &&
        (rc = get_int(ld, v, sub, 1, FDL_MAX_COUPON_LIMIT, &c->limit)))
        return rc;
    path_key(sub, path, "stacking");
    int stacking = 0;
    if ((v = get(map, "stacking")) &&
        (rc = get_enum(ld, v, sub, stacking_names, "exclusive or stackable", &stacking)))
        return rc;
    c->stacking = (enum fdl_coupon_stacking)stacking;
    static const char *const set_keys[] = {"skus", "categories", "labels", "tiers"};
    struct fdl_string_set *sets[] = {&c->skus, &c->categories, &c->labels, &c->tiers};
    for (size_t i = 0; i < 4; i++) {
        path_key(sub, path, set_keys[i]);
        if ((v = get(map, set_keys[i])) && (rc = get_set(ld, v, sub, sets[i])))
            return rc;
    }
    path_key(sub, path, "tiers");
    if ((v = get(map, "tiers")) && (rc = check_rule_tiers(ld, v, sub)))
        return rc;
    return 0;
}

static int load_coupon(struct loader *ld, const struct ynode *map, const char *path,
                       struct fdl_coupon_campaign *campaigns, size_t index)
{
    struct fdl_coupon_campaign *c = &campaigns[index];
    char sub[PATH_MAX_BYTES];
    const struct ynode *v;
    int rc = check_keys(ld, map, path, coupon_keys,
                        sizeof(coupon_keys) / sizeof(*coupon_keys));
    if (rc)
        return rc;
    memset(c, 0, sizeof(*c));
    c->line = map->line;
    c->name = "";
    if (!(v = get(map, "id")))
        return missing(ld, map, path, "id");
    path_key(sub, path, "id");
    if ((rc = get_text_into(ld, v, sub, 1, c->id, sizeof(c->id))))
        return rc;
    if (!valid_rule_id(c->id))
        return fail(ld, FDL_EINVALID, v, sub,
                    "a campaign id has only letters, digits, '-', '_' and '.'");
    for (size_t i = 0; i < index; i++)
        if (strcmp(campaigns[i].id, c->id) == 0)
            return fail(ld, FDL_EINVALID, v, sub,
                        "campaign id \"%s\" is already used by coupons[%zu]", c->id, i);
    path_key(sub, path, "name");
    if ((v = get(map, "name")) &&
        (rc = get_text(ld, v, sub, 1, FDL_COUPON_NAME_MAX, 0, &c->name)))
        return rc;
    path_key(sub, path, "single_use");
    if ((v = get(map, "single_use")) && (rc = get_bool(ld, v, sub, &c->single_use)))
        return rc;
    const struct ynode *code = get(map, "code");
    path_key(sub, path, "code");
    if (code && c->single_use)
        return fail(ld, FDL_EINVALID, code, sub,
                    "a campaign has either a generic code or single_use: true, not both");
    if (!code && !c->single_use)
        return fail(ld, FDL_EMISSING_FIELD, map, sub,
                    "%s needs a generic \"code\" or \"single_use: true\"", path);
    if (code && (rc = load_coupon_code(ld, code, sub, campaigns, index)))
        return rc;
    if (!(v = get(map, "effect")))
        return missing(ld, map, path, "effect");
    path_key(sub, path, "effect");
    if ((rc = load_coupon_effect(ld, v, sub, c)))
        return rc;
    return load_coupon_limits(ld, map, path, c);
}

static int load_coupons(struct loader *ld, const struct ynode *list, const char *path)
{
    if (list->kind != YNODE_LIST)
        return fail(ld, FDL_EFIELD_TYPE, list, path,
                    "must be a list of campaigns, not %s", kind_name(list));
    if (list->count > FDL_MAX_COUPON_CAMPAIGNS) {
        const struct ynode *e = list->first;
        for (int i = 0; i < FDL_MAX_COUPON_CAMPAIGNS; i++)
            e = e->next;
        char sub[PATH_MAX_BYTES];
        path_index(sub, path, FDL_MAX_COUPON_CAMPAIGNS);
        return fail(ld, FDL_ERANGE, e, sub, "a program has at most %d coupon campaigns",
                    FDL_MAX_COUPON_CAMPAIGNS);
    }
    struct fdl_coupon_campaign *campaigns =
        arena_alloc(ld->keep, (list->count + 1) * sizeof(*campaigns));
    if (!campaigns)
        return nomem(ld);
    memset(campaigns, 0, (list->count + 1) * sizeof(*campaigns));
    size_t i = 0;
    for (const struct ynode *e = list->first; e; e = e->next, i++) {
        char sub[PATH_MAX_BYTES];
        path_index(sub, path, i);
        int rc = load_coupon(ld, e, sub, campaigns, i);
        if (rc)
            return rc;
    }
    ld->def->coupons = campaigns;
    ld->def->n_coupons = list->count;
    return 0;
}

/* ---- the file ---- */

/* ---- section: referrals ---- */

/* An optional int key of map in [min, max] into *out (left as is if absent). */
static int referral_int(struct loader *ld, const struct ynode *map, const char *path,
                        const char *key, int64_t min, int64_t max, int64_t *out)
{
    char sub[PATH_MAX_BYTES];
    const struct ynode *v = get(map, key);
    if (!v)
        return 0;
    path_key(sub, path, key);
    return get_int(ld, v, sub, min, max, out);
}

static int load_referrals(struct loader *ld, const struct ynode *map, const char *path)
{
    static const char *const keys[] = {
        "referrer_points",  "referee_points", "min_spend", "return_days",
        "max_per_referrer", "max_pending",    "lapse_days"};
    struct fdl_referral_def *r = &ld->def->referrals;
    int rc = check_keys(ld, map, path, keys, sizeof(keys) / sizeof(*keys));
    if (rc)
        return rc;
    static const char *const required[] = {"referrer_points", "referee_points"};
    for (size_t i = 0; i < sizeof(required) / sizeof(*required); i++)
        if (!get(map, required[i]))
            return missing(ld, map, path, required[i]);
    int64_t referrer = 0, referee = 0, min_spend = 0, days = 30, per_year = 10,
            pending = 5, lapse = 0;
    if ((rc = referral_int(ld, map, path, "referrer_points", 0, FDL_REFERRAL_MAX_POINTS,
                           &referrer)) ||
        (rc = referral_int(ld, map, path, "referee_points", 0, FDL_REFERRAL_MAX_POINTS,
                           &referee)) ||
        (rc = referral_int(ld, map, path, "return_days", 0, FDL_REFERRAL_MAX_RETURN_DAYS,
                           &days)) ||
        (rc = referral_int(ld, map, path, "max_per_referrer", 1,
                           FDL_REFERRAL_MAX_PER_YEAR, &per_year)) ||
        (rc = referral_int(ld, map, path, "max_pending", 1, FDL_REFERRAL_MAX_PENDING,
                           &pending)) ||
        (rc = referral_int(ld, map, path, "lapse_days", 0, FDL_REFERRAL_MAX_LAPSE_DAYS,
                           &lapse)))
        return rc;
    const struct ynode *v = get(map, "min_spend");
    if (v) {
        char sub[PATH_MAX_BYTES];
        path_key(sub, path, "min_spend");
        if ((rc = get_money(ld, v, sub, 0, FDL_REFERRAL_MAX_MIN_SPEND, &min_spend)))
            return rc;
    }
    if (referrer == 0 && referee == 0) {
        char sub[PATH_MAX_BYTES];
        path_key(sub, path, "referrer_points");
        return fail(ld, FDL_ERANGE, get(map, "referrer_points"), sub,
                    "referrer_points and referee_points cannot both be 0");
    }
    *r = (struct fdl_referral_def){1,         referrer,      referee,      min_spend,
                                   (int)days, (int)per_year, (int)pending, (int)lapse};
    return 0;
}

struct section {
    const char *name;
    int required;
    int (*load)(struct loader *ld, const struct ynode *value, const char *path);
};

/*
 * In load order, whatever the file's: `program` first, since money in later
 * sections needs its currency; `tiers` before `earn`, whose rules' tiers
 * lists must name its levels.
 */
static const struct section sections[] = {
    {"program", 1, load_program},
    {"points", 0, load_points},
    {"tiers", 0, load_tiers},
    /* -- coalitions -- (before earn, whose rules may name partners) */
    {"partners", 0, load_partners},
    {"earn", 0, load_earn},
    /* -- early access -- */
    {"launches", 0, load_launches},
    /* -- coupons -- */
    {"coupons", 0, load_coupons},
    /* -- punch cards -- */
    {"stamps", 0, load_stamps},
    /* -- rewards -- */
    {"rewards", 0, load_rewards},
    /* -- stored value and membership -- */
    {"membership", 0, load_membership},
    /* -- referrals -- */
    {"referrals", 0, load_referrals},
};
#define N_SECTIONS (sizeof(sections) / sizeof(*sections))

static int load_root(struct loader *ld, const struct ynode *root)
{
    const char *names[N_SECTIONS];
    for (size_t i = 0; i < N_SECTIONS; i++)
        names[i] = sections[i].name;
    if (!root || is_null(root))
        return fail_at(ld, FDL_EINVALID, 1, 1, "",
                       "the program file is empty; it needs a program section");
    if (root->kind != YNODE_MAPPING)
        return fail(
            ld, FDL_EINVALID, root, "",
            "a program file is a mapping of sections (program, points, tiers, earn, "
            "...), not %s",
            kind_name(root));
    int rc = check_keys(ld, root, "", names, N_SECTIONS);
    if (rc)
        return rc;
    for (size_t i = 0; i < N_SECTIONS; i++) {
        const struct ynode *v = get(root, sections[i].name);
        if (!v && sections[i].required)
            return missing(ld, root, "", sections[i].name);
        if (v && (rc = sections[i].load(ld, v, sections[i].name)))
            return rc;
    }
    /* For code still on the flat settings: the first rule's rate, if it is a
     * whole-number rate that applies to every purchase. */
    struct fdl_program_def *def = ld->def;
    def->program.points_per_unit = 0;
    if (def->n_rules > 0) {
        const struct fdl_rule *r = &def->rules[0];
        if (r->kind == FDL_RULE_RATE && r->rate_milli % 1000 == 0 && !r->when &&
            !r->when_line && !r->skus.n && !r->categories.n && !r->labels.n &&
            !r->exclude_skus.n && !r->exclude_categories.n && !r->exclude_labels.n &&
            !r->stores.n && !r->channels.n && !r->tiers.n && !r->segments.n &&
            !r->weekdays_mask && !r->has_hours && !r->has_valid_from &&
            !r->has_valid_until && !r->min_spend_minor && !r->cap_points &&
            r->event == FDL_EVENT_NONE)
            def->program.points_per_unit = r->rate_milli / 1000;
    }
    return 0;
}

void fdl_program_def_free(struct fdl_program_def *def)
{
    if (!def)
        return;
    for (size_t i = 0; i < def->n_rules; i++) {
        fdl_expr_free(def->rules[i].when);
        fdl_expr_free(def->rules[i].when_line);
    }
    if (def->memory) {
        arena_release(&def->memory->arena);
        free(def->memory);
    }
    free(def);
}

int fdl_program_file_load(const char *text, size_t len, struct fdl_program_def **out,
                          struct fdl_error *err)
{
    if (len > FDL_PROGRAM_FILE_MAX_BYTES)
        return fdl_error_set(err, FDL_ETOO_LARGE, "",
                             "line 1, column 1: a program file has at most %d bytes",
                             FDL_PROGRAM_FILE_MAX_BYTES);
    struct fdl_program_def *def = calloc(1, sizeof(*def));
    struct fdl_program_def_memory *memory = calloc(1, sizeof(*memory));
    if (!def || !memory) {
        free(def);
        free(memory);
        return fdl_error_set(err, FDL_ENOMEM, "",
                             "out of memory loading the program file");
    }
    def->memory = memory;
    memory->arena.total_bytes = &memory->total_bytes;
    fdl_program_default(&def->program);

    struct loader ld;
    memset(&ld, 0, sizeof(ld));
    ld.tree.total_bytes = &ld.tree_bytes;
    ld.keep = &memory->arena;
    ld.err = err;
    ld.def = def;
    ld.minor_per_unit = def->program.minor_per_unit;
    ld.money_decimals = 2;

    struct ynode *root = NULL;
    int rc = build_tree(&ld, text ? text : "", text ? len : 0, &root);
    if (rc == 0)
        rc = load_root(&ld, root);
    arena_release(&ld.tree);
    if (rc) {
        fdl_program_def_free(def);
        return rc;
    }
    *out = def;
    return 0;
}

int fdl_program_file_load_path(const char *path, struct fdl_program_def **out,
                               struct fdl_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return fdl_error_set(err, FDL_ENOT_FOUND, "", "cannot open %s: %s", path,
                             strerror(errno));
    char *buf = malloc(FDL_PROGRAM_FILE_MAX_BYTES + 1);
    if (!buf) {
        fclose(f);
        return fdl_error_set(err, FDL_ENOMEM, "", "out of memory reading %s", path);
    }
    size_t n = fread(buf, 1, FDL_PROGRAM_FILE_MAX_BYTES + 1, f);
    int failed = ferror(f);
    fclose(f);
    int rc;
    if (failed)
        rc = fdl_error_set(err, FDL_ENOT_FOUND, "", "cannot read %s", path);
    else
        rc = fdl_program_file_load(buf, n, out, err);
    free(buf);
    return rc;
}

int fdl_program_file_error_position(const struct fdl_error *err, int *line, int *column)
{
    int l, c, used = 0;
    if (!err || sscanf(err->message, "line %d, column %d: %n", &l, &c, &used) != 2 ||
        !used)
        return -1;
    *line = l;
    *column = c;
    return 0;
}
