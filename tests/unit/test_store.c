/*
 * test_store.c - the store contract, run against every backend.
 *
 * The same checks run on SQLite (a temporary file) and, when
 * FIDELIS_TEST_PG names a PostgreSQL maintenance database, on a fresh
 * PostgreSQL database made for the run and dropped after it: unique
 * clashes name the same fields and leave the transaction usable (core,
 * coupons, referrals), name search finds the same members, entries
 * balance and the audit agrees, migrations run once. PostgreSQL alone: a
 * write transaction locks the member it loads, and a lock wait that times
 * out is FDL_EBUSY.
 */
#include "check.h"
#include "store/pg_internal.h"
#include "store/store.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define URI_MAX 512

static char sqlite_path[URI_MAX];
static char pg_uri[URI_MAX];    /* the run's own PostgreSQL database, or "" */
static char pg_dbname[64];      /* its name */
static const char *current_uri; /* the backend the conformance tests run on */

static struct fdl_store *open_store(void)
{
    struct fdl_store *st = NULL;
    struct fdl_error err;
    fdl_error_clear(&err);
    if (fdl_store_open(current_uri, 1, &st, &err) != 0) {
        fprintf(stderr, "  cannot open %s: %s\n", current_uri, err.message);
        return NULL;
    }
    return st;
}

static struct fdl_member member_named(const char *name, const char *key,
                                      const char *email)
{
    struct fdl_member m;
    memset(&m, 0, sizeof(m));
    m.program_id = 1;
    snprintf(m.name, sizeof(m.name), "%s", name);
    snprintf(m.name_key, sizeof(m.name_key), "%s", key);
    snprintf(m.email, sizeof(m.email), "%s", email);
    m.created_at_s = 1000;
    return m;
}

static void the_schema_is_at_the_latest_version_and_migrating_again_changes_nothing(void)
{
    struct fdl_store *st = open_store();
    CHECK(st);
    struct fdl_error err;
    char version[32] = "";
    int rc =
        FDL_STORE_CALL(st, meta_get, "schema_version", version, sizeof(version), &err);
    int again = FDL_STORE_CALL(st, migrate, &err);
    char after[32] = "";
    FDL_STORE_CALL(st, meta_get, "schema_version", after, sizeof(after), &err);
    int latest = fdl_store_ops_of(st)->schema_version;
    fdl_store_close(st);
    char want[32];
    snprintf(want, sizeof(want), "%d", latest);
    CHECK_INT(rc, 0);
    CHECK_STR(version, want);
    CHECK_INT(again, 0);
    CHECK_STR(after, want);
    /* both backends migrate to the same schema version */
    CHECK_INT(fdl_store_sqlite.schema_version, fdl_store_pg.schema_version);
}

static void a_duplicate_email_names_the_field_and_the_transaction_goes_on(void)
{
    struct fdl_store *st = open_store();
    CHECK(st);
    struct fdl_error err;
    fdl_error_clear(&err);
    struct fdl_member a = member_named("Ana Roca", "ana roca", "dup@example.com");
    struct fdl_member b = member_named("Bea Roca", "bea roca", "dup@example.com");
    struct fdl_member c = member_named("Cai Roca", "cai roca", "");
    int begin = FDL_STORE_CALL(st, begin, 1, &err);
    int first = FDL_STORE_CALL(st, member_insert, &a, &err);
    int second = FDL_STORE_CALL(st, member_insert, &b, &err);
    char field[sizeof(err.field)];
    snprintf(field, sizeof(field), "%s", err.field);
    int alive = FDL_STORE_CALL0(st, in_transaction);
    int third = FDL_STORE_CALL(st, member_insert, &c, &err);
    int commit = FDL_STORE_CALL(st, commit, &err);
    struct fdl_member found;
    int find = FDL_STORE_CALL(st, member_find, 1, FDL_LOOKUP_EMAIL, "dup@example.com",
                              &found, &err);
    fdl_store_close(st);
    CHECK_INT(begin, 0);
    CHECK_INT(first, 0);
    CHECK_INT(second, FDL_EDUPLICATE);
    CHECK_STR(field, "email");
    CHECK_INT(alive, 1);
    CHECK_INT(third, 0);
    CHECK_INT(commit, 0);
    CHECK_INT(find, 0);
    CHECK_INT(found.id, a.id);
    CHECK(c.id > a.id);
}

/* Coupons and referrals: a live single-use code, a stored code hash and a
 * referee referred twice clash under the same field names on every
 * backend, the transaction goes on, and a purchase keeps its coupon
 * discount. */
