/*
 * rewards.h - the use cases of the reward catalogue and of early access.
 *
 * Like service.h's, every function here runs inside a store transaction its
 * caller opened (the writer's savepoint for writes), never commits, and
 * changes nothing when it fails. The catalogue and the launches are those
 * of the program file version in force at the time given.
 *
 * A redemption is reserved, then committed or cancelled. Reserving checks
 * eligibility (engine/rewards.h: window, tier, stock, per-member limit,
 * points), spends the points from the member's lots at once (a `redeem`
 * ledger entry) and holds the stock for the catalogue's hold_minutes.
 * Cancelling, or the expiry batch once the hold has ended, gives the
 * points back to the very lots they came from (a `restore` entry) and
 * releases the stock. Stock and per-member limits count reserved and
 * committed units.
 */
#ifndef FDL_SERVICE_REWARDS_H
#define FDL_SERVICE_REWARDS_H

#include "engine/rewards.h"
#include "service/service.h"

/* One reward of the catalogue as a member (or anyone) sees it now. */
struct fdl_reward_offer {
    const struct fdl_reward *reward; /* owned by the program definition */
    int64_t remaining;               /* units left; -1: unlimited stock */
    enum fdl_reward_reason reason;   /* for the member: FDL_REWARD_OK if available */
};

/*
 * The catalogue in force at now_s: *catalog (NULL when the program has
 * none, then *count is 0) and, for each reward, an offer in out (room for
 * FDL_MAX_REWARDS). With member_id > 0 each offer says whether that member
 * may redeem one unit now and why not; an unknown member is FDL_ENOT_FOUND
 * naming member_id. *available is the member's spendable points (0 without).
 */
int fdl_svc_rewards_list(struct fdl_service *svc, struct fdl_store *st,
                         const struct fdl_actor *a, int64_t member_id, int64_t now_s,
                         const struct fdl_reward_catalog **catalog,
                         struct fdl_reward_offer *out, size_t *count, int64_t *available,
                         struct fdl_error *err);

/*
 * Reserves quantity (1..FDL_MAX_REDEMPTION_QUANTITY) units of reward_id for
 * the member: an unknown reward is FDL_ENOT_FOUND naming reward_id; a
 * window, tier, stock or limit that does not allow it FDL_ECONFLICT naming
 * reward_id; too few available points FDL_EINSUFFICIENT_POINTS naming
 * quantity. Fills *out (status reserved) and *balance after the spending.
 */
int fdl_svc_reward_reserve(struct fdl_service *svc, struct fdl_store *st,
                           const struct fdl_actor *a, int64_t member_id,
                           const char *reward_id, int64_t quantity, int64_t now_s,
                           struct fdl_redemption *out, struct fdl_balance *balance,
                           struct fdl_error *err);

/*
 * Makes reserved redemption id final, recording txn_id (NULL or "": none),
 * the sale it belongs to. A redemption that is not reserved, or whose hold
 * ended before now_s, is FDL_ECONFLICT; an unknown one FDL_ENOT_FOUND. A
 * coupon reward issues its campaign's single-use code to the member now and
 * writes it into coupon_code (coupon_cap >= FDL_COUPON_FORMATTED_MAX bytes;
 * "" for other kinds): the code is shown this once, only its hash is kept.
 */
int fdl_svc_redemption_commit(struct fdl_service *svc, struct fdl_store *st,
                              const struct fdl_actor *a, int64_t id, const char *txn_id,
                              int64_t now_s, struct fdl_redemption *out,
                              char *coupon_code, size_t coupon_cap,
                              struct fdl_error *err);

/*
 * Cancels reserved redemption id: its points go back to the lots they were
 * spent from (a lot that expired since gets them and the expiry batch
 * takes them), its stock is released. Not reserved: FDL_ECONFLICT.
 */
int fdl_svc_redemption_cancel(struct fdl_service *svc, struct fdl_store *st,
                              const struct fdl_actor *a, int64_t id, int64_t now_s,
                              struct fdl_redemption *out, struct fdl_balance *balance,
                              struct fdl_error *err);

/* Reads redemption id of the caller's program (FDL_ENOT_FOUND naming id). */
int fdl_svc_redemption_get(struct fdl_service *svc, struct fdl_store *st,
                           const struct fdl_actor *a, int64_t id,
                           struct fdl_redemption *out, struct fdl_error *err);

/* The member's redemptions with id < before_id (0: newest), newest first. */
int fdl_svc_redemptions_of(struct fdl_service *svc, struct fdl_store *st,
                           const struct fdl_actor *a, int64_t member_id,
                           int64_t before_id, int limit, struct fdl_redemption *out,
                           int *count, struct fdl_error *err);

/* Why a member may or may not buy a sku at a time (see fdl_svc_may_buy). */
enum fdl_may_buy_reason {
    FDL_MAY_BUY_NOT_IN_LAUNCH, /* the sku is in no launch: on sale as usual */
    FDL_MAY_BUY_OPEN,          /* the launch has opened to everyone */
    FDL_MAY_BUY_EARLY_TIER,    /* the member's tier opens it early */
    FDL_MAY_BUY_EARLY_REWARD,  /* an early-access reward opens it early */
    FDL_MAY_BUY_NOT_YET,       /* not yet on sale to this member */
};

struct fdl_may_buy {
    int allowed;
    enum fdl_may_buy_reason reason;
    char launch[FDL_REWARD_ID_MAX + 1]; /* "" when not in a launch */
    int64_t opens_at_s;                 /* to everyone; 0 when not in a launch */
    int64_t opens_for_member_at_s;      /* to this member; 0 when not in a launch */
};

/* The wire name of reason ("not_in_launch", "open", "early_tier", ...). */
const char *fdl_may_buy_reason_name(enum fdl_may_buy_reason reason);

/*
 * May member_id buy sku (of category, NULL or "") at at_s? Under the
 * launches of the program version in force at at_s, the member's tier,
 * and any early-access reward they hold for the launch at now_s.
 */
int fdl_svc_may_buy(struct fdl_service *svc, struct fdl_store *st,
                    const struct fdl_actor *a, int64_t member_id, const char *sku,
                    const char *category, int64_t at_s, int64_t now_s,
                    struct fdl_may_buy *out, struct fdl_error *err);

#endif
