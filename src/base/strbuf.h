/*
 * strbuf.h - a growing text with a hard cap, for building documents (the
 * explained program) piece by piece without an error check per piece.
 *
 * A failure sticks: after the first one (out of memory, or the text would
 * pass its cap) every later put does nothing and rc says why, so the
 * builder checks once at the end. The text is always NUL-terminated once
 * anything was put.
 */
#ifndef FDL_STRBUF_H
#define FDL_STRBUF_H

#include <stddef.h>

struct fdl_strbuf {
    char *data; /* malloc'd; NULL until the first put */
    size_t len, cap;
    size_t max; /* bytes the text may reach, its NUL included */
    int rc;     /* 0, or FDL_ENOMEM / FDL_ETOO_LARGE from the first failure */
};

/* An empty buffer whose text may reach max bytes (NUL included). */
void fdl_strbuf_init(struct fdl_strbuf *b, size_t max);

/* Appends s (unless an earlier put failed). */
void fdl_strbuf_put(struct fdl_strbuf *b, const char *s);

/* Frees the text; the buffer is empty again. */
void fdl_strbuf_release(struct fdl_strbuf *b);

#endif