static void coupon_and_referral_clashes_name_the_same_fields(void)
{
    struct fdl_store *st = open_store();
    CHECK(st);
    struct fdl_error err;
    fdl_error_clear(&err);
    unsigned char hash[FDL_COUPON_HASH_BYTES];
    memset(hash, 0xA5, sizeof(hash));
    struct fdl_member m = member_named("Coupon Carla", "coupon carla", "");
    struct fdl_member r = member_named("Referrer Rui", "referrer rui", "");
    struct fdl_purchase p;
    memset(&p, 0, sizeof(p));
    p.program_id = 1;
    snprintf(p.txn_id, sizeof(p.txn_id), "%s", "T-COUPON-1");
    snprintf(p.currency, sizeof(p.currency), "%s", "EUR");
    p.total_minor = 2000;
    p.coupon_discount_minor = 500;
    int rc = FDL_STORE_CALL(st, begin, 1, &err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, member_insert, &m, &err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, member_insert, &r, &err);
    p.member_id = m.id;
    if (rc == 0)
        rc = FDL_STORE_CALL(st, purchase_insert, &p, NULL, &err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, coupon_code_insert, 1, hash, "welcome", 0, 10, &err);
    int code_again =
        FDL_STORE_CALL(st, coupon_code_insert, 1, hash, "other", 0, 10, &err);
    char code_field[sizeof(err.field)];
    snprintf(code_field, sizeof(code_field), "%s", err.field);
    int use = FDL_STORE_CALL(st, coupon_use_insert, 1, m.id, p.id, "welcome", hash,
                             "XXXX-XXXX-XXXX-AB12", 500, 20, &err);
    int use_again = FDL_STORE_CALL(st, coupon_use_insert, 1, m.id, p.id, "welcome", hash,
                                   "XXXX-XXXX-XXXX-AB12", 500, 20, &err);
    char use_field[sizeof(err.field)];
    snprintf(use_field, sizeof(use_field), "%s", err.field);
    int alive = FDL_STORE_CALL0(st, in_transaction);
    int used = 0, used_after = 1;
    int64_t count = 0;
    char campaign[32] = "";
    int64_t bound = -1;
    int get = FDL_STORE_CALL(st, coupon_code_get, 1, hash, campaign, sizeof(campaign),
                             &bound, &err);
    int used_rc = FDL_STORE_CALL(st, coupon_code_used, 1, hash, &used, &err);
    int count_rc =
        FDL_STORE_CALL(st, coupon_uses_count, 1, "welcome", m.id, &count, &err);
    int back = FDL_STORE_CALL(st, coupon_uses_return, 1, m.id, p.id, &err);
    int used_after_rc = FDL_STORE_CALL(st, coupon_code_used, 1, hash, &used_after, &err);
    int reuse = FDL_STORE_CALL(st, coupon_use_insert, 1, m.id, p.id, "welcome", hash,
                               "XXXX-XXXX-XXXX-AB12", 500, 30, &err);
    struct fdl_referral ref;
    memset(&ref, 0, sizeof(ref));
    ref.program_id = 1;
    ref.referee_id = m.id;
    ref.referrer_id = r.id;
    ref.status = FDL_REFERRAL_PENDING;
    ref.created_at_s = 40;
    int referred = FDL_STORE_CALL(st, referral_insert, &ref, &err);
    int referred_again = FDL_STORE_CALL(st, referral_insert, &ref, &err);
    char referral_field[sizeof(err.field)];
    snprintf(referral_field, sizeof(referral_field), "%s", err.field);
    int commit = FDL_STORE_CALL(st, commit, &err);
    struct fdl_purchase got;
    struct fdl_purchase_line *lines = NULL;
    int read = FDL_STORE_CALL(st, purchase_get, 1, "T-COUPON-1", &got, &lines, &err);
    free(lines);
    struct fdl_coupon_applied applied[4];
    int n = 0;
    int of =
        FDL_STORE_CALL(st, coupon_uses_of_purchase, 1, m.id, p.id, applied, 4, &n, &err);
    fdl_store_close(st);
    CHECK_INT(rc, 0);
    CHECK_INT(code_again, FDL_EDUPLICATE);
    CHECK_STR(code_field, "code");
    CHECK_INT(use, 0);
    CHECK_INT(use_again, FDL_EDUPLICATE);
    CHECK_STR(use_field, "coupons");
    CHECK_INT(alive, 1);
    CHECK_INT(get, 0);
    CHECK_STR(campaign, "welcome");
    CHECK_INT(bound, 0);
    CHECK_INT(used_rc, 0);
    CHECK_INT(used, 1);
    CHECK_INT(count_rc, 0);
    CHECK_INT(count, 1);
    CHECK_INT(back, 0);
    CHECK_INT(used_after_rc, 0);
    CHECK_INT(used_after, 0);
    CHECK_INT(reuse, 0);
    CHECK_INT(referred, 0);
    CHECK_INT(referred_again, FDL_EDUPLICATE);
    CHECK_STR(referral_field, "referral_code");
    CHECK_INT(commit, 0);
    CHECK_INT(read, 0);
    CHECK_INT(got.coupon_discount_minor, 500);
    CHECK_INT(of, 0);
    CHECK_INT(n, 2);
    CHECK_INT(applied[0].single_use, 1);
    CHECK_INT(applied[1].discount_minor, 500);
    CHECK_STR(applied[1].campaign, "welcome");
}

static void a_duplicate_card_number_is_an_error_the_caller_can_retry(void)
{
    struct fdl_store *st = open_store();
    CHECK(st);
    struct fdl_error err;
    struct fdl_member m = member_named("Card Holder", "card holder", "");
    struct fdl_card card;
    memset(&card, 0, sizeof(card));
    snprintf(card.number, sizeof(card.number), "%s", "8000000000000000001");
    card.program_id = 1;
    card.status = FDL_CARD_ACTIVE;
    card.issued_at_s = 5;
    int rc = FDL_STORE_CALL(st, begin, 1, &err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, member_insert, &m, &err);
    card.member_id = m.id;
    int first = rc ? rc : FDL_STORE_CALL(st, card_insert, &card, &err);
    int clash = FDL_STORE_CALL(st, card_insert, &card, &err);
    char field[sizeof(err.field)];
    snprintf(field, sizeof(field), "%s", err.field);
    snprintf(card.number, sizeof(card.number), "%s", "8000000000000000002");
    int retry = FDL_STORE_CALL(st, card_insert, &card, &err);
    int commit = FDL_STORE_CALL(st, commit, &err);
    struct fdl_card cards[4];
    int count = 0;
    int list = FDL_STORE_CALL(st, card_list, 1, m.id, cards, 4, &count, &err);
    fdl_store_close(st);
    CHECK_INT(first, 0);
    CHECK_INT(clash, FDL_EDUPLICATE);
    CHECK_STR(field, "number");
    CHECK_INT(retry, 0);
    CHECK_INT(commit, 0);
    CHECK_INT(list, 0);
    CHECK_INT(count, 2);
}

static int search(struct fdl_store *st, const char *a, const char *b, int64_t *ids,
                  int *count)
{
    char wa[64], wb[64];
    snprintf(wa, sizeof(wa), "%s", a);
    snprintf(wb, sizeof(wb), "%s", b ? b : "");
    char *words[2] = {wa, wb};
    struct fdl_member out[8];
    struct fdl_error err;
    int rc =
        FDL_STORE_CALL(st, member_search, 1, words, b ? 2 : 1, 0, 8, out, count, &err);
    for (int i = 0; rc == 0 && i < *count; i++)
        ids[i] = out[i].id;
    return rc;
}

