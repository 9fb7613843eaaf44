/* ledger.c - journal entries and lot arithmetic; see ledger.h for the invariants. */
#include "ledger/ledger.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* 1e15: far above any real movement, and no sum of them can overflow. */
#define LEDGER_MAX_POINTS 1000000000000000LL

const char *fdl_account_name(enum fdl_account account)
{
    switch (account) {
    case FDL_ACCOUNT_MEMBER:
        return "member";
    case FDL_ACCOUNT_ISSUED:
        return "issued";
    case FDL_ACCOUNT_REDEEMED:
        return "redeemed";
    case FDL_ACCOUNT_EXPIRED:
        return "expired";
    case FDL_ACCOUNT_ADJUSTED:
        return "adjusted";
    }
    return "unknown";
}

const char *fdl_entry_kind_name(enum fdl_entry_kind kind)
{
    switch (kind) {
    case FDL_ENTRY_EARN:
        return "earn";
    case FDL_ENTRY_REDEEM:
        return "redeem";
    case FDL_ENTRY_CLAWBACK:
        return "clawback";
    case FDL_ENTRY_RESTORE:
        return "restore";
    case FDL_ENTRY_EXPIRE:
        return "expire";
    case FDL_ENTRY_ADJUST:
        return "adjust";
    case FDL_ENTRY_BONUS:
        return "bonus";
    }
    return "unknown";
}

int fdl_entry_build(struct fdl_entry *entry, enum fdl_entry_kind kind, int64_t member_id,
                    int64_t points)
{
    if (points == 0 || points > LEDGER_MAX_POINTS || points < -LEDGER_MAX_POINTS)
        return FDL_EINVALID;
    if (kind != FDL_ENTRY_ADJUST && points < 0)
        return FDL_EINVALID;
    enum fdl_account other;
    int64_t member_delta;
    switch (kind) {
    case FDL_ENTRY_EARN:
    case FDL_ENTRY_BONUS:
        other = FDL_ACCOUNT_ISSUED, member_delta = points;
        break;
    case FDL_ENTRY_CLAWBACK:
        other = FDL_ACCOUNT_ISSUED, member_delta = -points;
        break;
    case FDL_ENTRY_REDEEM:
        other = FDL_ACCOUNT_REDEEMED, member_delta = -points;
        break;
    case FDL_ENTRY_RESTORE:
        other = FDL_ACCOUNT_REDEEMED, member_delta = points;
        break;
    case FDL_ENTRY_EXPIRE:
        other = FDL_ACCOUNT_EXPIRED, member_delta = -points;
        break;
    case FDL_ENTRY_ADJUST:
        other = FDL_ACCOUNT_ADJUSTED, member_delta = points;
        break;
    default:
        return FDL_EINVALID;
    }
    memset(entry, 0, sizeof(*entry));
    entry->kind = kind;
    entry->member_id = member_id;
    entry->posting_count = 2;
    entry->postings[0] = (struct fdl_posting){FDL_ACCOUNT_MEMBER, member_delta};
    entry->postings[1] = (struct fdl_posting){other, -member_delta};
    assert(fdl_entry_check(entry) == 0);
    return 0;
}

int64_t fdl_entry_member_delta(const struct fdl_entry *entry)
{
    int64_t sum = 0;
    for (int i = 0; i < entry->posting_count; i++)
        if (entry->postings[i].account == FDL_ACCOUNT_MEMBER)
            sum += entry->postings[i].amount;
    return sum;
}

int fdl_entry_check(const struct fdl_entry *entry)
{
    if (entry->posting_count < 2 || entry->posting_count > FDL_ENTRY_MAX_POSTINGS)
        return FDL_EINVALID;
    int64_t sum = 0;
    for (int i = 0; i < entry->posting_count; i++)
        sum += entry->postings[i].amount;
    return sum == 0 ? 0 : FDL_EINVALID;
}

void fdl_lots_init(struct fdl_lots *lots)
{
    memset(lots, 0, sizeof(*lots));
}

void fdl_lots_release(struct fdl_lots *lots)
{
    free(lots->items);
    fdl_lots_init(lots);
}

void fdl_moves_init(struct fdl_moves *moves)
{
    memset(moves, 0, sizeof(*moves));
}

void fdl_moves_release(struct fdl_moves *moves)
{
    free(moves->items);
    fdl_moves_init(moves);
}

/* Grows an array of elem_size elements to hold one more; 0 or FDL_ENOMEM. */
static int grow(void **items, size_t count, size_t *cap, size_t elem_size)
{
    if (count < *cap)
        return 0;
    size_t new_cap = *cap ? *cap * 2 : 8;
    void *p = realloc(*items, new_cap * elem_size);
    if (!p)
        return FDL_ENOMEM;
    *items = p;
    *cap = new_cap;
    return 0;
}

