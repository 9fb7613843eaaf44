/*
 * stored_value.h - the arithmetic of stored value (gift cards, reward
 * certificates) and of the paid membership with cashback: pure functions
 * over integers in minor units of the program's currency. No storage, no
 * clock: the service gives amounts and times in and stores what comes out.
 *
 * Invariants: no result is ever negative, and a cashback is never more than
 * the cap left; reversing a purchase's cashback cumulatively never returns
 * more than the purchase gave.
 */
#ifndef FDL_STORED_VALUE_H
#define FDL_STORED_VALUE_H

#include "base/error.h"
#include "engine/program.h"
#include "engine/rules.h"

#include <stddef.h>
#include <stdint.h>

/* A card never holds more (10,000.00 in a two-decimal currency). */
#define FDL_GIFT_CARD_MAX_BALANCE_MINOR 1000000
/* One sale or top-up at most (5,000.00). */
#define FDL_GIFT_CARD_MAX_LOAD_MINOR 500000
#define FDL_GIFT_CARD_HISTORY_MAX    50       /* entries shown with a card */
#define FDL_MEMBERSHIP_MAX_FEE_MINOR 10000000 /* a membership year's fee at most */
/* A year's cashback is paid on one card, so the cap is a card's maximum. */
#define FDL_MEMBERSHIP_MAX_CAP_MINOR   FDL_GIFT_CARD_MAX_BALANCE_MINOR
#define FDL_MEMBERSHIP_MAX_BP          10000           /* cashback at most 100 % */
#define FDL_MEMBERSHIP_YEAR_S          (365 * 86400LL) /* one membership period */
#define FDL_MEMBERSHIP_ADVICE_WINDOW_S (365 * 86400LL) /* history the advisor reads */
#define FDL_MEMBERSHIP_TEXT_MAX        512 /* bytes of the explained membership */

/* What a stored-value card is. */
enum fdl_sv_kind {
    FDL_SV_KIND_GIFT_CARD = 1,   /* sold for money at the till */
    FDL_SV_KIND_CERTIFICATE = 2, /* a reward certificate: a membership's cashback */
};

/*
 * The stored-value ledger: the same double-entry shape as the points ledger
 * (ledger/ledger.h), in minor units of the program's currency and kept in
 * tables of its own, so points and money are never summed together. Each
 * entry has two postings that sum to zero; positive on a card or cashback
 * account means money owed to its holder.
 */
enum fdl_sv_account {
    FDL_SV_ACCOUNT_CARD = 1,       /* one card's balance (posting names the card) */
    FDL_SV_ACCOUNT_SOLD,           /* money received for cards sold and loaded */
    FDL_SV_ACCOUNT_SPENT,          /* card money spent at the till */
    FDL_SV_ACCOUNT_CASHBACK,       /* a member's accrued cashback (names the member) */
    FDL_SV_ACCOUNT_CASHBACK_GIVEN, /* the program's cost of cashback */
};

enum fdl_sv_entry_kind {
    FDL_SV_SELL = 1,    /* a card sold: card +, sold - */
    FDL_SV_LOAD,        /* a top-up: card +, sold - */
    FDL_SV_REDEEM,      /* spent at the till: card -, spent + */
    FDL_SV_REFUND,      /* a till refund back onto the card: card +, spent - */
    FDL_SV_ACCRUE,      /* cashback on a purchase: cashback +, given - */
    FDL_SV_REVERSE,     /* cashback of refunded goods: cashback -, given + */
    FDL_SV_CERTIFICATE, /* a year's cashback paid as a certificate: cashback -, card + */
};

struct fdl_sv_posting {
    enum fdl_sv_account account;
    int64_t card_id;   /* for FDL_SV_ACCOUNT_CARD, else 0 */
    int64_t member_id; /* for FDL_SV_ACCOUNT_CASHBACK, else 0 */
    int64_t amount;    /* signed minor units */
};

#define FDL_SV_ENTRY_POSTINGS 2

struct fdl_sv_entry {
    enum fdl_sv_entry_kind kind;
    int64_t amount_minor; /* > 0 */
    struct fdl_sv_posting postings[FDL_SV_ENTRY_POSTINGS];
};

/*
 * Builds the entry of kind moving amount_minor (> 0, at most
 * FDL_GIFT_CARD_MAX_BALANCE_MINOR) between card_id and/or member_id's
 * cashback and the program account the kind implies. Returns 0, or
 * FDL_EINVALID for a zero, negative or too large amount or a missing card
 * or member. The postings always sum to zero.
 */
int fdl_sv_entry_build(struct fdl_sv_entry *e, enum fdl_sv_entry_kind kind,
                       int64_t card_id, int64_t member_id, int64_t amount_minor);

/* Names as shown in histories and the API ("sell", "redeem", ...; "card", ...). */
const char *fdl_sv_entry_kind_name(enum fdl_sv_entry_kind kind);
const char *fdl_sv_account_name(enum fdl_sv_account account);

/* How much the card's balance changes with e (0 if e does not touch a card). */
int64_t fdl_sv_entry_card_delta(const struct fdl_sv_entry *e);

/* "gift_card" / "certificate". */
const char *fdl_sv_kind_name(enum fdl_sv_kind kind);

/*
 * The cashback on paid_minor (>= 0) at bp hundredths of a percent, rounded
 * by rounding (the program's setting, as for points), then capped at
 * cap_left_minor (>= 0). Exact integer arithmetic: paid_minor * bp never
 * overflows for amounts within the basket limits (checked by assert).
 */
int64_t fdl_cashback(int64_t paid_minor, int64_t bp, enum fdl_rounding rounding,
                     int64_t cap_left_minor);

/*
 * How much of a purchase's cashback to take back now: the purchase gave
 * cashback_minor on total_minor; refunds so far (this one included) come to
 * refunded_minor; already_minor was taken back before. Cumulatively
 * floor(cashback * refunded / total), so refunding everything takes back
 * exactly everything. Never negative.
 */
int64_t fdl_cashback_reversal(int64_t cashback_minor, int64_t total_minor,
                              int64_t refunded_minor, int64_t already_minor);

/* What the advisor says about a year of spending. */
struct fdl_membership_advice {
    int64_t spend_minor;    /* paid in the window, net of refunds */
    int64_t cashback_minor; /* what the membership would have paid back (capped) */
    int64_t fee_minor;
    int64_t difference_minor; /* cashback - fee; negative when it would not pay */
    int pays_for_itself;      /* difference > 0 */
};

/* The advice for spend_minor (>= 0; negative counts as 0) under m. */
void fdl_membership_advise(const struct fdl_membership_def *m, enum fdl_rounding rounding,
                           int64_t spend_minor, struct fdl_membership_advice *out);

/*
 * The membership in plain words in lang ("en", "es", "ca", "ru"; others read
 * as en), money formatted for prog: one Markdown section, "" when the
 * program has no membership. Writes at most cap bytes (NUL included).
 */
void fdl_membership_explain(const struct fdl_membership_def *m,
                            const struct fdl_program *prog, const char *lang, char *out,
                            size_t cap);

#endif