static void name_search_matches_word_prefixes_bytewise_across_accents(void)
{
    struct fdl_store *st = open_store();
    CHECK(st);
    struct fdl_error err;
    struct fdl_member jose = member_named("José Pérez", "josé pérez", "");
    struct fdl_member josf = member_named("Josf Zed", "josf zed", "");
    struct fdl_member ivan = member_named("Иван Петров", "иван петров", "");
    CHECK_INT(FDL_STORE_CALL(st, member_insert, &jose, &err), 0);
    CHECK_INT(FDL_STORE_CALL(st, member_insert, &josf, &err), 0);
    CHECK_INT(FDL_STORE_CALL(st, member_insert, &ivan, &err), 0);
    int64_t ids[8];
    int n = 0;
    CHECK_INT(search(st, "josé", NULL, ids, &n), 0); /* é + 1 is ê: not "josf" */
    CHECK_INT(n, 1);
    CHECK_INT(ids[0], jose.id);
    CHECK_INT(search(st, "jos", "pé", ids, &n), 0);
    CHECK_INT(n, 1);
    CHECK_INT(ids[0], jose.id);
    CHECK_INT(search(st, "jos", NULL, ids, &n), 0);
    CHECK(n >= 2);
    CHECK_INT(search(st, "пет", "ив", ids, &n), 0);
    CHECK_INT(n, 1);
    CHECK_INT(ids[0], ivan.id);
    CHECK_INT(search(st, "петрова", NULL, ids, &n), 0);
    CHECK_INT(n, 0);
    fdl_store_close(st);
}

static void entries_balance_and_the_audit_sees_what_was_written(void)
{
    struct fdl_store *st = open_store();
    CHECK(st);
    struct fdl_error err;
    struct fdl_member m = member_named("Ledger Lou", "ledger lou", "");
    CHECK_INT(FDL_STORE_CALL(st, member_insert, &m, &err), 0);
    struct fdl_entry e;
    CHECK_INT(fdl_entry_build(&e, FDL_ENTRY_ADJUST, m.id, 40), 0);
    struct fdl_lot lot = {0};
    lot.remaining = 40;
    lot.expires_at_s = INT64_MAX;
    int64_t entry_id = 0;
    CHECK_INT(FDL_STORE_CALL(st, begin, 1, &err), 0);
    CHECK_INT(
        FDL_STORE_CALL(st, entry_insert, 1, &e, 0, "test", "unit", 7, &entry_id, &err),
        0);
    CHECK_INT(FDL_STORE_CALL(st, lot_insert, 1, m.id, &lot, &err), 0);
    CHECK_INT(FDL_STORE_CALL(st, move_insert, 1, m.id, entry_id, lot.id, 40, &err), 0);
    CHECK_INT(FDL_STORE_CALL(st, member_set_balance, 1, m.id, 40, &err), 0);
    CHECK_INT(FDL_STORE_CALL(st, commit, &err), 0);
    struct fdl_audit a;
    CHECK_INT(FDL_STORE_CALL(st, audit, &a, &err), 0);
    CHECK_INT(a.unbalanced_entries + a.balance_mismatches + a.lot_mismatches +
                  a.move_mismatches,
              0);
    CHECK(a.entries >= 1 && a.postings >= 2 && a.lots >= 1);
    /* a balance the postings do not back is found */
    CHECK_INT(FDL_STORE_CALL(st, member_set_balance, 1, m.id, 41, &err), 0);
    CHECK_INT(FDL_STORE_CALL(st, audit, &a, &err), 0);
    CHECK_INT(a.balance_mismatches, 1);
    CHECK_INT(a.first_bad_member, m.id);
    CHECK_INT(FDL_STORE_CALL(st, member_set_balance, 1, m.id, 40, &err), 0);
    struct fdl_history_row rows[4];
    int n = 0;
    CHECK_INT(FDL_STORE_CALL(st, history, 1, m.id, 0, 4, rows, &n, &err), 0);
    CHECK_INT(n, 1);
    CHECK_INT(rows[0].points, 40);
    CHECK_STR(rows[0].reason, "test");
    CHECK_INT(FDL_STORE_CALL(st, member_set_balance, 1, m.id + 1000, 1, &err),
              FDL_ENOT_FOUND);
    fdl_store_close(st);
}

/* Inserts a lot for member_id; returns its id (0 on failure). */
static int64_t lot_add(struct fdl_store *st, int64_t member_id, int64_t remaining,
                       int64_t available_at_s, int64_t expires_at_s, int64_t purchase_id,
                       int64_t expired)
{
    struct fdl_error err;
    struct fdl_lot lot = {0,           remaining, available_at_s, expires_at_s,
                          purchase_id, 0,         expired};
    if (FDL_STORE_CALL(st, lot_insert, 1, member_id, &lot, &err))
        return 0;
    return lot.id;
}

/* The ids of lots, in order, as "1,2,3" relative to base (the first id). */
static const char *ids_of(const struct fdl_lots *lots, int64_t base, char *buf,
                          size_t size)
{
    buf[0] = '\0';
    for (size_t i = 0, len = 0; i < lots->count && len < size; i++) {
        snprintf(buf + len, size - len, "%s%lld", i ? "," : "",
                 (long long)(lots->items[i].id - base + 1));
        len = strlen(buf);
    }
    return buf;
}

/* lots_select reads each set in spending order after its key, at most the
 * limit; lot_sums adds up pending, due and soon-expiring points. */