int fdl_lots_push(struct fdl_lots *lots, const struct fdl_lot *lot, size_t *index)
{
    if (grow((void **)&lots->items, lots->count, &lots->cap, sizeof(*lots->items)))
        return FDL_ENOMEM;
    lots->items[lots->count] = *lot;
    if (index)
        *index = lots->count;
    lots->count++;
    return 0;
}

long fdl_lots_find(const struct fdl_lots *lots, int64_t id)
{
    for (size_t i = 0; i < lots->count; i++)
        if (lots->items[i].id == id)
            return (long)i;
    return -1;
}

/* Applies delta to lot i and records the move. */
static int move(struct fdl_lots *lots, size_t i, int64_t delta, struct fdl_moves *moves)
{
    assert(i < lots->count && delta != 0);
    if (grow((void **)&moves->items, moves->count, &moves->cap, sizeof(*moves->items)))
        return FDL_ENOMEM;
    lots->items[i].remaining += delta;
    lots->items[i].dirty = 1;
    moves->items[moves->count++] = (struct fdl_move){i, delta};
    return 0;
}

int64_t fdl_lots_total(const struct fdl_lots *lots)
{
    int64_t sum = 0;
    for (size_t i = 0; i < lots->count; i++)
        sum += lots->items[i].remaining;
    return sum;
}

int64_t fdl_lots_available(const struct fdl_lots *lots, int64_t now_s)
{
    int64_t sum = 0;
    for (size_t i = 0; i < lots->count; i++) {
        const struct fdl_lot *l = &lots->items[i];
        if (l->remaining < 0 || (l->available_at_s <= now_s && l->expires_at_s > now_s))
            sum += l->remaining;
    }
    return sum;
}

int64_t fdl_lots_pending(const struct fdl_lots *lots, int64_t now_s)
{
    int64_t sum = 0;
    for (size_t i = 0; i < lots->count; i++) {
        const struct fdl_lot *l = &lots->items[i];
        if (l->remaining > 0 && l->available_at_s > now_s)
            sum += l->remaining;
    }
    return sum;
}

/* Is lot l at or before (expires_at_s, id) in spending order? id 0 is newest. */
static int at_or_before(const struct fdl_lot *l, int64_t expires_at_s, int64_t id)
{
    uint64_t lid = (uint64_t)(l->id ? l->id : INT64_MAX);
    return l->expires_at_s < expires_at_s ||
           (l->expires_at_s == expires_at_s && lid <= (uint64_t)id);
}

int64_t fdl_lots_sum_through(const struct fdl_lots *lots, int64_t now_s,
                             int available_only, int64_t through_expires_at_s,
                             int64_t through_id)
{
    int64_t sum = 0;
    for (size_t i = 0; i < lots->count; i++) {
        const struct fdl_lot *l = &lots->items[i];
        if (l->remaining < 0) {
            sum += available_only ? l->remaining : 0;
            continue;
        }
        if (l->remaining == 0 || !at_or_before(l, through_expires_at_s, through_id) ||
            (available_only && (l->available_at_s > now_s || l->expires_at_s <= now_s)))
            continue;
        sum += l->remaining;
    }
    return sum;
}

/* Index of the positive lot to take from next: earliest expiry, then oldest
 * (id 0, i.e. new, counts as newest). With available_only, pending lots are
 * skipped; with skip_purchase set, that purchase's lots are skipped. */
