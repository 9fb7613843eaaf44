/*
 * pg_stamps.c - punch cards on PostgreSQL: sqlite_stamps.c op by op.
 * Members' counts per card (stamp_cards), the rewards filled cards issued
 * (stamp_vouchers) and what each purchase gave each card (stamp_grants),
 * for refunds to take back.
 *
 * Every table is keyed (program_id, member_id, ...) first. Inside a write
 * transaction the reads a write then decides on lock their rows (FOR
 * UPDATE): a card's count before it is stamped or lapsed, a voucher's
 * status before it is used or revoked, a purchase's grants before they are
 * reversed. The member's row is normally locked already (member_get), so
 * these locks add no waiting; they keep the decision safe on their own.
 */
#include "store/pg_stamps.h"
#include "store/pg_internal.h"

#include <stdlib.h>
#include <string.h>

/* Migration schema_stamps (sqlite.c's schema_stamps). */
const char pg_schema_stamps[] =
    "CREATE TABLE stamp_cards (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    member_id BIGINT NOT NULL,\n"
    "    card_id TEXT COLLATE \"C\" NOT NULL,\n"
    "    stamps BIGINT NOT NULL,\n"
    "    filled BIGINT NOT NULL,\n"
    "    expires_at BIGINT NOT NULL,\n"
    "    updated_at BIGINT NOT NULL,\n"
    "    PRIMARY KEY (program_id, member_id, card_id),\n"
    "    FOREIGN KEY (program_id, member_id) REFERENCES members (program_id, id)\n"
    ");\n"
    "CREATE INDEX stamp_cards_lapse ON stamp_cards (program_id, expires_at)\n"
    "    WHERE expires_at > 0;\n"
    "CREATE TABLE stamp_vouchers (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    member_id BIGINT NOT NULL,\n"
    "    id BIGINT GENERATED ALWAYS AS IDENTITY,\n"
    "    card_id TEXT COLLATE \"C\" NOT NULL,\n"
    "    kind BIGINT NOT NULL,\n"
    "    skus TEXT NOT NULL,\n"
    "    points BIGINT NOT NULL,\n"
    "    purchase_id BIGINT NOT NULL,\n"
    "    issued_at BIGINT NOT NULL,\n"
    "    expires_at BIGINT NOT NULL,\n"
    "    status BIGINT NOT NULL,\n"
    "    used_txn TEXT COLLATE \"C\" NOT NULL DEFAULT '',\n"
    "    used_line BIGINT NOT NULL DEFAULT 0,\n"
    "    discount_minor BIGINT NOT NULL DEFAULT 0,\n"
    "    PRIMARY KEY (program_id, member_id, id),\n"
    "    FOREIGN KEY (program_id, member_id) REFERENCES members (program_id, id)\n"
    ");\n"
    "CREATE INDEX stamp_vouchers_id ON stamp_vouchers (program_id, id);\n"
    "CREATE TABLE stamp_grants (\n"
    "    program_id BIGINT NOT NULL,\n"
    "    member_id BIGINT NOT NULL,\n"
    "    purchase_id BIGINT NOT NULL,\n"
    "    card_id TEXT COLLATE \"C\" NOT NULL,\n"
    "    line_no BIGINT NOT NULL,\n"
    "    stamps BIGINT NOT NULL,\n"
    "    reversed BIGINT NOT NULL DEFAULT 0,\n"
    "    PRIMARY KEY (program_id, member_id, purchase_id, card_id, line_no),\n"
    "    FOREIGN KEY (program_id, member_id, purchase_id)\n"
    "        REFERENCES purchases (program_id, member_id, id)\n"
    ");\n"
    "CREATE INDEX stamp_grants_purchase ON stamp_grants (program_id, purchase_id);\n";

#define CARD_COLUMNS                                                                     \
    "program_id, member_id, card_id, stamps, filled, expires_at, updated_at"
#define VOUCHER_COLUMNS                                                                  \
    "id, program_id, member_id, card_id, kind, skus, points, purchase_id, issued_at, "   \
    "expires_at, status, used_txn, used_line, discount_minor"

#define CARD_GET                                                                         \
    "SELECT " CARD_COLUMNS " FROM stamp_cards"                                           \
    " WHERE program_id = $1 AND member_id = $2 AND card_id = $3"
