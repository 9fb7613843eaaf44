/*
 * json.h - strict JSON input: parsing with limits and declarative decoding.
 *
 * The API refuses anything ambiguous: duplicate keys, invalid UTF-8, NUL in
 * strings, nesting deeper than FDL_MAX_JSON_DEPTH, non-integer numbers where
 * integers are expected, and fields a decoder table does not name. Decoded
 * strings point into the json_t tree and live as long as it does.
 */
#ifndef FDL_JSON_H
#define FDL_JSON_H

#include "base/error.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum fdl_json_kind {
    FDL_JSON_STRING, /* const char *; min/max bound the length in bytes */
    FDL_JSON_ID,     /* like STRING, but only printable ASCII other than / ? # % and space
                        (identifiers that travel in URL paths: transaction ids, ...) */
    FDL_JSON_INT,    /* int64_t; min/max bound the value */
    FDL_JSON_BOOL,   /* int (0 or 1) */
    FDL_JSON_TIME,   /* int64_t UTC seconds from an RFC 3339 string */
    FDL_JSON_DATE,   /* int64_t day number from "YYYY-MM-DD" */
    FDL_JSON_ARRAY,  /* json_t * (borrowed); min/max bound the element count */
    FDL_JSON_OBJECT, /* json_t * (borrowed) */
};

/* One field of a decoder table. `offset` is offsetof() into the target struct. */
struct fdl_json_field {
    const char *name;
    enum fdl_json_kind kind;
    int required;
    int64_t min, max;
    size_t offset;
};

/*
 * Parses buf[0..len) as a JSON object. Refuses (with FDL_EJSON / FDL_ETOO_DEEP
 * and a message) duplicate keys, invalid UTF-8, nesting deeper than
 * max_depth and a root that is not an object. On success *out owns a new
 * reference; on failure *out is untouched.
 */
int fdl_json_parse(const char *buf, size_t len, int max_depth, json_t **out,
                   struct fdl_error *err);

/*
 * Decodes object obj into target by the table fields[0..n). path prefixes
 * field names in errors ("lines[2]" gives "lines[2].sku"). Unknown keys are
 * FDL_EUNKNOWN_FIELD, missing required ones FDL_EMISSING_FIELD, a wrong JSON
 * type FDL_EFIELD_TYPE and values out of [min, max] FDL_ERANGE. An integer
 * too large for 64 bits is refused by fdl_json_parse with FDL_ERANGE naming
 * the key it belonged to where it can tell. Absent
 * optional fields leave their target untouched. A JSON null counts as absent.
 */
int fdl_json_decode(json_t *obj, const struct fdl_json_field *fields, size_t n,
                    void *target, const char *path, struct fdl_error *err);

/* Returns the JSON type name of v ("string", "integer", ...) for messages. */
const char *fdl_json_type_name(const json_t *v);

#endif
