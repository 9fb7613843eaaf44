/*
 * coupons.c - coupon codes (generation, normalisation, keyed check, hash,
 * display) and coupon arithmetic (which lines, how much off, stacking).
 * Pure: see coupons.h.
 */
#include "engine/coupons.h"

#include "engine/earn.h"

#include <assert.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define COUPON_MAC_BYTES 16
#define COUPON_BITS      5 /* per base32 character */

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
static const char coupon_mac_context[] = "fidelis-coupon-v1";
static const char coupon_hash_context[] = "fidelis-coupon-hash-v1";

_Static_assert(sizeof(crockford) == 33, "32 symbols");
_Static_assert(FDL_COUPON_MAC_CHARS *COUPON_BITS <= 32, "the MAC fits in 32 bits");

static void program_be(uint32_t program_id, unsigned char out[4])
{
    out[0] = (unsigned char)(program_id >> 24);
    out[1] = (unsigned char)(program_id >> 16);
    out[2] = (unsigned char)(program_id >> 8);
    out[3] = (unsigned char)program_id;
}

/* The check characters of the random part body. */
static void coupon_mac(const struct fdl_card_key *key, uint32_t program_id,
                       const char *body, char mac[FDL_COUPON_MAC_CHARS])
{
    unsigned char be[4], hash[COUPON_MAC_BYTES];
    program_be(program_id, be);
    crypto_generichash_state state;
    int rc =
        crypto_generichash_init(&state, key->bytes, sizeof(key->bytes), sizeof(hash));
    assert(rc == 0);
    crypto_generichash_update(&state, (const unsigned char *)coupon_mac_context,
                              sizeof(coupon_mac_context) - 1);
    crypto_generichash_update(&state, be, sizeof(be));
    crypto_generichash_update(&state, (const unsigned char *)body,
                              FDL_COUPON_RANDOM_CHARS);
    rc = crypto_generichash_final(&state, hash, sizeof(hash));
    assert(rc == 0);
    (void)rc;
    uint32_t value = (uint32_t)hash[0] << 24 | (uint32_t)hash[1] << 16 |
                     (uint32_t)hash[2] << 8 | hash[3];
    value >>= 32 - FDL_COUPON_MAC_CHARS * COUPON_BITS;
    for (int i = FDL_COUPON_MAC_CHARS - 1; i >= 0; i--) {
        mac[i] = crockford[value & 31u];
        value >>= COUPON_BITS;
    }
    sodium_memzero(&state, sizeof(state));
    sodium_memzero(hash, sizeof(hash));
}

void fdl_coupon_generate(const struct fdl_card_key *key, uint32_t program_id,
                         char out[FDL_COUPON_CODE_CHARS + 1])
{
    assert(key && out);
    for (int i = 0; i < FDL_COUPON_RANDOM_CHARS; i++)
        out[i] = crockford[randombytes_uniform(32)];
    coupon_mac(key, program_id, out, out + FDL_COUPON_RANDOM_CHARS);
    out[FDL_COUPON_CODE_CHARS] = '\0';
}

int fdl_coupon_normalize(const char *input, char out[FDL_COUPON_TEXT_MAX])
{
    if (!input || strnlen(input, FDL_COUPON_INPUT_MAX + 1) > FDL_COUPON_INPUT_MAX)
        return -1;
    char buf[FDL_COUPON_TEXT_MAX];
    int n = 0;
    for (const char *p = input; *p; p++) {
        char c = *p;
        if (c == ' ' || c == '-')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c == 'O')
            c = '0';
        else if (c == 'I' || c == 'L')
            c = '1';
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return -1;
        if (n >= FDL_COUPON_GENERIC_MAX)
            return -1;
        buf[n++] = c;
    }
    if (n == 0)
        return -1;
    buf[n] = '\0';
    memcpy(out, buf, (size_t)n + 1);
    return n;
}

