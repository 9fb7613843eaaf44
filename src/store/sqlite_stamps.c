/*
 * sqlite_stamps.c - punch cards in SQLite: members' counts per card
 * (stamp_cards), the rewards filled cards issued (stamp_vouchers) and what
 * each purchase gave each card (stamp_grants), for refunds to take back.
 */
#include "store/sqlite_internal.h"
#include "store/sqlite_stamps.h"

#include <stdlib.h>
#include <string.h>

#define CARD_COLUMNS                                                                     \
    "program_id, member_id, card_id, stamps, filled, expires_at, updated_at"
#define VOUCHER_COLUMNS                                                                  \
    "id, program_id, member_id, card_id, kind, skus, points, purchase_id, issued_at, "   \
    "expires_at, status, used_txn, used_line, discount_minor"

static struct sqlite_sql q_card_get = {
    "SELECT " CARD_COLUMNS " FROM stamp_cards"
    " WHERE program_id = ?1 AND member_id = ?2 AND card_id = ?3",
    0};
static struct sqlite_sql q_card_put = {
    "INSERT INTO stamp_cards (" CARD_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    " ON CONFLICT (program_id, member_id, card_id) DO UPDATE SET stamps = ?4,"
    " filled = ?5, expires_at = ?6, updated_at = ?7",
    0};
static struct sqlite_sql q_cards_list = {
    "SELECT " CARD_COLUMNS " FROM stamp_cards WHERE program_id = ?1 AND member_id = ?2"
    " ORDER BY card_id LIMIT ?3",
    0};
static struct sqlite_sql q_cards_lapsed = {
    "SELECT " CARD_COLUMNS " FROM stamp_cards WHERE program_id = ?1 AND expires_at > 0"
    " AND expires_at <= ?2 AND stamps > 0 ORDER BY expires_at LIMIT ?3",
    0};
static struct sqlite_sql q_voucher_insert = {
    "INSERT INTO stamp_vouchers (program_id, member_id, card_id, kind, skus, points,"
    " purchase_id, issued_at, expires_at, status, used_txn, used_line, discount_minor)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    0};
static struct sqlite_sql q_voucher_get = {
    "SELECT " VOUCHER_COLUMNS " FROM stamp_vouchers WHERE program_id = ?1 AND id = ?2",
    0};
static struct sqlite_sql q_voucher_update = {
    "UPDATE stamp_vouchers SET status = ?3, used_txn = ?4, used_line = ?5,"
    " discount_minor = ?6 WHERE program_id = ?1 AND id = ?2",
    0};
static struct sqlite_sql q_vouchers_list = {
    "SELECT " VOUCHER_COLUMNS " FROM stamp_vouchers WHERE program_id = ?1"
    " AND member_id = ?2 AND (?3 IS NULL OR card_id = ?3) AND (?4 = 0 OR status = ?4)"
    " AND (?5 IS NULL OR used_txn = ?5) ORDER BY id DESC LIMIT ?6",
    0};
static struct sqlite_sql q_grant_insert = {
    "INSERT INTO stamp_grants (program_id, member_id, purchase_id, card_id, line_no,"
    " stamps, reversed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    0};
static struct sqlite_sql q_grants_of = {
    "SELECT card_id, line_no, stamps, reversed FROM stamp_grants"
    " WHERE program_id = ?1 AND purchase_id = ?2 ORDER BY card_id, line_no",
    0};
static struct sqlite_sql q_grant_update = {
    "UPDATE stamp_grants SET reversed = ?5 WHERE program_id = ?1 AND purchase_id = ?2"
    " AND card_id = ?3 AND line_no = ?4",
    0};

static void card_read(sqlite3_stmt *q, struct fdl_stamp_card_state *c)
{
    memset(c, 0, sizeof(*c));
    c->program_id = column_int(q, 0);
    c->member_id = column_int(q, 1);
    column_text(q, 2, c->card_id, sizeof(c->card_id));
    c->stamps = column_int(q, 3);
    c->filled = column_int(q, 4);
    c->expires_at_s = column_int(q, 5);
    c->updated_at_s = column_int(q, 6);
}

static void voucher_read(sqlite3_stmt *q, struct fdl_stamp_voucher *v)
{
    memset(v, 0, sizeof(*v));
    v->id = column_int(q, 0);
    v->program_id = column_int(q, 1);
    v->member_id = column_int(q, 2);
    column_text(q, 3, v->card_id, sizeof(v->card_id));
    v->kind = (enum fdl_stamp_reward_kind)column_int(q, 4);
    column_text(q, 5, v->skus, sizeof(v->skus));
    v->points = column_int(q, 6);
    v->purchase_id = column_int(q, 7);
    v->issued_at_s = column_int(q, 8);
    v->expires_at_s = column_int(q, 9);
    v->status = (enum fdl_voucher_status)column_int(q, 10);
    column_text(q, 11, v->used_txn, sizeof(v->used_txn));
    v->used_line = column_int(q, 12);
    v->discount_minor = column_int(q, 13);
}

/* Reads at most max card rows of bound q into out. */
static int cards_read(struct sqlite_store *s, sqlite3_stmt *q,
                      struct fdl_stamp_card_state *out, int max, int *count,
                      struct fdl_error *err)
{
    int n = 0, rc = SQLITE_DONE;
    while (n < max && (rc = sqlite3_step(q)) == SQLITE_ROW)
        card_read(q, &out[n++]);
    return sqlite_rows_end(s, q, rc, n, count, err);
}

int sqlite_stamp_card_get(struct fdl_store *st, int64_t program_id, int64_t member_id,
                          const char *card_id, struct fdl_stamp_card_state *out,
                          struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_card_get, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id) ||
        bind_text(q, 3, card_id))
        return bind_failed(s, q, err);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        card_read(q, out);
    return sqlite_row_end(s, q, rc, err);
}

