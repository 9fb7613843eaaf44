/* keys.c - API key creation and verification; see keys.h. */
#include "service/keys.h"

#include "base/clock.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define KEY_SECRET_LEN 32
static const char key_alphabet[] =
    "abcdefghijkmnpqrstuvwxyz23456789"; /* 32, no 0/o/1/l */

static void random_text(char *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = key_alphabet[randombytes_uniform(32)];
    out[n] = '\0';
}

static void key_hash(const char *text, unsigned char hash[FDL_KEY_HASH_BYTES])
{
    crypto_generichash(hash, FDL_KEY_HASH_BYTES, (const unsigned char *)text,
                       strlen(text), NULL, 0);
}

int fdl_key_create(struct fdl_store *st, int64_t program_id, const char *name,
                   unsigned scopes, const char *partner, char out[FDL_KEY_TEXT_LEN + 1],
                   struct fdl_error *err)
{
    if (!(scopes & (FDL_SCOPE_POS | FDL_SCOPE_ADMIN)))
        return fdl_error_set(err, FDL_EINVALID, "scopes", "name at least one scope");
    struct fdl_api_key key;
    memset(&key, 0, sizeof(key));
    char secret[KEY_SECRET_LEN + 1], text[FDL_KEY_TEXT_LEN + 1];
    random_text(key.id, FDL_KEY_ID_LEN);
    random_text(secret, KEY_SECRET_LEN);
    snprintf(text, sizeof(text), "fdl_%s_%s", key.id, secret);
    key.program_id = program_id;
    snprintf(key.name, sizeof(key.name), "%s", name ? name : "");
    key.scopes = scopes;
    snprintf(key.partner, sizeof(key.partner), "%s", partner ? partner : "");
    key_hash(text, key.hash);
    key.created_at_s = fdl_clock_now_s();
    int rc = FDL_STORE_CALL(st, key_insert, &key, err);
    if (rc == 0)
        memcpy(out, text, sizeof(text));
    sodium_memzero(secret, sizeof(secret));
    sodium_memzero(text, sizeof(text));
    return rc;
}

static int well_formed(const char *text)
{
    if (strlen(text) != FDL_KEY_TEXT_LEN || strncmp(text, "fdl_", 4) != 0 ||
        text[4 + FDL_KEY_ID_LEN] != '_')
        return 0;
    for (size_t i = 4; i < FDL_KEY_TEXT_LEN; i++)
        if (i != 4 + FDL_KEY_ID_LEN && !strchr(key_alphabet, text[i]))
            return 0;
    return 1;
}

int fdl_key_verify(struct fdl_store *st, const char *text, struct fdl_api_key *key,
                   struct fdl_error *err)
{
    if (!text || !well_formed(text))
        return fdl_error_set(err, FDL_EUNAUTHENTICATED, NULL, "the API key is not valid");
    char id[FDL_KEY_ID_LEN + 1];
    memcpy(id, text + 4, FDL_KEY_ID_LEN);
    id[FDL_KEY_ID_LEN] = '\0';
    struct fdl_api_key found;
    int rc = FDL_STORE_CALL(st, key_get, id, &found, err);
    if (rc && rc != FDL_ENOT_FOUND)
        return rc;
    unsigned char hash[FDL_KEY_HASH_BYTES];
    key_hash(text, hash);
    if (rc == FDL_ENOT_FOUND || found.revoked ||
        sodium_memcmp(hash, found.hash, sizeof(hash)))
        return fdl_error_set(err, FDL_EUNAUTHENTICATED, NULL, "the API key is not valid");
    *key = found;
    return 0;
}

int fdl_scopes_parse(const char *text)
{
    if (strcmp(text, "pos") == 0)
        return FDL_SCOPE_POS;
    if (strcmp(text, "admin") == 0)
        return FDL_SCOPE_ADMIN;
    if (strcmp(text, "pos,admin") == 0 || strcmp(text, "admin,pos") == 0)
        return FDL_SCOPE_POS | FDL_SCOPE_ADMIN;
    return -1;
}

void fdl_key_cache_init(struct fdl_key_cache *c)
{
    memset(c, 0, sizeof(*c));
    pthread_mutex_init(&c->lock, NULL);
}

void fdl_key_cache_release(struct fdl_key_cache *c)
{
    pthread_mutex_destroy(&c->lock);
    sodium_memzero(c->slots, sizeof(c->slots));
}

static size_t slot_of(const char *id)
{
    uint32_t h = 2166136261u; /* FNV-1a over the key id */
    for (size_t i = 0; i < FDL_KEY_ID_LEN && id[i]; i++)
        h = (h ^ (unsigned char)id[i]) * 16777619u;
    return h % FDL_KEY_CACHE_SLOTS;
}

int fdl_key_cache_get(struct fdl_key_cache *c, const char *text, int64_t now_ns,
                      struct fdl_api_key *key)
{
    if (!text || !well_formed(text))
        return 0;
    char id[FDL_KEY_ID_LEN + 1];
    memcpy(id, text + 4, FDL_KEY_ID_LEN);
    id[FDL_KEY_ID_LEN] = '\0';
    size_t i = slot_of(id);
    struct fdl_api_key found;
    int64_t read_at;
    pthread_mutex_lock(&c->lock);
    found = c->slots[i].key;
    read_at = c->slots[i].read_at_ns;
    pthread_mutex_unlock(&c->lock);
    if (read_at == 0 || now_ns - read_at >= FDL_KEY_CACHE_TTL_NS || now_ns < read_at ||
        strcmp(found.id, id) != 0 || found.revoked)
        return 0;
    unsigned char hash[FDL_KEY_HASH_BYTES];
    key_hash(text, hash);
    if (sodium_memcmp(hash, found.hash, sizeof(hash)))
        return 0;
    *key = found;
    return 1;
}

void fdl_key_cache_put(struct fdl_key_cache *c, const struct fdl_api_key *key,
                       int64_t now_ns)
{
    size_t i = slot_of(key->id);
    pthread_mutex_lock(&c->lock);
    c->slots[i].key = *key;
    c->slots[i].read_at_ns = now_ns;
    pthread_mutex_unlock(&c->lock);
}
