/*
 * test_ledger.c - journal entries and lot arithmetic.
 *
 * Scenario tests build a member's lots by hand (as the service would load
 * them), run one operation and check both the outcome the product promises
 * and the ledger's invariant: every change to a lot is explained by exactly
 * the moves the operation recorded. A randomized test then runs thousands of
 * mixed operations with a moving clock and checks that the journal (sum of
 * entry member deltas) always agrees with the lots.
 */
#include "ledger/ledger.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define DAY_S 86400

static int64_t clawback_taken; /* what the last clawback took from the balance */

/* ---- helpers ---- */

/* Appends a lot as loaded from storage (not dirty); returns its index. */
static size_t add_lot(struct fdl_lots *lots, int64_t id, int64_t remaining,
                      int64_t available_at_s, int64_t expires_at_s, int64_t purchase_id)
{
    struct fdl_lot lot = {id, remaining, available_at_s, expires_at_s, purchase_id, 0, 0};
    size_t index = 0;
    if (fdl_lots_push(lots, &lot, &index) != 0)
        abort();
    return index;
}

#define SNAP_MAX 64

/* The lots' remainders and the move count before an operation. */
struct snap {
    int64_t remaining[SNAP_MAX];
    size_t lot_count, move_count;
};

static struct snap take_snap(const struct fdl_lots *lots, const struct fdl_moves *moves)
{
    struct snap s;
    memset(&s, 0, sizeof(s));
    if (lots->count > SNAP_MAX)
        abort();
    for (size_t i = 0; i < lots->count; i++)
        s.remaining[i] = lots->items[i].remaining;
    s.lot_count = lots->count;
    s.move_count = moves->count;
    return s;
}

/* The invariant after an operation: lots are only appended, each move names
 * a lot and changes it, every touched lot is marked dirty, for each lot the
 * moves recorded since the snapshot sum to the change in its remainder, and
 * fdl_lots_total is the sum of the remainders. */
static int moves_explain_changes(const struct snap *before, const struct fdl_lots *lots,
                                 const struct fdl_moves *moves)
{
    if (lots->count < before->lot_count || moves->count < before->move_count)
        return 0;
    int64_t sum = 0;
    for (size_t i = 0; i < lots->count; i++) {
        int64_t delta = 0;
        int touched = 0;
        for (size_t k = before->move_count; k < moves->count; k++) {
            if (moves->items[k].lot_index == i) {
                delta += moves->items[k].delta;
                touched = 1;
            }
        }
        int64_t was = i < before->lot_count ? before->remaining[i] : 0;
        if (lots->items[i].remaining - was != delta)
            return 0;
        if (touched && !lots->items[i].dirty)
            return 0;
        sum += lots->items[i].remaining;
    }
    for (size_t k = before->move_count; k < moves->count; k++)
        if (moves->items[k].lot_index >= lots->count || moves->items[k].delta == 0)
            return 0;
    return sum == fdl_lots_total(lots);
}

/* Whether moves[first..] are exactly the (lot, delta) pairs given. */
static int moves_are(const struct fdl_moves *moves, size_t first, size_t n,
                     const struct fdl_move *expected)
{
    if (moves->count - first != n)
        return 0;
    for (size_t k = 0; k < n; k++)
        if (moves->items[first + k].lot_index != expected[k].lot_index ||
            moves->items[first + k].delta != expected[k].delta)
            return 0;
    return 1;
}

#define MOVES_ARE(moves, first, ...)                                                     \
    moves_are((moves), (first),                                                          \
              sizeof((struct fdl_move[]){__VA_ARGS__}) / sizeof(struct fdl_move),        \
              (struct fdl_move[]){__VA_ARGS__})

/* Number of lots with a negative remainder. */
static int debt_lot_count(const struct fdl_lots *lots)
{
    int n = 0;
    for (size_t i = 0; i < lots->count; i++)
        n += lots->items[i].remaining < 0;
    return n;
}

/* ---- entries ---- */

/* Builds kind for points and checks member and counterpart postings. */
static int entry_is(enum fdl_entry_kind kind, int64_t points, int64_t member_delta,
                    enum fdl_account counterpart)
{
    struct fdl_entry e;
    if (fdl_entry_build(&e, kind, 42, points) != 0)
        return 0;
    return e.kind == kind && e.member_id == 42 && e.posting_count == 2 &&
           e.postings[0].account == FDL_ACCOUNT_MEMBER &&
           e.postings[0].amount == member_delta && e.postings[1].account == counterpart &&
           e.postings[1].amount == -member_delta && fdl_entry_check(&e) == 0 &&
           fdl_entry_member_delta(&e) == member_delta;
}

static void test_entry_earn_credits_member_against_issued(void)
{
    CHECK(entry_is(FDL_ENTRY_EARN, 120, 120, FDL_ACCOUNT_ISSUED));
}

static void test_entry_redeem_debits_member_against_redeemed(void)
{
    CHECK(entry_is(FDL_ENTRY_REDEEM, 50, -50, FDL_ACCOUNT_REDEEMED));
}

static void test_entry_clawback_debits_member_against_issued(void)
{
    CHECK(entry_is(FDL_ENTRY_CLAWBACK, 30, -30, FDL_ACCOUNT_ISSUED));
}

static void test_entry_restore_credits_member_against_redeemed(void)
{
    CHECK(entry_is(FDL_ENTRY_RESTORE, 30, 30, FDL_ACCOUNT_REDEEMED));
}

static void test_entry_expire_debits_member_against_expired(void)
{
    CHECK(entry_is(FDL_ENTRY_EXPIRE, 7, -7, FDL_ACCOUNT_EXPIRED));
}

static void test_entry_adjust_follows_the_sign(void)
{
    CHECK(entry_is(FDL_ENTRY_ADJUST, 25, 25, FDL_ACCOUNT_ADJUSTED));
    CHECK(entry_is(FDL_ENTRY_ADJUST, -25, -25, FDL_ACCOUNT_ADJUSTED));
}

