/*
 * card.c - generating and checking card numbers (the format is in card.h).
 *
 * Invariant: every number fdl_card_generate() writes passes fdl_card_check()
 * with the same key and program id. Only the MAC depends on the secret, so
 * only the MAC comparison needs to run in constant time; hash states, digests
 * and decoded keys are wiped from the stack after use.
 */
#include "engine/card.h"

#include <assert.h>
#include <sodium.h>
#include <string.h>

#define CARD_BODY_DIGITS    (1 + FDL_CARD_SERIAL_DIGITS)             /* 11 */
#define CARD_PAYLOAD_DIGITS (CARD_BODY_DIGITS + FDL_CARD_MAC_DIGITS) /* 18 */
#define CARD_HASH_BYTES     16
#define CARD_MAC_MODULUS    10000000u /* 10^FDL_CARD_MAC_DIGITS */
#define CARD_SERIAL_HALF    100000u   /* the serial is drawn as two 5-digit halves */

_Static_assert(CARD_PAYLOAD_DIGITS + 1 == FDL_CARD_DIGITS, "prefix+serial+MAC+Luhn");
_Static_assert(FDL_CARD_FORMATTED_MAX == FDL_CARD_DIGITS + 4 + 1, "4 spaces and NUL");

const struct fdl_card_domain fdl_card_domain_member = {FDL_CARD_PREFIX,
                                                       "fidelis-card-v1"};
const struct fdl_card_domain fdl_card_domain_gift = {FDL_GIFT_CARD_PREFIX,
                                                     "fidelis-gift-v1"};

/*
 * Writes the 7 MAC digits of body (prefix and serial, 11 ASCII digits) for
 * program_id in domain into mac, without a NUL.
 */
static void card_mac(const struct fdl_card_domain *domain, const struct fdl_card_key *key,
                     uint32_t program_id, const char *body, char mac[FDL_CARD_MAC_DIGITS])
{
    const char *card_mac_context = domain->context;
    const unsigned char program_be[4] = {
        (unsigned char)(program_id >> 24), (unsigned char)(program_id >> 16),
        (unsigned char)(program_id >> 8), (unsigned char)program_id};
    unsigned char hash[CARD_HASH_BYTES];
    crypto_generichash_state state;

    int rc =
        crypto_generichash_init(&state, key->bytes, sizeof(key->bytes), sizeof(hash));
    assert(rc == 0);
    crypto_generichash_update(&state, (const unsigned char *)card_mac_context,
                              strlen(card_mac_context));
    crypto_generichash_update(&state, program_be, sizeof(program_be));
    crypto_generichash_update(&state, (const unsigned char *)body, CARD_BODY_DIGITS);
    rc = crypto_generichash_final(&state, hash, sizeof(hash));
    assert(rc == 0);
    (void)rc;

    uint64_t value = 0;
    for (int i = 0; i < 8; i++)
        value = value << 8 | hash[i];
    value %= CARD_MAC_MODULUS;
    for (int i = FDL_CARD_MAC_DIGITS - 1; i >= 0; i--) {
        mac[i] = (char)('0' + value % 10);
        value /= 10;
    }
    sodium_memzero(&state, sizeof(state));
    sodium_memzero(hash, sizeof(hash));
}

/* The Luhn check digit that makes payload (n ASCII digits) plus it valid. */
static char card_luhn_digit(const char *payload, size_t n)
{
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned digit = (unsigned)(payload[n - 1 - i] - '0');
        assert(digit <= 9);
        if (i % 2 == 0) {
            digit *= 2;
            if (digit > 9)
                digit -= 9;
        }
        sum += digit;
    }
    return (char)('0' + (10 - sum % 10) % 10);
}

/* Writes value as exactly width zero-padded ASCII digits, without a NUL. */
static void card_put_digits(char *out, unsigned width, uint32_t value)
{
    for (unsigned i = width; i > 0; i--) {
        out[i - 1] = (char)('0' + value % 10);
        value /= 10;
    }
    assert(value == 0);
}

void fdl_card_key_generate(struct fdl_card_key *key)
{
    assert(key);
    randombytes_buf(key->bytes, sizeof(key->bytes));
}

void fdl_card_key_to_hex(const struct fdl_card_key *key,
                         char out[FDL_CARD_KEY_HEX_CHARS + 1])
{
    assert(key && out);
    sodium_bin2hex(out, FDL_CARD_KEY_HEX_CHARS + 1, key->bytes, sizeof(key->bytes));
}

int fdl_card_key_from_hex(const char *hex, struct fdl_card_key *key)
{
    assert(key);
    if (!hex || strnlen(hex, FDL_CARD_KEY_HEX_CHARS + 1) != FDL_CARD_KEY_HEX_CHARS)
        return FDL_EINVALID;

    struct fdl_card_key decoded;
    size_t decoded_len = 0;
    int rc = sodium_hex2bin(decoded.bytes, sizeof(decoded.bytes), hex,
                            FDL_CARD_KEY_HEX_CHARS, NULL, &decoded_len, NULL);
    if (rc == 0 && decoded_len == sizeof(decoded.bytes))
        *key = decoded;
    sodium_memzero(&decoded, sizeof(decoded));
    return rc == 0 && decoded_len == sizeof(decoded.bytes) ? 0 : FDL_EINVALID;
}

