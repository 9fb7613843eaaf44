/*
 * messages.h - what a member reads, in the member's language: the receipt
 * messages, plural rules, and numbers, money and dates written the local way.
 *
 * Languages are the program's (program.language): "en", "es", "ca", "ru".
 * Every message is written in every language and in every plural form that
 * language has. A message's arguments are fixed (enum fdl_message_id says
 * which), and every translation has exactly the English placeholders in the
 * English order: messages.c passes each entry to -Wformat at compile time
 * and test_messages compares the placeholders of every entry at run time.
 *
 * Plural forms are CLDR's for whole numbers: en, es and ca have one (1) and
 * other (0, 2, 5, ...); ru has one (1, 21, 101), few (2-4, 22-24, 102) and
 * many (0, 5-20, 25-30, 111); fractions take other, which in Russian is the
 * few form ("1,5 балла"). Negative counts take the form of their magnitude.
 * A message with a count is written once per form, and
 * fdl_message_format() picks the form from its first argument.
 *
 * Numbers, money and dates are written with plain ASCII spaces (no
 * non-breaking ones), so the text greps and prints the same everywhere:
 *   en  1,234  1,234.50  €1,234.50  CHF 2.00     8 March 2026
 *   es  1234   12.345    1234,50 €  2,00 CHF     8 de marzo de 2026
 *   ca  1.234  1.234,50  1.234,50 € 2,00 CHF     8 de març de 2026
 *   ru  1 234  1 234,50  1 234,50 € 2,00 CHF     8 марта 2026 г.
 * (Spanish groups thousands only from five digits, as the RAE advises.)
 *
 * Everything here is pure: no allocation, no locale, no global state.
 */
#ifndef FDL_MESSAGES_H
#define FDL_MESSAGES_H

#include <stddef.h>
#include <stdint.h>

enum fdl_lang { FDL_LANG_EN, FDL_LANG_ES, FDL_LANG_CA, FDL_LANG_RU, FDL_LANG_COUNT };

/*
 * The language of code ("en", "es", "ca", "ru"; case does not matter), or
 * -1 if code is NULL or another language.
 */
int fdl_lang_parse(const char *code);

/* The code of lang ("en", ...); lang must be a valid enum value. */
const char *fdl_lang_code(enum fdl_lang lang);

enum fdl_plural {
    FDL_PLURAL_ONE,
    FDL_PLURAL_FEW,   /* ru only */
    FDL_PLURAL_MANY,  /* ru only */
    FDL_PLURAL_OTHER, /* en, es, ca; and fractions in every language */
    FDL_PLURAL_COUNT
};

/*
 * The plural form a count of n takes in lang (an unknown lang counts as
 * English): en/es/ca ONE for 1 and -1, OTHER otherwise; ru ONE, FEW or MANY.
 */
enum fdl_plural fdl_plural_form(const char *lang, long long n);

/* The same for a language already parsed. */
enum fdl_plural fdl_plural_form_lang(enum fdl_lang lang, long long n);

/*
 * The receipt messages, with their English text and their arguments in
 * order. Every message's first argument is the count it is about, a long
 * long, which picks the plural form.
 */
enum fdl_message_id {
    FDL_MSG_EARNED,       /* "You earned %lld points."            (long long) */
    FDL_MSG_REDEEMED,     /* "You used %lld points: %s off."      (long long, money) */
    FDL_MSG_BALANCE,      /* "Balance: %lld points."              (long long) */
    FDL_MSG_BALANCE_OWED, /* "Balance: %lld points (owed after a refund)."   (ll) */
    FDL_MSG_PENDING,      /* "%lld of them can be spent after the return period." */
    FDL_MSG_EXPIRING,     /* "%lld points expire after %s."       (long long, date) */
    FDL_MSG_CLAWED_BACK,  /* "%lld points taken back for the returned items." */
    FDL_MSG_GIVEN_BACK,   /* "%lld points given back."            (long long) */
    /* -- early access -- */
    FDL_MSG_EARLY_ACCESS, /* "Early access (%lld days before the opening): %s."
                             (long long days, the launch's name) */
    /* -- coupons -- */
    FDL_MSG_COUPONS, /* "%lld coupons: %s off."             (long long, money) */
    /* -- punch cards -- */
    FDL_MSG_STAMPS_TO_GO,    /* "%lld more stamps to fill your %s."   (ll, card name) */
    FDL_MSG_STAMP_CARD_FULL, /* "%lld rewards waiting: your %s is full." (ll, name) */
    /* tier progress on the receipt (the tier status of a purchase) */
    FDL_MSG_TIER_WELCOME,        /* "Welcome to %s!"                  (level) */
    FDL_MSG_TIER_MISSING_POINTS, /* "%lld more points to %s."         (ll, level) */
    FDL_MSG_TIER_MISSING_VISITS, /* "%lld more visits to %s."         (ll, level) */
    FDL_MSG_TIER_MISSING_SPEND,  /* "You spent %s — %s more to %s."   (3 texts) */
    /* -- rewards -- */
    /* -- stored value and membership -- */
    FDL_MSG_MEMBERSHIP_CASHBACK, /* "%lld days left in your membership year;
                                    cashback so far: %s."  (days, money) */
    FDL_MSG_ADVISOR_BACK,        /* "Over the last %lld months a paid membership would
                                    have given you %s back."  (months, money) */
    FDL_MSG_ADVISOR_GAIN,        /* "%lld year of membership would have paid for
                                    itself, with %s to spare."  (years, money) */
    /* -- referrals -- */
    FDL_MSG_REFERRAL_QUALIFIED, /* "Your friend's referral bonus of %lld points is on
                                   its way: it arrives on %s."  (long long, date) */
    FDL_MSG_REFERRAL_ON_HOLD,   /* "Referral bonus of %lld points on hold: the
                                   purchase is under the minimum."  (long long) */
    FDL_MSG_COUNT_
};

