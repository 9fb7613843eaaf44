/*
 * ledger.h - the points ledger, as pure functions over in-memory state.
 *
 * Double entry: every movement is a journal entry whose postings sum to zero
 * over a member account and a program account (issued, redeemed, expired,
 * adjustments). A member's points also live in lots: each earning creates a
 * lot with an availability time (the pending period) and an expiry time.
 * Spending takes available lots with the earliest expiry first. A negative
 * balance (points clawed back after they were spent) is a debt lot with a
 * negative remainder that never expires and is paid off by the next points
 * in. Every change to a lot is a move (lot, delta), so for each lot the sum
 * of its moves is its remainder; and for each member
 *
 *     balance == sum of member postings == sum of lot remainders.
 *
 * Nothing here touches storage: the service loads a member's lots, calls
 * these functions, and stores the moves and entries they produce.
 */
#ifndef FDL_LEDGER_H
#define FDL_LEDGER_H

#include "base/error.h"

#include <stddef.h>
#include <stdint.h>

#define FDL_LOT_NEVER INT64_MAX /* expires_at_s of lots that never expire */

enum fdl_account {
    FDL_ACCOUNT_MEMBER = 1, /* the member's points (positive = owed to the member) */
    FDL_ACCOUNT_ISSUED,     /* counterpart of points given out */
    FDL_ACCOUNT_REDEEMED,   /* points turned into discounts */
    FDL_ACCOUNT_EXPIRED,    /* points that ran out */
    FDL_ACCOUNT_ADJUSTED,   /* manual corrections by staff */
};

enum fdl_entry_kind {
    FDL_ENTRY_EARN = 1, /* points for a purchase */
    FDL_ENTRY_REDEEM,   /* points spent on a discount */
    FDL_ENTRY_CLAWBACK, /* earned points taken back on a refund */
    FDL_ENTRY_RESTORE,  /* spent points given back on a refund */
    FDL_ENTRY_EXPIRE,   /* points expired */
    FDL_ENTRY_ADJUST,   /* manual adjustment */
    FDL_ENTRY_BONUS,    /* points given outside a purchase: a completed punch
                           card, a referral; taken back with CLAWBACK */
};

/* Account and entry-kind names as stored and shown ("member", "earn", ...). */
const char *fdl_account_name(enum fdl_account account);
const char *fdl_entry_kind_name(enum fdl_entry_kind kind);

struct fdl_posting {
    enum fdl_account account;
    int64_t amount; /* signed points */
};

#define FDL_ENTRY_MAX_POSTINGS 4

struct fdl_entry {
    enum fdl_entry_kind kind;
    int64_t member_id;
    int posting_count;
    struct fdl_posting postings[FDL_ENTRY_MAX_POSTINGS];
};

/*
 * Builds the entry of kind for member_id moving `points` (> 0) in the
 * direction the kind implies: EARN and RESTORE credit the member, the others
 * debit it; ADJUST credits when points > 0 and debits when < 0. The
 * counterpart account follows the kind. Returns 0, or FDL_EINVALID for a
 * zero amount (callers skip empty movements) or an out-of-range one.
 */
int fdl_entry_build(struct fdl_entry *entry, enum fdl_entry_kind kind, int64_t member_id,
                    int64_t points);

/* Sum of the entry's member postings (how much the member's balance changes). */
int64_t fdl_entry_member_delta(const struct fdl_entry *entry);

/* Returns 0 when the postings sum to zero and there are at least two. */
int fdl_entry_check(const struct fdl_entry *entry);

struct fdl_lot {
    int64_t id;             /* 0 until stored */
    int64_t remaining;      /* points left; negative only for the debt lot */
    int64_t available_at_s; /* spendable from this time (pending period) */
    int64_t expires_at_s;   /* FDL_LOT_NEVER for no expiry */
    int64_t purchase_id;    /* the purchase that earned it, or 0 */
    int dirty;              /* changed by a plan; the caller writes it back */
    int64_t expired;        /* points of it that expired and no refund has written off */
};

/* A member's lots in memory. Lots appended by a plan have id 0. */
struct fdl_lots {
    struct fdl_lot *items;
    size_t count, cap;
};

/* One change to one lot, index into fdl_lots.items. */
struct fdl_move {
    size_t lot_index;
    int64_t delta;
};

struct fdl_moves {
    struct fdl_move *items;
    size_t count, cap;
};