#define CARDS_LAPSED                                                                     \
    "SELECT " CARD_COLUMNS " FROM stamp_cards WHERE program_id = $1 AND expires_at > 0"  \
    " AND expires_at <= $2 AND stamps > 0 ORDER BY expires_at, member_id, card_id"       \
    " LIMIT $3"
#define VOUCHER_GET                                                                      \
    "SELECT " VOUCHER_COLUMNS " FROM stamp_vouchers WHERE program_id = $1 AND id = $2"
#define VOUCHERS_LIST                                                                    \
    "SELECT " VOUCHER_COLUMNS " FROM stamp_vouchers WHERE program_id = $1"               \
    " AND member_id = $2 AND ($3::text IS NULL OR card_id = $3)"                         \
    " AND ($4::bigint = 0 OR status = $4) AND ($5::text IS NULL OR used_txn = $5)"       \
    " ORDER BY id DESC LIMIT $6"
#define GRANTS_OF                                                                        \
    "SELECT card_id, line_no, stamps, reversed FROM stamp_grants"                        \
    " WHERE program_id = $1 AND purchase_id = $2 ORDER BY card_id, line_no"

static struct pg_sql q_card_get = {CARD_GET, 0};
static struct pg_sql q_card_get_locked = {CARD_GET " FOR UPDATE", 0};
static struct pg_sql q_card_put = {
    "INSERT INTO stamp_cards (" CARD_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7)"
    " ON CONFLICT (program_id, member_id, card_id) DO UPDATE SET stamps = $4,"
    " filled = $5, expires_at = $6, updated_at = $7",
    0};
static struct pg_sql q_cards_list = {
    "SELECT " CARD_COLUMNS " FROM stamp_cards WHERE program_id = $1 AND member_id = $2"
    " ORDER BY card_id LIMIT $3",
    0};