/* What a message's arguments are. */
enum fdl_message_args {
    FDL_MSG_ARGS_COUNT,      /* (long long count) */
    FDL_MSG_ARGS_COUNT_TEXT, /* (long long count, const char *text) */
    FDL_MSG_ARGS_TEXT,       /* (const char *text): no count; every form the same */
    FDL_MSG_ARGS_TEXT3,      /* (const char *, const char *, const char *): likewise */
};

/* The arguments id takes. */
enum fdl_message_args fdl_message_args(enum fdl_message_id id);

/* id's name without the prefix ("EARNED", "BALANCE_OWED"), for logs and tests. */
const char *fdl_message_name(enum fdl_message_id id);

/*
 * The printf format of message id in lang, in its general plural form (the
 * English "points" form; Russian many). An unknown or NULL lang gives
 * English. Never NULL.
 */
const char *fdl_message(enum fdl_message_id id, const char *lang);

/* The format of message id in lang for a count of n (see fdl_plural_form). */
const char *fdl_message_plural(enum fdl_message_id id, const char *lang, long long n);

/*
 * Writes message id in lang (unknown or NULL: English) with the arguments
 * that follow, which must be those enum fdl_message_id lists for id; the
 * first (the count) picks the plural form (uncounted messages, TEXT and
 * TEXT3, take the general form). Like snprintf: writes at most cap
 * bytes including the NUL (nothing if cap is 0), returns the full text's
 * length, so a result >= cap means it was cut short.
 *
 * The arguments of a variadic call cannot be checked by the compiler; the
 * two wrappers below can, and assert that id takes what they pass.
 */
int fdl_message_format(char *out, size_t cap, enum fdl_message_id id, const char *lang,
                       ...);
int fdl_message_count(char *out, size_t cap, enum fdl_message_id id, const char *lang,
                      long long count);
int fdl_message_count_text(char *out, size_t cap, enum fdl_message_id id,
                           const char *lang, long long count, const char *text);
/* The same for the uncounted messages (FDL_MSG_ARGS_TEXT and _TEXT3). */
int fdl_message_text(char *out, size_t cap, enum fdl_message_id id, const char *lang,
                     const char *text);
int fdl_message_text3(char *out, size_t cap, enum fdl_message_id id, const char *lang,
                      const char *a, const char *b, const char *c);

/*
 * Locale formatting. Each writes at most cap bytes including the NUL
 * (nothing if cap is 0) and returns the full text's length, like snprintf.
 * An unknown or NULL lang writes English.
 */

/* n with the language's thousands separator: "1,234", "12.345", "1 234". */
size_t fdl_lang_format_number(char *out, size_t cap, const char *lang, long long n);

/*
 * value / 10^decimals (decimals 0..6) with the language's separators; with
 * keep_zeros 0 trailing zeros of the fraction are dropped ("0,5" for 500 and
 * 3), with 1 they stay ("0,50").
 */
size_t fdl_lang_format_decimal(char *out, size_t cap, const char *lang, int64_t value,
                               int decimals, int keep_zeros);

/*
 * minor units of currency (an ISO 4217 code) with minor_per_unit minor units
 * to the unit (1, 10, 100 or 1000), with all its decimals and its symbol
 * where it has a well-known one (EUR USD GBP JPY RUB), else its code:
 * en "€1.00", "-$5.00", "CHF 2.00"; es/ca/ru "1,00 €", "2,00 CHF".
 */
size_t fdl_lang_format_money(char *out, size_t cap, const char *lang, int64_t minor,
                             const char *currency, int minor_per_unit);

/* How much of a date fdl_lang_format_date() writes. */
enum fdl_date_parts {
    FDL_DATE_FULL, /* "8 March 2026", "8 de marzo de 2026", "8 марта 2026 г." */
    FDL_DATE_DAY_MONTH, /* "8 March", "8 de marzo", "8 марта" */
    FDL_DATE_DAY,       /* "8" */
};

/*
 * The civil date of day number days (days since 1970-01-01, as
 * base/clock.h counts) in words. Catalan elides "de" before a vowel
 * ("1 d'abril"); Russian months are in the genitive ("8 марта").
 */
size_t fdl_lang_format_date(char *out, size_t cap, const char *lang, int64_t days,
                            enum fdl_date_parts parts);

#endif
