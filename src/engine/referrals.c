/*
 * referrals.c - referral codes, the return window, contact keys and the
 * explanation (the format and contracts are in referrals.h).
 *
 * Invariant: for every member id in 1..FDL_REFERRAL_MAX_MEMBER_ID, the code
 * fdl_referral_code_make() writes passes fdl_referral_code_check() with the
 * same key and program and gives that id back. The keyed hashes are the
 * card numbers' (BLAKE2b keyed by the installation's card secret) under
 * their own context strings; hash states and digests are wiped after use.
 */
#include "engine/referrals.h"

#include "engine/messages.h"

#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define CODE_BLOCK_SYMBOLS 8 /* the encrypted id: 40 bits */
#define CODE_MAC_SYMBOLS   3 /* 15 bits */
#define CODE_BODY_SYMBOLS  (CODE_BLOCK_SYMBOLS + CODE_MAC_SYMBOLS)
#define CODE_HALF_BITS     20 /* a Feistel half */
#define CODE_HALF_MASK     ((UINT32_C(1) << CODE_HALF_BITS) - 1)
#define CODE_ROUNDS        4
#define CODE_MAC_BITS      15
#define CODE_HASH_BYTES    16
#define CODE_GROUP         4 /* symbols between dashes */

_Static_assert(CODE_BODY_SYMBOLS + 1 == FDL_REFERRAL_CODE_SYMBOLS, "block+MAC+check");
_Static_assert(CODE_BLOCK_SYMBOLS * 5 == 2 * CODE_HALF_BITS, "the block is two halves");
_Static_assert(CODE_MAC_SYMBOLS * 5 == CODE_MAC_BITS, "the MAC fills its symbols");

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; /* Crockford */
static const char round_context[] = "fidelis-referral-v1-round";
static const char mac_context[] = "fidelis-referral-v1-mac";

/* The first 8 bytes of BLAKE2b keyed with key over context, program_id (4
 * bytes big-endian) and data[0..n), as a big-endian integer. */
static uint64_t keyed_hash(const struct fdl_card_key *key, const char *context,
                           uint32_t program_id, const unsigned char *data, size_t n)
{
    const unsigned char program_be[4] = {
        (unsigned char)(program_id >> 24), (unsigned char)(program_id >> 16),
        (unsigned char)(program_id >> 8), (unsigned char)program_id};
    unsigned char hash[CODE_HASH_BYTES];
    crypto_generichash_state state;
    int rc =
        crypto_generichash_init(&state, key->bytes, sizeof(key->bytes), sizeof(hash));
    assert(rc == 0);
    crypto_generichash_update(&state, (const unsigned char *)context, strlen(context));
    crypto_generichash_update(&state, program_be, sizeof(program_be));
    crypto_generichash_update(&state, data, n);
    rc = crypto_generichash_final(&state, hash, sizeof(hash));
    assert(rc == 0);
    (void)rc;
    uint64_t value = 0;
    for (int i = 0; i < 8; i++)
        value = value << 8 | hash[i];
    sodium_memzero(&state, sizeof(state));
    sodium_memzero(hash, sizeof(hash));
    return value;
}

/* The Feistel round function: 20 bits of the keyed hash of (round, half). */
static uint32_t round_value(const struct fdl_card_key *key, uint32_t program_id,
                            int round, uint32_t half)
{
    const unsigned char data[4] = {(unsigned char)round, (unsigned char)(half >> 16),
                                   (unsigned char)(half >> 8), (unsigned char)half};
    return (uint32_t)(keyed_hash(key, round_context, program_id, data, sizeof(data)) &
                      CODE_HALF_MASK);
}

