/*
 * service.h - one function per use case: enrol, identify, purchase, refund,
 * adjust, cards, balance, history, expiry, audit.
 *
 * A service function runs inside a store transaction its caller opened (the
 * writer's savepoint for writes, a read transaction for reads), loads state,
 * asks the ledger and engine what to do, and applies it. It never commits:
 * on error the caller rolls back, so a failed call changes nothing. Results
 * are plain structs; encoding them is the caller's business.
 */
#ifndef FDL_SERVICE_H
#define FDL_SERVICE_H

#include "base/tz.h"
#include "engine/card.h"
#include "engine/coupons.h"
#include "engine/program.h"
#include "engine/program_file.h"
#include "engine/rules.h"
#include "store/store.h"

#include <pthread.h>

#define FDL_MAX_PROGRAMS         64
#define FDL_MAX_MESSAGES         10
#define FDL_MESSAGE_MAX          200
#define FDL_MAX_CARDS_LISTED     20
#define FDL_MAX_EXPIRING_SHOWN   5
#define FDL_EXPIRING_WINDOW_DAYS 90
#define FDL_EXPIRE_BATCH_MEMBERS 200

#define FDL_MAX_PROGRAM_VERSIONS   64
#define FDL_MAX_PROGRAM_FILE_BYTES (256 * 1024)
#define FDL_MAX_AWARDS_SHOWN       64

/* One applied version of a program file, compiled. */
struct fdl_version_state {
    int64_t version;
    int64_t effective_from_s;
    int64_t created_at_s;
    struct fdl_program_def *def;
    struct fdl_tz *tz;
    int retired; /* loaded from a transaction that did not commit; ignored */
};

/*
 * A loaded program: its base settings and time zone, and the versions of
 * its program file applied so far (oldest first). A purchase earns under
 * the version in force at its time; before the first version, under the
 * base settings (a flat rate). Versions are only ever appended, so pointers
 * to them stay valid while the service lives.
 */
struct fdl_program_state {
    struct fdl_program program;
    struct fdl_tz *tz;
    int version_count; /* guarded by fdl_service.lock */
    struct fdl_version_state versions[FDL_MAX_PROGRAM_VERSIONS];
};

/* Shared, read-mostly service context: the installation's card secret and programs. */
#define FDL_MAX_STORE_ZONES 64 /* distinct store time zones kept loaded */

struct fdl_service {
    struct fdl_card_key card_key;
    pthread_mutex_t lock; /* guards programs[] while loading, and zones[] */
    int program_count;
    struct fdl_program_state programs[FDL_MAX_PROGRAMS];
    /* -- stores, staff and the audit log -- stores' time zones, by name */
    int zone_count;
    struct {
        char name[FDL_MAX_TIME_ZONE_LEN + 1];
        struct fdl_tz *tz;
    } zones[FDL_MAX_STORE_ZONES];
};

/* Who is calling: the program the key belongs to and the key's scopes. */
struct fdl_actor {
    int64_t program_id;
    unsigned scopes;
    char name[FDL_MAX_ID_LEN + 1]; /* "key:<id>", "staff:<login>" or "cli" — recorded
                                      on ledger entries and in the audit log */
    /* -- stores, staff and the audit log -- */
    unsigned role;                  /* a staff session's FDL_ROLE_*; 0 for keys */
    int64_t staff_id;               /* 0 for keys */
    char store[FDL_MAX_ID_LEN + 1]; /* a cashier's or manager's store; else "" */
    char client_ip[FDL_MAX_CLIENT_IP_LEN + 1]; /* where the request came from */
    /* -- coalitions -- */
    char partner[FDL_PARTNER_ID_MAX + 1]; /* the partner the key or staff account acts
                                             for; "" the program's operator */
};

/*
 * Initialises svc from the store: the card secret (meta "card_key", created
 * on first use when create_key is set) and every program. Call once per
 * process before any other service function.
 */
int fdl_service_init(struct fdl_service *svc, struct fdl_store *st, int create_key,
                     struct fdl_error *err);
void fdl_service_release(struct fdl_service *svc);

/* Copies the ids of the loaded programs into ids (at most max); returns the count. */
int fdl_service_program_ids(struct fdl_service *svc, int64_t *ids, int max);

/* Copies the program's versions in force or to come (not retired), oldest
 * first, into out (at most max); returns the count. The defs stay valid
 * while the service lives. */
int fdl_service_versions(struct fdl_service *svc, const struct fdl_program_state *ps,
                         struct fdl_version_state *out, int max);

/* The loaded program with this id, or NULL. */
const struct fdl_program_state *fdl_service_program(struct fdl_service *svc, int64_t id);