void fdl_lots_init(struct fdl_lots *lots);
void fdl_lots_release(struct fdl_lots *lots);
void fdl_moves_init(struct fdl_moves *moves);
void fdl_moves_release(struct fdl_moves *moves);

/* Appends a copy of lot; returns its index via *index. FDL_ENOMEM on failure. */
int fdl_lots_push(struct fdl_lots *lots, const struct fdl_lot *lot, size_t *index);

/* Index of the lot with this id, or -1. */
long fdl_lots_find(const struct fdl_lots *lots, int64_t id);

/* Totals: all points (including due lots the expiry job has not yet taken),
 * those spendable at now_s (past their pending period and not yet due to
 * expire; debt counts against them), and those still pending. */
int64_t fdl_lots_total(const struct fdl_lots *lots);
int64_t fdl_lots_available(const struct fdl_lots *lots, int64_t now_s);
int64_t fdl_lots_pending(const struct fdl_lots *lots, int64_t now_s);

/*
 * For a partial load of a member's lots. A loaded set is *complete through*
 * (through_expires_at_s, through_id) in an order when every lot the order
 * takes whose key (expires_at_s, id; id 0 counts as newest) is at or before
 * that bound is in the array. Returns what the ledger can take from the lots
 * at or before the bound: with available_only, the spendable points at now_s
 * as fdl_lots_available counts them (debt included); without it, the points
 * of every lot with points, pending or not, as fdl_lots_clawback takes them.
 * When it is at least the amount, fdl_lots_spend (available_only) or
 * fdl_lots_clawback (not) decide exactly as they would on all the lots.
 */
int64_t fdl_lots_sum_through(const struct fdl_lots *lots, int64_t now_s,
                             int available_only, int64_t through_expires_at_s,
                             int64_t through_id);

/*
 * Spends amount points from lots available at now_s (past their pending
 * period, not yet due to expire), earliest expiry first
 * (then oldest id). Fails with FDL_EINSUFFICIENT_POINTS, changing nothing,
 * if fewer are available. Appends one move per lot touched.
 */
int fdl_lots_spend(struct fdl_lots *lots, int64_t amount, int64_t now_s,
                   struct fdl_moves *moves, struct fdl_error *err);

/*
 * Adds amount points: first pays off any debt, then puts the rest in a new
 * lot (available_at_s, expires_at_s, purchase_id). Appends the moves.
 */
int fdl_lots_earn(struct fdl_lots *lots, int64_t amount, int64_t available_at_s,
                  int64_t expires_at_s, int64_t purchase_id, struct fdl_moves *moves);

/*
 * Takes amount points back (refund of earned points, negative adjustment):
 * first from the lots purchase_id earned (if not 0) — what is left in them,
 * then what of them expired unspent, which is written off rather than taken
 * twice — then from any other lot with points, earliest expiry first,
 * pending or not; what is still missing becomes debt. Sets *taken to the
 * points actually taken from the balance (amount less what was written
 * off). Never fails except on FDL_ENOMEM.
 */
int fdl_lots_clawback(struct fdl_lots *lots, int64_t amount, int64_t purchase_id,
                      struct fdl_moves *moves, int64_t *taken);

/*
 * Gives back amount points spent earlier: first pays off debt, then returns
 * points to the lots the spending took them from (spent[0..n), the moves of
 * the original spending, which have negative deltas), last spent first. Any
 * points beyond what those moves took go to a new lot with expires_at_s.
 * A lot that has expired since is refilled anyway; the expiry job takes it.
 */
int fdl_lots_restore(struct fdl_lots *lots, int64_t amount, const struct fdl_move *spent,
                     size_t n, int64_t expires_at_s, struct fdl_moves *moves);

/*
 * The same for a later partial give-back: the first `already` points of
 * spent (counted from its last move backwards, as fdl_lots_restore walks)
 * were given back before, so each lot is refilled at most by what was
 * taken from it less that. Points an earlier call paid into debt count as
 * given back here too, which can only send points to lots expiring sooner,
 * never later.
 */
int fdl_lots_restore_after(struct fdl_lots *lots, int64_t amount,
                           const struct fdl_move *spent, size_t n, int64_t already,
                           int64_t expires_at_s, struct fdl_moves *moves);

/*
 * Expires every lot with points whose expiry is at or before now_s, adding
 * what each lost to its `expired`. Sets
 * *expired to the total (0 if none) and appends the moves.
 */
int fdl_lots_expire(struct fdl_lots *lots, int64_t now_s, struct fdl_moves *moves,
                    int64_t *expired);

#endif