/* The 40-bit permutation of member ids and its inverse. */
static uint64_t block_encrypt(const struct fdl_card_key *key, uint32_t program_id,
                              uint64_t id)
{
    uint32_t left = (uint32_t)(id >> CODE_HALF_BITS) & CODE_HALF_MASK;
    uint32_t right = (uint32_t)id & CODE_HALF_MASK;
    for (int r = 0; r < CODE_ROUNDS; r++) {
        uint32_t next = left ^ round_value(key, program_id, r, right);
        left = right;
        right = next;
    }
    return (uint64_t)left << CODE_HALF_BITS | right;
}

static uint64_t block_decrypt(const struct fdl_card_key *key, uint32_t program_id,
                              uint64_t block)
{
    uint32_t left = (uint32_t)(block >> CODE_HALF_BITS) & CODE_HALF_MASK;
    uint32_t right = (uint32_t)block & CODE_HALF_MASK;
    for (int r = CODE_ROUNDS - 1; r >= 0; r--) {
        uint32_t prev = right ^ round_value(key, program_id, r, left);
        right = left;
        left = prev;
    }
    return (uint64_t)left << CODE_HALF_BITS | right;
}

/* The MAC of the encrypted block, CODE_MAC_BITS wide. */
static uint32_t block_mac(const struct fdl_card_key *key, uint32_t program_id,
                          uint64_t block)
{
    unsigned char data[5];
    for (int i = 0; i < 5; i++)
        data[i] = (unsigned char)(block >> (8 * (4 - i)));
    return (uint32_t)(keyed_hash(key, mac_context, program_id, data, sizeof(data)) &
                      ((UINT32_C(1) << CODE_MAC_BITS) - 1));
}

/* The check symbol's value over values[0..CODE_BODY_SYMBOLS): odd weights,
 * so any one changed symbol changes it. */
static unsigned check_value(const unsigned char *values)
{
    unsigned sum = 0;
    for (unsigned i = 0; i < CODE_BODY_SYMBOLS; i++)
        sum += (2 * i + 1) * values[i];
    return sum % 32;
}

/* The symbol value of c after folding case and look-alikes, or -1. */
static int symbol_value(char c)
{
    if (c >= 'a' && c <= 'z')
        c = (char)(c - 'a' + 'A');
    if (c == 'O')
        c = '0';
    else if (c == 'I' || c == 'L')
        c = '1';
    const char *at = c ? strchr(alphabet, c) : NULL;
    return at ? (int)(at - alphabet) : -1;
}

const char *fdl_referral_status_name(enum fdl_referral_status status)
{
    switch (status) {
    case FDL_REFERRAL_PENDING:
        return "pending";
    case FDL_REFERRAL_WAITING:
        return "waiting";
    case FDL_REFERRAL_REWARDED:
        return "rewarded";
    case FDL_REFERRAL_VOID:
        return "void";
    }
    return "void";
}

void fdl_referral_code_make(const struct fdl_card_key *key, uint32_t program_id,
                            int64_t member_id, char out[FDL_REFERRAL_CODE_TEXT_MAX])
{
    assert(key && out);
    assert(member_id >= 1 && member_id <= FDL_REFERRAL_MAX_MEMBER_ID);
    uint64_t block = block_encrypt(key, program_id, (uint64_t)member_id);
    uint32_t mac = block_mac(key, program_id, block);
    unsigned char values[FDL_REFERRAL_CODE_SYMBOLS];
    for (int i = 0; i < CODE_BLOCK_SYMBOLS; i++)
        values[i] = (unsigned char)(block >> (5 * (CODE_BLOCK_SYMBOLS - 1 - i)) & 31);
    for (int i = 0; i < CODE_MAC_SYMBOLS; i++)
        values[CODE_BLOCK_SYMBOLS + i] =
            (unsigned char)(mac >> (5 * (CODE_MAC_SYMBOLS - 1 - i)) & 31);
    values[CODE_BODY_SYMBOLS] = (unsigned char)check_value(values);
    size_t len = 0;
    for (int i = 0; i < FDL_REFERRAL_CODE_SYMBOLS; i++) {
        if (i > 0 && i % CODE_GROUP == 0)
            out[len++] = '-';
        out[len++] = alphabet[values[i]];
    }
    assert(len == FDL_REFERRAL_CODE_TEXT_MAX - 1);
    out[len] = '\0';
}