static void lot_sets_and_sums_read_the_same_lots(void)
{
    struct fdl_store *st = open_store();
    CHECK(st);
    struct fdl_error err;
    fdl_error_clear(&err);
    struct fdl_member m = member_named("Lots Lena", "lots lena", "");
    struct fdl_member other = member_named("Other Otto", "other otto", "");
    struct fdl_purchase p;
    memset(&p, 0, sizeof(p));
    p.program_id = 1;
    snprintf(p.txn_id, sizeof(p.txn_id), "%s", "T-LOTS-1");
    snprintf(p.currency, sizeof(p.currency), "%s", "EUR");
    int rc = FDL_STORE_CALL(st, begin, 1, &err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, member_insert, &m, &err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, member_insert, &other, &err);
    p.member_id = m.id;
    if (rc == 0)
        rc = FDL_STORE_CALL(st, purchase_insert, &p, NULL, &err);
    CHECK_INT(rc, 0);
    /* now = 100; lot n (1-based from base) */
    int64_t base = lot_add(st, m.id, 10, 0, 300, 0, 0); /* 1 spendable */
    lot_add(st, m.id, 20, 0, 200, p.id, 0);             /* 2 spendable, purchase */
    lot_add(st, m.id, 30, 150, 200, 0, 0);              /* 3 pending */
    lot_add(st, m.id, 40, 0, 90, 0, 0);                 /* 4 due */
    lot_add(st, m.id, -5, 0, FDL_LOT_NEVER, 0, 0);      /* 5 debt */
    lot_add(st, m.id, 0, 0, 80, p.id, 7);               /* 6 expired, purchase */
    lot_add(st, m.id, 0, 0, 250, 0, 0);                 /* 7 spent */
    lot_add(st, m.id, 50, 0, 200, 0, 0);                /* 8 spendable */
    lot_add(st, other.id, 99, 0, 200, 0, 0);            /* someone else's */
    CHECK(base > 0);
    struct {
        struct fdl_lot_query q;
        const char *want;
    } cases[] = {
        {{FDL_LOTS_DEBT, 0, 0, 0, 0, 10}, "5"},
        {{FDL_LOTS_OF_PURCHASE, 0, p.id, 0, 0, 10}, "6,2"},
        {{FDL_LOTS_SPENDABLE, 100, 0, INT64_MIN, 0, 10}, "2,8,1"},
        {{FDL_LOTS_SPENDABLE, 100, 0, INT64_MIN, 0, 2}, "2,8"},
        {{FDL_LOTS_SPENDABLE, 100, 0, 200, base + 1, 10}, "8,1"},
        {{FDL_LOTS_SPENDABLE, 100, 0, 200, base + 7, 10}, "1"},
        {{FDL_LOTS_POSITIVE, 0, 0, INT64_MIN, 0, 10}, "4,2,3,8,1"},
        {{FDL_LOTS_POSITIVE, 0, 0, 200, base + 2, 10}, "8,1"},
        {{FDL_LOTS_POSITIVE, 0, 0, INT64_MAX, INT64_MAX, 10}, ""},
        {{FDL_LOTS_DUE, 100, 0, 0, 0, 10}, "4"},
    };
    char got[64];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fdl_lots lots;
        fdl_lots_init(&lots);
        rc = FDL_STORE_CALL(st, lots_select, 1, m.id, &cases[i].q, &lots, &err);
        ids_of(&lots, base, got, sizeof(got));
        fdl_lots_release(&lots);
        CHECK_INT(rc, 0);
        CHECK_STR(got, cases[i].want);
    }
    struct fdl_lot_sums sums;
    rc = FDL_STORE_CALL(st, lot_sums, 1, m.id, 100, 250, &sums, &err);
    FDL_STORE_CALL0(st, rollback);
    fdl_store_close(st);
    CHECK_INT(rc, 0);
    CHECK_INT(sums.pending, 30);
    CHECK_INT(sums.due, 40);
    CHECK_INT(sums.expiring_count, 2);
    CHECK_INT(sums.expiring[0].expires_at_s, 90);
    CHECK_INT(sums.expiring[0].points, 40);
    CHECK_INT(sums.expiring[1].expires_at_s, 200);
    CHECK_INT(sums.expiring[1].points, 100);
}

static void a_rolled_back_transaction_leaves_nothing(void)
{
    struct fdl_store *st = open_store();
    CHECK(st);
    struct fdl_error err;
    struct fdl_member m = member_named("Gone Again", "gone again", "gone@example.com");
    CHECK_INT(FDL_STORE_CALL(st, begin, 1, &err), 0);
    CHECK_INT(FDL_STORE_CALL(st, member_insert, &m, &err), 0);
    CHECK_INT(FDL_STORE_CALL0(st, rollback), 0);
    CHECK_INT(FDL_STORE_CALL0(st, in_transaction), 0);
    struct fdl_member found;
    CHECK_INT(FDL_STORE_CALL(st, member_find, 1, FDL_LOOKUP_EMAIL, "gone@example.com",
                             &found, &err),
              FDL_ENOT_FOUND);
    fdl_store_close(st);
}