static void test_entry_refuses_zero_and_out_of_range_amounts(void)
{
    static const enum fdl_entry_kind kinds[] = {FDL_ENTRY_EARN,     FDL_ENTRY_REDEEM,
                                                FDL_ENTRY_CLAWBACK, FDL_ENTRY_RESTORE,
                                                FDL_ENTRY_EXPIRE,   FDL_ENTRY_ADJUST};
    const int64_t max = 1000000000000000LL; /* 1e15 */
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        struct fdl_entry e, before;
        memset(&e, 0xA5, sizeof(e));
        before = e;
        CHECK_INT(fdl_entry_build(&e, kinds[i], 1, 0), FDL_EINVALID);
        CHECK_INT(fdl_entry_build(&e, kinds[i], 1, max + 1), FDL_EINVALID);
        CHECK_INT(fdl_entry_build(&e, kinds[i], 1, INT64_MAX), FDL_EINVALID);
        CHECK_INT(fdl_entry_build(&e, kinds[i], 1, INT64_MIN), FDL_EINVALID);
        CHECK(memcmp(&e, &before, sizeof(e)) == 0);
        CHECK_INT(fdl_entry_build(&e, kinds[i], 1, max), 0);
        CHECK(fdl_entry_member_delta(&e) ==
              (kinds[i] == FDL_ENTRY_EARN || kinds[i] == FDL_ENTRY_RESTORE ||
                       kinds[i] == FDL_ENTRY_ADJUST
                   ? max
                   : -max));
        /* Only an adjustment may be negative. */
        int rc = fdl_entry_build(&e, kinds[i], 1, -5);
        CHECK_INT(rc, kinds[i] == FDL_ENTRY_ADJUST ? 0 : FDL_EINVALID);
    }
    struct fdl_entry e;
    CHECK_INT(fdl_entry_build(&e, FDL_ENTRY_ADJUST, 1, -max), 0);
    CHECK_INT(fdl_entry_build(&e, FDL_ENTRY_ADJUST, 1, -max - 1), FDL_EINVALID);
    CHECK_INT(fdl_entry_build(&e, (enum fdl_entry_kind)0, 1, 10), FDL_EINVALID);
    CHECK_INT(fdl_entry_build(&e, (enum fdl_entry_kind)99, 1, 10), FDL_EINVALID);
}

static void test_entry_check_refuses_unbalanced_or_single_postings(void)
{
    struct fdl_entry e;
    memset(&e, 0, sizeof(e));
    e.kind = FDL_ENTRY_ADJUST;
    e.posting_count = 2;
    e.postings[0] = (struct fdl_posting){FDL_ACCOUNT_MEMBER, 10};
    e.postings[1] = (struct fdl_posting){FDL_ACCOUNT_ADJUSTED, -9};
    CHECK(fdl_entry_check(&e) != 0);
    e.postings[1].amount = -10;
    CHECK_INT(fdl_entry_check(&e), 0);
    e.posting_count = 1;
    e.postings[0].amount = 0;
    CHECK(fdl_entry_check(&e) != 0);
    e.posting_count = 0;
    CHECK(fdl_entry_check(&e) != 0);
    /* three postings that balance are fine; the member delta sums member postings */
    e.posting_count = 3;
    e.postings[0] = (struct fdl_posting){FDL_ACCOUNT_MEMBER, 10};
    e.postings[1] = (struct fdl_posting){FDL_ACCOUNT_ISSUED, -4};
    e.postings[2] = (struct fdl_posting){FDL_ACCOUNT_ADJUSTED, -6};
    CHECK_INT(fdl_entry_check(&e), 0);
    CHECK_INT(fdl_entry_member_delta(&e), 10);
    e.posting_count = FDL_ENTRY_MAX_POSTINGS + 1;
    CHECK(fdl_entry_check(&e) != 0);
}

static void test_account_and_kind_names(void)
{
    CHECK_STR(fdl_account_name(FDL_ACCOUNT_MEMBER), "member");
    CHECK_STR(fdl_account_name(FDL_ACCOUNT_ISSUED), "issued");
    CHECK_STR(fdl_account_name(FDL_ACCOUNT_REDEEMED), "redeemed");
    CHECK_STR(fdl_account_name(FDL_ACCOUNT_EXPIRED), "expired");
    CHECK_STR(fdl_account_name(FDL_ACCOUNT_ADJUSTED), "adjusted");
    CHECK_STR(fdl_entry_kind_name(FDL_ENTRY_EARN), "earn");
    CHECK_STR(fdl_entry_kind_name(FDL_ENTRY_REDEEM), "redeem");
    CHECK_STR(fdl_entry_kind_name(FDL_ENTRY_CLAWBACK), "clawback");
    CHECK_STR(fdl_entry_kind_name(FDL_ENTRY_RESTORE), "restore");
    CHECK_STR(fdl_entry_kind_name(FDL_ENTRY_EXPIRE), "expire");
    CHECK_STR(fdl_entry_kind_name(FDL_ENTRY_ADJUST), "adjust");
}

/* ---- totals ---- */

static void test_totals_split_available_and_pending(void)
{
    struct fdl_lots lots;
    fdl_lots_init(&lots);
    add_lot(&lots, 1, 100, 0, 1000 * DAY_S, 1);
    add_lot(&lots, 2, 40, 10 * DAY_S, 1000 * DAY_S, 2); /* pending until day 10 */
    add_lot(&lots, 3, 0, 0, 1000 * DAY_S, 3);
    CHECK_INT(fdl_lots_total(&lots), 140);
    CHECK_INT(fdl_lots_available(&lots, 5 * DAY_S), 100);
    CHECK_INT(fdl_lots_pending(&lots, 5 * DAY_S), 40);
    /* available from the moment available_at_s arrives */
    CHECK_INT(fdl_lots_available(&lots, 10 * DAY_S - 1), 100);
    CHECK_INT(fdl_lots_available(&lots, 10 * DAY_S), 140);
    CHECK_INT(fdl_lots_pending(&lots, 10 * DAY_S), 0);
    CHECK_INT(fdl_lots_find(&lots, 2), 1);
    CHECK_INT(fdl_lots_find(&lots, 9), -1);
    fdl_lots_release(&lots);
    CHECK(lots.items == NULL && lots.count == 0);
    CHECK_INT(fdl_lots_total(&lots), 0);
}

/* ---- spend ---- */

static void test_spend_takes_earliest_expiry_first(void)
{
    struct fdl_lots lots;
    struct fdl_moves moves;
    struct fdl_error err;
    fdl_lots_init(&lots);
    fdl_moves_init(&moves);
    size_t late = add_lot(&lots, 1, 100, 0, 300 * DAY_S, 1);
    size_t early = add_lot(&lots, 2, 100, 0, 100 * DAY_S, 2);
    size_t middle = add_lot(&lots, 3, 100, 0, 200 * DAY_S, 3);
    size_t never = add_lot(&lots, 4, 100, 0, FDL_LOT_NEVER, 4);
    struct snap s = take_snap(&lots, &moves);
    CHECK_INT(fdl_lots_spend(&lots, 150, DAY_S, &moves, &err), 0);
    CHECK(moves_explain_changes(&s, &lots, &moves));
    CHECK(MOVES_ARE(&moves, 0, {early, -100}, {middle, -50}));
    CHECK_INT(lots.items[late].remaining, 100);
    CHECK_INT(lots.items[never].remaining, 100);
    CHECK(!lots.items[late].dirty && !lots.items[never].dirty);

    /* Lots that never expire go last. */
    s = take_snap(&lots, &moves);
    CHECK_INT(fdl_lots_spend(&lots, 200, DAY_S, &moves, &err), 0);
    CHECK(moves_explain_changes(&s, &lots, &moves));
    CHECK(MOVES_ARE(&moves, s.move_count, {middle, -50}, {late, -100}, {never, -50}));
    CHECK_INT(fdl_lots_total(&lots), 50);
    fdl_lots_release(&lots);
    fdl_moves_release(&moves);
}

