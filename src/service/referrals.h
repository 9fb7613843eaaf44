/*
 * referrals.h - member-get-member referrals, the use cases the API calls
 * directly; the rest of the feature runs in the hooks of
 * svc_feature_referrals (service/referrals.c):
 *   enrol     a new member with a referral_code gets a pending referral,
 *             or the enrolment is refused (bad code, self-referral, a
 *             contact already referred, a blocked referrer, the referrer's
 *             max_pending or max_per_referrer reached);
 *   purchase  the referee's first purchase paying at least min_spend (under
 *             the version in force at it) starts the return window;
 *   refund    a refund that takes that purchase below its min_spend while
 *             the bonuses wait puts the referral back to pending;
 *   expire    after the window, both bonuses are posted (kind bonus), once.
 * Like every use case these run inside the caller's transaction and never
 * commit.
 */
#ifndef FDL_SERVICE_REFERRALS_H
#define FDL_SERVICE_REFERRALS_H

#include "service/service.h"

#define FDL_REFERRAL_BATCH 200 /* referrals the expire hook settles per call */

/* What GET /v1/members/{id}/referral shows. */
struct fdl_referral_code_info {
    char code[FDL_REFERRAL_CODE_TEXT_MAX];
    struct fdl_referral_def def; /* in force now; enabled 0 if the program has none */
};

/*
 * The referral code of member_id and the referral settings in force at
 * now_s. Unknown member: FDL_ENOT_FOUND naming member_id.
 */
int fdl_svc_referral_code(struct fdl_service *svc, struct fdl_store *st,
                          const struct fdl_actor *a, int64_t member_id, int64_t now_s,
                          struct fdl_referral_code_info *out, struct fdl_error *err);

/*
 * member_id's referrals as referrer (referee id > after_id, by referee id,
 * at most limit into out, *count of them) and, when the member was
 * referred, that referral in *referred_by (*was_referred 1, else 0).
 * Unknown member: FDL_ENOT_FOUND naming member_id.
 */
int fdl_svc_referrals(struct fdl_service *svc, struct fdl_store *st,
                      const struct fdl_actor *a, int64_t member_id, int64_t after_id,
                      int limit, struct fdl_referral *out, int *count,
                      struct fdl_referral *referred_by, int *was_referred,
                      struct fdl_error *err);

#endif
