/*
 * internal.h - what the service's own files share: a member's loaded state,
 * writing ledger movements, program settings in force, local time, receipt
 * messages, and the feature hooks every use case calls.
 *
 * Nothing outside src/service includes this. Every function here runs
 * inside the caller's transaction and, like the public use cases, never
 * commits; on error the caller rolls back.
 */
#ifndef FDL_SERVICE_INTERNAL_H
#define FDL_SERVICE_INTERNAL_H

#include "engine/messages.h"
#include "service/service.h"

/* How far a member's lots are loaded in one order: every lot of the order
 * whose key (expires_at, id) is at or before (expires_at_s, id) is in the
 * state's lots (see fdl_lots_sum_through); batch is the next load's size. */
struct svc_lot_cursor {
    int64_t expires_at_s, id;
    int64_t batch;
};

/* A member and the lots loaded for one use case; moves collect what the
 * ledger changed since the last svc_post_entry(). The lots are only those
 * a use case needed so far (debt lots always, then as svc_lots_spend,
 * svc_lots_clawback, svc_lots_expire and lot_get loaded them); the member's
 * balance is member.balance, never the sum of the loaded lots. */
struct member_state {
    struct fdl_member member;
    struct fdl_lots lots;
    struct fdl_moves moves;
    struct svc_lot_cursor spendable; /* FDL_LOTS_SPENDABLE order */
    struct svc_lot_cursor positive;  /* FDL_LOTS_POSITIVE order */
};

/* The caller's program (loading it if needed), or NULL with err set. */
const struct fdl_program_state *svc_program_of(struct fdl_service *svc,
                                               struct fdl_store *st,
                                               const struct fdl_actor *a,
                                               struct fdl_error *err);

/* When points earned at now_s expire under prog (FDL_LOT_NEVER if never). */
int64_t svc_expiry_for(const struct fdl_program *prog, const struct fdl_tz *tz,
                       int64_t now_s);

/* The settings and zone in force at t_s (the version's, or the base ones). */
void svc_settings_at(struct fdl_service *svc, const struct fdl_program_state *ps,
                     int64_t t_s, const struct fdl_program **prog,
                     const struct fdl_tz **tz);

/* The local day number of instant t_s in zone tz. */
int64_t svc_local_day(const struct fdl_tz *tz, int64_t t_s);

/* The local calendar parts of instant t_s in zone tz. */
struct fdl_local_time svc_local_time_of(const struct fdl_tz *tz, int64_t t_s);

/* Inits s for member m without loading any lot (a member just enrolled, who
 * has none); svc_state_release is then always safe. */
void svc_state_init(struct member_state *s, const struct fdl_member *m);

/* Loads the member (locking them in a PostgreSQL write) and their debt lots
 * (there are some only when the balance is negative) into s (init'ing it
 * first, so svc_state_release is always safe); other lots are loaded by the
 * svc_lots_ functions as a write needs them. Unknown member: FDL_ENOT_FOUND
 * naming member_id. */
int svc_state_load(struct fdl_store *st, int64_t program_id, int64_t member_id,
                   struct member_state *s, struct fdl_error *err);
void svc_state_release(struct member_state *s);

/* Spends amount points (fdl_lots_spend), first loading the member's
 * spendable lots in spending order, in batches, until those loaded cover
 * amount or none are left; fails as fdl_lots_spend does. */
int svc_lots_spend(struct fdl_store *st, struct member_state *s, int64_t amount,
                   int64_t now_s, struct fdl_error *err);

/* Takes amount points back (fdl_lots_clawback), first loading purchase_id's
 * lots (if not 0), then lots with points in expiry order until they cover
 * amount or none are left. Sets *taken as fdl_lots_clawback does. */
int svc_lots_clawback(struct fdl_store *st, struct member_state *s, int64_t amount,
                      int64_t purchase_id, int64_t *taken, struct fdl_error *err);

/* The lot lot_id of the member in s: its index in s->lots, loading it by id
 * (lot_get) unless it is loaded already. */
int svc_lot_index(struct fdl_store *st, struct member_state *s, int64_t lot_id,
                  size_t *index, struct fdl_error *err);

/* Expires the member's lots due at now_s (fdl_lots_expire), loading just
 * those first; *expired as fdl_lots_expire sets it. */
int svc_lots_expire(struct fdl_store *st, struct member_state *s, int64_t now_s,
                    int64_t *expired, struct fdl_error *err);