static void test_spend_same_expiry_takes_oldest_lot_first(void)
{
    struct fdl_lots lots;
    struct fdl_moves moves;
    struct fdl_error err;
    fdl_lots_init(&lots);
    fdl_moves_init(&moves);
    size_t unsaved = add_lot(&lots, 0, 10, 0, 100 * DAY_S, 0); /* new: newest of all */
    size_t newer = add_lot(&lots, 9, 10, 0, 100 * DAY_S, 9);
    size_t older = add_lot(&lots, 3, 10, 0, 100 * DAY_S, 3);
    struct snap s = take_snap(&lots, &moves);
    CHECK_INT(fdl_lots_spend(&lots, 25, 0, &moves, &err), 0);
    CHECK(moves_explain_changes(&s, &lots, &moves));
    CHECK(MOVES_ARE(&moves, 0, {older, -10}, {newer, -10}, {unsaved, -5}));
    fdl_lots_release(&lots);
    fdl_moves_release(&moves);
}

static void test_spend_skips_pending_lots(void)
{
    struct fdl_lots lots;
    struct fdl_moves moves;
    struct fdl_error err;
    fdl_lots_init(&lots);
    fdl_moves_init(&moves);
    int64_t now = 50 * DAY_S;
    /* expires first, but still pending */
    size_t pending = add_lot(&lots, 1, 100, now + DAY_S, 100 * DAY_S, 1);
    size_t ready = add_lot(&lots, 2, 80, now, 200 * DAY_S, 2);
    struct snap s = take_snap(&lots, &moves);
    CHECK_INT(fdl_lots_spend(&lots, 80, now, &moves, &err), 0);
    CHECK(moves_explain_changes(&s, &lots, &moves));
    CHECK(MOVES_ARE(&moves, 0, {ready, -80}));
    CHECK_INT(lots.items[pending].remaining, 100);
    CHECK(!lots.items[pending].dirty);
    fdl_lots_release(&lots);
    fdl_moves_release(&moves);
}

static void test_partial_restores_refill_each_lot_at_most_by_what_it_gave(void)
{
    struct fdl_lots lots;
    struct fdl_moves moves;
    struct fdl_error err;
    fdl_lots_init(&lots);
    fdl_moves_init(&moves);
    /* A (60, expires first) and B (40); a redemption of 100 takes A then B */
    struct fdl_lot a = {1, 60, 0, 100 * DAY_S, 0, 0, 0};
    struct fdl_lot b = {2, 40, 0, 200 * DAY_S, 0, 0, 0};
    CHECK(fdl_lots_push(&lots, &a, NULL) == 0 && fdl_lots_push(&lots, &b, NULL) == 0);
    CHECK_INT(fdl_lots_spend(&lots, 100, 0, &moves, &err), 0);
    struct fdl_move spent[2];
    CHECK_INT(moves.count, 2);
    memcpy(spent, moves.items, sizeof(spent));
    moves.count = 0;
    /* two refunds of half each: B gets its 40 back, then A its 60, not B twice */
    CHECK_INT(fdl_lots_restore_after(&lots, 50, spent, 2, 0, 999 * DAY_S, &moves), 0);
    CHECK_INT(lots.items[0].remaining, 10);
    CHECK_INT(lots.items[1].remaining, 40);
    CHECK_INT(fdl_lots_restore_after(&lots, 50, spent, 2, 50, 999 * DAY_S, &moves), 0);
    CHECK_INT(lots.items[0].remaining, 60);
    CHECK_INT(lots.items[1].remaining, 40);
    CHECK_INT(lots.count, 2); /* no overflow lot */
    fdl_lots_release(&lots);
    fdl_moves_release(&moves);
}

static void test_clawback_writes_off_points_that_expired_unspent(void)
{
    struct fdl_lots lots;
    struct fdl_moves moves;
    int64_t expired;
    fdl_lots_init(&lots);
    fdl_moves_init(&moves);
    /* purchase 7 earned 50: 20 spent, 30 expired; another lot holds 100 */
    struct fdl_lot own = {1, 30, 0, 10 * DAY_S, 7, 0, 0};
    struct fdl_lot other = {2, 100, 0, 400 * DAY_S, 0, 0, 0};
    CHECK(fdl_lots_push(&lots, &own, NULL) == 0 &&
          fdl_lots_push(&lots, &other, NULL) == 0);
    CHECK_INT(fdl_lots_expire(&lots, 10 * DAY_S, &moves, &expired), 0);
    CHECK_INT(expired, 30);
    CHECK_INT(lots.items[0].expired, 30);
    moves.count = 0;
    /* refunding all 50 takes only the 20 that were spent; 30 are written off */
    CHECK_INT(fdl_lots_clawback(&lots, 50, 7, &moves, &clawback_taken), 0);
    CHECK_INT(clawback_taken, 20);
    CHECK_INT(lots.items[0].expired, 0);
    CHECK(lots.items[0].dirty);
    CHECK_INT(lots.items[1].remaining, 80);
    CHECK_INT(fdl_lots_total(&lots), 80);
    /* a second refund of the same purchase finds nothing left to write off */
    moves.count = 0;
    CHECK_INT(fdl_lots_clawback(&lots, 5, 7, &moves, &clawback_taken), 0);
    CHECK_INT(clawback_taken, 5);
    CHECK_INT(lots.items[1].remaining, 75);
    fdl_lots_release(&lots);
    fdl_moves_release(&moves);
}

static void test_spend_skips_lots_due_to_expire_before_the_job_runs(void)
{
    struct fdl_lots lots;
    struct fdl_moves moves;
    struct fdl_error err;
    fdl_lots_init(&lots);
    fdl_moves_init(&moves);
    struct fdl_lot due = {1, 100, 0, 10 * DAY_S, 0, 0, 0};
    struct fdl_lot fresh = {2, 30, 0, 400 * DAY_S, 0, 0, 0};
    CHECK(fdl_lots_push(&lots, &due, NULL) == 0 &&
          fdl_lots_push(&lots, &fresh, NULL) == 0);
    /* at the expiry instant the first lot no longer counts as spendable */
    CHECK_INT(fdl_lots_available(&lots, 10 * DAY_S - 1), 130);
    CHECK_INT(fdl_lots_available(&lots, 10 * DAY_S), 30);
    CHECK_INT(fdl_lots_total(&lots), 130);
    CHECK_INT(fdl_lots_spend(&lots, 31, 10 * DAY_S, &moves, &err),
              FDL_EINSUFFICIENT_POINTS);
    CHECK_INT(fdl_lots_spend(&lots, 30, 10 * DAY_S, &moves, &err), 0);
    CHECK_INT(lots.items[0].remaining, 100);
    CHECK_INT(lots.items[1].remaining, 0);
    fdl_lots_release(&lots);
    fdl_moves_release(&moves);
}