/* PostgreSQL only: the member lock, and a lock wait that gives up is FDL_EBUSY. */
static void a_second_writer_waits_for_the_member_and_a_timeout_is_busy(void)
{
    struct fdl_store *a = open_store(), *b = open_store();
    CHECK(a && b);
    struct fdl_error err;
    struct fdl_member m = member_named("Locked Lena", "locked lena", "");
    CHECK_INT(FDL_STORE_CALL(a, member_insert, &m, &err), 0);
    struct fdl_member seen;
    CHECK_INT(FDL_STORE_CALL(a, begin, 1, &err), 0);
    CHECK_INT(FDL_STORE_CALL(a, member_get, 1, m.id, &seen, &err), 0);
    PGresult *res = PQexec(pg_of(b)->conn, "SET lock_timeout = 200");
    PQclear(res);
    /* a reader is never blocked */
    CHECK_INT(FDL_STORE_CALL(b, begin, 0, &err), 0);
    CHECK_INT(FDL_STORE_CALL(b, member_get, 1, m.id, &seen, &err), 0);
    CHECK_INT(FDL_STORE_CALL0(b, rollback), 0);
    /* a writer waits, and gives up */
    CHECK_INT(FDL_STORE_CALL(b, begin, 1, &err), 0);
    CHECK_INT(FDL_STORE_CALL(b, member_get, 1, m.id, &seen, &err), FDL_EBUSY);
    CHECK_INT(FDL_STORE_CALL0(b, in_transaction), 0); /* the statement aborted it */
    CHECK_INT(FDL_STORE_CALL(b, commit, &err), FDL_ESTORE);
    struct fdl_lots lots;
    memset(&lots, 0, sizeof(lots));
    CHECK_INT(FDL_STORE_CALL(b, begin, 1, &err), 0);
    CHECK_INT(FDL_STORE_CALL(b, lots_load, 1, m.id, &lots, &err), FDL_EBUSY);
    CHECK_INT(FDL_STORE_CALL0(b, rollback), 0);
    /* once a commits, b gets the row */
    CHECK_INT(FDL_STORE_CALL(a, commit, &err), 0);
    CHECK_INT(FDL_STORE_CALL(b, begin, 1, &err), 0);
    CHECK_INT(FDL_STORE_CALL(b, member_get, 1, m.id, &seen, &err), 0);
    CHECK_INT(FDL_STORE_CALL(b, commit, &err), 0);
    free(lots.items);
    fdl_store_close(a);
    fdl_store_close(b);
}

static void a_password_never_reaches_the_log(void)
{
    char buf[FDL_STORE_URI_LOG_MAX];
    fdl_store_uri_for_log("postgresql://app:s3cret@db.example:5432/fidelis", buf,
                          sizeof(buf));
    CHECK_STR(buf, "postgresql://app:***@db.example:5432/fidelis");
    fdl_store_uri_for_log("postgres://app@db/fidelis", buf, sizeof(buf));
    CHECK_STR(buf, "postgres://app@db/fidelis");
    fdl_store_uri_for_log("/var/lib/fidelis/a:b@c.db", buf, sizeof(buf));
    CHECK_STR(buf, "/var/lib/fidelis/a:b@c.db");
    CHECK(fdl_store_is_postgres("postgresql://x/y") &&
          fdl_store_is_postgres("postgres://x"));
    CHECK(!fdl_store_is_postgres("fidelis.db"));
}

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Runs sql on the maintenance database maint; 0 on success. */
static int maintenance(const char *maint, const char *sql)
{
    PGconn *conn = PQconnectdb(maint);
    PQsetNoticeProcessor(conn, quiet, NULL); /* "does not exist, skipping" */
    PGresult *res = PQstatus(conn) == CONNECTION_OK ? PQexec(conn, sql) : NULL;
    int ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "  %s: %s\n", sql, PQerrorMessage(conn));
    PQclear(res);
    PQfinish(conn);
    return ok ? 0 : -1;
}

/* pg_uri = maint with its database replaced by a fresh one. */
static int make_pg_database(const char *maint)
{
    const char *host = strstr(maint, "://");
    const char *slash = host ? strchr(host + 3, '/') : NULL;
    if (!slash)
        return -1;
    const char *query = strchr(slash, '?');
    snprintf(pg_dbname, sizeof(pg_dbname), "fdl_unit_%ld", (long)getpid());
    snprintf(pg_uri, sizeof(pg_uri), "%.*s/%s%s", (int)(slash - maint), maint, pg_dbname,
             query ? query : "");
    char sql[128];
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", pg_dbname);
    maintenance(maint, sql);
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", pg_dbname);
    return maintenance(maint, sql);
}

/* -- currencies -- */
/* Rates: one per currency and time (a second is FDL_EDUPLICATE naming
 * effective_from on every backend, and the transaction goes on), the one in
 * force at a time, the history newest first, the listing with the next
 * rate; and a purchase's conversion columns written and read back. */
