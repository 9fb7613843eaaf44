/*
 * coupons.h - coupon use cases: making single-use codes, checking a code at
 * the till, redeeming codes on purchases (the feature's hooks), and the
 * throttle on failed guesses.
 *
 * Redemption runs in the purchase's `check` hook (service/internal.h): every
 * code is validated (it exists, its campaign is in force at the purchase
 * time, window, tiers, min_basket, the member's and the campaign's limits,
 * stacking) and the discount is set per line; the `apply` hook records a
 * use per code (a single-use code has at most one live use, so of two
 * purchases racing for one code exactly one succeeds: the other gets
 * FDL_ECONFLICT and changes nothing). A fully refunded purchase returns its
 * uses: a single-use code can be used again and generic uses stop counting
 * toward limits.
 *
 * Throttling: failed guesses (codes that are malformed, fail their check
 * characters or are unknown) are counted in memory per API key and per
 * member, in fixed windows of FDL_COUPON_FAILURE_WINDOW_S; past
 * FDL_COUPON_MAX_FAILURES in a window every coupon request of that key or
 * member gets FDL_ETOO_MANY_ATTEMPTS (HTTP 429) without the code being
 * looked at. The counts live in this process (a failed request is rolled
 * back, so the database cannot keep them) and are lost on restart; several
 * processes each count their own.
 */
#ifndef FDL_SERVICE_COUPONS_H
#define FDL_SERVICE_COUPONS_H

#include "service/service.h"

#define FDL_COUPON_MAX_FAILURES      10   /* failed guesses allowed per window */
#define FDL_COUPON_FAILURE_WINDOW_S  600  /* the window, in seconds */
#define FDL_COUPON_THROTTLE_SLOTS    1024 /* keys and members tracked at once */
#define FDL_COUPON_GENERATE_ATTEMPTS 4    /* tries when a new code's hash clashes */

/*
 * Makes count (1..FDL_MAX_COUPON_BATCH) single-use codes of the caller's
 * campaign (one with single_use: true in the program file version in force
 * at now_s), bound to member_id (0: usable by any member), stores only
 * their hashes, and writes them formatted ("XXXX-XXXX-XXXX-XXXX") into
 * codes[0..count). Needs the admin scope. An unknown campaign is
 * FDL_ENOT_FOUND naming "campaign"; one with a generic code FDL_EINVALID;
 * an unknown member FDL_ENOT_FOUND naming "member_id". Inside a write
 * transaction.
 */
int fdl_svc_coupon_codes_create(struct fdl_service *svc, struct fdl_store *st,
                                const struct fdl_actor *a, const char *campaign,
                                int64_t count, int64_t member_id, int64_t now_s,
                                char (*codes)[FDL_COUPON_FORMATTED_MAX],
                                struct fdl_error *err);

/*
 * Issues one single-use code of campaign bound to member_id (for rewards
 * and cashback certificates) and writes it, formatted, into code (cap
 * bytes, at least FDL_COUPON_FORMATTED_MAX). Errors as
 * fdl_svc_coupon_codes_create, except that the admin scope is not needed
 * (the caller is a use case that decided to give the coupon) and member_id
 * is required. Inside the caller's write transaction.
 */
int svc_coupon_issue(struct fdl_service *svc, struct fdl_store *st,
                     const struct fdl_actor *a, const char *campaign, int64_t member_id,
                     int64_t now_s, char *code, size_t cap, struct fdl_error *err);

/* What a till learns from checking a code. */
struct fdl_coupon_check {
    int valid;                          /* usable on this purchase now */
    char reason[FDL_ERROR_MESSAGE_MAX]; /* why not, when !valid */
    struct fdl_coupon_applied coupon;   /* masked code, campaign */
    char name[FDL_COUPON_NAME_MAX + 1]; /* the campaign's name, or "" */
    enum fdl_coupon_effect effect;
    int has_discount;       /* the discount is known from the total alone */
    int64_t discount_minor; /* what it would take off a basket of total_minor */
};

/*
 * Tells whether code may be used by member_id on a basket of total_minor
 * at now_s, and what it would give, without using it (a read). A code that
 * is malformed, fails its check or is unknown is FDL_ENOT_FOUND naming
 * "code" (and counts as a failed guess); a throttled key or member is
 * FDL_ETOO_MANY_ATTEMPTS. A known code that may not be used now is a
 * success with out->valid 0 and the reason.
 */
int fdl_svc_coupon_check(struct fdl_service *svc, struct fdl_store *st,
                         const struct fdl_actor *a, const char *code, int64_t member_id,
                         int64_t total_minor, int64_t now_s, struct fdl_coupon_check *out,
                         struct fdl_error *err);

/*
 * The throttle: 0 if the key (a->name within its program) and member
 * (0: none) may try codes at now_s; else FDL_ETOO_MANY_ATTEMPTS with err set
 * and *retry_after_s (may be NULL) the seconds until the window ends.
 */
int fdl_coupon_throttle_check(const struct fdl_actor *a, int64_t member_id, int64_t now_s,
                              int64_t *retry_after_s, struct fdl_error *err);

/* Counts one failed guess against the key and the member (0: none). */
void fdl_coupon_throttle_fail(const struct fdl_actor *a, int64_t member_id,
                              int64_t now_s);

#endif
