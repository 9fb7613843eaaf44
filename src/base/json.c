/* json.c - strict parsing and table-driven decoding on top of jansson. */
#include "base/json.h"

#include "base/clock.h"

#include <stdio.h>
#include <string.h>

/* Scans raw JSON for its maximum nesting, skipping strings. Cheap and done
 * before jansson builds a tree, so deep inputs cost nothing to refuse. */
static int json_depth_exceeds(const char *buf, size_t len, int max_depth)
{
    int depth = 0, in_string = 0;
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '{' || c == '[') {
            if (++depth > max_depth)
                return 1;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return 0;
}

/* Finds a number in v beyond the int64 range (parsed as a real) and writes
 * its path ("lines[0].quantity") to path. Returns 1 if found. */
static int find_big_number(json_t *v, char *path, size_t cap)
{
    size_t len = strlen(path);
    if (json_is_real(v)) {
        double d = json_real_value(v);
        return d >= 9223372036854775807.0 || d < -9223372036854775807.0;
    }
    if (json_is_object(v)) {
        const char *key;
        json_t *child;
        json_object_foreach(v, key, child)
        {
            snprintf(path + len, cap - len, "%s%s", len ? "." : "", key);
            if (find_big_number(child, path, cap))
                return 1;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *child;
        json_array_foreach(v, i, child)
        {
            snprintf(path + len, cap - len, "[%zu]", i);
            if (find_big_number(child, path, cap))
                return 1;
        }
    }
    path[len] = '\0';
    return 0;
}

/* After jansson refused an integer too large for it: parse again reading
 * integers as reals, to name the field in the error. */
static int big_number_error(const char *buf, size_t len, const json_error_t *first,
                            struct fdl_error *err)
{
    char path[FDL_ERROR_FIELD_MAX] = "";
    json_error_t jerr;
    json_t *root =
        json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &jerr);
    if (root)
        find_big_number(root, path, sizeof(path));
    json_decref(root);
    return fdl_error_set(err, FDL_ERANGE, path, "a number too large at line %d column %d",
                         first->line, first->column);
}

int fdl_json_parse(const char *buf, size_t len, int max_depth, json_t **out,
                   struct fdl_error *err)
{
    if (json_depth_exceeds(buf, len, max_depth))
        return fdl_error_set(err, FDL_ETOO_DEEP, NULL, "nesting deeper than %d levels",
                             max_depth);
    json_error_t jerr;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root && json_error_code(&jerr) == json_error_numeric_overflow)
        return big_number_error(buf, len, &jerr, err);
    if (!root)
        return fdl_error_set(err, FDL_EJSON, NULL, "%s at line %d column %d", jerr.text,
                             jerr.line, jerr.column);
    if (!json_is_object(root)) {
        json_decref(root);
        return fdl_error_set(err, FDL_EJSON, NULL, "the body must be a JSON object");
    }
    *out = root;
    return 0;
}

const char *fdl_json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    case JSON_NULL:
        return "null";
    }
    return "unknown";
}

static void field_path(char *out, size_t cap, const char *path, const char *name)
{
    if (path && *path)
        snprintf(out, cap, "%s.%s", path, name);
    else
        snprintf(out, cap, "%s", name);
}

