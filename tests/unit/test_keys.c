/*
 * test_keys.c - the cache of verified API keys: a hit needs the full key
 * text, a fresh entry, the same key id and an unrevoked key.
 */
#include "service/keys.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

#define SECOND_NS 1000000000LL

static struct fdl_api_key stored_key(const char *text)
{
    struct fdl_api_key k;
    memset(&k, 0, sizeof(k));
    memcpy(k.id, text + 4, FDL_KEY_ID_LEN);
    k.program_id = 7;
    k.scopes = FDL_SCOPE_POS;
    crypto_generichash(k.hash, sizeof(k.hash), (const unsigned char *)text, strlen(text),
                       NULL, 0);
    return k;
}

static const char text_a[] = "fdl_abcdefghijkm_abcdefghijkmnpqrstuvwxyz23456789";
static const char text_a_wrong[] = "fdl_abcdefghijkm_abcdefghijkmnpqrstuvwxyz23456788";
static const char text_b[] = "fdl_bbcdefghijkm_abcdefghijkmnpqrstuvwxyz23456789";

static void test_a_fresh_entry_with_the_right_text_is_a_hit(void)
{
    static struct fdl_key_cache c;
    fdl_key_cache_init(&c);
    struct fdl_api_key k = stored_key(text_a), out;
    CHECK_INT(fdl_key_cache_get(&c, text_a, 100 * SECOND_NS, &out), 0);
    fdl_key_cache_put(&c, &k, 100 * SECOND_NS);
    memset(&out, 0, sizeof(out));
    CHECK_INT(fdl_key_cache_get(&c, text_a, 105 * SECOND_NS, &out), 1);
    CHECK_INT(out.program_id, 7);
    CHECK_STR(out.id, k.id);
    fdl_key_cache_release(&c);
}

static void test_a_wrong_secret_or_another_id_misses(void)
{
    static struct fdl_key_cache c;
    fdl_key_cache_init(&c);
    struct fdl_api_key k = stored_key(text_a), out;
    fdl_key_cache_put(&c, &k, SECOND_NS);
    CHECK_INT(fdl_key_cache_get(&c, text_a_wrong, SECOND_NS, &out), 0);
    CHECK_INT(fdl_key_cache_get(&c, text_b, SECOND_NS, &out), 0);
    CHECK_INT(fdl_key_cache_get(&c, "fdl_short", SECOND_NS, &out), 0);
    CHECK_INT(fdl_key_cache_get(&c, NULL, SECOND_NS, &out), 0);
    fdl_key_cache_release(&c);
}

static void test_entries_expire_and_revoked_keys_miss(void)
{
    static struct fdl_key_cache c;
    fdl_key_cache_init(&c);
    struct fdl_api_key k = stored_key(text_a), out;
    fdl_key_cache_put(&c, &k, SECOND_NS);
    CHECK_INT(fdl_key_cache_get(&c, text_a, SECOND_NS + FDL_KEY_CACHE_TTL_NS - 1, &out),
              1);
    CHECK_INT(fdl_key_cache_get(&c, text_a, SECOND_NS + FDL_KEY_CACHE_TTL_NS, &out), 0);
    CHECK_INT(fdl_key_cache_get(&c, text_a, 0, &out), 0); /* clock went back */
    k.revoked = 1;
    fdl_key_cache_put(&c, &k, 2 * SECOND_NS);
    CHECK_INT(fdl_key_cache_get(&c, text_a, 2 * SECOND_NS, &out), 0);
    fdl_key_cache_release(&c);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    RUN(test_a_fresh_entry_with_the_right_text_is_a_hit);
    RUN(test_a_wrong_secret_or_another_id_misses);
    RUN(test_entries_expire_and_revoked_keys_miss);
    return check_done();
}