/* Writes the lots the ledger created or changed (without an entry). */
int svc_flush_lots(struct fdl_store *st, struct member_state *s, struct fdl_error *err);

/*
 * Posts one journal entry of kind for points with the lot moves made since
 * the last call, and updates s->member.balance (store it with
 * svc_state_save_balance once at the end). purchase_id 0: none.
 */
int svc_post_entry(struct fdl_store *st, struct member_state *s, enum fdl_entry_kind kind,
                   int64_t points, int64_t purchase_id, const char *reason,
                   const struct fdl_actor *a, int64_t now_s, int64_t *entry_id,
                   struct fdl_error *err);

/* Stores s->member.balance. */
int svc_state_save_balance(struct fdl_store *st, struct member_state *s,
                           struct fdl_error *err);

/* The member's balance summary at now_s: the total is s->member.balance,
 * the pending, due and expiring parts come from the store (lot_sums) after
 * the lots s changed are written (every move must be posted already). */
int svc_balance_of(struct fdl_store *st, struct member_state *s, int64_t now_s,
                   struct fdl_balance *b, struct fdl_error *err);

/* The points the member can spend at now_s (fdl_balance.available). */
int svc_points_available(struct fdl_store *st, struct member_state *s, int64_t now_s,
                         int64_t *available, struct fdl_error *err);

/* Appends message id (engine/messages.h) in lang for count n and, when the
 * message takes one, text; silently drops it past FDL_MAX_MESSAGES. */
void svc_add_message(char (*messages)[FDL_MESSAGE_MAX], int *count, const char *lang,
                     enum fdl_message_id id, long long n, const char *text);

/* The balance, pending and next-expiry messages. */
void svc_balance_messages(const struct fdl_tz *tz, const char *lang,
                          const struct fdl_balance *b, char (*messages)[FDL_MESSAGE_MAX],
                          int *count);

/* Sets each line's redeemed_points: `redeemed` allocated by amount; and,
 * when points > 0, each line's points the same way. */
void svc_allocate_to_lines(struct fdl_purchase_line *lines, size_t n, int64_t points,
                           int64_t redeemed);

/* ---- feature hooks ---- */

/*
 * A purchase in progress. `check` hooks run after the member and lines are
 * loaded and before any point is redeemed or earned: they may refuse the
 * purchase (early access) or reduce what is paid (coupons set
 * p->coupon_discount_minor and lines' amounts are left as sold). `apply`
 * hooks run after the purchase, its points and the tier are written and res
 * is filled: they write their own rows and add to res (messages, their
 * result section). ver is NULL before the first program file version.
 */
struct svc_purchase_ctx {
    struct fdl_service *svc;
    struct fdl_store *st;
    const struct fdl_actor *a;
    const struct fdl_purchase_request *req;
    const struct fdl_program_state *ps;
    const struct fdl_version_state *ver;
    const struct fdl_program *prog;
    const struct fdl_tz *tz;
    struct member_state *s;
    struct fdl_purchase *p;
    struct fdl_purchase_line *lines; /* p->line_count */
    int64_t now_s;
    struct fdl_purchase_result *res; /* NULL in check hooks */
};

/* A refund just written: p and lines carry the new refunded totals, r what
 * this refund took. The member's state is loaded in s. */
struct svc_refund_ctx {
    struct fdl_service *svc;
    struct fdl_store *st;
    const struct fdl_actor *a;
    const struct fdl_refund_request *req;
    const struct fdl_program_state *ps;
    const struct fdl_program *prog; /* in force now */
    const struct fdl_tz *tz;
    struct member_state *s;
    struct fdl_purchase *p;
    struct fdl_purchase_line *lines;
    const struct fdl_refund *r;
    int64_t now_s;
    struct fdl_refund_result *res;
};

/* A member just enrolled (with their first card). */
struct svc_enrol_ctx {
    struct fdl_service *svc;
    struct fdl_store *st;
    const struct fdl_actor *a;
    const struct fdl_enrol_request *req;
    const struct fdl_program_state *ps;
    struct fdl_member *member;
    int64_t now_s;
};

/*
 * A feature of the program (punch cards, coupons, referrals, ...): the hooks
 * it needs, any of them NULL. `expire` runs in the periodic batch (with
 * expiry and tier reviews): it does a bounded amount of due work for the
 * program at now_s and adds how many items it handled to *work, so the
 * caller calls again until no feature has work left. Each hook returns 0 or
 * an FDL_E* code with err set.
 */