static int decode_string(json_t *v, const struct fdl_json_field *f, void *slot,
                         const char *where, struct fdl_error *err)
{
    if (!json_is_string(v))
        return fdl_error_set(err, FDL_EFIELD_TYPE, where, "expected a string, got %s",
                             fdl_json_type_name(v));
    size_t len = json_string_length(v);
    /* Only plain strings have length bounds: times and dates have their format. */
    if ((f->kind == FDL_JSON_STRING || f->kind == FDL_JSON_ID) &&
        ((int64_t)len < f->min || (int64_t)len > f->max))
        return fdl_error_set(err, FDL_ERANGE, where, "length must be %lld to %lld bytes",
                             (long long)f->min, (long long)f->max);
    const char *s = json_string_value(v);
    int64_t t;
    if (f->kind == FDL_JSON_TIME) {
        if (fdl_time_parse(s, &t))
            return fdl_error_set(
                err, FDL_EFIELD_TYPE, where,
                "expected an RFC 3339 timestamp like 2026-11-23T18:30:00Z");
        memcpy(slot, &t, sizeof(t));
    } else if (f->kind == FDL_JSON_DATE) {
        if (fdl_date_parse(s, &t))
            return fdl_error_set(err, FDL_EFIELD_TYPE, where,
                                 "expected a date like 1990-05-17");
        memcpy(slot, &t, sizeof(t));
    } else {
        for (size_t i = 0; f->kind == FDL_JSON_ID && i < len; i++)
            if (s[i] <= ' ' || s[i] > '~' || strchr("/?#%", s[i]))
                return fdl_error_set(err, FDL_EINVALID, where,
                                     "may hold only printable ASCII other than / ? # %% "
                                     "and spaces");
        memcpy(slot, &s, sizeof(s));
    }
    return 0;
}

static int decode_value(json_t *v, const struct fdl_json_field *f, void *slot,
                        const char *where, struct fdl_error *err)
{
    int64_t i;
    int b;
    switch (f->kind) {
    case FDL_JSON_STRING:
    case FDL_JSON_ID:
    case FDL_JSON_TIME:
    case FDL_JSON_DATE:
        return decode_string(v, f, slot, where, err);
    case FDL_JSON_INT:
        if (!json_is_integer(v))
            return fdl_error_set(err, FDL_EFIELD_TYPE, where,
                                 "expected an integer, got %s", fdl_json_type_name(v));
        i = json_integer_value(v);
        if (i < f->min || i > f->max)
            return fdl_error_set(err, FDL_ERANGE, where, "must be between %lld and %lld",
                                 (long long)f->min, (long long)f->max);
        memcpy(slot, &i, sizeof(i));
        return 0;
    case FDL_JSON_BOOL:
        if (!json_is_boolean(v))
            return fdl_error_set(err, FDL_EFIELD_TYPE, where,
                                 "expected true or false, got %s", fdl_json_type_name(v));
        b = json_is_true(v);
        memcpy(slot, &b, sizeof(b));
        return 0;
    case FDL_JSON_ARRAY:
        if (!json_is_array(v))
            return fdl_error_set(err, FDL_EFIELD_TYPE, where, "expected an array, got %s",
                                 fdl_json_type_name(v));
        if ((int64_t)json_array_size(v) < f->min || (int64_t)json_array_size(v) > f->max)
            return fdl_error_set(err, FDL_ERANGE, where,
                                 "must have %lld to %lld elements", (long long)f->min,
                                 (long long)f->max);
        memcpy(slot, &v, sizeof(v));
        return 0;
    case FDL_JSON_OBJECT:
        if (!json_is_object(v))
            return fdl_error_set(err, FDL_EFIELD_TYPE, where,
                                 "expected an object, got %s", fdl_json_type_name(v));
        memcpy(slot, &v, sizeof(v));
        return 0;
    }
    return fdl_error_set(err, FDL_EINTERNAL, where, "bad decoder table");
}

int fdl_json_decode(json_t *obj, const struct fdl_json_field *fields, size_t n,
                    void *target, const char *path, struct fdl_error *err)
{
    char where[FDL_ERROR_FIELD_MAX];
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value)
    {
        size_t i = 0;
        while (i < n && strcmp(fields[i].name, key) != 0)
            i++;
        if (i == n) {
            field_path(where, sizeof(where), path, key);
            return fdl_error_set(err, FDL_EUNKNOWN_FIELD, where, "unknown field");
        }
    }
    for (size_t i = 0; i < n; i++) {
        const struct fdl_json_field *f = &fields[i];
        json_t *v = json_object_get(obj, f->name);
        field_path(where, sizeof(where), path, f->name);
        if (!v || json_is_null(v)) {
            if (f->required)
                return fdl_error_set(err, FDL_EMISSING_FIELD, where, "is required");
            continue;
        }
        int rc = decode_value(v, f, (char *)target + f->offset, where, err);
        if (rc)
            return rc;
    }
    return 0;
}
