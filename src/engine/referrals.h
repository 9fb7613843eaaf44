/*
 * referrals.h - member-get-member referrals: the program file's settings,
 * referral codes, the return-window arithmetic, the farming keys of
 * contacts and the plain-language text (docs/program.md, "referrals").
 *
 * A referral code names a member of a program without a lookup and
 * cannot be made up. It has FDL_REFERRAL_CODE_SYMBOLS (12) symbols of
 * Crockford's base 32 (0-9 A-Z without I L O U), shown in three groups of
 * four, "7KQ2-M9XD-4TPH":
 *
 *     EEEEEEEE  MMM  C
 *     |         |    +-- check symbol over the first 11 (typing errors)
 *     |         +------- 15-bit MAC of program id and E, keyed by the
 *     |                  installation's card secret (engine/card.h)
 *     +----------------- the member id (< 2^40), encrypted: a 4-round
 *                        Feistel permutation of 40 bits whose round
 *                        function is the same keyed BLAKE2b
 *
 * Every keyed hash is libsodium's crypto_generichash (BLAKE2b) with the
 * installation's 32-byte card secret, as card numbers use it, under its own
 * context string, so a code's MAC never equals a card's. Encryption hides
 * how many members a program has and makes neighbouring codes unrelated;
 * the MAC makes an invented code fail (1 in 32,768 random codes pass it,
 * and then must still decode to a member of the program); the check
 * symbol catches any one mistyped symbol and most swaps of neighbours and
 * says "typing error?". Input is forgiving: case, spaces and dashes do not
 * matter, and O reads as 0, I and L as 1.
 *
 * Pure: no I/O, no clock, no allocation. sodium_init() must have run.
 */
#ifndef FDL_REFERRALS_H
#define FDL_REFERRALS_H

#include "base/error.h"
#include "base/limits.h"
#include "engine/card.h"
#include "engine/program.h"

#include <stddef.h>
#include <stdint.h>

#define FDL_REFERRAL_CODE_SYMBOLS 12 /* without dashes */
#define FDL_REFERRAL_CODE_TEXT_MAX                                                       \
    (FDL_REFERRAL_CODE_SYMBOLS + 2 + 1)  /* "XXXX-XXXX-XXXX" and NUL */
#define FDL_REFERRAL_CODE_INPUT_MAX   40 /* bytes fdl_referral_code_check() reads */
#define FDL_REFERRAL_MAX_MEMBER_ID    ((INT64_C(1) << 40) - 1) /* ids a code can carry */
#define FDL_REFERRAL_MAX_POINTS       1000000   /* referrer_points, referee_points */
#define FDL_REFERRAL_MAX_MIN_SPEND    100000000 /* minor units: 1,000,000.00 */
#define FDL_REFERRAL_MAX_RETURN_DAYS  365
#define FDL_REFERRAL_MAX_PER_YEAR     1000 /* max_per_referrer */
#define FDL_REFERRAL_MAX_PENDING      100  /* max_pending */
#define FDL_REFERRAL_MAX_LAPSE_DAYS   3650 /* lapse_days */
#define FDL_REFERRAL_PHONE_KEY_DIGITS 9    /* trailing digits that identify a phone */
#define FDL_REFERRAL_NOTE_MAX         120  /* bytes of a referral's note */
#define FDL_REFERRAL_EXPLAIN_MAX      600  /* bytes of the explanation's text */

/* The `referrals:` section of a program file; enabled 0 when absent. */
struct fdl_referral_def {
    int enabled;
    int64_t referrer_points; /* to the member who referred (>= 0) */
    int64_t referee_points;  /* to the new member (>= 0); not both 0 */
    int64_t min_spend_minor; /* the first qualifying purchase's paid amount */
    int return_days;         /* days after that purchase before the bonus */
    int max_per_referrer;    /* rewarded (or open) referrals per local year */
    int max_pending;         /* referrals awaiting a purchase per referrer */
    int lapse_days;          /* a referral with no kept qualifying purchase this many days
                                after enrolment becomes void; 0: never */
};

enum fdl_referral_status {
    FDL_REFERRAL_PENDING = 1,  /* the new member has not made a qualifying purchase */
    FDL_REFERRAL_WAITING = 2,  /* qualified; waiting for the return window */
    FDL_REFERRAL_REWARDED = 3, /* both bonuses posted */
    FDL_REFERRAL_VOID = 4,     /* lapsed: no qualifying purchase in time; never paid */
};