struct svc_feature {
    const char *name;
    int (*enrol)(struct svc_enrol_ctx *c, struct fdl_error *err);
    int (*purchase_check)(struct svc_purchase_ctx *c, struct fdl_error *err);
    int (*purchase_apply)(struct svc_purchase_ctx *c, struct fdl_error *err);
    int (*refund_apply)(struct svc_refund_ctx *c, struct fdl_error *err);
    int (*expire)(struct fdl_service *svc, struct fdl_store *st, int64_t program_id,
                  int64_t now_s, int64_t *work, struct fdl_error *err);
};

/* The features, in the order their hooks run (features.c). */
extern const struct svc_feature *const svc_features[];
extern const size_t svc_feature_count;

/* -- stores, staff and the audit log -- */
/*
 * The store a purchase is recorded at (service/staff.c): a cashier's or
 * manager's own store when the request names none; another store is
 * FDL_EFORBIDDEN naming "store". Once the program has registered stores,
 * a named store must be one of them (FDL_EINVALID naming "store"); with
 * none registered any code is taken, as before stores existed. An empty
 * code (online channels) is always taken. A partner's caller must name a
 * store that def (the program file of the sale's time) lists under its
 * partner: none is FDL_EMISSING_FIELD, another's is answered as an unknown
 * store. Writes the code into out, and a registered store's time zone
 * into zone ("" when the store is not registered).
 */
int svc_purchase_store(struct fdl_store *st, const struct fdl_program_def *def,
                       const struct fdl_actor *a, const char *requested,
                       char out[FDL_MAX_ID_LEN + 1], char zone[FDL_MAX_TIME_ZONE_LEN + 1],
                       struct fdl_error *err);

/* The loaded time zone named zone (a registered store's), kept for the
 * life of svc; NULL if it does not load (the program's zone is used). */
const struct fdl_tz *svc_zone(struct fdl_service *svc, const char *zone);

/* -- coalitions -- */
/*
 * Records the settlement items of the moves in s->moves (not yet posted)
 * made at a purchase in redeem_store: sign 1 for a redemption (the moves
 * that took points), -1 for a refund giving them back (the moves that
 * returned them). Does nothing if redeem_store is no partner's (coalition.h).
 */
int svc_coalition_items(struct fdl_store *st, const struct fdl_program_def *def,
                        const struct fdl_program *prog, const struct fdl_tz *tz,
                        const struct member_state *s, const char *redeem_store,
                        int64_t purchase_id, int sign, int64_t now_s,
                        struct fdl_error *err);

/*
 * Records the reversal of the settlement items of a refund that gives back
 * `amount` points of a purchase's redemption at redeem_store: spent[0..n)
 * are the redemption's moves, `already` what earlier refunds gave back.
 * Walks them as the ledger's give-back does (last spent first), so each
 * issuer's item is reversed by what came from its lots, wherever the points
 * go back to (a debt, a new lot).
 */
int svc_coalition_refund_items(struct fdl_store *st, const struct fdl_program_def *def,
                               const struct fdl_program *prog, const struct fdl_tz *tz,
                               const struct member_state *s,
                               const struct fdl_stored_move *spent, size_t n,
                               int64_t already, int64_t amount, const char *redeem_store,
                               int64_t purchase_id, int64_t now_s, struct fdl_error *err);

/* The items svc_coalition_items would record, into out[0..*count) (room
 * for FDL_MAX_PARTNERS), without recording them (a reward reservation
 * records them once it has its id). */
int svc_coalition_plan(struct fdl_store *st, const struct fdl_program_def *def,
                       const struct fdl_program *prog, const struct fdl_tz *tz,
                       const struct member_state *s, const char *redeem_store,
                       int64_t purchase_id, int sign, int64_t now_s,
                       struct fdl_settlement_item *out, int *count,
                       struct fdl_error *err);

/* -- partner isolation -- */
/* 1 if a may see a record of partner owner ("" the operator's): the
 * operator sees all, a partner only its own. */
int svc_partner_sees(const struct fdl_actor *a, const char *owner);

/* The program file in force at now_s for a's program (*def NULL when none
 * was applied). */
int svc_def_now(struct fdl_service *svc, struct fdl_store *st, const struct fdl_actor *a,
                int64_t now_s, const struct fdl_program_def **def, struct fdl_error *err);

/* The id of the partner that sells at store_code under def ("" if none). */
const char *svc_store_partner(const struct fdl_program_def *def, const char *store_code);

#endif
