/*
 * stored_value.h - the use cases of stored value (gift cards and reward
 * certificates: money, not points) and of the paid membership with
 * cashback. Like every service function they run inside the caller's
 * transaction (the writer's savepoint for writes), never commit, and change
 * nothing when they fail. Amounts are minor units of the program's
 * currency. The purchase, refund and periodic-expiry hooks are the feature
 * table svc_feature_stored_value (service/internal.h).
 */
#ifndef FDL_SERVICE_STORED_VALUE_H
#define FDL_SERVICE_STORED_VALUE_H

#include "engine/stored_value.h"
#include "service/service.h"
#include "store/store.h"

#define FDL_SV_NUMBER_ATTEMPTS   5   /* fresh numbers tried when one is taken */
#define FDL_MEMBERSHIP_BATCH_MAX 200 /* memberships closed per expiry call */

/* A card and its latest movements. */
struct fdl_gift_card_view {
    struct fdl_sv_card card;
    int history_count;
    struct fdl_sv_history_row history[FDL_GIFT_CARD_HISTORY_MAX];
};

/*
 * Sells a gift card loaded with amount_minor (1..FDL_GIFT_CARD_MAX_LOAD_MINOR)
 * in currency, which must be the program's (FDL_EINVALID naming currency);
 * member_id (0: none) must be a member (FDL_ENOT_FOUND naming member_id).
 * Posts a sell entry (card +, sold -). *out is the new card.
 */
int fdl_svc_gift_card_sell(struct fdl_service *svc, struct fdl_store *st,
                           const struct fdl_actor *a, int64_t amount_minor,
                           const char *currency, int64_t member_id, int64_t now_s,
                           struct fdl_sv_card *out, struct fdl_error *err);

/*
 * The card with this number and its newest movements. The number is
 * checked cryptographically first (FDL_EBAD_CARD naming number, without a
 * lookup); an unknown one is FDL_ENOT_FOUND.
 */
int fdl_svc_gift_card_get(struct fdl_service *svc, struct fdl_store *st,
                          const struct fdl_actor *a, const char *number,
                          struct fdl_gift_card_view *out, struct fdl_error *err);

/*
 * Tops the card up by amount_minor (1..FDL_GIFT_CARD_MAX_LOAD_MINOR). A
 * blocked card is FDL_ECARD_BLOCKED; a balance past
 * FDL_GIFT_CARD_MAX_BALANCE_MINOR is FDL_ERANGE naming amount.
 */
int fdl_svc_gift_card_load(struct fdl_service *svc, struct fdl_store *st,
                           const struct fdl_actor *a, const char *number,
                           int64_t amount_minor, int64_t now_s, struct fdl_sv_card *out,
                           struct fdl_error *err);

/*
 * Spends amount_minor of the card for the till's txn_id. More than the
 * balance is FDL_EINSUFFICIENT_FUNDS naming amount, and nothing changes; a
 * blocked card is FDL_ECARD_BLOCKED; a txn_id already used on this card is
 * FDL_EDUPLICATE naming txn_id.
 */
int fdl_svc_gift_card_redeem(struct fdl_service *svc, struct fdl_store *st,
                             const struct fdl_actor *a, const char *number,
                             int64_t amount_minor, const char *txn_id, int64_t now_s,
                             struct fdl_sv_card *out, struct fdl_error *err);

/*
 * Puts amount_minor back on the card for a till refund of txn_id, which
 * must have spent from this card (FDL_ENOT_FOUND naming txn_id): at most
 * what it took less what earlier refunds gave back (FDL_EREFUND_EXCEEDS
 * naming amount).
 */
int fdl_svc_gift_card_refund(struct fdl_service *svc, struct fdl_store *st,
                             const struct fdl_actor *a, const char *number,
                             int64_t amount_minor, const char *txn_id, int64_t now_s,
                             struct fdl_sv_card *out, struct fdl_error *err);

/* Blocks the card (lost, stolen); its money stays recorded on it. Blocking
 * a blocked card is FDL_ECARD_BLOCKED. */
int fdl_svc_gift_card_block(struct fdl_service *svc, struct fdl_store *st,
                            const struct fdl_actor *a, const char *number, int64_t now_s,
                            struct fdl_sv_card *out, struct fdl_error *err);

/*
 * Records a paid membership year for member_id, paid at the till in
 * txn_id: from now, or from the end of the current year when the member
 * is still in one (a renewal; one year ahead at most, else FDL_ECONFLICT).
 * The program file in force must have a membership section
 * (FDL_ECONFLICT naming membership). *out is the new year.
 */
int fdl_svc_membership_buy(struct fdl_service *svc, struct fdl_store *st,
                           const struct fdl_actor *a, int64_t member_id,
                           const char *txn_id, int64_t now_s, struct fdl_membership *out,
                           struct fdl_error *err);

/* A member's membership as GET /v1/members/{id}/membership shows it. */
struct fdl_membership_view {
    struct fdl_membership_def def; /* the membership in force; enabled 0 if none */
    int has_current;               /* an open year covers now */
    struct fdl_membership current; /* that year, else the latest one if any */
    int has_latest;
    int64_t cap_left_minor;
    int has_certificate; /* the latest certificate a closed year paid */
    struct fdl_sv_card certificate;
};

int fdl_svc_membership_get(struct fdl_service *svc, struct fdl_store *st,
                           const struct fdl_actor *a, int64_t member_id, int64_t now_s,
                           struct fdl_membership_view *out, struct fdl_error *err);

/*
 * What the membership in force would have paid the member back over the
 * FDL_MEMBERSHIP_ADVICE_WINDOW_S before now, from their purchases net of
 * discounts and refunds. No membership section: FDL_ECONFLICT.
 */
int fdl_svc_membership_advice(struct fdl_service *svc, struct fdl_store *st,
                              const struct fdl_actor *a, int64_t member_id, int64_t now_s,
                              struct fdl_membership_def *def,
                              struct fdl_membership_advice *out, struct fdl_error *err);

#endif