static void test_spend_refuses_more_than_available_and_changes_nothing(void)
{
    struct fdl_lots lots;
    struct fdl_moves moves;
    struct fdl_error err;
    fdl_lots_init(&lots);
    fdl_moves_init(&moves);
    int64_t now = 50 * DAY_S;
    add_lot(&lots, 1, 60, 0, 100 * DAY_S, 1);
    add_lot(&lots, 2, 30, 0, 200 * DAY_S, 2);
    add_lot(&lots, 3, 500, now + 1, 300 * DAY_S, 3); /* pending: does not count */
    /* one earlier move, to see that nothing is appended */
    CHECK_INT(fdl_lots_spend(&lots, 10, now, &moves, &err), 0);
    for (size_t i = 0; i < lots.count; i++)
        lots.items[i].dirty = 0;
    size_t lot_count = lots.count, move_count = moves.count;
    struct fdl_lot saved[3];
    memcpy(saved, lots.items, sizeof(saved));
    struct fdl_move saved_move = moves.items[0];

    fdl_error_clear(&err);
    CHECK_INT(fdl_lots_spend(&lots, 81, now, &moves, &err), FDL_EINSUFFICIENT_POINTS);
    CHECK_INT(err.code, FDL_EINSUFFICIENT_POINTS);
    CHECK_STR(err.field, "points");
    CHECK_INT(lots.count, lot_count);
    CHECK_INT(moves.count, move_count);
    CHECK(memcmp(saved, lots.items, sizeof(saved)) == 0);
    CHECK(moves.items[0].lot_index == saved_move.lot_index &&
          moves.items[0].delta == saved_move.delta);

    /* exactly what is available is fine */
    struct snap s = take_snap(&lots, &moves);
    CHECK_INT(fdl_lots_spend(&lots, 80, now, &moves, &err), 0);
    CHECK(moves_explain_changes(&s, &lots, &moves));
    CHECK_INT(fdl_lots_available(&lots, now), 0);
    CHECK_INT(fdl_lots_total(&lots), 500);
    fdl_lots_release(&lots);
    fdl_moves_release(&moves);
}

static void test_spend_refuses_with_no_lots(void)
{
    struct fdl_lots lots;
    struct fdl_moves moves;
    struct fdl_error err;
    fdl_lots_init(&lots);
    fdl_moves_init(&moves);
    CHECK_INT(fdl_lots_spend(&lots, 1, 0, &moves, &err), FDL_EINSUFFICIENT_POINTS);
    CHECK_INT(lots.count, 0);
    CHECK_INT(moves.count, 0);
    fdl_lots_release(&lots);
    fdl_moves_release(&moves);
}

/* ---- earn ---- */

static void test_earn_creates_lot_with_its_dates_and_purchase(void)
{
    struct fdl_lots lots;
    struct fdl_moves moves;
    fdl_lots_init(&lots);
    fdl_moves_init(&moves);
    struct snap s = take_snap(&lots, &moves);
    CHECK_INT(fdl_lots_earn(&lots, 120, 14 * DAY_S, 365 * DAY_S, 77, &moves), 0);
    CHECK(moves_explain_changes(&s, &lots, &moves));
    CHECK_INT(lots.count, 1);
    const struct fdl_lot *l = &lots.items[0];
    CHECK(l->id == 0 && l->remaining == 120 && l->available_at_s == 14 * DAY_S &&
          l->expires_at_s == 365 * DAY_S && l->purchase_id == 77 && l->dirty);
    CHECK(MOVES_ARE(&moves, 0, {0, 120}));
    CHECK_INT(fdl_lots_pending(&lots, 0), 120);
    CHECK_INT(fdl_lots_available(&lots, 14 * DAY_S), 120);
    fdl_lots_release(&lots);
    fdl_moves_release(&moves);
}

static void test_earn_pays_off_debt_first(void)
{
    struct fdl_lots lots;
    struct fdl_moves moves;
    fdl_lots_init(&lots);
    fdl_moves_init(&moves);
    size_t debt = add_lot(&lots, 5, -30, 0, FDL_LOT_NEVER, 0);
    struct snap s = take_snap(&lots, &moves);
    CHECK_INT(fdl_lots_earn(&lots, 20, 0, 365 * DAY_S, 8, &moves), 0);
    CHECK(moves_explain_changes(&s, &lots, &moves));
    CHECK(MOVES_ARE(&moves, 0, {debt, 20}));
    CHECK_INT(lots.count, 1); /* all of it went to the debt: no new lot */
    CHECK_INT(lots.items[debt].remaining, -10);

    s = take_snap(&lots, &moves);
    CHECK_INT(fdl_lots_earn(&lots, 100, 0, 365 * DAY_S, 9, &moves), 0);
    CHECK(moves_explain_changes(&s, &lots, &moves));
    CHECK(MOVES_ARE(&moves, s.move_count, {debt, 10}, {1, 90}));
    CHECK_INT(lots.items[debt].remaining, 0);
    CHECK_INT(lots.items[1].remaining, 90);
    CHECK_INT(lots.items[1].purchase_id, 9);
    CHECK_INT(fdl_lots_total(&lots), 90);
    fdl_lots_release(&lots);
    fdl_moves_release(&moves);
}

/* ---- clawback ---- */

static void test_clawback_takes_from_the_purchase_lot_first(void)
{
    struct fdl_lots lots;
    struct fdl_moves moves;
    fdl_lots_init(&lots);
    fdl_moves_init(&moves);
    size_t other = add_lot(&lots, 1, 100, 0, 10 * DAY_S, 6);      /* expires first */
    size_t own = add_lot(&lots, 2, 50, 0, 300 * DAY_S, 7);        /* purchase 7 */
    size_t pending = add_lot(&lots, 3, 40, DAY_S, 20 * DAY_S, 8); /* pending */
    struct snap s = take_snap(&lots, &moves);
    CHECK_INT(fdl_lots_clawback(&lots, 30, 7, &moves, &clawback_taken), 0);
    CHECK_INT(clawback_taken, 30);
    CHECK(moves_explain_changes(&s, &lots, &moves));
    CHECK(MOVES_ARE(&moves, 0, {own, -30}));

    /* then the others, earliest expiry first, pending ones included */
    s = take_snap(&lots, &moves);
    CHECK_INT(fdl_lots_clawback(&lots, 150, 7, &moves, &clawback_taken), 0);
    CHECK_INT(clawback_taken, 150);
    CHECK(moves_explain_changes(&s, &lots, &moves));
    CHECK(MOVES_ARE(&moves, s.move_count, {own, -20}, {other, -100}, {pending, -30}));
    CHECK_INT(fdl_lots_total(&lots), 10);
    CHECK_INT(debt_lot_count(&lots), 0);
    fdl_lots_release(&lots);
    fdl_moves_release(&moves);
}