static void currency_rates_and_conversions_behave_alike(void)
{
    struct fdl_store *st = open_store();
    CHECK(st);
    struct fdl_error err;
    fdl_error_clear(&err);
    struct fdl_member m = member_named("Currency Carmen", "currency carmen", "");
    struct fdl_purchase p;
    memset(&p, 0, sizeof(p));
    p.program_id = 1;
    snprintf(p.txn_id, sizeof(p.txn_id), "%s", "T-CURRENCY-1");
    snprintf(p.currency, sizeof(p.currency), "%s", "EUR");
    p.total_minor = 1226;
    struct fdl_currency_rate a = {"JPY", 100, 6135000, 5};
    struct fdl_currency_rate b = {"JPY", 200, 6200000, 6};
    struct fdl_currency_rate clash = {"JPY", 200, 1, 7};
    struct fdl_currency_rate usd = {"USD", 300, 920000000, 8};
    int rc = FDL_STORE_CALL(st, begin, 1, &err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, member_insert, &m, &err);
    p.member_id = m.id;
    if (rc == 0)
        rc = FDL_STORE_CALL(st, purchase_insert, &p, NULL, &err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, currency_rate_insert, 1, &a, &err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, currency_rate_insert, 1, &b, &err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, currency_rate_insert, 1, &usd, &err);
    int again = FDL_STORE_CALL(st, currency_rate_insert, 1, &clash, &err);
    char field[sizeof(err.field)];
    snprintf(field, sizeof(field), "%s", err.field);
    int alive = FDL_STORE_CALL0(st, in_transaction);
    struct fdl_purchase_conversion conv = {"JPY", 1999, 6135000, 1226}, back, none;
    int set = FDL_STORE_CALL(st, purchase_conversion_set, 1, m.id, p.id, &conv, &err);
    int commit = FDL_STORE_CALL(st, commit, &err);
    struct fdl_currency_rate at_99, at_150, at_200, history[4];
    int before_first = FDL_STORE_CALL(st, currency_rate_at, 1, "JPY", 99, &at_99, &err);
    int mid = FDL_STORE_CALL(st, currency_rate_at, 1, "JPY", 150, &at_150, &err);
    int exact = FDL_STORE_CALL(st, currency_rate_at, 1, "JPY", 200, &at_200, &err);
    int other_program = FDL_STORE_CALL(st, currency_rate_at, 2, "JPY", 150, &at_99, &err);
    int n = 0, listed = 0;
    int of = FDL_STORE_CALL(st, currency_rates_of, 1, "JPY", 0, 4, history, &n, &err);
    struct fdl_currency_summary list[4];
    int list_rc = FDL_STORE_CALL(st, currencies_list, 1, 150, list, 4, &listed, &err);
    int got = FDL_STORE_CALL(st, purchase_conversion_get, 1, m.id, p.id, &back, &err);
    struct fdl_purchase q = p;
    snprintf(q.txn_id, sizeof(q.txn_id), "%s", "T-CURRENCY-2");
    int plain_rc = FDL_STORE_CALL(st, begin, 1, &err);
    if (plain_rc == 0)
        plain_rc = FDL_STORE_CALL(st, purchase_insert, &q, NULL, &err);
    if (plain_rc == 0)
        plain_rc = FDL_STORE_CALL(st, commit, &err);
    int plain = FDL_STORE_CALL(st, purchase_conversion_get, 1, m.id, q.id, &none, &err);
    fdl_store_close(st);
    CHECK_INT(rc, 0);
    CHECK_INT(again, FDL_EDUPLICATE);
    CHECK_STR(field, "effective_from");
    CHECK_INT(alive, 1);
    CHECK_INT(set, 0);
    CHECK_INT(commit, 0);
    CHECK_INT(before_first, FDL_ENOT_FOUND);
    CHECK_INT(mid, 0);
    CHECK_INT(at_150.rate, 6135000);
    CHECK_INT(at_150.effective_from_s, 100);
    CHECK_INT(exact, 0);
    CHECK_INT(at_200.rate, 6200000);
    CHECK_INT(other_program, FDL_ENOT_FOUND);
    CHECK_INT(of, 0);
    CHECK_INT(n, 2);
    CHECK_INT(history[0].effective_from_s, 200);
    CHECK_INT(history[1].rate, 6135000);
    CHECK_STR(history[1].currency, "JPY");
    CHECK_INT(list_rc, 0);
    CHECK_INT(listed, 2);
    CHECK_STR(list[0].currency, "JPY");
    CHECK_INT(list[0].rates, 2);
    CHECK_INT(list[0].current_rate, 6135000);
    CHECK_INT(list[0].next_rate, 6200000);
    CHECK_INT(list[0].next_from_s, 200);
    CHECK_STR(list[1].currency, "USD");
    CHECK_INT(list[1].current_rate, 0);
    CHECK_INT(list[1].next_from_s, 300);
    CHECK_INT(got, 0);
    CHECK_STR(back.currency, "JPY");
    CHECK_INT(back.original_total_minor, 1999);
    CHECK_INT(back.rate, 6135000);
    CHECK_INT(back.converted_total_minor, 1226);
    CHECK_INT(plain_rc, 0);
    CHECK_INT(plain, 0);
    CHECK_STR(none.currency, "");
}

/* -- stores, staff and the audit log -- */
/* Stores, staff, sessions and the audit log behave alike on both backends:
 * clashes name "code" and "login", the transaction carries on after them,
 * and the audit log filters and pages the same way. */
