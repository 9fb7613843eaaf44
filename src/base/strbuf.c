/* strbuf.c - a growing text with a hard cap; see strbuf.h. */
#include "base/strbuf.h"

#include "base/error.h"

#include <stdlib.h>
#include <string.h>

#define STRBUF_FIRST_CAP 1024

void fdl_strbuf_init(struct fdl_strbuf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
}

void fdl_strbuf_put(struct fdl_strbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->rc)
        return;
    if (b->len + n + 1 > b->max) {
        b->rc = FDL_ETOO_LARGE;
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : STRBUF_FIRST_CAP;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *data = realloc(b->data, cap);
        if (!data) {
            b->rc = FDL_ENOMEM;
            return;
        }
        b->data = data;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n + 1);
    b->len += n;
}

void fdl_strbuf_release(struct fdl_strbuf *b)
{
    free(b->data);
    size_t max = b->max;
    fdl_strbuf_init(b, max);
}