/*
 * The caller's program: from memory, or loaded from the store the first
 * time it is asked for (a program created by another process since this
 * one started). FDL_ENOT_FOUND if it does not exist.
 */
int fdl_svc_program(struct fdl_service *svc, struct fdl_store *st,
                    const struct fdl_actor *a, const struct fdl_program_state **out,
                    struct fdl_error *err);

/*
 * Checks a program file: parses and compiles it. On failure err says what,
 * where ("line L, column C") and which key. Touches nothing.
 */
int fdl_svc_program_check(const char *text, size_t len, struct fdl_error *err);

/*
 * Applies a program file to the caller's program as a new version that
 * takes effect at effective_from_s (purchases from then on earn under it;
 * earlier ones keep what they earned). Needs the admin scope. Inside a
 * write transaction. *version is the new version's number.
 */
int fdl_svc_program_apply(struct fdl_service *svc, struct fdl_store *st,
                          const struct fdl_actor *a, const char *text, size_t len,
                          int64_t effective_from_s, int64_t now_s, int64_t *version,
                          struct fdl_error *err);

/* The version in force at t_s (NULL before the first one). Call after
 * fdl_svc_program, which brings the versions up to date with the store. */
const struct fdl_version_state *fdl_program_version_at(struct fdl_service *svc,
                                                       const struct fdl_program_state *ps,
                                                       int64_t t_s);

/*
 * Creates or replaces program p in the store and in svc (loading its time
 * zone, which must exist). Inside a write transaction.
 */
int fdl_service_put_program(struct fdl_service *svc, struct fdl_store *st,
                            const struct fdl_program *p, struct fdl_error *err);

struct fdl_balance {
    int64_t total, available, pending;
    int expiring_count;
    struct {
        int64_t expires_at_s;
        int64_t points;
    } expiring[FDL_MAX_EXPIRING_SHOWN]; /* next expiries within the window, soonest first
                                         */
};

/* ---- members and cards ---- */

struct fdl_enrol_request {
    const char *name, *email, *phone, *home_store;
    int has_birthday;
    int64_t birthday_days;
    int marketing_consent;
    /* -- early access -- */
    /* -- coupons -- */
    /* -- punch cards -- */
    /* -- rewards -- */
    /* -- stored value and membership -- */
    /* -- referrals -- */
    const char *referral_code; /* NULL: none; else the referrer's code */
};

/*
 * Enrols a member and issues their first card. Normalises the e-mail
 * (trimmed, lower case, must look like a@b.c) and the phone ("+" and digits,
 * 6 to 15 digits; spaces, dots, dashes and brackets dropped). A taken e-mail
 * or phone is FDL_EDUPLICATE naming the field.
 */
int fdl_svc_enrol(struct fdl_service *svc, struct fdl_store *st,
                  const struct fdl_actor *a, const struct fdl_enrol_request *req,
                  struct fdl_member *member, struct fdl_card *card,
                  struct fdl_error *err);

/* Looks a member up by card number (checked cryptographically first; a
 * blocked card is FDL_ECARD_BLOCKED), phone or e-mail. */
int fdl_svc_member_by_card(struct fdl_service *svc, struct fdl_store *st,
                           const struct fdl_actor *a, const char *card_number,
                           struct fdl_member *out, struct fdl_error *err);
int fdl_svc_member_by_contact(struct fdl_service *svc, struct fdl_store *st,
                              const struct fdl_actor *a, enum fdl_member_lookup by,
                              const char *value, struct fdl_member *out,
                              struct fdl_error *err);
int fdl_svc_member_get(struct fdl_service *svc, struct fdl_store *st,
                       const struct fdl_actor *a, int64_t member_id,
                       struct fdl_member *out, struct fdl_error *err);

/* Name search: prefix, case- and accent-insensitive, every word must match.
 * Members with id > after_id, by id, at most limit. */
int fdl_svc_member_search(struct fdl_service *svc, struct fdl_store *st,
                          const struct fdl_actor *a, const char *query, int64_t after_id,
                          int limit, struct fdl_member *out, int *count,
                          struct fdl_error *err);

/* Issues another card to a member. */
int fdl_svc_card_issue(struct fdl_service *svc, struct fdl_store *st,
                       const struct fdl_actor *a, int64_t member_id,
                       struct fdl_card *card, struct fdl_error *err);

/*
 * Blocks a card (lost, stolen). With replace set, issues a new card to the
 * same member and records it on the old one; the balance belongs to the
 * member, so it moves with them. Blocking a blocked card is FDL_ECARD_BLOCKED.
 */
int fdl_svc_card_block(struct fdl_service *svc, struct fdl_store *st,
                       const struct fdl_actor *a, const char *number, const char *reason,
                       int replace, struct fdl_card *blocked,
                       struct fdl_card *replacement, struct fdl_error *err);