/* The symbol values of input, without separators; 0 or FDL_EBAD_REFERRAL_CODE. */
static int code_values(const char *input, const char *field,
                       unsigned char values[FDL_REFERRAL_CODE_SYMBOLS],
                       struct fdl_error *err)
{
    if (!input)
        input = "";
    if (strnlen(input, FDL_REFERRAL_CODE_INPUT_MAX + 1) > FDL_REFERRAL_CODE_INPUT_MAX)
        return fdl_error_set(err, FDL_EBAD_REFERRAL_CODE, field,
                             "referral code is too long (more than %d characters)",
                             FDL_REFERRAL_CODE_INPUT_MAX);
    size_t count = 0;
    for (const char *p = input; *p; p++) {
        if (*p == ' ' || *p == '-')
            continue;
        int v = symbol_value(*p);
        if (v < 0)
            return fdl_error_set(err, FDL_EBAD_REFERRAL_CODE, field,
                                 "a referral code has only letters, digits, spaces "
                                 "and '-' (and no U)");
        if (count < FDL_REFERRAL_CODE_SYMBOLS)
            values[count] = (unsigned char)v;
        count++;
    }
    if (count != FDL_REFERRAL_CODE_SYMBOLS)
        return fdl_error_set(err, FDL_EBAD_REFERRAL_CODE, field,
                             "a referral code has %d letters and digits, not %zu",
                             FDL_REFERRAL_CODE_SYMBOLS, count);
    return 0;
}

int fdl_referral_code_check(const struct fdl_card_key *key, uint32_t program_id,
                            const char *input, const char *field, int64_t *member_id,
                            struct fdl_error *err)
{
    assert(key && member_id);
    unsigned char values[FDL_REFERRAL_CODE_SYMBOLS];
    int rc = code_values(input, field, values, err);
    if (rc)
        return rc;
    if (check_value(values) != values[CODE_BODY_SYMBOLS])
        return fdl_error_set(err, FDL_EBAD_REFERRAL_CODE, field,
                             "check symbol does not match (typing error?)");
    uint64_t block = 0;
    uint32_t mac = 0;
    for (int i = 0; i < CODE_BLOCK_SYMBOLS; i++)
        block = block << 5 | values[i];
    for (int i = 0; i < CODE_MAC_SYMBOLS; i++)
        mac = mac << 5 | values[CODE_BLOCK_SYMBOLS + i];
    uint32_t expected = block_mac(key, program_id, block);
    unsigned char a[4] = {(unsigned char)(mac >> 8), (unsigned char)mac, 0, 0};
    unsigned char b[4] = {(unsigned char)(expected >> 8), (unsigned char)expected, 0, 0};
    uint64_t id = block_decrypt(key, program_id, block);
    if (sodium_memcmp(a, b, sizeof(a)) != 0 || id < 1)
        return fdl_error_set(err, FDL_EBAD_REFERRAL_CODE, field,
                             "not a referral code of this program");
    *member_id = (int64_t)id;
    return 0;
}

int64_t fdl_referral_due_day(int64_t purchase_day, int return_days)
{
    assert(return_days >= 0 && return_days <= FDL_REFERRAL_MAX_RETURN_DAYS);
    return purchase_day + return_days + 1;
}

int64_t fdl_referral_lapse_day(int64_t enrol_day, int lapse_days)
{
    assert(lapse_days >= 0 && lapse_days <= FDL_REFERRAL_MAX_LAPSE_DAYS);
    return lapse_days ? enrol_day + lapse_days + 1 : 0;
}

int fdl_referral_qualifies(const struct fdl_referral_def *def, int64_t paid_minor)
{
    return def->enabled && paid_minor > 0 && paid_minor >= def->min_spend_minor;
}