static struct pg_sql q_cards_lapsed = {CARDS_LAPSED, 0};
static struct pg_sql q_cards_lapsed_locked = {CARDS_LAPSED " FOR UPDATE", 0};
static struct pg_sql q_voucher_insert = {
    "INSERT INTO stamp_vouchers (program_id, member_id, card_id, kind, skus, points,"
    " purchase_id, issued_at, expires_at, status, used_txn, used_line, discount_minor)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    0};
static struct pg_sql q_voucher_get = {VOUCHER_GET, 0};
static struct pg_sql q_voucher_get_locked = {VOUCHER_GET " FOR UPDATE", 0};
static struct pg_sql q_voucher_update = {
    "UPDATE stamp_vouchers SET status = $3, used_txn = $4, used_line = $5,"
    " discount_minor = $6 WHERE program_id = $1 AND id = $2",
    0};
static struct pg_sql q_vouchers_list = {VOUCHERS_LIST, 0};
static struct pg_sql q_vouchers_list_locked = {VOUCHERS_LIST " FOR UPDATE", 0};
static struct pg_sql q_grant_insert = {
    "INSERT INTO stamp_grants (program_id, member_id, purchase_id, card_id, line_no,"
    " stamps, reversed) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    0};
static struct pg_sql q_grants_of = {GRANTS_OF, 0};
static struct pg_sql q_grants_of_locked = {GRANTS_OF " FOR UPDATE", 0};
static struct pg_sql q_grant_update = {
    "UPDATE stamp_grants SET reversed = $5 WHERE program_id = $1 AND purchase_id = $2"
    " AND card_id = $3 AND line_no = $4",
    0};

/* Whether reads lock the rows they return: inside a write transaction. */
static int locking(struct pg_store *s)
{
    PGTransactionStatusType t = PQtransactionStatus(s->conn);
    return s->write && (t == PQTRANS_INTRANS || t == PQTRANS_ACTIVE);
}

static void card_read(const PGresult *res, int row, struct fdl_stamp_card_state *c)
{
    memset(c, 0, sizeof(*c));
    c->program_id = pg_column_int(res, row, 0);
    c->member_id = pg_column_int(res, row, 1);
    pg_column_text(res, row, 2, c->card_id, sizeof(c->card_id));
    c->stamps = pg_column_int(res, row, 3);
    c->filled = pg_column_int(res, row, 4);
    c->expires_at_s = pg_column_int(res, row, 5);
    c->updated_at_s = pg_column_int(res, row, 6);
}

static void voucher_read(const PGresult *res, int row, struct fdl_stamp_voucher *v)
{
    memset(v, 0, sizeof(*v));
    v->id = pg_column_int(res, row, 0);
    v->program_id = pg_column_int(res, row, 1);
    v->member_id = pg_column_int(res, row, 2);
    pg_column_text(res, row, 3, v->card_id, sizeof(v->card_id));
    v->kind = (enum fdl_stamp_reward_kind)pg_column_int(res, row, 4);
    pg_column_text(res, row, 5, v->skus, sizeof(v->skus));
    v->points = pg_column_int(res, row, 6);
    v->purchase_id = pg_column_int(res, row, 7);
    v->issued_at_s = pg_column_int(res, row, 8);
    v->expires_at_s = pg_column_int(res, row, 9);
    v->status = (enum fdl_voucher_status)pg_column_int(res, row, 10);
    pg_column_text(res, row, 11, v->used_txn, sizeof(v->used_txn));
    v->used_line = pg_column_int(res, row, 12);
    v->discount_minor = pg_column_int(res, row, 13);
}

/* Runs card query sql with p and reads at most max rows into out. */
static int cards_read(struct pg_store *s, struct pg_sql *sql, const struct pg_params *p,
                      struct fdl_stamp_card_state *out, int max, int *count,
                      struct fdl_error *err)
{
    PGresult *res;
    int rc = pg_run_sql(s, sql, p, NULL, &res, err);
    if (rc)
        return rc;
    int n = PQntuples(res);
    if (n > max)
        n = max;
    for (int i = 0; i < n; i++)
        card_read(res, i, &out[i]);
    PQclear(res);
    *count = n;
    return 0;
}

int pg_stamp_card_get(struct fdl_store *st, int64_t program_id, int64_t member_id,
                      const char *card_id, struct fdl_stamp_card_state *out,
                      struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    pg_text(&p, card_id);
    PGresult *res;
    int rc =
        pg_run_sql(s, locking(s) ? &q_card_get_locked : &q_card_get, &p, NULL, &res, err);
    if (rc)
        return rc;
    if (PQntuples(res) < 1)
        rc = fdl_error_set(err, FDL_ENOT_FOUND, NULL, "not found");
    else
        card_read(res, 0, out);
    PQclear(res);
    return rc;
}

int pg_stamp_card_put(struct fdl_store *st, const struct fdl_stamp_card_state *c,
                      struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, c->program_id);
    pg_int(&p, c->member_id);
    pg_text(&p, c->card_id);
    pg_int(&p, c->stamps);
    pg_int(&p, c->filled);
    pg_int(&p, c->expires_at_s);
    pg_int(&p, c->updated_at_s);
    return pg_run_sql(s, &q_card_put, &p, NULL, NULL, err);
}

int pg_stamp_cards_list(struct fdl_store *st, int64_t program_id, int64_t member_id,
                        struct fdl_stamp_card_state *out, int max, int *count,
                        struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    pg_limit(&p, max);
    return cards_read(s, &q_cards_list, &p, out, max, count, err);
}

int pg_stamp_cards_lapsed(struct fdl_store *st, int64_t program_id, int64_t now_s,
                          struct fdl_stamp_card_state *out, int max, int *count,
                          struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, now_s);
    pg_limit(&p, max);
    return cards_read(s, locking(s) ? &q_cards_lapsed_locked : &q_cards_lapsed, &p, out,
                      max, count, err);
}

int pg_stamp_voucher_insert(struct fdl_store *st, struct fdl_stamp_voucher *v,
                            struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, v->program_id);
    pg_int(&p, v->member_id);
    pg_text(&p, v->card_id);
    pg_int(&p, v->kind);
    pg_text(&p, v->skus);
    pg_int(&p, v->points);
    pg_int(&p, v->purchase_id);
    pg_int(&p, v->issued_at_s);
    pg_int(&p, v->expires_at_s);
    pg_int(&p, v->status);
    pg_text(&p, v->used_txn);
    pg_int(&p, v->used_line);
    pg_int(&p, v->discount_minor);
    PGresult *res;
    int rc = pg_run_sql(s, &q_voucher_insert, &p, NULL, &res, err);
    if (rc)
        return rc;
    if (PQntuples(res) == 1)
        v->id = pg_column_int(res, 0, 0);
    else
        rc = fdl_error_set(err, FDL_ESTORE, NULL, "an insert returned no id");
    PQclear(res);
    return rc;
}