static void staff_ops_behave_alike(void)
{
    struct fdl_store *st = open_store();
    CHECK(st);
    struct fdl_error err;
    fdl_error_clear(&err);
    struct fdl_shop shop;
    memset(&shop, 0, sizeof(shop));
    shop.program_id = 1;
    snprintf(shop.code, sizeof(shop.code), "%s", "BCN-01");
    snprintf(shop.name, sizeof(shop.name), "%s", "Barcelona");
    snprintf(shop.time_zone, sizeof(shop.time_zone), "%s", "Europe/Madrid");
    struct fdl_staff a;
    memset(&a, 0, sizeof(a));
    a.program_id = 1;
    a.role = FDL_ROLE_CASHIER;
    snprintf(a.login, sizeof(a.login), "%s", "ana");
    snprintf(a.name, sizeof(a.name), "%s", "Ana");
    snprintf(a.store_code, sizeof(a.store_code), "%s", "BCN-01");
    snprintf(a.password_hash, sizeof(a.password_hash), "%s", "$argon2id$x");
    struct fdl_staff b = a;
    b.program_id = 2; /* logins are unique in the whole installation */
    int rc = FDL_STORE_CALL(st, begin, 1, &err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, shop_insert, &shop, &err);
    int shop_again = FDL_STORE_CALL(st, shop_insert, &shop, &err);
    char shop_field[sizeof(err.field)];
    snprintf(shop_field, sizeof(shop_field), "%s", err.field);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, staff_insert, &a, &err);
    int login_again = FDL_STORE_CALL(st, staff_insert, &b, &err);
    char login_field[sizeof(err.field)];
    snprintf(login_field, sizeof(login_field), "%s", err.field);
    int alive = FDL_STORE_CALL0(st, in_transaction);
    struct fdl_session x;
    memset(&x, 0, sizeof(x));
    memset(x.hash, 0x5A, sizeof(x.hash));
    x.program_id = 1;
    x.staff_id = a.id;
    x.created_at_s = 100;
    x.expires_at_s = 200;
    if (rc == 0)
        rc = FDL_STORE_CALL(st, session_insert, &x, &err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, session_revoke, x.hash, 150, &err);
    struct fdl_session got;
    if (rc == 0)
        rc = FDL_STORE_CALL(st, session_get, x.hash, &got, &err);
    for (int i = 0; rc == 0 && i < 3; i++) {
        struct fdl_audit_row row;
        memset(&row, 0, sizeof(row));
        row.program_id = 1;
        row.at_s = 1000 + i;
        snprintf(row.actor, sizeof(row.actor), "%s", i == 1 ? "key:k1" : "staff:ana");
        snprintf(row.partner, sizeof(row.partner), "%s", i == 2 ? "bakery" : "");
        snprintf(row.route, sizeof(row.route), "%s", "purchase_create");
        snprintf(row.method, sizeof(row.method), "%s", "POST");
        snprintf(row.path, sizeof(row.path), "%s", "/v1/purchases");
        row.status = 201;
        rc = FDL_STORE_CALL(st, audit_insert, &row, &err);
    }
    struct fdl_audit_row rows[4];
    int n = 0, n_time = 0;
    struct fdl_audit_filter f = {"staff:ana", NULL, 0, 0, 0, NULL};
    if (rc == 0)
        rc = FDL_STORE_CALL(st, audit_list, 1, &f, 4, rows, &n, &err);
    struct fdl_audit_filter g = {NULL, "purchase_create", 1001, 1002, 0, NULL};
    struct fdl_audit_row one[4];
    if (rc == 0)
        rc = FDL_STORE_CALL(st, audit_list, 1, &g, 4, one, &n_time, &err);
    /* -- partner isolation -- */
    struct fdl_audit_filter h = {NULL, NULL, 0, 0, 0, "bakery"};
    struct fdl_audit_row ours[4];
    int n_partner = 0;
    if (rc == 0)
        rc = FDL_STORE_CALL(st, audit_list, 1, &h, 4, ours, &n_partner, &err);
    struct fdl_shop listed[4];
    int shops = 0, any = 0, any2 = 1, none = 0;
    if (rc == 0)
        rc = FDL_STORE_CALL(st, shops_list, 1, "", 4, listed, &shops, &any, &err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, shops_list, 2, "", 4, listed, &none, &any2, &err);
    FDL_STORE_CALL0(st, rollback);
    fdl_store_close(st);
    CHECK(rc == 0);
    CHECK(shop_again == FDL_EDUPLICATE && strcmp(shop_field, "code") == 0);
    CHECK(login_again == FDL_EDUPLICATE && strcmp(login_field, "login") == 0);
    CHECK(alive);
    CHECK(got.revoked_at_s == 150 && got.staff_id == a.id && got.expires_at_s == 200);
    CHECK(n == 2 && rows[0].at_s == 1002 && rows[1].at_s == 1000);
    CHECK(n_time == 1 && strcmp(one[0].actor, "key:k1") == 0);
    CHECK(n_partner == 1 && ours[0].at_s == 1002 &&
          strcmp(ours[0].partner, "bakery") == 0);
    CHECK(shops == 1 && any == 1 && none == 0 && any2 == 0);
}

/* -- staff lifecycle -- */
/* A staff account's change writes what it names and keeps the rest; ending
 * an account's sessions ends its live ones but the one kept, and no other
 * account's. */
static void staff_lifecycle_ops_behave_alike(void)
{
    struct fdl_store *st = open_store();
    CHECK(st);
    if (!st)
        return;
    struct fdl_error err;
    fdl_error_clear(&err);
    struct fdl_staff a, b;
    memset(&a, 0, sizeof(a));
    a.program_id = 1;
    a.role = FDL_ROLE_CASHIER;
    a.member_id = 7;
    a.created_at_s = 50;
    snprintf(a.login, sizeof(a.login), "%s", "lia");
    snprintf(a.name, sizeof(a.name), "%s", "Lia");
    snprintf(a.store_code, sizeof(a.store_code), "%s", "BCN-01");
    snprintf(a.password_hash, sizeof(a.password_hash), "%s", "$argon2id$old");
    snprintf(a.partner, sizeof(a.partner), "%s", "bakery");
    b = a;
    snprintf(b.login, sizeof(b.login), "%s", "max");
    int rc = FDL_STORE_CALL(st, begin, 1, &err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, staff_insert, &a, &err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, staff_insert, &b, &err);
    struct fdl_session x[4]; /* a's three, b's one */
    for (int i = 0; rc == 0 && i < 4; i++) {
        memset(&x[i], 0, sizeof(x[i]));
        memset(x[i].hash, 0x30 + i, sizeof(x[i].hash));
        x[i].program_id = 1;
        x[i].staff_id = i < 3 ? a.id : b.id;
        x[i].created_at_s = 100;
        x[i].expires_at_s = 900;
        rc = FDL_STORE_CALL(st, session_insert, &x[i], &err);
    }
    if (rc == 0) /* x[2] was ended before: it keeps its time */
        rc = FDL_STORE_CALL(st, session_revoke, x[2].hash, 120, &err);
    struct fdl_staff changed = a;
    snprintf(changed.name, sizeof(changed.name), "%s", "Lia M.");
    changed.role = FDL_ROLE_MANAGER;
    snprintf(changed.store_code, sizeof(changed.store_code), "%s", "MAD-01");
    snprintf(changed.password_hash, sizeof(changed.password_hash), "%s", "$argon2id$new");
    changed.disabled_at_s = 150;
    changed.member_id = 99;    /* not written by staff_update */
    changed.partner[0] = '\0'; /* nor this */
    snprintf(changed.login, sizeof(changed.login), "%s", "other"); /* nor this */
    if (rc == 0)
        rc = FDL_STORE_CALL(st, staff_update, &changed, &err);
    struct fdl_staff got, by_login;
    if (rc == 0)
        rc = FDL_STORE_CALL(st, staff_get, 1, a.id, &got, &err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, staff_by_login, "lia", &by_login, &err);
    struct fdl_staff ghost = changed;
    ghost.id = a.id + 1000;
    int missing = FDL_STORE_CALL(st, staff_update, &ghost, &err);
    char missing_field[sizeof(err.field)];
    snprintf(missing_field, sizeof(missing_field), "%s", err.field);
    struct fdl_staff other_program = changed;
    other_program.program_id = 2;
    int elsewhere = FDL_STORE_CALL(st, staff_update, &other_program, &err);
    int64_t kept_ended = -1, all_ended = -1, again = -1;
    if (rc == 0)
        rc = FDL_STORE_CALL(st, sessions_revoke_staff, 1, a.id, x[0].hash, 200,
                            &kept_ended, &err);
    struct fdl_session s0, s1, s2, s3;
    if (rc == 0)
        rc = FDL_STORE_CALL(st, session_get, x[0].hash, &s0, &err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, session_get, x[1].hash, &s1, &err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, sessions_revoke_staff, 1, a.id, NULL, 300, &all_ended,
                            &err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, sessions_revoke_staff, 1, a.id, NULL, 400, &again, &err);
    struct fdl_session s0_after;
    if (rc == 0)
        rc = FDL_STORE_CALL(st, session_get, x[0].hash, &s0_after, &err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, session_get, x[2].hash, &s2, &err);
    if (rc == 0)
        rc = FDL_STORE_CALL(st, session_get, x[3].hash, &s3, &err);
    FDL_STORE_CALL0(st, rollback);
    fdl_store_close(st);
    CHECK_INT(rc, 0);
    CHECK_STR(got.name, "Lia M.");
    CHECK(got.role == FDL_ROLE_MANAGER);
    CHECK_STR(got.store_code, "MAD-01");
    CHECK_STR(got.password_hash, "$argon2id$new");
    CHECK_INT(got.disabled_at_s, 150);
    CHECK_INT(got.member_id, 7);
    CHECK_STR(got.partner, "bakery");
    CHECK_STR(got.login, "lia");
    CHECK_INT(got.created_at_s, 50);
    CHECK_INT(by_login.disabled_at_s, 150);
    CHECK_INT(missing, FDL_ENOT_FOUND);
    CHECK_STR(missing_field, "staff_id");
    CHECK_INT(elsewhere, FDL_ENOT_FOUND);
    CHECK_INT(kept_ended, 1); /* x[1]; x[0] kept, x[2] already ended */
    CHECK_INT(s0.revoked_at_s, 0);
    CHECK_INT(s1.revoked_at_s, 200);
    CHECK_INT(all_ended, 1); /* x[0] */
    CHECK_INT(again, 0);
    CHECK_INT(s0_after.revoked_at_s, 300);
    CHECK_INT(s2.revoked_at_s, 120);
    CHECK_INT(s3.revoked_at_s, 0); /* another account's */
}

