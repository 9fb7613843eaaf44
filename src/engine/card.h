/*
 * card.h - loyalty card numbers that cannot be forged or enumerated.
 *
 * A card number has FDL_CARD_DIGITS (19) digits:
 *
 *     8  SSSSSSSSSS  MMMMMMM  L
 *     |  |           |        +-- Luhn check digit over the first 18 digits
 *     |  |           +----------- 7-digit MAC of prefix + serial, keyed by the
 *     |  |                        installation's secret and the program id
 *     |  +----------------------- 10-digit serial from libsodium's CSPRNG
 *     +-------------------------- fixed prefix
 *
 * The MAC is BLAKE2b (crypto_generichash, 16-byte output) keyed with the
 * 32-byte installation secret over "fidelis-card-v1" || program_id as 4
 * bytes big-endian || the 11 ASCII digits of prefix and serial; its first 8
 * bytes, read as a big-endian uint64, are reduced mod 10^7 and zero-padded.
 *
 * Without the secret nobody can make a number that passes fdl_card_check(),
 * so a till can reject forged and mistyped numbers without asking the
 * database. Everything here is pure: no I/O, no allocation. The caller must
 * have called sodium_init() once before any of these functions.
 * See docs/cards.md.
 */
#ifndef FDL_CARD_H
#define FDL_CARD_H

#include <stdint.h>

#include "base/error.h"
#include "base/limits.h"

#define FDL_CARD_KEY_BYTES     32
#define FDL_CARD_KEY_HEX_CHARS (2 * FDL_CARD_KEY_BYTES)
#define FDL_CARD_PREFIX        '8'
#define FDL_GIFT_CARD_PREFIX   '6' /* gift cards and reward certificates */
#define FDL_CARD_SERIAL_DIGITS 10
#define FDL_CARD_MAC_DIGITS    7
#define FDL_CARD_FORMATTED_MAX 24 /* 19 digits, 4 spaces, NUL */
#define FDL_CARD_INPUT_MAX     64 /* bytes accepted by fdl_card_check() */

/* The per-installation secret that keys every card number's MAC. */
struct fdl_card_key {
    unsigned char bytes[FDL_CARD_KEY_BYTES];
};

/*
 * fdl_card_key_generate() fills key with FDL_CARD_KEY_BYTES from the CSPRNG.
 * Done once, at `fidelis init`; the key is then stored and never changes,
 * because every card issued depends on it.
 */
void fdl_card_key_generate(struct fdl_card_key *key);

/*
 * fdl_card_key_to_hex() writes key as 64 lowercase hex characters and a NUL
 * into out, the form in which it is stored in the database's meta table.
 */
void fdl_card_key_to_hex(const struct fdl_card_key *key,
                         char out[FDL_CARD_KEY_HEX_CHARS + 1]);

/*
 * fdl_card_key_from_hex() decodes exactly 64 hex characters (either case,
 * nothing before or after) into key. Returns 0, or FDL_EINVALID if hex is
 * NULL, has the wrong length or a non-hex character; key is then untouched.
 */
int fdl_card_key_from_hex(const char *hex, struct fdl_card_key *key);

/*
 * fdl_card_generate() writes a new card number for program_id into out: 19
 * digits and a NUL. The serial is uniform over 10^10 values, so two calls
 * can (rarely) return the same number; the store's uniqueness constraint
 * catches that and the caller generates again.
 */
void fdl_card_generate(const struct fdl_card_key *key, uint32_t program_id,
                       char out[FDL_CARD_DIGITS + 1]);

/*
 * fdl_card_check() validates a card number typed or scanned at a till.
 *
 * Spaces and '-' are ignored wherever they appear (so "8123 4567-..." and
 * stray blanks around the number are fine); any other character is an
 * error. The checks run in this order, and the first that fails sets err's
 * message:
 *   - input longer than FDL_CARD_INPUT_MAX bytes ("too long");
 *   - a character other than a digit, space or '-' ("only digits");
 *   - not exactly 19 digits ("must have 19 digits"; NULL counts as empty);
 *   - first digit not '8';
 *   - "check digit does not match (typing error?)";
 *   - "not a card number issued by this program" (the MAC, compared in
 *     constant time, does not match this key and program_id).
 * On success writes the 19 bare digits and a NUL to normalized (which may be
 * NULL if the caller only wants the verdict) and returns 0. On failure
 * returns FDL_EBAD_CARD, fills err (may be NULL) with field as the offending
 * field (may be NULL) and leaves normalized untouched. key must not be NULL.
 * Never touches any database: a number that passes may still be unknown,
 * blocked or retired.
 */
int fdl_card_check(const struct fdl_card_key *key, uint32_t program_id, const char *input,
                   const char *field, char normalized[FDL_CARD_DIGITS + 1],
                   struct fdl_error *err);

/*
 * A family of numbers: its first digit and the context string the MAC is
 * keyed over. A number of one domain never passes the check of another
 * (different prefix, and a MAC over another context), so a gift card cannot
 * be used as a loyalty card or the other way round. The member domain is
 * the format above; the gift domain is the same with prefix '6' and context
 * "fidelis-gift-v1" (stored value: gift cards, reward certificates).
 */
struct fdl_card_domain {
    char prefix;
    const char *context;
};
extern const struct fdl_card_domain fdl_card_domain_member;
extern const struct fdl_card_domain fdl_card_domain_gift;

/* fdl_card_generate() and fdl_card_check() for the numbers of domain; the
 * plain functions are these with &fdl_card_domain_member. */
void fdl_card_generate_in(const struct fdl_card_domain *domain,
                          const struct fdl_card_key *key, uint32_t program_id,
                          char out[FDL_CARD_DIGITS + 1]);
int fdl_card_check_in(const struct fdl_card_domain *domain,
                      const struct fdl_card_key *key, uint32_t program_id,
                      const char *input, const char *field,
                      char normalized[FDL_CARD_DIGITS + 1], struct fdl_error *err);

/*
 * fdl_card_format() writes the 19-digit number digits (as fdl_card_check()
 * normalizes it) in groups of four separated by spaces, for receipts and
 * screens: "8123 4567 8901 2345 678". out must hold FDL_CARD_FORMATTED_MAX
 * bytes.
 */
void fdl_card_format(const char *digits, char out[FDL_CARD_FORMATTED_MAX]);

#endif