int pg_stamp_voucher_get(struct fdl_store *st, int64_t program_id, int64_t id,
                         struct fdl_stamp_voucher *out, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, id);
    PGresult *res;
    int rc = pg_run_sql(s, locking(s) ? &q_voucher_get_locked : &q_voucher_get, &p, NULL,
                        &res, err);
    if (rc)
        return rc;
    if (PQntuples(res) < 1)
        rc = fdl_error_set(err, FDL_ENOT_FOUND, NULL, "not found");
    else
        voucher_read(res, 0, out);
    PQclear(res);
    return rc;
}

int pg_stamp_voucher_update(struct fdl_store *st, const struct fdl_stamp_voucher *v,
                            struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, v->program_id);
    pg_int(&p, v->id);
    pg_int(&p, v->status);
    pg_text(&p, v->used_txn);
    pg_int(&p, v->used_line);
    pg_int(&p, v->discount_minor);
    return pg_run_sql(s, &q_voucher_update, &p, NULL, NULL, err);
}

int pg_stamp_vouchers_list(struct fdl_store *st, int64_t program_id, int64_t member_id,
                           const char *card_id, int status, const char *used_txn,
                           struct fdl_stamp_voucher *out, int max, int *count,
                           struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    pg_text(&p, card_id);
    pg_int(&p, status);
    pg_text(&p, used_txn);
    pg_limit(&p, max);
    PGresult *res;
    int rc = pg_run_sql(s, locking(s) ? &q_vouchers_list_locked : &q_vouchers_list, &p,
                        NULL, &res, err);
    if (rc)
        return rc;
    int n = PQntuples(res);
    if (n > max)
        n = max;
    for (int i = 0; i < n; i++)
        voucher_read(res, i, &out[i]);
    PQclear(res);
    *count = n;
    return 0;
}

int pg_stamp_grant_insert(struct fdl_store *st, int64_t program_id, int64_t member_id,
                          int64_t purchase_id, const struct fdl_stamp_grant *g,
                          struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, member_id);
    pg_int(&p, purchase_id);
    pg_text(&p, g->card_id);
    pg_int(&p, g->line_no);
    pg_int(&p, g->stamps);
    pg_int(&p, g->reversed);
    return pg_run_sql(s, &q_grant_insert, &p, NULL, NULL, err);
}

int pg_stamp_grants_of(struct fdl_store *st, int64_t program_id, int64_t purchase_id,
                       struct fdl_stamp_grant **out, size_t *count, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, purchase_id);
    PGresult *res;
    int rc = pg_run_sql(s, locking(s) ? &q_grants_of_locked : &q_grants_of, &p, NULL,
                        &res, err);
    if (rc)
        return rc;
    size_t n = (size_t)PQntuples(res);
    struct fdl_stamp_grant *rows = calloc(n ? n : 1, sizeof(*rows));
    if (!rows) {
        PQclear(res);
        return fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        pg_column_text(res, (int)i, 0, rows[i].card_id, sizeof(rows[i].card_id));
        rows[i].line_no = pg_column_int(res, (int)i, 1);
        rows[i].stamps = pg_column_int(res, (int)i, 2);
        rows[i].reversed = pg_column_int(res, (int)i, 3);
    }
    PQclear(res);
    *out = rows;
    *count = n;
    return 0;
}

int pg_stamp_grant_update(struct fdl_store *st, int64_t program_id, int64_t purchase_id,
                          const struct fdl_stamp_grant *g, struct fdl_error *err)
{
    struct pg_store *s = pg_of(st);
    struct pg_params p = {0};
    pg_int(&p, program_id);
    pg_int(&p, purchase_id);
    pg_text(&p, g->card_id);
    pg_int(&p, g->line_no);
    pg_int(&p, g->reversed);
    return pg_run_sql(s, &q_grant_update, &p, NULL, NULL, err);
}