/* A card by number (checked cryptographically first). */
int fdl_svc_card_get(struct fdl_service *svc, struct fdl_store *st,
                     const struct fdl_actor *a, const char *number, struct fdl_card *out,
                     struct fdl_error *err);

int fdl_svc_cards_of(struct fdl_service *svc, struct fdl_store *st,
                     const struct fdl_actor *a, int64_t member_id, struct fdl_card *out,
                     int *count, struct fdl_error *err);

/* ---- segments ---- */

/*
 * A member's segments: named groups ("students", "staff") that earn rules
 * can target (`segments:` in a rule, member.segments in conditions).
 * Setting replaces the whole list (needs the admin scope); names are 1 to
 * FDL_SEGMENT_MAX bytes of a-z, 0-9, '-', '_' and '.', at most
 * FDL_MAX_MEMBER_SEGMENTS, without repeats (FDL_EINVALID / FDL_ERANGE
 * naming "segments"). Getting returns them sorted.
 */
int fdl_svc_segments_get(struct fdl_service *svc, struct fdl_store *st,
                         const struct fdl_actor *a, int64_t member_id,
                         char (*out)[FDL_SEGMENT_MAX + 1], int *count,
                         struct fdl_error *err);
int fdl_svc_segments_set(struct fdl_service *svc, struct fdl_store *st,
                         const struct fdl_actor *a, int64_t member_id,
                         const char *const *segments, int n, struct fdl_error *err);

/* ---- points ---- */

/* The member's balance and next expiries at now_s. */
int fdl_svc_balance(struct fdl_service *svc, struct fdl_store *st,
                    const struct fdl_actor *a, int64_t member_id, int64_t now_s,
                    struct fdl_balance *out, struct fdl_error *err);

/* Ledger history, newest first, entries before before_entry_id (0: newest). */
int fdl_svc_history(struct fdl_service *svc, struct fdl_store *st,
                    const struct fdl_actor *a, int64_t member_id, int64_t before_entry_id,
                    int limit, struct fdl_history_row *out, int *count,
                    struct fdl_error *err);

struct fdl_line_request {
    const char *sku, *category;
    int64_t quantity, unit_price_minor;
    const char *labels[FDL_MAX_LINE_LABELS];
    size_t label_count;
};

struct fdl_purchase_request {
    int64_t member_id;       /* or 0 and card_number */
    const char *card_number; /* NULL if member_id given */
    const char *txn_id, *store_code, *channel, *currency;
    int64_t occurred_at_s;
    int64_t redeem_points; /* 0: no redemption */
    /* -- early access -- */
    /* -- coupons -- */
    const char *coupons[FDL_MAX_COUPONS_PER_PURCHASE]; /* codes as typed */
    size_t coupon_count;
    /* -- punch cards -- */
    void *stamp_rewards_json; /* the HTTP layer's array (json_t *) while decoding */
    size_t stamp_reward_count;
    int64_t stamp_rewards[FDL_MAX_STAMP_REWARDS_PER_PURCHASE]; /* voucher ids to use */
    /* -- rewards -- */
    /* -- stored value and membership -- */
    /* -- referrals -- */
    size_t line_count;
    const struct fdl_line_request *lines;
};

/* A member's tier after a purchase, when the program has tiers. */
struct fdl_tier_status {
    int enabled;
    char name[FDL_TIER_NAME_MAX + 1];
    int upgraded;                     /* this purchase moved the member up */
    char next[FDL_TIER_NAME_MAX + 1]; /* "" at the top */
    int64_t missing;                  /* spend (minor), points or visits to next */
    enum fdl_tier_basis basis;
    int64_t review_at_s; /* when the tier is next reviewed */
};

struct fdl_purchase_result {
    struct fdl_purchase purchase;
    struct fdl_tier_status tier;
    struct fdl_purchase_line *lines; /* malloc'd, purchase.line_count; free() */
    int award_count;                 /* which rule gave which points */
    struct fdl_points_row awards[FDL_MAX_AWARDS_SHOWN];
    struct fdl_balance balance;
    int message_count;
    char messages[FDL_MAX_MESSAGES][FDL_MESSAGE_MAX];
    /* -- early access -- */
    /* -- coupons -- */
    int coupon_count; /* the coupons this purchase used (service/coupons.h) */
    struct fdl_coupon_applied coupons[FDL_MAX_COUPONS_PER_PURCHASE];
    /* -- punch cards -- */
    int stamp_card_count; /* cards this purchase stamped */
    struct fdl_stamp_card_result stamps[FDL_MAX_STAMP_CARDS];
    int stamp_redeemed_count; /* vouchers it used */
    struct fdl_stamp_redeemed stamp_redeemed[FDL_MAX_STAMP_REWARDS_PER_PURCHASE];
    const struct fdl_tier_benefits *tier_benefits; /* the member's level's, or NULL */
    /* -- rewards -- */
    /* -- stored value and membership -- */
    struct fdl_membership_purchase {
        int active; /* the member's paid membership covered this purchase */
        char name[FDL_MEMBERSHIP_NAME_MAX + 1];
        int64_t cashback_minor, accrued_minor, cap_left_minor, ends_at_s;
    } membership;
    struct fdl_membership_advisor {
        int shown; /* a non-member for whom the membership would have paid */
        char name[FDL_MEMBERSHIP_NAME_MAX + 1];
        int64_t spend_minor, cashback_minor, fee_minor, difference_minor;
    } advisor;
    /* -- referrals -- */
    int referral_qualified; /* this purchase qualified the member's referral */
    int64_t referral_due_at_s, referral_referee_points, referral_referrer_points;
    /* -- currencies -- */
    struct fdl_purchase_conversion conversion; /* currency "" unless converted */
};

