/* sqlite_segments.c - members' segments in SQLite (store.h ops). */
#include "store/sqlite_internal.h"

#include <stdio.h>

static struct sqlite_sql q_get = {"SELECT segment FROM member_segments"
                                  " WHERE program_id = ?1 AND member_id = ?2"
                                  " ORDER BY segment LIMIT ?3",
                                  0};
static struct sqlite_sql q_clear = {"DELETE FROM member_segments"
                                    " WHERE program_id = ?1 AND member_id = ?2",
                                    0};
static struct sqlite_sql q_add = {"INSERT INTO member_segments"
                                  " (program_id, member_id, segment) VALUES (?1, ?2, ?3)",
                                  0};

static const struct unique_key segment_keys[] = {{"member_segments.segment", "segments"},
                                                 {NULL, NULL}};

int sqlite_member_segments_get(struct fdl_store *st, int64_t program_id,
                               int64_t member_id, char (*out)[FDL_SEGMENT_MAX + 1],
                               int max, int *count, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_get, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id) || bind_int(q, 3, max))
        return bind_failed(s, q, err);
    int n = 0;
    while (n < max && (rc = sqlite3_step(q)) == SQLITE_ROW)
        column_text(q, 0, out[n++], FDL_SEGMENT_MAX + 1);
    return sqlite_rows_end(s, q, rc, n, count, err);
}

int sqlite_member_segments_set(struct fdl_store *st, int64_t program_id,
                               int64_t member_id, const char *const *segments, int n,
                               struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = op_begin(s, err);
    if (rc == 0 && (rc = sqlite_prepared(s, &q_clear, &q, err)) == 0) {
        if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id))
            rc = bind_failed(s, q, err);
        else
            rc = stmt_finish(s, q, NULL, err);
    }
    for (int i = 0; i < n && rc == 0; i++) {
        if ((rc = sqlite_prepared(s, &q_add, &q, err)))
            break;
        if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id) ||
            bind_text(q, 3, segments[i]))
            rc = bind_failed(s, q, err);
        else
            rc = stmt_finish(s, q, segment_keys, err);
    }
    return op_end(s, rc, err);
}
