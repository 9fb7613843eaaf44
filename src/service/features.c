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
/* -- coupons -- */
/* -- punch cards -- */
extern const struct svc_feature svc_feature_stamps;
extern const struct svc_feature svc_feature_tier_progress;
/* -- rewards -- */
/* -- stored value and membership -- */
/* -- referrals -- */

const struct svc_feature *const svc_features[] = {
    /* -- early access -- */
    /* -- coupons -- */
    /* -- punch cards -- */
    &svc_feature_stamps,
    &svc_feature_tier_progress,
    /* -- rewards -- */
    /* -- stored value and membership -- */
    /* -- referrals -- */
    NULL,
};
const size_t svc_feature_count = sizeof(svc_features) / sizeof(svc_features[0]) - 1;