int sqlite_stamp_card_put(struct fdl_store *st, const struct fdl_stamp_card_state *c,
                          struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_card_put, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, c->program_id) || bind_int(q, 2, c->member_id) ||
        bind_text(q, 3, c->card_id) || bind_int(q, 4, c->stamps) ||
        bind_int(q, 5, c->filled) || bind_int(q, 6, c->expires_at_s) ||
        bind_int(q, 7, c->updated_at_s))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, NULL, err);
}

int sqlite_stamp_cards_list(struct fdl_store *st, int64_t program_id, int64_t member_id,
                            struct fdl_stamp_card_state *out, int max, int *count,
                            struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_cards_list, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id) || bind_int(q, 3, max))
        return bind_failed(s, q, err);
    return cards_read(s, q, out, max, count, err);
}

int sqlite_stamp_cards_lapsed(struct fdl_store *st, int64_t program_id, int64_t now_s,
                              struct fdl_stamp_card_state *out, int max, int *count,
                              struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_cards_lapsed, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, now_s) || bind_int(q, 3, max))
        return bind_failed(s, q, err);
    return cards_read(s, q, out, max, count, err);
}

int sqlite_stamp_voucher_insert(struct fdl_store *st, struct fdl_stamp_voucher *v,
                                struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_voucher_insert, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, v->program_id) || bind_int(q, 2, v->member_id) ||
        bind_text(q, 3, v->card_id) || bind_int(q, 4, v->kind) ||
        bind_text(q, 5, v->skus) || bind_int(q, 6, v->points) ||
        bind_int(q, 7, v->purchase_id) || bind_int(q, 8, v->issued_at_s) ||
        bind_int(q, 9, v->expires_at_s) || bind_int(q, 10, v->status) ||
        bind_text(q, 11, v->used_txn) || bind_int(q, 12, v->used_line) ||
        bind_int(q, 13, v->discount_minor))
        return bind_failed(s, q, err);
    rc = stmt_finish(s, q, NULL, err);
    if (rc == 0)
        v->id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

