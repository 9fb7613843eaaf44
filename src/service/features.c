/*
 * features.c - the table of program features whose hooks the use cases
 * call (service/internal.h). Order matters where features meet: hooks that
 * may refuse a purchase come before those that change what is paid, and
 * those before the ones that reward what was paid.
 */
#include "service/internal.h"

#include <stddef.h>

/* Each feature's table lives in its own file. */
/* -- early access -- */
extern const struct svc_feature svc_feature_early_access;
/* -- coupons -- */
extern const struct svc_feature svc_feature_coupons;
/* -- punch cards -- */
extern const struct svc_feature svc_feature_stamps;
extern const struct svc_feature svc_feature_tier_progress;
/* -- rewards -- */
extern const struct svc_feature svc_feature_rewards;
/* -- stored value and membership -- */
extern const struct svc_feature svc_feature_stored_value;
/* -- referrals -- */
extern const struct svc_feature svc_feature_referrals;
/* -- currencies -- */
extern const struct svc_feature svc_feature_currency;

const struct svc_feature *const svc_features[] = {
    /* -- currencies -- (first: every other feature sees program-currency
     * amounts) */
    &svc_feature_currency,
    /* -- early access -- */
    &svc_feature_early_access,
    /* -- punch cards -- (before coupons: a voucher makes a unit free, and
     * coupons take their share of what is left to pay) */
    &svc_feature_stamps,
    &svc_feature_tier_progress,
    /* -- coupons -- */
    &svc_feature_coupons,
    /* -- rewards -- */
    &svc_feature_rewards,
    /* -- stored value and membership -- */
    &svc_feature_stored_value,
    /* -- referrals -- */
    &svc_feature_referrals,
    NULL,
};
const size_t svc_feature_count = sizeof(svc_features) / sizeof(svc_features[0]) - 1;