/* -- migrate -- */
/* `fidelis migrate` copies the tables of fdl_store_tables: a migration that
 * adds a table without listing it there (src/store/tables.c) fails here. */
static void every_table_of_the_schema_is_in_the_copy_list(void)
{
    struct fdl_store *st = open_store();
    CHECK(st);
    if (!st)
        return;
    static char names[FDL_MIGRATE_MAX_TABLES][FDL_TABLE_NAME_MAX + 1];
    int n = 0;
    struct fdl_error err = {0};
    CHECK_INT(FDL_STORE_CALL(st, table_names, names, FDL_MIGRATE_MAX_TABLES, &n, &err),
              0);
    for (int i = 0; i < n; i++) {
        if (!fdl_store_table_find(names[i]))
            printf("  table %s is not in fdl_store_tables (src/store/tables.c)\n",
                   names[i]);
        CHECK(fdl_store_table_find(names[i]) != NULL);
    }
    for (size_t t = 0; t < fdl_store_table_count; t++) {
        int found = 0;
        for (int i = 0; i < n && !found; i++)
            found = strcmp(names[i], fdl_store_tables[t].name) == 0;
        if (!found)
            printf("  fdl_store_tables lists %s, which the schema lacks\n",
                   fdl_store_tables[t].name);
        CHECK(found);
    }
    CHECK_INT(n, (int)fdl_store_table_count);
    fdl_store_close(st);
}

static void conformance(void)
{
    RUN(the_schema_is_at_the_latest_version_and_migrating_again_changes_nothing);
    RUN(a_duplicate_email_names_the_field_and_the_transaction_goes_on);
    RUN(a_duplicate_card_number_is_an_error_the_caller_can_retry);
    RUN(name_search_matches_word_prefixes_bytewise_across_accents);
    RUN(entries_balance_and_the_audit_sees_what_was_written);
    RUN(a_rolled_back_transaction_leaves_nothing);
    RUN(lot_sets_and_sums_read_the_same_lots);
    RUN(coupon_and_referral_clashes_name_the_same_fields);
    /* -- currencies -- */
    RUN(currency_rates_and_conversions_behave_alike);
    /* -- stores, staff and the audit log -- */
    RUN(staff_ops_behave_alike);
    /* -- staff lifecycle -- */
    RUN(staff_lifecycle_ops_behave_alike);
    /* -- migrate -- */
    RUN(every_table_of_the_schema_is_in_the_copy_list);
}

int main(void)
{
    RUN(a_password_never_reaches_the_log);

    snprintf(sqlite_path, sizeof(sqlite_path), "/tmp/fdl_test_store_%ld.db",
             (long)getpid());
    current_uri = sqlite_path;
    printf("-- sqlite\n");
    conformance();
    unlink(sqlite_path);
    char side[URI_MAX + 8];
    snprintf(side, sizeof(side), "%s-wal", sqlite_path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", sqlite_path);
    unlink(side);

    const char *maint = getenv("FIDELIS_TEST_PG");
    if (maint && *maint) {
        printf("-- postgresql\n");
        if (make_pg_database(maint) != 0) {
            printf("FAIL cannot create a database on FIDELIS_TEST_PG\n");
            check_failed_count++;
        } else {
            current_uri = pg_uri;
            conformance();
            RUN(a_second_writer_waits_for_the_member_and_a_timeout_is_busy);
            char sql[128];
            snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
                     pg_dbname);
            maintenance(maint, sql);
        }
    } else {
        printf(
            "-- postgresql: not run (set FIDELIS_TEST_PG to a maintenance database)\n");
    }
    return check_done();
}