static void test_clawback_takes_pending_points(void)
{
    struct fdl_lots lots;
    struct fdl_moves moves;
    fdl_lots_init(&lots);
    fdl_moves_init(&moves);
    size_t ready = add_lot(&lots, 1, 10, 0, 300 * DAY_S, 1);
    size_t pending = add_lot(&lots, 2, 50, 30 * DAY_S, 100 * DAY_S, 2);
    struct snap s = take_snap(&lots, &moves);
    CHECK_INT(fdl_lots_clawback(&lots, 55, 0, &moves, &clawback_taken), 0);
    CHECK_INT(clawback_taken, 55);
    CHECK(moves_explain_changes(&s, &lots, &moves));
    CHECK(MOVES_ARE(&moves, 0, {pending, -50}, {ready, -5}));
    fdl_lots_release(&lots);
    fdl_moves_release(&moves);
}

static void test_clawback_beyond_balance_creates_debt(void)
{
    struct fdl_lots lots;
    struct fdl_moves moves;
    fdl_lots_init(&lots);
    fdl_moves_init(&moves);
    size_t own = add_lot(&lots, 1, 20, 0, 300 * DAY_S, 7);
    size_t other = add_lot(&lots, 2, 30, 0, 100 * DAY_S, 6);
    struct snap s = take_snap(&lots, &moves);
    CHECK_INT(fdl_lots_clawback(&lots, 80, 7, &moves, &clawback_taken), 0);
    CHECK_INT(clawback_taken, 80);
    CHECK(moves_explain_changes(&s, &lots, &moves));
    CHECK_INT(lots.count, 3);
    CHECK(MOVES_ARE(&moves, 0, {own, -20}, {other, -30}, {2, -30}));
    const struct fdl_lot *debt = &lots.items[2];
    CHECK(debt->remaining == -30 && debt->expires_at_s == FDL_LOT_NEVER &&
          debt->purchase_id == 0 && debt->dirty);
    CHECK_INT(fdl_lots_total(&lots), -30);
    CHECK_INT(fdl_lots_available(&lots, 0), -30);
    CHECK_INT(fdl_lots_pending(&lots, 0), 0);

    /* A second clawback deepens the same debt. */
    s = take_snap(&lots, &moves);
    CHECK_INT(fdl_lots_clawback(&lots, 5, 7, &moves, &clawback_taken), 0);
    CHECK_INT(clawback_taken, 5);
    CHECK(moves_explain_changes(&s, &lots, &moves));
    CHECK_INT(debt_lot_count(&lots), 1);
    CHECK_INT(fdl_lots_total(&lots), -35);

    /* Debt never expires. */
    int64_t expired = -1;
    s = take_snap(&lots, &moves);
    CHECK_INT(fdl_lots_expire(&lots, INT64_MAX, &moves, &expired), 0);
    CHECK_INT(expired, 0);
    CHECK_INT(moves.count, s.move_count);
    CHECK_INT(fdl_lots_total(&lots), -35);

    /* A spend is refused while in debt. */
    struct fdl_error err;
    CHECK_INT(fdl_lots_spend(&lots, 1, 0, &moves, &err), FDL_EINSUFFICIENT_POINTS);
    fdl_lots_release(&lots);
    fdl_moves_release(&moves);
}

static void test_clawback_with_no_lots_creates_debt(void)
{
    struct fdl_lots lots;
    struct fdl_moves moves;
    fdl_lots_init(&lots);
    fdl_moves_init(&moves);
    CHECK_INT(fdl_lots_clawback(&lots, 15, 3, &moves, &clawback_taken), 0);
    CHECK_INT(clawback_taken, 15);
    CHECK_INT(lots.count, 1);
    CHECK(lots.items[0].remaining == -15 && lots.items[0].expires_at_s == FDL_LOT_NEVER);
    CHECK(MOVES_ARE(&moves, 0, {0, -15}));
    fdl_lots_release(&lots);
    fdl_moves_release(&moves);
}

/* ---- restore ---- */

/* Two lots (A expires first), 80 spent: A -50, B -30. */
static void setup_spent(struct fdl_lots *lots, struct fdl_moves *moves, size_t *a,
                        size_t *b)
{
    struct fdl_error err;
    fdl_lots_init(lots);
    fdl_moves_init(moves);
    *a = add_lot(lots, 1, 50, 0, 100 * DAY_S, 1);
    *b = add_lot(lots, 2, 100, 0, 200 * DAY_S, 2);
    if (fdl_lots_spend(lots, 80, 0, moves, &err) != 0)
        abort();
}

static void test_restore_returns_points_last_spent_first(void)
{
    struct fdl_lots lots;
    struct fdl_moves spent, moves;
    size_t a, b;
    setup_spent(&lots, &spent, &a, &b);
    CHECK(MOVES_ARE(&spent, 0, {a, -50}, {b, -30}));
    fdl_moves_init(&moves);
    struct snap s = take_snap(&lots, &moves);
    CHECK_INT(fdl_lots_restore(&lots, 40, spent.items, spent.count, 999 * DAY_S, &moves),
              0);
    CHECK(moves_explain_changes(&s, &lots, &moves));
    CHECK(MOVES_ARE(&moves, 0, {b, 30}, {a, 10}));
    CHECK_INT(lots.count, 2);
    CHECK_INT(lots.items[a].remaining, 10);
    CHECK_INT(lots.items[b].remaining, 100);
    fdl_lots_release(&lots);
    fdl_moves_release(&spent);
    fdl_moves_release(&moves);
}

static void test_restore_in_full_undoes_the_spending(void)
{
    struct fdl_lots lots;
    struct fdl_moves spent, moves;
    size_t a, b;
    setup_spent(&lots, &spent, &a, &b);
    fdl_moves_init(&moves);
    struct snap s = take_snap(&lots, &moves);
    CHECK_INT(fdl_lots_restore(&lots, 80, spent.items, spent.count, 999 * DAY_S, &moves),
              0);
    CHECK(moves_explain_changes(&s, &lots, &moves));
    CHECK(MOVES_ARE(&moves, 0, {b, 30}, {a, 50}));
    CHECK_INT(lots.items[a].remaining, 50);
    CHECK_INT(lots.items[b].remaining, 100);
    fdl_lots_release(&lots);
    fdl_moves_release(&spent);
    fdl_moves_release(&moves);
}