void fdl_referral_email_key(const char *email, char out[FDL_MAX_EMAIL_LEN + 1])
{
    const char *at = strrchr(email, '@');
    if (!at) {
        snprintf(out, FDL_MAX_EMAIL_LEN + 1, "%s", email);
        return;
    }
    const char *domain = at + 1;
    int gmail = strcmp(domain, "gmail.com") == 0 || strcmp(domain, "googlemail.com") == 0;
    size_t n = 0;
    for (const char *p = email; p < at && *p != '+' && n < FDL_MAX_EMAIL_LEN; p++)
        if (!(gmail && *p == '.'))
            out[n++] = *p;
    out[n] = '\0';
    snprintf(out + n, FDL_MAX_EMAIL_LEN + 1 - n, "@%s", gmail ? "gmail.com" : domain);
}

void fdl_referral_phone_key(const char *phone, char out[FDL_MAX_PHONE_LEN + 1])
{
    size_t digits = 0;
    for (const char *p = phone; *p; p++)
        digits += *p >= '0' && *p <= '9';
    size_t skip = digits > FDL_REFERRAL_PHONE_KEY_DIGITS
                      ? digits - FDL_REFERRAL_PHONE_KEY_DIGITS
                      : 0;
    size_t n = 0;
    for (const char *p = phone; *p && n < FDL_MAX_PHONE_LEN; p++) {
        if (*p < '0' || *p > '9')
            continue;
        if (skip) {
            skip--;
            continue;
        }
        out[n++] = *p;
    }
    out[n] = '\0';
}

/* ---- the explanation ---- */

enum explain_part {
    X_BOTH,          /* both get points: (referrer points, referee points, purchase) */
    X_REFERRER_ONLY, /* (referrer points, purchase) */
    X_REFEREE_ONLY,  /* (referee points, purchase) */
    X_PURCHASE_MIN,  /* (money) */
    X_PURCHASE_ANY,  /* () */
    X_WINDOW,        /* (days) */
    X_HEADING,
    X_LAPSE, /* (days) */
    X_COUNT_
};

static const char *const explain_text[FDL_LANG_COUNT][X_COUNT_] = {
    [FDL_LANG_EN] =
        {"Bring a friend: you get %s and they get %s after %s.",
         "Bring a friend: you get %s after %s.", "Bring a friend: they get %s after %s.",
         "their first purchase of %s or more", "their first purchase",
         " The points arrive once that purchase's return period (%s) is over.",
         "Bring a friend", " Your friend has %s after joining to make that purchase."},
    [FDL_LANG_ES] =
        {"Trae a un amigo: tú recibes %s y tu amigo %s después de %s.",
         "Trae a un amigo: recibes %s después de %s.",
         "Trae a un amigo: tu amigo recibe %s después de %s.",
         "su primera compra de %s o más", "su primera compra",
         " Los puntos llegan cuando termina el plazo de devolución de esa compra (%s).",
         "Trae a un amigo",
         " Tu amigo tiene %s desde que se apunta para hacer esa compra."},
    [FDL_LANG_CA] =
        {"Porta un amic: tu reps %s i el teu amic %s després de %s.",
         "Porta un amic: reps %s després de %s.",
         "Porta un amic: el teu amic rep %s després de %s.",
         "la seva primera compra de %s o més", "la seva primera compra",
         " Els punts arriben quan acaba el termini de devolució d'aquesta compra (%s).",
         "Porta un amic", " El teu amic té %s des que s'apunta per fer aquesta compra."},
    [FDL_LANG_RU] = {"Приведите друга: вы получите %s, а друг — %s после %s.",
                     "Приведите друга: вы получите %s после %s.",
                     "Приведите друга: друг получит %s после %s.",
                     "его первой покупки на сумму от %s", "его первой покупки",
                     " Баллы начисляются по окончании срока возврата этой покупки (%s).",
                     "Приведите друга",
                     " Чтобы сделать эту покупку, у друга есть %s после регистрации."},
};

