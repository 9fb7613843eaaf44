/*
 * pg_staff.h - the PostgreSQL backend's ops for stores, staff, sessions and
 * the audit log (pg_staff.c), for the ops table in pg.c. Each is the op of
 * the same name in store/store.h's struct fdl_store_ops, with that contract.
 */
#ifndef FDL_PG_STAFF_H
#define FDL_PG_STAFF_H

#include "store/store.h"

extern const char pg_schema_staff[];
/* Migration: staff.disabled_at and an index of sessions by account. */
extern const char pg_schema_staff_lifecycle[];

int pg_shop_insert(struct fdl_store *st, const struct fdl_shop *shop,
                   struct fdl_error *err);
int pg_shop_update(struct fdl_store *st, const struct fdl_shop *shop,
                   struct fdl_error *err);
int pg_shop_get(struct fdl_store *st, int64_t program_id, const char *code,
                struct fdl_shop *out, struct fdl_error *err);
int pg_shops_list(struct fdl_store *st, int64_t program_id, const char *after, int limit,
                  struct fdl_shop *out, int *count, int *any, struct fdl_error *err);
int pg_staff_insert(struct fdl_store *st, struct fdl_staff *s, struct fdl_error *err);
int pg_staff_by_login(struct fdl_store *st, const char *login, struct fdl_staff *out,
                      struct fdl_error *err);
int pg_staff_get(struct fdl_store *st, int64_t program_id, int64_t id,
                 struct fdl_staff *out, struct fdl_error *err);
int pg_staff_list(struct fdl_store *st, int64_t program_id, const char *partner,
                  int64_t after_id, int limit, struct fdl_staff *out, int *count,
                  struct fdl_error *err);
int pg_staff_set_member(struct fdl_store *st, int64_t program_id, int64_t id,
                        int64_t member_id, struct fdl_error *err);
int pg_staff_update(struct fdl_store *st, const struct fdl_staff *s,
                    struct fdl_error *err);
int pg_sessions_revoke_staff(struct fdl_store *st, int64_t program_id, int64_t staff_id,
                             const unsigned char *keep, int64_t now_s, int64_t *ended,
                             struct fdl_error *err);
int pg_session_insert(struct fdl_store *st, const struct fdl_session *s,
                      struct fdl_error *err);
int pg_session_get(struct fdl_store *st, const unsigned char *hash,
                   struct fdl_session *out, struct fdl_error *err);
int pg_session_revoke(struct fdl_store *st, const unsigned char *hash, int64_t now_s,
                      struct fdl_error *err);
int pg_audit_insert(struct fdl_store *st, struct fdl_audit_row *row,
                    struct fdl_error *err);
int pg_audit_list(struct fdl_store *st, int64_t program_id,
                  const struct fdl_audit_filter *f, int limit, struct fdl_audit_row *out,
                  int *count, struct fdl_error *err);
int pg_staff_activity(struct fdl_store *st, int64_t program_id, const char *partner,
                      const char *store_code, int64_t from_s, int64_t to_s,
                      struct fdl_staff_activity *out, int max, int *count,
                      struct fdl_error *err);

#endif