static void test_restore_beyond_spent_goes_to_new_lot(void)
{
    struct fdl_lots lots;
    struct fdl_moves spent, moves;
    size_t a, b;
    setup_spent(&lots, &spent, &a, &b);
    fdl_moves_init(&moves);
    struct snap s = take_snap(&lots, &moves);
    CHECK_INT(fdl_lots_restore(&lots, 95, spent.items, spent.count, 999 * DAY_S, &moves),
              0);
    CHECK(moves_explain_changes(&s, &lots, &moves));
    CHECK(MOVES_ARE(&moves, 0, {b, 30}, {a, 50}, {2, 15}));
    CHECK_INT(lots.count, 3);
    CHECK(lots.items[2].remaining == 15 && lots.items[2].expires_at_s == 999 * DAY_S &&
          lots.items[2].available_at_s <= 0 && lots.items[2].dirty);
    fdl_lots_release(&lots);
    fdl_moves_release(&spent);
    fdl_moves_release(&moves);
}

static void test_restore_pays_off_debt_first(void)
{
    struct fdl_lots lots;
    struct fdl_moves spent, moves;
    size_t a, b;
    setup_spent(&lots, &spent, &a, &b);
    fdl_moves_init(&moves);
    /* a refund of another purchase took everything and 20 more */
    CHECK_INT(fdl_lots_clawback(&lots, 90, 0, &moves, &clawback_taken), 0);
    CHECK_INT(clawback_taken, 90);
    CHECK_INT(fdl_lots_total(&lots), -20);
    size_t debt = lots.count - 1;
    CHECK_INT(lots.items[debt].remaining, -20);
    struct snap s = take_snap(&lots, &moves);
    CHECK_INT(fdl_lots_restore(&lots, 80, spent.items, spent.count, 999 * DAY_S, &moves),
              0);
    CHECK(moves_explain_changes(&s, &lots, &moves));
    CHECK(MOVES_ARE(&moves, s.move_count, {debt, 20}, {b, 30}, {a, 30}));
    CHECK_INT(fdl_lots_total(&lots), 60);
    CHECK_INT(debt_lot_count(&lots), 0);
    fdl_lots_release(&lots);
    fdl_moves_release(&spent);
    fdl_moves_release(&moves);
}

static void test_restore_refills_expired_lot_for_the_expiry_job(void)
{
    struct fdl_lots lots;
    struct fdl_moves spent, moves;
    size_t a, b;
    setup_spent(&lots, &spent, &a, &b);
    fdl_moves_init(&moves);
    int64_t now = 150 * DAY_S; /* A (day 100) has expired since */
    CHECK_INT(fdl_lots_restore(&lots, 80, spent.items, spent.count, 999 * DAY_S, &moves),
              0);
    CHECK_INT(lots.items[a].remaining, 50);
    int64_t expired = 0;
    struct snap s = take_snap(&lots, &moves);
    CHECK_INT(fdl_lots_expire(&lots, now, &moves, &expired), 0);
    CHECK(moves_explain_changes(&s, &lots, &moves));
    CHECK_INT(expired, 50);
    CHECK(MOVES_ARE(&moves, s.move_count, {a, -50}));
    fdl_lots_release(&lots);
    fdl_moves_release(&spent);
    fdl_moves_release(&moves);
}

/* ---- expire ---- */

static void test_expire_takes_exactly_lots_at_or_past_expiry(void)
{
    struct fdl_lots lots;
    struct fdl_moves moves;
    fdl_lots_init(&lots);
    fdl_moves_init(&moves);
    int64_t now = 200 * DAY_S;
    size_t past = add_lot(&lots, 1, 10, 0, now - 1, 1);
    size_t at = add_lot(&lots, 2, 20, 0, now, 2);
    size_t future = add_lot(&lots, 3, 40, 0, now + 1, 3);
    size_t never = add_lot(&lots, 4, 80, 0, FDL_LOT_NEVER, 4);
    size_t empty = add_lot(&lots, 5, 0, 0, now - 5, 5);
    size_t pending = add_lot(&lots, 6, 160, now + DAY_S, now, 6); /* odd, but expired */
    int64_t expired = -1;
    struct snap s = take_snap(&lots, &moves);
    CHECK_INT(fdl_lots_expire(&lots, now, &moves, &expired), 0);
    CHECK(moves_explain_changes(&s, &lots, &moves));
    CHECK_INT(expired, 190);
    CHECK(MOVES_ARE(&moves, 0, {past, -10}, {at, -20}, {pending, -160}));
    CHECK_INT(lots.items[future].remaining, 40);
    CHECK_INT(lots.items[never].remaining, 80);
    CHECK(!lots.items[empty].dirty && !lots.items[future].dirty);
    CHECK_INT(fdl_lots_total(&lots), 120);

    /* Running it again expires nothing more. */
    s = take_snap(&lots, &moves);
    expired = -1;
    CHECK_INT(fdl_lots_expire(&lots, now, &moves, &expired), 0);
    CHECK_INT(expired, 0);
    CHECK_INT(moves.count, s.move_count);
    CHECK_INT(fdl_lots_total(&lots), 120);

    /* One second later the next lot goes. */
    CHECK_INT(fdl_lots_expire(&lots, now + 1, &moves, &expired), 0);
    CHECK_INT(expired, 40);
    CHECK_INT(fdl_lots_total(&lots), 80);
    fdl_lots_release(&lots);
    fdl_moves_release(&moves);
}

/* ---- randomized property test ---- */

static uint64_t rng_state = 0x2545F4914F6CDD1Du;

static uint64_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static int64_t rng_range(int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rng_next() % (uint64_t)(hi - lo + 1));
}

#define RANDOM_OPS        4000
#define RANDOM_MAX_LOTS   4096
#define RANDOM_MAX_SPENDS 2048

struct recorded_spend {
    struct fdl_move *moves;
    size_t n;
    int64_t restorable;
};

struct world {
    struct fdl_lots lots;
    struct fdl_moves moves;
    int64_t move_sum[RANDOM_MAX_LOTS]; /* per lot, all moves ever */
    int64_t journal;                   /* sum of entry member deltas */
    struct recorded_spend spends[RANDOM_MAX_SPENDS];
    size_t spend_count;
    int64_t purchases;
};

/* Records the entry for an operation that moved `points` (0: none). */
static int post(struct world *w, enum fdl_entry_kind kind, int64_t points)
{
    if (points == 0)
        return 1;
    struct fdl_entry e;
    if (fdl_entry_build(&e, kind, 1, points) != 0 || fdl_entry_check(&e) != 0)
        return 0;
    w->journal += fdl_entry_member_delta(&e);
    return 1;
}

