/*
 * stamps.h (service) - punch cards as a program feature: the purchase,
 * refund and expiry hooks (svc_feature_stamps, service/internal.h) and the
 * member's cards and vouchers.
 */
#ifndef FDL_SERVICE_STAMPS_H
#define FDL_SERVICE_STAMPS_H

#include "service/service.h"

/* One card as the member sees it: progress, and what a filled card gives. */
struct fdl_member_stamp_card {
    struct fdl_stamp_card_state state;    /* stamps 0 before the first one */
    const struct fdl_stamp_card_def *def; /* in force now, or NULL if dropped */
};

/* A voucher with its status at the time asked. */
struct fdl_member_stamp_voucher {
    struct fdl_stamp_voucher v;
    const char *status; /* "open", "used", "revoked", "expired" or "credited" */
};

struct fdl_member_stamps {
    int card_count;
    struct fdl_member_stamp_card cards[FDL_MAX_STAMP_CARDS * 2];
    int voucher_count;
    struct fdl_member_stamp_voucher vouchers[FDL_MAX_STAMP_VOUCHERS_LISTED];
};

/*
 * The member's punch cards at now_s: every card of the program version in
 * force (with 0 stamps before the first) and any card the member still
 * holds stamps on from an older version, by card id; and their vouchers,
 * newest first, at most FDL_MAX_STAMP_VOUCHERS_LISTED. Unknown member:
 * FDL_ENOT_FOUND naming member_id. Inside a read transaction.
 */
int fdl_svc_member_stamps(struct fdl_service *svc, struct fdl_store *st,
                          const struct fdl_actor *a, int64_t member_id, int64_t now_s,
                          struct fdl_member_stamps *out, struct fdl_error *err);

/*
 * The member-facing benefits of level `tier` in the program version in force
 * at now_s, or NULL (no such program, version or level, or no benefits).
 * Reads only what the service holds in memory: call it after a service call
 * that loaded the program (fdl_svc_member_get, ...). The texts live as long
 * as the service.
 */
const struct fdl_tier_benefits *fdl_svc_tier_benefits(struct fdl_service *svc,
                                                      int64_t program_id,
                                                      const char *tier, int64_t now_s);

#endif