/* A referral as stored: one per referred member (the referee). */
struct fdl_referral {
    int64_t program_id;
    int64_t referee_id;
    int64_t referrer_id;
    enum fdl_referral_status status;
    int64_t created_at_s;
    int64_t lapse_at_s; /* when a pending referral becomes void; 0: never */
    char email_key[FDL_MAX_EMAIL_LEN + 1]; /* fdl_referral_email_key of the referee */
    char phone_key[FDL_MAX_PHONE_LEN + 1]; /* fdl_referral_phone_key of the referee */
    int64_t purchase_id;                   /* the qualifying purchase; 0 while pending */
    char txn_id[FDL_MAX_ID_LEN + 1];
    int64_t qualified_at_s;  /* that purchase's time */
    int64_t due_at_s;        /* when the bonuses are paid (end of the window) */
    int64_t min_spend_minor; /* the threshold the purchase met, kept for refunds */
    int64_t referrer_points; /* promised at qualification; what was paid after */
    int64_t referee_points;
    int64_t rewarded_at_s;
    char note[FDL_REFERRAL_NOTE_MAX + 1]; /* why void, or why the referrer got 0 */
};

/* "pending", "waiting", "rewarded", "void" (the API's names). */
const char *fdl_referral_status_name(enum fdl_referral_status status);

/*
 * Writes the referral code of member_id (1..FDL_REFERRAL_MAX_MEMBER_ID) in
 * program_id as "XXXX-XXXX-XXXX" and a NUL into out. Deterministic: the
 * same member always has the same code, so nothing needs storing.
 */
void fdl_referral_code_make(const struct fdl_card_key *key, uint32_t program_id,
                            int64_t member_id, char out[FDL_REFERRAL_CODE_TEXT_MAX]);

/*
 * Reads a referral code typed by a person. Case, spaces and '-' are
 * ignored; O reads as 0, I and L as 1. The first failed check sets err
 * (field names the offending field, may be NULL) and returns
 * FDL_EBAD_REFERRAL_CODE:
 *   - longer than FDL_REFERRAL_CODE_INPUT_MAX bytes ("too long");
 *   - a character outside the alphabet ("letters and digits only");
 *   - not 12 symbols;
 *   - "check symbol does not match (typing error?)";
 *   - "not a referral code of this program" (the MAC, compared in constant
 *     time, or an id out of range).
 * On success stores the member id the code carries (not yet known to
 * exist) in *member_id. NULL input counts as empty.
 */
int fdl_referral_code_check(const struct fdl_card_key *key, uint32_t program_id,
                            const char *input, const char *field, int64_t *member_id,
                            struct fdl_error *err);

/*
 * The local day the bonuses are paid for a qualifying purchase made on
 * local day purchase_day: the return window covers that day and the
 * return_days days after it, and the bonus comes at the start of the next.
 */
int64_t fdl_referral_due_day(int64_t purchase_day, int return_days);

/*
 * The local day on which a referral made on local day enrol_day lapses
 * (the referee has lapse_days full days after the day of enrolment), or 0
 * when lapse_days is 0 (never).
 */
int64_t fdl_referral_lapse_day(int64_t enrol_day, int lapse_days);

/* 1 if a purchase of paid_minor (net of point discounts and refunds)
 * meets def's minimum spend. */
int fdl_referral_qualifies(const struct fdl_referral_def *def, int64_t paid_minor);

/*
 * The farming key of a normalised e-mail (lower case): the local part
 * without a "+tag", and for gmail.com / googlemail.com without dots and
 * with the domain gmail.com, so one mailbox's aliases share a key. "" in
 * gives "". out holds FDL_MAX_EMAIL_LEN + 1 bytes.
 */
void fdl_referral_email_key(const char *email, char out[FDL_MAX_EMAIL_LEN + 1]);

/*
 * The farming key of a normalised phone ("+" and digits): its last
 * FDL_REFERRAL_PHONE_KEY_DIGITS digits, so "+34 600 111 222" and
 * "600111222" share a key. "" in gives "".
 */
void fdl_referral_phone_key(const char *phone, char out[FDL_MAX_PHONE_LEN + 1]);

/*
 * The one-line explanation of def for members of program p, in lang (en,
 * es, ca, ru; others give English), without a bullet: "Bring a friend: you
 * get 500 points and they get 250 after their first purchase of €20.00 or
 * more." Like snprintf: writes at most cap bytes with the NUL and returns
 * the full length.
 */
size_t fdl_referrals_explain(const struct fdl_referral_def *def,
                             const struct fdl_program *p, const char *lang, char *out,
                             size_t cap);

/* The heading of the explanation's section in lang ("Bring a friend"). */
const char *fdl_referrals_heading(const char *lang);

#endif