/* Every invariant the ledger promises, after an operation that started with
 * lot_count lots and move_count moves: new moves name a lot and change it,
 * touched lots are dirty, for each lot the sum of all its moves ever is its
 * remainder, only the debt lot is negative and never beside positive lots,
 * the journal agrees with the lots, and available never exceeds the total. */
static int world_consistent(struct world *w, size_t lot_count, size_t move_count,
                            int64_t now)
{
    if (w->lots.count < lot_count || w->lots.count > RANDOM_MAX_LOTS)
        return 0;
    for (size_t k = move_count; k < w->moves.count; k++) {
        const struct fdl_move *m = &w->moves.items[k];
        if (m->lot_index >= w->lots.count || m->delta == 0 ||
            !w->lots.items[m->lot_index].dirty)
            return 0;
        w->move_sum[m->lot_index] += m->delta;
    }
    int any_positive = 0, any_negative = 0;
    int64_t sum = 0;
    for (size_t i = 0; i < w->lots.count; i++) {
        const struct fdl_lot *l = &w->lots.items[i];
        if (w->move_sum[i] != l->remaining)
            return 0;
        if (l->remaining < 0) {
            if (l->expires_at_s != FDL_LOT_NEVER || l->purchase_id != 0)
                return 0;
            any_negative = 1;
        }
        any_positive |= l->remaining > 0;
        sum += l->remaining;
    }
    if (any_positive && any_negative)
        return 0;
    int64_t total = fdl_lots_total(&w->lots);
    int64_t available = fdl_lots_available(&w->lots, now);
    int64_t pending = fdl_lots_pending(&w->lots, now);
    /* Lots due to expire that the expiry job has not taken yet are neither
     * available nor pending, but still part of the total until it runs. */
    int64_t due = 0;
    for (size_t i = 0; i < w->lots.count; i++) {
        const struct fdl_lot *l = &w->lots.items[i];
        if (l->remaining > 0 && l->available_at_s <= now && l->expires_at_s <= now)
            due += l->remaining;
    }
    return total == sum && w->journal == total && available <= total && pending >= 0 &&
           available + pending + due == total;
}

static int random_step(struct world *w, int64_t now)
{
    struct fdl_error err;
    int op = (int)rng_range(0, 99);
    if (op < 35) {
        int64_t amount = rng_range(1, 500);
        int64_t available_at =
            rng_range(0, 2) == 0 ? now + rng_range(1, 10) * DAY_S : now;
        int64_t expires_at =
            rng_range(0, 4) == 0 ? FDL_LOT_NEVER : now + rng_range(0, 400) * DAY_S;
        int64_t purchase = rng_range(0, 5) == 0 ? 0 : ++w->purchases;
        if (fdl_lots_earn(&w->lots, amount, available_at, expires_at, purchase,
                          &w->moves))
            return 0;
        return post(w, FDL_ENTRY_EARN, amount);
    }
    if (op < 65) {
        int64_t amount = rng_range(1, 600);
        int64_t available = fdl_lots_available(&w->lots, now);
        size_t first = w->moves.count;
        int rc = fdl_lots_spend(&w->lots, amount, now, &w->moves, &err);
        if (available < amount)
            return rc == FDL_EINSUFFICIENT_POINTS && w->moves.count == first;
        if (rc != 0 || w->spend_count == RANDOM_MAX_SPENDS)
            return 0;
        struct recorded_spend *sp = &w->spends[w->spend_count++];
        sp->n = w->moves.count - first;
        sp->moves = malloc(sp->n * sizeof(*sp->moves));
        if (!sp->moves)
            abort();
        memcpy(sp->moves, w->moves.items + first, sp->n * sizeof(*sp->moves));
        sp->restorable = amount;
        return post(w, FDL_ENTRY_REDEEM, amount);
    }
    if (op < 77) {
        int64_t amount = rng_range(1, 300);
        int64_t purchase = w->purchases ? rng_range(0, w->purchases) : 0;
        int64_t taken;
        if (fdl_lots_clawback(&w->lots, amount, purchase, &w->moves, &taken))
            return 0;
        if (taken == 0) /* all written off: expired points, no movement */
            return 1;
        return post(w, FDL_ENTRY_CLAWBACK, taken);
    }
    if (op < 90) {
        if (w->spend_count == 0)
            return 1;
        struct recorded_spend *sp = &w->spends[rng_range(0, (int64_t)w->spend_count - 1)];
        /* now and then a restore gives back more than was spent */
        int64_t extra = rng_range(0, 9) == 0 ? rng_range(1, 50) : 0;
        if (sp->restorable == 0 && extra == 0)
            return 1;
        int64_t amount = (sp->restorable ? rng_range(1, sp->restorable) : 0) + extra;
        sp->restorable -= amount - extra;
        if (fdl_lots_restore(&w->lots, amount, sp->moves, sp->n,
                             now + rng_range(1, 400) * DAY_S, &w->moves))
            return 0;
        return post(w, FDL_ENTRY_RESTORE, amount);
    }
    int64_t due = 0;
    for (size_t i = 0; i < w->lots.count; i++)
        if (w->lots.items[i].remaining > 0 && w->lots.items[i].expires_at_s <= now)
            due += w->lots.items[i].remaining;
    int64_t expired = -1;
    if (fdl_lots_expire(&w->lots, now, &w->moves, &expired) || expired != due)
        return 0;
    for (size_t i = 0; i < w->lots.count; i++)
        if (w->lots.items[i].remaining > 0 && w->lots.items[i].expires_at_s <= now)
            return 0;
    return post(w, FDL_ENTRY_EXPIRE, expired);
}

static void test_random_operations_keep_journal_and_lots_in_agreement(void)
{
    static struct world w; /* large: keep it off the stack */
    memset(&w, 0, sizeof(w));
    fdl_lots_init(&w.lots);
    fdl_moves_init(&w.moves);
    int64_t now = 1000 * DAY_S;
    int failed_at = -1;
    int64_t max_total = 0, min_total = 0;
    for (int step = 0; step < RANDOM_OPS; step++) {
        now += rng_range(0, 3) * DAY_S + rng_range(0, DAY_S - 1);
        size_t lot_count = w.lots.count, move_count = w.moves.count;
        if (!random_step(&w, now) || !world_consistent(&w, lot_count, move_count, now)) {
            failed_at = step;
            break;
        }
        int64_t total = fdl_lots_total(&w.lots);
        max_total = total > max_total ? total : max_total;
        min_total = total < min_total ? total : min_total;
        for (size_t i = 0; i < w.lots.count; i++) /* the caller has written them back */
            w.lots.items[i].dirty = 0;
    }
    if (failed_at >= 0)
        fprintf(stderr, "  invariant broken at step %d\n", failed_at);
    for (size_t i = 0; i < w.spend_count; i++)
        free(w.spends[i].moves);
    fdl_lots_release(&w.lots);
    fdl_moves_release(&w.moves);
    CHECK_INT(failed_at, -1);
    /* the walk visited both real balances and debt */
    CHECK(max_total > 0 && min_total < 0);
}