int fdl_coupon_check(const struct fdl_card_key *key, uint32_t program_id,
                     const char *normalized, const char *field, struct fdl_error *err)
{
    assert(key);
    if (!normalized || strlen(normalized) != FDL_COUPON_CODE_CHARS)
        return fdl_error_set(err, FDL_EINVALID, field, "not a valid coupon code");
    for (int i = 0; i < FDL_COUPON_CODE_CHARS; i++)
        if (!strchr(crockford, normalized[i]) || normalized[i] == '\0')
            return fdl_error_set(err, FDL_EINVALID, field, "not a valid coupon code");
    char mac[FDL_COUPON_MAC_CHARS];
    coupon_mac(key, program_id, normalized, mac);
    if (sodium_memcmp(mac, normalized + FDL_COUPON_RANDOM_CHARS, sizeof(mac)) != 0)
        return fdl_error_set(err, FDL_EINVALID, field,
                             "not a valid coupon code (typing error?)");
    return 0;
}

void fdl_coupon_hash(uint32_t program_id, const char *normalized,
                     unsigned char out[FDL_COUPON_HASH_BYTES])
{
    unsigned char be[4];
    program_be(program_id, be);
    crypto_generichash_state state;
    crypto_generichash_init(&state, NULL, 0, FDL_COUPON_HASH_BYTES);
    crypto_generichash_update(&state, (const unsigned char *)coupon_hash_context,
                              sizeof(coupon_hash_context) - 1);
    crypto_generichash_update(&state, be, sizeof(be));
    crypto_generichash_update(&state, (const unsigned char *)normalized,
                              strlen(normalized));
    crypto_generichash_final(&state, out, FDL_COUPON_HASH_BYTES);
}

void fdl_coupon_format(const char *normalized, char out[FDL_COUPON_FORMATTED_MAX])
{
    size_t n = 0;
    for (size_t i = 0; normalized[i] && i < FDL_COUPON_CODE_CHARS; i++) {
        if (i && i % 4 == 0)
            out[n++] = '-';
        out[n++] = normalized[i];
    }
    out[n] = '\0';
}

void fdl_coupon_mask(const char *normalized, char out[FDL_COUPON_TEXT_MAX])
{
    size_t len = strnlen(normalized, FDL_COUPON_TEXT_MAX - 1);
    for (size_t i = 0; i < len; i++)
        out[i] = i + FDL_COUPON_MASK_VISIBLE < len ? '*' : normalized[i];
    out[len] = '\0';
}

const struct fdl_coupon_campaign *
fdl_coupon_find_generic(const struct fdl_coupon_campaign *campaigns, size_t n,
                        const char *normalized)
{
    for (size_t i = 0; i < n; i++)
        if (!campaigns[i].single_use && strcmp(campaigns[i].code, normalized) == 0)
            return &campaigns[i];
    return NULL;
}

const struct fdl_coupon_campaign *fdl_coupon_find(const struct fdl_coupon_campaign *c,
                                                  size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i].id, id) == 0)
            return &c[i];
    return NULL;
}

/* ---- arithmetic ---- */

static int compare_key(const void *key, const void *item)
{
    return strcmp((const char *)key, *(const char *const *)item);
}

static int set_has(const struct fdl_string_set *set, const char *s)
{
    return s && set->n &&
           bsearch(s, set->items, set->n, sizeof(*set->items), compare_key) != NULL;
}

const char *fdl_coupon_refusal_text(enum fdl_coupon_refusal r)
{
    switch (r) {
    case FDL_COUPON_OK:
        return "applies";
    case FDL_COUPON_NOT_YET:
        return "the campaign has not started yet";
    case FDL_COUPON_ENDED:
        return "the campaign has ended";
    case FDL_COUPON_TIER:
        return "the member's tier may not use this coupon";
    case FDL_COUPON_MIN_BASKET:
        return "the basket is below the coupon's minimum";
    case FDL_COUPON_NO_LINES:
        return "the coupon applies to none of the basket's lines";
    }
    return "does not apply";
}