int sqlite_stamp_voucher_get(struct fdl_store *st, int64_t program_id, int64_t id,
                             struct fdl_stamp_voucher *out, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_voucher_get, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, id))
        return bind_failed(s, q, err);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        voucher_read(q, out);
    return sqlite_row_end(s, q, rc, err);
}

int sqlite_stamp_voucher_update(struct fdl_store *st, const struct fdl_stamp_voucher *v,
                                struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_voucher_update, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, v->program_id) || bind_int(q, 2, v->id) ||
        bind_int(q, 3, v->status) || bind_text(q, 4, v->used_txn) ||
        bind_int(q, 5, v->used_line) || bind_int(q, 6, v->discount_minor))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, NULL, err);
}

int sqlite_stamp_vouchers_list(struct fdl_store *st, int64_t program_id,
                               int64_t member_id, const char *card_id, int status,
                               const char *used_txn, struct fdl_stamp_voucher *out,
                               int max, int *count, struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_vouchers_list, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id) ||
        bind_text(q, 3, card_id) || bind_int(q, 4, status) || bind_text(q, 5, used_txn) ||
        bind_int(q, 6, max))
        return bind_failed(s, q, err);
    int n = 0;
    rc = SQLITE_DONE;
    while (n < max && (rc = sqlite3_step(q)) == SQLITE_ROW)
        voucher_read(q, &out[n++]);
    return sqlite_rows_end(s, q, rc, n, count, err);
}

int sqlite_stamp_grant_insert(struct fdl_store *st, int64_t program_id, int64_t member_id,
                              int64_t purchase_id, const struct fdl_stamp_grant *g,
                              struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_grant_insert, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, member_id) ||
        bind_int(q, 3, purchase_id) || bind_text(q, 4, g->card_id) ||
        bind_int(q, 5, g->line_no) || bind_int(q, 6, g->stamps) ||
        bind_int(q, 7, g->reversed))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, NULL, err);
}

int sqlite_stamp_grants_of(struct fdl_store *st, int64_t program_id, int64_t purchase_id,
                           struct fdl_stamp_grant **out, size_t *count,
                           struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_grants_of, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, purchase_id))
        return bind_failed(s, q, err);
    size_t n = 0, cap = 8;
    struct fdl_stamp_grant *rows = malloc(cap * sizeof(*rows));
    int result = rows ? 0 : fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    rc = SQLITE_DONE;
    while (result == 0 && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (n == cap) {
            struct fdl_stamp_grant *grown = realloc(rows, 2 * cap * sizeof(*rows));
            if (!grown) {
                result = fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
                break;
            }
            rows = grown;
            cap *= 2;
        }
        memset(&rows[n], 0, sizeof(rows[n]));
        column_text(q, 0, rows[n].card_id, sizeof(rows[n].card_id));
        rows[n].line_no = column_int(q, 1);
        rows[n].stamps = column_int(q, 2);
        rows[n].reversed = column_int(q, 3);
        n++;
    }
    if (result == 0 && rc != SQLITE_DONE)
        result = db_error(s, rc, NULL, err);
    stmt_reset(q);
    if (result) {
        free(rows);
        return result;
    }
    *out = rows;
    *count = n;
    return 0;
}

int sqlite_stamp_grant_update(struct fdl_store *st, int64_t program_id,
                              int64_t purchase_id, const struct fdl_stamp_grant *g,
                              struct fdl_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    sqlite3_stmt *q;
    int rc = sqlite_prepared(s, &q_grant_update, &q, err);
    if (rc)
        return rc;
    if (bind_int(q, 1, program_id) || bind_int(q, 2, purchase_id) ||
        bind_text(q, 3, g->card_id) || bind_int(q, 4, g->line_no) ||
        bind_int(q, 5, g->reversed))
        return bind_failed(s, q, err);
    return stmt_finish(s, q, NULL, err);
}
