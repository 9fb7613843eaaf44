/* program.c - program settings: defaults and the JSON form. */
#include "engine/program.h"

#include "base/json.h"
#include "base/limits.h"

#include <stdio.h>
#include <string.h>

static const char *const rounding_names[] = {"down", "half-up", "up"};

const char *fdl_rounding_name(enum fdl_rounding r)
{
    return (unsigned)r < 3 ? rounding_names[r] : "down";
}

int fdl_rounding_parse(const char *name)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(name, rounding_names[i]) == 0)
            return i;
    return -1;
}

void fdl_program_default(struct fdl_program *p)
{
    memset(p, 0, sizeof(*p));
    p->id = 1;
    snprintf(p->name, sizeof(p->name), "Fidelis demo");
    snprintf(p->currency, sizeof(p->currency), "EUR");
    p->minor_per_unit = 100;
    snprintf(p->time_zone, sizeof(p->time_zone), "Europe/Madrid");
    p->points_per_unit = 1;
    p->rounding = FDL_ROUND_DOWN;
    p->expiry_months = 12;
    p->pending_days = 0;
    p->point_value_minor = 1;
    snprintf(p->language, sizeof(p->language), "en");
}

struct program_input {
    const char *name, *currency, *time_zone, *rounding, *language;
    int64_t minor_per_unit, points_per_unit, expiry_months, pending_days,
        point_value_minor;
};

#define PI(f) offsetof(struct program_input, f)
static const struct fdl_json_field program_fields[] = {
    {"name", FDL_JSON_STRING, 0, 1, FDL_PROGRAM_NAME_MAX, PI(name)},
    {"currency", FDL_JSON_STRING, 0, 3, 3, PI(currency)},
    {"minor_per_unit", FDL_JSON_INT, 0, 1, 1000, PI(minor_per_unit)},
    {"time_zone", FDL_JSON_STRING, 0, 1, FDL_TIME_ZONE_MAX, PI(time_zone)},
    {"points_per_unit", FDL_JSON_INT, 0, 0, FDL_MAX_POINTS_PER_UNIT, PI(points_per_unit)},
    {"rounding", FDL_JSON_STRING, 0, 1, 16, PI(rounding)},
    {"expiry_months", FDL_JSON_INT, 0, 0, FDL_MAX_EXPIRY_MONTHS, PI(expiry_months)},
    {"pending_days", FDL_JSON_INT, 0, 0, FDL_MAX_PENDING_DAYS, PI(pending_days)},
    {"point_value_minor", FDL_JSON_INT, 0, 1, 1000000, PI(point_value_minor)},
    {"language", FDL_JSON_STRING, 0, 2, 2, PI(language)},
};
#undef PI

static int valid_currency(const char *c)
{
    for (int i = 0; i < 3; i++)
        if (c[i] < 'A' || c[i] > 'Z')
            return 0;
    return 1;
}

int fdl_program_from_json(json_t *obj, struct fdl_program *p, struct fdl_error *err)
{
    struct fdl_program next = *p;
    /* Absent keys point at p's strings, not next's: copying next.name onto
     * itself with snprintf overlaps (undefined; glibc empties it). */
    struct program_input in = {p->name,
                               p->currency,
                               p->time_zone,
                               fdl_rounding_name(next.rounding),
                               p->language,
                               next.minor_per_unit,
                               next.points_per_unit,
                               next.expiry_months,
                               next.pending_days,
                               next.point_value_minor};
    int rc =
        fdl_json_decode(obj, program_fields,
                        sizeof(program_fields) / sizeof(*program_fields), &in, "", err);
    if (rc)
        return rc;
    if (!valid_currency(in.currency))
        return fdl_error_set(err, FDL_EINVALID, "currency",
                             "must be an ISO 4217 code like EUR");
    int rounding = fdl_rounding_parse(in.rounding);
    if (rounding < 0)
        return fdl_error_set(err, FDL_EINVALID, "rounding",
                             "must be down, half-up or up");
    if (strcmp(in.language, "en") && strcmp(in.language, "es") &&
        strcmp(in.language, "ca") && strcmp(in.language, "ru"))
        return fdl_error_set(err, FDL_EINVALID, "language", "must be en, es, ca or ru");
    snprintf(next.name, sizeof(next.name), "%s", in.name);
    snprintf(next.currency, sizeof(next.currency), "%s", in.currency);
    snprintf(next.time_zone, sizeof(next.time_zone), "%s", in.time_zone);
    snprintf(next.language, sizeof(next.language), "%s", in.language);
    next.rounding = (enum fdl_rounding)rounding;
    next.minor_per_unit = (int)in.minor_per_unit;
    next.points_per_unit = in.points_per_unit;
    next.expiry_months = (int)in.expiry_months;
    next.pending_days = (int)in.pending_days;
    next.point_value_minor = in.point_value_minor;
    *p = next;
    return 0;
}

json_t *fdl_program_to_json(const struct fdl_program *p)
{
    return json_pack("{s:s, s:s, s:i, s:s, s:I, s:s, s:i, s:i, s:I, s:s}", "name",
                     p->name, "currency", p->currency, "minor_per_unit",
                     p->minor_per_unit, "time_zone", p->time_zone, "points_per_unit",
                     (json_int_t)p->points_per_unit, "rounding",
                     fdl_rounding_name(p->rounding), "expiry_months", p->expiry_months,
                     "pending_days", p->pending_days, "point_value_minor",
                     (json_int_t)p->point_value_minor, "language", p->language);
}
