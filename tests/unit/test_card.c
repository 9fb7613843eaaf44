/*
 * test_card.c - card numbers: format, forgery resistance, till input.
 *
 * Known answers were computed independently with Python's hashlib.blake2b,
 * so a change to the MAC construction (which would invalidate every card
 * ever issued) fails here.
 */
#include "engine/card.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define SAMPLE_CARDS 200

static const char msg_prefix[] = "card number must start with 8";
static const char msg_luhn[] = "check digit does not match (typing error?)";
static const char msg_not_issued[] = "not a card number issued by this program";

static struct fdl_card_key test_key(void)
{
    struct fdl_card_key key;
    for (int i = 0; i < FDL_CARD_KEY_BYTES; i++)
        key.bytes[i] = (unsigned char)i;
    return key;
}

/* Checks input for program_id; returns the error message, "" if it passed. */
static const char *check_message(const struct fdl_card_key *key, uint32_t program_id,
                                 const char *input)
{
    static struct fdl_error err;
    fdl_error_clear(&err);
    int rc = fdl_card_check(key, program_id, input, "card", NULL, &err);
    if (rc == 0)
        return "";
    if (rc != FDL_EBAD_CARD || err.code != FDL_EBAD_CARD ||
        strcmp(err.field, "card") != 0)
        return "(wrong error code or field)";
    return err.message;
}

static int passes(const struct fdl_card_key *key, uint32_t program_id, const char *input)
{
    return fdl_card_check(key, program_id, input, "card", NULL, NULL) == 0;
}

static char luhn_digit(const char *payload, size_t n)
{
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned digit = (unsigned)(payload[n - 1 - i] - '0');
        if (i % 2 == 0)
            digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
        sum += digit;
    }
    return (char)('0' + (10 - sum % 10) % 10);
}

static int compare_numbers(const void *a, const void *b)
{
    return memcmp(a, b, FDL_CARD_DIGITS + 1);
}

static void test_generated_number_has_the_documented_shape(void)
{
    struct fdl_card_key key = test_key();
    char number[FDL_CARD_DIGITS + 1], normalized[FDL_CARD_DIGITS + 1];
    fdl_card_generate(&key, 7, number);
    CHECK_INT(strlen(number), FDL_CARD_DIGITS);
    CHECK(number[0] == '8');
    CHECK(strspn(number, "0123456789") == FDL_CARD_DIGITS);
    CHECK(luhn_digit(number, 18) == number[18]);
    CHECK_INT(fdl_card_check(&key, 7, number, "card", normalized, NULL), 0);
    CHECK_STR(normalized, number);
}

static void test_known_answers_pin_the_mac_construction(void)
{
    struct fdl_card_key key = test_key(), zero_key;
    memset(&zero_key, 0, sizeof(zero_key));
    CHECK_STR(check_message(&key, 42, "8123456789078272233"), "");
    CHECK_STR(check_message(&key, 1, "8000000000049624713"), "");
    CHECK_STR(check_message(&zero_key, 0xdeadbeef, "8999999999913466166"), "");
    CHECK_STR(check_message(&key, 43, "8123456789078272233"), msg_not_issued);
}

/*
 * Serials are uniform over 10^10, so 10,000 of them share a value with
 * probability ~0.5% (birthday bound): that is why the store keeps card
 * numbers unique and the issuer retries. Two or more duplicates would mean
 * a broken generator (chance ~1e-5 otherwise), which is what this pins.
 */
static void test_ten_thousand_numbers_are_distinct_and_valid(void)
{
    enum { count = 10000 };
    static char numbers[count][FDL_CARD_DIGITS + 1];
    struct fdl_card_key key;
    fdl_card_key_generate(&key);
    for (int i = 0; i < count; i++) {
        fdl_card_generate(&key, 3, numbers[i]);
        CHECK_STR(check_message(&key, 3, numbers[i]), "");
    }
    qsort(numbers, count, sizeof(numbers[0]), compare_numbers);
    int duplicates = 0;
    for (int i = 1; i < count; i++)
        duplicates += strcmp(numbers[i - 1], numbers[i]) == 0;
    CHECK(duplicates <= 1);
}

static void test_every_single_digit_change_fails(void)
{
    struct fdl_card_key key = test_key();
    for (int n = 0; n < SAMPLE_CARDS; n++) {
        char number[FDL_CARD_DIGITS + 1];
        fdl_card_generate(&key, 9, number);
        for (int i = 0; i < FDL_CARD_DIGITS; i++) {
            for (char digit = '0'; digit <= '9'; digit++) {
                if (digit == number[i])
                    continue;
                char typo[FDL_CARD_DIGITS + 1];
                memcpy(typo, number, sizeof(typo));
                typo[i] = digit;
                CHECK_STR(check_message(&key, 9, typo), i == 0 ? msg_prefix : msg_luhn);
            }
        }
    }
}