/*
 * Records a purchase: identifies the member, redeems points if asked (at
 * most what the basket can absorb; more than available is
 * FDL_EINSUFFICIENT_POINTS), computes the points the paid amount earns (the
 * till never says how many), allocates them and the redemption to lines,
 * and writes lots and entries. The txn_id is unique per program. The
 * points come from the program file version in force at the purchase's
 * time (its earn rules, with each award recorded), or the base rate when
 * no version is.
 */
int fdl_svc_purchase(struct fdl_service *svc, struct fdl_store *st,
                     const struct fdl_actor *a, const struct fdl_purchase_request *req,
                     int64_t now_s, struct fdl_purchase_result *res,
                     struct fdl_error *err);

/* Reads a recorded purchase (lines malloc'd in res->lines). */
int fdl_svc_purchase_get(struct fdl_service *svc, struct fdl_store *st,
                         const struct fdl_actor *a, const char *txn_id, int64_t now_s,
                         struct fdl_purchase_result *res, struct fdl_error *err);

void fdl_purchase_result_release(struct fdl_purchase_result *res);

struct fdl_refund_line {
    int64_t line_no, quantity;
};

struct fdl_refund_request {
    const char *txn_id, *refund_id;
    size_t line_count; /* 0: refund everything not yet refunded */
    const struct fdl_refund_line *lines;
};

struct fdl_refund_result {
    struct fdl_refund refund;
    struct fdl_balance balance;
    int message_count;
    char messages[FDL_MAX_MESSAGES][FDL_MESSAGE_MAX];
    /* -- early access -- */
    /* -- coupons -- */
    /* -- punch cards -- */
    int stamp_card_count; /* cards whose stamps this refund took back */
    struct fdl_stamp_card_result stamps[FDL_MAX_STAMP_CARDS];
    /* -- rewards -- */
    /* -- stored value and membership -- */
    int64_t cashback_reversed_minor; /* membership cashback taken back */
    /* -- referrals -- */
    /* -- currencies -- */
    struct fdl_purchase_conversion conversion; /* the purchase's; currency "" if none */
    int64_t original_amount_minor;             /* this refund in the till's currency */
};

/*
 * Refunds lines of a purchase (or all that remains). Each line's earned
 * points come back in proportion to the quantity refunded, cumulatively, so
 * refunding every unit claws back exactly what was earned; redeemed points
 * return the same way. More than was bought is FDL_EREFUND_EXCEEDS. Clawed
 * points the member already spent become a visible negative balance.
 */
int fdl_svc_refund(struct fdl_service *svc, struct fdl_store *st,
                   const struct fdl_actor *a, const struct fdl_refund_request *req,
                   int64_t now_s, struct fdl_refund_result *res, struct fdl_error *err);

/* Manual adjustment by staff (needs admin scope); points != 0. A debit
 * larger than the balance is FDL_EINSUFFICIENT_POINTS. */
int fdl_svc_adjust(struct fdl_service *svc, struct fdl_store *st,
                   const struct fdl_actor *a, int64_t member_id, int64_t points,
                   const char *reason, int64_t now_s, int64_t *entry_id,
                   struct fdl_balance *balance, struct fdl_error *err);

/*
 * Expires due lots of up to FDL_EXPIRE_BATCH_MEMBERS members of program_id
 * at now_s, and reviews the tiers that are due (downgrades at the end of a
 * qualification window and its grace). *members and *points say how much
 * was done; call again until *members is 0. Each expiry is posted exactly
 * once; each review moves the member's next review forward.
 */
int fdl_svc_expire_batch(struct fdl_service *svc, struct fdl_store *st,
                         int64_t program_id, int64_t now_s, int64_t *members,
                         int64_t *points, struct fdl_error *err);

#endif