enum fdl_coupon_refusal fdl_coupon_applies(const struct fdl_coupon_campaign *c,
                                           int64_t day, const char *tier,
                                           int64_t total_minor)
{
    assert(c);
    if (c->has_valid_from && day < c->valid_from_day)
        return FDL_COUPON_NOT_YET;
    if (c->has_valid_until && day > c->valid_until_day)
        return FDL_COUPON_ENDED;
    if (c->tiers.n && !set_has(&c->tiers, tier))
        return FDL_COUPON_TIER;
    if (total_minor < c->min_basket_minor)
        return FDL_COUPON_MIN_BASKET;
    return FDL_COUPON_OK;
}

int fdl_coupon_line_matches(const struct fdl_coupon_campaign *c,
                            const struct fdl_rules_line *l)
{
    if (c->skus.n && !set_has(&c->skus, l->sku))
        return 0;
    if (c->categories.n && !set_has(&c->categories, l->category))
        return 0;
    if (c->labels.n) {
        int hit = 0;
        for (size_t i = 0; i < l->n_labels && !hit; i++)
            hit = set_has(&c->labels, l->labels[i]);
        if (!hit)
            return 0;
    }
    if (c->effect == FDL_COUPON_FREE_ITEM && !set_has(&c->free_skus, l->sku))
        return 0;
    return 1;
}

/* The free-item discount: one unit of the cheapest matching line. */
static int64_t free_item(const struct fdl_coupon_campaign *c,
                         const struct fdl_rules_line *lines, size_t n, int64_t *remaining,
                         int64_t *line_discount)
{
    size_t best = n;
    for (size_t i = 0; i < n; i++)
        if (lines[i].quantity > 0 && remaining[i] > 0 &&
            fdl_coupon_line_matches(c, &lines[i]) &&
            (best == n || lines[i].unit_price_minor < lines[best].unit_price_minor))
            best = i;
    if (best == n)
        return 0;
    int64_t d = lines[best].unit_price_minor < remaining[best]
                    ? lines[best].unit_price_minor
                    : remaining[best];
    line_discount[best] = d;
    remaining[best] -= d;
    return d;
}

int64_t fdl_coupon_discount(const struct fdl_coupon_campaign *c,
                            const struct fdl_rules_line *lines, size_t n,
                            int64_t *remaining, int64_t *line_discount)
{
    assert(c && lines && remaining && line_discount && n <= FDL_MAX_BASKET_LINES);
    for (size_t i = 0; i < n; i++)
        line_discount[i] = 0;
    if (c->effect == FDL_COUPON_FREE_ITEM)
        return free_item(c, lines, n, remaining, line_discount);
    int64_t weights[FDL_MAX_BASKET_LINES], shares[FDL_MAX_BASKET_LINES];
    size_t index[FDL_MAX_BASKET_LINES], m = 0;
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (remaining[i] <= 0 || !fdl_coupon_line_matches(c, &lines[i]))
            continue;
        index[m] = i;
        weights[m++] = remaining[i];
        sum += remaining[i];
    }
    if (m == 0 || sum == 0)
        return 0;
    int64_t total = c->effect == FDL_COUPON_PERCENT
                        ? (int64_t)((__int128)sum * c->percent / 100)
                        : (c->amount_minor < sum ? c->amount_minor : sum);
    if (total <= 0)
        return 0;
    fdl_allocate(total, weights, m, shares);
    for (size_t k = 0; k < m; k++) {
        assert(shares[k] <= weights[k]);
        line_discount[index[k]] = shares[k];
        remaining[index[k]] -= shares[k];
    }
    return total;
}

int fdl_coupon_stacking_conflict(const struct fdl_coupon_campaign *const *cs, size_t n,
                                 size_t *index)
{
    if (n <= 1)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (cs[i]->stacking == FDL_COUPON_EXCLUSIVE) {
            *index = i;
            return -1;
        }
    }
    return 0;
}

const char *fdl_coupon_effect_name(enum fdl_coupon_effect e)
{
    switch (e) {
    case FDL_COUPON_PERCENT:
        return "percent";
    case FDL_COUPON_AMOUNT:
        return "amount";
    case FDL_COUPON_FREE_ITEM:
        return "free_item";
    }
    return "?";
}

const char *fdl_coupon_stacking_name(enum fdl_coupon_stacking s)
{
    return s == FDL_COUPON_STACKABLE ? "stackable" : "exclusive";
}