static void test_every_adjacent_transposition_fails(void)
{
    struct fdl_card_key key = test_key();
    for (int n = 0; n < SAMPLE_CARDS; n++) {
        char number[FDL_CARD_DIGITS + 1];
        fdl_card_generate(&key, 9, number);
        for (int i = 0; i + 1 < FDL_CARD_DIGITS; i++) {
            if (number[i] == number[i + 1])
                continue;
            char swapped[FDL_CARD_DIGITS + 1];
            memcpy(swapped, number, sizeof(swapped));
            swapped[i] = number[i + 1];
            swapped[i + 1] = number[i];
            const char *message = check_message(&key, 9, swapped);
            CHECK(strcmp(message, "") != 0);
            /* Luhn misses exactly 09 <-> 90; the MAC catches those. */
            int luhn_blind = (number[i] - '0') + (number[i + 1] - '0') == 9 &&
                             (number[i] == '0' || number[i] == '9');
            if (i > 0 && !luhn_blind)
                CHECK_STR(message, msg_luhn);
        }
    }
}

static void test_transposition_luhn_misses_is_caught_by_the_mac(void)
{
    struct fdl_card_key key = test_key();
    /* "...789 0 78..." -> "...780 9 78...": same Luhn sum, different MAC input. */
    CHECK_STR(check_message(&key, 42, "8123456780978272233"), msg_not_issued);
}

static void test_number_of_one_program_fails_for_another(void)
{
    struct fdl_card_key key = test_key(), other_key;
    fdl_card_key_generate(&other_key);
    for (int n = 0; n < SAMPLE_CARDS; n++) {
        char number[FDL_CARD_DIGITS + 1];
        fdl_card_generate(&key, 1, number);
        CHECK_STR(check_message(&key, 1, number), "");
        CHECK_STR(check_message(&key, 2, number), msg_not_issued);
        CHECK_STR(check_message(&other_key, 1, number), msg_not_issued);
    }
}

/* Forgers who know the format but not the key get through 1 time in 10^7. */
static void test_luhn_valid_guesses_are_not_issued(void)
{
    struct fdl_card_key key;
    fdl_card_key_generate(&key);
    int accepted = 0;
    for (int n = 0; n < 1000; n++) {
        char guess[FDL_CARD_DIGITS + 1];
        guess[0] = '8';
        for (int i = 1; i < 18; i++)
            guess[i] = (char)('0' + randombytes_uniform(10));
        guess[18] = luhn_digit(guess, 18);
        guess[19] = '\0';
        const char *message = check_message(&key, 5, guess);
        if (strcmp(message, "") == 0)
            accepted++;
        else
            CHECK_STR(message, msg_not_issued);
    }
    CHECK(accepted <= 1);
}

static void test_spaces_and_dashes_are_stripped(void)
{
    struct fdl_card_key key = test_key();
    const char *inputs[] = {
        "8123 4567 8907 8272 233",    "8123-4567-8907-8272-233",
        "  8123456789078272233 ",     "8-1-2-3 4567890782722-33",
        "8123 - 4567 - 8907 8272233",
    };
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        char normalized[FDL_CARD_DIGITS + 1] = "";
        CHECK_INT(fdl_card_check(&key, 42, inputs[i], "card", normalized, NULL), 0);
        CHECK_STR(normalized, "8123456789078272233");
    }
}

static void test_malformed_input_names_the_failed_check(void)
{
    struct fdl_card_key key = test_key();
    CHECK(strstr(check_message(&key, 42, "8123456789O78272233"), "only digits"));
    CHECK(strstr(check_message(&key, 42, "8123.4567.8907.8272.233"), "only digits"));
    CHECK(strstr(check_message(&key, 42, "8123456789078272233\n"), "only digits"));
    CHECK(strstr(check_message(&key, 42, "\t8123456789078272233"), "only digits"));
    CHECK(strstr(check_message(&key, 42, "812345678907827223"), "must have 19 digits"));
    CHECK(strstr(check_message(&key, 42, "81234567890782722330"), "must have 19 digits"));
    CHECK(strstr(check_message(&key, 42, ""), "must have 19 digits, not 0"));
    CHECK(strstr(check_message(&key, 42, " - "), "must have 19 digits, not 0"));
    CHECK(strstr(check_message(&key, 42, NULL), "must have 19 digits, not 0"));
    /* Luhn-valid, 19 digits, wrong prefix. */
    char wrong_prefix[FDL_CARD_DIGITS + 1] = "712345678907827223";
    wrong_prefix[18] = luhn_digit(wrong_prefix, 18);
    wrong_prefix[19] = '\0';
    CHECK_STR(check_message(&key, 42, wrong_prefix), msg_prefix);
}

static void test_input_limit_is_64_bytes(void)
{
    struct fdl_card_key key = test_key();
    char input[FDL_CARD_INPUT_MAX + 2];
    memset(input, ' ', sizeof(input));
    memcpy(input, "8123456789078272233", FDL_CARD_DIGITS);
    input[FDL_CARD_INPUT_MAX] = '\0';
    CHECK_STR(check_message(&key, 42, input), "");
    input[FDL_CARD_INPUT_MAX] = ' ';
    input[FDL_CARD_INPUT_MAX + 1] = '\0';
    CHECK(strstr(check_message(&key, 42, input), "too long"));
}