/* [lang][plural form] of "point" and "day". */
static const char *const point_words[FDL_LANG_COUNT][FDL_PLURAL_COUNT] = {
    [FDL_LANG_EN] = {"point", "points", "points", "points"},
    [FDL_LANG_ES] = {"punto", "puntos", "puntos", "puntos"},
    [FDL_LANG_CA] = {"punt", "punts", "punts", "punts"},
    [FDL_LANG_RU] = {"балл", "балла", "баллов", "балла"},
};
static const char *const day_words[FDL_LANG_COUNT][FDL_PLURAL_COUNT] = {
    [FDL_LANG_EN] = {"day", "days", "days", "days"},
    [FDL_LANG_ES] = {"día", "días", "días", "días"},
    [FDL_LANG_CA] = {"dia", "dies", "dies", "dies"},
    [FDL_LANG_RU] = {"день", "дня", "дней", "дня"},
};

/* "500 points" in lang into out[cap]. */
static void counted(char *out, size_t cap, enum fdl_lang lang,
                    const char *const words[FDL_LANG_COUNT][FDL_PLURAL_COUNT],
                    long long n)
{
    char number[32];
    fdl_lang_format_number(number, sizeof(number), fdl_lang_code(lang), n);
    snprintf(out, cap, "%s %s", number, words[lang][fdl_plural_form_lang(lang, n)]);
}

static enum fdl_lang lang_of(const char *lang)
{
    int l = fdl_lang_parse(lang);
    return l < 0 ? FDL_LANG_EN : (enum fdl_lang)l;
}

const char *fdl_referrals_heading(const char *lang)
{
    return explain_text[lang_of(lang)][X_HEADING];
}

size_t fdl_referrals_explain(const struct fdl_referral_def *def,
                             const struct fdl_program *p, const char *lang, char *out,
                             size_t cap)
{
    assert(def && p);
    enum fdl_lang l = lang_of(lang);
    const char *const *t = explain_text[l];
    char referrer[64], referee[64], money[48], purchase[128], days[48], window[256];
    char lapse[256], lapse_days[48];
    counted(referrer, sizeof(referrer), l, point_words, (long long)def->referrer_points);
    counted(referee, sizeof(referee), l, point_words, (long long)def->referee_points);
    fdl_lang_format_money(money, sizeof(money), fdl_lang_code(l), def->min_spend_minor,
                          p->currency, p->minor_per_unit);
    if (def->min_spend_minor > 0)
        snprintf(purchase, sizeof(purchase), t[X_PURCHASE_MIN], money);
    else
        snprintf(purchase, sizeof(purchase), "%s", t[X_PURCHASE_ANY]);
    counted(days, sizeof(days), l, day_words, def->return_days);
    window[0] = '\0';
    if (def->return_days > 0)
        snprintf(window, sizeof(window), t[X_WINDOW], days);
    lapse[0] = '\0';
    counted(lapse_days, sizeof(lapse_days), l, day_words, def->lapse_days);
    if (def->lapse_days > 0)
        snprintf(lapse, sizeof(lapse), t[X_LAPSE], lapse_days);
    char sentence[FDL_REFERRAL_EXPLAIN_MAX];
    if (def->referrer_points > 0 && def->referee_points > 0)
        snprintf(sentence, sizeof(sentence), t[X_BOTH], referrer, referee, purchase);
    else if (def->referrer_points > 0)
        snprintf(sentence, sizeof(sentence), t[X_REFERRER_ONLY], referrer, purchase);
    else
        snprintf(sentence, sizeof(sentence), t[X_REFEREE_ONLY], referee, purchase);
    int n = snprintf(out, cap, "%s%s%s", sentence, window, lapse);
    return n < 0 ? 0 : (size_t)n;
}