static long next_to_take(const struct fdl_lots *lots, int64_t now_s, int available_only)
{
    long best = -1;
    for (size_t i = 0; i < lots->count; i++) {
        const struct fdl_lot *l = &lots->items[i];
        if (l->remaining <= 0 ||
            (available_only && (l->available_at_s > now_s || l->expires_at_s <= now_s)))
            continue;
        if (best < 0)
            best = (long)i;
        else {
            const struct fdl_lot *b = &lots->items[best];
            uint64_t lid = (uint64_t)(l->id ? l->id : INT64_MAX);
            uint64_t bid = (uint64_t)(b->id ? b->id : INT64_MAX);
            if (l->expires_at_s < b->expires_at_s ||
                (l->expires_at_s == b->expires_at_s && lid < bid))
                best = (long)i;
        }
    }
    return best;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

int fdl_lots_spend(struct fdl_lots *lots, int64_t amount, int64_t now_s,
                   struct fdl_moves *moves, struct fdl_error *err)
{
    assert(amount > 0);
    int64_t available = fdl_lots_available(lots, now_s);
    if (available < amount)
        return fdl_error_set(err, FDL_EINSUFFICIENT_POINTS, "points",
                             "%lld points requested, %lld available", (long long)amount,
                             (long long)(available > 0 ? available : 0));
    while (amount > 0) {
        long i = next_to_take(lots, now_s, 1);
        assert(i >= 0);
        int64_t take = min64(amount, lots->items[i].remaining);
        if (move(lots, (size_t)i, -take, moves))
            return FDL_ENOMEM;
        amount -= take;
    }
    return 0;
}

/* Pays off debt lots with up to *amount points, reducing *amount. */
static int pay_debt(struct fdl_lots *lots, int64_t *amount, struct fdl_moves *moves)
{
    for (size_t i = 0; i<lots->count && * amount> 0; i++) {
        if (lots->items[i].remaining >= 0)
            continue;
        int64_t pay = min64(*amount, -lots->items[i].remaining);
        if (move(lots, i, pay, moves))
            return FDL_ENOMEM;
        *amount -= pay;
    }
    return 0;
}

int fdl_lots_earn(struct fdl_lots *lots, int64_t amount, int64_t available_at_s,
                  int64_t expires_at_s, int64_t purchase_id, struct fdl_moves *moves)
{
    assert(amount > 0);
    if (pay_debt(lots, &amount, moves))
        return FDL_ENOMEM;
    if (amount == 0)
        return 0;
    struct fdl_lot lot = {0, 0, available_at_s, expires_at_s, purchase_id, 1, 0};
    size_t index;
    if (fdl_lots_push(lots, &lot, &index))
        return FDL_ENOMEM;
    return move(lots, index, amount, moves);
}

/* Appends amount (> 0) of debt: to the existing debt lot, or a new one. */
static int add_debt(struct fdl_lots *lots, int64_t amount, struct fdl_moves *moves)
{
    for (size_t i = 0; i < lots->count; i++)
        if (lots->items[i].expires_at_s == FDL_LOT_NEVER &&
            lots->items[i].remaining <= 0 && lots->items[i].purchase_id == 0)
            return move(lots, i, -amount, moves);
    struct fdl_lot debt = {0, 0, 0, FDL_LOT_NEVER, 0, 1, 0};
    size_t index;
    if (fdl_lots_push(lots, &debt, &index))
        return FDL_ENOMEM;
    return move(lots, index, -amount, moves);
}

int fdl_lots_clawback(struct fdl_lots *lots, int64_t amount, int64_t purchase_id,
                      struct fdl_moves *moves, int64_t *taken)
{
    assert(amount > 0);
    int64_t written_off = 0, left = amount;
    for (size_t i = 0; i < lots->count && left > 0 && purchase_id; i++) {
        struct fdl_lot *l = &lots->items[i];
        if (l->purchase_id != purchase_id)
            continue;
        if (l->remaining > 0) {
            int64_t take = min64(left, l->remaining);
            if (move(lots, i, -take, moves))
                return FDL_ENOMEM;
            left -= take;
        }
        int64_t forgive = min64(left, l->expired);
        if (forgive > 0) {
            l->expired -= forgive;
            l->dirty = 1;
            left -= forgive;
            written_off += forgive;
        }
    }
    while (left > 0) {
        long i = next_to_take(lots, 0, 0);
        if (i < 0)
            break;
        int64_t take = min64(left, lots->items[i].remaining);
        if (move(lots, (size_t)i, -take, moves))
            return FDL_ENOMEM;
        left -= take;
    }
    if (left > 0 && add_debt(lots, left, moves))
        return FDL_ENOMEM;
    *taken = amount - written_off;
    return 0;
}

int fdl_lots_restore(struct fdl_lots *lots, int64_t amount, const struct fdl_move *spent,
                     size_t n, int64_t expires_at_s, struct fdl_moves *moves)
{
    return fdl_lots_restore_after(lots, amount, spent, n, 0, expires_at_s, moves);
}

int fdl_lots_restore_after(struct fdl_lots *lots, int64_t amount,
                           const struct fdl_move *spent, size_t n, int64_t already,
                           int64_t expires_at_s, struct fdl_moves *moves)
{
    assert(amount > 0 && already >= 0);
    if (pay_debt(lots, &amount, moves))
        return FDL_ENOMEM;
    for (size_t k = n; k-- > 0 && amount > 0;) {
        assert(spent[k].lot_index < lots->count && spent[k].delta < 0);
        int64_t room = -spent[k].delta;
        int64_t skip = min64(already, room); /* given back by an earlier restore */
        already -= skip;
        room -= skip;
        if (room == 0)
            continue;
        int64_t give = min64(amount, room);
        if (move(lots, spent[k].lot_index, give, moves))
            return FDL_ENOMEM;
        amount -= give;
    }
    if (amount == 0)
        return 0;
    struct fdl_lot lot = {0, 0, 0, expires_at_s, 0, 1, 0};
    size_t index;
    if (fdl_lots_push(lots, &lot, &index))
        return FDL_ENOMEM;
    return move(lots, index, amount, moves);
}

int fdl_lots_expire(struct fdl_lots *lots, int64_t now_s, struct fdl_moves *moves,
                    int64_t *expired)
{
    int64_t total = 0;
    for (size_t i = 0; i < lots->count; i++) {
        struct fdl_lot *l = &lots->items[i];
        if (l->remaining <= 0 || l->expires_at_s > now_s)
            continue;
        total += l->remaining;
        l->expired += l->remaining;
        if (move(lots, i, -l->remaining, moves))
            return FDL_ENOMEM;
    }
    *expired = total;
    return 0;
}