/* ---- partial loads ---- */

static void test_sum_through_counts_only_lots_up_to_the_bound(void)
{
    struct fdl_lots lots;
    fdl_lots_init(&lots);
    add_lot(&lots, 1, 10, 0, 100, 0);           /* spendable */
    add_lot(&lots, 2, 20, 0, 200, 0);           /* spendable */
    add_lot(&lots, 3, 40, 0, 200, 0);           /* same expiry, later id */
    add_lot(&lots, 4, 80, 60, 150, 0);          /* pending at 50 */
    add_lot(&lots, 5, 5, 0, 40, 0);             /* due at 50 */
    add_lot(&lots, 6, -7, 0, FDL_LOT_NEVER, 0); /* debt */
    /* available: debt counts, pending and due lots do not */
    CHECK_INT(fdl_lots_sum_through(&lots, 50, 1, 200, 2), 10 + 20 - 7);
    CHECK_INT(fdl_lots_sum_through(&lots, 50, 1, 200, 3), 10 + 20 + 40 - 7);
    CHECK_INT(fdl_lots_sum_through(&lots, 50, 1, INT64_MIN, 0), -7);
    /* any lot with points, no debt */
    CHECK_INT(fdl_lots_sum_through(&lots, 50, 0, 150, 4), 5 + 10 + 80);
    CHECK_INT(fdl_lots_sum_through(&lots, 50, 0, INT64_MAX, INT64_MAX), 155);
    /* a new lot (id 0) is the newest of its expiry */
    add_lot(&lots, 0, 3, 0, 200, 0);
    CHECK_INT(fdl_lots_sum_through(&lots, 50, 0, 200, 3), 5 + 10 + 80 + 20 + 40);
    CHECK_INT(fdl_lots_sum_through(&lots, 50, 0, 200, INT64_MAX), 158);
    fdl_lots_release(&lots);
}

/* A spend or clawback on a prefix complete through a bound that covers the
 * amount makes the same moves as on every lot. */
static void test_prefix_covering_the_amount_decides_as_all_lots(void)
{
    for (int available_only = 0; available_only <= 1; available_only++) {
        struct fdl_lots all, part;
        struct fdl_moves all_moves, part_moves;
        fdl_lots_init(&all);
        fdl_moves_init(&all_moves);
        fdl_moves_init(&part_moves);
        for (int64_t i = 1; i <= 40; i++) /* pairs of lots per expiry, some pending */
            add_lot(&all, i, 3 + i % 4, i % 5 == 0 ? 1000 : 0, 100 + (i + 1) / 2, 0);
        add_lot(&all, 41, -4, 0, FDL_LOT_NEVER, 0);
        int64_t amount = 50;
        /* the prefix: lots in order up to the first bound that covers amount */
        size_t k = 0;
        int64_t bound_e = INT64_MIN, bound_id = 0;
        fdl_lots_init(&part);
        add_lot(&part, 41, -4, 0, FDL_LOT_NEVER, 0);
        while (fdl_lots_sum_through(&part, 50, available_only, bound_e, bound_id) <
               amount) {
            const struct fdl_lot *l = &all.items[k++];
            add_lot(&part, l->id, l->remaining, l->available_at_s, l->expires_at_s, 0);
            bound_e = l->expires_at_s, bound_id = l->id;
        }
        CHECK(k < 40);
        int64_t taken = 0;
        struct fdl_error err = {0};
        if (available_only) {
            CHECK_INT(fdl_lots_spend(&all, amount, 50, &all_moves, &err), 0);
            CHECK_INT(fdl_lots_spend(&part, amount, 50, &part_moves, &err), 0);
        } else {
            CHECK_INT(fdl_lots_clawback(&all, amount, 0, &all_moves, &taken), 0);
            CHECK_INT(fdl_lots_clawback(&part, amount, 0, &part_moves, &taken), 0);
        }
        CHECK_INT(part_moves.count, all_moves.count);
        for (size_t m = 0; m < all_moves.count; m++) {
            CHECK_INT(part.items[part_moves.items[m].lot_index].id,
                      all.items[all_moves.items[m].lot_index].id);
            CHECK_INT(part_moves.items[m].delta, all_moves.items[m].delta);
        }
        fdl_lots_release(&all);
        fdl_lots_release(&part);
        fdl_moves_release(&all_moves);
        fdl_moves_release(&part_moves);
    }
}

int main(void)
{
    RUN(test_entry_earn_credits_member_against_issued);
    RUN(test_entry_redeem_debits_member_against_redeemed);
    RUN(test_entry_clawback_debits_member_against_issued);
    RUN(test_entry_restore_credits_member_against_redeemed);
    RUN(test_entry_expire_debits_member_against_expired);
    RUN(test_entry_adjust_follows_the_sign);
    RUN(test_entry_refuses_zero_and_out_of_range_amounts);
    RUN(test_entry_check_refuses_unbalanced_or_single_postings);
    RUN(test_account_and_kind_names);
    RUN(test_totals_split_available_and_pending);
    RUN(test_spend_takes_earliest_expiry_first);
    RUN(test_spend_same_expiry_takes_oldest_lot_first);
    RUN(test_spend_skips_pending_lots);
    RUN(test_spend_refuses_more_than_available_and_changes_nothing);
    RUN(test_spend_skips_lots_due_to_expire_before_the_job_runs);
    RUN(test_clawback_writes_off_points_that_expired_unspent);
    RUN(test_partial_restores_refill_each_lot_at_most_by_what_it_gave);
    RUN(test_spend_refuses_with_no_lots);
    RUN(test_earn_creates_lot_with_its_dates_and_purchase);
    RUN(test_earn_pays_off_debt_first);
    RUN(test_clawback_takes_from_the_purchase_lot_first);
    RUN(test_clawback_takes_pending_points);
    RUN(test_clawback_beyond_balance_creates_debt);
    RUN(test_clawback_with_no_lots_creates_debt);
    RUN(test_restore_returns_points_last_spent_first);
    RUN(test_restore_in_full_undoes_the_spending);
    RUN(test_restore_beyond_spent_goes_to_new_lot);
    RUN(test_restore_pays_off_debt_first);
    RUN(test_restore_refills_expired_lot_for_the_expiry_job);
    RUN(test_expire_takes_exactly_lots_at_or_past_expiry);
    RUN(test_random_operations_keep_journal_and_lots_in_agreement);
    RUN(test_sum_through_counts_only_lots_up_to_the_bound);
    RUN(test_prefix_covering_the_amount_decides_as_all_lots);
    return check_done();
}
