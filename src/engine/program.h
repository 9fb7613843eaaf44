/*
 * program.h - the settings of one loyalty program, as the engine sees them.
 *
 * A program is stored as a JSON document (see docs/program.md); this is its
 * compiled form. It is immutable once loaded and shared between threads.
 */
#ifndef FDL_PROGRAM_H
#define FDL_PROGRAM_H

#include "base/error.h"

#include <jansson.h>
#include <stdint.h>

#define FDL_PROGRAM_NAME_MAX    100
#define FDL_CURRENCY_LEN        3
#define FDL_TIME_ZONE_MAX       64
#define FDL_MAX_POINTS_PER_UNIT 1000
#define FDL_MAX_EXPIRY_MONTHS   120
#define FDL_MAX_PENDING_DAYS    365

/* How a fractional point is rounded; the names are the configuration values. */
enum fdl_rounding {
    FDL_ROUND_DOWN,    /* "down": 12.99 at 1 point per unit earns 12 */
    FDL_ROUND_HALF_UP, /* "half-up": 12.50 earns 13, 12.49 earns 12 */
    FDL_ROUND_UP,      /* "up": 12.01 earns 13 */
};

struct fdl_program {
    int64_t id;
    char name[FDL_PROGRAM_NAME_MAX + 1];
    char currency[FDL_CURRENCY_LEN + 1]; /* ISO 4217, e.g. "EUR" */
    int minor_per_unit;                  /* 100 for EUR, 1 for JPY */
    char time_zone[FDL_TIME_ZONE_MAX + 1];
    int64_t points_per_unit; /* points earned per whole currency unit */
    enum fdl_rounding rounding;
    int expiry_months;         /* 0: points never expire */
    int pending_days;          /* 0: points spendable at once */
    int64_t point_value_minor; /* discount in minor units one point buys */
    char language[3];          /* receipt messages: "en", "es", "ca", "ru" */
};

/* The demo program: 1 point per whole unit, EUR, 12-month expiry. */
void fdl_program_default(struct fdl_program *p);

/*
 * Fills p from a program settings object (keys as in docs/program.md).
 * Keys absent from obj keep p's current values, so callers start from
 * fdl_program_default(). Unknown keys and bad values fail with the key named
 * in err; p is untouched on failure.
 */
int fdl_program_from_json(json_t *obj, struct fdl_program *p, struct fdl_error *err);

/* The settings as a new JSON object (the inverse of fdl_program_from_json). */
json_t *fdl_program_to_json(const struct fdl_program *p);

/* Name of a rounding mode, and its parse (-1 if unknown). */
const char *fdl_rounding_name(enum fdl_rounding r);
int fdl_rounding_parse(const char *name);

#endif
