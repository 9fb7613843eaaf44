/* error.c - lookups into the error table of error.h. */
#include "base/error.h"

#include <stdio.h>
#include <string.h>

struct error_info {
    int code;
    int status;
    const char *slug;
    const char *title;
};

static const struct error_info error_infos[] = {
#define FDL_ERROR_INFO(name, status, slug, title) {FDL_E##name, status, slug, title},
    FDL_ERROR_TABLE(FDL_ERROR_INFO)
#undef FDL_ERROR_INFO
};

static const struct error_info *error_find(int code)
{
    size_t n = sizeof(error_infos) / sizeof(error_infos[0]);
    for (size_t i = 0; i < n; i++)
        if (error_infos[i].code == code)
            return &error_infos[i];
    return &error_infos[n - 1]; /* INTERNAL is last */
}

int fdl_error_set(struct fdl_error *err, int code, const char *field, const char *fmt,
                  ...)
{
    if (!err)
        return code;
    err->code = code;
    snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return code;
}

void fdl_error_clear(struct fdl_error *err)
{
    if (err)
        memset(err, 0, sizeof(*err));
}

int fdl_error_status(int code)
{
    return error_find(code)->status;
}

const char *fdl_error_slug(int code)
{
    return error_find(code)->slug;
}

const char *fdl_error_title(int code)
{
    return error_find(code)->title;
}