void fdl_card_generate(const struct fdl_card_key *key, uint32_t program_id,
                       char out[FDL_CARD_DIGITS + 1])
{
    fdl_card_generate_in(&fdl_card_domain_member, key, program_id, out);
}

void fdl_card_generate_in(const struct fdl_card_domain *domain,
                          const struct fdl_card_key *key, uint32_t program_id,
                          char out[FDL_CARD_DIGITS + 1])
{
    assert(domain && key && out);
    char number[FDL_CARD_DIGITS + 1];

    /* randombytes_uniform() is unbiased; two halves give 10^10 serials. */
    number[0] = domain->prefix;
    card_put_digits(number + 1, 5, randombytes_uniform(CARD_SERIAL_HALF));
    card_put_digits(number + 6, 5, randombytes_uniform(CARD_SERIAL_HALF));
    card_mac(domain, key, program_id, number, number + CARD_BODY_DIGITS);
    number[CARD_PAYLOAD_DIGITS] = card_luhn_digit(number, CARD_PAYLOAD_DIGITS);
    number[FDL_CARD_DIGITS] = '\0';
    memcpy(out, number, sizeof(number));
}

/*
 * Copies the digits of input into digits (NUL-terminated), skipping spaces
 * and dashes. Fails on an over-long input, a foreign character or a digit
 * count other than FDL_CARD_DIGITS.
 */
static int card_strip(const char *input, const char *field,
                      char digits[FDL_CARD_DIGITS + 1], struct fdl_error *err)
{
    if (!input)
        input = "";
    if (strnlen(input, FDL_CARD_INPUT_MAX + 1) > FDL_CARD_INPUT_MAX)
        return fdl_error_set(err, FDL_EBAD_CARD, field,
                             "card number is too long (more than %d characters)",
                             FDL_CARD_INPUT_MAX);

    size_t count = 0;
    for (const char *p = input; *p; p++) {
        if (*p == ' ' || *p == '-')
            continue;
        if (*p < '0' || *p > '9')
            return fdl_error_set(err, FDL_EBAD_CARD, field,
                                 "card number may contain only digits, spaces and '-'");
        if (count < FDL_CARD_DIGITS)
            digits[count] = *p;
        count++;
    }
    if (count != FDL_CARD_DIGITS)
        return fdl_error_set(err, FDL_EBAD_CARD, field,
                             "card number must have %d digits, not %zu", FDL_CARD_DIGITS,
                             count);
    digits[count] = '\0';
    return 0;
}

int fdl_card_check(const struct fdl_card_key *key, uint32_t program_id, const char *input,
                   const char *field, char normalized[FDL_CARD_DIGITS + 1],
                   struct fdl_error *err)
{
    return fdl_card_check_in(&fdl_card_domain_member, key, program_id, input, field,
                             normalized, err);
}

int fdl_card_check_in(const struct fdl_card_domain *domain,
                      const struct fdl_card_key *key, uint32_t program_id,
                      const char *input, const char *field,
                      char normalized[FDL_CARD_DIGITS + 1], struct fdl_error *err)
{
    assert(domain && key);
    char digits[FDL_CARD_DIGITS + 1];
    int rc = card_strip(input, field, digits, err);
    if (rc != 0)
        return rc;

    if (digits[0] != domain->prefix)
        return fdl_error_set(err, FDL_EBAD_CARD, field, "card number must start with %c",
                             domain->prefix);
    if (card_luhn_digit(digits, CARD_PAYLOAD_DIGITS) != digits[CARD_PAYLOAD_DIGITS])
        return fdl_error_set(err, FDL_EBAD_CARD, field,
                             "check digit does not match (typing error?)");

    char mac[FDL_CARD_MAC_DIGITS];
    card_mac(domain, key, program_id, digits, mac);
    if (sodium_memcmp(mac, digits + CARD_BODY_DIGITS, FDL_CARD_MAC_DIGITS) != 0)
        return fdl_error_set(err, FDL_EBAD_CARD, field,
                             "not a card number issued by this program");

    if (normalized)
        memcpy(normalized, digits, sizeof(digits));
    return 0;
}

void fdl_card_format(const char *digits, char out[FDL_CARD_FORMATTED_MAX])
{
    assert(digits && out);
    assert(strnlen(digits, FDL_CARD_DIGITS + 1) == FDL_CARD_DIGITS);
    size_t len = 0;
    for (size_t i = 0; i < FDL_CARD_DIGITS; i++) {
        if (i > 0 && i % 4 == 0)
            out[len++] = ' ';
        out[len++] = digits[i];
    }
    assert(len == FDL_CARD_FORMATTED_MAX - 1);
    out[len] = '\0';
}
