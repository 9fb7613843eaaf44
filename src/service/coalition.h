/*
 * coalition.h - coalitions: partner merchants sharing one currency of
 * points, and the settlement of what they owe each other.
 *
 * A program file's `partners:` section names the partners, the stores each
 * sells at and its settlement rate (money per point). A purchase at a
 * partner's store earns points issued by that partner: the lots it earns
 * point at the purchase, whose store says who issued them. When points are
 * redeemed at a purchase in a store of partner B, the points taken from lots
 * issued by another partner A become a settlement item in the same
 * transaction: A owes B points x A's rate, in minor units rounded by the
 * program's rounding (one item per issuer per redemption). A refund that
 * gives redeemed points back records the same item negated, so the report
 * nets it out. A reward reserved by a staff account of a partner's store
 * is redeemed at that store; its cancel or expiry negates its items (an
 * API key has no store: no item). Points of a partner redeemed at that
 * partner, points of no partner, and redemptions outside partners' stores
 * make no item.
 *
 * A settlement closes every open item up to a day: it records a line per
 * (issuer, redeemer) pair (what the issuer pays) and marks the items
 * settled; an item (or reversal) made later is left for the next one.
 */
#ifndef FDL_SERVICE_COALITION_H
#define FDL_SERVICE_COALITION_H

#include "service/service.h"

/*
 * The report of days [from_day, to_day] (local day numbers, from <= to):
 * per (issuer, redeemer), what the issuer owes, at most max pairs (open
 * items only if open_only). For the program admin and the auditor
 * (FDL_EFORBIDDEN otherwise).
 */
int fdl_svc_settlement_report(struct fdl_service *svc, struct fdl_store *st,
                              const struct fdl_actor *a, int64_t from_day, int64_t to_day,
                              int open_only, struct fdl_settlement_pair *out, int max,
                              int *count, struct fdl_error *err);

/*
 * Settles every open item of a day <= until_day: *out is the settlement
 * recorded, with its lines[0..*count) (at most max); out->id is 0 and
 * *count 0 when nothing was open. For the program admin only.
 */
int fdl_svc_settle(struct fdl_service *svc, struct fdl_store *st,
                   const struct fdl_actor *a, int64_t until_day, int64_t now_s,
                   struct fdl_settlement *out, struct fdl_settlement_pair *lines, int max,
                   int *count, struct fdl_error *err);

/* Settlement id with its lines; FDL_ENOT_FOUND naming "id" if none. Admin or auditor. */
int fdl_svc_settlement_get(struct fdl_service *svc, struct fdl_store *st,
                           const struct fdl_actor *a, int64_t id,
                           struct fdl_settlement *out, struct fdl_settlement_pair *lines,
                           int max, int *count, struct fdl_error *err);

/*
 * Partner isolation. A caller (API key or staff account) either acts for
 * the program's operator (a->partner "") and sees everything, or for one
 * partner and sees only that partner's stores, staff, keys, purchases,
 * reward redemptions, gift cards, audit rows and settlement pairs, as if
 * the others did not exist (docs/architecture.md, "Partner isolation").
 *
 * The partner a new key or staff account of caller a will act for:
 * requested (NULL: a's own) must be a partner of the program in force
 * (FDL_EINVALID naming field otherwise), and a partner's caller may only
 * name its own (FDL_EFORBIDDEN). *out is "" for the operator.
 */
int fdl_svc_partner_for_new(struct fdl_service *svc, struct fdl_store *st,
                            const struct fdl_actor *a, const char *requested,
                            const char *field, char out[FDL_PARTNER_ID_MAX + 1],
                            struct fdl_error *err);

#endif
