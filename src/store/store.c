/* store.c - backend selection and the pieces every backend shares. */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fdl_idem_release(struct fdl_idem *idem)
{
    free(idem->body);
    idem->body = NULL;
}

void fdl_program_versions_free(struct fdl_program_version *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(items[i].source);
    free(items);
}

const struct fdl_store_ops *fdl_store_ops_of(struct fdl_store *st)
{
    return ((struct fdl_store_base *)st)->ops;
}

int fdl_store_is_postgres(const char *uri)
{
    return strncmp(uri, "postgres://", 11) == 0 || strncmp(uri, "postgresql://", 13) == 0;
}

void fdl_store_uri_for_log(const char *uri, char *buf, size_t cap)
{
    const char *scheme = strstr(uri, "://");
    const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
    const char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
    if (!fdl_store_is_postgres(uri) || !at || !colon || colon > at) {
        snprintf(buf, cap, "%s", uri);
        return;
    }
    snprintf(buf, cap, "%.*s:***%s", (int)(colon - uri), uri, at);
}

int fdl_store_open(const char *uri, int migrate, struct fdl_store **out,
                   struct fdl_error *err)
{
    const struct fdl_store_ops *ops =
        fdl_store_is_postgres(uri) ? &fdl_store_pg : &fdl_store_sqlite;
    struct fdl_store *st;
    int rc = ops->open(uri, &st, err);
    if (rc)
        return rc;
    if (migrate && (rc = ops->migrate(st, err)) != 0) {
        ops->close(st);
        return rc;
    }
    *out = st;
    return 0;
}

void fdl_store_close(struct fdl_store *st)
{
    if (st)
        fdl_store_ops_of(st)->close(st);
}