static void test_failure_leaves_normalized_untouched(void)
{
    struct fdl_card_key key = test_key();
    char normalized[FDL_CARD_DIGITS + 1];
    memset(normalized, 'x', sizeof(normalized));
    CHECK_INT(fdl_card_check(&key, 43, "8123456789078272233", NULL, normalized, NULL),
              FDL_EBAD_CARD);
    for (size_t i = 0; i < sizeof(normalized); i++)
        CHECK(normalized[i] == 'x');
}

static void test_error_struct_is_filled_and_optional(void)
{
    struct fdl_card_key key = test_key();
    struct fdl_error err;
    CHECK_INT(fdl_card_check(&key, 42, "1234", "member.card", NULL, &err), FDL_EBAD_CARD);
    CHECK_INT(err.code, FDL_EBAD_CARD);
    CHECK_STR(err.field, "member.card");
    CHECK_INT(fdl_card_check(&key, 42, "1234", NULL, NULL, &err), FDL_EBAD_CARD);
    CHECK_STR(err.field, "");
    CHECK_INT(fdl_card_check(&key, 42, "1234", NULL, NULL, NULL), FDL_EBAD_CARD);
    CHECK(passes(&key, 42, "8123456789078272233"));
}

static void test_key_hex_round_trips(void)
{
    struct fdl_card_key key, decoded;
    char hex[FDL_CARD_KEY_HEX_CHARS + 1];
    fdl_card_key_generate(&key);
    fdl_card_key_to_hex(&key, hex);
    CHECK_INT(strlen(hex), 64);
    CHECK(strspn(hex, "0123456789abcdef") == 64);
    CHECK_INT(fdl_card_key_from_hex(hex, &decoded), 0);
    CHECK(memcmp(key.bytes, decoded.bytes, FDL_CARD_KEY_BYTES) == 0);

    struct fdl_card_key fixed = test_key();
    fdl_card_key_to_hex(&fixed, hex);
    CHECK_STR(hex, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    CHECK_INT(fdl_card_key_from_hex("000102030405060708090A0B0C0D0E0F"
                                    "101112131415161718191A1B1C1D1E1F",
                                    &decoded),
              0);
    CHECK(memcmp(fixed.bytes, decoded.bytes, FDL_CARD_KEY_BYTES) == 0);
}

static void test_bad_key_hex_is_rejected(void)
{
    const char *bad[] = {
        NULL,
        "",
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1",   /* 63 */
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0", /* 65 */
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g",
        "000102030405060708090a0b0c0d0e0f 101112131415161718191a1b1c1d1e1",
        " 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1",
        "0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct fdl_card_key key;
        memset(&key, 0xaa, sizeof(key));
        CHECK_INT(fdl_card_key_from_hex(bad[i], &key), FDL_EINVALID);
        for (int j = 0; j < FDL_CARD_KEY_BYTES; j++)
            CHECK(key.bytes[j] == 0xaa);
    }
}

static void test_format_groups_digits_by_four(void)
{
    char out[FDL_CARD_FORMATTED_MAX];
    fdl_card_format("8123456789012345678", out);
    CHECK_STR(out, "8123 4567 8901 2345 678");
    CHECK_INT(strlen(out) + 1, FDL_CARD_FORMATTED_MAX);

    struct fdl_card_key key = test_key();
    char number[FDL_CARD_DIGITS + 1], normalized[FDL_CARD_DIGITS + 1];
    fdl_card_generate(&key, 11, number);
    fdl_card_format(number, out);
    CHECK_INT(fdl_card_check(&key, 11, out, NULL, normalized, NULL), 0);
    CHECK_STR(normalized, number);
}

int main(void)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "sodium_init failed\n");
        return 1;
    }
    RUN(test_generated_number_has_the_documented_shape);
    RUN(test_known_answers_pin_the_mac_construction);
    RUN(test_ten_thousand_numbers_are_distinct_and_valid);
    RUN(test_every_single_digit_change_fails);
    RUN(test_every_adjacent_transposition_fails);
    RUN(test_transposition_luhn_misses_is_caught_by_the_mac);
    RUN(test_number_of_one_program_fails_for_another);
    RUN(test_luhn_valid_guesses_are_not_issued);
    RUN(test_spaces_and_dashes_are_stripped);
    RUN(test_malformed_input_names_the_failed_check);
    RUN(test_input_limit_is_64_bytes);
    RUN(test_failure_leaves_normalized_untouched);
    RUN(test_error_struct_is_filled_and_optional);
    RUN(test_key_hex_round_trips);
    RUN(test_bad_key_hex_is_rejected);
    RUN(test_format_groups_digits_by_four);
    return check_done();
}
